"""Aligned plain-text files for checking: line N of the source against line N of the translation.

``termlock check`` compares line N of the source with line N of the
translation, so how lines are split decides the alignment; the rules are
:mod:`termlock.inputs`' (only LF ends a segment, CRLF is one line end, a
leading byte-order mark is dropped), the same for every reader, so a
sharded Ray check and ``translate`` see the segments ``check`` sees.

A QA run over a million segments must not hold the files in memory:
:class:`termlock.inputs.SegmentReader` yields one segment per line as the
check consumes it, and :func:`aligned` pairs two such files and reports different line counts
with both counts, as :func:`require_aligned` does for files read whole.
"""

from __future__ import annotations

from typing import Iterator

from termlock.errors import TermlockError
from termlock.wording import counted
from termlock.inputs import SegmentReader, shown_name
from termlock.inputs import read_segments as read_lines  # noqa: F401  (the name the Ray engine's shard reader imports)

__all__ = ["aligned", "read_lines", "require_aligned"]

_ALIGN_FIX = "the files must be aligned, one segment per line; or check whole documents with --granularity document"


def require_aligned(first: tuple[str, str, list[str]], second: tuple[str, str, list[str]]) -> None:
    """Two ``(option, path, lines)`` inputs must have the same number of lines."""
    (opt_a, path_a, lines_a), (opt_b, path_b, lines_b) = first, second
    if len(lines_a) != len(lines_b):
        raise TermlockError(
            f"line counts differ: {opt_a} {path_a} has {counted(len(lines_a), 'line')}, {opt_b} {shown_name(path_b)} has {len(lines_b)}",
            fix=_ALIGN_FIX,
        )


def aligned(first: SegmentReader, second: SegmentReader) -> Iterator[tuple[str, str]]:
    """``(first line, second line)`` pairs; different line counts raise once both files are read."""
    yield from zip(first, second)
    # zip stops at the shorter file (having read, and dropped, one line more
    # of the longer one when that is the first): count what is left of both
    for _ in first:
        pass
    for _ in second:
        pass
    if first.count != second.count:
        raise TermlockError(
            f"line counts differ: {first.option} {first.path} has {counted(first.count, 'line')}, "
            f"{second.option} {second.name} has {second.count}",
            fix=_ALIGN_FIX,
        )
