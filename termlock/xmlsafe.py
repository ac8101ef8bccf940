"""Safe XML parsing and faithful re-serialisation for the CAT-tool formats.

XLIFF, TMX and TBX files come from outside (clients, CAT tools), so they are
parsed with lxml set up to never fetch anything from the network and never
expand entities (no XXE, no billion laughs). Bilingual files also go back to
the CAT tool, where a diff a reviewer did not cause is noise or worse, so
writing keeps the original prolog (byte-order mark, XML declaration,
comments, doctype) byte for byte, the file's encoding (UTF-16 included) and
its line ends (CRLF stays CRLF), and leaves the rest to lxml's serialiser.

Real CAT files carry whole documents in one text node (Trados keeps the
original, base64, in ``<internal-file>``), beyond libxml2's 10 MB default
for a text node: such a file is parsed again with that limit lifted, up to
:data:`MAX_HUGE_XML_BYTES`, and only when it declares no entities at all
(termlock never expands entities anyway, and a lifted limit must not widen
the door to an expansion attack).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from lxml import etree

from termlock.errors import TermlockError

#: characters XML 1.0 cannot hold (control characters, lone surrogates, U+FFFE/U+FFFF): dropped or refused
#: before text goes into an XML file, by every writer alike
NOT_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

XML_NS = "http://www.w3.org/XML/1998/namespace"
XML_LANG = f"{{{XML_NS}}}lang"


#: the largest XML file parsed with libxml2's text-node limit lifted (real SDLXLIFF files with an
#: embedded original document reach tens of megabytes; this is well above them)
MAX_HUGE_XML_BYTES = 1 << 30

#: what libxml2 says when a text node (or the nesting) passes its default limits
_HUGE_LIMIT = "XML_PARSE_HUGE"


def xml_parser(*, huge: bool = False) -> etree.XMLParser:
    """A parser that cannot reach the network or expand entities (``huge``: no 10 MB text-node limit)."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=huge,
        strip_cdata=False,
        remove_blank_text=False,
        remove_comments=False,
        remove_pis=False,
    )


def parse_xml(data: bytes, path: str, *, kind: str, fix: str) -> etree._ElementTree:
    """Parse ``data`` or raise a TermlockError naming the file and the line.

    ``kind`` ("XLIFF", "TMX", "TBX") and ``fix`` make the message actionable.
    """
    if not data.strip():
        raise TermlockError(f"empty file, expected {kind}", path=path, fix=fix)
    try:
        try:
            root = etree.fromstring(data, xml_parser())
        except etree.XMLSyntaxError as exc:
            if _HUGE_LIMIT not in (exc.msg or ""):
                raise
            _refuse_huge(data, path, kind, exc)
            root = etree.fromstring(data, xml_parser(huge=True))
    except etree.XMLSyntaxError as exc:
        raise TermlockError(
            f"not well-formed {kind}: {exc.msg}",
            path=path,
            line=exc.lineno or None,
            fix=fix,
        ) from None
    if root is None:  # pragma: no cover - lxml raises for empty documents
        raise TermlockError(f"no root element, expected {kind}", path=path, fix=fix)
    refuse_entity_references(root, path)
    return root.getroottree()


#: an entity declaration in UTF-8 (or any ASCII-compatible encoding) and in UTF-16
_ENTITY_DECLARATIONS = (b"<!ENTITY", "<!ENTITY".encode("utf-16-le"), "<!ENTITY".encode("utf-16-be"))


def _refuse_huge(data: bytes, path: str, kind: str, exc: etree.XMLSyntaxError) -> None:
    """A document past libxml2's default limits is parsed without them only when it is bounded and declares no entity."""
    if len(data) > MAX_HUGE_XML_BYTES:
        raise TermlockError(
            f"{kind} file of {len(data) >> 20} MiB with a text node over 10 MB: more than termlock parses "
            f"({MAX_HUGE_XML_BYTES >> 20} MiB)",
            path=path,
            fix="split the file in the CAT tool (or export it without the embedded original document)",
        )
    if any(mark in data for mark in _ENTITY_DECLARATIONS):
        raise TermlockError(
            f"{kind} file with a text node over 10 MB that also declares entities: termlock lifts the size "
            "limit only for documents without entity declarations",
            path=path,
            line=exc.lineno or None,
            fix="export the file again from the CAT tool (real exports declare no entities)",
        )


def refuse_entity_references(root: etree._Element, path: str) -> None:
    """Refuse text that only an entity declaration could complete.

    The parser never expands entities (they can read local files, reach the
    network or grow without bound), so ``&term;`` declared in the DTD would
    silently vanish from a segment: a source term the check never sees, a
    forbidden rendering that passes, a TBX term kept as the literal
    reference. Such a document is refused with the first reference named.
    (Character references such as ``&#x53CC;`` and the five predefined
    entities need no declaration and are read as usual.)
    """
    for reference in root.iter(etree.Entity):
        raise TermlockError(
            f"entity reference {reference.text} needs expansion from the document's DTD, "
            "which termlock never does (entities can read files or grow without bound)",
            path=path,
            line=reference.sourceline,
            fix=f"replace {reference.text} with the text it stands for (the CAT tool's export does this)",
        )


def local_name(element: etree._Element) -> str:
    """Tag without namespace; comments and PIs give ''."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def namespace(element: etree._Element) -> str:
    tag = element.tag
    if isinstance(tag, str) and tag.startswith("{"):
        return tag[1:].split("}", 1)[0]
    return ""


def text_content(element: etree._Element | None) -> str:
    """All text inside ``element`` (children included), '' for None."""
    if element is None:
        return ""
    return "".join(element.itertext())


@dataclass(frozen=True)
class _Frame:
    """What lxml does not write back as the file had it: the prolog, the trailing whitespace, the encoding, the line end."""

    prolog: bytes
    epilogue: bytes
    codec: str
    newline: str

    def encode(self, text: str) -> bytes:
        if self.newline != "\n":
            text = text.replace("\n", self.newline)
        return text.encode(self.codec, errors="xmlcharrefreplace")


_PROLOG_ITEM = re.compile(
    r"""\s+
      | <\?.*?\?>
      | <!--.*?-->
      | <!DOCTYPE(?:[^\[>]*|[^\[>]*\[.*?\]\s*)>""",
    re.DOTALL | re.VERBOSE,
)

#: byte-order marks and the codec that reads what follows them
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


def _codec_of(original: bytes, declared: str) -> tuple[bytes, str] | None:
    """The byte-order mark (or b"") and the Python codec of the bytes after it; None when Python has no such codec."""
    for bom, codec in _BOMS:
        if original.startswith(bom):
            return bom, codec
    if original.startswith(b"<\x00"):
        return b"", "utf-16-le"
    if original.startswith(b"\x00<"):
        return b"", "utf-16-be"
    try:
        return b"", codecs.lookup(declared).name
    except LookupError:
        return None


def _frame(original: bytes, encoding: str) -> _Frame | None:
    """Split the original into the prolog before the root element and the whitespace after it, in its own
    encoding and line end; None when Python cannot decode it (then lxml writes the whole document itself)."""
    found = _codec_of(original, encoding)
    if found is None:
        return None
    bom, codec = found
    try:
        text = original[len(bom):].decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None
    pos = 0
    while True:
        match = _PROLOG_ITEM.match(text, pos)
        if not match or match.end() == pos:
            break
        pos = match.end()
    first_line_end = text.find("\n")
    newline = "\r\n" if first_line_end > 0 and text[first_line_end - 1] == "\r" else "\n"
    stripped = text.rstrip()
    return _Frame(
        prolog=bom + text[:pos].encode(codec),
        epilogue=text[len(stripped):].encode(codec),
        codec=codec,
        newline=newline,
    )


def serialize_like(tree: etree._ElementTree, original: bytes) -> bytes:
    """Serialise ``tree`` keeping ``original``'s prolog, trailing whitespace, encoding and line ends.

    Everything from the root element on is lxml's serialisation: unchanged
    elements come out as they went in, except that lxml may reorder namespace
    declarations before attributes and write empty elements as ``<x/>``.
    The parser turned every CRLF into LF (as XML requires), so a file whose
    lines end in CRLF gets CRLF back throughout, not only in its prolog.
    """
    encoding = tree.docinfo.encoding or "UTF-8"
    frame = _frame(original, encoding)
    root = tree.getroot()
    if frame is None:
        return etree.tostring(tree, encoding=encoding, xml_declaration=True)
    body = etree.tostring(root, encoding="unicode", with_tail=False)
    tail = "".join(etree.tostring(sibling, encoding="unicode", with_tail=False) for sibling in root.itersiblings())
    return frame.prolog + frame.encode(body + tail) + frame.epilogue


def insert_after(anchor: etree._Element, element: etree._Element) -> None:
    """Insert ``element`` as the next sibling of ``anchor``, indented like it.

    In a pretty-printed file the whitespace after ``anchor`` is the indent of
    whatever follows (or of the parent's closing tag), so the new element
    takes over that tail and ``anchor`` gets the indent that precedes it.
    """
    previous = anchor.getprevious()
    parent = anchor.getparent()
    indent = previous.tail if previous is not None else (parent.text if parent is not None else None)
    element.tail = anchor.tail
    anchor.addnext(element)
    if indent is not None and not indent.strip() and anchor.tail is not None and not anchor.tail.strip():
        anchor.tail = indent


def insert_before(anchor: etree._Element, element: etree._Element) -> None:
    """Insert ``element`` as the previous sibling of ``anchor``, indented like it.

    The whitespace before ``anchor`` now precedes ``element``, and
    ``element`` is followed by the same whitespace, so ``anchor`` keeps its
    indent.
    """
    previous = anchor.getprevious()
    parent = anchor.getparent()
    indent = previous.tail if previous is not None else (parent.text if parent is not None else None)
    anchor.addprevious(element)
    element.tail = indent if indent is not None and not indent.strip() else None


def _indent_of(element: etree._Element) -> str | None:
    """The indentation before ``element`` (what follows the last line break before it), None if it has none."""
    previous = element.getprevious()
    parent = element.getparent()
    space = previous.tail if previous is not None else (parent.text if parent is not None else None)
    if space is None or space.strip() or "\n" not in space:
        return None
    return space.rsplit("\n", 1)[1]


def _step(tree_element: etree._Element) -> str:
    """One level of the file's indentation, as an element and its first child show it (two spaces if none does)."""
    for element in tree_element.getroottree().getroot().iter():
        children = [child for child in element if isinstance(child.tag, str)]
        if not children:
            continue
        outer, inner = _indent_of(element), _indent_of(children[0])
        if outer is not None and inner is not None and inner.startswith(outer) and len(inner) > len(outer):
            return inner[len(outer):]
    return "  "


def append_child(parent: etree._Element, element: etree._Element) -> None:
    """Append ``element`` to ``parent``, indented like its other children (or one level deeper than ``parent``)."""
    children = list(parent)
    if children:
        insert_after(children[-1], element)
        return
    parent.append(element)
    own = _indent_of(parent)
    if own is not None and not (parent.text or "").strip():
        parent.text = "\n" + own + _step(parent)
        element.tail = "\n" + own
