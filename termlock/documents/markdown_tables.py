"""GitHub-flavoured Markdown tables, found and split row by row.

markdown-it-py's own table rule builds three tokens per cell for the whole
table before anything can be read (a 7 MB table of 20,000 columns took
1.4 GB), so termlock leaves tables out of the block parse: a table then
arrives as a paragraph, and this module finds the delimiter row in it and
splits each row into cells with their positions, one row at a time. The
rules are GFM's: a header row and a delimiter row (``---``, ``:--``, ``--:``,
``:-:``) with the same number of cells, then body rows until the paragraph
ends; cells are separated by unescaped pipes, an outer pipe on either side
is optional, ``\\|`` is a pipe inside a cell, and cells past the header's
count are not shown (so not read).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

_DELIMITER_CELL = re.compile(r"[ \t]*:?-+:?[ \t]*")
_PIPE = re.compile(r"\\.|\|")


@dataclass(frozen=True)
class Cell:
    """A cell's content ``line[start:end]`` (outer spaces excluded) and its text with ``\\|`` unescaped."""

    start: int
    end: int
    text: str


def split_row(line: str) -> list[tuple[int, int]]:
    """The ``(start, end)`` of each cell of a table row, outer spaces excluded."""
    start = 0
    stop = len(line)
    while start < stop and line[start] in " \t":
        start += 1
    while stop > start and line[stop - 1] in " \t":
        stop -= 1
    if start < stop and line[start] == "|":
        start += 1
    if stop > start and line[stop - 1] == "|" and (stop - 2 < start or line[stop - 2] != "\\"):
        stop -= 1
    bounds = []
    cell_start = start
    for match in _PIPE.finditer(line, start, stop):
        if match.group() == "|":
            bounds.append((cell_start, match.start()))
            cell_start = match.end()
    bounds.append((cell_start, stop))
    out = []
    for a, b in bounds:
        while a < b and line[a] in " \t":
            a += 1
        while b > a and line[b - 1] in " \t":
            b -= 1
        out.append((a, b))
    return out


def is_delimiter_row(line: str) -> bool:
    if "-" not in line:
        return False
    cells = split_row(line)
    return all(_DELIMITER_CELL.fullmatch(line[a:b]) for a, b in cells) and bool(cells)


def find_table(lines: list[str]) -> int | None:
    """Index of the header row of the first table in a paragraph's lines (its delimiter row follows), or None."""
    for index in range(1, len(lines)):
        line = lines[index]
        if "|" not in line and "|" not in lines[index - 1]:
            continue
        if is_delimiter_row(line) and "|" in lines[index - 1] + line:
            if len(split_row(line)) == len(split_row(lines[index - 1])):
                return index - 1
    return None


def row_cells(line: str, columns: int) -> Iterator[Cell]:
    """The first ``columns`` cells of a row (GFM shows no more), pipes unescaped."""
    for number, (start, end) in enumerate(split_row(line)):
        if number >= columns:
            return
        yield Cell(start, end, line[start:end].replace("\\|", "|"))
