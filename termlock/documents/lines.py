"""Aligned plain-text files for checking: one segment per line, read exactly.

``termlock check`` compares line N of the source with line N of the
translation, so how lines are split decides the alignment. Only ``\\n``
separates segments (a trailing ``\\r`` is dropped), not the other characters
``str.splitlines`` treats as breaks (U+2028, form feed, ...), which occur
inside segments and would shift every line after them. The Ray engine reads
its text shards with the same function, so a sharded check agrees with a
single-machine one.

A QA run over a million segments must not hold the files in memory:
:class:`SegmentLines` yields one segment per line as the check consumes it,
with exactly the rules of :func:`read_lines`, and :func:`aligned` pairs two
such files and reports different line counts with both counts, as
:func:`require_aligned` does.
"""

from __future__ import annotations

import os
import sys
from typing import BinaryIO, Iterator

from termlock.errors import TermlockError
from termlock.wording import counted

STDIN = "-"
_BOM = b"\xef\xbb\xbf"
#: bytes read at a time by SegmentLines (a few thousand segments)
_BLOCK = 1 << 20


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
            f"line counts differ: {opt_a} {path_a} has {counted(len(lines_a), 'line')}, {opt_b} {name_b} has {len(lines_b)}",
            fix="the files must be aligned, one segment per line; or check whole documents with --granularity document",
        )


class SegmentLines:
    """The segments of one UTF-8 file (``-`` = stdin), one per line, read lazily.

    ``count`` is the number of segments yielded so far.
    """

    def __init__(self, path: str, option: str) -> None:
        self.path = path
        self.option = option
        self.count = 0
        self.name = "<stdin>" if path == STDIN else path
        if path == STDIN:
            self._handle: BinaryIO = sys.stdin.buffer
            self._owned = False
        else:
            self._handle = self._open(path, option)
            self._owned = True
        self._lines = self._read()

    @staticmethod
    def _open(path: str, option: str) -> BinaryIO:
        if not os.path.exists(path):
            raise TermlockError(f"{option}: no such file", path=path, fix="check the path")
        if os.path.isdir(path):
            raise TermlockError(f"{option}: is a directory, not a file", path=path, fix="give a text file")
        try:
            return open(path, "rb", buffering=1 << 20)
        except OSError as exc:
            raise TermlockError(f"{option}: cannot read: {exc.strerror}", path=path, fix="check the permissions") from None

    def __iter__(self) -> Iterator[str]:
        """The one pass over the file: iterating again continues where the last iteration stopped."""
        return self._lines

    def _read(self) -> Iterator[str]:
        # Read in blocks of whole lines and decode and split each block at
        # once: a line-by-line loop costs a readline, a slice and a decode
        # per segment, a fifth of a large check's time. A block ends at its
        # last newline, so every line is whole and a UTF-8 error is found in
        # the line it is in.
        handle = self._handle
        try:
            rest: list[bytes] = []  # a line still waiting for its newline, in pieces
            head = b""
            first = True
            while True:
                block = handle.read(_BLOCK)
                end = not block
                if first:  # a byte-order mark is dropped once its three bytes are in
                    head += block
                    if not end and len(head) < len(_BOM):
                        continue
                    first = False
                    block = head[len(_BOM) :] if head.startswith(_BOM) else head
                cut = block.rfind(b"\n") + 1
                if cut:
                    rest.append(block[:cut])
                    lines = self._decode(b"".join(rest))
                    rest = [block[cut:]]
                    lines.pop()  # the empty string after the block's last newline
                    yield from self._counted(lines)
                else:
                    rest.append(block)
                if end:
                    break
            if any(rest):
                yield from self._counted(self._decode(b"".join(rest)))
        except OSError as exc:
            raise TermlockError(f"{self.option}: cannot read: {exc.strerror}", path=self.name, fix="check the file") from None
        finally:
            self.close()

    def _decode(self, data: bytes) -> list[str]:
        """The lines of a block of whole lines, ``\\r`` before each line end dropped."""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise TermlockError(
                f"{self.option}: not UTF-8 (byte 0x{data[exc.start]:02x})",
                path=self.name,
                line=self.count + data.count(b"\n", 0, exc.start) + 1,
                fix="save the file as UTF-8 (e.g. iconv -f GB18030 -t UTF-8)",
            ) from None
        lines = text.split("\n")
        if "\r" in text:
            lines = [line[:-1] if line.endswith("\r") else line for line in lines]
        return lines

    def _counted(self, lines: list[str]) -> Iterator[str]:
        for line in lines:
            self.count += 1
            yield line

    def close(self) -> None:
        if self._owned:
            self._handle.close()


def aligned(first: SegmentLines, second: SegmentLines) -> Iterator[tuple[str, str]]:
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
            fix="the files must be aligned, one segment per line; or check whole documents with --granularity document",
        )
