"""The HTML report: self-contained, everything escaped, problems highlighted, filters."""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from termlock.evaluate import check
from termlock.evaluate.reports.html_report import render_html, write_html
from termlock.glossary import Glossary, Term, load_glossary

DATA = Path(__file__).parent / "data" / "check"
ROOT = Path(__file__).resolve().parent.parent

#: markup the report itself uses; anything else came from the data
ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "main", "footer", "section", "h1", "h2",
    "p", "b", "i", "a", "code", "div", "span", "label", "input", "table", "thead", "tbody", "tr", "th",
    "td", "ul", "li", "mark", "br", "details", "summary", "script",
}  # fmt: skip

EVIL = '<script>alert("x")</script> & \'q\' <img src=x onerror=alert(1)>'


class Collector(HTMLParser):
    """Tags, attributes and text nodes of a page, as a browser's parser sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        (self.scripts if self._in_script else self.text).append(data)


def parse(page: str) -> Collector:
    collector = Collector()
    collector.feed(page)
    collector.close()
    return collector


@pytest.fixture(scope="module")
def glossary():
    return load_glossary(str(DATA / "glossary.yaml"))


@pytest.fixture(scope="module")
def evil_glossary():
    return Glossary(
        name=f"Terms {EVIL}",
        terms=(
            Term(
                id="evil-term",
                sources=("双核",),
                target='dual "cores" & <b>hubs',
                variants=("twin <i>engines",),
                forbidden=("double <script>nuclei",),
                note=f"Note {EVIL}",
            ),
            Term(id="plain", sources=("卡脖子",), target="stuck neck", variants=("stuck-neck issue",)),
        ),
    )


@pytest.fixture(scope="module")
def evil_page(evil_glossary):
    sources = [f"双核{EVIL}", "双核", "卡脖子", "卡脖子"]
    targets = [
        f"{EVIL} double <script>nuclei here",
        f'the twin <i>engines & "more" {EVIL}',
        "the stuck neck",
        "a stuck-neck issue",
    ]
    result = check(evil_glossary, sources, targets)
    assert result.summary.forbidden == 1 and result.summary.inconsistent_terms == 1
    return render_html(result, inputs={"source": f"src{EVIL}.zh", "target": "hyp.en"})


def test_no_string_from_the_data_becomes_markup(evil_page):
    page = parse(evil_page)
    tags = {tag for tag, _ in page.tags}
    assert tags <= ALLOWED_TAGS, tags - ALLOWED_TAGS
    assert [tag for tag, _ in page.tags].count("script") == 1
    assert not [attrs for _, attrs in page.tags if any(name.startswith("on") for name in attrs)]
    assert [tag for tag, _ in page.tags].count("img") == 0
    text = "".join(page.text)
    # the data shows up as text, exactly
    assert EVIL in text
    assert 'dual "cores" & <b>hubs' in text
    assert "double <script>nuclei" in text
    assert f"src{EVIL}.zh" in text
    assert "alert" not in "".join(page.scripts)


def test_escaped_forms_are_in_the_source(evil_page):
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;q&#x27;" in evil_page
    assert "<script>alert" not in evil_page
    assert "<img" not in evil_page


def test_page_is_self_contained(evil_page):
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:|//)""", evil_page, re.I)
    assert "@import" not in evil_page and "url(" not in evil_page
    page = parse(evil_page)
    assert not [attrs for tag, attrs in page.tags if tag in {"link", "img", "iframe", "object"}]
    assert all(not attrs.get("src") for _, attrs in page.tags)


def test_content_security_policy_allows_exactly_the_inline_script(evil_page):
    page = parse(evil_page)
    csp = next(a["content"] for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp
    script = page.scripts[0]
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    assert f"'sha256-{digest}'" in csp


def test_problem_rows_highlight_the_term_in_source_and_target(glossary):
    result = check(
        glossary,
        ["推动双核联动", "破解卡脖子难题", "构建新发展格局"],
        ["push the dual cores", "solve choke point problems", "build it"],
    )
    page = render_html(result)
    rows = re.findall(r'<tr data-status="([a-z]+)">(.*?)</tr>', page, re.S)
    assert [status for status, _ in rows] == ["forbidden", "missing"]
    forbidden_row, missing_row = rows[0][1], rows[1][1]
    assert "<mark>卡脖子</mark>" in forbidden_row
    assert '<mark class="bad">choke point</mark>' in forbidden_row
    assert "<mark>新发展格局</mark>" in missing_row
    assert "new development pattern" in missing_row  # expected rendering
    assert "<mark" not in missing_row.split('lang="en"')[-1]  # nothing to mark in the target


def test_note_filters_chart_and_inconsistent_section(glossary):
    result = check(
        glossary,
        ["双核一", "双核二", "双核三", "卡脖子"],
        ["dual cores", "dual-core hubs", "nothing", "choke point"],
    )
    page = render_html(result, min_term_success=0.9)
    assert "Shenyang and Dalian" in page  # glossary note
    # status filters: one checkbox per problem status, hidden until the script shows them
    assert re.search(r'<div class="filters" id="filters" hidden>', page)
    assert 'value="missing" checked' in page and 'value="forbidden" checked' in page
    # worst-terms chart: a bar per term with problems, sized by counts
    chart = page.split('<div class="chart">')[1].split("</section>")[0]
    assert chart.count('class="bar"') == 2
    assert 'aria-label="0 forbidden, 1 missing, 2 ok of 3"' in chart
    # inconsistent terms with renderings, counts and lines
    section = page.split('id="inconsistent"')[1]
    assert "Inconsistent terms (1)" in section
    assert "“dual cores” × 1" in section and "“dual-core hubs” × 1" in section
    assert "(line 1)" in section and "(line 2)" in section
    # gate verdict
    assert "FAIL" in page and "50.00%" in page


def test_clean_report_says_so(glossary):
    page = render_html(check(glossary, ["双核"], ["dual cores"]))
    assert "No problems" in page
    assert "Problems (0)" in page and 'id="filters"' not in page


def test_row_cap_points_to_the_full_reports(glossary):
    result = check(glossary, ["双核"] * 30, ["nothing"] * 30)
    page = render_html(result, max_rows=10)
    assert page.count('<tr data-status="missing">') == 10
    assert "first 10 of 30 problems" in page


def test_write_html_is_atomic_and_utf8(glossary, tmp_path):
    out = tmp_path / "sub" / "report.html"
    write_html(check(glossary, ["双核"], ["nothing"]), out)
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in out.parent.iterdir()] == ["report.html"]


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.mark.skipif(_chromium() is None, reason="no chromium on this machine (developer check only)")
def test_report_renders_in_headless_chromium(evil_page, tmp_path):
    """The page renders, the script runs (filters shown) and nothing injected executes."""
    page = tmp_path / "report.html"
    page.write_text(evil_page, encoding="utf-8")
    shot = tmp_path / "shot.png"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "screenshot_report.py"), str(page), str(shot), "--dump-dom"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert shot.stat().st_size > 10_000
    dom = proc.stdout
    assert '<div class="filters" id="filters">' in dom  # the script ran and un-hid the filters
    assert "<img" not in dom and dom.count("<script") == 1
    assert "&lt;script&gt;alert(" in dom  # shown as text
