"""Bilingual files (XLIFF, TMX) as source/target pairs for ``termlock check``.

A QA reviewer receives one bilingual file from the CAT tool, not aligned
source and target text files; these helpers give the checker the pairs and
their unit ids, and carry its findings back into the XLIFF as notes.
"""

from __future__ import annotations

from pathlib import Path

from termlock.errors import TermlockError
from termlock.documents.base import Unit
from termlock.documents.tmx import TmxStore
from termlock.documents.xliff import XliffStore, annotate_xliff

__all__ = ["annotate_xliff", "bilingual_format", "read_bilingual"]

_XLIFF_EXTENSIONS = frozenset(XliffStore.extensions)


def bilingual_format(path: str, data: bytes | None = None) -> str:
    """'xliff' or 'tmx', from the extension or else from the root element."""
    suffix = Path(path).suffix.lower()
    if suffix in _XLIFF_EXTENSIONS:
        return "xliff"
    if suffix == ".tmx":
        return "tmx"
    head = (data or b"")[:4096].lower()
    if b"<xliff" in head:
        return "xliff"
    if b"<tmx" in head:
        return "tmx"
    raise TermlockError(
        "not a bilingual file termlock knows",
        path=path,
        fix="pass an XLIFF (.xlf, .xliff, .sdlxliff, .mqxliff) or TMX (.tmx) file",
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
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise TermlockError(f"cannot read file: {exc.strerror}", path=path, fix="check the path") from None
    if bilingual_format(path, data) == "xliff":
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
