"""HTML pages: the text a reader sees, paragraph by paragraph; translated in place, every other byte kept.

A unit is a run of inline content (text, ``<b>``, ``<a>``, ``<span>``,
``<br>``, ...) inside a block (``<p>``, ``<li>``, ``<td>``, ``<h2>``,
``<title>``, a ``<div>``'s own text, ...): its inline elements are paired
codes (:mod:`termlock.documents.inline`), so the model sees the whole
sentence and the translation goes back inside the same tags, attributes as
they were. Whitespace is read as a browser shows it (:mod:`termlock.documents.prose`).

Never read, never translated, written back as they are: ``<script>``,
``<style>``, ``<template>``, code (``<code>``, ``<pre>``, ``<kbd>``,
``<samp>``), form values (``<textarea>``, ``<select>``), ``<svg>``,
``<math>``, embedded frames and media, elements marked ``translate="no"``
and hidden ones (the ``hidden`` attribute, ``style="display:none"``).
Those a reader could see, and text in attributes (``alt``, ``title``,
``placeholder``), are counted in the report as not read.

The translated page says so: ``<html lang>`` becomes the target language,
as does the ``lang`` of elements whose text was translated from the page's
own language.
"""

from __future__ import annotations

import bisect
import html
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from termlock.documents import inline
from termlock.documents.base import Unit, register
from termlock.documents.document_base import (
    DocumentStore,
    apply_edits,
    decode_document,
    encode_document,
    line_starts,
    not_read_from,
)
from termlock.documents.html_tree import Element, Markup, Node, TextNode, iter_elements, parse_html
from termlock.documents.prose import collapse

#: phrasing content: inside a paragraph, a code pair around its text (unknown/custom elements too)
INLINE = frozenset(
    "a abbr acronym b bdi bdo big br button cite data del dfn em font i img input ins label mark meter nobr "
    "output progress q rb rp rt rtc ruby s small span strike strong sub sup time tt u var wbr".split()
)
#: containers of text that are never prose: kept as they are, never read
OPAQUE = frozenset(
    "script style template code pre kbd samp textarea select svg math iframe object embed canvas audio video "
    "noscript".split()
)
#: known block elements (anything else not inline is treated as inline, as browsers do with custom elements)
BLOCKS = frozenset(
    "html head body title p div section article aside header footer nav main h1 h2 h3 h4 h5 h6 ul ol li dl dt "
    "dd table thead tbody tfoot tr td th caption colgroup col blockquote figure figcaption details summary dialog "
    "form fieldset legend address hr menu hgroup center optgroup option search".split()
)
#: separate words (a line break, a picture, a field, a code span); others (wbr, comments) do not
_SEPARATING = frozenset({"br", "img", "input", "hr", "button", "select", "textarea", "code", "kbd", "samp",
                         "svg", "math", "iframe", "object", "embed", "canvas", "audio", "video"})
#: attributes whose text a reader may see
_TEXT_ATTRIBUTES = ("alt", "title", "placeholder", "aria-label")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none", re.IGNORECASE)
_LANG = re.compile(r"""(?<![\w:-])((?:xml:)?lang)(\s*=\s*)("[^"]*"|'[^']*'|[^\s"'=<>`/]+)""", re.IGNORECASE)

NOT_TRANSLATED = ('element marked translate="no"', 'elements marked translate="no"')
CODE = ("code block or span", "code blocks and spans")
HIDDEN = ("hidden element", "hidden elements")
FORMS = ("form value (textarea, select)", "form values (textarea, select)")
GRAPHICS = ("SVG or MathML graphic", "SVG and MathML graphics")
ATTRIBUTES = ("attribute text (alt, title, placeholder)", "attribute texts (alt, title, placeholder)")
_OPAQUE_NOTES = {
    "code": CODE, "pre": CODE, "kbd": CODE, "samp": CODE,
    "textarea": FORMS, "select": FORMS, "svg": GRAPHICS, "math": GRAPHICS,
}


@dataclass(frozen=True)
class Piece:
    """What a code writes back: a slice of the source, or an element's start tag (its lang may change)."""

    raw: str
    element: Element | None = None


@dataclass
class HtmlUnit:
    """One paragraph of the page: the source span it replaces, its tokens and text."""

    start: int
    end: int
    tokens: list[inline.Token]
    text: str
    #: block elements around it whose ``lang`` names the page's language
    lang_holders: list[Element] = field(default_factory=list)


def _primary(language: str | None) -> str:
    return (language or "").split("-")[0].split("_")[0].lower()


def _has_text(node: Node) -> bool:
    if isinstance(node, TextNode):
        return bool(node.text.strip())
    if isinstance(node, Element):
        return any(_has_text(child) for child in node.children)
    return False


class HtmlReader:
    """Reads the units of a parsed page (or fragment) and counts what it does not read."""

    def __init__(self, text: str, notes: Counter) -> None:
        self.text = text
        self.notes = notes
        self.units: list[HtmlUnit] = []
        self.source_lang = ""

    # ----------------------------------------------------------- classifying

    def _opaque(self, element: Element) -> bool:
        attrs = element.attrs
        if element.tag in OPAQUE:
            if _has_text(element):
                note = _OPAQUE_NOTES.get(element.tag)
                if note:
                    self.notes[note] += 1
            return True
        if (attrs.get("translate") or "").strip().lower() == "no":
            if _has_text(element):
                self.notes[NOT_TRANSLATED] += 1
            return True
        if "hidden" in attrs or _HIDDEN_STYLE.search(attrs.get("style") or ""):
            if _has_text(element):
                self.notes[HIDDEN] += 1
            return True
        return False

    def _inline(self, element: Element) -> bool:
        """Phrasing content with no block inside it (``<a><div>`` makes the link a block)."""
        if element.tag in BLOCKS:
            return False
        return not any(isinstance(c, Element) and (c.tag in BLOCKS) for c in iter_elements(element))

    def _count_attributes(self, element: Element) -> None:
        for name in _TEXT_ATTRIBUTES:
            if (element.attrs.get(name) or "").strip():
                self.notes[ATTRIBUTES] += 1

    # --------------------------------------------------------------- walking

    def read(self, root: Element) -> list[HtmlUnit]:
        html_element = next((e for e in iter_elements(root) if e.tag == "html"), None)
        if html_element is not None:
            self.source_lang = _primary(html_element.attrs.get("lang") or html_element.attrs.get("xml:lang"))
        self._block(root, [])
        return self.units

    def _block(self, element: Element, holders: list[Element]) -> None:
        lang = element.attrs.get("lang") if element.tag not in ("#document", "html") else None
        if lang is not None and _primary(lang) == (self.source_lang or _primary(lang)):
            holders = holders + [element]
        run: list[tuple[Node, bool]] = []
        for child in element.children:
            if isinstance(child, (TextNode, Markup)):
                run.append((child, False))
                continue
            assert isinstance(child, Element)
            if element.tag == "head" and child.tag != "title":
                continue
            if self._opaque(child):
                if child.tag in INLINE or child.tag not in BLOCKS:
                    run.append((child, True))
                else:
                    self._flush(run, holders)
                    run = []
            elif self._inline(child):
                for item in [child, *iter_elements(child)]:
                    self._count_attributes(item)
                run.append((child, False))
            else:
                self._count_attributes(child)
                self._flush(run, holders)
                run = []
                self._block(child, holders)
        self._flush(run, holders)

    def _flush(self, run: list[tuple[Node, bool]], holders: list[Element]) -> None:
        while run and isinstance(run[0][0], TextNode) and not run[0][0].text.strip():
            run = run[1:]
        while run and isinstance(run[-1][0], TextNode) and not run[-1][0].text.strip():
            run = run[:-1]
        if not any(not opaque and _has_text(node) for node, opaque in run):
            return
        tokens: list[inline.Token] = []
        for node, opaque in run:
            self._tokens(node, opaque, tokens)
        texts = [t for t in tokens if isinstance(t, inline.Text)]
        for token, value in zip(texts, collapse([t.text for t in texts])):
            token.text = value
        first, last = run[0][0], run[-1][0]
        start, end = first.start, last.end
        if isinstance(first, TextNode):
            raw = self.text[first.start : first.end]
            start += len(raw) - len(raw.lstrip(" \t\n\r\f"))
            _strip_text(tokens, leading=True)
        if isinstance(last, TextNode):
            raw = self.text[last.start : last.end]
            end -= len(raw) - len(raw.rstrip(" \t\n\r\f"))
            _strip_text(tokens, leading=False)
        tokens = inline.prepare(tokens)
        text = inline.plain_text(tokens).strip()
        if text:
            self.units.append(HtmlUnit(start, end, tokens, text, list(holders)))

    def _tokens(self, node: Node, opaque: bool, tokens: list[inline.Token]) -> None:
        source = self.text
        if isinstance(node, TextNode):
            tokens.append(inline.Text(node.text))
        elif isinstance(node, Markup):
            tokens.append(inline.Code("standalone", Piece(source[node.start : node.end]), boundary=False))
        elif opaque or node.end_tag_start is None and node.end == node.start_tag_end:
            separating = node.tag in _SEPARATING or node.tag not in INLINE
            tokens.append(inline.Code("standalone", Piece(source[node.start : node.end]), boundary=separating))
        else:
            tokens.append(inline.Code("open", Piece(source[node.start : node.start_tag_end], node)))
            for child in node.children:
                child_opaque = isinstance(child, Element) and self._opaque(child)
                self._tokens(child, child_opaque, tokens)
            closing = source[node.end_tag_start : node.end] if node.end_tag_start is not None else ""
            tokens.append(inline.Code("close", Piece(closing)))


def _strip_text(tokens: list[inline.Token], *, leading: bool) -> None:
    """Strip the whitespace at the start (or end) of the first (last) text token, before any code."""
    ordered = tokens if leading else list(reversed(tokens))
    for token in ordered:
        if isinstance(token, inline.Text):
            token.text = token.text.lstrip(" \t\n\r\f") if leading else token.text.rstrip(" \t\n\r\f")
            if token.text:
                return
        else:
            return


def set_lang(start_tag: str, language: str, *, add: bool) -> str:
    """``start_tag`` with its ``lang`` (and ``xml:lang``) set to ``language``; added when missing and ``add``."""
    found = False

    def replace(match: re.Match) -> str:
        nonlocal found
        found = True
        value = match.group(3)
        quote = value[0] if value[:1] in ("'", '"') else '"'
        return f"{match.group(1)}{match.group(2)}{quote}{language}{quote}"

    out = _LANG.sub(replace, start_tag)
    if not found and add:
        name_end = re.match(r"<[^\s/>]+", out)
        if name_end is not None:
            out = out[: name_end.end()] + f' lang="{language}"' + out[name_end.end() :]
    return out


def render_unit(unit: HtmlUnit, translation: str, *, target_lang: str, source_lang: str, judge: Any = None) -> str:
    """The unit's new source text: the translation, escaped, with its tags put back around it
    (placed by the glossary's terms, given ``judge``)."""
    parts = []
    for token in inline.place_codes(unit.tokens, translation, judge):
        if isinstance(token, inline.Text):
            if not token.separator:
                parts.append(html.escape(token.text, quote=False))
            continue
        piece: Piece = token.element
        raw = piece.raw
        element = piece.element
        if element is not None and "lang" in element.attrs and _primary(element.attrs.get("lang")) == (source_lang or _primary(element.attrs.get("lang"))):
            raw = set_lang(raw, target_lang, add=False)
        parts.append(raw)
    return "".join(parts)


def read_html_units(text: str, path: str, notes: Counter, *, strict: bool = True) -> tuple[list[HtmlUnit], Element, str]:
    """The units of an HTML page (or, not ``strict``, a fragment), the tree and the page's language."""
    root = parse_html(text, path, strict=strict)
    reader = HtmlReader(text, notes)
    return reader.read(root), root, reader.source_lang


@register
class HtmlStore(DocumentStore):
    """An HTML page: one unit per paragraph of text (see the module docstring)."""

    name = "html"
    extensions = (".html", ".htm")

    def __init__(self, units: list[Unit], path: str, *, data: bytes, text: str, bom: bool,
                 slots: list[HtmlUnit], root: Element, source_lang: str, not_read=()) -> None:
        super().__init__(units, path, not_read)
        self._data = data
        self._text = text
        self._bom = bom
        self._slots = slots
        self._root = root
        self._source_lang = source_lang

    @classmethod
    def parse(cls, data: bytes, path: str) -> "HtmlStore":
        text, bom = decode_document(data, path)
        notes: Counter = Counter()
        slots, root, source_lang = read_html_units(text, path, notes)
        starts = line_starts(text)
        units = [Unit(id=_where(starts, slot.start), source=slot.text, meta={"format": "html"}) for slot in slots]
        return cls(units, path, data=data, text=text, bom=bom, slots=slots, root=root, source_lang=source_lang,
                   not_read=not_read_from(sorted(notes.items(), key=lambda kv: kv[0][1])))

    def serialize(self) -> bytes:
        if not self.translated():
            return self._data
        language = self.target_lang
        edits: list[tuple[int, int, str]] = []
        holders: dict[int, Element] = {}
        for unit, slot in zip(self.units, self._slots):
            if unit.target is None:
                continue
            for holder in slot.lang_holders:
                holders[id(holder)] = holder
            if self.changed(unit):
                edits.append((slot.start, slot.end, render_unit(slot, unit.target, target_lang=language,
                                                                source_lang=self._source_lang,
                                                                judge=self.term_judge(unit))))
        page = next((e for e in iter_elements(self._root) if e.tag == "html"), None)
        if page is not None:
            holders[id(page)] = page
        for element in holders.values():
            tag = self._text[element.start : element.start_tag_end]
            edits.append((element.start, element.start_tag_end, set_lang(tag, language, add=element.tag == "html")))
        return encode_document(apply_edits(self._text, edits), self._bom)


def _where(starts: list[int], offset: int) -> str:
    """``LINE:COLUMN`` (1-based) of an offset: a unit's id, as editors name places."""
    line = bisect.bisect_right(starts, offset)
    return f"{line}:{offset - starts[line - 1] + 1}"

