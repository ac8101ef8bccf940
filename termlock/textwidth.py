"""Text measured in terminal columns: Chinese characters take two, combining marks none.

``len()`` and :mod:`textwrap` count characters, so a table of Chinese
terms laid out with them runs past the edge of the terminal. The terminal
summary of ``check`` and ``glossary show`` measure, clip and wrap with
these instead.
"""

from __future__ import annotations

import re
import unicodedata


def char_width(ch: str) -> int:
    """Columns one character takes: 2 for wide and full-width (CJK), 0 for combining marks, else 1."""
    if unicodedata.east_asian_width(ch) in "WF":
        return 2
    return 0 if unicodedata.combining(ch) else 1


def display_width(text: str) -> int:
    """Terminal columns of ``text``."""
    return sum(char_width(ch) for ch in text)


def clip(text: str, width: int) -> str:
    """``text`` (whitespace runs made one space) cut to ``width`` columns, ``…`` where cut."""
    text = " ".join(text.split())
    if display_width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        if used + char_width(ch) > width - 1:
            break
        out.append(ch)
        used += char_width(ch)
    return "".join(out) + "…"


#: where a word may break besides spaces: after a hyphen or slash that has text on both sides
_BREAK_AFTER = re.compile(r"(?<=[^\s/-][-/])(?=[^\s/-])")


def wrap_pieces(text: str) -> list[str]:
    """The pieces :func:`wrap` breaks ``text`` into before it must break inside one: words, split after hyphens."""
    return [piece for word in text.split() for piece in _BREAK_AFTER.split(word)]


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` columns, broken at spaces, hyphens and slashes where it can be.

    A word wider than a line (a run of Chinese, a long URL) is broken
    between characters. Nothing is dropped or added: joining the lines
    (with a space where a line ended at a space) gives back the text with
    its whitespace runs made one space. An empty text is one empty line.
    """
    width = max(width, 2)  # a wide character must fit on a line
    lines: list[str] = []
    line, used = "", 0
    for word in text.split():
        for number, piece in enumerate(_BREAK_AFTER.split(word)):
            joint = "" if number else " "  # the pieces of one word join without a space
            size = display_width(piece)
            if line and used + len(joint) + size <= width:
                line, used = line + joint + piece, used + len(joint) + size
                continue
            if line:
                lines.append(line)
            while size > width:  # break the piece itself, between characters
                part, taken = "", 0
                for ch in piece:
                    if taken + char_width(ch) > width:
                        break
                    part += ch
                    taken += char_width(ch)
                lines.append(part)
                piece, size = piece[len(part):], size - taken
            line, used = piece, size
    if line or not lines:
        lines.append(line)
    return lines


def pad(text: str, width: int, *, right: bool = False) -> str:
    """``text`` padded with spaces to ``width`` columns (on the left with ``right``)."""
    gap = " " * max(width - display_width(text), 0)
    return gap + text if right else text + gap
