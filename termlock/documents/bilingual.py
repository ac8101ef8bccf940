"""Bilingual files (XLIFF, TMX) as source/target pairs for ``termlock check``.

A QA reviewer receives one bilingual file from the CAT tool, not aligned
source and target text files; these helpers give the checker the pairs and
their unit ids, and carry its findings back into the XLIFF as notes.
"""

from __future__ import annotations

from termlock.documents import bilingual_kind_of
from termlock.errors import TermlockError
from termlock.documents.base import Unit
from termlock.documents.segment_fields import SOURCE, TARGET, FieldReader, field_format
from termlock.documents.tmx import TmxStore
from termlock.documents.xliff import XliffStore, annotate_xliff
from termlock.inputs import decode_utf8, read_input, split_segments

__all__ = ["annotate_xliff", "bilingual_format", "read_bilingual"]

def bilingual_format(path: str, data: bytes | None = None) -> str:
    """'xliff', 'tmx', or 'jsonl'/'tsv' (a translated line file): the line formats by extension, the rest by
    :func:`termlock.documents.detect_format`'s rule (an XML file by its root element, whatever its name)."""
    line_format = field_format(path)
    if line_format is not None:
        return line_format
    kind = bilingual_kind_of(path, data)
    if kind is not None:
        return kind
    raise TermlockError(
        "not a bilingual file termlock knows",
        path=path,
        fix="pass an XLIFF (.xlf, .xliff, .sdlxliff, .mqxliff), TMX (.tmx), or translated JSONL/TSV file",
    )


def read_bilingual(
    path: str,
    *,
    include_untranslated: bool = False,
    source_lang: str | None = None,
    target_lang: str | None = None,
) -> list[Unit]:
    """Units of an XLIFF or TMX file with their source and target text.

    Units with no translation yet are left out unless
    ``include_untranslated`` (then their target is ``""``): a checker would
    otherwise count every term of an unfinished file as missing.
    """
    data = read_input(path, stdin=False)
    kind = bilingual_format(path, data)
    if kind in ("jsonl", "tsv"):
        units = _line_units(data, path, kind)
    elif kind == "xliff":
        units = XliffStore.parse(data, path).units
    else:
        units = TmxStore.parse(data, path, source_lang=source_lang, target_lang=target_lang).units
    result: list[Unit] = []
    for unit in units:
        if unit.target is None:
            if not include_untranslated or not unit.source:
                continue
            unit.target = ""
        result.append(unit)
    return result


def _line_units(data: bytes, path: str, fmt: str) -> list[Unit]:
    """A translated JSONL (``source``/``target`` fields, ``id``) or TSV (columns 1 and 2) as units.

    What ``termlock translate`` writes for JSONL and TSV input; a line with no
    translation yet is an untranslated unit (target None), as in XLIFF.
    """
    lines = split_segments(decode_utf8(data, path))
    read_source = FieldReader(fmt, SOURCE, path, "--bilingual")
    read_target = FieldReader(fmt, TARGET, path, "--bilingual", missing_ok=True)
    units = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        source, unit_id = read_source(number, line)
        target, _ = read_target(number, line)
        units.append(Unit(id=unit_id if unit_id is not None else str(number), source=source or "", target=target or None))
    return units
