"""Safe XML parsing and faithful re-serialisation for the CAT-tool formats.

XLIFF, TMX and TBX files come from outside (clients, CAT tools), so they are
parsed with lxml set up to never fetch anything from the network and never
expand entities (no XXE, no billion laughs). Bilingual files also go back to
the CAT tool, where a diff a reviewer did not cause is noise or worse, so
writing keeps the original prolog (byte-order mark, XML declaration,
comments, doctype) byte for byte and leaves the rest to lxml's serialiser.
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


def xml_parser() -> etree.XMLParser:
    """A parser that cannot reach the network or expand entities."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
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
        root = etree.fromstring(data, xml_parser())
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
    prolog: bytes
    epilogue: bytes
    encoding: str


_PROLOG_ITEM = re.compile(
    rb"""\s+
      | <\?.*?\?>
      | <!--.*?-->
      | <!DOCTYPE(?:[^\[>]*|[^\[>]*\[.*?\]\s*)>""",
    re.DOTALL | re.VERBOSE,
)


def _frame(original: bytes, encoding: str) -> _Frame | None:
    """Split the original bytes into the prolog before the root element and
    the whitespace after it; None when the file is not in an ASCII-compatible
    encoding (then lxml writes the whole document itself)."""
    try:
        if codecs.lookup(encoding).name not in {"utf-8", "ascii", "latin-1", "iso8859-1", "cp1252"}:
            return None
    except LookupError:
        return None
    pos = 0
    if original.startswith(codecs.BOM_UTF8):
        pos = len(codecs.BOM_UTF8)
    while True:
        match = _PROLOG_ITEM.match(original, pos)
        if not match or match.end() == pos:
            break
        pos = match.end()
    stripped = original.rstrip()
    epilogue = original[len(stripped):]
    return _Frame(prolog=original[:pos], epilogue=epilogue, encoding=encoding)


def serialize_like(tree: etree._ElementTree, original: bytes) -> bytes:
    """Serialise ``tree`` keeping ``original``'s prolog and trailing whitespace.

    Everything from the root element on is lxml's serialisation: unchanged
    elements come out as they went in, except that lxml may reorder namespace
    declarations before attributes and write empty elements as ``<x/>``.
    """
    encoding = tree.docinfo.encoding or "UTF-8"
    frame = _frame(original, encoding)
    root = tree.getroot()
    if frame is None:
        return etree.tostring(tree, encoding=encoding, xml_declaration=True)
    body = etree.tostring(root, encoding=encoding, xml_declaration=False, with_tail=False)
    tail = b"".join(
        etree.tostring(sibling, encoding=encoding, with_tail=False) for sibling in root.itersiblings()
    )
    return frame.prolog + body + tail + frame.epilogue


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
