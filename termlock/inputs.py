"""The one reader of input files: bytes, UTF-8 text and segments, with one rule each.

Every command reads files a user names (segment files to check, stores to
translate, term lists, documents, the bundled corpus); they must agree on
what a file says, or ``check`` and ``translate`` would see different
segments in the same file. The rules, once:

* bytes (:func:`read_input`): ``-`` is stdin; a missing path, a folder or an
  unreadable file is one error naming the path (``no such file``, ``is a
  directory, not a file``, ``cannot read: <reason>``), prefixed with the
  option that named it when there is one (``--source: no such file``);
* text (:func:`decode_utf8`): UTF-8 only; a byte-order mark at the very start
  of the file is dropped (it is not part of the first segment), anywhere
  else it is content; a byte that is not UTF-8 is reported with its line and
  column and how to convert the file;
* segments (:func:`split_segments`): one per line. Only LF ends a line; a CR
  right before it (CRLF) or at the very end of the text belongs to the line
  end and is dropped; any other CR, and U+2028, form feeds and the other
  characters ``str.splitlines`` breaks on, are content (they occur inside
  segments and splitting on them would shift every later line). A final
  newline does not start an extra segment.

Large files are read lazily with :class:`SegmentReader`, which applies the
same rules to blocks of whole lines (a 1 MiB block is decoded and split at
once: a line-by-line loop costs a readline, a slice and a decode per
segment, a fifth of a large check's time).

It lives at layer 0 because ``corpora`` and ``documents`` (which may not
import each other) and ``glossary`` all read files.
"""

from __future__ import annotations

import os
import sys
from typing import BinaryIO, Iterator

from termlock.errors import TermlockError, is_a_directory
from termlock.filekinds import HEAD_BYTES, refuse_binary

#: the path meaning standard input
STDIN = "-"
#: how standard input is named in messages
STDIN_NAME = "<stdin>"
_BOM = b"\xef\xbb\xbf"
#: bytes read at a time by SegmentReader (a few thousand segments)
BLOCK_SIZE = 1 << 20
_BUFFER = 1 << 20

UTF8_FIX = "save the file as UTF-8, e.g. `iconv -f GB18030 -t UTF-8 FILE > FILE.utf8`"


def shown_name(path: str) -> str:
    """``path`` as messages show it (``<stdin>`` for ``-``)."""
    return STDIN_NAME if path == STDIN else path


def _prefixed(option: str | None, message: str) -> str:
    return f"{option}: {message}" if option else message


def _unreadable(path: str, option: str | None, exc: OSError, missing_fix: str = "check the path") -> TermlockError:
    """The one error for a path that gives no bytes: missing, a folder, or unreadable (with the reason)."""
    if isinstance(exc, FileNotFoundError):
        return TermlockError(_prefixed(option, "no such file"), path=path, fix=missing_fix)
    if isinstance(exc, IsADirectoryError):
        return is_a_directory(path, option=option)
    return TermlockError(_prefixed(option, f"cannot read: {exc.strerror}"), path=path, fix="check the path and that the file is readable")


def open_input(
    path: str | os.PathLike[str], option: str | None = None, *, stdin: bool = True, missing_fix: str = "check the path"
) -> BinaryIO:
    """A binary handle on an input file (stdin's buffer for ``-``), or the one error for why not.

    ``stdin=False``: an input that is always a file (a term list, a
    document), where ``-`` is just a name. ``missing_fix``: what to do about
    a missing file where the context knows more than "check the path".
    """
    name = os.fspath(path)
    if name == STDIN and stdin:
        return sys.stdin.buffer
    try:
        return open(name, "rb", buffering=_BUFFER)
    except OSError as exc:
        raise _unreadable(name, option, exc, missing_fix) from None


def read_input(
    path: str | os.PathLike[str], option: str | None = None, *, stdin: bool = True, missing_fix: str = "check the path"
) -> bytes:
    """The bytes of an input file (``-`` = stdin unless ``stdin=False``), or the one error for why not."""
    name = os.fspath(path)
    handle = open_input(name, option, stdin=stdin, missing_fix=missing_fix)
    try:
        return handle.read()
    except OSError as exc:  # an I/O error, or a folder on systems that open one
        raise _unreadable(shown_name(name), option, exc) from None
    finally:
        if handle is not sys.stdin.buffer:
            handle.close()


def _utf8_error(data: bytes, exc: UnicodeDecodeError, path: str, option: str | None, first_line: int) -> TermlockError:
    """The one message for bytes that are not UTF-8: the byte, its line and column, and the fix."""
    line_start = data.rfind(b"\n", 0, exc.start) + 1
    column = len(data[line_start : exc.start].decode("utf-8", "replace")) + 1  # in characters, as an editor counts
    return TermlockError(
        _prefixed(option, f"not UTF-8 (byte 0x{data[exc.start]:02x} at column {column})"),
        path=path,
        line=first_line + data.count(b"\n", 0, exc.start),
        fix=UTF8_FIX,
    )


def decode_utf8(data: bytes, path: str, option: str | None = None) -> str:
    """A whole file's bytes as text: UTF-8, a leading byte-order mark dropped.

    ``path`` (as shown) and ``option`` only name the file in the error. A
    file that is no text at all (a PDF, an old .doc, an .odt, RTF, UTF-16:
    :mod:`termlock.filekinds`) is named for what it is, with its fix.
    """
    refuse_binary(path, data[:HEAD_BYTES], option)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _utf8_error(data, exc, path, option, 1) from None
    return text[1:] if text.startswith("\ufeff") else text


def split_segments(text: str) -> list[str]:
    """The segments of a text, one per line (the rules in the module docstring)."""
    if not text:
        return []
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    if "\r" in text:
        lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    return lines


def read_segments(path: str | os.PathLike[str], option: str | None = None) -> list[str]:
    """The segments of a UTF-8 file (``-`` = stdin), one per line."""
    name = os.fspath(path)
    return split_segments(decode_utf8(read_input(name, option), shown_name(name), option))


class SegmentReader:
    """The segments of one UTF-8 file (``-`` = stdin), one per line, read lazily in blocks.

    Exactly :func:`read_segments`'s segments, holding one block at a time.
    Iterating is the one pass over the file (iterating again continues
    where the last iteration stopped); ``count`` is the number of segments
    read so far: those yielded and the rest of their block (counted by
    block, not line by line: a million lines cost no million additions);
    once the iteration ends, all of them.
    """

    def __init__(self, path: str | os.PathLike[str], option: str | None = None) -> None:
        self.path = os.fspath(path)
        self.option = option
        self.name = shown_name(self.path)
        self.count = 0
        self._handle = open_input(self.path, option)
        self._owned = self.path != STDIN
        self._lines = self._read()

    def __iter__(self) -> Iterator[str]:
        return self._lines

    def _read(self) -> Iterator[str]:
        # A block ends at its last newline, so every line in it is whole and
        # a UTF-8 error is found in the line it is in; what follows waits for
        # the next block.
        handle = self._handle
        try:
            rest: list[bytes] = []  # a line still waiting for its newline, in pieces
            head = b""
            first = True
            while True:
                block = handle.read(BLOCK_SIZE)
                end = not block
                if first:  # the file's kind is told and a byte-order mark dropped once the first bytes are in
                    head += block
                    if not end and len(head) < HEAD_BYTES:
                        continue
                    refuse_binary(self.name, head[:HEAD_BYTES], self.option)
                    first = False
                    block = head[len(_BOM) :] if head.startswith(_BOM) else head
                cut = block.rfind(b"\n") + 1
                if cut:
                    rest.append(block[:cut])
                    lines = self._decode(b"".join(rest))
                    rest = [block[cut:]]
                    self.count += len(lines)
                    yield from lines
                else:
                    rest.append(block)
                if end:
                    break
            if any(rest):
                lines = self._decode(b"".join(rest))
                self.count += len(lines)
                yield from lines
        except OSError as exc:
            raise _unreadable(self.name, self.option, exc) from None
        finally:
            self.close()

    def _decode(self, data: bytes) -> list[str]:
        """The segments of a block of whole lines (no byte-order mark: that is only at the file's start)."""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _utf8_error(data, exc, self.name, self.option, self.count + 1) from None
        return split_segments(text)

    def close(self) -> None:
        if self._owned:
            self._handle.close()
