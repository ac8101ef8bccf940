"""The review page in a real browser: Playwright driving the system Chromium against ``termlock review``.

What a reviewer does, end to end, on the bundled flawed corpus: filter,
accept a finding with a reason, fix a missing term and watch it turn ok,
reload and find everything kept, export, and check that ``termlock check
--accept`` on the exported files gives exactly the page's figures. Then
two browsers on one segment, hostile text, and a 20,000-segment job.

Skipped with the reason when Playwright or Chromium is missing
(``apt-get install -y chromium fonts-noto-cjk``; ``pip install playwright``;
no browser download is needed). With ``TERMLOCK_SCREENSHOTS=1`` the
screenshots the README shows are written to ``docs/images/``.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
from review_helpers import GLOSSARY, ROOT, bundled_copy, review_server

from termlock.cli import main

pytest.importorskip("fastapi", reason="the review page needs the server extra (pip install 'termlock[server]')")
playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")

CHROMIUM = next((p for p in (shutil.which("chromium"), shutil.which("chromium-browser"), shutil.which("google-chrome")) if p), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine (apt-get install -y chromium fonts-noto-cjk)")

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
VIEWPORT = {"width": 1440, "height": 960}


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield launched
        launched.close()


class Watched:
    """A page whose script errors, console errors and dialogs (an injected alert) are collected."""

    def __init__(self, browser, url: str) -> None:
        self.context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        self.page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        self.open(url)

    def open(self, url: str) -> None:
        self.page.goto(url)
        self.page.wait_for_selector("body[data-ready=true]", timeout=180_000)
        self.settle()

    def settle(self) -> None:
        """Wait until no API request is in flight."""
        self.until("!document.body.hasAttribute('aria-busy')")

    def until(self, expression: str, timeout: float = 180.0) -> None:
        """Poll a JavaScript expression until it is true (``wait_for_function`` evaluates strings, which the CSP forbids)."""
        deadline = time.monotonic() + timeout
        while not self.page.evaluate(expression):
            if time.monotonic() > deadline:
                raise AssertionError(f"still false after {timeout} s: {expression}")
            self.page.wait_for_timeout(25)

    def figure(self, name: str) -> str:
        return self.page.inner_text(f"[data-figure={name}] .value").strip()

    def rows(self) -> list[dict]:
        return self.page.eval_on_selector_all(
            "#rows tr.finding", "rows => rows.map(r => ({key: r.dataset.key, status: r.dataset.status, text: r.innerText}))")

    def close(self) -> None:
        self.context.close()


def shot(page, tmp_path: Path, name: str) -> Path:
    """A screenshot: into docs/images when TERMLOCK_SCREENSHOTS=1 (for the README), else beside the test."""
    page.evaluate("document.getElementById('status').className = ''")  # no passing message over the picture
    folder = ROOT / "docs" / "images" if os.environ.get("TERMLOCK_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    page.screenshot(path=str(path))
    assert path.stat().st_size > 20_000
    return path


def summary_as_the_page_shows_it(summary: dict) -> dict[str, str]:
    return {
        "rate": f"{summary['term_success_rate'] * 100:.2f}%",
        "occurrences": f"{summary['term_occurrences']:,}",
        "ok": f"{summary['ok']:,}",
        "missing": f"{summary['missing']:,}",
        "forbidden": f"{summary['forbidden']:,}",
        "accepted": f"{summary['accepted']:,}",
        "inconsistent": f"{summary['inconsistent_terms']:,}",
    }


def test_a_reviewer_works_through_the_bundled_flawed_corpus(browser, tmp_path):
    corpus = bundled_copy(tmp_path)
    references = corpus["reference"].read_text(encoding="utf-8").splitlines()
    args = ["--source", corpus["source"].name, "--target", corpus["target"].name, "--reference", corpus["reference"].name]
    with review_server(args, tmp_path) as (url, _, _):
        view = Watched(browser, url)
        page = view.page
        assert view.figure("rate") == "92.12%" and view.figure("missing") == "22" and view.figure("forbidden") == "11"
        assert len(view.rows()) == 33

        # filter: forbidden only, then by text
        page.uncheck("#status-filters input[value=missing]")
        view.settle()
        assert {row["status"] for row in view.rows()} == {"forbidden"} and len(view.rows()) == 11
        page.fill("#text-filter", "kinetic")
        view.until("document.querySelectorAll('#rows tr.finding').length === 1")
        assert "new kinetic energy" in view.rows()[0]["text"]
        page.fill("#text-filter", "")
        view.until("document.querySelectorAll('#rows tr.finding').length === 11")

        # accept a forbidden finding with a reason, from the keyboard
        first = view.rows()[0]["key"]
        page.click(f"tr.finding[data-key='{first}'] td.term")
        page.keyboard.press("a")
        page.wait_for_selector("#accept-dialog[open]")
        page.fill("#accept-reason", "the 2021 plan is quoted verbatim")
        page.keyboard.press("Control+Enter")
        page.wait_for_selector(f"tr.finding[data-key='{first}'][data-status=accepted]")
        view.settle()
        assert view.figure("accepted") == "1" and view.figure("forbidden") == "10"
        assert "the 2021 plan is quoted verbatim" in page.inner_text(f"tr.finding[data-key='{first}']")

        # edit a target to fix a missing term: it turns ok and the rate goes up
        page.check("#status-filters input[value=missing]")
        page.uncheck("#status-filters input[value=forbidden]")
        view.settle()
        row = view.rows()[0]
        index = int(row["key"].split(":")[0])
        rate_before, missing_before = view.figure("rate"), int(view.figure("missing"))
        fixes = sum(1 for r in view.rows() if r["key"].startswith(f"{index}:"))
        page.click(f"tr.finding[data-key='{row['key']}'] td.term")
        page.keyboard.press("e")
        page.wait_for_selector(".editor textarea")
        page.fill(".editor textarea", references[index])
        shot(page, tmp_path, "review-edit.png")
        page.keyboard.press("Control+Enter")
        page.wait_for_selector(f"tr.finding[data-key='{row['key']}'][data-status=ok]")
        view.settle()
        assert view.figure("rate") != rate_before and float(view.figure("rate")[:-1]) > float(rate_before[:-1])
        assert int(view.figure("missing")) == missing_before - fixes

        # propose a variant and take it back with undo
        page.click("#tabs [data-view=findings]")
        missing_row = next(r for r in view.rows() if r["status"] == "missing")
        page.click(f"tr.finding[data-key='{missing_row['key']}'] td.term")
        page.keyboard.press("p")
        page.wait_for_selector("#propose-dialog[open]")
        page.fill("#propose-rendering", "an acceptable rendering")
        page.fill("#propose-reason", "the ministry's own usage")
        page.keyboard.press("Control+Enter")
        view.until("document.getElementById('status').textContent.indexOf('Proposed') >= 0")
        page.keyboard.press("u")
        view.until("document.getElementById('status').textContent.indexOf('Undone: your latest propose') >= 0")
        view.settle()

        page.check("#status-filters input[value=forbidden]")
        page.check("#status-filters input[value=accepted]")
        view.settle()
        page.click(f"tr.finding[data-key='{first}'] td.term")
        view.settle()
        page.evaluate("window.scrollTo(0, 0)")
        shot(page, tmp_path, "review-workbench.png")
        figures = {name: view.figure(name) for name in ("rate", "occurrences", "ok", "missing", "forbidden", "accepted", "inconsistent")}

        # reload: everything kept, the reviewer back on the finding they were on
        # the cursor is saved a moment after a move: wait until the server has it (a loaded machine is slow)
        view.until("fetch('/api/overview').then(r => r.json()).then(o => !!o.cursor && o.cursor.key === "
                   + json.dumps(first) + ")")
        view.open(url)
        assert {name: view.figure(name) for name in figures} == figures
        assert page.get_attribute("tr.finding.current", "data-key") == first
        statuses = page.evaluate(f"fetch('/api/segments/{index}').then(r => r.json()).then(s => s.rows.map(r => r.status))")
        assert statuses and set(statuses) == {"ok"}

        page.click("#tabs [data-view=inconsistent]")
        page.wait_for_selector(".incons")
        shot(page, tmp_path, "review-inconsistent.png")

        # export from the page, then check the exported files from the command line
        page.click("#tabs [data-view=export]")
        exported = {}
        for link, name in (("#export-target", "reviewed.en"), ("#export-accepted", "accepted.yaml")):
            with page.expect_download() as download:
                page.click(link)
            exported[name] = tmp_path / name
            download.value.save_as(exported[name])
        assert not view.errors and not view.dialogs
        view.close()

    report = tmp_path / "check.json"
    code = main(["check", "--source", str(corpus["source"]), "--target", str(exported["reviewed.en"]),
                 "--reference", str(corpus["reference"]), "--accept", str(exported["accepted.yaml"]), "--json", str(report)])
    assert code == 0
    assert summary_as_the_page_shows_it(json.loads(report.read_text(encoding="utf-8"))["summary"]) == figures


def test_a_reviewer_filters_spelling_findings_and_fixes_one(browser, tmp_path):
    """Ok for the rate, not in the glossary's spelling: their own filter box, the glossary spelling beside what was written."""
    (tmp_path / "src.zh").write_text("深化国有企业改革。\n推动高质量发展。\n保障粮食安全。\n保障粮食安全。\n", encoding="utf-8")
    (tmp_path / "tgt.en").write_text("Deepen the reform of State owned enterprises.\nPromote HIGH QUALITY development.\n"
                                     "Ensure food security.\nEnsure the harvest.\n", encoding="utf-8")  # fmt: skip
    with review_server(["--source", "src.zh", "--target", "tgt.en"], tmp_path) as (url, _, _):
        view = Watched(browser, url)
        page = view.page
        assert view.figure("spelling") == "2" and view.figure("rate") == "75.00%"
        assert page.inner_text("[data-count=spelling]") == "(2)" and page.inner_text("[data-count=ok]") == "(1)"
        assert [row["status"] for row in view.rows()] == ["missing"]  # problems by default

        page.uncheck("#status-filters input[value=missing]")
        page.uncheck("#status-filters input[value=forbidden]")
        page.check("#status-filters input[value=spelling]")
        view.settle()
        rows = view.rows()
        assert [row["status"] for row in rows] == ["spelling", "spelling"]
        assert "“State owned enterprises” glossary spelling: “State-owned enterprises”" in rows[0]["text"]
        assert "“HIGH QUALITY development” glossary spelling: “High-Quality development”" in rows[1]["text"]
        assert page.query_selector(f"tr.finding[data-key='{rows[0]['key']}'] button:text('Accept')") is None  # ok: nothing to accept

        # write the glossary's spelling: the finding leaves the box
        page.click(f"tr.finding[data-key='{rows[0]['key']}'] td.term")
        page.keyboard.press("e")
        page.wait_for_selector(".editor textarea")
        page.fill(".editor textarea", "Deepen the reform of state-owned enterprises.")
        page.keyboard.press("Control+Enter")
        page.wait_for_selector(f"tr.finding[data-key='{rows[0]['key']}'][data-status=ok]")
        view.settle()
        assert view.figure("spelling") == "1" and page.inner_text("[data-count=spelling]") == "(1)"
        assert view.figure("rate") == "75.00%"  # spelling findings are not in the rate
        assert not view.errors and not view.dialogs
        view.close()


def test_two_browsers_on_one_segment_never_overwrite_each_other(browser, tmp_path):
    corpus = bundled_copy(tmp_path)
    with review_server(["--source", str(corpus["source"]), "--target", str(corpus["target"])], tmp_path) as (url, _, _):
        ann, bob = Watched(browser, url), Watched(browser, url)
        for view, name in ((ann, "Ann"), (bob, "Bob")):
            view.page.fill("#reviewer", name)
            view.page.dispatch_event("#reviewer", "change")
        key = ann.rows()[0]["key"]
        for view in (ann, bob):
            view.page.click(f"tr.finding[data-key='{key}'] td.term")
            view.page.keyboard.press("e")
            view.page.wait_for_selector(".editor textarea")
        ann.page.fill(".editor textarea", "Ann's correction.")
        ann.page.keyboard.press("Control+Enter")
        ann.page.wait_for_selector(".editor", state="detached")
        bob.page.fill(".editor textarea", "Bob's correction.")
        bob.page.keyboard.press("Control+Enter")
        bob.page.wait_for_selector(".conflict:not([hidden])")
        conflict = bob.page.inner_text(".conflict")
        assert "was changed by Ann" in conflict and "Ann's correction." in conflict and "not saved" in conflict
        shot(bob.page, tmp_path, "review-conflict.png")
        assert bob.page.input_value(".editor textarea") == "Bob's correction."  # nothing the reviewer typed is lost
        bob.page.click(".conflict button:has-text('Use the current text')")
        assert bob.page.input_value(".editor textarea") == "Ann's correction."
        index = key.split(":")[0]
        assert ann.page.evaluate(f"fetch('/api/segments/{index}').then(r => r.json()).then(s => s.target)") == "Ann's correction."
        assert not ann.errors
        assert all("status of 409 (Conflict)" in error for error in bob.errors)  # the refusal itself, logged by Chromium
        ann.close()
        bob.close()


HOSTILE_SOURCE = "发挥<script>window.__pwned=1</script>双核作用\u202e。"
HOSTILE_TARGET = "<img src=x onerror=\"window.__pwned=2\">Let the double nuclei \u202eplay</script><b>bold</b>"


def test_hostile_text_renders_as_text_and_long_segments_stay_light(browser, tmp_path):
    glossary = tmp_path / "g.yaml"
    glossary.write_text(GLOSSARY, encoding="utf-8")
    long_source = "甲" * 60_000 + "双核" + "乙" * 40_000
    long_target = "word " * 12_000 + "double nuclei" + " end" * 10_000
    (tmp_path / "s.zh").write_text(f"{HOSTILE_SOURCE}\n{long_source}\n破解卡脖子难题。\n", encoding="utf-8")
    (tmp_path / "t.en").write_text(f"{HOSTILE_TARGET}\n{long_target}\nSolve the <svg onload=alert(3)> problems.\n", encoding="utf-8")
    args = ["--glossary", str(glossary), "--source", str(tmp_path / "s.zh"), "--target", str(tmp_path / "t.en")]
    with review_server(args, tmp_path) as (url, _, _):
        view = Watched(browser, url)
        page = view.page
        assert len(view.rows()) == 3
        first = page.inner_text("#rows tr.finding:nth-child(1)")
        assert "<script>window.__pwned=1</script>" in first and "<img src=x onerror=" in first
        assert page.evaluate("window.__pwned") is None
        assert page.eval_on_selector_all("#rows img, #rows svg, #rows script, #rows b", "nodes => nodes.length") == 0
        assert page.evaluate("document.scripts.length") == 1
        note = page.inner_text("#rows tr.finding:nth-child(1) td.term")
        assert "<script>alert('note')</script>" in note
        long_row = page.inner_text("#rows tr.finding:nth-child(2)")
        assert long_row.count("…") >= 2 and len(long_row) < 3000
        # accept with a hostile reason; edit the 100 KB segment in place
        page.fill("#reviewer", "<i>Eve</i>\u202e")
        page.dispatch_event("#reviewer", "change")
        page.click("#rows tr.finding:nth-child(1) td.term")
        page.keyboard.press("a")
        page.fill("#accept-reason", "<script>window.__pwned=3</script> as quoted \u202egnp.exe")
        page.keyboard.press("Control+Enter")
        page.wait_for_selector("#rows tr.finding:nth-child(1)[data-status=accepted]")
        assert "<script>window.__pwned=3</script>" in page.inner_text("#rows tr.finding:nth-child(1)")
        assert "<i>Eve</i>" in page.inner_text("#rows tr.finding:nth-child(1)")
        page.click("#rows tr.finding:nth-child(2) td.term")
        started = time.monotonic()
        page.keyboard.press("e")
        page.wait_for_selector(".editor textarea")
        assert len(page.input_value(".editor textarea")) == len(long_target)
        page.evaluate("(() => { const a = document.querySelector('.editor textarea'); a.value = a.value.replace('double nuclei', 'dual cores'); })()")
        page.keyboard.press("Control+Enter")
        page.wait_for_selector("#rows tr.finding:nth-child(2)[data-status=ok]")
        assert time.monotonic() - started < 15
        page.click("#tabs [data-view=accepted]")
        page.wait_for_selector("#accepted-rows td.reason")
        assert "<script>window.__pwned=3</script>" in page.inner_text("#accepted-rows")
        assert page.evaluate("window.__pwned") is None and not view.dialogs and not view.errors
        view.close()


def test_a_20000_segment_job_opens_pages_and_scrolls_without_freezing(browser, tmp_path):
    corpus = bundled_copy(tmp_path)
    repeat = 101  # 199 x 101 = 20,099 segments, 3,333 open findings
    for role in ("source", "target"):
        text = corpus[role].read_text(encoding="utf-8")
        (tmp_path / f"big.{role}").write_text(text * repeat, encoding="utf-8")
    args = ["--source", str(tmp_path / "big.source"), "--target", str(tmp_path / "big.target")]
    with review_server(args, tmp_path, timeout=300) as (url, _, lines):
        assert lines[0].startswith("termlock review: 20,099 segments, 3,333 open findings")
        started = time.monotonic()
        view = Watched(browser, url)
        opened = time.monotonic() - started
        page = view.page
        assert opened < 20, f"the page took {opened:.1f} s to open"
        assert page.inner_text("#pager-top .shown") == "1–100 of 3,333 findings"
        assert page.evaluate("document.querySelectorAll('#rows tr').length") <= 100
        # scrolling: the page answers the next animation frame at once
        for position in ("document.body.scrollHeight", "0", "document.body.scrollHeight / 2"):
            page.evaluate(f"window.scrollTo(0, {position})")
            delay = page.evaluate("new Promise(r => { const t = performance.now(); requestAnimationFrame(() => r(performance.now() - t)); })")
            assert delay < 500
        # keyboard through a page boundary, then jump pages
        page.click("#rows tr.finding:nth-child(98) td.term")
        started = time.monotonic()
        for _ in range(4):
            page.keyboard.press("j")
        view.settle()
        assert page.inner_text("#pager-top .shown") == "101–200 of 3,333 findings"
        assert page.get_attribute("tr.finding.current", "data-key") is not None
        for _ in range(5):
            page.keyboard.press("n")
            view.settle()
        assert page.inner_text("#pager-top .shown") == "601–700 of 3,333 findings"
        assert time.monotonic() - started < 20
        # an edit is checked again and the figures follow at once
        row = view.rows()[0]
        page.click(f"tr.finding[data-key='{row['key']}'] td.term")
        page.keyboard.press("e")
        page.wait_for_selector(".editor textarea")
        page.fill(".editor textarea", "An edited line.")
        started = time.monotonic()
        page.keyboard.press("Control+Enter")
        page.wait_for_selector(".editor", state="detached")
        view.settle()
        assert time.monotonic() - started < 5
        assert not view.errors
        view.close()
