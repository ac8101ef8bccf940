"""Glossary import and export: TBX, CSV/TSV, XLSX and termlock's YAML.

``import_glossary(path)`` reads any of them into a validated
:class:`~termlock.glossary.Glossary` (the same checks as a YAML glossary:
problems name the imported file and its line or row);
``export_glossary(glossary, path)`` writes one. The format comes from the
extension unless ``fmt`` is given:

=============  =========================================================
fmt            extensions
=============  =========================================================
``yaml``       .yaml .yml
``tbx``        .tbx .tbxm .xml (import: either generation; export: 2008)
``tbx2008``    TBX 2008 ``<martif>`` (export)
``tbx2019``    TBX 2019 ``<tbx>`` (export)
``csv``        .csv
``tsv``        .tsv .tab .txt
``xlsx``       .xlsx .xlsm
``json``       .json (import only: ``{source: [targets]}``, first target canonical)
=============  =========================================================

TBX export defaults to the 2008 generation because that is what CAT tools
(memoQ, MultiTerm converters, Phrase, translate-toolkit) import today.
"""

from __future__ import annotations

from pathlib import Path

from dataclasses import replace

from termlock.errors import TermlockError
from termlock.fileio import write_atomically
from termlock.glossary.formats.finish import finish_import
from termlock.glossary.loader import load_glossary_text
from termlock.glossary.model import Glossary
from termlock.glossary.writer import glossary_to_yaml
from termlock.inputs import decode_utf8, read_input

FORMATS = ("yaml", "tbx", "tbx2008", "tbx2019", "csv", "tsv", "xlsx", "json")

_BY_EXTENSION = {
    ".yaml": "yaml",
    ".yml": "yaml",
    ".tbx": "tbx",
    ".tbxm": "tbx",
    ".xml": "tbx",
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".txt": "tsv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".json": "json",  # import only: a plain {source: [targets]} dictionary
}


def detect_format(path: str | Path, fmt: str | None = None) -> str:
    """The glossary format named by ``fmt`` or by the file extension."""
    if fmt:
        key = fmt.lower().lstrip(".")
        if key not in FORMATS:
            raise TermlockError(
                f"unknown glossary format {fmt!r}",
                fix=f"use one of: {', '.join(FORMATS)}",
            )
        return key
    suffix = Path(path).suffix.lower()
    if suffix not in _BY_EXTENSION:
        raise TermlockError(
            f"cannot tell the glossary format from the extension {suffix or '(none)'!r}",
            path=str(path),
            fix="use .yaml, .tbx, .csv, .tsv, .xlsx or .json, or pass --format",
        )
    return _BY_EXTENSION[suffix]


def import_glossary(
    path: str | Path,
    fmt: str | None = None,
    *,
    source_lang: str | None = None,
    target_lang: str | None = None,
    name: str | None = None,
) -> Glossary:
    """Read a glossary in any supported format and validate it.

    ``source_lang``/``target_lang`` pick the languages of a multilingual TBX
    (default: Chinese and English); ``name`` overrides the glossary name.
    Raises TermlockError (GlossaryError for content problems) naming the
    file and line.
    """
    path = str(path)
    data = read_input(path, stdin=False)  # a missing, folder or unreadable file: the reader's one error
    kind = detect_format(path, fmt)
    if kind == "yaml":
        glossary = load_glossary_text(decode_utf8(data, path), path)
    else:
        if kind.startswith("tbx"):
            from termlock.glossary.formats.tbx import read_tbx

            glossary = read_tbx(data, path, source_lang=source_lang, target_lang=target_lang)
        elif kind == "json":
            from termlock.glossary.term_lists import read_term_dict

            glossary = read_term_dict(path)
        elif kind in {"csv", "tsv"}:
            from termlock.glossary.formats.tabular import read_table

            glossary = read_table(data, path, fmt=kind)
        else:
            from termlock.glossary.formats.xlsx import read_xlsx

            glossary = read_xlsx(data, path)
        glossary = finish_import(glossary, path=path)
    if name:
        glossary = replace(glossary, name=name)
    return glossary


def export_glossary(glossary: Glossary, path: str | Path, fmt: str | None = None) -> None:
    """Write ``glossary`` to ``path`` (atomically) in the format asked for."""
    path = str(path)
    kind = detect_format(path, fmt)
    write_atomically(path, glossary_bytes(glossary, kind, where=path))


def glossary_bytes(glossary: Glossary, fmt: str, *, where: str = "output") -> bytes:
    """The bytes of ``glossary`` in format ``fmt`` (see :data:`FORMATS`)."""
    kind = detect_format(where, fmt)
    if kind == "json":
        raise TermlockError("JSON term dictionaries can be imported, not exported", path=where, fix="export to .yaml, .tbx, .csv, .tsv or .xlsx")
    if kind == "yaml":
        return glossary_to_yaml(glossary).encode("utf-8")
    if kind.startswith("tbx"):
        from termlock.glossary.formats.tbx import tbx_bytes

        return tbx_bytes(glossary, version="2019" if kind == "tbx2019" else "2008")
    if kind in {"csv", "tsv"}:
        from termlock.glossary.formats.tabular import table_bytes

        return table_bytes(glossary, fmt=kind, where=where)
    from termlock.glossary.formats.xlsx import xlsx_bytes

    return xlsx_bytes(glossary, where=where)
