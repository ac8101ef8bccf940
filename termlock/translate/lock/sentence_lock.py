"""One sentence's constraints compiled against the checker's rules: what to place, what counts, what to block.

:meth:`SentenceLock.compile` turns a sentence's
:class:`~termlock.translate.lock.constraints.PositiveConstraint` and
:class:`~termlock.translate.lock.constraints.NegativeConstraint` records
into normalised patterns, in three steps:

* **patterns**: the renderings to place, each also "after a space" (a
  split ``▁`` + ``word`` has started it: tracked for progress only);
* **claims**: counting like the judge. An accepted rendering of one term
  found inside a longer accepted rendering of another term of the sentence
  belongs to that other term (:mod:`termlock.glossary.verdicts`), so those
  longer renderings are tracked too and their occurrences subtract:
  ``met[term] = sum(own occurrences) - sum(occurrences of renderings that
  contain it, times how often)``; a longer rendering of a case-sensitive
  term is tracked case-sensitively, as the judge only finds it so;
* **forbidden**: every form the checker flags (all inflections), except
  the forms lying inside an accepted rendering of the sentence (the judge
  excuses them there; standing alone they are caught by the judge and
  reported).

A sentence with more patterns than :data:`MAX_PATTERNS` leaves its last
terms to the judge: they are reported, never dropped. Plain Python: no torch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from termlock.glossary import target_match
from termlock.translate.lock.constraints import NegativeConstraint, PositiveConstraint
from termlock.translate.lock.symbols import lead_symbols, normalised, pattern_symbols

#: tracked renderings per sentence (an int64 bitmask per automaton node)
MAX_PATTERNS = 62


def _whole_word_count(needle: str, haystack: str) -> int:
    """Whole-word occurrences of ``needle`` in ``haystack`` (both normalised), as the matcher counts."""
    count, start = 0, haystack.find(needle)
    while start >= 0:
        end = start + len(needle)
        before_ok = start == 0 or not target_match.is_word_char(haystack[start - 1])
        after_ok = end == len(haystack) or not target_match.is_word_char(haystack[end])
        if before_ok and after_ok:
            count += 1
        start = haystack.find(needle, start + 1)
    return count


def _forms(rendering: str, exact: bool) -> list[str]:
    return target_match.surface_forms(rendering, exact)


@dataclass
class Pattern:
    text: str  # normalised in its channel
    raw: str  # single-spaced glossary spelling (for proposing tokens in glossary casing)
    cased: bool
    term: int  # the term it places, or -1 for a rendering tracked only to subtract
    lead: bool = False  # the rendering after a space, tracked for progress only (weight 0)

    @property
    def symbols(self) -> tuple[int, ...]:
        return lead_symbols(self.text) if self.lead else pattern_symbols(self.text)


class _PatternTable:
    """The renderings one sentence tracks, each once: by normalised text, channel and lead."""

    def __init__(self) -> None:
        self.patterns: list[Pattern] = []
        self._index: dict[tuple[str, bool, bool], int] = {}

    def add(self, text: str, raw: str, cased: bool, term: int, lead: bool = False) -> int:
        """The index of the pattern; a rendering tracked only to subtract becomes its term's when placed too."""
        key = (text, cased, lead)
        at = self._index.get(key)
        if at is None:
            at = self._index[key] = len(self.patterns)
            self.patterns.append(Pattern(text, raw, cased, term, lead))
        elif term >= 0 and self.patterns[at].term < 0:
            self.patterns[at].term = term
        return at


def _placeable(positives: Sequence[PositiveConstraint]) -> tuple[list[PositiveConstraint], list[str]]:
    """The terms with a rendering that has any text once normalised, and the ids of those without."""
    terms: list[PositiveConstraint] = []
    never: list[str] = []
    for positive in positives:
        if any(normalised(target_match.plain_rendering(a), False).strip() for a in positive.alternatives):
            terms.append(positive)
        else:
            never.append(positive.term_id)
    return terms, never


def _place(table: _PatternTable, terms: Sequence[PositiveConstraint]) -> list[list[int]]:
    """Pattern step: each term's renderings to place, and each again after a space (progress only).

    Returns the patterns of each term's own renderings.
    """
    own: list[list[int]] = []
    for c, positive in enumerate(terms):
        mine = []
        for alternative in positive.alternatives:
            raw = target_match.plain_rendering(alternative)
            text = normalised(raw, positive.case_sensitive)
            if text.strip():
                mine.append(table.add(text, raw, positive.case_sensitive, c))
        own.append(mine)
    for c, mine in enumerate(own):
        for p in list(mine):
            pattern = table.patterns[p]
            table.add(pattern.text, pattern.raw, pattern.cased, c, lead=True)
    return own


def _accepted_forms(terms: Sequence[PositiveConstraint]) -> list[list[tuple[str, str]]]:
    """Every form the checker accepts for each term (all inflections): ``(form, folded form)`` pairs."""
    return [[(f, normalised(f, False)) for a in p.judged for f in _forms(a, p.exact)] for p in terms]


def _claim(
    table: _PatternTable,
    terms: Sequence[PositiveConstraint],
    own: Sequence[Sequence[int]],
    accepted: Sequence[Sequence[tuple[str, str]]],
) -> list[tuple[int, int, int]]:
    """Claim step: ``(pattern, term, times)`` for each longer accepted form of another term holding a rendering.

    The judge gives an occurrence of term ``c`` inside a longer accepted
    match of term ``d`` to ``d``; so each such form of ``d`` is tracked and
    subtracts ``times`` (how often it holds ``c``'s rendering) from ``c``.
    The judge finds ``d``'s forms by ``d``'s own rule: a case-sensitive
    ``d`` only in its own casing, so its form is tracked in the cased
    channel (where ``c`` is case-sensitive too, counted in its casing);
    any other ``d`` in the folded channel, whatever casing is written.
    """
    claims: list[tuple[int, int, int]] = []
    for c in range(len(terms)):
        for d, forms in enumerate(accepted):
            if d == c:
                continue
            outer_cased = terms[d].case_sensitive
            for raw, folded in forms:
                cased_form = normalised(raw, True) if outer_cased else ""
                for p in own[c]:
                    inner = table.patterns[p]
                    if outer_cased and inner.cased:
                        times = _whole_word_count(inner.text, cased_form) if len(cased_form) > len(inner.text) else 0
                    else:
                        needle = inner.text.lower()
                        times = _whole_word_count(needle, folded) if len(folded) > len(needle) else 0
                    if times:
                        q = table.add(cased_form, raw, True, -1) if outer_cased else table.add(folded, folded, False, -1)
                        claims.append((q, c, times))
    return claims


def _forbid(negatives: Sequence[NegativeConstraint], accepted: Sequence[Sequence[tuple[str, str]]]) -> dict[bool, list[str]]:
    """Forbidden step: every form the checker flags, per channel, except those inside an accepted form.

    The checker excuses a forbidden rendering inside an accepted one of the
    sentence; blocking it would make that accepted rendering impossible.
    """
    excused = [folded for forms in accepted for _, folded in forms]
    forbidden: dict[bool, list[str]] = {False: [], True: []}
    for negative in negatives:
        for phrase in negative.phrases:
            for form in _forms(phrase, negative.exact):
                folded = normalised(form, False)
                if not folded.strip() or any(_whole_word_count(folded, a) for a in excused):
                    continue
                forbidden[negative.case_sensitive].append(normalised(form, negative.case_sensitive))
    return {cased: list(dict.fromkeys(forms)) for cased, forms in forbidden.items()}


def _weights(size: int, terms: int, own: Sequence[Sequence[int]], claims: Sequence[tuple[int, int, int]]) -> list[list[int]]:
    """``weights[p][c]``: +1 for each of term ``c``'s own renderings, -times for each claim on it."""
    weights = [[0] * terms for _ in range(size)]
    for c, mine in enumerate(own):
        for p in mine:
            weights[p][c] += 1
    for q, c, times in claims:
        weights[q][c] -= times
    return weights


@dataclass
class SentenceLock:
    """One sentence's constraints compiled against the checker's rules (host side).

    ``patterns``: the renderings tracked; ``weights[p][c]``: what an occurrence
    of pattern ``p`` adds to term ``c``'s count (+1 for its own renderings, -m
    for a longer rendering of another term holding it m times); ``forbidden``:
    normalised forms to block, per channel (``False`` folded, ``True`` cased);
    ``never``: terms left to the judge (nothing writable, or more than a
    sentence can track).
    """

    term_ids: list[str]
    patterns: list[Pattern]
    weights: list[list[int]]
    forbidden: dict[bool, list[str]]
    never: list[str]

    @classmethod
    def compile(cls, positives: Sequence[PositiveConstraint], negatives: Sequence[NegativeConstraint]) -> "SentenceLock":
        """The patterns, claims and forbidden forms of one sentence (see the module docstring)."""
        terms, never = _placeable(positives)
        left: list[str] = []
        while True:
            table = _PatternTable()
            own = _place(table, terms)
            accepted = _accepted_forms(terms)
            claims = _claim(table, terms, own, accepted)
            if len(table.patterns) <= MAX_PATTERNS:
                break
            # more terms than one sentence can track: the last ones are left to the judge (reported, never dropped)
            left.insert(0, terms.pop().term_id)
        weights = _weights(len(table.patterns), len(terms), own, claims)
        return cls([t.term_id for t in terms], table.patterns, weights, _forbid(negatives, accepted), never + left)
