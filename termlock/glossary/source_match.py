"""Find glossary terms in Chinese source text.

One Aho-Corasick pass finds every spelling of every term at once, so cost
depends on the text, not on the glossary size (thousands of terms cost what
ten do). Overlaps are resolved longest-leftmost, the way a reader parses
新发展格局 as one term rather than 新 + 发展格局.
"""

from __future__ import annotations

from dataclasses import dataclass

import ahocorasick

from termlock.glossary.chinese import fold_script
from termlock.glossary.model import Glossary, Term


@dataclass(frozen=True)
class SourceMatch:
    term: Term
    start: int
    end: int
    text: str  # the spelling as written in the source (either script)


class SourceMatcher:
    def __init__(self, glossary: Glossary) -> None:
        self.glossary = glossary
        self._automaton = ahocorasick.Automaton()
        for term in glossary.terms:
            for spelling in term.sources:
                key = fold_script(spelling)
                if key and key not in self._automaton:
                    self._automaton.add_word(key, (len(key), term))
        self._empty = len(self._automaton) == 0
        if not self._empty:
            self._automaton.make_automaton()

    def find(self, text: str) -> list[SourceMatch]:
        """Every term occurrence in ``text``, in order, longest-leftmost, non-overlapping."""
        if self._empty or not text:
            return []
        candidates = [(end + 1 - length, end + 1, term) for end, (length, term) in self._automaton.iter(fold_script(text))]
        if not candidates:
            return []
        candidates.sort(key=lambda c: (c[0], -c[1]))
        matches: list[SourceMatch] = []
        covered = 0
        for start, end, term in candidates:
            if start >= covered:
                matches.append(SourceMatch(term, start, end, text[start:end]))
                covered = end
        return matches
