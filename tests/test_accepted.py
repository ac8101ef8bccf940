"""Accepted findings: accept, rerun, stale; shown apart, not counted as problems."""

from __future__ import annotations

import pytest

from termlock.errors import TermlockError
from termlock.evaluate import check
from termlock.evaluate.accepted import accepted_template, load_accepted, parse_accepted
from termlock.evaluate.reports.csv_report import csv_text
from termlock.glossary import Glossary, Term

GLOSSARY = Glossary(
    "g",
    (
        Term("dual-cores", ("双核",), "dual cores", forbidden=("double nuclei",)),
        Term("stuck-neck", ("卡脖子",), "stuck neck"),
    ),
)
SOURCES = ["发挥双核作用", "引用旧文件：双核", "突破卡脖子难题"]
TARGETS = ["give play to the dual cores", "quoting the old plan: double nuclei", "overcome chokepoint problems"]


def test_round_trip_accept_rerun_stale(tmp_path):
    first = check(GLOSSARY, SOURCES, TARGETS)
    assert [(seg.index, occ.term_id) for seg, occ in first.problems()] == [(1, "dual-cores"), (2, "stuck-neck")]

    # --write-accepted: every finding, reason left empty, which the loader refuses until filled in
    template = accepted_template(first, by="Li Wei", date="2026-11-30")
    path = tmp_path / "accepted.yaml"
    path.write_text(template, encoding="utf-8")
    with pytest.raises(TermlockError, match="has no reason"):
        load_accepted(path)
    # the reviewer accepts the quotation and deletes the other entry
    entries = template.split("\n  - ")
    kept = [e for e in entries[1:] if "dual-cores" in e]
    edited = entries[0] + "\n  - " + kept[0].replace("reason: ''", "reason: quotation keeps the 2003 wording")
    path.write_text(edited, encoding="utf-8")
    accepted = load_accepted(path)
    assert [(a.term, a.segment, a.by) for a in accepted] == [("dual-cores", "2", "Li Wei")]

    second = check(GLOSSARY, SOURCES, TARGETS, accepted=accepted)
    assert [(seg.index, occ.term_id) for seg, occ in second.problems()] == [(2, "stuck-neck")]
    assert [(seg.index, occ.accepted.reason) for seg, occ in second.accepted_findings()] == [
        (1, "quotation keeps the 2003 wording")
    ]
    s = second.summary
    assert (s.forbidden, s.missing, s.accepted) == (0, 1, 1)
    assert s.term_success_rate == 2 / 3  # accepted counts as done, not as a problem (full precision)
    assert second.term("dual-cores").forbidden == 0 and second.term("dual-cores").accepted == 1
    assert second.stale_accepted == ()
    report = second.to_dict()
    assert report["accepted"]["findings"][0]["reason"] == "quotation keeps the 2003 wording"
    assert report["segments"][1]["terms"][0]["accepted"]["by"] == "Li Wei"
    # the CSV lists it apart, after the problems
    rows = csv_text(second).strip().split("\r\n")
    assert len(rows) == 3 and rows[-1].endswith("Li Wei,2026-11-30,,,,,,,")  # per-document and spelling columns empty

    # the translation is fixed: the entry matches nothing and is stale
    fixed = list(TARGETS)
    fixed[1] = "quoting the old plan: dual cores"
    third = check(GLOSSARY, SOURCES, fixed, accepted=accepted)
    assert third.accepted_findings() == []
    assert [a.term for a in third.stale_accepted] == ["dual-cores"]
    assert third.to_dict()["accepted"]["stale"][0]["line"] == accepted[0].line


def test_an_entry_may_name_the_source_text_and_a_status():
    entries = parse_accepted(
        "accepted:\n  - term: stuck-neck\n    source: 突破卡脖子难题\n    status: missing\n"
        "    reason: client term\n    by: QA\n    date: 2026-11-30\n"
    )
    result = check(GLOSSARY, SOURCES, TARGETS, accepted=entries)
    assert [occ.term_id for _, occ in result.accepted_findings()] == ["stuck-neck"]
    assert entries[0].date == "2026-11-30"
    wrong_status = parse_accepted("accepted:\n  - term: stuck-neck\n    segment: 3\n    status: forbidden\n    reason: r\n    by: QA\n")
    assert check(GLOSSARY, SOURCES, TARGETS, accepted=wrong_status).stale_accepted == wrong_status


@pytest.mark.parametrize(
    "text, message, line",
    [
        ("accepted:\n  - term: x\n    reason: r\n    by: me\n", "names no segment", 2),
        ("accepted:\n  - segment: 1\n    reason: r\n    by: me\n", "without a term id", 2),
        ("accepted:\n  - term: x\n    segment: 1\n    reason: r\n", "does not say who", 2),
        ("accepted:\n  - term: x\n    segment: 1\n    reason: r\n    by: me\n    colour: red\n", "unknown key 'colour'", 6),  # the key's own line
        ("accepted:\n  - term: x\n    segment: 1\n    status: ok\n    reason: r\n    by: me\n", "cannot be accepted", 2),
        ("accepted: [\n", "not valid YAML", 2),
        ("other: 1\n", "no 'accepted' list", 1),
    ],
)
def test_bad_entries_name_the_line(text, message, line):
    with pytest.raises(TermlockError) as err:
        parse_accepted(text, "acc.yaml")
    assert message in str(err.value) and err.value.line == line


def test_html_shows_accepted_and_stale_apart_and_escapes_them():
    from termlock.evaluate.reports.html_report import render_html

    accepted = parse_accepted(
        "accepted:\n  - {term: dual-cores, segment: 2, reason: '<script>alert(1)</script>', by: 'A & B'}\n"
        "  - {term: stuck-neck, segment: 1, reason: old, by: QA}\n",
        "acc.yaml",
    )
    result = check(GLOSSARY, SOURCES, TARGETS, accepted=accepted)
    html = render_html(result)
    section = html.split('id="accepted"')[1].split("</section>")[0]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in section and "<script>alert" not in html
    assert "A &amp; B" in section
    assert "Stale accepted findings (1)" in section and "acc.yaml:3" in section
    assert "Problems (1)" in html  # the accepted forbidden rendering is not a problem
