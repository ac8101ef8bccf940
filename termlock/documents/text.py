"""Plain text: one segment per line, the translation on the same line number.

Translators hand over plain text exported from Word or a CMS, one paragraph
per line; alignment is the whole contract, so N lines come back as N lines,
blank lines stay blank, and line endings (LF or CRLF) and the presence of a
final newline are kept. A translation never contains a line break (it would
shift every line after it), so any is replaced by a space.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from termlock.errors import TermlockError
from termlock.documents.base import Store, Unit, register

#: characters str.splitlines() breaks on (plus tab for TSV, handled there)
_LINE_BREAKS = re.compile("[\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]+")

_UTF8_FIX = "convert the file to UTF-8, e.g. `iconv -f GB18030 -t UTF-8 IN > IN.utf8`"


def decode_utf8(data: bytes, path: str) -> str:
    """``data`` as text; a byte that is not UTF-8 is reported by line.

    A leading byte-order mark is dropped: it is not part of the first segment.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - data.rfind(b"\n", 0, exc.start)
        raise TermlockError(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at byte column {column})",
            path=path,
            line=line,
            fix=_UTF8_FIX,
        ) from None
    return text[1:] if text.startswith("\ufeff") else text


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
    """Lines split on LF only (a U+2028 inside a line is content, not a break)."""
    if not text:
        return [], LineLayout()
    first = text.find("\n")
    newline = "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"
    lines = text.split("\n")
    final_newline = lines[-1] == ""
    if final_newline:
        lines.pop()
    if newline == "\r\n":
        lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    return lines, LineLayout(newline, final_newline)


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
