"""Word (.docx) documents: every visible word read, translated in place, the rest of the package kept.

Read in this order, each paragraph once: the body (paragraphs, every table
cell once whatever its merging, nested tables, content controls, text
boxes after the paragraph that anchors them), then every header and footer
(default, first page, even pages), footnotes, endnotes and comments. What a
paragraph's text is, and how a translation goes back into its runs, is
:mod:`termlock.documents.wordruns`; how the package is opened safely,
:mod:`termlock.documents.wordpackage`; how paragraphs are found without
building a tree of the part, :mod:`termlock.documents.wordscan`.

Named as not read (in check and translate reports): equations, embedded
objects, charts, SmartArt diagrams, imported chunks (``w:altChunk``),
phonetic guides, hidden text and tracked deletions.

Writing: only the bytes of paragraphs whose translation differs from their
text are replaced, each part is streamed from the original package into the
new one, and every other member is copied as it was; a document in which
nothing changed is written back byte for byte.
"""

from __future__ import annotations

import posixpath
from collections import Counter
from functools import lru_cache
from dataclasses import dataclass, field
from typing import Iterator
from xml.sax.saxutils import quoteattr

from lxml import etree

from termlock.documents.base import Unit, register
from termlock.documents.document_base import DocumentStore, DocumentText, NotRead, not_read_from
from termlock.documents.wordpackage import WordPackage
from termlock.documents.wordruns import ParagraphReader, WordParagraph, fill_paragraph
from termlock.documents.wordscan import W_TRANSITIONAL, ParagraphBytes, PartCounts, scan_paragraph_batches, splice
from termlock.documents.wordstyles import HiddenText
from termlock.errors import TermlockError
from termlock.xmlsafe import xml_parser

#: the parts read after the body, by relationship type, in reading order
_PART_ORDER = ("header", "footer", "footnotes", "endnotes", "comments")
#: related parts whose text is not read, by relationship type
_UNREAD_PARTS = {
    "chart": ("chart", "charts"),
    "diagramData": ("SmartArt diagram", "SmartArt diagrams"),
}
ALT_CHUNKS = ("imported chunk (w:altChunk)", "imported chunks (w:altChunk)")
_WRAPPER = b"termlock-paragraph"


@dataclass
class _Span:
    """The bytes of one outermost paragraph of a part and the units read from it."""

    part: str
    paragraph: ParagraphBytes
    fields: tuple[str, ...]  # complex fields open where it begins
    units: list[int | None] = field(default_factory=list)  # per paragraph read from it (text boxes after)


@lru_cache(maxsize=64)
def _declarations(namespaces: tuple[tuple[str | None, str], ...]) -> bytes:
    return b"".join(
        (b" xmlns=" if prefix is None else b" xmlns:" + prefix.encode("utf-8") + b"=") + quoteattr(uri).encode("utf-8")
        for prefix, uri in namespaces
    )


def _wrap(paragraph: ParagraphBytes, path: str, part: str) -> etree._Element:
    """The paragraph's bytes as a small tree, under a wrapper declaring the part's namespaces."""
    return _wrap_many([paragraph], path, part)[0].getparent()


def _wrap_many(paragraphs: list[ParagraphBytes], path: str, part: str) -> list[etree._Element]:
    """Paragraphs that share their namespaces, parsed at once: their ``w:p`` elements, in order."""
    data = (b"<" + _WRAPPER + _declarations(paragraphs[0].namespaces) + b">" + b"".join(p.data for p in paragraphs)
            + b"</" + _WRAPPER + b">")
    try:
        wrapper = etree.fromstring(data, xml_parser())
    except etree.XMLSyntaxError as exc:
        raise TermlockError(f"not well-formed XML in {part}: {exc.msg}", path=path,
                            fix="open the document in Word and save it again") from None
    elements = [child for child in wrapper if isinstance(child.tag, str)]
    if len(elements) != len(paragraphs):  # pragma: no cover - the scanner cut each one out whole
        raise TermlockError(f"damaged paragraph markup in {part}", path=path, fix="open the document in Word and save it again")
    return elements


def _grouped(paragraphs: list[ParagraphBytes]) -> Iterator[list[ParagraphBytes]]:
    """Runs of paragraphs that share their namespace declarations (almost always: all of them)."""
    start = 0
    for index in range(1, len(paragraphs) + 1):
        if index == len(paragraphs) or paragraphs[index].namespaces != paragraphs[start].namespaces:
            yield paragraphs[start:index]
            start = index


def _unwrap(wrapper: etree._Element) -> bytes:
    data = etree.tostring(wrapper, encoding="UTF-8")
    return data[data.index(b">") + 1 : data.rindex(b"</")]


@dataclass
class WordReading:
    """A package read: its units, the paragraph spans (when kept for writing) and what was not read."""

    package: WordPackage
    units: list[Unit]
    spans: list[_Span]
    not_read: tuple[NotRead, ...]
    hidden: dict[str, HiddenText]
    #: the units' text (read without ``keep``: only this, no units)
    texts: list[str]


def _parts(package: WordPackage, main: str) -> Iterator[tuple[str, str]]:
    """``(label, part name)`` of every part read, in reading order."""
    yield "body", main
    relationships = package.relationships(main)
    seen = {main}
    for kind in _PART_ORDER:
        for rel in relationships:
            if rel.type == kind and not rel.external and rel.target not in seen and package.has(rel.target):
                seen.add(rel.target)
                stem = posixpath.splitext(posixpath.basename(rel.target))[0]
                yield (stem if kind in ("header", "footer") else kind), rel.target


def _hidden_text(package: WordPackage, main: str) -> dict[str, HiddenText]:
    """The style sheet's hidden-text rules, per WordprocessingML namespace (transitional or strict)."""
    styles = next((r.target for r in package.relationships(main) if r.type == "styles" and package.has(r.target)), None)
    data = package.read(styles) if styles else None
    return {ns: HiddenText(data, ns, f"{package.path}:{styles}") for ns in (W_TRANSITIONAL, "http://purl.oclc.org/ooxml/wordprocessingml/main")}


def _elements(package: WordPackage, part: str, path: str, counts: PartCounts) -> Iterator[tuple[ParagraphBytes, etree._Element]]:
    """Each paragraph worth reading and its element, parsed a chunk's worth at a time."""
    for batch in scan_paragraph_batches(package.chunks(part), part, path, counts):
        for group in _grouped(batch):
            yield from zip(group, _wrap_many(group, path, part))


def read_word(data: bytes, path: str, *, keep: bool = True) -> WordReading:
    """Read a .docx: units in reading order; ``keep`` keeps what writing a translation needs."""
    package = WordPackage(data, path)
    package.verify()
    main = package.main_part()
    hidden = _hidden_text(package, main)
    notes: Counter = Counter()
    counts = PartCounts()
    units: list[Unit] = []
    texts: list[str] = []
    spans: list[_Span] = []
    for label, part in _parts(package, main):
        reader: ParagraphReader | None = None
        number = 0
        for paragraph, element in _elements(package, part, path, counts):
            namespace = element.tag[1:].partition("}")[0]
            if reader is None:
                reader = ParagraphReader(hidden.get(namespace) or HiddenText(None, namespace), notes)
            fields = tuple(reader.fields)
            span = _Span(part, paragraph, fields)
            for item in reader.read(element):
                if not item.text:
                    span.units.append(None)
                    continue
                number += 1
                texts.append(item.text)
                if keep:
                    span.units.append(len(units))
                    units.append(Unit(id=f"{label}:{number}", source=item.text, meta={"part": part}))
            if keep and any(index is not None for index in span.units):
                spans.append(span)
        for rel in package.relationships(part):
            label_pair = _UNREAD_PARTS.get(rel.type)
            if label_pair is not None:
                notes[label_pair] += 1
    notes[ALT_CHUNKS] += counts.alt_chunks
    return WordReading(package, units, spans, not_read_from(sorted(notes.items(), key=lambda kv: kv[0][1])), hidden, texts)


def docx_document(data: bytes, path: str) -> DocumentText:
    """The paragraphs a checker reads from a .docx, and what it did not read."""
    reading = read_word(data, path, keep=False)
    return DocumentText(reading.texts, reading.not_read)


@register
class DocxStore(DocumentStore):
    """A Word document: one unit per paragraph with text (table cells, headers, footnotes, text boxes...)."""

    name = "docx"
    extensions = (".docx", ".docm")

    def __init__(self, reading: WordReading, path: str | None = None) -> None:
        super().__init__(reading.units, path, reading.not_read)
        self._reading = reading

    @classmethod
    def parse(cls, data: bytes, path: str) -> "DocxStore":
        return cls(read_word(data, path), path)

    def serialize(self) -> bytes:
        reading = self._reading
        if not any(self.changed(unit) for unit in self.units):
            return reading.package.data
        edits: dict[str, list[tuple[int, int, bytes]]] = {}
        for span in reading.spans:
            if not any(index is not None and self.changed(self.units[index]) for index in span.units):
                continue
            wrapper = _wrap(span.paragraph, reading.package.path, span.part)
            element = wrapper[0]
            namespace = element.tag[1:].partition("}")[0]
            reader = ParagraphReader(reading.hidden.get(namespace) or HiddenText(None, namespace), None, list(span.fields))
            paragraphs: list[WordParagraph] = reader.read(element)
            for item, index in zip(paragraphs, span.units):
                if index is not None and self.changed(self.units[index]):
                    fill_paragraph(item, self.units[index].target, self.term_judge(self.units[index]))
            edits.setdefault(span.part, []).append((span.paragraph.start, span.paragraph.end, _unwrap(wrapper)))
        return reading.package.rewrite({part: (lambda chunks, e=part_edits: splice(chunks, e)) for part, part_edits in edits.items()})
