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

from termlock.documents.base import Unit, register
from termlock.documents.text import LineStore, one_line

_TABS = re.compile("\t+")


@register
class TsvStore(LineStore):
    """A TSV file whose first column is the source text."""

    name = "tsv"
    extensions = (".tsv", ".tab")

    @classmethod
    def unit(cls, number: int, line: str, path: str) -> Unit:
        if not line.strip():
            return Unit(id=str(number), source="", translatable=False, meta={"columns": None})
        columns = line.split("\t")
        return Unit(id=str(number), source=columns[0], translatable=bool(columns[0].strip()), meta={"columns": columns})

    def line(self, unit: Unit) -> str:
        columns = unit.meta.get("columns")
        if columns is None:
            return ""
        target = _TABS.sub(" ", one_line(unit.target)) if unit.translatable else ""
        return "\t".join([columns[0], target, *columns[1:]])
