"""XLSX glossaries, the spreadsheet QA staff keep their term lists in.

Sheet ``terms``: the same columns as CSV (see
:mod:`termlock.glossary.formats.tabular`), header in the first non-empty
row, one term per row, ``|`` between several sources/variants/forbidden
renderings. Sheet ``glossary`` (optional): ``name``, ``source_lang``,
``target_lang`` in column A with their values in column B. Without a
``terms`` sheet the first sheet whose header names ``source`` and ``target``
is used. Messages give the sheet row as the line.
"""

from __future__ import annotations

import datetime as _dt
import io
import zipfile
from pathlib import Path
from typing import Any, Iterator

from termlock.errors import TermlockError
from termlock.glossary.formats.tabular import META_KEYS, glossary_rows, meta_rows, normalise_header, rows_to_glossary
from termlock.glossary.model import Glossary

TERMS_SHEET = "terms"
META_SHEET = "glossary"


def _cell_text(value: Any) -> str:
    """Spreadsheet cells hold numbers, booleans and dates too: as text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    return str(value)


def read_xlsx(data: bytes, path: str) -> Glossary:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise TermlockError(
            f"not a readable XLSX workbook ({exc.__class__.__name__}: {exc})",
            path=path,
            fix="save the glossary from Excel or LibreOffice as .xlsx",
        ) from None
    try:
        sheet = _terms_sheet(book)
        if sheet is None:
            raise TermlockError(
                "no sheet with a header row naming 'source' and 'target'",
                path=path,
                fix=f"name the sheet {TERMS_SHEET!r} and start it with the header row: id, source, target, variants, ...",
            )
        meta = _meta(book)
        prefix = [(0, [f"# {key}: {value}"]) for key, value in meta.items()]

        def rows() -> Iterator[tuple[int, list[str]]]:
            yield from prefix
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, [_cell_text(v) for v in values]

        return rows_to_glossary(rows(), f"{path}[{sheet.title}]", default_name=Path(path).stem)
    finally:
        book.close()


def _terms_sheet(book):
    if TERMS_SHEET in book.sheetnames:
        return book[TERMS_SHEET]
    for sheet in book.worksheets:
        for values in sheet.iter_rows(values_only=True, max_row=20):
            cells = [normalise_header(_cell_text(v)) for v in values]
            if not any(cells):
                continue
            if "source" in cells and "target" in cells:
                return sheet
            break
    return None


def _meta(book) -> dict[str, str]:
    if META_SHEET not in book.sheetnames:
        return {}
    meta: dict[str, str] = {}
    for values in book[META_SHEET].iter_rows(values_only=True):
        cells = [_cell_text(v).strip() for v in values] + ["", ""]
        if cells[0] in META_KEYS and cells[1]:
            meta[cells[0]] = cells[1]
    return meta


def xlsx_bytes(glossary: Glossary, *, where: str = "output") -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils.exceptions import IllegalCharacterError

    book = Workbook()
    sheet = book.active
    sheet.title = TERMS_SHEET
    try:
        for row in glossary_rows(glossary, where=where):
            sheet.append(row)
    except IllegalCharacterError as exc:
        raise TermlockError(
            f"a glossary entry holds a control character a spreadsheet cannot store ({exc})",
            path=where,
            fix="remove control characters from the glossary",
        ) from None
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if cell.data_type == "f":  # text that merely starts with '=' is not a formula
                cell.data_type = "s"
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    widths = {"A": 24, "B": 24, "C": 32, "D": 32, "E": 32, "F": 14, "G": 8, "H": 48}
    for column, width in widths.items():
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=2, min_col=8, max_col=8):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    meta = book.create_sheet(META_SHEET)
    for key, value in meta_rows(glossary):
        meta.append([key, value])
    for row in meta.iter_rows():
        for cell in row:
            if cell.data_type == "f":  # a glossary named "=cmd|..." is text, never a formula
                cell.data_type = "s"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
