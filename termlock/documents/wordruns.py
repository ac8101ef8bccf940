"""A Word paragraph as inline tokens: its runs become codes, its visible text is read.

One reader for checking and translating (:mod:`termlock.documents.docx`):
the text of a paragraph is what a reader of the document sees, and a
translation goes back into the same runs. Runs, hyperlinks, tracked
insertions, simple fields, content controls, smart tags and custom XML are
*paired* codes around their text (:mod:`termlock.documents.inline`, as
XLIFF ``<g>``), so the model sees the whole paragraph, a term is never cut
by a formatting boundary, and the translation is put back into runs with
the same formatting: a run around a glossary term holds its rendering
(wherever the translation put it), the others keep their order. Everything
else is a standalone
code kept as it is:

* read: ``w:t`` in runs, in hyperlinks, insertions and moves (``w:ins``,
  ``w:moveTo``), simple fields (``w:fldSimple``) and the result of complex
  fields (between ``separate`` and ``end``), block and inline content
  controls, smart tags, custom XML; text boxes (DrawingML ``wps:txbx`` and
  VML ``v:textbox``) become paragraphs of their own, read after the one that
  holds them;
* not read: deleted text (``w:del``, ``w:moveFrom``), field instructions,
  hidden text (``w:vanish``, directly or through styles), the
  ``mc:Fallback`` copy of a text box (the ``mc:Choice`` is read; the copy
  gets the same translation), and what is counted as not read: equations,
  embedded objects, phonetic guides.

Tabs, line breaks, pictures and symbols separate words (as a space in the
text the model sees, never written back).
"""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from lxml import etree

from termlock.documents import inline
from termlock.documents.wordscan import MATH, MATH_STRICT
from termlock.documents.wordstyles import HiddenText
from termlock.xmlsafe import NOT_XML_CHARS

MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"

#: containers whose content is text of the paragraph: a code pair around it
_PAIRED = frozenset({"hyperlink", "ins", "moveTo", "smartTag", "customXml", "fldSimple", "dir", "bdo", "sdt", "sdtContent"})
#: children that are a container's properties (its formatting), never content: they go with its code
_PROPERTIES = frozenset({"rPr", "sdtPr", "sdtEndPr", "smartTagPr", "customXmlPr", "fldData"})
#: containers of deleted text (tracked changes): kept as they are, not read
_DELETED = frozenset({"del", "moveFrom"})
#: run content that separates the words around it
_SEPARATING = frozenset({"tab", "ptab", "br", "cr", "noBreakHyphen", "sym", "drawing", "pict", "object"})
_MATH = frozenset({MATH, MATH_STRICT})

#: what is counted as not read, (singular, plural)
HIDDEN = ("hidden run (w:vanish)", "hidden runs (w:vanish)")
DELETED = ("tracked deletion", "tracked deletions")
EQUATIONS = ("equation", "equations")
OBJECTS = ("embedded object", "embedded objects")
RUBY = ("phonetic guide (ruby)", "phonetic guides (ruby)")
FALLBACK = ("text box copy for old Word versions (mc:Fallback), not like its original",
            "text box copies for old Word versions (mc:Fallback), not like their originals")


@lru_cache(maxsize=4096)
def _split(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        ns, _, name = tag[1:].partition("}")
        return ns, name
    return "", tag


@dataclass
class WordParagraph:
    """One paragraph: its element, its tokens, its text (stripped) and its text box copies."""

    element: etree._Element
    tokens: list[inline.Token] = field(default_factory=list)
    text: str = ""
    #: the mc:Fallback copies of this (text box) paragraph, given the same translation
    mirrors: list["WordParagraph"] = field(default_factory=list)


@dataclass
class _Context:
    hidden_default: bool
    boxes: list[etree._Element] = field(default_factory=list)
    alternates: list[tuple[list[etree._Element], list[etree._Element]]] = field(default_factory=list)


def _outer_boxes(element: etree._Element, w: str) -> list[etree._Element]:
    """``w:txbxContent`` under ``element`` not inside another one (nor inside an mc:Fallback)."""
    found = []
    box = f"{{{w}}}txbxContent"
    for candidate in element.iter(box):
        parent = candidate.getparent()
        inner = False
        while parent is not None and parent is not element:
            if parent.tag == box or parent.tag == f"{{{MC}}}Fallback":
                inner = True
                break
            parent = parent.getparent()
        if not inner:
            found.append(candidate)
    return found


def _box_paragraphs(box: etree._Element, w: str) -> list[etree._Element]:
    """The paragraphs of a text box itself (its tables' too), not those of boxes inside it."""
    out = []
    box_tag = f"{{{w}}}txbxContent"
    for paragraph in box.iter(f"{{{w}}}p"):
        parent = paragraph.getparent()
        while parent is not None and parent is not box and parent.tag not in (box_tag, f"{{{w}}}p"):
            parent = parent.getparent()
        if parent is box:
            out.append(paragraph)
    return out


class ParagraphReader:
    """Reads paragraphs of one part in order (complex fields may span paragraphs).

    ``notes`` counts what is not read (None: not counted, for a second reading).
    """

    def __init__(self, hidden: HiddenText, notes: Counter | None = None, fields: list[str] | None = None) -> None:
        self.hidden = hidden
        self.notes = notes
        #: open complex fields, innermost last: "instruction" or "result"
        self.fields: list[str] = list(fields or ())

    def _note(self, label: tuple[str, str], count: int = 1) -> None:
        if self.notes is not None:
            self.notes[label] += count

    def read(self, paragraph: etree._Element) -> list[WordParagraph]:
        """``paragraph``, then the paragraphs of its text boxes (depth first)."""
        out: list[WordParagraph] = []
        self._paragraph(paragraph, out)
        return out

    def _paragraph(self, p: etree._Element, out: list[WordParagraph]) -> None:
        w = _split(p.tag)[0]
        me = WordParagraph(p)
        out.append(me)
        ctx = _Context(self.hidden.paragraph_default(p))
        tokens: list[inline.Token] = []
        self._children(p, tokens, ctx, w)
        me.tokens = inline.prepare(tokens)
        me.text = inline.plain_text(me.tokens).strip()
        first = len(out)
        for box in ctx.boxes:
            for inner in _box_paragraphs(box, w):
                self._paragraph(inner, out)
        if ctx.alternates:
            self._mirror(ctx.alternates, out[first:], w)

    def _mirror(self, alternates, read: list[WordParagraph], w: str) -> None:
        by_element = {id(item.element): item for item in read}
        for choice_boxes, fallback_boxes in alternates:
            originals = [p for box in choice_boxes for p in _box_paragraphs(box, w)]
            copies = [p for box in fallback_boxes for p in _box_paragraphs(box, w)]
            if not copies:
                continue
            if len(copies) != len(originals):
                self._note(FALLBACK)
                continue
            twin_reader = ParagraphReader(self.hidden, None)
            for original, twin in zip(originals, copies):
                target = by_element.get(id(original))
                if target is not None:
                    target.mirrors.append(twin_reader.read(twin)[0])

    # ----------------------------------------------------------------- walk

    def _children(self, container: etree._Element, tokens: list[inline.Token], ctx: _Context, w: str) -> None:
        for child in container:
            tag = child.tag
            if not isinstance(tag, str):  # a comment or processing instruction
                tokens.append(inline.Code("standalone", child, boundary=False))
                continue
            ns, name = _split(tag)
            if ns == w:
                if name == "pPr" or name in _PROPERTIES:
                    continue
                if name == "r":
                    self._run(child, tokens, ctx, w)
                elif name in _PAIRED:
                    tokens.append(inline.Code("open", child))
                    self._children(child, tokens, ctx, w)
                    tokens.append(inline.Code("close", None))
                else:
                    if name in _DELETED and "".join(child.itertext()).strip():
                        self._note(DELETED)
                    tokens.append(inline.Code("standalone", child, boundary=False))
            elif ns == MC and name == "AlternateContent":
                self._alternate(child, ctx, w)
                tokens.append(inline.Code("standalone", child, boundary=True))
            elif ns in _MATH:
                self._note(EQUATIONS)
                tokens.append(inline.Code("standalone", child, boundary=True))
            else:
                tokens.append(inline.Code("standalone", child, boundary=False))

    def _field_char(self, element: etree._Element, w: str) -> None:
        kind = element.get(f"{{{w}}}fldCharType")
        if kind == "begin":
            self.fields.append("instruction")
        elif kind == "separate" and self.fields:
            self.fields[-1] = "result"
        elif kind == "end" and self.fields:
            self.fields.pop()

    def _run(self, run: etree._Element, tokens: list[inline.Token], ctx: _Context, w: str) -> None:
        in_instruction = bool(self.fields) and self.fields[-1] == "instruction"
        hidden = self.hidden.run_hidden(run, ctx.hidden_default)
        if in_instruction or hidden:
            if hidden and not in_instruction and "".join(t.text or "" for t in run.iter(f"{{{w}}}t")).strip():
                self._note(HIDDEN)
            for element in run.iterchildren(f"{{{w}}}fldChar"):
                self._field_char(element, w)
            tokens.append(inline.Code("standalone", run, boundary=False))
            return
        tokens.append(inline.Code("open", run))
        for child in run:
            tag = child.tag
            if not isinstance(tag, str):
                tokens.append(inline.Code("standalone", child, boundary=False))
                continue
            ns, name = _split(tag)
            if ns == w and name in _PROPERTIES:
                continue
            if ns == w and name == "t" and not (self.fields and self.fields[-1] == "instruction"):
                tokens += [inline.Code("open", child), inline.Text(child.text or ""), inline.Code("close", None)]
            elif ns == w and name == "fldChar":
                self._field_char(child, w)
                tokens.append(inline.Code("standalone", child, boundary=False))
            elif ns == w and name in _SEPARATING:
                if name == "object":
                    self._note(OBJECTS)
                ctx.boxes.extend(_outer_boxes(child, w))
                tokens.append(inline.Code("standalone", child, boundary=True))
            elif ns == w and name == "ruby":
                self._note(RUBY)
                tokens.append(inline.Code("standalone", child, boundary=True))
            elif ns == MC and name == "AlternateContent":
                self._alternate(child, ctx, w)
                tokens.append(inline.Code("standalone", child, boundary=True))
            else:
                tokens.append(inline.Code("standalone", child, boundary=False))
        tokens.append(inline.Code("close", None))

    def _alternate(self, element: etree._Element, ctx: _Context, w: str) -> None:
        """mc:AlternateContent: the first mc:Choice is read; a Fallback's text boxes mirror it."""
        choice = element.find(f"{{{MC}}}Choice")
        fallback = element.find(f"{{{MC}}}Fallback")
        if choice is None:
            if fallback is not None:
                ctx.boxes.extend(_outer_boxes(fallback, w))
            return
        for math in (MATH, MATH_STRICT):
            self._note(EQUATIONS, sum(1 for _ in choice.iter(f"{{{math}}}oMath")))
        self._note(OBJECTS, sum(1 for _ in choice.iter(f"{{{w}}}object")))
        boxes = _outer_boxes(choice, w)
        ctx.boxes.extend(boxes)
        if fallback is not None:
            ctx.alternates.append((boxes, _outer_boxes(fallback, w)))


# --------------------------------------------------------------------- writing


def fill_paragraph(paragraph: WordParagraph, translation: str, judge: Any = None) -> None:
    """Put ``translation`` into the paragraph's runs (and its text box copies), codes placed by :mod:`inline`
    (by the glossary's terms, given ``judge``)."""
    # a model's stray control character is dropped: Word would not open the part
    _fill(paragraph.element, inline.place_codes(paragraph.tokens, NOT_XML_CHARS.sub("", translation), judge))
    for mirror in paragraph.mirrors:
        fill_paragraph(mirror, translation, judge)


def _shell(parent: etree._Element, original: etree._Element) -> etree._Element:
    """A container like ``original`` (attributes, properties) without its content, appended to ``parent``."""
    shell = etree.SubElement(parent, original.tag, attrib=dict(original.attrib))
    for child in list(original):
        if isinstance(child.tag, str) and _split(child.tag)[1] in _PROPERTIES:
            shell.append(child)  # moved: each code is written once
    return shell


def _fill(p: etree._Element, tokens: list[inline.Token]) -> None:
    w = _split(p.tag)[0]
    run_tag, text_tag = f"{{{w}}}r", f"{{{w}}}t"
    for child in list(p):
        if child.tag != f"{{{w}}}pPr":
            p.remove(child)
    stack = [p]
    last_run: dict[int, etree._Element] = {}  # container -> the last run written in it

    def add_text(value: str) -> None:
        top = stack[-1]
        if top.tag == text_tag:
            top.text = (top.text or "") + value
            return
        if top.tag != run_tag:  # between runs (a space): into the run just written, else one formatted like it
            before = last_run.get(id(top))
            if before is not None and len(top) and top[-1] is before:
                if len(before) and before[-1].tag == text_tag:
                    before[-1].text = (before[-1].text or "") + value
                    return
                top = before
            else:
                run = etree.SubElement(top, run_tag)
                rpr = before.find(f"{{{w}}}rPr") if before is not None else None
                if rpr is not None:
                    run.append(copy.deepcopy(rpr))
                top = run
        etree.SubElement(top, text_tag).text = value

    for token in tokens:
        if isinstance(token, inline.Text):
            if token.text and not token.separator:
                add_text(token.text)
        elif token.kind == "open":
            shell = _shell(stack[-1], token.element)
            if shell.tag == run_tag:
                last_run[id(stack[-1])] = shell
            stack.append(shell)
        elif token.kind == "close":
            stack.pop()
        else:
            element = token.element
            stack[-1].append(element)  # moved back into place
    for t in p.iter(text_tag):
        value = t.text or ""
        if value != value.strip() and t.get(XML_SPACE) is None:
            t.set(XML_SPACE, "preserve")
