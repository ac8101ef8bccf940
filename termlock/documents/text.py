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
from termlock.inputs import decode_utf8, split_segments

__all__ = ["LineLayout", "TextStore", "decode_utf8", "one_line", "split_lines"]

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


def one_line(text: str | None) -> str:
    """A translation made safe for a line-per-segment file."""
    if not text:
        return ""
    return _LINE_BREAKS.sub(" ", text).strip()


@register
class TextStore(Store):
    """A UTF-8 text file, one segment per line."""

    name = "text"
    extensions = (".txt", ".text")

    def __init__(self, units: list[Unit] | None = None, path: str | None = None, layout: LineLayout | None = None):
        super().__init__(units, path)
        self.layout = layout or LineLayout()

    @classmethod
    def parse(cls, data: bytes, path: str) -> "TextStore":
        lines, layout = split_lines(decode_utf8(data, path))
        units = [
            Unit(id=str(number), source=line, translatable=bool(line.strip()))
            for number, line in enumerate(lines, start=1)
        ]
        return cls(units, path, layout)

    def serialize(self) -> bytes:
        lines = [one_line(unit.target) if unit.translatable else "" for unit in self.units]
        return self.layout.join(lines).encode("utf-8")
