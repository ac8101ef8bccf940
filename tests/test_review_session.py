"""The review's state, live check and exports, without a browser.

The figures a review shows must be those of ``termlock check --accept`` on
the exported files (the same judge, the same aggregation), every action
must survive a restart, a stale edit must be refused with the current text,
and each target format must come back in its own dialect.
"""

from __future__ import annotations

import json
import sqlite3

import pytest
from lxml import etree
from review_helpers import GLOSSARY, LOCKED, UNITS, bundled_copy, tmx, xliff12, xliff20

from termlock.cli import main
from termlock.errors import TermlockError
from termlock.evaluate.accepted import load_accepted
from termlock.jobs import CheckJob
from termlock.review.export import ExportOutputs, export
from termlock.review.opening import open_for_export, open_session
from termlock.review.session import FindingQuery
from termlock.review.setup import open_state, review_paths
from termlock.review.state import ReviewState, StaleEdit


def start(job: CheckJob, state=None, additions=None):
    paths = review_paths(job, state, additions)
    state_, resumed = open_state(job, paths)
    return open_session(state_, paths), resumed


@pytest.fixture
def corpus(tmp_path):
    return bundled_copy(tmp_path)


@pytest.fixture
def bundled(corpus):
    session, _ = start(CheckJob(source=str(corpus["source"]), target=str(corpus["target"])))
    yield session
    session.state.close()


def check_json(tmp_path, *args) -> dict:
    out = tmp_path / f"check{len(list(tmp_path.iterdir()))}.json"
    assert main(["check", *args, "--json", str(out)]) in (0, 1)
    return json.loads(out.read_text(encoding="utf-8"))


def first_problem(session, status=None):
    rows = session.findings(FindingQuery(statuses=(status,) if status else ("missing", "forbidden")))["rows"]
    return rows[0]


# ---------------------------------------------------------------- the figures


def test_a_fresh_review_shows_exactly_what_check_reports(bundled, corpus, tmp_path):
    overview = bundled.overview()
    report = check_json(tmp_path, "--source", str(corpus["source"]), "--target", str(corpus["target"]))
    assert overview["summary"] == report["summary"]
    assert overview["counts"] == {"missing": 22, "forbidden": 11, "spelling": 0, "accepted": 0, "ok": 386}
    assert bundled.findings(FindingQuery())["total"] == 33
    assert [t["id"] for t in bundled.inconsistent()] == [t["id"] for t in report["inconsistent"]]


def test_strict_spelling_gives_the_figures_and_gate_of_check_strict_spelling(corpus, tmp_path):
    """A review of a job with --strict-spelling rates and gates spelling findings as check does (issue 26)."""
    target = tmp_path / "unhyphenated.en"
    target.write_text(corpus["target"].read_text(encoding="utf-8").replace("-", " "), encoding="utf-8")
    job = CheckJob(source=str(corpus["source"]), target=str(target), strict_spelling=True, min_term_success=1)
    session, _ = start(job)
    try:
        overview = session.overview()
    finally:
        session.state.close()
    report = check_json(tmp_path, "--source", str(corpus["source"]), "--target", str(target), "--strict-spelling")
    assert overview["summary"] == report["summary"]
    assert report["summary"]["strict_spelling"] is True and report["summary"]["spelling"] > 0
    assert overview["gate"]["passed"] is False and "--strict-spelling" in overview["gate"]["text"]


def test_edit_accept_and_export_equal_check_on_the_exported_files(bundled, corpus, tmp_path):
    missing = first_problem(bundled, "missing")
    segment = bundled.segment(missing["index"])
    references = corpus["reference"].read_text(encoding="utf-8").splitlines()
    fixed = bundled.edit(missing["index"], references[missing["index"]], segment["version"], "Li Wei")
    assert all(row["status"] == "ok" for row in fixed["rows"])
    assert bundled.overview()["summary"]["term_success_rate"] > 0.9212410501193318
    forbidden = first_problem(bundled, "forbidden")
    bundled.accept(forbidden["index"], forbidden["n"], "quotes the 2021 plan verbatim", "Li Wei")
    assert bundled.overview()["summary"]["accepted"] == 1
    assert forbidden["key"] not in [row["key"] for row in bundled.findings(FindingQuery())["rows"]]

    out = tmp_path / "out"
    out.mkdir()
    lines = export(bundled, ExportOutputs(target=str(out / "reviewed.en"), accepted=str(out / "accepted.yaml"),
                                          json=str(out / "report.json"), csv=str(out / "problems.csv"),
                                          html=str(out / "report.html")))
    assert lines[0] == f"wrote the corrected target (1 segment edited): {out / 'reviewed.en'}"
    exported = json.loads((out / "report.json").read_text(encoding="utf-8"))
    report = check_json(tmp_path, "--source", str(corpus["source"]), "--target", str(out / "reviewed.en"),
                        "--accept", str(out / "accepted.yaml"))
    assert exported == report  # byte for byte the same report, accepted findings included
    assert report["summary"] == bundled.overview()["summary"]
    entry = load_accepted(out / "accepted.yaml")[0]
    assert (entry.term, entry.segment, entry.status, entry.reason, entry.by) == (
        forbidden["term"], str(forbidden["line"]), "forbidden", "quotes the 2021 plan verbatim", "Li Wei")
    original = corpus["target"].read_text(encoding="utf-8").splitlines()
    written = (out / "reviewed.en").read_text(encoding="utf-8").splitlines()
    assert [i for i, (a, b) in enumerate(zip(original, written)) if a != b] == [missing["index"]]
    assert (out / "problems.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_everything_survives_a_restart_and_resumes_where_the_reviewer_stopped(corpus):
    job = CheckJob(source=str(corpus["source"]), target=str(corpus["target"]))
    session, resumed = start(job)
    assert not resumed
    row = first_problem(session)
    session.edit(row["index"], "An edited line.", 0, "Li Wei")
    session.accept(first_problem(session)["index"], first_problem(session)["n"], "a name", "Li Wei")
    session.propose("dual-cores", "twin engines", "used by the city government", "Li Wei", None)
    session.set_cursor({"index": 5, "n": 0, "key": "5:0"})
    before = session.overview()
    session.state.close()

    again, resumed = start(job)
    assert resumed
    after = again.overview()
    assert after["summary"] == before["summary"]
    assert after["cursor"] == {"index": 5, "n": 0, "key": "5:0"}
    assert after["edited"] == 1 and after["proposals"] == 1
    assert again.segment(row["index"])["target"] == "An edited line."
    assert again.segment(5)["rows"][0]["seen"] is True
    again.state.close()


def test_a_state_refuses_other_inputs(corpus, tmp_path):
    job = CheckJob(source=str(corpus["source"]), target=str(corpus["target"]))
    session, _ = start(job)
    session.state.close()
    other = tmp_path / "other.en"
    lines = corpus["target"].read_text(encoding="utf-8").splitlines()
    lines[3] = "Something else."
    other.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(TermlockError, match="segment 4's target differs"):
        start(CheckJob(source=str(corpus["source"]), target=str(other)), state=session.state.path)


def test_state_and_additions_may_not_be_inputs(corpus):
    job = CheckJob(source=str(corpus["source"]), target=str(corpus["target"]))
    with pytest.raises(TermlockError, match="--state would overwrite the input --source"):
        start(job, state=str(corpus["source"]))
    with pytest.raises(TermlockError, match="--additions would overwrite the input --target"):
        start(job, additions=str(corpus["target"]))


def test_a_file_that_is_not_a_state_is_refused(tmp_path, corpus):
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(TermlockError, match="not a termlock review state"):
        start(CheckJob(source=str(corpus["source"]), target=str(corpus["target"])), state=str(junk))


# ------------------------------------------------------------------ conflicts


def test_a_stale_edit_is_refused_with_the_current_text(bundled):
    row = first_problem(bundled)
    version = bundled.segment(row["index"])["version"]
    bundled.edit(row["index"], "First reviewer's text.", version, "Ann")
    with pytest.raises(StaleEdit) as refused:
        bundled.edit(row["index"], "Second reviewer's text.", version, "Bob")
    assert refused.value.row.target == "First reviewer's text."
    assert refused.value.row.edited_by == "Ann"
    assert "was changed by Ann" in str(refused.value)
    assert bundled.segment(row["index"])["target"] == "First reviewer's text."


def test_two_sessions_on_one_state_see_each_other_and_never_lose_an_update(corpus):
    job = CheckJob(source=str(corpus["source"]), target=str(corpus["target"]))
    first, _ = start(job)
    second, _ = start(job)  # a second server on the same state file
    row = first_problem(first)
    first.edit(row["index"], "Ann's text.", 0, "Ann")
    with pytest.raises(StaleEdit):
        second.edit(row["index"], "Bob's text.", 0, "Bob")
    second.sync()
    assert second.segment(row["index"])["target"] == "Ann's text."
    assert second.overview()["summary"] == first.overview()["summary"]
    second.edit(row["index"], "Bob's text.", 1, "Bob")
    first.sync()
    assert first.segment(row["index"])["target"] == "Bob's text."
    first.state.close()
    second.state.close()


def test_undo_takes_back_edits_acceptances_and_proposals_in_order(bundled, tmp_path):
    row = first_problem(bundled)
    original = bundled.segment(row["index"])["target"]
    bundled.edit(row["index"], "Edited.", 0, "Ann")
    problem = first_problem(bundled)
    bundled.accept(problem["index"], problem["n"], "fine", "Ann")
    bundled.propose(problem["term"], "another rendering", "common", "Ann", problem["index"])
    additions = bundled.paths.additions
    assert "another rendering" in open(additions, encoding="utf-8").read()
    assert bundled.undo("Ann")["kind"] == "propose"
    assert "another rendering" not in open(additions, encoding="utf-8").read()
    assert bundled.undo("Ann")["kind"] == "accept"
    assert bundled.overview()["summary"]["accepted"] == 0
    assert bundled.undo("Ann") == {"kind": "edit", "index": row["index"]}
    assert bundled.segment(row["index"])["target"] == original
    with pytest.raises(TermlockError, match="nothing to undo"):
        bundled.undo("Ann")


def test_undo_never_overwrites_someone_elses_later_edit(bundled):
    row = first_problem(bundled)
    bundled.edit(row["index"], "Ann's text.", 0, "Ann")
    bundled.edit(row["index"], "Bob's text.", 1, "Bob")
    with pytest.raises(StaleEdit):
        bundled.undo("Ann")
    assert bundled.segment(row["index"])["target"] == "Bob's text."


def test_withdrawn_acceptance_makes_the_finding_a_problem_again(bundled):
    problem = first_problem(bundled)
    bundled.accept(problem["index"], problem["n"], "fine", "Ann")
    (entry,) = bundled.accepted_list()["entries"]
    assert entry["entry"]["reason"] == "fine" and not entry["stale"]
    bundled.withdraw(entry["id"], "Ann")
    assert bundled.overview()["summary"]["accepted"] == 0
    assert first_problem(bundled)["key"] == problem["key"]


@pytest.mark.parametrize("reason, by, message", [("", "Ann", "has no reason"), ("   ", "Ann", "has no reason"),
                                                 ("fine", "", "no reviewer name")])
def test_accepting_needs_a_reason_and_a_name(bundled, reason, by, message):
    problem = first_problem(bundled)
    with pytest.raises(TermlockError, match=message):
        bundled.accept(problem["index"], problem["n"], reason, by)
    assert bundled.overview()["summary"]["accepted"] == 0


def test_ok_findings_and_twice_accepted_ones_are_refused(bundled):
    ok = bundled.findings(FindingQuery(statuses=("ok",)))["rows"][0]
    with pytest.raises(TermlockError, match="nothing to accept"):
        bundled.accept(ok["index"], ok["n"], "fine", "Ann")
    problem = first_problem(bundled)
    bundled.accept(problem["index"], problem["n"], "fine", "Ann")
    with pytest.raises(TermlockError, match="already accepted"):
        bundled.accept(problem["index"], problem["n"], "fine", "Ann")


def test_a_line_edit_stays_one_line(bundled, tmp_path):
    row = first_problem(bundled)
    from termlock.inputs import read_segments

    saved = bundled.edit(row["index"], "two\r\nlines\u2028here\r", 0, "Ann")
    assert saved["target"] == "two lines\u2028here "  # only LF (and a CR before it or at the end) ends a segment
    out = tmp_path / "reviewed.en"
    export(bundled, ExportOutputs(target=str(out)))
    segments = read_segments(str(out))
    assert len(segments) == 199 and segments[row["index"]] == saved["target"]


# --------------------------------------------------------------- filters, paging


def test_findings_are_filtered_and_paged(bundled):
    page = bundled.findings(FindingQuery(limit=10, offset=30))
    assert (page["total"], len(page["rows"]), page["offset"]) == (33, 3, 30)
    assert {row["status"] for row in bundled.findings(FindingQuery(statuses=("forbidden",)))["rows"]} == {"forbidden"}
    term = bundled.findings(FindingQuery(term="dual-cores", statuses=("missing", "forbidden", "ok")))["rows"]
    assert term and {row["term"] for row in term} == {"dual-cores"}
    text = bundled.findings(FindingQuery(text="KINETIC"))["rows"]
    assert text and all("kinetic" in "".join(p[0] for p in row["target"]).lower() for row in text)
    around = bundled.findings(FindingQuery(limit=10, around=bundled.findings(FindingQuery())["rows"][25]["key"]))
    assert around["offset"] == 20
    one = bundled.findings(FindingQuery(segment=1, statuses=()))
    assert {row["index"] for row in one["rows"]} == {1} and len(one["rows"]) == len(bundled.reports[1].terms) == 3


def test_rows_carry_text_pieces_with_the_term_marked(bundled):
    row = first_problem(bundled, "forbidden")
    marked = [piece for piece in row["target"] if piece[1] == "bad"]
    assert marked and marked[0][0].lower() == row["forbidden_found"].lower()
    assert "".join(piece[0] for piece in row["source"]) == bundled.segment(row["index"])["source"]


def test_long_segments_are_excerpted_in_rows_but_whole_in_the_editor(tmp_path):
    source = tmp_path / "s.zh"
    target = tmp_path / "t.en"
    source.write_text("甲" * 60_000 + "双核" + "乙" * 40_000 + "\n", encoding="utf-8")
    target.write_text("word " * 20_000 + "double nuclei" + " end" * 5_000 + "\n", encoding="utf-8")
    session, _ = start(CheckJob(source=str(source), target=str(target)))
    row = first_problem(session)
    assert len("".join(p[0] for p in row["source"])) < 1000 and row["source"][0][0].startswith("…")
    assert len(session.segment(0)["target"]) == len(target.read_text(encoding="utf-8").rstrip("\n"))
    session.state.close()


# ---------------------------------------------------------------- proposals


def test_a_proposal_goes_to_the_additions_file_never_the_glossary(tmp_path):
    glossary = tmp_path / "g.yaml"
    glossary.write_text(GLOSSARY, encoding="utf-8")
    before = glossary.read_bytes()
    (tmp_path / "s.zh").write_text("发挥双核作用。\n", encoding="utf-8")
    (tmp_path / "t.en").write_text("Let the double nuclei play their role.\n", encoding="utf-8")
    session, _ = start(CheckJob(source=str(tmp_path / "s.zh"), target=str(tmp_path / "t.en"), glossaries=(str(glossary),)))
    session.propose("dual-cores", "double nuclei", "the city's own usage", "Li Wei", 0)
    assert glossary.read_bytes() == before
    additions = session.paths.additions
    assert main(["glossary", "validate", additions]) == 0
    text = open(additions, encoding="utf-8").read()
    assert "double nuclei" in text and "forbidden" not in text  # proposed: no longer forbidden in the additions
    report = check_json(tmp_path, "--glossary", str(glossary), "--glossary", additions,
                        "--source", str(tmp_path / "s.zh"), "--target", str(tmp_path / "t.en"))
    assert report["summary"]["ok"] == 1
    with pytest.raises(TermlockError, match="no term 'no-such-term'"):
        session.propose("no-such-term", "x", "y", "Li Wei", None)
    with pytest.raises(TermlockError, match="needs a reason"):
        session.propose("dual-cores", "twin cores", " ", "Li Wei", None)
    session.state.close()


# ------------------------------------------------------------ bilingual exports


def bilingual(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    glossary = tmp_path / "g.yaml"
    glossary.write_text(GLOSSARY, encoding="utf-8")
    session, _ = start(CheckJob(bilingual=str(path), glossaries=(str(glossary),)))
    return path, glossary, session


def fix_and_export(tmp_path, session, suffix):
    rows = {row["unit"]: row for row in session.findings(FindingQuery())["rows"]}
    assert set(rows) == {"u2", "u3", LOCKED[0]}
    session.edit(rows["u2"]["index"], "Solve the stuck neck problems.", 0, "Li Wei")
    session.accept(rows[LOCKED[0]]["index"], rows[LOCKED[0]]["n"], "quotation", "Li Wei")
    with pytest.raises(TermlockError, match="locked in the CAT file"):
        session.edit(rows[LOCKED[0]]["index"], "Keep the dual cores driving.", 0, "Li Wei")
    out = tmp_path / f"reviewed{suffix}"
    export(session, ExportOutputs(target=str(out), accepted=str(tmp_path / "accepted.yaml"), json=str(tmp_path / "r.json")))
    return out


def same_report_as_check(tmp_path, out, glossary):
    exported = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    report = check_json(tmp_path, "--glossary", str(glossary), "--bilingual", str(out), "--accept", str(tmp_path / "accepted.yaml"))
    assert exported == report
    assert report["summary"]["forbidden"] == 1 and report["summary"]["accepted"] == 1 and report["summary"]["missing"] == 0


X = {"x": "urn:oasis:names:tc:xliff:document:1.2", "sdl": "http://sdl.com/FileTypes/SdlXliff/1.0", "mq": "MQXliff"}


def test_plain_xliff_export_marks_the_edit_translated_and_adds_notes(tmp_path):
    _, glossary, session = bilingual(tmp_path, "job.xlf", xliff12())
    out = fix_and_export(tmp_path, session, ".xlf")
    tree = etree.parse(str(out))
    edited = tree.find(".//x:trans-unit[@id='u2']/x:target", X)
    assert edited.text == "Solve the stuck neck problems."
    assert edited.get("state") == "translated" and edited.get("state-qualifier") is None
    untouched = tree.find(".//x:trans-unit[@id='u1']/x:target", X)
    assert untouched.get("state") == "needs-review-translation"
    notes = [n.text for n in tree.findall(".//x:trans-unit[@id='u3']/x:note", X)]
    assert any("forbidden" in note for note in notes)
    same_report_as_check(tmp_path, out, glossary)
    session.state.close()


def test_sdlxliff_export_marks_the_edit_interactive_with_the_reviewer(tmp_path):
    _, glossary, session = bilingual(tmp_path, "job.sdlxliff", xliff12("sdl"))
    out = fix_and_export(tmp_path, session, ".sdlxliff")
    _kept_by_plain_overwrite(out)
    tree = etree.parse(str(out))
    seg = tree.find(".//sdl:seg[@id='u2']", X)
    assert (seg.get("conf"), seg.get("origin"), seg.get("origin-system"), seg.get("percent")) == ("Translated", "interactive", None, None)
    values = {v.get("key"): v.text for v in seg.findall("sdl:value", X)}
    assert values["last_modified_by"] == "Li Wei" and values["modified_on"]
    assert tree.find(".//sdl:seg[@id='u1']", X).get("origin") == "mt"  # untouched
    assert tree.find(".//x:trans-unit[@id='u2']/x:target/x:mrk", X).text == "Solve the stuck neck problems."
    same_report_as_check(tmp_path, out, glossary)
    session.state.close()


def _kept_by_plain_overwrite(path) -> None:
    """The reviewer's correction is a person's confirmed work: --overwrite leaves it, --overwrite-confirmed not."""
    from termlock.documents.xliff import XliffStore

    data = path.read_bytes()
    assert not {u.id: u for u in XliffStore.parse(data, path.name, overwrite=True).units}["u2"].translatable
    assert {u.id: u for u in XliffStore.parse(data, path.name, overwrite_confirmed=True).units}["u2"].translatable


def test_memoq_export_marks_the_edit_confirmed_by_the_reviewer(tmp_path):
    _, glossary, session = bilingual(tmp_path, "job.mqxliff", xliff12("memoq"))
    out = fix_and_export(tmp_path, session, ".mqxliff")
    _kept_by_plain_overwrite(out)
    tree = etree.parse(str(out))
    unit = tree.find(".//x:trans-unit[@id='u2']", X)
    assert unit.get(f"{{{X['mq']}}}status") == "ManuallyConfirmed"
    assert unit.get(f"{{{X['mq']}}}lastchanginguser") == "Li Wei"
    assert unit.find("x:target", X).get("state") == "translated"
    assert tree.find(".//x:trans-unit[@id='u1']", X).get(f"{{{X['mq']}}}status") == "ManuallyConfirmed"
    same_report_as_check(tmp_path, out, glossary)
    session.state.close()


def test_xliff20_export_marks_the_edit_reviewed(tmp_path):
    _, glossary, session = bilingual(tmp_path, "job.xlf", xliff20())
    out = fix_and_export(tmp_path, session, ".xlf")
    ns = {"x": "urn:oasis:names:tc:xliff:document:2.0"}
    segment = etree.parse(str(out)).find(".//x:unit[@id='u2']/x:segment", ns)
    assert (segment.get("state"), segment.get("subState")) == ("reviewed", "termlock:review")
    same_report_as_check(tmp_path, out, glossary)
    session.state.close()


def test_tmx_export_sets_who_and_when_on_the_corrected_tuv(tmp_path):
    _, glossary, session = bilingual(tmp_path, "job.tmx", tmx())
    rows = {row["unit"]: row for row in session.findings(FindingQuery())["rows"]}
    session.edit(rows["u2"]["index"], "  Solve the stuck neck problems.  ", 0, "Li Wei")
    out = tmp_path / "reviewed.tmx"
    export(session, ExportOutputs(target=str(out)))
    tuv = etree.parse(str(out)).findall(".//tu[@tuid='u2']/tuv")[1]
    assert tuv.find("seg").text == "Solve the stuck neck problems."
    assert tuv.get("changeid") == "Li Wei" and tuv.get("changedate").endswith("Z")
    session.state.close()


def test_export_never_overwrites_an_input_or_the_state(bundled, corpus, tmp_path):
    for outputs, message in [
        (ExportOutputs(target=str(corpus["target"])), "-o would overwrite the input --target"),
        (ExportOutputs(json=str(corpus["source"])), "--json would overwrite the input --source"),
        (ExportOutputs(accepted=bundled.state.path), "--accepted would overwrite the input STATE"),
        (ExportOutputs(json=str(tmp_path / "a"), html=str(tmp_path / "a")), "name the same file"),
        (ExportOutputs(target=str(tmp_path / "x.xlf")), "the target is text"),
        (ExportOutputs(), "nothing to export"),
    ]:
        before = corpus["target"].read_bytes()
        with pytest.raises(TermlockError, match=message):
            export(bundled, outputs)
        assert corpus["target"].read_bytes() == before


# ---------------------------------------------------------------- documents


def test_a_document_review_edits_paragraphs_and_accepts_terms(tmp_path):
    import docx

    glossary = tmp_path / "g.yaml"
    glossary.write_text(GLOSSARY, encoding="utf-8")
    (tmp_path / "src.txt").write_text("发挥双核作用。\n\n破解卡脖子难题，构建新发展格局。\n", encoding="utf-8")
    document = docx.Document()
    document.add_paragraph("Let the double nuclei play their role.").runs[0].bold = True
    document.add_paragraph("Solve the chokepoint problems and build the new development pattern.")
    document.save(tmp_path / "tgt.docx")
    session, _ = start(CheckJob(source=str(tmp_path / "src.txt"), target=str(tmp_path / "tgt.docx"),
                                glossaries=(str(glossary),), granularity="document"))
    rows = {row["term"]: row for row in session.findings(FindingQuery())["rows"]}
    assert {term: row["status"] for term, row in rows.items()} == {"dual-cores": "forbidden", "stuck-neck": "missing"}
    assert session.paragraphs("", 0, 10)["total"] == 2
    session.edit(0, "Let the dual cores play their role.", 0, "Li Wei")
    session.accept_term("stuck-neck", "the client's own term", "Li Wei")
    overview = session.overview()
    assert (overview["summary"]["ok"], overview["summary"]["missing"], overview["summary"]["accepted"]) == (2, 0, 1)
    out = tmp_path / "reviewed.docx"
    export(session, ExportOutputs(target=str(out), accepted=str(tmp_path / "accepted.yaml"), json=str(tmp_path / "r.json")))
    assert docx.Document(out).paragraphs[0].runs[0].bold  # the paragraph keeps its first run's formatting
    report = check_json(tmp_path, "--glossary", str(glossary), "--source", str(tmp_path / "src.txt"), "--target", str(out),
                        "--granularity", "document", "--accept", str(tmp_path / "accepted.yaml"))
    exported = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    for document_report in (report, exported):
        document_report["documents"][0]["source"] = None
    assert exported == report and report["summary"]["accepted"] == 1 and report["accepted"]["stale"] == []
    session.state.close()


@pytest.mark.parametrize("suffix, text, edited", [
    (".txt", "Let the double nuclei\nplay their role.\n\nSolve the problems.\r\n", "Let the dual cores play their role."),
    (".md", "# Let the *double nuclei* play\n\n> Solve the\n> problems.\n", "Let the dual cores play"),
])
def test_text_and_markdown_documents_keep_everything_but_the_edited_paragraph(tmp_path, suffix, text, edited):
    from termlock.documents.paragraphs import read_paragraphs, revise_paragraphs

    path = tmp_path / f"t{suffix}"
    path.write_bytes(text.encode("utf-8"))
    revised = revise_paragraphs(str(path), path.read_bytes(), {0: edited})
    out = tmp_path / f"out{suffix}"
    out.write_bytes(revised)
    assert read_paragraphs(str(out)) == [edited, read_paragraphs(str(path))[1]]
    if suffix == ".md":
        # through the Markdown store: the heading keeps its emphasis around the new words
        assert revised.decode() == "# Let the *dual cores* play\n\n> Solve the\n> problems.\n"


# ------------------------------------------------------------------ CLI


def test_review_export_command_writes_every_output(bundled, corpus, tmp_path, capsys):
    problem = first_problem(bundled)
    bundled.accept(problem["index"], problem["n"], "fine", "Ann")
    state = bundled.state.path
    bundled.state.close()
    out = tmp_path / "o"
    out.mkdir()
    code = main(["review", "export", state, "-o", str(out / "r.en"), "--accepted", str(out / "a.yaml"),
                 "--json", str(out / "r.json"), "--html", str(out / "r.html"), "--csv", str(out / "p.csv")])
    assert code == 0
    printed = capsys.readouterr().out
    assert "wrote 1 accepted finding:" in printed and "wrote HTML report" in printed
    assert "accepted findings" in (out / "r.html").read_text(encoding="utf-8").lower()
    assert main(["review", "export", state, "-o", str(corpus["target"])]) == 2
    assert "-o would overwrite the input --target" in capsys.readouterr().err
    assert main(["review", "export", str(tmp_path / "missing.sqlite"), "-o", str(out / "x")]) == 2
    assert "no such review state" in capsys.readouterr().err


def test_export_opens_a_state_alone(bundled, tmp_path):
    state = bundled.state.path
    bundled.state.close()
    session = open_for_export(state)
    assert session.overview()["summary"]["segments"] == 199
    session.state.close()


def test_the_state_is_plain_sqlite(bundled):
    path = bundled.state.path
    with sqlite3.connect(path) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"meta", "segments", "accepted", "proposals", "actions"} <= tables


def test_state_create_is_atomic_and_refuses_an_existing_file(tmp_path):
    from termlock.review.state import Seed

    seed = Seed({"kind": "segments"}, ["a"], ["b"])
    state = ReviewState.create(tmp_path / "s.sqlite", seed)
    state.close()
    with pytest.raises(TermlockError, match="already there"):
        ReviewState.create(tmp_path / "s.sqlite", seed)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.sqlite"]


def test_an_accept_file_is_imported_once_and_a_withdrawal_sticks(corpus, tmp_path):
    accepted = tmp_path / "accepted.yaml"
    assert main(["check", "--source", str(corpus["source"]), "--target", str(corpus["target"]),
                 "--write-accepted", str(accepted)]) == 0
    text = accepted.read_text(encoding="utf-8").replace("reason: ''", "reason: checked earlier")
    accepted.write_text(text, encoding="utf-8")
    job = CheckJob(source=str(corpus["source"]), target=str(corpus["target"]), accept=str(accepted))
    session, _ = start(job)
    report = check_json(tmp_path, "--source", str(corpus["source"]), "--target", str(corpus["target"]), "--accept", str(accepted))
    assert session.overview()["summary"] == report["summary"] and report["summary"]["accepted"] == 33
    first = session.accepted_list()["entries"][0]["id"]
    session.withdraw(first, "Li Wei")
    session.state.close()
    again, _ = start(job)
    assert again.overview()["summary"]["accepted"] == 32  # not imported a second time
    again.state.close()


def test_term_lists_and_the_gate_follow_check(tmp_path):
    (tmp_path / "s.zh").write_text("发挥双核作用。\n破解卡脖子难题。\n", encoding="utf-8")
    (tmp_path / "t.en").write_text("Let the twin cores play.\nSolve the chokepoint problems.\n", encoding="utf-8")
    terms = tmp_path / "terms.jsonl"
    terms.write_text('[{"src": "双核", "tgt": "dual cores"}, {"src": "双核", "tgt": "twin cores"}]\n'
                     '{"terms": {"卡脖子": ["stuck neck"]}}\n', encoding="utf-8")
    job = CheckJob(source=str(tmp_path / "s.zh"), target=str(tmp_path / "t.en"), terms=str(terms), min_term_success=0.9)
    session, _ = start(job)
    report = check_json(tmp_path, "--source", str(tmp_path / "s.zh"), "--target", str(tmp_path / "t.en"),
                        "--terms", str(terms), "--min-term-success", "0.9")
    overview = session.overview()
    assert overview["summary"] == report["summary"]
    assert overview["gate"]["applies"] and not overview["gate"]["passed"]
    assert overview["gate"]["text"].startswith("FAIL: term success rate 0.5000 is below")
    session.edit(1, "Solve the stuck neck problems.", 0, "Li Wei")
    assert session.overview()["gate"]["passed"]
    session.state.close()


def test_an_empty_job_opens_with_nothing_to_review(tmp_path):
    (tmp_path / "s.zh").write_text("", encoding="utf-8")
    (tmp_path / "t.en").write_text("", encoding="utf-8")
    session, _ = start(CheckJob(source=str(tmp_path / "s.zh"), target=str(tmp_path / "t.en")))
    assert session.overview()["summary"]["segments"] == 0
    assert session.findings(FindingQuery()) == {"rows": [], "total": 0, "offset": 0, "limit": 100}
    out = tmp_path / "out.en"
    export(session, ExportOutputs(target=str(out)))
    assert out.read_bytes() == b""
    session.state.close()


def test_a_term_spelled_two_ways_is_inconsistent_on_the_page_as_in_check(tmp_path):
    """The page's inconsistent view counts spellings, as check does: "State owned enterprises" is one of its own."""
    glossary = tmp_path / "g.yaml"
    glossary.write_text("name: g\nterms:\n  - id: soe\n    source: 国有企业\n    target: state-owned enterprise\n",
                        encoding="utf-8")
    source, target = tmp_path / "s.zh", tmp_path / "t.en"
    source.write_text("国有企业改革。\n国有企业。\n", encoding="utf-8")
    target.write_text("state-owned enterprise reform.\nState owned enterprises.\n", encoding="utf-8")
    session, _ = start(CheckJob(source=str(source), target=str(target), glossaries=(str(glossary),)))
    try:
        [term] = session.inconsistent()
    finally:
        session.state.close()
    report = check_json(tmp_path, "--glossary", str(glossary), "--source", str(source), "--target", str(target))
    assert [t["id"] for t in report["inconsistent"]] == ["soe"]
    assert [(r["rendering"], r["count"], r["segments"]) for r in term["renderings"]] == [
        ("state-owned enterprise", 1, [0]), ("state owned enterprises", 1, [1])]


def test_a_document_review_lists_a_term_with_spelling_findings_under_spelling(tmp_path):
    """Document granularity: the term's spelling findings per paragraph, as check's document report lists them."""
    import json

    (tmp_path / "src.txt").write_text("深化国有企业改革。\n\n保障粮食安全。\n", encoding="utf-8")
    (tmp_path / "tgt.txt").write_text("Deepen the reform of State owned enterprises.\n\nEnsure food security.\n", encoding="utf-8")
    job = CheckJob(source=str(tmp_path / "src.txt"), target=str(tmp_path / "tgt.txt"), granularity="document")
    session, _ = start(job)
    assert session.overview()["counts"] == {"missing": 0, "forbidden": 0, "spelling": 1, "accepted": 0, "ok": 1}
    (row,) = session.findings(FindingQuery(statuses=("spelling",)))["rows"]
    report = tmp_path / "r.json"
    export(session, ExportOutputs(json=str(report)))
    (term,) = [t for t in json.loads(report.read_text(encoding="utf-8"))["documents"][0]["terms"] if t["id"] == row["term"]]
    assert row["status"] == "ok" and row["spelling"] == term["spelling"] != []
    assert row["spelling"][0]["found"] == "State owned enterprises"
    ok_rows = session.findings(FindingQuery(statuses=("ok",)))["rows"]
    assert [r["term"] for r in ok_rows] == ["food-security"] and ok_rows[0]["spelling"] is None
