"""CSV and TSV glossaries: one term per row, the columns of the YAML schema.

Header (any order, case-insensitive; only ``source`` and ``target`` are
required)::

    id, source, target, variants, forbidden, case_sensitive, exact, note

``source``, ``variants`` and ``forbidden`` hold several values separated by
``|`` (so a value cannot itself contain ``|``: export refuses such a
glossary rather than silently splitting a term). Booleans are ``true`` /
``false`` (also yes/no, 1/0; empty is false). The glossary's own fields
(name, languages) go in comment lines before the header, ``# name: ...``,
``# source_lang: zh``, ``# target_lang: en``; they are optional on import.
Unknown columns are an error, not silently dropped. Files are UTF-8 (a BOM,
as Excel writes, is accepted).

Spreadsheet-made tables are accepted as they come: the common headers
``Chinese,English``, ``zh,en``, ``中文,英文``, ``term,translation`` name the
source and target columns, and a CSV whose header is separated by ``;`` or
tabs (European Excel) is read that way, with a note saying so. A quote that
is never closed would swallow every following row into one cell: it is
refused with the line where it opens.

Spreadsheet injection: a cell starting with ``=``, ``+``, ``-``, ``@`` (or a
tab or carriage return) is run as a formula by a spreadsheet. Export writes
such a cell with a leading apostrophe, as the problems CSV does; one more
apostrophe is added to a cell that already starts with apostrophes before
such a character, and import removes exactly one, so the round trip is
lossless.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Iterable, Iterator

from termlock.errors import TermlockError
from termlock.glossary.formats.notices import notice
from termlock.glossary.formats.problems import ImportProblems
from termlock.glossary.model import Glossary, Term

COLUMNS = ("id", "source", "target", "variants", "forbidden", "case_sensitive", "exact", "note")
REQUIRED = ("source", "target")
MULTI = frozenset({"source", "variants", "forbidden"})
SEPARATOR = "|"
META_KEYS = ("name", "source_lang", "target_lang")

_TRUE = frozenset({"true", "yes", "y", "1"})
_FALSE = frozenset({"false", "no", "n", "0", ""})


#: Headers spreadsheets commonly use for the two required columns.
HEADER_ALIASES = {
    "chinese": "source", "zh": "source", "中文": "source", "源": "source", "source_term": "source", "term": "source",
    "english": "target", "en": "target", "英文": "target", "译文": "target", "target_term": "target",
    "translation": "target",
}  # fmt: skip
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def normalise_header(cell: str) -> str:
    name = "_".join(cell.strip().lower().replace("-", " ").split())
    return HEADER_ALIASES.get(name, name)


def escape_cell(value: str) -> str:
    """A cell a spreadsheet shows as text: an apostrophe before a formula start (see the module docstring)."""
    return "'" + value if value.lstrip("'").startswith(_FORMULA_START) else value


def unescape_cell(value: str) -> str:
    """The inverse of :func:`escape_cell`."""
    return value[1:] if value.startswith("'") and value.lstrip("'").startswith(_FORMULA_START) else value


def parse_bool(value: str) -> bool | None:
    key = value.strip().lower()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    return None


def split_multi(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(SEPARATOR) if part.strip())


def rows_to_glossary(
    rows: Iterable[tuple[int, list[str]]],
    path: str,
    *,
    default_name: str,
    what: str = "row",
) -> Glossary:
    """Build a glossary from ``(line, cells)`` rows: metadata, header, terms.

    ``line`` is the file line (CSV) or sheet row (XLSX) used in messages.
    """
    problems = ImportProblems(path)
    meta: dict[str, str] = {}
    header: list[str] | None = None
    header_line = 0
    terms: list[Term] = []
    for line, cells in rows:
        cells = [c if c is not None else "" for c in cells]
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            first = cells[0].strip()
            if first.startswith("#"):
                key, sep, value = first[1:].partition(":")
                if sep and key.strip() in META_KEYS:
                    meta[key.strip()] = value.strip()
                continue
            header = [normalise_header(c) for c in cells]
            while header and header[-1] == "":
                header.pop()
            header_line = line
            unknown = [h for h in header if h not in COLUMNS]
            if unknown:
                raise TermlockError(
                    f"unknown column {unknown[0]!r} in the header",
                    path=path,
                    line=line,
                    fix=f"use only the columns {', '.join(COLUMNS)}",
                )
            duplicates = {h for h in header if header.count(h) > 1}
            if duplicates:
                raise TermlockError(
                    f"column {sorted(duplicates)[0]!r} appears twice in the header", path=path, line=line,
                    fix="keep one column of each name",
                )
            missing = [c for c in REQUIRED if c not in header]
            if missing:
                raise TermlockError(
                    f"the header has no {missing[0]!r} column",
                    path=path,
                    line=line,
                    fix="the first row must name the columns, at least: source, target",
                )
            continue
        extra = [c for c in cells[len(header):] if c.strip()]
        if extra:
            problems.add(line, f"{what} has {len(cells)} cells but the header has {len(header)} columns",
                         "remove the extra cells or add a column name for them")
            continue
        record = {name: (cells[i] if i < len(cells) else "").strip() for i, name in enumerate(header)}
        term = _row_to_term(record, line, problems, what)
        if term is not None:
            terms.append(term)
    if header is None:
        raise TermlockError(
            "no header row",
            path=path,
            line=header_line or None,
            fix=f"start the table with a header row: {', '.join(COLUMNS)}",
        )
    problems.raise_if_any()
    return Glossary(
        name=meta.get("name") or default_name,
        terms=tuple(terms),
        source_lang=meta.get("source_lang") or "zh",
        target_lang=meta.get("target_lang") or "en",
        path=path,
    )


def _row_to_term(record: dict[str, str], line: int, problems: ImportProblems, what: str) -> Term | None:
    sources = split_multi(record.get("source", ""))
    target = record.get("target", "")
    ok = True
    if not sources:
        problems.add(line, f"{what} has an empty source", "fill in the Chinese term, or delete the row")
        ok = False
    if not target:
        problems.add(line, f"{what} has an empty target", "fill in the canonical English rendering")
        ok = False
    flags: dict[str, bool] = {}
    for column in ("case_sensitive", "exact"):
        value = parse_bool(record.get(column, ""))
        if value is None:
            problems.add(line, f"{column} must be true or false, not {record[column]!r}", "write true or false (or leave empty)")
            ok = False
        else:
            flags[column] = value
    if not ok:
        return None
    return Term(
        id=record.get("id", ""),
        sources=sources,
        target=target,
        variants=split_multi(record.get("variants", "")),
        forbidden=split_multi(record.get("forbidden", "")),
        case_sensitive=flags["case_sensitive"],
        exact=flags["exact"],
        note=record.get("note") or None,
        line=line,
    )


def glossary_rows(glossary: Glossary, *, where: str) -> Iterator[list[str]]:
    """Metadata-free rows: the header, then one row per term.

    Raises TermlockError when a multi-valued field holds a ``|`` that would
    split it on the way back (``where`` names the output in the message).
    """
    yield list(COLUMNS)
    for term in glossary.terms:
        for column, values in (("source", term.sources), ("variants", term.variants), ("forbidden", term.forbidden)):
            bad = next((v for v in values if SEPARATOR in v), None)
            if bad is not None:
                raise TermlockError(
                    f"term {term.id!r}: {column} value {bad!r} contains '|', the separator of {column} in tables",
                    path=where,
                    fix="export to YAML or TBX instead, or remove the '|' from the glossary entry",
                )
        yield [
            term.id,
            SEPARATOR.join(term.sources),
            term.target,
            SEPARATOR.join(term.variants),
            SEPARATOR.join(term.forbidden),
            "true" if term.case_sensitive else "false",
            "true" if term.exact else "false",
            term.note or "",
        ]


def meta_rows(glossary: Glossary) -> list[tuple[str, str]]:
    return [("name", glossary.name), ("source_lang", glossary.source_lang), ("target_lang", glossary.target_lang)]


# --------------------------------------------------------------- CSV / TSV


def _dialect(fmt: str) -> dict:
    return {"delimiter": "\t" if fmt == "tsv" else ",", "quotechar": '"', "lineterminator": "\n"}


def detect_delimiter(text: str, fmt: str) -> str:
    """The header line's delimiter: the one of , ; tab it holds most of (the format's own on a tie)."""
    default = "\t" if fmt == "tsv" else ","
    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or stripped.startswith('"#'):
            continue
        counts = {delimiter: line.count(delimiter) for delimiter in (default, ",", ";", "\t")}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] > counts[default] else default
    return default


_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}


def read_table(data: bytes, path: str, *, fmt: str) -> Glossary:
    """Parse CSV (``fmt="csv"``) or TSV (``fmt="tsv"``) bytes."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise TermlockError(
            "the file is not UTF-8",
            path=path,
            line=line,
            fix="save it as UTF-8 (in Excel: Save As > CSV UTF-8)",
        ) from None
    dialect = _dialect(fmt)
    delimiter = detect_delimiter(text, fmt)
    if delimiter != dialect["delimiter"]:
        dialect["delimiter"] = delimiter
        notice(f"{path}: read as {_DELIMITER_NAMES[delimiter]}-separated ({delimiter!r} in the header line)")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True, **dialect)
    columns = 0

    def rows() -> Iterator[tuple[int, list[str]]]:
        nonlocal columns
        start = 1
        try:
            for cells in reader:
                if not columns and cells and not cells[0].lstrip().startswith("#"):
                    columns = len(cells)
                _refuse_swallowed_rows(cells, start, columns, delimiter, path)
                yield start, [unescape_cell(cell) for cell in cells]
                start = reader.line_num + 1
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                raise TermlockError(
                    "a quote opened on this line is never closed: every following row would be read into one cell",
                    path=path, line=start, fix='close the quote (write "" for a quote inside a quoted cell)',
                ) from None
            raise TermlockError(f"malformed {fmt.upper()}: {exc}", path=path, line=reader.line_num,
                                fix="check the quoting on that line") from None

    return rows_to_glossary(rows(), path, default_name=Path(path).stem)


def _refuse_swallowed_rows(cells: list[str], line: int, columns: int, delimiter: str, path: str) -> None:
    """A quoted cell whose later lines look like whole rows: a quote closed far too late."""
    if columns < 2:
        return
    for cell in cells:
        if "\n" not in cell:
            continue
        rest = cell.split("\n")[1:]
        if any(part.count(delimiter) >= columns - 1 for part in rest if part.strip()):
            raise TermlockError(
                "a quoted cell on this line runs over the following rows (a quote that is not closed in time)",
                path=path, line=line, fix='close the quote on this line (write "" for a quote inside a quoted cell)',
            )


def table_bytes(glossary: Glossary, *, fmt: str, where: str = "output") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, **_dialect(fmt))
    for key, value in meta_rows(glossary):
        writer.writerow([f"# {key}: {value}"])  # one quoted cell whatever the name holds
    for number, row in enumerate(glossary_rows(glossary, where=where)):
        writer.writerow(row if number == 0 else [escape_cell(cell) for cell in row])
    return out.getvalue().encode("utf-8")
