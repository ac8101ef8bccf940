"""The checker's core: per-segment term verdicts, then a pure document-level aggregation.

:class:`SegmentChecker` turns the judge's verdicts on one segment
(:mod:`termlock.glossary.verdicts`) into records, :class:`Aggregator` adds
them up in index order, and :func:`check` is the two composed. The work is
split in two so that a sharded engine (Ray) can run :class:`SegmentChecker`
on workers and :func:`aggregate` on the driver and get exactly what
:func:`check` gives in one process: segment verdicts depend only on their
own segment, and everything document-level (counts, consistency, the term
table) is computed from the segment reports alone, ordered by index.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from operator import attrgetter
from typing import Iterable, Sequence

from termlock.errors import TermlockError
from termlock.evaluate.accepted import AcceptedFinding, accept_inconsistencies, mark_accepted
from termlock.evaluate.numbers import NumberFinding, NumbersReport, missing_figures
from termlock.evaluate.records import (
    FORBIDDEN,
    MISSING,
    OK,
    CheckResult,
    Metrics,
    SegmentReport,
    SpellingFinding,
    TermOccurrence,
    TermSummary,
    summarize_terms,
)
from termlock.glossary import Glossary, SegmentJudge
from termlock.wording import counted


#: found / rendering / span of a rendering that is not there
_NOTHING = (None, None, None)


class SegmentChecker:
    """Checks one source/target pair at a time against a compiled glossary.

    The verdicts come from the glossary's :class:`SegmentJudge` (the rules
    the translator applies too); this class only turns them into report
    records. Built once per glossary and called for every segment: this is
    the hot path of a million-segment check.
    """

    def __init__(self, glossary: Glossary, *, numbers: bool = False) -> None:
        self.glossary = glossary
        #: also check the numbers category (figures of the source missing from the target)
        self.numbers = numbers
        #: the glossary's judge (a caller placing inline codes by the terms uses the same one)
        self.judge = SegmentJudge(glossary)
        self._judge = self.judge.judge
        # one shared tuple per term: a million reports must not hold a
        # million copies of the same expected list
        self._expected = {term.id: term.accepted for term in glossary.terms}

    def check(self, index: int, source: str, target: str, segment_id: str | None = None) -> SegmentReport:
        """The verdict for every glossary term occurrence in ``source`` (rules: :mod:`termlock.glossary.verdicts`)."""
        occurrences = []
        expected = self._expected
        for verdict in self._judge(source, target):
            match, hit, wrong = verdict.match, verdict.found, verdict.forbidden
            tid = match.term.id
            # positional: keyword calls cost measurably at a million occurrences
            occurrences.append(
                TermOccurrence(
                    tid,  # term_id
                    match.text,  # source
                    verdict.status,
                    expected[tid],
                    (match.start, match.end),  # source_span
                    *((hit.text, hit.rendering, (hit.start, hit.end)) if hit is not None else _NOTHING),
                    *((wrong.text, wrong.rendering, (wrong.start, wrong.end)) if wrong is not None else _NOTHING),
                    None,  # accepted
                    verdict.spelling,
                )
            )
        report = SegmentReport(index, source, target, tuple(occurrences), segment_id)
        if self.numbers:
            figures, lost = missing_figures(source, target)
            report.figures, report.missing_figures = len(figures), tuple(lost)
        return report


class Aggregator:
    """The document-level figures, built one segment report at a time.

    Holds per term five counters and, per rendering used, the distinct
    segment indexes behind it (the inconsistency table names them), never
    the segment reports: a streamed check (:mod:`termlock.evaluate.stream`)
    keeps memory flat in the number of segments. Reports must arrive in
    increasing index order (:func:`aggregate` sorts them first; a streamed
    check produces them in order). ``numbers``: the reports were checked for
    figures; the result's ``numbers`` adds them up (None otherwise).
    ``strict_spelling``: spelling findings count against the term success
    rate (:func:`summarize_terms`).
    """

    def __init__(self, glossary: Glossary, *, numbers: bool = False, strict_spelling: bool = False) -> None:
        self.glossary = glossary
        self.numbers = numbers
        self.strict_spelling = strict_spelling
        self.segments = 0
        # occurrences, ok, missing, forbidden, accepted, spelling findings
        self._counts: dict[str, list[int]] = {term.id: [0, 0, 0, 0, 0, 0] for term in glossary.terms}
        # spelling (the glossary rendering, or the spelling written) -> [count, distinct indexes in order, rendering]
        self._spelled: dict[str, dict[str, list]] = {term.id: {} for term in glossary.terms}
        self._misspelled: list[SpellingFinding] = []
        self._figures = 0
        self._missing_figures: list[NumberFinding] = []
        self._last_index: int | None = None
        self._first_index: int | None = None

    def add(self, report: SegmentReport) -> None:
        index = report.index
        last = self._last_index
        if last is not None and index <= last:
            if index == last:
                raise ValueError(f"two segment reports with index {index}")
            raise ValueError(f"segment report {index} arrived after {last}: add them in index order")
        self._last_index = index
        if self._first_index is None:
            self._first_index = index
        self.segments += 1
        counts, spelled = self._counts, self._spelled
        for occ in report.terms:
            tid = occ.term_id
            row = counts.get(tid)
            if row is None:
                raise ValueError(
                    f"segment {index} reports term {tid!r}, which is not in glossary {self.glossary.name!r}"
                )
            row[0] += 1
            status = occ.status
            row[_SLOT[status] if occ.accepted is None else 4] += 1
            if status == OK and occ.rendering is not None:
                key = occ.rendering
                if occ.spelling is not None:
                    row[5] += 1
                    key = occ.spelling.written
                    self._misspelled.append(
                        SpellingFinding(index, report.id, tid, occ.source, occ.found or "", occ.spelling.expected)
                    )
                entry = spelled[tid].get(key)
                if entry is None:
                    spelled[tid][key] = [1, [index], occ.rendering]
                else:
                    entry[0] += 1
                    if entry[1][-1] != index:
                        entry[1].append(index)
        if self.numbers:
            self._figures += report.figures
            self._missing_figures.extend(NumberFinding(index, report.id, f) for f in report.missing_figures)

    def part(self) -> "AggregatePart":
        """What this aggregator added up, without the glossary: plain data to send from a worker process.

        Only the terms that occurred are carried. :meth:`merge` of the parts
        of consecutive runs of segments, in order, gives exactly the figures
        of :meth:`add` of every report (the parallel check relies on it).
        """
        counts = {tid: row for tid, row in self._counts.items() if row[0]}
        spelled = {tid: self._spelled[tid] for tid in counts if self._spelled[tid]}
        first = self._first_index
        return AggregatePart(self.segments, first, self._last_index, counts, spelled, self._misspelled, self._figures,
                             self._missing_figures)

    def merge(self, part: "AggregatePart") -> None:
        """Add the figures of a :meth:`part` of later segments (parts in index order, as reports must come)."""
        if not part.segments:
            return
        last = self._last_index
        if last is not None and part.first_index <= last:
            raise ValueError(f"segment reports from {part.first_index} arrived after {last}: merge parts in index order")
        if self._first_index is None:
            self._first_index = part.first_index
        self._last_index = part.last_index
        self.segments += part.segments
        counts, spelled = self._counts, self._spelled
        for tid, row in part.counts.items():
            mine = counts.get(tid)
            if mine is None:
                raise ValueError(f"a part reports term {tid!r}, which is not in glossary {self.glossary.name!r}")
            counts[tid] = [a + b for a, b in zip(mine, row)]
        for tid, entries in part.spelled.items():
            mine = spelled[tid]
            for key, (count, indexes, rendering) in entries.items():
                entry = mine.get(key)
                if entry is None:  # first seen in this part: after every key seen before, as add() orders them
                    mine[key] = [count, list(indexes), rendering]
                else:  # the part's segments all come after the ones counted: distinct, in order
                    entry[0] += count
                    entry[1].extend(indexes)
        self._misspelled.extend(part.misspelled)
        self._figures += part.figures
        self._missing_figures.extend(part.missing_figures)

    def result(self, metrics: Metrics | None = None, segments: tuple[SegmentReport, ...] = ()) -> CheckResult:
        """The CheckResult of the reports added; ``segments`` are the reports to carry, when the caller kept them."""
        terms = []
        for term in self.glossary.terms:
            occurrences, ok, missing, bad, accepted, misspelled = self._counts[term.id]
            spelled = self._spelled[term.id]
            seen = _by_rendering(spelled) if misspelled else spelled
            order = [r for r in term.accepted if r in seen] + [r for r in seen if r not in term.accepted]
            # the glossary renderings first, in the same order, then the other spellings as they came
            spelled_order = [r for r in order if r in spelled] + [r for r in spelled if r not in seen]
            terms.append(
                TermSummary(
                    id=term.id,
                    source=term.source,
                    target=term.target,
                    occurrences=occurrences,
                    ok=ok,
                    missing=missing,
                    forbidden=bad,
                    renderings={r: seen[r][0] for r in order},
                    segments_by_rendering={r: tuple(seen[r][1]) for r in order},
                    note=term.note,
                    accepted=accepted,
                    spellings={r: spelled[r][0] for r in spelled_order},
                    segments_by_spelling={r: tuple(spelled[r][1]) for r in spelled_order},
                    spelling=misspelled,
                )
            )

        summary = summarize_terms(terms, self.segments, metrics, strict_spelling=self.strict_spelling)
        figures = NumbersReport(self._figures, tuple(self._missing_figures)) if self.numbers else None
        return CheckResult(
            glossary_name=self.glossary.name,
            glossary_terms=len(self.glossary),
            summary=summary,
            segments=segments,
            terms=tuple(terms),
            numbers=figures,
            spelling=tuple(self._misspelled),
        )


_SLOT = {OK: 1, MISSING: 2, FORBIDDEN: 3}


@dataclass
class AggregatePart:
    """The running figures of an :class:`Aggregator` over consecutive segments, as plain picklable data.

    ``counts``: term id -> [occurrences, ok, missing, forbidden, accepted,
    spelling findings], only for terms that occurred; ``spelled``: term id
    -> spelling -> [count, segment indexes, glossary rendering], in the
    order first seen. Made by :meth:`Aggregator.part`, added up by
    :meth:`Aggregator.merge`.
    """

    segments: int
    first_index: int | None
    last_index: int | None
    counts: dict[str, list[int]]
    spelled: dict[str, dict[str, list]]
    misspelled: list[SpellingFinding]
    figures: int
    missing_figures: list[NumberFinding]


def _by_rendering(spelled: dict[str, list]) -> dict[str, list]:
    """Spelling tallies ``[count, indexes, rendering]`` added up per glossary rendering (a term with misspellings)."""
    merged: dict[str, list] = {}
    for count, indexes, rendering in spelled.values():
        entry = merged.get(rendering)
        if entry is None:
            merged[rendering] = [count, list(indexes)]
        else:
            entry[0] += count
            entry[1] = sorted(set(entry[1]) | set(indexes))
    return merged


def aggregate(
    glossary: Glossary,
    segment_reports: Iterable[SegmentReport],
    metrics: Metrics | None = None,
    *,
    numbers: bool = False,
    strict_spelling: bool = False,
) -> CheckResult:
    """Document-level result from segment reports in any order.

    Pure: the same reports give the same result whatever order or shards
    they arrive in (they are sorted by index first). Only ``ok`` occurrences
    count towards a term's renderings, keyed by the glossary rendering
    matched, so inflected forms of one rendering stay one rendering.
    ``numbers``: the reports were checked for figures (``SegmentChecker(numbers=True)``);
    the result's ``numbers`` adds them up (None otherwise). ``strict_spelling``:
    spelling findings count against the term success rate.
    """
    reports = tuple(sorted(segment_reports, key=attrgetter("index")))
    totals = Aggregator(glossary, numbers=numbers, strict_spelling=strict_spelling)
    for report in reports:
        totals.add(report)
    return totals.result(metrics, reports)


def check(
    glossary: Glossary,
    sources: Sequence[str],
    targets: Sequence[str],
    references: Sequence[str] | None = None,
    segment_ids: Sequence[str | None] | None = None,
    accepted: Sequence[AcceptedFinding] | None = None,
    segment_glossaries: Sequence[Glossary] | None = None,
    numbers: bool = False,
    strict_spelling: bool = False,
) -> CheckResult:
    """Check a translated document against ``glossary``.

    ``sources``/``targets`` (and ``references`` and ``segment_ids`` when
    given) are aligned, one entry per segment; BLEU/chrF are computed only
    with references. Misaligned input raises :class:`TermlockError`.
    ``accepted``: the reviewer's accepted findings (:mod:`termlock.evaluate.accepted`):
    they are marked, counted apart, and the entries that match nothing are
    the result's ``stale_accepted``. ``segment_glossaries``: per-segment term
    lists (:mod:`termlock.glossary.term_lists`): segment *i* is checked against
    ``segment_glossaries[i]`` only, and ``glossary`` (their union) names the
    terms of the report. ``numbers``: also report figures of the source
    missing from the target (:mod:`termlock.evaluate.numbers`).
    ``strict_spelling``: spelling findings (:mod:`termlock.glossary.spelling`)
    count against the term success rate; by default they are a category of
    their own.
    """
    from termlock.evaluate.metrics import corpus_metrics

    sources = list(sources)
    targets = list(targets)
    _same_length("source", sources, "target", targets)
    if references is not None:
        references = list(references)
        _same_length("target", targets, "reference", references)
    if segment_ids is not None:
        segment_ids = list(segment_ids)
        _same_length("source", sources, "segment id", segment_ids)

    if segment_glossaries is not None:
        _same_length("source", sources, "term list", list(segment_glossaries))
        checkers: dict[tuple, SegmentChecker] = {}

        def checker_of(index: int) -> SegmentChecker:
            own = segment_glossaries[index]
            key = tuple(own.terms)
            if key not in checkers:
                checkers[key] = SegmentChecker(own, numbers=numbers)
            return checkers[key]
    else:
        shared = SegmentChecker(glossary, numbers=numbers)

        def checker_of(index: int) -> SegmentChecker:
            return shared

    ids = segment_ids if segment_ids is not None else [None] * len(sources)
    reports = [checker_of(i).check(i, s, t, sid) for i, (s, t, sid) in enumerate(zip(sources, targets, ids))]
    metrics = corpus_metrics(targets, references, target_lang=glossary.target_lang) if references is not None else None
    return result_of(glossary, reports, metrics, accepted=accepted, numbers=numbers, strict_spelling=strict_spelling)


def result_of(
    glossary: Glossary,
    reports: Iterable[SegmentReport],
    metrics: Metrics | None = None,
    *,
    accepted: Sequence[AcceptedFinding] | None = None,
    numbers: bool = False,
    strict_spelling: bool = False,
) -> CheckResult:
    """The result of checked segments: accepted findings marked, then :func:`aggregate`.

    What :func:`check` ends with, and what the review page runs after each
    edit on the segment reports it keeps (only the edited one re-checked),
    so its figures are those of ``check`` on the same text by construction.
    Marks from an earlier call are replaced, so the same reports may be
    marked again after an acceptance is withdrawn. ``strict_spelling``:
    spelling findings count against the term success rate.
    """
    if accepted is None:
        return aggregate(glossary, reports, metrics, numbers=numbers, strict_spelling=strict_spelling)
    reports, stale = mark_accepted(reports, accepted, replace_marks=True)
    return accept_inconsistencies(
        replace(
            aggregate(glossary, reports, metrics, numbers=numbers, strict_spelling=strict_spelling),
            stale_accepted=stale,
        ),
        accepted,
    )


def _same_length(name_a: str, a: list, name_b: str, b: list) -> None:
    if len(a) != len(b):
        raise TermlockError(
            f"{counted(len(a), name_a + ' segment')} but {counted(len(b), name_b + ' segment')}",
            fix=f"give exactly one {name_b} per {name_a} segment, aligned",
        )
