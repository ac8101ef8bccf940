"""The CSV report: one row per term occurrence that is not ``ok``.

Problems come first; findings the reviewer accepted (``--accept``) follow,
with the reason, who and when in the last three columns. At document
granularity a row is a term of a document with a problem (no line number).

Written as UTF-8 *with* a byte-order mark (``utf-8-sig``): Excel opens a
BOM-less CSV in the system's legacy code page, which turns every Chinese
source segment into mojibake, while with the BOM it reads UTF-8; LibreOffice,
pandas (``encoding="utf-8-sig"``) and Python's csv module handle the BOM too.
Rows end in CRLF as RFC 4180 says, and fields are quoted by the csv module,
so commas, quotes and newlines inside segments survive.

The file is meant to be opened in a spreadsheet, and a spreadsheet runs a
cell that starts with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage
return) as a formula: a hostile or merely odd segment ("=HYPERLINK(...)",
"-1 percent") would be evaluated or mangled. Such text cells get a leading
apostrophe, which Excel and LibreOffice show as plain text (OWASP's advice
for CSV injection); the JSON report keeps the exact text. A segment longer
than 2,000 characters is shown as an excerpt around the term
(:mod:`termlock.evaluate.excerpt`), so that a long paragraph full of
problems is not copied once per problem.
"""

from __future__ import annotations

import csv
import io
import os

from termlock.evaluate.excerpt import excerpt
from termlock.fileio import write_text_atomically
from termlock.evaluate.records import CheckResult

COLUMNS = (
    "line",  # 1-based, what a reviewer sees in an editor
    "index",  # 0-based, as in the JSON report
    "segment_id",
    "term_id",
    "term_source",
    "status",
    "expected",
    "found",
    "forbidden_found",
    "note",
    "source",
    "target",
    # added for accepted findings (--accept): rows after the problems, the reviewer's decision
    "accepted_reason",
    "accepted_by",
    "accepted_date",
)

#: joins the accepted renderings in the ``expected`` cell
EXPECTED_SEPARATOR = " | "

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: str) -> str:
    """``value`` as a spreadsheet shows text, never as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def csv_text(result: CheckResult) -> str:
    notes = {term.id: term.note or "" for term in result.terms}
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    rows = [(seg, occ) for seg, occ in result.problems()] + result.accepted_findings()
    for segment, occ in rows:
        acceptance = occ.accepted
        decision = ("", "", "") if acceptance is None else (acceptance.reason, acceptance.by, acceptance.date or "")
        text = (
            segment.id or "",
            occ.term_id,
            occ.source,
            occ.status,
            EXPECTED_SEPARATOR.join(occ.expected),
            occ.found or "",
            occ.forbidden_found or "",
            notes.get(occ.term_id, ""),
            excerpt(segment.source, [occ.source_span])[0],
            excerpt(segment.target, [occ.forbidden_span, occ.found_span])[0],
            *decision,
        )
        writer.writerow((segment.index + 1, segment.index, *map(spreadsheet_text, text)))
    for document, term in _document_rows(result):
        acceptance = term.accepted
        decision = ("", "", "") if acceptance is None else (acceptance.reason, acceptance.by, acceptance.date or "")
        text = (
            document.name,
            term.id,
            term.source,
            term.problem_status or "",
            EXPECTED_SEPARATOR.join(term.expected),
            "; ".join(f"{r} x{n}" for r, n in term.renderings.items()),
            "; ".join(f"{r} x{n}" for r, n in term.forbidden_found.items()),
            notes.get(term.id, ""),
            f"{term.source_count} in the source document",
            f"{term.found} accepted rendering(s) in the target document",
            *decision,
        )
        writer.writerow(("", "", *map(spreadsheet_text, text)))
    return buffer.getvalue()


def _document_rows(result: CheckResult) -> list:
    """``--granularity document``: one row per term with a problem, problems before accepted ones.

    Such rows have no line; ``segment_id`` names the document and the
    source/target cells give the counts (paragraphs do not line up).
    """
    problems = [(doc, t) for doc in result.documents for t in doc.terms if t.problem_status and t.accepted is None]
    accepted = [(doc, t) for doc in result.documents for t in doc.terms if t.accepted is not None]
    return problems + accepted


def write_csv(result: CheckResult, path: str | os.PathLike[str]) -> None:
    write_text_atomically(path, csv_text(result), encoding="utf-8-sig")
