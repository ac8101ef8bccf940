"""The CSV report: one row per term occurrence that is not ``ok``, or not in the glossary's spelling.

Problems and spelling findings (status ``ok``, the glossary's spelling in
the ``spelling`` column) come first, in document order (then one row per
term rendered or spelled inconsistently, status ``inconsistent``, its
renderings or spellings with counts and lines); findings the reviewer
accepted (``--accept``) follow, with the reason, who and when in their
three columns. At document granularity a row is a term of a document with
a problem or a spelling finding (no line number), and the per-document
table follows: a row per document (``status`` ``document``) and one for
the whole batch (``status`` ``total``) with the ``occurrences``, ``ok``,
``missing``, ``forbidden``, ``success`` and ``spelling_findings`` columns,
which other rows leave empty.

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
(:mod:`termlock.evaluate.reports.excerpt`), so that a long paragraph full of
problems is not copied once per problem.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from dataclasses import dataclass
from typing import Mapping

from termlock.evaluate.reports.excerpt import excerpt
from termlock.evaluate.records import OK, CheckResult, SegmentReport, TermOccurrence
from termlock.fileio import AtomicOutput
from termlock.wording import counted

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
    # added for --granularity document: the per-document table (rows with status "document" and "total")
    "occurrences",
    "ok",
    "missing",
    "forbidden",
    "success",
    # added for spelling findings: the glossary's spelling of the accepted rendering found
    "spelling",
    # the per-document table's count of spelling findings (rows with status "document" and "total")
    "spelling_findings",
)
#: cells of the per-document columns on other rows
_NO_COUNTS = ("", "", "", "", "")

#: joins the accepted renderings in the ``expected`` cell
EXPECTED_SEPARATOR = " | "

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: str) -> str:
    """``value`` as a spreadsheet shows text, never as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _segment_row(segment: SegmentReport, occ: TermOccurrence, notes: Mapping[str, str]) -> tuple:
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
    spelling = occ.spelling.expected if occ.spelling is not None else ""
    return (segment.index + 1, segment.index, *map(spreadsheet_text, text), *_NO_COUNTS, spreadsheet_text(spelling), "")


def _document_row(document, term, notes: Mapping[str, str]) -> tuple:
    acceptance = term.accepted
    decision = ("", "", "") if acceptance is None else (acceptance.reason, acceptance.by, acceptance.date or "")
    text = (
        document.name,
        term.id,
        term.source,
        term.problem_status or OK,
        EXPECTED_SEPARATOR.join(term.expected),
        "; ".join(f"{r} x{n}" for r, n in term.renderings.items()),
        "; ".join(f"{r} x{n}" for r, n in term.forbidden_found.items()),
        notes.get(term.id, ""),
        f"{term.source_count} in the source document",
        f"{term.found} accepted rendering(s) in the target document",
        *decision,
    )
    spelling = "; ".join(f"{found} -> {expected}" for _, found, expected in term.misspelled)
    return ("", "", *map(spreadsheet_text, text), *_NO_COUNTS, spreadsheet_text(spelling), "")


def _counts_row(name: str, status: str, source: str, target: str, occurrences: int, ok: int, missing: int,
                forbidden: int, success: float, spelling: int) -> tuple:
    """A row of the per-document table: the document (or the batch) and its figures, spelling findings last."""
    text = (name, "", "", status, "", "", "", "", source, target, "", "", "")
    return ("", "", *map(spreadsheet_text, text), occurrences, ok, missing, forbidden, f"{success:.4f}", "", spelling)


def _document_table(result: CheckResult) -> list[tuple]:
    """``--granularity document``: one row per document, then the whole batch."""
    if not result.documents:
        return []
    rows = [
        _counts_row(d.name, "document", d.source_path or "", d.target_path or "(no translation)", d.occurrences,
                    d.ok, d.missing, d.forbidden, d.term_success_rate, d.spelling)
        for d in result.documents
    ]
    s = result.summary
    rows.append(_counts_row(counted(len(result.documents), "document"), "total", "", "", s.term_occurrences, s.ok,
                            s.missing, s.forbidden, s.term_success_rate, s.spelling))
    return rows


def _lines(indexes) -> str:  # noqa: ANN001 - 0-based segment indexes
    shown = [str(index + 1) for index in list(indexes)[:20]]
    return ", ".join(shown) + (", …" if len(indexes) > 20 else "")


def _inconsistent_row(term, acceptance, notes: Mapping[str, str]) -> tuple:  # noqa: ANN001 - a TermSummary
    """A term rendered or spelled in several accepted ways: one row, the spellings with counts and lines."""
    decision = ("", "", "") if acceptance is None else (acceptance.reason, acceptance.by, acceptance.date or "")
    text = (
        "",
        term.id,
        term.source,
        "inconsistent",
        term.target,
        "; ".join(f"{r} x{n}" for r, n in (term.spellings or term.renderings).items()),
        "",
        notes.get(term.id, ""),
        "",
        "; ".join(f"{r}: lines {_lines(ix)}" for r, ix in (term.segments_by_spelling or term.segments_by_rendering).items()),
        *decision,
    )
    return ("", "", *map(spreadsheet_text, text), *_NO_COUNTS, "", "")


@dataclass
class ProblemRowsText:
    """The CSV rows of a run of segments (problems and spelling findings), written in a worker process.

    Called with the segment reports, answers ``(rows, text)``: the text
    :meth:`CsvReportWriter.add` writes for the same segments, so the report
    is the same bytes whichever process wrote its rows. ``notes``: term id
    -> glossary note, ``""`` for none.
    """

    notes: Mapping[str, str]

    def __call__(self, reports: list[SegmentReport]) -> tuple[int, str]:
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\r\n")
        rows = 0
        notes = self.notes
        for segment in reports:
            rows += _write_segment_rows(writer, segment, notes)
        return rows, buffer.getvalue()


def _write_segment_rows(writer, segment: SegmentReport, notes: Mapping[str, str]) -> int:  # noqa: ANN001 - a csv writer
    """The segment's rows (each open problem, each spelling finding) written; how many."""
    rows = 0
    for occ in segment.terms:
        if (occ.status != OK and occ.accepted is None) or occ.spelling is not None:
            writer.writerow(_segment_row(segment, occ, notes))
            rows += 1
    return rows


class CsvReportWriter:
    """Writes the CSV report while a check runs: problem rows go out as segments are checked.

    ``notes`` maps term ids to glossary notes (the ``note`` column).
    ``add`` each segment report in order, then ``finish`` with the result
    (accepted findings and document rows come last, as in :func:`csv_text`),
    or ``abort``. ``path=None`` collects the text in memory (:meth:`text`).
    """

    kind = "csv"

    def __init__(self, path: str | os.PathLike[str] | None, notes: Mapping[str, str | None]) -> None:
        self.path = path
        self._out = AtomicOutput(path) if path is not None else None
        if self._out is not None:
            self._out.write(codecs.BOM_UTF8)  # utf-8-sig: see the module docstring
        self._notes = {tid: note or "" for tid, note in notes.items()}
        self._buffer = io.StringIO(newline="")
        self._writer = csv.writer(self._buffer, lineterminator="\r\n")
        self._writer.writerow(COLUMNS)
        self._pending = 0
        self._chunks: list[str] = []

    def add(self, segment: SegmentReport) -> None:
        self._pending += _write_segment_rows(self._writer, segment, self._notes)
        if self._pending >= 2000:
            self._flush()

    def encoder(self) -> "ProblemRowsText":
        """What a worker process runs on a run of segment reports; its answer goes to :meth:`add_encoded`."""
        return ProblemRowsText(self._notes)

    def add_encoded(self, encoded: tuple[int, str]) -> None:
        """The rows of the next segments, as :class:`ProblemRowsText` wrote them (what :meth:`add` would write)."""
        rows, text = encoded
        if rows:
            self._buffer.write(text)
            self._pending += rows
            if self._pending >= 2000:
                self._flush()

    def _flush(self) -> None:
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        self._pending = 0
        if self._out is None:
            self._chunks.append(text)
        else:
            self._out.write(text.encode("utf-8"))

    def _tail(self, result: CheckResult) -> None:
        for term in result.open_inconsistent():
            self._writer.writerow(_inconsistent_row(term, None, self._notes))
        for segment, occ in result.accepted_findings():
            self._writer.writerow(_segment_row(segment, occ, self._notes))
        for finding in result.accepted_inconsistent:
            self._writer.writerow(_inconsistent_row(result.term(finding.term), finding, self._notes))
        for document, term in _document_rows(result):
            self._writer.writerow(_document_row(document, term, self._notes))
        for row in _document_table(result):
            self._writer.writerow(row)
        self._flush()

    def finish(self, result: CheckResult) -> None:
        try:
            self._tail(result)
        except BaseException:
            self.abort()
            raise
        if self._out is not None:
            self._out.commit()

    def abort(self) -> None:
        if self._out is not None:
            self._out.abort()

    def text(self, result: CheckResult) -> str:
        """The whole report, when writing to memory (``path=None``)."""
        self._tail(result)
        return "".join(self._chunks)


def csv_text(result: CheckResult) -> str:
    writer = CsvReportWriter(None, {term.id: term.note for term in result.terms})
    for segment in result.segments:
        writer.add(segment)
    return writer.text(result)


def _document_rows(result: CheckResult) -> list:
    """``--granularity document``: one row per term with a problem, problems before accepted ones.

    Such rows have no line; ``segment_id`` names the document and the
    source/target cells give the counts (paragraphs do not line up).
    """
    problems = [
        (doc, t) for doc in result.documents for t in doc.terms if (t.problem_status or t.misspelled) and t.accepted is None
    ]
    accepted = [(doc, t) for doc in result.documents for t in doc.terms if t.accepted is not None]
    return problems + accepted


def write_csv(result: CheckResult, path: str | os.PathLike[str]) -> None:
    writer = CsvReportWriter(path, {term.id: term.note for term in result.terms})
    try:
        for segment in result.segments:
            writer.add(segment)
    except BaseException:
        writer.abort()
        raise
    writer.finish(result)
