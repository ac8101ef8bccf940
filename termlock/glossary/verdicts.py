"""Whether a translation honours each glossary term of its source.

One set of rules for everybody who asks: ``termlock check`` turns the
verdicts into its report, and the translator uses them to decide which
sentences to decode again with constraints and which terms are impossible.
If the two applied different rules, a translation the decoder called
compliant could still fail the check, so the rules live here, in the
glossary package that both layers import, and nowhere else.

Per source-term occurrence the status is ``forbidden`` when a forbidden
rendering of the term is in the target (it wins even when an accepted one
is there too), else ``ok`` when an accepted rendering is there, else
``missing``. Two refinements keep a reviewer's judgement:

- a forbidden rendering lying inside an accepted rendering found in the
  same target (of any term of the segment) does not count: it is part of a
  correct rendering, not a wrong one;
- an accepted rendering found only inside a longer accepted rendering of
  another term of the segment belongs to that term ("Provincial Party
  Committee" inside "Standing Committee of the Provincial Party
  Committee"), as the longer source term wins on the source side.

When a term occurs several times, the n-th occurrence is paired with the
n-th match in the target (the last one when there are fewer), so a segment
that mixes two renderings of one term shows both.

An ``ok`` occurrence whose rendering is accepted only in the folded view
(a hyphen written as a space, odd capitals, another dash or apostrophe)
also carries a spelling finding (:mod:`termlock.glossary.spelling`): it
stays ``ok``, and the glossary's spelling goes beside it.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from termlock.glossary.model import Glossary, Term
from termlock.glossary.source_match import SourceMatch, SourceMatcher
from termlock.glossary.spelling import Misspelling, SpellingRules
from termlock.glossary.target_match import TargetMatch, TargetMatcher

#: statuses of one source-term occurrence, in the order reports list them
OK = "ok"
MISSING = "missing"
FORBIDDEN = "forbidden"
STATUSES = (OK, MISSING, FORBIDDEN)
_SEVERITY = {OK: 0, MISSING: 1, FORBIDDEN: 2}


# Built for every term occurrence of a million-segment check: slotted, not
# frozen (a frozen dataclass pays object.__setattr__ per field).
@dataclass(slots=True)
class Verdict:
    """One occurrence of a term in the source and what the target does with it.

    ``found`` is the accepted rendering paired with this occurrence,
    ``forbidden`` the forbidden one (either None when absent);
    ``spelling``: for an ``ok`` occurrence whose ``found`` is not in the
    glossary's spelling, what it should read (else None).
    """

    match: SourceMatch
    status: str
    found: TargetMatch | None
    forbidden: TargetMatch | None
    spelling: Misspelling | None = None


class SegmentJudge:
    """Judges source/target pairs against one compiled glossary.

    Built once per glossary (the matchers compile here) and called for every
    segment: this is the hot path of checking, so ``judge`` compiles
    nothing and returns at once for the majority of segments that contain no
    term.
    """

    def __init__(self, glossary: Glossary) -> None:
        self.glossary = glossary
        self._find = SourceMatcher(glossary).find
        target = TargetMatcher(glossary)
        self._accepted = target.accepted
        self._accepted_by_term = target.accepted_by_term
        self._forbidden = target.forbidden
        spelling = SpellingRules()
        self._misspelling = self.misspelling = spelling.misspelling
        self._compiled_spellings = spelling.compiled.get
        # (rendering, surface, exact, case_sensitive) -> the spelling finding of an ok hit not
        # spelled as listed: a corpus repeats the same few misspellings thousands of times
        self._spelled: dict[tuple[str, str, bool, bool], Misspelling | None] = {}

    def judge(self, source: str, target: str) -> list[Verdict]:
        """A verdict per glossary term occurrence in ``source``, in source order."""
        matches = self._find(source)
        if not matches:
            return []
        return self.judge_matches(matches, target)

    def judge_matches(self, matches: list[SourceMatch], target: str) -> list[Verdict]:
        """A verdict per given source occurrence (any terms, glossary or not), in the given order.

        The decoder asks about the terms it was constrained with, without a source.
        """
        if not matches:
            return []

        # the matcher's hits are already leftmost-longest and non-overlapping
        accepted = self._accepted_by_term([match.term for match in matches], target)
        guard = [(hit.start, hit.end) for hits in accepted.values() for hit in hits]
        if len(guard) > 1 and len(accepted) > 1:
            _drop_claimed(accepted)

        forbidden: dict[str, list[TargetMatch]] = {}
        seen: dict[str, int] = {}
        verdicts = []
        misspelling, compiled, spelled = self._misspelling, self._compiled_spellings, self._spelled
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
            if wrong is not None:
                verdicts.append(Verdict(match, FORBIDDEN, hit, wrong))
            elif hit is not None:
                # the usual hit is a glossary spelling of a term neither exact nor case-sensitive: one lookup
                forms = compiled(hit.rendering)
                if forms is not None and hit.text in forms.allowed and not (term.exact or term.case_sensitive):
                    verdicts.append(Verdict(match, OK, hit, None))
                else:
                    # the finding depends only on the term's rules and the hit's rendering and surface
                    key = (hit.rendering, hit.text, term.exact, term.case_sensitive)
                    found = spelled.get(key, spelled)
                    if found is spelled:
                        if len(spelled) >= _SPELLED_LIMIT:
                            spelled.clear()
                        found = spelled[key] = misspelling(term, hit)
                    verdicts.append(Verdict(match, OK, hit, None, found))
            else:
                verdicts.append(Verdict(match, MISSING, None, None))
        return verdicts

    def verdicts(self, source: str, target: str) -> dict[str, str]:
        """Term id -> its worst status over its occurrences in ``source``."""
        return worst_statuses(self.judge(source, target))


def worst_statuses(verdicts: list[Verdict]) -> dict[str, str]:
    """Term id -> its worst status over the given occurrences, in order of first occurrence."""
    worst: dict[str, str] = {}
    for verdict in verdicts:
        tid = verdict.match.term.id
        previous = worst.get(tid)
        if previous is None or _SEVERITY[verdict.status] > _SEVERITY[previous]:
            worst[tid] = verdict.status
    return worst


#: distinct spelling findings remembered by a judge before it starts afresh (bounded memory)
_SPELLED_LIMIT = 1 << 16

#: up to this many matches in a segment, containment is checked pair by pair
_PAIRWISE_LIMIT = 24


def _drop_claimed(accepted: dict[str, list[TargetMatch]]) -> None:
    """Remove each term's matches that lie inside a longer match of another term.

    One sweep over all matches ordered by start: for the matches starting
    before the current one it keeps only the two largest ends of distinct
    terms (the largest end of a term other than the current one is then
    always at hand), and within a group of matches sharing a start the same
    again. O(n log n) in the number of matches: a long segment full of
    terms (a 400 KB line) must not take minutes, as comparing every pair did.
    """
    spans = [(hit.start, hit.end, tid, index) for tid, hits in accepted.items() for index, hit in enumerate(hits)]
    spans.sort()
    reach = -1
    for start, end, _, _ in spans:
        if start < reach:
            break
        reach = end
    else:
        return  # no two matches overlap (the usual segment): none lies inside another
    if len(spans) <= _PAIRWISE_LIMIT:
        # the usual segment has a handful of matches: comparing pairs is cheaper than the sweep
        for tid, hits in accepted.items():
            if hits:
                accepted[tid] = [
                    hit
                    for hit in hits
                    if not any(
                        other != tid and start <= hit.start and hit.end <= end and end - start > hit.end - hit.start
                        for start, end, other, _ in spans
                    )
                ]
        return
    dropped: set[tuple[str, int]] = set()
    before: list[list] = []  # up to two [end, tid], distinct tids, largest end first
    position = 0
    while position < len(spans):
        start = spans[position][0]
        stop = position
        while stop < len(spans) and spans[stop][0] == start:
            stop += 1
        group = spans[position:stop]
        here: list[list] = []
        for _, end, tid, _ in group:
            _push(here, end, tid)
        for _, end, tid, index in group:
            if _largest_other_end(before, tid) >= end or _largest_other_end(here, tid) > end:
                dropped.add((tid, index))
        for entry in here:
            _push(before, entry[0], entry[1])
        position = stop
    if dropped:
        for tid, hits in accepted.items():
            accepted[tid] = [hit for index, hit in enumerate(hits) if (tid, index) not in dropped]


def _push(top: list[list], end: int, tid: str) -> None:
    """Keep the two largest ends of distinct terms in ``top``."""
    for entry in top:
        if entry[1] == tid:
            if end > entry[0]:
                entry[0] = end
            break
    else:
        top.append([end, tid])
    top.sort(key=lambda entry: -entry[0])
    del top[2:]


def _largest_other_end(top: list[list], tid: str) -> int:
    for end, owner in top:
        if owner != tid:
            return end
    return -1


def _outside(hits: list[TargetMatch], guard: list[tuple[int, int]]) -> list[TargetMatch]:
    """The target matches not contained in any guarded (accepted) span (O((n + m) log m))."""
    if not guard or not hits:
        return hits
    ordered = sorted(guard)
    starts = [start for start, _ in ordered]
    reach: list[int] = []  # largest end among guarded spans starting at or before each start
    furthest = -1
    for _, end in ordered:
        furthest = max(furthest, end)
        reach.append(furthest)
    kept = []
    for hit in hits:
        index = bisect_right(starts, hit.start) - 1
        if index < 0 or reach[index] < hit.end:
            kept.append(hit)
    return kept


def target_renderings(
    judge: SegmentJudge, terms: list[Term], target: str
) -> tuple[dict[str, list[TargetMatch]], dict[str, list[TargetMatch]]]:
    """Every accepted and forbidden rendering of ``terms`` in ``target``, by term id.

    The same rules as :meth:`SegmentJudge.judge` applies to one segment's
    terms (longest-leftmost per term, a match inside another term's longer
    match belongs to that term, a forbidden rendering inside an accepted one
    does not count), without pairing them with source occurrences: a
    document-level check counts them against the whole source document.
    """
    accepted: dict[str, list[TargetMatch]] = {}
    for term in terms:
        accepted[term.id] = judge._accepted(term, target)
    guard = [(hit.start, hit.end) for hits in accepted.values() for hit in hits]
    if len(guard) > 1 and len(accepted) > 1:
        _drop_claimed(accepted)
    forbidden = {
        term.id: _outside(judge._forbidden(term, target), guard) for term in terms if term.forbidden
    }
    return accepted, forbidden
