"""Segment stores: read any supported file into units, write it back atomically.

The runner and the CLI only see :class:`Store`; the format is chosen by the
file's extension, or by ``--format`` when the extension says nothing (or is
wrong). Plain text is the fallback, so ``corpus.zh`` or stdin just work.

Built-in formats register themselves when their module is imported; XML
formats (XLIFF, TMX) need lxml, Parquet needs pyarrow and the whole-document
formats (Word .docx, Markdown, HTML; :mod:`termlock.documents.document_base`)
their parsers, so they are imported only when asked for.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

from termlock.documents.base import FORMATS, Store, Unit, register, write_atomically
from termlock.errors import TermlockError
from termlock.filekinds import refuse_binary
from termlock.inputs import read_input, shown_name

__all__ = [
    "FORMATS",
    "Store",
    "Unit",
    "STDIO",
    "detect_format",
    "format_names",
    "read_input",
    "read_store",
    "refuse_format_mismatch",
    "register",
    "write_atomically",
    "write_store",
]

#: path meaning stdin (input) or stdout (output)
STDIO = "-"

#: modules whose import registers a format, by format name
_BUILTIN = {
    "text": "termlock.documents.text",
    "jsonl": "termlock.documents.jsonl",
    "tsv": "termlock.documents.tsv",
    "xliff": "termlock.documents.xliff",
    "tmx": "termlock.documents.tmx",
    "docx": "termlock.documents.docx",
    "markdown": "termlock.documents.markdown",
    "html": "termlock.documents.html_document",
    "parquet": "termlock.documents.parquet",
}

#: extensions of the lazily imported formats, so detection needs no import
_LAZY_EXTENSIONS = {
    ".xlf": "xliff",
    ".xliff": "xliff",
    ".sdlxliff": "xliff",
    ".mqxliff": "xliff",
    ".mxliff": "xliff",
    ".tmx": "tmx",
    ".docx": "docx",
    ".docm": "docx",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".parquet": "parquet",
    ".pq": "parquet",
}

#: format names accepted by --format besides the registry's own
_ALIASES = {"txt": "text", "plain": "text", "ndjson": "jsonl", "xlf": "xliff", "md": "markdown", "htm": "html", "word": "docx"}


def _load(name: str) -> type[Store]:
    if name not in FORMATS:
        module = _BUILTIN.get(name)
        if module is None:
            raise TermlockError(f"unknown format {name!r}", fix=f"use one of: {', '.join(format_names())}")
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name == module:
                raise TermlockError(
                    f"format {name!r} is not available in this installation",
                    fix=f"use one of: {', '.join(n for n in format_names() if n in FORMATS)}",
                ) from None
            raise
    return FORMATS[name]


def format_names() -> list[str]:
    """Every format name ``--format`` accepts."""
    return sorted(set(_BUILTIN) | set(FORMATS))


def _by_extension(path: str) -> str | None:
    suffix = Path(path).suffix.lower()
    if not suffix:
        return None
    for name, cls in FORMATS.items():
        if suffix in cls.extensions:
            return name
    for name in ("text", "jsonl", "tsv"):
        if suffix in _load(name).extensions:
            return name
    return _LAZY_EXTENSIONS.get(suffix)


def detect_format(path: str, fmt: str | None = None) -> str:
    """The format for ``path``: ``fmt`` when given, else by extension, else text.

    A name that says the file is not text (``.doc``, ``.pdf``, ``.odt``,
    ``.rtf``: :func:`termlock.filekinds.kind_by_name`) is refused with what
    it is and how to convert it; the text reader checks the bytes too.
    """
    if fmt:
        name = _ALIASES.get(fmt.lower(), fmt.lower())
        _load(name)
        return name
    if path == STDIO:
        return "text"
    refuse_binary(path)
    return _by_extension(path) or "text"


def known_format_of(path: str) -> str | None:
    """The format a path's extension names, or None when it names none."""
    if path == STDIO:
        return None
    return _by_extension(path)


def refuse_format_mismatch(output: str, fmt: str, named: str | None = None) -> None:
    """OUT is written back in the input's format ``fmt``: an extension naming another format is refused.

    ``named``: the format OUT's extension names, when the caller knows more
    formats than the registry (Parquet shards); else read from ``output``.
    """
    named = known_format_of(output) if named is None else named
    if named is not None and named != fmt:
        raise TermlockError(
            f"OUT's extension means {named}, but the input is read as {fmt} and is written back as {fmt}",
            path=output,
            fix=f"give OUT an extension that fits {fmt} (or none), or pass --format",
        )


def read_store(path: str | os.PathLike[str], fmt: str | None = None, *, data: bytes | None = None) -> Store:
    """Parse ``path`` (``-`` = stdin) as ``fmt`` or the format its extension names.

    ``data`` lets a caller that already read the bytes (to hash them) avoid a
    second read, which matters for stdin.
    """
    name = os.fspath(path)
    store_cls = _load(detect_format(name, fmt))
    raw = read_input(name) if data is None else data
    return store_cls.parse(raw, shown_name(name))


def write_store(store: Store, path: str | os.PathLike[str]) -> None:
    """Write ``store`` to ``path`` atomically, or to stdout for ``-``."""
    name = os.fspath(path)
    if name == STDIO:
        sys.stdout.buffer.write(store.serialize())
        sys.stdout.buffer.flush()
        return
    store.write(name)


# the line-based formats are cheap and always available
for _name in ("text", "jsonl", "tsv"):
    _load(_name)
