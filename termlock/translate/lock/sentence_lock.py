"""One sentence's constraints compiled against the glossary's rules: what to write, what counts, what to block.

:meth:`SentenceLock.compile` turns a sentence's
:class:`~termlock.translate.lock.constraints.PositiveConstraint` and
:class:`~termlock.translate.lock.constraints.NegativeConstraint` records
into patterns, each in one view (channel) of
:mod:`termlock.translate.lock.symbols`, in four steps:

* **place**: each rendering to place in the glossary's spelling (the
  ``EXACT`` view; :func:`termlock.glossary.spelling.lock_spellings`): the
  spelling anywhere, and with a capital first letter only as the
  translation's first word (a ``START`` pattern, with and without the space
  a ``▁`` piece writes); these count an occurrence and *guide* (the lock
  proposes tokens along them and ranks hypotheses by progress on them).
  Each is tracked again after a space (a split ``▁`` + ``word`` has started
  it): progress only, never counted. Any tokenization of exactly these
  characters counts, and nothing else: "state owned enterprise" or
  "windoW" written by the model never completes a term the lock places;
* **written**: what the model wrote for a term on its own
  (``PositiveConstraint.written``) is left as it is: tracked in the checker's
  folded view (cased for a case-sensitive term), it counts, written in any
  casing or split the checker accepts, and is never proposed (where it
  folds to a placed spelling, that spelling counts through it, once);
* **claims**: counting like the judge. An accepted rendering of one term
  found inside a longer accepted rendering of another term of the sentence
  belongs to that other term (:mod:`termlock.glossary.verdicts`), so those
  longer renderings are tracked too, as the judge finds them (folded; cased
  for a case-sensitive term), and their occurrences subtract:
  ``met[term] = sum(own occurrences) - sum(occurrences of renderings that
  contain it, times how often)``;
* **forbidden**: every form the checker flags (all inflections, folded; cased
  for a case-sensitive term), except the forms lying inside an accepted
  rendering of the sentence (the judge excuses them there; standing alone
  they are caught by the judge and reported).

A sentence with more patterns in a view than :data:`MAX_PATTERNS` leaves
its last terms to the judge: they are reported, never dropped. Plain
Python: no torch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from termlock.glossary import target_match
from termlock.glossary.spelling import lock_spellings
from termlock.translate.lock.constraints import NegativeConstraint, PositiveConstraint
from termlock.translate.lock.symbols import (
    CASED,
    CHANNELS,
    EXACT,
    FOLDED,
    first_symbols,
    in_view,
    lead_symbols,
    pattern_symbols,
)

#: tracked renderings per sentence and view (an int64 bitmask per automaton node)
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


def _judged_view(case_sensitive: bool) -> str:
    """The view the judge finds a term's renderings in: folded, or cased for a case-sensitive term."""
    return CASED if case_sensitive else FOLDED


@dataclass
class Pattern:
    """One rendering the sentence tracks.

    ``text`` is in ``channel``'s view; ``term`` is the term it writes or
    counts for (-1: tracked only to subtract, a claim); ``guide``: the lock
    proposes tokens along it and tracks progress on it; ``spaced``: after
    the space a ``▁`` piece writes; ``start``: only as the translation's
    first word.
    """

    text: str
    channel: str
    term: int
    guide: bool = False
    spaced: bool = False
    start: bool = False

    @property
    def symbols(self) -> tuple[int, ...]:
        if self.start:
            return first_symbols(self.text, self.spaced)
        if self.spaced:
            return lead_symbols(self.text, self.channel)
        return pattern_symbols(self.text, self.channel)

    @property
    def written(self) -> str:
        """The characters a guide still has to write from its start (its space included)."""
        return " " + self.text if self.spaced else self.text


class _PatternTable:
    """The renderings one sentence tracks, each once: by text, view, space and start."""

    def __init__(self) -> None:
        self.patterns: list[Pattern] = []
        self._index: dict[tuple[str, str, bool, bool], int] = {}

    def add(self, text: str, channel: str, term: int, *, guide: bool = False, spaced: bool = False, start: bool = False) -> int:
        """The index of the pattern; a rendering tracked only to subtract becomes a term's when placed too."""
        key = (text, channel, spaced, start)
        at = self._index.get(key)
        if at is None:
            at = self._index[key] = len(self.patterns)
            self.patterns.append(Pattern(text, channel, term, guide, spaced, start))
        else:
            pattern = self.patterns[at]
            if term >= 0 and pattern.term < 0:
                pattern.term = term
            pattern.guide = pattern.guide or guide
        return at

    def largest_view(self) -> int:
        return max((sum(1 for p in self.patterns if p.channel == channel) for channel in CHANNELS), default=0)


def _placeable(positives: Sequence[PositiveConstraint]) -> tuple[list[PositiveConstraint], list[str]]:
    """The terms with a rendering that has any text in the glossary's spelling, and the ids of those without."""
    terms: list[PositiveConstraint] = []
    never: list[str] = []
    for positive in positives:
        if any(lock_spellings(a, positive.case_sensitive)[0] for a in positive.alternatives):
            terms.append(positive)
        else:
            never.append(positive.term_id)
    return terms, never


def _place(table: _PatternTable, terms: Sequence[PositiveConstraint]) -> list[list[int]]:
    """Place and written steps: each term's patterns, returning those that count an occurrence, per term."""
    own: list[list[int]] = []
    for c, positive in enumerate(terms):
        view = _judged_view(positive.case_sensitive)
        written = dict.fromkeys(t for t in (in_view(w, view).strip() for w in positive.written) if t)
        mine: list[int] = []
        for alternative in positive.alternatives:
            spelling, first = lock_spellings(alternative, positive.case_sensitive)
            if not spelling:
                continue
            # where the model's own writing folds to this spelling, the occurrence counts there, once
            counts = in_view(spelling, view) not in written
            placed = table.add(spelling, EXACT, c, guide=True)
            table.add(spelling, EXACT, c, guide=True, spaced=True)
            starts = [table.add(first, EXACT, c, guide=True, start=True, spaced=s) for s in (False, True)] if first else []
            if counts:
                mine += [placed, *starts]
        mine += [table.add(text, view, c) for text in written]
        own.append(list(dict.fromkeys(mine)))
    return own


def _accepted_forms(terms: Sequence[PositiveConstraint]) -> list[list[tuple[str, str]]]:
    """Every form the checker accepts for each term (all inflections): ``(form, folded form)`` pairs."""
    return [[(f, in_view(f, FOLDED)) for a in p.judged for f in _forms(a, p.exact)] for p in terms]


def _counted_texts(positive: PositiveConstraint) -> list[str]:
    """A term's renderings that count for it, as the judge compares them (its own view), each once."""
    view = _judged_view(positive.case_sensitive)
    texts = [in_view(lock_spellings(a, positive.case_sensitive)[0], view) for a in positive.alternatives]
    texts += [in_view(w, view).strip() for w in positive.written]
    return [t for t in dict.fromkeys(texts) if t]


def _claim(
    table: _PatternTable,
    terms: Sequence[PositiveConstraint],
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
    for c, positive in enumerate(terms):
        inner_texts = _counted_texts(positive)
        for d, forms in enumerate(accepted):
            if d == c:
                continue
            outer_cased = terms[d].case_sensitive
            for raw, folded in forms:
                cased_form = in_view(raw, CASED) if outer_cased else ""
                for inner in inner_texts:
                    if outer_cased and positive.case_sensitive:
                        times = _whole_word_count(inner, cased_form) if len(cased_form) > len(inner) else 0
                    else:
                        needle = inner.lower()
                        times = _whole_word_count(needle, folded) if len(folded) > len(needle) else 0
                    if times:
                        q = table.add(cased_form, CASED, -1) if outer_cased else table.add(folded, FOLDED, -1)
                        claims.append((q, c, times))
    return claims


def _forbid(negatives: Sequence[NegativeConstraint], accepted: Sequence[Sequence[tuple[str, str]]]) -> dict[str, list[str]]:
    """Forbidden step: every form the checker flags, per view, except those inside an accepted form.

    The checker excuses a forbidden rendering inside an accepted one of the
    sentence; blocking it would make that accepted rendering impossible.
    """
    excused = [folded for forms in accepted for _, folded in forms]
    forbidden: dict[str, list[str]] = {FOLDED: [], CASED: []}
    for negative in negatives:
        view = _judged_view(negative.case_sensitive)
        for phrase in negative.phrases:
            for form in _forms(phrase, negative.exact):
                folded = in_view(form, FOLDED)
                if not folded.strip() or any(_whole_word_count(folded, a) for a in excused):
                    continue
                forbidden[view].append(in_view(form, view))
    return {view: list(dict.fromkeys(forms)) for view, forms in forbidden.items()}


def _weights(size: int, terms: int, own: Sequence[Sequence[int]], claims: Sequence[tuple[int, int, int]]) -> list[list[int]]:
    """``weights[p][c]``: +1 for each pattern counting term ``c``, -times for each claim on it."""
    weights = [[0] * terms for _ in range(size)]
    for c, mine in enumerate(own):
        for p in mine:
            weights[p][c] += 1
    for q, c, times in claims:
        weights[q][c] -= times
    return weights


@dataclass
class SentenceLock:
    """One sentence's constraints compiled against the glossary's rules (host side).

    ``patterns``: the renderings tracked; ``weights[p][c]``: what an occurrence
    of pattern ``p`` adds to term ``c``'s count (+1 for a pattern counting it,
    -m for a longer rendering of another term holding it m times);
    ``forbidden``: forms to block, per view (``FOLDED``, ``CASED``);
    ``never``: terms left to the judge (nothing writable, or more than a
    sentence can track).
    """

    term_ids: list[str]
    patterns: list[Pattern]
    weights: list[list[int]]
    forbidden: dict[str, list[str]]
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
            claims = _claim(table, terms, accepted)
            if table.largest_view() <= MAX_PATTERNS:
                break
            # more terms than one sentence can track: the last ones are left to the judge (reported, never dropped)
            left.insert(0, terms.pop().term_id)
        weights = _weights(len(table.patterns), len(terms), own, claims)
        return cls([t.term_id for t in terms], table.patterns, weights, _forbid(negatives, accepted), never + left)
