"""A whole document as paragraphs, for document-level checking.

Document-level checking (``termlock check --granularity document``) does
not need source and target to be aligned, only their text: this module
reads a document into its paragraphs whatever the format (``.docx`` through
python-docx, ``.md`` through markdown-it-py, anything else as UTF-8 text).
In a text file, paragraphs are separated by blank lines when there are
any (lines inside one are joined, with a space unless both sides are
Chinese), else each line is one.
"""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

from termlock.errors import TermlockError

DOCX = (".docx", ".docm")
MARKDOWN = (".md", ".markdown")


def _decode(data: bytes, path: str) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TermlockError(
            f"not UTF-8 (byte 0x{data[exc.start]:02x})", path=path, line=data.count(b"\n", 0, exc.start) + 1,
            fix="save the file as UTF-8 (e.g. iconv -f GB18030 -t UTF-8)",
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


def _join(lines: list[str]) -> str:
    out = ""
    for line in lines:
        if out and not (_wide(out[-1]) and _wide(line[0])):
            out += " "
        out += line
    return out


def text_paragraphs(text: str) -> list[str]:
    """Paragraphs of plain text (see the module docstring)."""
    lines = [line.strip() for line in text.split("\n")]
    if not any(not line for line in lines[:-1]) or all(lines):
        return [line for line in lines if line]
    paragraphs, block = [], []
    for line in lines + [""]:
        if line:
            block.append(line)
        elif block:
            paragraphs.append(_join(block))
            block = []
    return paragraphs


def read_paragraphs(path: str | os.PathLike[str]) -> list[str]:
    """The paragraphs of a document file, by its extension."""
    name = os.fspath(path)
    if not os.path.exists(name):
        raise TermlockError("no such file", path=name, fix="check the path")
    if os.path.isdir(name):
        raise TermlockError("is a directory, not a file", path=name, fix="give a document file")
    suffix = Path(name).suffix.lower()
    if suffix in DOCX:
        from termlock.documents.docx import docx_paragraphs

        return docx_paragraphs(name)
    try:
        data = Path(name).read_bytes()
    except OSError as exc:
        raise TermlockError(f"cannot read: {exc.strerror}", path=name, fix="check the permissions") from None
    text = _decode(data, name)
    if suffix in MARKDOWN:
        from termlock.documents.markdown import markdown_paragraphs

        return markdown_paragraphs(text)
    return text_paragraphs(text)
