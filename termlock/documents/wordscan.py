"""The paragraphs of a WordprocessingML part that hold text, found in one streamed pass.

A Word part can be huge while its text is small (a million empty
paragraphs, a page of tables of empty cells), so the part is never built
into a tree. expat (C, in the standard library) reads it a chunk at a time
with byte offsets; only the bytes of each outermost ``<w:p>`` that holds
something to read (text, a field, a text box, an equation) are kept, with
the namespace declarations in force there, for :mod:`termlock.documents.wordruns`
to read as a small tree. Memory follows the text, time the size of the
part. The offsets let a translated paragraph replace exactly its own bytes
(:func:`splice`), so every byte outside translated paragraphs is written back
as it was.

A part with a DOCTYPE or an entity declaration is refused: OOXML has none,
and entities can grow without bound.
"""

from __future__ import annotations

import xml.parsers.expat as expat
from dataclasses import dataclass
from typing import Iterable, Iterator, Sequence

from termlock.errors import TermlockError

W_TRANSITIONAL = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W_STRICT = "http://purl.oclc.org/ooxml/wordprocessingml/main"
MATH = "http://schemas.openxmlformats.org/officeDocument/2006/math"
MATH_STRICT = "http://purl.oclc.org/ooxml/officeDocument/math"

_W_NAMES = (W_TRANSITIONAL, W_STRICT)
_PARAGRAPH = frozenset(f"{ns} p" for ns in _W_NAMES)
#: what makes a paragraph worth reading (expat names: "namespace localname")
_WORTH_READING = frozenset(
    [f"{ns} {name}" for ns in _W_NAMES for name in ("t", "instrText", "fldChar", "fldSimple", "txbxContent", "object", "ruby")]
    + [f"{ns} {name}" for ns in (MATH, MATH_STRICT) for name in ("oMath", "oMathPara")]
)
_ALT_CHUNK = frozenset(f"{ns} altChunk" for ns in _W_NAMES)

_FIX = "open the document in Word and save it again (a tool wrote a damaged part)"


@dataclass(frozen=True)
class ParagraphBytes:
    """An outermost paragraph of a part: ``data`` = the part's bytes ``[start, end)``.

    ``namespaces``: the ``(prefix, uri)`` declarations in force at the
    paragraph (prefix None: the default namespace), to read it on its own.
    """

    start: int
    end: int
    data: bytes
    namespaces: tuple[tuple[str | None, str], ...]


@dataclass
class PartCounts:
    """What a scan saw outside paragraphs that is not read (named in reports)."""

    alt_chunks: int = 0


class _Refused(Exception):
    def __init__(self, error: TermlockError) -> None:
        self.error = error


class _Scanner:
    def __init__(self, part: str, path: str, counts: PartCounts) -> None:
        self.part = part
        self.path = path
        self.counts = counts
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.StartNamespaceDeclHandler = self.declare
        parser.EndNamespaceDeclHandler = self.undeclare
        parser.StartDoctypeDeclHandler = self.doctype
        parser.EntityDeclHandler = self.entity
        self.parser = parser
        self.scopes: dict[str | None, list[str]] = {}
        self.buffer = bytearray()
        self.base = 0  # offset in the part of buffer[0]
        self.depth = 0  # paragraphs open (text boxes nest them)
        self.start_at = 0
        self.worth = False
        self.namespaces: tuple[tuple[str | None, str], ...] = ()
        self.in_force: tuple[tuple[str | None, str], ...] | None = ()  # None: declarations changed since
        self.safe = 0  # nothing still needed begins before this offset
        self.found: list[ParagraphBytes] = []

    # expat handlers --------------------------------------------------------

    def declare(self, prefix: str | None, uri: str) -> None:
        self.scopes.setdefault(prefix, []).append(uri)
        self.in_force = None

    def undeclare(self, prefix: str | None) -> None:
        stack = self.scopes.get(prefix)
        if stack:
            stack.pop()
        self.in_force = None

    def doctype(self, *args: object) -> None:
        raise _Refused(TermlockError(
            f"{self.part} has a DOCTYPE, which no Word part has (and which could expand entities without bound)",
            path=self.path, fix=_FIX,
        ))

    def entity(self, *args: object) -> None:
        raise _Refused(TermlockError(f"{self.part} declares entities, which no Word part does", path=self.path, fix=_FIX))

    def start(self, name: str, attrs: object) -> None:
        if name in _PARAGRAPH:
            if not self.depth:
                self.start_at = self.parser.CurrentByteIndex
                self.worth = False
                if self.in_force is None:
                    self.in_force = tuple((prefix, uris[-1]) for prefix, uris in self.scopes.items() if uris)
                self.namespaces = self.in_force
            self.depth += 1
        elif self.depth:
            if name in _WORTH_READING:
                self.worth = True
        else:
            self.safe = self.parser.CurrentByteIndex
            if name in _ALT_CHUNK:
                self.counts.alt_chunks += 1

    def end(self, name: str) -> None:
        if name not in _PARAGRAPH:
            if not self.depth:
                self.safe = self.parser.CurrentByteIndex
            return
        self.depth -= 1
        if self.depth:
            return
        at = self.parser.CurrentByteIndex
        if self.worth:  # at: the '<' of "</w:p>" (an end tag has no attributes: its first '>' ends it)
            local = at - self.base
            stop = self.buffer.index(b">", local) + 1
            start = self.start_at - self.base
            self.found.append(ParagraphBytes(self.start_at, stop + self.base, bytes(self.buffer[start:stop]), self.namespaces))
        self.safe = at

    # feeding ---------------------------------------------------------------

    def feed(self, chunk: bytes, final: bool = False) -> list[ParagraphBytes]:
        self.buffer += chunk
        try:
            self.parser.Parse(chunk, final)
        except expat.ExpatError as exc:
            raise TermlockError(
                f"not well-formed XML in {self.part} (line {exc.lineno}, column {exc.offset}): "
                f"{expat.ErrorString(exc.code)}",
                path=self.path,
                fix=_FIX,
            ) from None
        except _Refused as refused:
            raise refused.error from None
        keep = self.start_at if self.depth else self.safe
        if keep > self.base:
            del self.buffer[: keep - self.base]
            self.base = keep
        found, self.found = self.found, []
        return found


def scan_paragraph_batches(
    chunks: Iterable[bytes], part: str, path: str, counts: PartCounts | None = None
) -> Iterator[list[ParagraphBytes]]:
    """The outermost ``<w:p>`` of the part worth reading, in document order, a chunk's worth at a time."""
    scanner = _Scanner(part, path, counts if counts is not None else PartCounts())
    fed = False
    for chunk in chunks:
        fed = True
        found = scanner.feed(chunk)
        if found:
            yield found
    if not fed:
        raise TermlockError(f"{part} is empty", path=path, fix=_FIX)
    found = scanner.feed(b"", final=True)
    if found:
        yield found


def scan_paragraphs(chunks: Iterable[bytes], part: str, path: str, counts: PartCounts | None = None) -> Iterator[ParagraphBytes]:
    """Every outermost ``<w:p>`` of the part worth reading, in document order, as it is reached."""
    for batch in scan_paragraph_batches(chunks, part, path, counts):
        yield from batch


def splice(chunks: Iterable[bytes], edits: Sequence[tuple[int, int, bytes]]) -> Iterator[bytes]:
    """The part's bytes with each ``[start, end)`` of ``edits`` (sorted, disjoint) replaced."""
    position = 0  # offset in the part of the current chunk's first byte
    pending = iter(edits)
    edit = next(pending, None)
    skip_to = 0  # bytes before this offset are inside a replaced span
    for chunk in chunks:
        chunk_end = position + len(chunk)
        cursor = max(position, skip_to)
        while edit is not None and edit[0] < chunk_end:
            start, end, replacement = edit
            if start > cursor:
                yield chunk[cursor - position : start - position]
            yield replacement
            cursor = max(cursor, end)
            skip_to = end
            edit = next(pending, None)
        if cursor < chunk_end:
            yield chunk[cursor - position :]
        position = chunk_end
