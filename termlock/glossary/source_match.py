"""Find glossary terms in Chinese source text.

One Aho-Corasick pass finds every spelling of every term at once, so cost
depends on the text, not on the glossary size. Overlaps are resolved
longest-leftmost, the way a reader parses 新发展格局 as one term rather
than 新 + 发展格局.

The automaton runs over the UTF-8 bytes of the text (seen as a latin-1
string), not over its characters: pyahocorasick looks a character up among
a trie node's children one by one, and with thousands of terms the root has
thousands of distinct first characters, so a character scan costs
microseconds per character. Over bytes no node has more than 256 children
(a handful at the root for CJK text) and the scan stays flat from 10 to
10,000 terms. UTF-8 is self-synchronising, so a byte match of a spelling
always starts on a character boundary; offsets are converted back to
characters for the few matches found.

Matching runs on the folded view of :mod:`termlock.glossary.normalize`
(NFKC, invisible format characters such as a zero-width space removed,
every space a plain space), glossary spellings and text alike, so 双\u200b核
is found as 双核; the offsets and ``text`` of a match are the original
text's, invisible characters inside included.
"""

from __future__ import annotations

from typing import NamedTuple

import ahocorasick

from termlock.glossary.chinese import fold_script
from termlock.glossary.model import Glossary, Term
from termlock.glossary.normalize import fold_text, fold_view


class SourceMatch(NamedTuple):
    """One term occurrence: ``text[start:end]`` is ``text``, as written (either script)."""

    term: Term
    start: int
    end: int
    text: str


def _as_bytes(text: str) -> str:
    """The UTF-8 bytes of ``text`` as a str of code points 0-255, the automaton's alphabet."""
    return text.encode("utf-8", "surrogatepass").decode("latin-1")


class SourceMatcher:
    """Every occurrence of every source spelling of a glossary, longest-leftmost."""

    def __init__(self, glossary: Glossary) -> None:
        self.glossary = glossary
        self._automaton = ahocorasick.Automaton()
        for term in glossary.terms:
            for spelling in term.sources:
                folded = fold_script(fold_text(spelling))
                key = _as_bytes(folded)
                # a spelling listed by two terms (only possible for glossaries
                # built in code; the loader rejects it) belongs to the first
                if key and key not in self._automaton:
                    self._automaton.add_word(key, (len(key), len(folded), term))
        self._empty = len(self._automaton) == 0
        if not self._empty:
            self._automaton.make_automaton()

    def find(self, text: str) -> list[SourceMatch]:
        """Every term occurrence in ``text``, in order, longest-leftmost, non-overlapping."""
        if self._empty or not text:
            return []
        view = fold_view(text)
        if view.edits is None:
            return self._find_folded(text)
        if not view.edits:  # one-for-one replacements only: offsets are the same
            return self._find_folded(view.text, text)
        matches = []
        for term, start, end, _ in self._find_folded(view.text):
            first, last = view.span(start, end)
            matches.append(SourceMatch(term, first, last, text[first:last]))
        return matches

    def _find_folded(self, text: str, shown: str | None = None) -> list[SourceMatch]:
        """:meth:`find` on text that is already its own folded view.

        ``shown``: the original of a view that differs from it only one
        character for one character; matches quote it.
        """
        if shown is None:
            shown = text
        data = fold_script(text).encode("utf-8", "surrogatepass")
        hits = list(self._automaton.iter(data.decode("latin-1")))
        if not hits:
            return []
        if len(hits) == 1:
            last, (size, chars, term) = hits[0]
            kept = [(last + 1 - size, last + 1, chars, term)]
        else:
            # hits come in order of their end: order them by start, longest
            # first, then keep each that does not overlap the last one kept
            kept = []
            covered = 0
            for start, neg_end, chars, term in sorted([(last + 1 - size, -1 - last, chars, term) for last, (size, chars, term) in hits]):
                if start >= covered:
                    covered = -neg_end
                    kept.append((start, covered, chars, term))
        if len(data) == len(text):
            # ASCII: bytes are characters
            return [SourceMatch(term, start, end, shown[start:end]) for start, end, _, term in kept]
        matches = []
        byte_at = char_at = 0  # matches are in order: decode only the gaps
        for start, end, chars, term in kept:
            first = char_at + len(data[byte_at:start].decode("utf-8", "surrogatepass"))
            matches.append(SourceMatch(term, first, first + chars, shown[first : first + chars]))
            byte_at, char_at = end, first + chars
        return matches
