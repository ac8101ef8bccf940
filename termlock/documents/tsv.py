"""Tab-separated values: source in the first column, translation inserted second.

Spreadsheet exports keep a source column followed by ids, notes or a
reference; the translation goes right next to its source (as the new second
column) and the other columns shift right unchanged, so a reviewer reads
source and translation side by side. Plain TSV, no quoting: tabs and line
breaks inside a translation become spaces. Every line is a segment,
including a header line if the file has one; blank lines stay blank.
"""

from __future__ import annotations

import re

from termlock.documents.base import Store, Unit, register
from termlock.documents.text import LineLayout, decode_utf8, one_line, split_lines

_TABS = re.compile("\t+")


@register
class TsvStore(Store):
    """A TSV file whose first column is the source text."""

    name = "tsv"
    extensions = (".tsv", ".tab")

    def __init__(self, units: list[Unit] | None = None, path: str | None = None, layout: LineLayout | None = None):
        super().__init__(units, path)
        self.layout = layout or LineLayout()

    @classmethod
    def parse(cls, data: bytes, path: str) -> "TsvStore":
        lines, layout = split_lines(decode_utf8(data, path))
        units = []
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                units.append(Unit(id=str(number), source="", translatable=False, meta={"columns": None}))
                continue
            columns = line.split("\t")
            source = columns[0]
            units.append(
                Unit(id=str(number), source=source, translatable=bool(source.strip()), meta={"columns": columns})
            )
        return cls(units, path, layout)

    def serialize(self) -> bytes:
        lines = []
        for unit in self.units:
            columns = unit.meta.get("columns")
            if columns is None:
                lines.append("")
                continue
            target = _TABS.sub(" ", one_line(unit.target)) if unit.translatable else ""
            lines.append("\t".join([columns[0], target, *columns[1:]]))
        return self.layout.join(lines).encode("utf-8")
