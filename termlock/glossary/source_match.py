"""Find glossary terms in Chinese source text.

One Aho-Corasick pass finds every spelling of every term at once, so cost
depends on the text, not on the glossary size. Overlaps are resolved
longest-leftmost, the way a reader parses 新发展格局 as one term rather
than 新 + 发展格局.

The automaton is ahocorasick-rs (the Rust ``aho-corasick`` crate): it
resolves leftmost-longest itself, reports character offsets, and scans a
line of Chinese several times faster than a Python-driven automaton, which
matters because this scan runs on every segment of a check.

Matching runs on the folded view of :mod:`termlock.glossary.normalize`
(NFKC, invisible format characters such as a zero-width space removed,
every space a plain space), glossary spellings and text alike, so 双\u200b核
is found as 双核; the offsets and ``text`` of a match are the original
text's, invisible characters inside included.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from ahocorasick_rs import AhoCorasick, MatchKind

from termlock.glossary.chinese import fold_script, traditional_characters
from termlock.glossary.model import Glossary, Term
from termlock.glossary.normalize import changing_bmp_characters, character_class, fold_character, fold_text, fold_view, in_bmp


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

    def _scan(self, scanned: str, shown: str) -> list[SourceMatch]:
        """The matches in ``scanned`` (fully folded), quoted from ``shown`` (same offsets)."""
        try:
            hits = self._search(scanned)
        except UnicodeEncodeError:
            hits = self._search(_SURROGATE.sub("\ufffd", scanned))
        terms = self._terms
        return [SourceMatch(terms[index], start, end, shown[start:end]) for index, start, end in hits]
