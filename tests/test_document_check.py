"""Document-level checking: whole .docx/.md/.txt documents, paragraphs not aligned."""

from __future__ import annotations

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from termlock.documents.paragraphs import read_paragraphs, text_paragraphs
from termlock.errors import TermlockError
from termlock.evaluate.accepted import parse_accepted
from termlock.evaluate.document_check import check_document, document_result, snippet
from termlock.glossary import Glossary, Term

GLOSSARY = Glossary(
    "g",
    (
        Term("dual-cores", ("双核",), "dual cores", variants=("twin cores",), forbidden=("double nuclei",)),
        Term("new-pattern", ("新发展格局",), "new development pattern"),
        Term("stuck-neck", ("卡脖子",), "stuck neck", note="keep the image"),
        Term("bri", ("一带一路",), "Belt and Road Initiative", variants=("Belt and Road",)),
    ),
)

SOURCE_1 = [
    "会议强调，要加快构建新发展格局。",
    "发挥沈阳、大连双核作用，突破一批卡脖子难题。",
    "双核联动，服务和融入新发展格局，深度融入共建一带一路。",
]
# merged and split paragraphs: three source paragraphs, two target paragraphs
TARGET_1 = [
    "The meeting stressed accelerating the new development pattern. Shenyang and Dalian should play their "
    "role as dual cores and overcome a number of stuck-neck problems.",
    "The twin cores should act together, serve and integrate into the new development pattern, and take part "
    "in Belt and Road cooperation.",
]
SOURCE_2 = ["突破卡脖子难题。", "发挥双核作用。"]
TARGET_2 = ["Overcome chokepoints.", "The double nuclei lead."]


def write_docx(path, paragraphs, table=None):
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=1, cols=len(table))
        for cell, text in zip(grid.rows[0].cells, table):
            cell.text = text
    document.save(path)
    return path


def test_two_docx_pairs_with_different_paragraph_counts(tmp_path):
    src1 = write_docx(tmp_path / "report.docx", SOURCE_1[:2], table=[SOURCE_1[2]])
    tgt1 = write_docx(tmp_path / "report.en.docx", TARGET_1)
    src2 = write_docx(tmp_path / "notice.docx", SOURCE_2)
    tgt2 = write_docx(tmp_path / "notice.en.docx", TARGET_2)
    assert read_paragraphs(src1) == SOURCE_1  # the table cell comes after the body paragraphs
    first = check_document(GLOSSARY, read_paragraphs(src1), read_paragraphs(tgt1), name="report.docx")
    second = check_document(GLOSSARY, read_paragraphs(src2), read_paragraphs(tgt2), name="notice.docx")
    assert (first.source_paragraphs, first.target_paragraphs) == (3, 2)

    terms = {t.id: t for t in first.terms}
    dual = terms["dual-cores"]
    assert (dual.source_count, dual.renderings, dual.ok, dual.success) == (2, {"dual cores": 1, "twin cores": 1}, 2, 1.0)
    assert not dual.consistent
    assert (terms["new-pattern"].source_count, terms["new-pattern"].found, terms["new-pattern"].success) == (2, 2, 1.0)
    # "Belt and Road" inside "Belt and Road cooperation" is the accepted short form
    assert terms["bri"].renderings == {"Belt and Road": 1}
    assert first.term_success_rate == 1.0 and first.problems() == []

    terms2 = {t.id: t for t in second.terms}
    assert terms2["stuck-neck"].problem_status == "missing" and terms2["stuck-neck"].success == 0.0
    assert terms2["dual-cores"].forbidden_found == {"double nuclei": 1}
    assert terms2["dual-cores"].problem_status == "forbidden" and terms2["dual-cores"].forbidden == 1

    result = document_result(GLOSSARY, [first, second])
    report = result.to_dict()
    assert [d["name"] for d in report["documents"]] == ["report.docx", "notice.docx"]
    assert report["segments"] == []
    s = result.summary
    assert (s.term_occurrences, s.ok, s.missing, s.forbidden) == (8, 6, 1, 1)
    assert s.term_success_rate == 0.75
    # context snippets: source and target sides, the match inside the snippet text
    snip = [x for x in dual.snippets if x.kind == "accepted"][0]
    assert snip.text[snip.start : snip.end].lower() in ("dual cores", "twin cores")


def test_success_is_capped_at_one():
    result = check_document(GLOSSARY, ["新发展格局"], ["new development pattern; the new development pattern again"], name="d")
    term = result.terms[0]
    assert (term.source_count, term.found, term.ok, term.success) == (1, 2, 1, 1.0)


def test_accepted_document_findings_and_stale_entries():
    doc = check_document(GLOSSARY, SOURCE_2, TARGET_2, name="notice.docx")
    accepted = parse_accepted(
        "accepted:\n"
        "  - {term: stuck-neck, document: notice.docx, reason: client's own wording, by: QA, date: 2026-11-30}\n"
        "  - {term: bri, document: notice.docx, reason: gone, by: QA}\n"
    )
    result = document_result(GLOSSARY, [doc], accepted=accepted)
    assert result.summary.accepted == 1 and result.summary.missing == 0 and result.summary.forbidden == 1
    assert [f.term for f in result.stale_accepted] == ["bri"]
    assert result.to_dict()["accepted"]["findings"][0]["document"] == "notice.docx"


def test_markdown_and_text_documents(tmp_path):
    md = tmp_path / "r.md"
    md.write_text("# 新发展格局\n\n发挥**双核**作用，见[文件](http://example.com/dual-cores)。\n", encoding="utf-8")
    assert read_paragraphs(md) == ["新发展格局", "发挥双核作用，见文件。"]
    assert text_paragraphs("第一段\n续行\n\n第二段\n") == ["第一段续行", "第二段"]
    assert text_paragraphs("one line\nanother line\n") == ["one line", "another line"]
    assert text_paragraphs("wrapped English\nline\n\nnext") == ["wrapped English line", "next"]


def test_unreadable_documents_are_clear_errors(tmp_path):
    fake = tmp_path / "old.docx"
    fake.write_bytes(b"not a zip")
    with pytest.raises(TermlockError, match="not a Word .docx"):
        read_paragraphs(fake)
    with pytest.raises(TermlockError, match="no such file"):
        read_paragraphs(tmp_path / "missing.md")


def test_document_numbers_look_across_paragraphs():
    doc = check_document(GLOSSARY, ["投资681亿元，增长5.2%。"], ["Growth was 5.2 percent.", "Investment: 68.1 billion yuan."], name="d")
    assert doc.numbers.checked == 2 and doc.numbers.missing == ()


def test_snippet_cuts_at_spaces_and_marks_ellipses():
    text = "alpha beta gamma delta epsilon zeta eta theta"
    snip = snippet(0, text, text.index("delta"), text.index("delta") + 5, "accepted", context=8)
    assert snip.text.startswith("…") and snip.text.endswith("…")
    assert snip.text[snip.start : snip.end] == "delta"


def test_csv_has_a_row_per_document_term_with_a_problem():
    import csv
    import io

    from termlock.evaluate.reports.csv_report import csv_text

    doc = check_document(GLOSSARY, SOURCE_2, TARGET_2, name="notice.docx")
    rows = list(csv.DictReader(io.StringIO(csv_text(document_result(GLOSSARY, [doc])))))
    assert [(r["segment_id"], r["term_id"], r["status"], r["forbidden_found"]) for r in rows[:2]] == [
        ("notice.docx", "dual-cores", "forbidden", "double nuclei x1"),
        ("notice.docx", "stuck-neck", "missing", ""),
    ]
    assert rows[0]["line"] == "" and rows[0]["occurrences"] == ""
    # then the per-document table: the document, then the whole batch
    table = [(r["segment_id"], r["status"], r["occurrences"], r["ok"], r["missing"], r["forbidden"], r["success"]) for r in rows[2:]]
    expected = (str(doc.occurrences), str(doc.ok), str(doc.missing), str(doc.forbidden), f"{doc.term_success_rate:.4f}")
    assert table == [("notice.docx", "document", *expected), ("1 document", "total", *expected)]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.text(alphabet="双核 abc\n", max_size=12), max_size=6))
def test_text_paragraphs_keep_every_word(blocks):
    text = "\n\n".join(blocks)
    paragraphs = text_paragraphs(text)
    assert all(p and p == p.strip() for p in paragraphs)
    assert "".join(text.split()) == "".join("".join(paragraphs).split())


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="双核卡脖子 abcxyz", min_size=1, max_size=15).map(str.strip).filter(bool), max_size=5))
def test_markdown_plain_paragraphs_come_back_as_they_were(paragraphs):
    from termlock.documents.markdown import markdown_paragraphs

    text = "\n\n".join(paragraphs)
    assert markdown_paragraphs(text) == [" ".join(p.split()) for p in paragraphs]


def test_write_accepted_template_covers_document_findings():
    from termlock.evaluate.accepted import accepted_template

    doc = check_document(GLOSSARY, SOURCE_2, TARGET_2, name="notice.docx")
    template = accepted_template(document_result(GLOSSARY, [doc]), by="QA", date="2026-11-30")
    accepted = parse_accepted(template.replace("reason: ''", "reason: house style"))
    assert [(a.term, a.document, a.status) for a in accepted] == [
        ("dual-cores", "notice.docx", "forbidden"),
        ("stuck-neck", "notice.docx", "missing"),
    ]
    result = document_result(GLOSSARY, [doc], accepted=accepted)
    assert result.summary.accepted == 2 and result.stale_accepted == () and result.accepted_count() == 2
    assert result.summary.term_success_rate == 1.0
