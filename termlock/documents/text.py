"""Plain text: one segment per line, the translation on the same line number.

Translators hand over plain text exported from Word or a CMS, one paragraph
per line; alignment is the whole contract, so N lines come back as N lines,
blank lines stay blank, and the line ending (LF or CRLF, as the first line
ends) and the presence of a final newline are kept. Lines are split by
:mod:`termlock.inputs`' one rule (LF ends a line, a CR before it is part of
the line end), as ``check`` splits them. A translation never contains a
line break (it would shift every line after it), so any is replaced by a
space.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from termlock.documents.base import Store, Unit, register
from termlock.errors import TermlockError
from termlock.inputs import decode_utf8, split_segments

__all__ = ["LineLayout", "LineStore", "TextStore", "decode_utf8", "one_line", "revise_lines", "single_line", "split_lines",
           "with_margins_of"]

#: characters str.splitlines() breaks on (plus tab for TSV, handled there)
_LINE_BREAKS = re.compile("[\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]+")


@dataclass(frozen=True)
class LineLayout:
    """How a file's lines were terminated, to write them back the same way."""

    newline: str = "\n"
    final_newline: bool = True

    def join(self, lines: list[str]) -> str:
        if not lines:
            return ""
        return self.newline.join(lines) + (self.newline if self.final_newline else "")


def split_lines(text: str) -> tuple[list[str], LineLayout]:
    """The segments of ``text`` (:func:`termlock.inputs.split_segments`) and how to write lines back.

    The output uses the line end of the first line (CRLF or LF) and ends
    with a newline when the input did.
    """
    if not text:
        return [], LineLayout()
    first = text.find("\n")
    newline = "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"
    return split_segments(text), LineLayout(newline, text.endswith("\n"))


#: what would end a segment where it stands in a line file (:mod:`termlock.inputs`' rule): LF, with the CRs before
#: it, and a CR at the end of the line
_SEGMENT_BREAKS = re.compile(r"\r*\n|\r+$")


def single_line(text: str) -> str:
    """``text`` as one segment of a line file: each line end made one space, nothing else changed (a reviewer's edit).

    Unlike :func:`one_line` (a model's output), the text keeps its spaces and
    every character the one input rule reads as content (a lone CR, U+2028).
    """
    return _SEGMENT_BREAKS.sub(" ", text)


def one_line(text: str | None) -> str:
    """A translation made safe for a line-per-segment file."""
    if not text:
        return ""
    return _LINE_BREAKS.sub(" ", text).strip()


def with_margins_of(source: str, translation: str) -> str:
    """``translation`` between ``source``'s leading and trailing whitespace (an indented line stays indented)."""
    lead = source[: len(source) - len(source.lstrip())]
    trail = source[len(source.rstrip()):]
    return lead + translation + trail if translation else ""


class LineStore(Store):
    """A file of one unit per line (text, JSON Lines, TSV), written back line for line.

    Lines are read by the one input rule (:func:`split_lines`); a format
    says what a line holds (:meth:`unit`) and what its line becomes once
    translated (:meth:`line`); the file's line end and final newline are
    kept.
    """

    def __init__(self, units: list[Unit] | None = None, path: str | None = None, layout: LineLayout | None = None):
        super().__init__(units, path)
        self.layout = layout or LineLayout()

    @classmethod
    def parse(cls, data: bytes, path: str) -> "LineStore":
        lines, layout = split_lines(decode_utf8(data, path))
        return cls([cls.unit(number, line, path) for number, line in enumerate(lines, start=1)], path, layout)

    @classmethod
    def unit(cls, number: int, line: str, path: str) -> Unit:
        """The unit of line ``number`` (1-based); ``path`` names the file in errors."""
        raise NotImplementedError

    def line(self, unit: Unit) -> str:
        """The unit's line in the written file."""
        raise NotImplementedError

    def serialize(self) -> bytes:
        return self.layout.join([self.line(unit) for unit in self.units]).encode("utf-8")


@register
class TextStore(LineStore):
    """A UTF-8 text file, one segment per line."""

    name = "text"
    extensions = (".txt", ".text")

    @classmethod
    def unit(cls, number: int, line: str, path: str) -> Unit:
        return Unit(id=str(number), source=line, translatable=bool(line.strip()))

    def line(self, unit: Unit) -> str:
        return with_margins_of(unit.source, one_line(unit.target)) if unit.translatable else ""


def revise_lines(data: bytes, path: str, revisions: "dict[int, str]") -> bytes:
    """A line file's bytes with some lines replaced (0-based index -> new text), all else kept.

    The corrected target of a review: line endings (LF or CRLF), the final
    newline and a byte-order mark stay as they were; a replacement is made
    one line (:func:`single_line`), since a line break would shift every
    segment after it. A line past the end is an error.
    """
    lines, layout = split_lines(decode_utf8(data, path))
    for index, text in revisions.items():
        if not 0 <= index < len(lines):
            raise TermlockError(f"no line {index + 1} to revise ({len(lines)} lines)", path=path,
                                fix="revise lines of this same file")
        lines[index] = single_line(text)
    bom = "\ufeff" if data.startswith(b"\xef\xbb\xbf") else ""
    return (bom + layout.join(lines)).encode("utf-8")
