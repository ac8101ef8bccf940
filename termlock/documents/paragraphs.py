"""A whole document as paragraphs, for document-level checking.

Document-level checking (``termlock check --granularity document``) does
not need source and target to be aligned, only their text. The paragraphs
of a Word, Markdown or HTML document are exactly the units ``termlock
translate`` translates (one reader per kind: :mod:`termlock.documents.docx`,
:mod:`termlock.documents.markdown`, :mod:`termlock.documents.html_document`),
with what that reader could not read named (:class:`DocumentText`).
Anything else is UTF-8 text: paragraphs are separated by blank lines when
there are any (lines inside one are joined, with a space unless both sides
are Chinese), else each line is one.
"""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path
from typing import Mapping

from termlock.documents.document_base import DocumentText
from termlock.errors import TermlockError
from termlock.filekinds import refuse_binary
from termlock.inputs import decode_utf8, read_input

DOCX = (".docx", ".docm")
MARKDOWN = (".md", ".markdown")
HTML = (".html", ".htm")
#: extensions that are whole documents, never one segment per line
DOCUMENT_EXTENSIONS = DOCX + MARKDOWN + HTML


def _decode(data: bytes, path: str) -> str:
    """The document's text (the one UTF-8 and byte-order-mark rule), every line end a ``\\n``.

    Unlike aligned segment files, prose has no alignment to keep, so an old
    Mac line end (a lone CR) ends a line here too.
    """
    return decode_utf8(data, path).replace("\r\n", "\n").replace("\r", "\n")


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


def _join(lines: list[str]) -> str:
    out = ""
    for line in lines:
        if out and not (_wide(out[-1]) and _wide(line[0])):
            out += " "
        out += line
    return out


def _text_blocks(lines: list[str]) -> list[tuple[int, int]]:
    """The ``(first, after last)`` line numbers of each paragraph of stripped ``lines``."""
    if not any(not line for line in lines[:-1]) or all(lines):
        return [(number, number + 1) for number, line in enumerate(lines) if line]
    blocks, start = [], None
    for number, line in enumerate(lines + [""]):
        if line and start is None:
            start = number
        elif not line and start is not None:
            blocks.append((start, number))
            start = None
    return blocks


def text_paragraphs(text: str) -> list[str]:
    """Paragraphs of plain text (see the module docstring)."""
    lines = [line.strip() for line in text.split("\n")]
    return [_join(lines[start:end]) for start, end in _text_blocks(lines)]


def revise_text(text: str, revisions: Mapping[int, str], path: str = "<text>") -> str:
    """``text`` with paragraphs replaced (index as :func:`text_paragraphs` counts them -> new text, one line each)."""
    lines = text.split("\n")
    blocks = _text_blocks([line.strip() for line in lines])
    for index in sorted(revisions, reverse=True):
        if not 0 <= index < len(blocks):
            raise TermlockError(f"no paragraph {index + 1} to revise ({len(blocks)} paragraphs)", path=path,
                                fix="revise paragraphs of this same document")
        start, end = blocks[index]
        lines[start:end] = [revisions[index]]
    return "\n".join(lines)


def revise_paragraphs(path: str, data: bytes, revisions: Mapping[int, str]) -> bytes:
    """A document's bytes with paragraphs replaced, in its own format (paragraphs as :func:`read_paragraphs` counts them).

    A Word, Markdown or HTML document goes through its store, the writer
    ``termlock translate`` uses: a paragraph is a unit, the new text its
    target, so its formatting (runs, links, emphasis) is kept around the
    new words and every paragraph not named keeps its bytes. Plain text:
    :func:`revise_text`, line endings and a byte-order mark kept.
    """
    suffix = Path(path).suffix.lower()
    if suffix in DOCUMENT_EXTENSIONS:
        store = _document_store(data, path)
        units = store.units
        for index, text in revisions.items():
            if not 0 <= index < len(units):
                raise TermlockError(f"no paragraph {index + 1} to revise ({len(units)} paragraphs)", path=path,
                                    fix="revise paragraphs of this same document")
            units[index].target = text
        return store.serialize()
    newline = "\r\n" if b"\r\n" in data else "\n"
    bom = "\ufeff" if data.startswith(b"\xef\xbb\xbf") else ""
    revised = revise_text(_decode(data, path), revisions, path)
    return (bom + revised.replace("\n", newline)).encode("utf-8")


def _document_store(data: bytes, path: str):  # noqa: ANN202 - a DocumentStore
    """The store of a Word, Markdown or HTML document (its units: the paragraphs :func:`document_text` reads)."""
    suffix = Path(path).suffix.lower()
    if suffix in DOCX:
        from termlock.documents.docx import DocxStore as store_class
    elif suffix in MARKDOWN:
        from termlock.documents.markdown import MarkdownStore as store_class
    else:
        from termlock.documents.html_document import HtmlStore as store_class
    return store_class.parse(data, path)


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    """A document file's bytes, with one clear line when it cannot be read."""
    name = os.fspath(path)
    return read_input(name, stdin=False)  # a missing, folder or unreadable path: the one error for each


def document_text(data: bytes, path: str) -> DocumentText:
    """The paragraphs of a document's bytes (``path``'s extension says which kind, and names it in messages)."""
    suffix = Path(path).suffix.lower()
    refuse_binary(path)  # .doc, .pdf, .odt, .rtf by name
    if suffix in DOCX:
        from termlock.documents.docx import docx_document

        return docx_document(data, path)
    if suffix in MARKDOWN:
        from termlock.documents.markdown import markdown_document

        return markdown_document(data, path)
    if suffix in HTML:
        from termlock.documents.html_document import HtmlStore

        return HtmlStore.parse(data, path).text()
    return DocumentText(text_paragraphs(_decode(data, path)))


def read_document(path: str | os.PathLike[str]) -> DocumentText:
    """The paragraphs of a document file and what was not read, by its extension."""
    name = os.fspath(path)
    return document_text(read_bytes(name), name)


def read_paragraphs(path: str | os.PathLike[str]) -> list[str]:
    """The paragraphs of a document file, by its extension."""
    return read_document(path).paragraphs
