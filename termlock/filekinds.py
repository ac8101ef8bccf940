"""What a file that is not UTF-8 text is, told by its first bytes or its name, and what to do about it.

Users hand termlock what a client sent: a PDF, an old Word ``.doc``, a
LibreOffice ``.odt``, an RTF, a UTF-16 text saved by Notepad. Read as
UTF-8 lines these gave "not UTF-8 (fix: iconv -f GB18030 ...)", advice
that cannot work for a PDF, and an RTF (plain ASCII markup) was even
translated as text. Every reader of text input asks :func:`refuse_binary`
first, and choosing a format by name asks :func:`kind_by_name`, so a file
gets the same one line from ``check``, ``translate`` and every engine: what
it is and how to get text or a ``.docx`` out of it.

Layer 0: the document stores, the line readers and the jobs all read
input files and may not import each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from termlock.errors import TermlockError

#: bytes enough to recognise every kind below (an ODF package names its type at offset 38)
HEAD_BYTES = 128

_CONVERT = "soffice --headless --convert-to docx FILE"


@dataclass(frozen=True)
class FileKind:
    """A kind of file termlock does not read as text: the message that names it, and the fix."""

    message: str
    fix: str


OLD_WORD = FileKind(
    "an old binary Word .doc, not a .docx",
    f"open it in Word or LibreOffice and save it as .docx ({_CONVERT}); termlock reads .docx",
)
OLE = FileKind(
    "an old binary Office file (or a password-protected one), not text",
    f"save it as .docx without a password ({_CONVERT}), or its text as UTF-8 .txt",
)
PDF = FileKind(
    "a PDF document, not text",
    "translate or check the document the PDF was made from (.docx, .md, .html, .txt), "
    "or extract its text first (pdftotext -layout FILE FILE.txt)",
)
ODT = FileKind("an OpenDocument text (.odt), not a .docx", f"save it as .docx ({_CONVERT}); termlock reads .docx")
OPEN_DOCUMENT = FileKind(
    "an OpenDocument spreadsheet or presentation, not text",
    "export its text as UTF-8 .txt (one segment per line) or save it as .docx",
)
ZIP = FileKind(
    "a ZIP package (a Word, Excel or OpenDocument file, or an archive), not text",
    "a Word document needs the .docx extension (or --format docx); anything else: unpack it or export its text as UTF-8",
)
RTF = FileKind("an RTF document, not text", f"save it as .docx ({_CONVERT}) or as UTF-8 text")
UTF16 = FileKind("UTF-16 text, not UTF-8", "convert it: iconv -f UTF-16 -t UTF-8 FILE > FILE.utf8")
UTF32 = FileKind("UTF-32 text, not UTF-8", "convert it: iconv -f UTF-32 -t UTF-8 FILE > FILE.utf8")
GZIP = FileKind("a gzip-compressed file, not text", "decompress it first (gunzip -k FILE)")

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ODF_MIMETYPE = b"mimetypeapplication/vnd.oasis.opendocument."

#: what an extension names, for readers chosen by name before any byte is read
_BY_EXTENSION = {".doc": OLD_WORD, ".dot": OLD_WORD, ".pdf": PDF, ".odt": ODT, ".ott": ODT, ".rtf": RTF}


def kind_by_name(name: str) -> FileKind | None:
    """The kind a file's extension names (``.doc``, ``.pdf``, ``.odt``, ``.rtf``), or None."""
    return _BY_EXTENSION.get(Path(name).suffix.lower())


def kind_of(head: bytes, name: str = "") -> FileKind | None:
    """The kind of a file from its first bytes (:data:`HEAD_BYTES` suffice), or None for anything else.

    The name only tells an old Word ``.doc`` from other OLE files; a PDF
    named ``.txt`` is still a PDF.
    """
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return UTF32
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return UTF16
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(_OLE_MAGIC):
        return OLD_WORD if kind_by_name(name) is OLD_WORD else OLE
    if head.startswith(b"{\\rtf"):
        return RTF
    if head.startswith(b"PK\x03\x04"):
        if head[30:].startswith(_ODF_MIMETYPE):
            return ODT if head[30 + len(_ODF_MIMETYPE) :].startswith(b"text") else OPEN_DOCUMENT
        return ZIP
    if head.startswith(b"\x1f\x8b"):
        return GZIP
    return None


def binary_error(kind: FileKind, path: str, option: str | None = None, also: str = "") -> TermlockError:
    """The one error for a file of ``kind``: ``[OPTION: ]message (fix: ...)``; ``also`` adds to the fix."""
    prefix = f"{option}: " if option else ""
    return TermlockError(prefix + kind.message, path=path, fix=kind.fix + (f", {also}" if also else ""))


def refuse_binary(path: str, head: bytes | None = None, option: str | None = None) -> None:
    """Raise the one error when the input is not text: by its first bytes when given, else by its name."""
    kind = kind_of(head, path) if head is not None else kind_by_name(path)
    if kind is not None:
        raise binary_error(kind, path, option)
