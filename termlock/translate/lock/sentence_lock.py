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
  contain it, times how often)``;
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


@dataclass
class SentenceLock:
    """One sentence's constraints compiled against the checker's rules (host side).

    ``patterns``: the renderings tracked; ``weights[p][c]``: what an occurrence
    of pattern ``p`` adds to term ``c``'s count (+1 for its own renderings, -m
    for a longer rendering of another term holding it m times); ``forbidden``:
    normalised forms to block, per channel (``False`` folded, ``True`` cased).
    """

    term_ids: list[str]
    patterns: list[Pattern]
    weights: list[list[int]]
    forbidden: dict[bool, list[str]]
    never: list[str]  # terms with nothing writable

    @classmethod
    def compile(cls, positives: Sequence[PositiveConstraint], negatives: Sequence[NegativeConstraint]) -> "SentenceLock":
        terms: list[PositiveConstraint] = []
        never: list[str] = []
        for positive in positives:
            if any(normalised(target_match.plain_rendering(a), False).strip() for a in positive.alternatives):
                terms.append(positive)
            else:
                never.append(positive.term_id)
        patterns: list[Pattern] = []
        index: dict[tuple[str, bool, bool], int] = {}

        def add(text: str, raw: str, cased: bool, term: int, lead: bool = False) -> int:
            key = (text, cased, lead)
            if key not in index:
                index[key] = len(patterns)
                patterns.append(Pattern(text, raw, cased, term, lead))
            elif term >= 0 and patterns[index[key]].term < 0:
                patterns[index[key]].term = term
            return index[key]

        own: list[list[int]] = []
        for c, positive in enumerate(terms):
            mine = []
            for alternative in positive.alternatives:
                raw = target_match.plain_rendering(alternative)
                text = normalised(raw, positive.case_sensitive)
                if text.strip():
                    mine.append(add(text, raw, positive.case_sensitive, c))
            own.append(mine)
        for c, mine in enumerate(own):
            for p in list(mine):
                add(patterns[p].text, patterns[p].raw, patterns[p].cased, c, lead=True)
        # every form the checker accepts for each term, folded (for claims and excuses)
        accepted = [
            [normalised(f, False) for a in p.judged for f in _forms(a, p.exact)] for p in terms
        ]
        claims: list[tuple[int, int, int]] = []  # (pattern, term, times)
        for c in range(len(terms)):
            for d, forms in enumerate(accepted):
                if d == c:
                    continue
                for form in forms:
                    for p in own[c]:
                        inner = patterns[p].text.lower()
                        times = _whole_word_count(inner, form) if len(form) > len(inner) else 0
                        if times:
                            q = add(form if not terms[d].case_sensitive else form, form, False, -1)
                            claims.append((q, c, times))
        if len(patterns) > MAX_PATTERNS:
            # more terms than one sentence can track: the last ones are left to the judge (reported, never dropped)
            keep = len(terms) - 1
            return cls.compile([*terms[:keep], *(p for p in positives if p.term_id in never)], negatives)._leave(
                [t.term_id for t in terms[keep:]]
            )
        weights = [[0] * len(terms) for _ in patterns]
        for c, mine in enumerate(own):
            for p in mine:
                weights[p][c] += 1
        for q, c, times in claims:
            weights[q][c] -= times
        excused = [f for forms in accepted for f in forms]
        forbidden: dict[bool, list[str]] = {False: [], True: []}
        for negative in negatives:
            for phrase in negative.phrases:
                for form in _forms(phrase, negative.exact):
                    folded = normalised(form, False)
                    # the checker excuses a forbidden rendering inside an accepted one
                    # of the sentence; blocking it would make that rendering impossible
                    if not folded.strip() or any(_whole_word_count(folded, a) for a in excused):
                        continue
                    text = normalised(form, negative.case_sensitive)
                    forbidden[negative.case_sensitive].append(text)
        forbidden = {k: list(dict.fromkeys(v)) for k, v in forbidden.items()}
        return cls([t.term_id for t in terms], patterns, weights, forbidden, never)


    def _leave(self, term_ids: list[str]) -> "SentenceLock":
        self.never = [*self.never, *term_ids]
        return self
