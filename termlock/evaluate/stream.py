"""A check in one pass: segments in, reports out, nothing held that no report needs.

:func:`check` returns every segment report, which a library user wants and
a million-segment ``termlock check`` does not: the command only needs the
document-level figures and the report files. :func:`check_stream` checks
each segment, hands its report to the report writers (JSON and CSV write it
out at once, HTML keeps the first rows it shows) and to an
:class:`Aggregator`, then drops it; memory stays flat in the number of
segments (the inconsistency table's segment numbers aside, which the report
lists by design). Given a pool (``termlock check --jobs``), runs of segments
are checked and encoded in worker processes and added here in input order.

:class:`ReportFiles` names the report files a run writes and opens the
matching writers. A whole :class:`CheckResult` is written by the same
writers (``write_json``/``write_csv``/``write_html`` feed them its
segments), so a streamed report and a whole-result report are the same
bytes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from contextlib import closing
from itertools import islice
from typing import Any, Callable, Iterable, Iterator, Mapping, Protocol, Sequence

from termlock.evaluate.checker import AggregatePart, Aggregator, SegmentChecker
from termlock.evaluate.records import CheckResult, Metrics, SegmentReport
from termlock.glossary import Glossary
from termlock.glossary.merge import MergeConflict


#: segment pairs checked together by a pool's worker: a few hundred milliseconds of work, a few MB of reports
CHUNK_SEGMENTS = 4000

#: the pool contract (:func:`termlock.engines.sharded.in_process_pool`): items and a work factory in, results out in order
ChunkPool = Callable[[Iterable[tuple[int, Any]], Callable[[], Callable[[Any], Any]]], Iterator[tuple[int, Any]]]


class ReportWriter(Protocol):
    """What the streamed check feeds: every segment report in order, then the result.

    ``kind`` (``json``, ``csv``, ``html``) and ``path`` name the file written,
    for the result's ``reports_written``.

    A writer may also offer ``encoder()``: a picklable callable that turns
    a run of segment reports into what ``add_encoded`` takes, the same
    bytes ``add`` of those reports would write. Then the runs can be checked
    and encoded in worker processes (``check_stream``'s ``pool``); a check
    with a writer without it runs in this process.
    """

    kind: str
    path: str | os.PathLike[str]

    def add(self, report: SegmentReport) -> None: ...

    def finish(self, result: CheckResult) -> None: ...

    def abort(self) -> None: ...


@dataclass
class ReportFiles:
    """The report files of one check (None = not asked for) and the HTML page's header details."""

    json: str | os.PathLike[str] | None = None
    csv: str | os.PathLike[str] | None = None
    html: str | os.PathLike[str] | None = None
    html_inputs: Mapping[str, str | None] | None = None
    min_term_success: float | None = None

    def open(self, notes: Mapping[str, str | None]) -> list[ReportWriter]:
        """One writer per report asked for; ``notes`` = term id -> glossary note."""
        writers: list[ReportWriter] = []
        if self.json:
            from termlock.evaluate.reports.json_report import JsonReportWriter

            writers.append(JsonReportWriter(self.json))
        if self.csv:
            from termlock.evaluate.reports.csv_report import CsvReportWriter

            writers.append(CsvReportWriter(self.csv, notes))
        if self.html:
            from termlock.evaluate.reports.html_report import HtmlReportWriter

            writers.append(
                HtmlReportWriter(self.html, notes, inputs=self.html_inputs, min_term_success=self.min_term_success)
            )
        return writers


def glossary_notes(glossary: Glossary) -> dict[str, str | None]:
    return {term.id: term.note for term in glossary.terms}


def check_stream(
    glossary: Glossary,
    segments: Iterable[tuple[str, str]] | Iterable[tuple[str, str, str | None]],
    writers: Sequence[ReportWriter] = (),
    *,
    metrics: Metrics | None = None,
    keep_segments: bool = False,
    numbers: bool = False,
    glossary_conflicts: Sequence[MergeConflict] = (),
    strict_spelling: bool = False,
    pool: ChunkPool | None = None,
    chunk_size: int | None = None,
) -> CheckResult:
    """Check ``(source, target)`` or ``(source, target, segment id)`` pairs in one pass.

    Each segment report goes to every writer and the aggregator as it is
    made; the writers are finished with the result (or aborted, leaving no
    file, when anything fails, including the input iterator: a misaligned
    or undecodable input found half way writes no report). The result
    carries the segment reports only with ``keep_segments`` (what
    ``--xliff-notes`` needs); ``metrics`` (BLEU/chrF) go into its summary;
    ``strict_spelling``: spelling findings count against the term success rate.

    ``pool`` (the pool contract of :mod:`termlock.engines.sharded`: ``(key,
    payload)`` items and a factory of the work in, ``(key, result)`` out in
    item order, a bounded number in flight) checks runs of ``chunk_size``
    segments (default :data:`CHUNK_SEGMENTS`) elsewhere, e.g. in worker processes: each run comes back as
    its totals (:meth:`Aggregator.part`) and what each writer needs of it,
    encoded there (the writers' ``encoder``), and is added here in input
    order, so the reports are the same bytes as a check in this process.
    Not with ``keep_segments`` (the reports would have to travel back).
    """
    totals = Aggregator(glossary, numbers=numbers, strict_spelling=strict_spelling)
    kept: list[SegmentReport] | None = [] if keep_segments else None
    try:
        if pool is not None and kept is None and all(hasattr(writer, "encoder") for writer in writers):
            factory = ChunkCheckerFactory(glossary, numbers, tuple(writer.encoder() for writer in writers))
            with closing(pool(_numbered_chunks(segments, chunk_size or CHUNK_SEGMENTS), factory)) as outcomes:
                for _start, outcome in outcomes:
                    totals.merge(outcome.totals)
                    for writer, encoded in zip(writers, outcome.encoded):
                        writer.add_encoded(encoded)
        else:
            checker = SegmentChecker(glossary, numbers=numbers).check
            add_total = totals.add
            adders = [writer.add for writer in writers]
            for index, pair in enumerate(segments):
                report = checker(index, *pair)
                add_total(report)
                for add in adders:
                    add(report)
                if kept is not None:
                    kept.append(report)
        result = totals.result(metrics, tuple(kept) if kept is not None else ())
        if glossary_conflicts:
            result = replace(result, glossary_conflicts=tuple(glossary_conflicts))
        for writer in writers:
            writer.finish(result)
        written = tuple((writer.kind, str(writer.path)) for writer in writers if getattr(writer, "kind", None))
        result = replace(result, reports_written=written)
    except BaseException:
        for writer in writers:
            writer.abort()
        raise
    return result


def _numbered_chunks(segments: Iterable[tuple], size: int) -> Iterator[tuple[int, tuple[int, list[tuple]]]]:
    """``(index of the first, (index of the first, up to size pairs))``, read as the pool asks for them."""
    pairs = iter(segments)
    start = 0
    while chunk := list(islice(pairs, size)):
        yield start, (start, chunk)
        start += len(chunk)


@dataclass
class ChunkOutcome:
    """A run of segments checked by a pool worker: its totals and, per report writer, its encoded part."""

    totals: AggregatePart
    encoded: tuple[Any, ...]


@dataclass
class ChunkCheckerFactory:
    """Builds the work of a pool worker: compile the glossary's checker once, then check run after run.

    Picklable (a pool that starts fresh interpreters sends it); a pool that
    forks builds it once before forking, so no worker compiles the glossary.
    ``encoders``: one per report writer, run on each run's reports.
    """

    glossary: Glossary
    numbers: bool
    encoders: tuple[Callable[[list[SegmentReport]], Any], ...]

    def __call__(self) -> Callable[[tuple[int, list[tuple]]], ChunkOutcome]:
        checker = SegmentChecker(self.glossary, numbers=self.numbers).check
        glossary, numbers, encoders = self.glossary, self.numbers, self.encoders

        def check_chunk(chunk: tuple[int, list[tuple]]) -> ChunkOutcome:
            start, pairs = chunk
            reports = [checker(index, *pair) for index, pair in enumerate(pairs, start)]
            totals = Aggregator(glossary, numbers=numbers)
            for report in reports:
                totals.add(report)
            return ChunkOutcome(totals.part(), tuple(encode(reports) for encode in encoders))

        return check_chunk
