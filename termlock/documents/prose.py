"""Whitespace in Markdown and HTML prose, as a reader sees it.

In both formats a line break inside a paragraph and a run of spaces are
shown as one space, except that a line break between two East Asian wide
characters is shown as nothing (CSS Text's segment break rule, which is
how Chinese hard-wrapped text reads: 新发展\\n格局 is 新发展格局, so a term
cut by the wrap is still found, and no shorter term is found in its place).
:func:`collapse` applies that to the text pieces of one paragraph, which may
be separated by inline markup, and keeps each piece's share, so the pieces
still line up with the markup between them.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Sequence

#: whitespace HTML and Markdown collapse (not NBSP, which is shown as it is)
_SPACE = re.compile(r"[ \t\n\r\f]+")


def wide(ch: str) -> bool:
    """East Asian wide or full-width: no space between two of them in running text."""
    return unicodedata.east_asian_width(ch) in "WF"


def collapse(pieces: Sequence[str]) -> list[str]:
    """Each piece with whitespace runs collapsed as a reader sees them (see the module docstring).

    A run may span pieces: it becomes one space (or nothing) at its first
    character. Leading and trailing whitespace of the whole is kept as one
    space, for the caller to strip.
    """
    whole = "".join(pieces)
    if not _SPACE.search(whole):
        return list(pieces)
    replacement: dict[int, str] = {}  # position of a run's first character -> what it becomes
    removed: set[int] = set()
    for match in _SPACE.finditer(whole):
        start, end = match.span()
        left = whole[start - 1] if start > 0 else ""
        right = whole[end] if end < len(whole) else ""
        joined = "\n" in match.group() and left and right and wide(left) and wide(right)
        replacement[start] = "" if joined else " "
        removed.update(range(start + 1, end))
    out = []
    position = 0
    for piece in pieces:
        chars = []
        for offset, ch in enumerate(piece):
            at = position + offset
            if at in replacement:
                chars.append(replacement[at])
            elif at not in removed:
                chars.append(ch)
        out.append("".join(chars))
        position += len(piece)
    return out
