"""Segment stores: read any supported file into units, write it back atomically.

The runner and the CLI only see :class:`Store`; the format is chosen by
:func:`detect_format`, the one rule every command uses: ``--format`` when
given; else an XML file's root element (``<xliff>``, ``<tmx>``: a ``.txlf``
is XLIFF, an ``.xlf`` holding a TMX is a TMX; a Wordfast ``.txml``, a TBX
or any other declared XML is refused with what to do instead, never read
line by line); else the extension. Plain text is the fallback, so
``corpus.zh`` or stdin just work.

Built-in formats register themselves when their module is imported; XML
formats (XLIFF, TMX) need lxml, Parquet needs pyarrow and the whole-document
formats (Word .docx, Markdown, HTML; :mod:`termlock.documents.document_base`)
their parsers, so they are imported only when asked for.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from pathlib import Path

from termlock.documents.base import FORMATS, Store, Unit, register, write_atomically
from termlock.errors import TermlockError
from termlock.filekinds import refuse_binary
from termlock.inputs import read_input, shown_name

__all__ = [
    "FORMATS",
    "bilingual_kind_of",
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

#: formats whose files are read as XML by their root element: an XML file is one of them whatever its name
_XML_ROOTS = {"xliff": "xliff", "tmx": "tmx"}
#: formats an extension may name that the content decides instead (XML is no text; an .xlf may hold a TMX)
_DECIDED_BY_CONTENT = frozenset({"text", "xliff", "tmx"})
#: bytes enough to see past an XML declaration, a DOCTYPE and comments to the root element
_HEAD_BYTES = 8192

#: XML that other tools write and termlock does not read, by root element: what it is, and what to do instead
_FOREIGN_XML = {
    "txml": ("a Wordfast Pro TXML file (not XLIFF), which termlock does not read",
             "open it in Wordfast Pro and export it as XLIFF (.txlf), then pass that"),
    "martif": ("a TBX termbase, not a file of segments", "pass it as --glossary (or import it: termlock glossary import)"),
    "tbx": ("a TBX termbase, not a file of segments", "pass it as --glossary (or import it: termlock glossary import)"),
}

_XML_DECLARATION = re.compile(r"\s*<\?xml[\s?]")
_PROLOG_ITEM = re.compile(r"\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]*|[^\[>]*\[.*?\]\s*)>", re.DOTALL)
_ROOT = re.compile(r"<(?:[A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)[\s/>]")

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


def _decoded_head(head: bytes) -> str:
    """The first bytes of a file as text, whatever its byte-order mark (UTF-8 or UTF-16), errors dropped."""
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            return head[len(bom):].decode(codec, errors="ignore")
    if head.startswith(b"<\x00"):
        return head.decode("utf-16-le", errors="ignore")
    if head.startswith(b"\x00<"):
        return head.decode("utf-16-be", errors="ignore")
    return head.decode("utf-8", errors="ignore")


def xml_root(head: bytes) -> tuple[bool, str | None]:
    """Whether ``head`` (a file's first bytes) starts with an XML declaration, and its root element's local name."""
    text = _decoded_head(head)
    declared = bool(_XML_DECLARATION.match(text))
    pos = 0
    while True:
        match = _PROLOG_ITEM.match(text, pos)
        if not match or match.end() == pos:
            break
        pos = match.end()
    root = _ROOT.match(text, pos)
    return declared, (root.group(1) if root else None)


def _head_of(path: str) -> bytes:
    """The first bytes of a regular file ('' for anything else: the reader reports a missing file, a FIFO is
    not read twice)."""
    try:
        if not os.path.isfile(path):
            return b""
        with open(path, "rb") as handle:
            return handle.read(_HEAD_BYTES)
    except OSError:
        return b""


def _by_content(path: str, head: bytes, named: str | None) -> str | None:
    """The format an XML file's root element decides, None when the content decides nothing; refuses XML no
    format of termlock reads (a Wordfast TXML, a TBX, any other declared XML)."""
    declared, root = xml_root(head)
    if root in _XML_ROOTS:
        return _XML_ROOTS[root]
    if root in _FOREIGN_XML:
        message, fix = _FOREIGN_XML[root]
        raise TermlockError(message, path=path, fix=fix)
    if declared and named not in ("xliff", "tmx"):  # (a broken XLIFF or TMX is for its own reader to name)
        raise TermlockError(
            f"an XML file with root element <{root or '?'}>, not a format termlock reads",
            path=path,
            fix="pass XLIFF or TMX (export it from the tool that made it); to translate its lines as text "
            "anyway, pass --format text",
        )
    return None


def detect_format(path: str, fmt: str | None = None, *, head: bytes | None = None) -> str:
    """The format for ``path``: the one rule every command (translate, check, every engine) uses.

    ``fmt`` (``--format``) when given; else, for a name that says text,
    XLIFF, TMX or nothing, the content: an XML file's root element
    (``<xliff>`` whatever the name, ``.txlf`` included; ``<tmx>``), XML of
    another kind refused with what to do (:data:`_FOREIGN_XML`); else the
    extension; else text. A name that says the file is not text (``.doc``,
    ``.pdf``, ``.odt``, ``.rtf``: :func:`termlock.filekinds.kind_by_name`) is
    refused with what it is and how to convert it; the text reader checks the
    bytes too. ``head``: the file's first bytes when the caller has them
    (else they are read here).
    """
    if fmt:
        name = _ALIASES.get(fmt.lower(), fmt.lower())
        _load(name)
        return name
    if path == STDIO:
        return "text"
    refuse_binary(path)
    return _by_name_and_content(path, head)


def _by_name_and_content(path: str, head: bytes | None) -> str:
    """:func:`detect_format` without ``--format``: the root element of an XML file, else the extension, else text."""
    named = _by_extension(path)
    if named is None or named in _DECIDED_BY_CONTENT:
        decided = _by_content(path, _head_of(path) if head is None else head[:_HEAD_BYTES], named)
        if decided is not None:
            return decided
    return named or "text"


def bilingual_kind_of(path: str, head: bytes | None = None) -> str | None:
    """'xliff' or 'tmx' when ``path`` is a bilingual CAT file by :func:`detect_format`'s rule, else None.

    A file that is no text at all (a PDF...) is left to the reader that
    names it with the option it was passed as.
    """
    if path == STDIO:
        return None
    kind = _by_name_and_content(path, head)
    return kind if kind in _XML_ROOTS else None


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
    store_cls = _load(detect_format(name, fmt, head=data))
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
