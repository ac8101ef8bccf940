"""Paragraphs of a Word (.docx) document, read with python-docx.

A reviewer often receives the translation as a Word file whose paragraphs
do not line up with the source. Document-level checking needs only the text,
in reading order: body paragraphs and the paragraphs of table cells (a
merged cell once), headers and footers of each section after the body.
python-docx reads the OOXML package through lxml; it resolves no external
entities and runs nothing embedded in the file.
"""

from __future__ import annotations

import zipfile
from typing import Iterator

from termlock.errors import TermlockError


def _cell_paragraphs(table, seen: set[int]) -> Iterator[str]:
    for row in table.rows:
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell appears once per spanned grid cell
                continue
            seen.add(id(cell._tc))
            for block in cell.iter_inner_content():
                if hasattr(block, "rows"):
                    yield from _cell_paragraphs(block, seen)
                else:
                    yield block.text


def _blocks(container, seen: set[int]) -> Iterator[str]:
    for block in container.iter_inner_content():
        if hasattr(block, "rows"):  # a Table
            yield from _cell_paragraphs(block, seen)
        else:
            yield block.text


def docx_paragraphs(path: str) -> list[str]:
    """The non-empty paragraphs of ``path`` in reading order, whitespace-trimmed."""
    try:
        import docx
    except ModuleNotFoundError:  # pragma: no cover - a declared dependency
        raise TermlockError("reading .docx needs python-docx", path=path, fix="pip install python-docx") from None
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(path)
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise TermlockError(
            f"not a Word .docx document ({type(exc).__name__})", path=path,
            fix="save it from Word as .docx (not .doc), or give a .txt/.md export",
        ) from None
    seen: set[int] = set()
    texts = list(_blocks(document, seen))
    for section in document.sections:
        for part in (section.header, section.footer):
            if not part.is_linked_to_previous:
                texts.extend(_blocks(part, seen))
    return [" ".join(text.split()) for text in texts if text.strip()]
