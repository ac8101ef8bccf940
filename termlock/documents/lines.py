"""Aligned plain-text files for checking: one segment per line, read exactly.

``termlock check`` compares line N of the source with line N of the
translation, so how lines are split decides the alignment. Only ``\\n``
separates segments (a trailing ``\\r`` is dropped), not the other characters
``str.splitlines`` treats as breaks (U+2028, form feed, ...), which occur
inside segments and would shift every line after them. The Ray engine reads
its text shards with the same function, so a sharded check agrees with a
single-machine one.
"""

from __future__ import annotations

import os
import sys

from termlock.errors import TermlockError

STDIN = "-"


def read_lines(path: str, option: str) -> list[str]:
    """The lines of a UTF-8 file (or stdin for ``-``), without line ends.

    A leading byte-order mark is dropped; a final newline does not start an
    extra segment. ``option`` names the flag in error messages.
    """
    if path == STDIN:
        data = sys.stdin.buffer.read()
        name = "<stdin>"
    else:
        name = path
        if not os.path.exists(path):
            raise TermlockError(f"{option}: no such file", path=path, fix="check the path")
        if os.path.isdir(path):
            raise TermlockError(f"{option}: is a directory, not a file", path=path, fix="give a text file")
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            raise TermlockError(f"{option}: cannot read: {exc.strerror}", path=path, fix="check the permissions") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise TermlockError(
            f"{option}: not UTF-8 (byte 0x{data[exc.start]:02x})",
            path=name,
            line=line,
            fix="save the file as UTF-8 (e.g. iconv -f GB18030 -t UTF-8)",
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text:
        return []
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def require_aligned(first: tuple[str, str, list[str]], second: tuple[str, str, list[str]]) -> None:
    """Two ``(option, path, lines)`` inputs must have the same number of lines."""
    (opt_a, path_a, lines_a), (opt_b, path_b, lines_b) = first, second
    if len(lines_a) != len(lines_b):
        name_b = "<stdin>" if path_b == STDIN else path_b
        raise TermlockError(
            f"line counts differ: {opt_a} {path_a} has {len(lines_a)} lines, {opt_b} {name_b} has {len(lines_b)}",
            fix="the files must be aligned, one segment per line; or check whole documents with --granularity document",
        )
