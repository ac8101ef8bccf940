"""The view of a text that term matching sees, with offsets back to the original.

Text pasted from Word, web pages and CAT tools carries characters a reader
never sees: zero-width spaces (双\\u200b核), soft hyphens, byte-order marks,
no-break and ideographic spaces, full-width Latin letters (ｄｕａｌ ｃｏｒｅｓ)
and compatibility ideographs. Matched literally, a term hidden by one of
them vanishes from the source (0 occurrences, a gate passes, nothing is
locked) or its rendering is missed in the target. Both matchers (and the
constrained decoder, which must agree with them) therefore search a
*folded* view:

* NFKC compatibility folding, character by character (full-width and
  other compatibility forms become their plain characters);
* format characters (Unicode category Cf: ZWSP, ZWJ/ZWNJ, soft hyphen,
  BOM, word joiner, bidi marks) removed;
* every Unicode space and line/paragraph separator becomes a plain space.

Matches are found in the view and mapped back (:meth:`FoldedText.span`),
so reports still quote and highlight the original characters.

Folding is character by character (so every view character comes from one
original character); sequences that NFKC would only compose together (a
letter followed by a combining accent) are left as they are, which is
what the glossary strings get too.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from functools import lru_cache
from typing import Iterable, NamedTuple

import regex

__all__ = ["FoldedText", "changing_bmp_characters", "character_class", "fold_character", "fold_text", "fold_view", "in_bmp", "is_format_character"]

#: Every character folding may change: not allowed in NFKC text at all, a
#: format character, or whitespace other than the plain space (``str.isspace``
#: also counts U+001C..U+001F, which ``\s`` does not).
_CHANGING = regex.compile(r"[\p{NFKC_Quick_Check=No}\p{Cf}\s\x1c-\x1f--[ ]]+", regex.V1)

_FORMAT = regex.compile(r"\p{Cf}")

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def in_bmp(text: str) -> bool:
    """No astral character: the ``re`` classes built by :func:`character_class` see all of ``text``."""
    return _ASTRAL.search(text) is None


@lru_cache(maxsize=1)
def changing_bmp_characters() -> frozenset[str]:
    """Every character of the Basic Multilingual Plane that folding changes (``_CHANGING``'s members).

    Listed from ``_CHANGING`` itself (one pass over the 65,536 BMP
    characters, about 20 ms once per process), so a class built from it can
    never disagree with the rules.
    """
    return frozenset(ch for run in _CHANGING.findall("".join(map(chr, range(0x10000)))) for ch in run)


def character_class(characters: Iterable[str]) -> re.Pattern[str]:
    """One ``re`` character class matching exactly ``characters`` (BMP characters).

    Most Chinese lines hold a full-width comma or colon, so a fold is needed
    on nearly every source line. ``regex`` evaluates Unicode property
    classes character by character; ``re`` compiles a BMP class into a
    bitmap and scans about three times as fast.
    """
    ranges: list[list[int]] = []
    for code in sorted(map(ord, characters)):
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    members = "".join(
        re.escape(chr(first)) if first == last else f"{re.escape(chr(first))}-{re.escape(chr(last))}"
        for first, last in ranges
    )
    return re.compile(f"[{members}]")


@lru_cache(maxsize=1)
def _changing_bmp() -> re.Pattern[str]:
    """``_CHANGING`` for the BMP as an ``re`` class; text with an astral character keeps the ``regex`` path."""
    return character_class(changing_bmp_characters())


def is_format_character(ch: str) -> bool:
    """Invisible formatting (Unicode Cf): removed from the matching view."""
    return unicodedata.category(ch) == "Cf"


@lru_cache(maxsize=4096)
def fold_character(ch: str) -> str:
    """What one character becomes in the folded view ("" when it is removed)."""
    if ch.isspace():
        return " "
    if unicodedata.category(ch) == "Cf":
        return ""
    folded = unicodedata.normalize("NFKC", ch)
    if folded != ch:
        # NFKC may itself produce spaces or format characters (rare): fold those too
        folded = "".join(" " if c.isspace() else c for c in folded if unicodedata.category(c) != "Cf")
    return folded


class FoldedText(NamedTuple):
    """``text`` as matching sees it, and the way back to the original offsets.

    ``edits`` lists only the places where the view's length differs from the
    original (a removed format character, a character NFKC expands), as
    ``(view_start, view_end, original_start, original_end)`` in order; one
    for one replacements (full-width letters, odd spaces) move no offset.
    ``edits`` is None when the view *is* the original. (A NamedTuple: one is
    built per segment on the checker's hot path.)
    """

    text: str
    edits: tuple[tuple[int, int, int, int], ...] | None
    original_length: int

    def start(self, position: int) -> int:
        """Original offset of view offset ``position`` (a match start)."""
        edits = self.edits
        if not edits:
            return position
        index = bisect_right(edits, (position, float("inf"))) - 1
        if index < 0:
            return position
        view_start, view_end, original_start, original_end = edits[index]
        if position < view_end:
            return original_start  # inside a character NFKC expanded
        return original_end + (position - view_end)

    def end(self, position: int) -> int:
        """Original offset just after view character ``position - 1`` (a match end)."""
        if not self.edits or position <= 0:
            return position
        return self.start(position - 1) + 1

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original ``(start, end)`` of the view span ``[start, end)``."""
        first = self.start(start)
        return first, (self.end(end) if end > start else first)


class _FoldTable(dict):
    """``str.translate`` table filled on demand: code point -> its folded string."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = fold_character(chr(code))
        return folded


_TABLE = _FoldTable()


def fold_view(text: str) -> FoldedText:
    """The folded view of ``text`` with the map back to it (see the module docstring)."""
    if text.isascii() and text.isprintable():
        return FoldedText(text, None, len(text))
    table = _TABLE
    if in_bmp(text):
        found = _changing_bmp().findall(text)
        if not found:
            return FoldedText(text, None, len(text))
        # a few distinct characters per line (full-width commas, colons):
        # one str.replace each beats str.translate's dictionary lookup per
        # character; folded strings never hold a character that folds, so
        # the order of the replacements cannot matter
        view = text
        one_for_one = True
        for ch in set(found):
            folded = table[ord(ch)]
            one_for_one = one_for_one and len(folded) == 1
            view = view.replace(ch, folded)
        if view == text:
            return FoldedText(text, None, len(text))
        if one_for_one:
            return FoldedText(view, (), len(text))
    else:
        if _CHANGING.search(text) is None:
            return FoldedText(text, None, len(text))
        view = text.translate(table)
        if view == text:
            return FoldedText(text, None, len(text))
        if len(view) == len(text) and not _FORMAT.search(text):
            # nothing removed, so nothing expanded either: one for one, no offset moves
            return FoldedText(view, (), len(text))
    edits: list[tuple[int, int, int, int]] = []
    shift = 0  # view offset minus original offset so far
    for run in _CHANGING.finditer(text):
        for offset, ch in enumerate(run.group(), run.start()):
            size = len(table[ord(ch)])
            if size != 1:
                at = offset + shift
                edits.append((at, at + size, offset, offset + 1))
                shift += size - 1
    return FoldedText(view, tuple(edits), len(text))


def fold_text(text: str) -> str:
    """Only the folded string (glossary entries, constraints): ``fold_view(text).text``."""
    return fold_view(text).text
