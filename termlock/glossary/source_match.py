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
from typing import NamedTuple

from ahocorasick_rs import AhoCorasick, MatchKind

from termlock.glossary.chinese import fold_script
from termlock.glossary.model import Glossary, Term
from termlock.glossary.normalize import fold_text, fold_view


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

    def find(self, text: str) -> list[SourceMatch]:
        """Every term occurrence in ``text``, in order, longest-leftmost, non-overlapping."""
        if self._search is None or not text:
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
        scanned = fold_script(text)
        try:
            hits = self._search(scanned)
        except UnicodeEncodeError:
            hits = self._search(_SURROGATE.sub("\ufffd", scanned))
        terms = self._terms
        return [SourceMatch(terms[index], start, end, shown[start:end]) for index, start, end in hits]
