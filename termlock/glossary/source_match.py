"""Find glossary terms in Chinese source text.

One Aho-Corasick pass finds every spelling of every term at once, so cost
depends on the text, not on the glossary size. Overlaps are resolved
longest-leftmost, the way a reader parses 新发展格局 as one term rather
than 新 + 发展格局.

The automaton is ahocorasick-rs (the Rust ``aho-corasick`` crate): it
resolves leftmost-longest itself, reports character offsets, and scans a
line of Chinese several times faster than a Python-driven automaton, which
matters because this scan runs on every segment of a check.

A spelling with a Latin-script edge (``AI``, ``5G``, ``cat``) needs a word
boundary on that side, as target renderings do: ``AI`` is found in
我们升级了AI系统 (Chinese characters around it) but not inside ``EMAIL``,
nor "cat" inside "notification". Chinese edges need none (Chinese has no
spaces). A glossary without such spellings pays nothing for it; a hit the
boundary rejects sends that line through an overlapping scan, so a shorter
or later spelling that does stand on word boundaries is still found.

Matching runs on the folded view of :mod:`termlock.glossary.normalize`
(NFKC, invisible format characters such as a zero-width space removed,
every space a plain space), glossary spellings and text alike, so 双\u200b核
is found as 双核; the offsets and ``text`` of a match are the original
text's, invisible characters inside included.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

from ahocorasick_rs import AhoCorasick, MatchKind

from termlock.glossary.chinese import fold_script, traditional_characters
from termlock.glossary.model import Glossary, Term
from termlock.glossary.normalize import changing_bmp_characters, character_class, fold_character, fold_text, fold_view, in_bmp
from termlock.glossary.target_match import is_word_char

_WIDE = frozenset("WF")


def spaced_word_char(ch: str) -> bool:
    """A word character of a script written with spaces (Latin letters, digits): it continues a Latin word.

    Chinese, Japanese and Korean characters (East Asian wide) are word
    characters too, but the script has no spaces, so they never glue onto a
    Latin term: 升级了AI系统 holds the word AI.
    """
    return is_word_char(ch) and unicodedata.east_asian_width(ch) not in _WIDE


def _edges(spelling: str) -> int:
    """Bit 1: the spelling starts with a Latin-script word character; bit 2: it ends with one."""
    return (1 if spaced_word_char(spelling[0]) else 0) | (2 if spaced_word_char(spelling[-1]) else 0)


class SourceMatch(NamedTuple):
    """One term occurrence: ``text[start:end]`` is ``text``, as written (either script)."""

    term: Term
    start: int
    end: int
    text: str


#: A lone surrogate (only a library caller can pass one; UTF-8 files cannot
#: hold it) cannot reach the Rust automaton: it is matched as U+FFFD, one
#: character for one, so offsets stay.
_SURROGATE = re.compile("[\ud800-\udfff]")


@lru_cache(maxsize=1)
def _one_for_one_folds() -> tuple[re.Pattern[str], dict[str, str | None]]:
    """A class of every BMP character either fold changes, and what the two folds make of each.

    The value is None where the fast path must not be taken: the view
    removes or expands the character (offsets move), or its folded form is
    itself folded again (one traditional character maps to another that
    maps on: ``str.translate`` folds once, a chain of replacements would
    fold twice).
    """
    script = traditional_characters()
    characters = changing_bmp_characters() | {chr(code) for code in script if code < 0x10000}
    folds: dict[str, str | None] = {}
    for ch in characters:
        viewed = fold_character(ch)
        folded = fold_script(viewed) if len(viewed) == 1 else None
        folds[ch] = folded
    for ch, folded in folds.items():
        if folded is not None and folded != ch and folded in folds:
            folds[ch] = None
    return character_class(characters), folds


class SourceMatcher:
    """Every occurrence of every source spelling of a glossary, longest-leftmost."""

    def __init__(self, glossary: Glossary) -> None:
        self.glossary = glossary
        self._terms: list[Term] = []
        spellings: list[str] = []
        taken: set[str] = set()
        for term in glossary.terms:
            for spelling in term.sources:
                folded = _SURROGATE.sub("\ufffd", fold_script(fold_text(spelling)))
                # a spelling listed by two terms (only possible for glossaries
                # built in code; the loader rejects it) belongs to the first
                if folded and folded not in taken:
                    taken.add(folded)
                    spellings.append(folded)
                    self._terms.append(term)
        self._search = (
            AhoCorasick(spellings, matchkind=MatchKind.LeftmostLongest).find_matches_as_indexes if spellings else None
        )
        self._spellings = spellings
        self._edges = [_edges(spelling) for spelling in spellings]
        self._bounded = any(self._edges)
        self._overlapping = None  # built on the first line that needs it

    def __reduce__(self) -> tuple:
        # the Rust automaton does not pickle: a copy (multiprocessing, a
        # Ray worker) rebuilds it from the glossary, in milliseconds
        return (SourceMatcher, (self.glossary,))

    def find(self, text: str) -> list[SourceMatch]:
        """Every term occurrence in ``text``, in order, longest-leftmost, non-overlapping."""
        if self._search is None or not text:
            return []
        if in_bmp(text):
            # the usual line: both folds (the view's and the script's) in one
            # scan, one str.replace per distinct character found
            pattern, folds = _one_for_one_folds()
            found = pattern.findall(text)
            if not found:
                return self._scan(text, text)
            scanned = text
            for ch in set(found):
                folded = folds[ch]
                if folded is None:
                    break  # removed, expanded or chained: the general path below
                scanned = scanned.replace(ch, folded)
            else:
                return self._scan(scanned, text)
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
        return self._scan(fold_script(text), text if shown is None else shown)

    def _stands_alone(self, scanned: str, index: int, start: int, end: int) -> bool:
        """No Latin word character glued to a Latin edge of the hit."""
        edges = self._edges[index]
        if edges & 1 and start > 0 and spaced_word_char(scanned[start - 1]):
            return False
        return not (edges & 2 and end < len(scanned) and spaced_word_char(scanned[end]))

    def _on_boundaries(self, scanned: str, hits: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
        """The hits, or, when a hit sits inside a Latin word, leftmost-longest over the occurrences that stand alone."""
        stands = self._stands_alone
        if all(stands(scanned, *hit) for hit in hits):
            return hits
        if self._overlapping is None:
            self._overlapping = AhoCorasick(self._spellings, matchkind=MatchKind.Standard).find_matches_as_indexes
        found = sorted((start, -end, index) for index, start, end in self._overlapping(scanned, overlapping=True)
                       if stands(scanned, index, start, end))
        chosen: list[tuple[int, int, int]] = []
        reached = 0
        for start, negative_end, index in found:
            if start >= reached:
                chosen.append((index, start, -negative_end))
                reached = -negative_end
        return chosen

    def _scan(self, scanned: str, shown: str) -> list[SourceMatch]:
        """The matches in ``scanned`` (fully folded), quoted from ``shown`` (same offsets)."""
        try:
            hits = self._search(scanned)
        except UnicodeEncodeError:
            scanned = _SURROGATE.sub("\ufffd", scanned)
            hits = self._search(scanned)
        if self._bounded and hits:
            hits = self._on_boundaries(scanned, hits)
        terms = self._terms
        return [SourceMatch(terms[index], start, end, shown[start:end]) for index, start, end in hits]
