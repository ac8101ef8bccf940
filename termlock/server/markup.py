"""Inline markup in requests: tags kept, never translated, never inside a term.

CAT tools send segments with their inline codes: DeepL clients as XML or
HTML (``tag_handling``), Weblate's placeholders as ``<x id="0"></x>``,
LibreTranslate clients ``format=html``, chat clients ``<x id="1"/>``,
``<g id="2">…</g>``, ``<t1>`` or Weblate's ``[X0X]``/``@@PH1@@``
placeholders in the message. The model sees plain text only, so each
segment goes through the same inline-code handling as an XLIFF unit
(:mod:`termlock.documents.inline`): codes become ``g`` (wraps text) and
``x``/``bx`` (stands alone) elements, :func:`~termlock.documents.inline.tokenize`
gives the plain text, and :func:`~termlock.documents.inline.place_codes`,
given the request glossary's judge, puts every code back into the
translation by the terms, never inside a rendering the judge finds (as
every store does). Each code is written back exactly as
the client sent it (``<x id="0"></x>`` stays that, attribute quotes and
all), because clients find their placeholders again by string.

* ``xml`` is strict: a segment that is not well-formed is refused (400,
  naming the field and the parser's message).
* ``html`` and chat codes are lenient: a tag without its partner is kept in
  place as a standalone code and listed in the response's ``tags_repaired``.
* ``ignore_tags``: the element and all its content are one standalone code,
  copied as is; ``script``/``style`` in HTML likewise.
* Text entities are decoded for the model and escaped again on output
  (``xml``/``html``); chat text is taken literally.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Sequence

from lxml import etree

from termlock.documents import inline
from termlock.web.errors import HttpError
from termlock.xmlsafe import xml_parser

if TYPE_CHECKING:  # pragma: no cover
    from termlock.glossary.verdicts import SegmentJudge

TEXT, XML, HTML, CHAT = "text", "xml", "html", "chat"

_NAME = r"[A-Za-z_][\w.:-]*"
_ATTRS = r"(?:\s+[^\s=>/]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>\"']+))?)*"
_TAG = re.compile(rf"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<(/?)({_NAME})({_ATTRS})\s*(/?)>", re.S)
#: inline codes chat clients write: XLIFF's, numbered tags, Weblate's placeholders
_CHAT_CODE = re.compile(
    rf"<(/?)((?:x|g|bx|ex|ph|bpt|ept|it|mrk|pc|sc|ec|sm|em|ut|t\d+))({_ATTRS})\s*(/?)>|\[X\d+X\]|@@PH\d+@@",
)
_HTML_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
_HTML_RAW = frozenset({"script", "style"})
#: XLIFF codes whose content is native code (never translated)
_STANDALONE_CODES = frozenset({"x", "bx", "ex", "ph", "bpt", "ept", "it", "sc", "ec", "sm", "em", "ut"})
#: standalone codes that only format, so they do not separate the words around them
_FORMATTING = frozenset({"bx", "ex", "bpt", "ept", "sc", "ec", "sm", "em"})


@dataclass
class Marked:
    """A segment split into plain text for the model and its codes, kept to re-insert."""

    mode: str
    plain: str
    tokens: list[inline.Token] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)  # markup strings by item index
    close_of: dict[int, int] = field(default_factory=dict)  # opening item -> its closing item
    repairs: list[str] = field(default_factory=list)

    @property
    def has_codes(self) -> bool:
        return bool(self.raw)


@dataclass
class _Item:
    kind: str  # "text", "open", "close", "empty", "other"
    raw: str
    name: str = ""


def _scan(text: str, mode: str) -> list[_Item]:
    pattern = _CHAT_CODE if mode == CHAT else _TAG
    items: list[_Item] = []
    cursor = 0
    for match in pattern.finditer(text):
        if match.start() > cursor:
            items.append(_Item("text", text[cursor:match.start()]))
        raw = match.group(0)
        if match.lastindex is None or match.group(2) is None:  # comment, CDATA, PI, [X0X], @@PH0@@
            items.append(_Item("other", raw))
        else:
            closing, name, _, self_closing = match.group(1), match.group(2), match.group(3), match.group(4)
            if mode == HTML:
                name = name.lower()
            if closing:
                items.append(_Item("close", raw, name))
            elif self_closing or (mode == HTML and name in _HTML_VOID):
                items.append(_Item("empty", raw, name))
            else:
                items.append(_Item("open", raw, name))
        cursor = match.end()
    if cursor < len(text):
        items.append(_Item("text", text[cursor:]))
    return items


def _check_well_formed(text: str, field_name: str) -> None:
    try:
        etree.fromstring(f"<termlock-segment>{text}</termlock-segment>".encode("utf-8"), xml_parser())
    except etree.XMLSyntaxError as exc:
        raise HttpError(
            400,
            f"{field_name}: not well-formed XML ({exc.msg}); close every tag, escape & and < in text, "
            "or use tag_handling=html",
            field=field_name,
        ) from None


def _pair(items: list[_Item], mode: str, ignore: frozenset[str]) -> tuple[dict[int, int], list[str]]:
    """Opening item index -> closing item index for properly nested pairs; notes on the rest."""
    pairs: dict[int, int] = {}
    stack: list[int] = []
    notes: list[str] = []
    for index, item in enumerate(items):
        if item.kind == "open":
            stack.append(index)
        elif item.kind == "close":
            depth = next((d for d in range(len(stack) - 1, -1, -1) if items[stack[d]].name == item.name), None)
            if depth is None:
                notes.append(f"{item.raw} has no opening tag: kept in place as a standalone code")
                continue
            for unclosed in stack[depth + 1:]:
                notes.append(f"{items[unclosed].raw} is never closed: kept in place as a standalone code")
            pairs[stack[depth]] = index
            del stack[depth:]
    for unclosed in stack:
        if mode != CHAT:  # a chat code like <t1> may stand alone on purpose
            notes.append(f"{items[unclosed].raw} is never closed: kept in place as a standalone code")
    return pairs, notes


def parse(text: str, mode: str, *, ignore_tags: Iterable[str] = (), field_name: str = "text") -> Marked:
    """Split ``text`` into plain text and codes (``mode``: text, xml, html or chat)."""
    if mode == TEXT:
        return Marked(TEXT, text)
    if mode == XML:
        _check_well_formed(text, field_name)
    ignore = frozenset(t.lower() if mode == HTML else t for t in ignore_tags)
    items = _scan(text, mode)
    if not any(item.kind != "text" for item in items):
        plain = html.unescape(text) if mode in (XML, HTML) else text
        return Marked(mode, plain)
    pairs, notes = _pair(items, mode, ignore)
    raw = [item.raw for item in items]
    container = etree.Element("seg")
    stack: list[etree._Element] = [container]
    close_of: dict[int, int] = {}
    skip_until = -1

    def add_text(value: str) -> None:
        parent = stack[-1]
        if len(parent):
            parent[-1].tail = (parent[-1].tail or "") + value
        else:
            parent.text = (parent.text or "") + value

    def add_code(tag: str, index: int) -> None:
        element = etree.SubElement(stack[-1], tag)
        element.set("n", str(index))

    for index, item in enumerate(items):
        if index <= skip_until:
            continue
        if item.kind == "text":
            add_text(html.unescape(item.raw) if mode in (XML, HTML) else item.raw)
        elif item.kind == "open" and index in pairs:
            closing = pairs[index]
            inner = items[index + 1:closing]
            whole = item.name in ignore or (mode == HTML and item.name in _HTML_RAW)
            empty = not any(i.kind != "text" or i.raw for i in inner)
            if whole or empty or item.name in _STANDALONE_CODES:
                # the element and its content copied as they are
                raw[index] = "".join(i.raw for i in items[index:closing + 1])
                add_code("bx" if item.name in _FORMATTING else "x", index)
                skip_until = closing
            else:
                element = etree.SubElement(stack[-1], "g")
                element.set("n", str(index))
                close_of[index] = closing
                stack.append(element)
        elif item.kind == "close" and any(o == index for o in close_of.values()) and len(stack) > 1:
            stack.pop()
        else:  # standalone: empty element, comment, placeholder, or a tag without its partner
            add_code("bx" if item.kind == "other" or item.name in _FORMATTING else "x", index)
    tokens = inline.tokenize(container)
    return Marked(mode, inline.plain_text(tokens), tokens, raw, close_of, notes)


def place(marked: Marked, translation: str, judge: "SegmentJudge | None" = None) -> list[inline.Token]:
    """The translation's tokens with every code of ``marked`` placed by the glossary's terms, never through them.

    ``judge``: the request glossary's :class:`~termlock.glossary.verdicts.SegmentJudge`
    (:func:`~termlock.documents.inline.place_codes` places codes as every store does).
    """
    if not marked.has_codes:
        return [inline.Text(translation)] if translation else []
    return inline.place_codes(marked.tokens, translation, judge)


def render(marked: Marked, placed: Sequence[inline.Token]) -> str:
    """The placed translation (:func:`place`), each code written back exactly as the client sent it."""
    if not marked.has_codes:
        return _escape(inline.plain_text(placed), marked.mode)
    codes = [token for token in placed if isinstance(token, inline.Code)]
    out: list[str] = []
    for token in placed:
        if isinstance(token, inline.Text):
            out.append(_escape(token.text, marked.mode))
        elif token.kind == "close":
            opener = codes[token.partner].element
            out.append(marked.raw[marked.close_of[int(opener.get("n"))]])
        else:
            out.append(marked.raw[int(token.element.get("n"))])
    return "".join(out)


def _escape(text: str, mode: str) -> str:
    return html.escape(text, quote=False) if mode in (XML, HTML) else text
