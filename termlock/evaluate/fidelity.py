"""Term fidelity: per-segment verdicts, then a pure document-level aggregation.

The work is split in two so that a sharded engine (Ray) can run
:class:`SegmentChecker` on workers and :func:`aggregate` on the driver and
get exactly what :func:`check` gives in one process: segment verdicts depend
only on their own segment, and everything document-level (counts,
consistency, the term table) is computed from the segment reports alone,
ordered by index.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Iterable, Sequence

from termlock.errors import TermlockError
from termlock.evaluate.records import (
    FORBIDDEN,
    MISSING,
    OK,
    CheckResult,
    Metrics,
    SegmentReport,
    Summary,
    TermOccurrence,
    TermSummary,
    success_rate,
)
from termlock.glossary import Glossary, SourceMatcher, TargetMatcher


class SegmentChecker:
    """Checks one source/target pair at a time against a compiled glossary.

    Built once per glossary (matchers compile their automaton and patterns
    here) and then called for every segment: this is the hot path of a
    million-segment check, so ``check`` does no compiling and no copying and
    returns early for the majority of segments that contain no term.
    """

    def __init__(self, glossary: Glossary) -> None:
        self.glossary = glossary
        self._find = SourceMatcher(glossary).find
        target = TargetMatcher(glossary)
        self._accepted = target.accepted
        self._forbidden = target.forbidden
        # one shared tuple per term: a million reports must not hold a
        # million copies of the same expected list
        self._expected = {term.id: term.accepted for term in glossary.terms}

    def check(self, index: int, source: str, target: str, segment_id: str | None = None) -> SegmentReport:
        """The verdict for every glossary term occurrence in ``source``.

        Per occurrence: ``forbidden`` if a forbidden rendering of the term is
        in ``target`` (it wins even when an accepted one is there too), else
        ``ok`` if an accepted rendering is there, else ``missing``. A
        forbidden rendering that lies inside an accepted rendering found in
        the same target (of any term of the segment) is not counted: it is
        part of a correct rendering, not a wrong one. Likewise an accepted
        rendering found only inside a longer accepted rendering of another
        term of the segment belongs to that term ("Provincial Party Committee"
        inside "Standing Committee of the Provincial Party Committee"), as the
        longer source term wins on the source side. When a term occurs
        several times, the n-th occurrence is paired with the n-th match in
        the target (the last one when there are fewer), so a segment that
        mixes two renderings of one term shows both.
        """
        matches = self._find(source)
        if not matches:
            return SegmentReport(index, source, target, (), segment_id)

        accepted_of = self._accepted
        accepted: dict[str, list] = {}
        for match in matches:
            term = match.term
            if term.id not in accepted:
                hits = accepted_of(term, target)
                accepted[term.id] = _longest_leftmost(hits) if len(hits) > 1 else hits
        guard = [(hit.start, hit.end) for hits in accepted.values() for hit in hits]
        if len(guard) > 1 and len(accepted) > 1:
            _drop_claimed(accepted)

        forbidden: dict[str, list] = {}
        seen: dict[str, int] = {}
        occurrences = []
        for match in matches:
            term = match.term
            tid = term.id
            nth = seen.get(tid, 0)
            seen[tid] = nth + 1
            bad = forbidden.get(tid)
            if bad is None:
                bad = forbidden[tid] = _outside(self._forbidden(term, target), guard) if term.forbidden else []
            good = accepted[tid]
            hit = (good[nth] if nth < len(good) else good[-1]) if good else None
            wrong = (bad[nth] if nth < len(bad) else bad[-1]) if bad else None
            occurrences.append(
                TermOccurrence(
                    term_id=tid,
                    source=match.text,
                    status=FORBIDDEN if wrong is not None else OK if hit is not None else MISSING,
                    expected=self._expected[tid],
                    source_span=(match.start, match.end),
                    found=hit.text if hit is not None else None,
                    rendering=hit.rendering if hit is not None else None,
                    found_span=(hit.start, hit.end) if hit is not None else None,
                    forbidden_found=wrong.text if wrong is not None else None,
                    forbidden_rendering=wrong.rendering if wrong is not None else None,
                    forbidden_span=(wrong.start, wrong.end) if wrong is not None else None,
                )
            )
        return SegmentReport(index, source, target, tuple(occurrences), segment_id)


def _longest_leftmost(hits: list) -> list:
    """Non-overlapping matches, longest first at each position.

    "Belt and Road Initiative" also contains the variant "Belt and Road";
    counting both would invent a second rendering (and an inconsistency).
    """
    kept: list = []
    end = -1
    for hit in sorted(hits, key=lambda h: (h.start, -h.end)):
        if hit.start >= end:
            kept.append(hit)
            end = hit.end
    return kept


def _drop_claimed(accepted: dict[str, list]) -> None:
    """Remove each term's matches that lie inside a longer match of another term."""
    spans = [(tid, hit.start, hit.end) for tid, hits in accepted.items() for hit in hits]
    if len(spans) < 2:
        return
    for tid, hits in accepted.items():
        if hits:
            accepted[tid] = [
                hit
                for hit in hits
                if not any(
                    other != tid and start <= hit.start and hit.end <= end and end - start > hit.end - hit.start
                    for other, start, end in spans
                )
            ]


def _outside(hits: list, guard: list[tuple[int, int]]) -> list:
    """The target matches not contained in any guarded (accepted) span."""
    if not guard or not hits:
        return hits
    return [hit for hit in hits if not any(start <= hit.start and hit.end <= end for start, end in guard)]


def aggregate(
    glossary: Glossary,
    segment_reports: Iterable[SegmentReport],
    metrics: Metrics | None = None,
) -> CheckResult:
    """Document-level result from segment reports in any order.

    Pure: the same reports give the same result whatever order or shards
    they arrive in (they are sorted by index first). Only ``ok`` occurrences
    count towards a term's renderings, keyed by the glossary rendering
    matched, so inflected forms of one rendering stay one rendering.
    """
    reports = tuple(sorted(segment_reports, key=attrgetter("index")))
    for before, after in zip(reports, reports[1:]):
        if before.index == after.index:
            raise ValueError(f"two segment reports with index {after.index}")

    by_id = {term.id: term for term in glossary.terms}
    counts: dict[str, list[int]] = {tid: [0, 0, 0, 0] for tid in by_id}  # occurrences, ok, missing, forbidden
    used: dict[str, dict[str, list[int]]] = {tid: {} for tid in by_id}
    slot = {OK: 1, MISSING: 2, FORBIDDEN: 3}
    for report in reports:
        for occ in report.terms:
            row = counts.get(occ.term_id)
            if row is None:
                raise ValueError(
                    f"segment {report.index} reports term {occ.term_id!r}, which is not in glossary {glossary.name!r}"
                )
            row[0] += 1
            row[slot[occ.status]] += 1
            if occ.status == OK and occ.rendering is not None:
                used[occ.term_id].setdefault(occ.rendering, []).append(report.index)

    terms = []
    for term in glossary.terms:
        occurrences, ok, missing, bad = counts[term.id]
        seen = used[term.id]
        order = [r for r in term.accepted if r in seen] + [r for r in seen if r not in term.accepted]
        terms.append(
            TermSummary(
                id=term.id,
                source=term.source,
                target=term.target,
                occurrences=occurrences,
                ok=ok,
                missing=missing,
                forbidden=bad,
                renderings={r: len(seen[r]) for r in order},
                segments_by_rendering={r: tuple(dict.fromkeys(seen[r])) for r in order},
                note=term.note,
            )
        )

    total = sum(t.occurrences for t in terms)
    ok_total = sum(t.ok for t in terms)
    summary = Summary(
        segments=len(reports),
        term_occurrences=total,
        ok=ok_total,
        missing=sum(t.missing for t in terms),
        forbidden=sum(t.forbidden for t in terms),
        term_success_rate=success_rate(ok_total, total),
        inconsistent_terms=sum(1 for t in terms if not t.consistent),
        bleu=metrics.bleu if metrics else None,
        chrf=metrics.chrf if metrics else None,
        signature=metrics.signature if metrics else None,
    )
    return CheckResult(
        glossary_name=glossary.name,
        glossary_terms=len(glossary),
        summary=summary,
        segments=reports,
        terms=tuple(terms),
    )


def check(
    glossary: Glossary,
    sources: Sequence[str],
    targets: Sequence[str],
    references: Sequence[str] | None = None,
    segment_ids: Sequence[str | None] | None = None,
) -> CheckResult:
    """Check a translated document against ``glossary``.

    ``sources``/``targets`` (and ``references`` and ``segment_ids`` when
    given) are aligned, one entry per segment; BLEU/chrF are computed only
    with references. Misaligned input raises :class:`TermlockError`.
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

    checker = SegmentChecker(glossary)
    if segment_ids is None:
        reports = [checker.check(i, s, t) for i, (s, t) in enumerate(zip(sources, targets))]
    else:
        reports = [checker.check(i, s, t, sid) for i, (s, t, sid) in enumerate(zip(sources, targets, segment_ids))]
    metrics = corpus_metrics(targets, references, target_lang=glossary.target_lang) if references is not None else None
    return aggregate(glossary, reports, metrics)


def _same_length(name_a: str, a: list, name_b: str, b: list) -> None:
    if len(a) != len(b):
        raise TermlockError(
            f"{len(a)} {name_a} segments but {len(b)} {name_b} segments",
            fix=f"give exactly one {name_b} per {name_a} segment, aligned",
        )
