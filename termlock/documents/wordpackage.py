"""A Word (.docx) package opened safely: what is in the zip, read within limits.

A .docx is a zip of XML parts. Before anything is parsed the package is
checked, so that a bad file is one clear line (exit 2) and never a
traceback or a machine brought to its knees:

* an OLE compound file is an old binary ``.doc`` or a password-protected
  (encrypted) Word document, and each is named as such;
* a zip whose members unpack to more than :data:`MAX_UNPACKED` bytes in all,
  or that has more than :data:`MAX_MEMBERS` members, is refused from its
  directory alone, before anything is decompressed (a zip bomb); zipfile
  itself never reads a member past its declared size, so the directory
  cannot lie its way around the limit;
* every member is read once (CRC checked) when the package is opened, so a
  damaged file fails before a model is loaded, not after the translation.

Parts are read as a stream of chunks (:meth:`WordPackage.chunks`), so a
large part is never held whole, and a new package with some parts replaced
is written member by member (:meth:`WordPackage.rewrite`), keeping every
other member's bytes, name, order, date and compression.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
import zlib
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from termlock.errors import TermlockError

#: most bytes all members may unpack to (a real 500-page report is tens of MB)
MAX_UNPACKED = 1 << 30
#: most members a package may hold
MAX_MEMBERS = 20_000
#: bytes read from a member at a time
CHUNK = 1 << 20

#: how an OLE compound file (.doc, .xls, an encrypted Office file) starts
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: the stream an encrypted Office document keeps its package in (UTF-16 name)
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")

RELATIONSHIPS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_DOCUMENT = "officeDocument"

_SAVE_AS_DOCX = "open it in Word or LibreOffice and save it as .docx (soffice --headless --convert-to docx FILE)"


@dataclass(frozen=True)
class Relationship:
    """One ``<Relationship>`` of a part: its id, type (the URI's last segment) and target part name."""

    id: str
    type: str
    target: str
    external: bool


def _refuse_ole(data: bytes, path: str) -> None:
    if not data.startswith(OLE_MAGIC):
        return
    if _ENCRYPTED_STREAM in data:
        raise TermlockError(
            "a password-protected (encrypted) Word document; termlock cannot read it",
            path=path,
            fix="open it in Word, remove the password (File > Info > Protect Document) and save it again",
        )
    raise TermlockError("an old binary Word .doc (or another OLE file), not a .docx", path=path, fix=_SAVE_AS_DOCX)


class WordPackage:
    """The zip of a .docx, checked (see the module docstring); ``path`` names it in messages."""

    def __init__(self, data: bytes, path: str) -> None:
        self.path = path
        self.data = data
        _refuse_ole(data, path)
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
            raise TermlockError(f"not a Word .docx package ({exc})", path=path, fix=_SAVE_AS_DOCX) from None
        infos = self.zip.infolist()
        if len(infos) > MAX_MEMBERS:
            raise TermlockError(
                f"the package holds {len(infos):,} members, more than the limit of {MAX_MEMBERS:,}",
                path=path,
                fix="save the document again from Word (this is not what Word writes)",
            )
        unpacked = sum(info.file_size for info in infos)
        if unpacked > MAX_UNPACKED:
            raise TermlockError(
                f"the package unpacks to {unpacked:,} bytes, more than the limit of {MAX_UNPACKED:,} "
                f"(from {len(data):,} bytes: a zip bomb?)",
                path=path,
                fix="check where the file came from; a real Word document is far smaller unpacked",
            )
        self._infos = {info.filename: info for info in infos}
        for info in infos:
            if info.flag_bits & 0x1:
                raise TermlockError(
                    f"the package member {info.filename} is encrypted", path=path,
                    fix="save the document again from Word without a password",
                )
        if "[Content_Types].xml" not in self._infos:
            raise TermlockError("a zip file, but not a Word package (no [Content_Types].xml)", path=path, fix=_SAVE_AS_DOCX)

    # ------------------------------------------------------------------ reading

    def names(self) -> list[str]:
        return list(self._infos)

    def has(self, name: str) -> bool:
        return name in self._infos

    def chunks(self, name: str) -> Iterator[bytes]:
        """The bytes of member ``name``, a chunk at a time (CRC checked at the end)."""
        try:
            with self.zip.open(self._infos[name]) as stream:
                while True:
                    chunk = stream.read(CHUNK)
                    if not chunk:
                        return
                    yield chunk
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
            raise TermlockError(
                f"damaged package: the member {name} cannot be read ({exc})",
                path=self.path,
                fix="save the document again from Word (the file was cut short or changed on the way)",
            ) from None

    def read(self, name: str) -> bytes:
        """A small member whole (relationships, styles)."""
        return b"".join(self.chunks(name))

    def verify(self) -> None:
        """Read every member once, so a damaged package fails now, not after the translation."""
        for name in self._infos:
            for _ in self.chunks(name):
                pass

    def main_part(self) -> str:
        """The main document part (``word/document.xml`` in every package Word writes)."""
        for rel in self.relationships(""):
            if rel.type == OFFICE_DOCUMENT and not rel.external and self.has(rel.target):
                return rel.target
        if self.has("word/document.xml"):
            return "word/document.xml"
        raise TermlockError("not a Word document (the package has no main document part)", path=self.path, fix=_SAVE_AS_DOCX)

    def relationships(self, part: str) -> list[Relationship]:
        """The relationships of ``part`` ('' for the package), targets resolved to part names."""
        folder, base = posixpath.split(part)
        rels_name = posixpath.join(folder, "_rels", base + ".rels") if part else "_rels/.rels"
        if not self.has(rels_name):
            return []
        from termlock.xmlsafe import parse_xml

        root = parse_xml(self.read(rels_name), f"{self.path}:{rels_name}", kind="relationships XML", fix=_SAVE_AS_DOCX).getroot()
        out = []
        for element in root.iter(f"{{{RELATIONSHIPS_NS}}}Relationship"):
            target = element.get("Target") or ""
            external = element.get("TargetMode") == "External"
            if not external:
                target = posixpath.normpath(target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target))
            out.append(Relationship(element.get("Id") or "", (element.get("Type") or "").rsplit("/", 1)[-1], target, external))
        return out

    # ------------------------------------------------------------------ writing

    def rewrite(self, replacements: dict[str, Callable[[Iterable[bytes]], Iterable[bytes]]]) -> bytes:
        """A new package: member ``name`` becomes ``replacements[name](its chunks)``, the rest as they were."""
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", allowZip64=True) as target:
            for info in self.zip.infolist():
                clone = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                clone.compress_type = info.compress_type
                clone.external_attr = info.external_attr
                clone.create_system = info.create_system
                clone.comment = info.comment
                chunks: Iterable[bytes] = self.chunks(info.filename)
                if info.filename in replacements:
                    chunks = replacements[info.filename](chunks)
                with target.open(clone, "w", force_zip64=info.file_size >= 0xFFFFFFFF) as member:
                    for chunk in chunks:
                        member.write(chunk)
            target.comment = self.zip.comment
        return out.getvalue()
