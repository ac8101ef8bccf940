"""TMX: read translation memories for checking, write what termlock translated.

Reading: every ``<tu>`` is one unit, its id the ``tuid`` (OmegaT and many
tools write none: then the 1-based position of the ``<tu>`` in the file).
The source is the ``<tuv>`` in the header's ``srclang`` (or the language
asked for), the target the first ``<tuv>`` in the other language; language
tags compare by primary subtag and case-insensitively (``ZH-CN`` is ``zh``).
Inline codes (``bpt``/``ept``/``it``/``ph``/``ut``, text-bearing ``hi``) are
handled as in XLIFF (see :mod:`termlock.documents.inline`).

Translating a TMX fills in the missing target ``<tuv>`` of each unit. A
target ``<tuv>`` that is there is a person's translation (a memory holds
finished work) unless it says a machine made it (``creationtool="termlock"``,
a ``creationid``/``changeid`` of ``MT!``, or an ``x-origin`` prop naming MT):
``--overwrite`` replaces only those, ``--overwrite-confirmed`` every one.
A replaced ``<tuv>`` no longer names the translator: its ``creationid``,
``changeid``, dates and usage counts are dropped (and the ``<tu>``'s
``changeid``/``changedate``: the last change is now termlock's),
``creationtool`` says termlock.
Writing a fresh TMX of translated pairs (``write_tmx``) gives a TMX 1.4 file
with ``creationtool="termlock"`` that any CAT tool imports into a memory.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from lxml import etree

from termlock import __version__
from termlock.errors import TermlockError
from termlock.documents import inline
from termlock.documents.base import Unit, register, write_atomically
from termlock.documents.xmlstore import XmlSlot, XmlStore, parse_document
from termlock.inputs import read_input
from termlock.xmlsafe import NOT_XML_CHARS, XML_LANG, insert_after, local_name

_FIX = "export the memory again as TMX 1.4, or repair the named element"


def primary_subtag(lang: str | None) -> str:
    return (lang or "").strip().lower().replace("_", "-").split("-", 1)[0]


def same_language(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and primary_subtag(a) == primary_subtag(b)


def _tuv_lang(tuv: etree._Element) -> str | None:
    return tuv.get(XML_LANG) or tuv.get("lang")  # TMX 1.1 used a plain lang attribute


@dataclass(kw_only=True)
class _TmxSlot(XmlSlot):
    """A ``<tu>``: its source ``<tuv>`` and ``<seg>``, and its target ``<tuv>`` once there is one."""

    tu: etree._Element
    source_tuv: etree._Element
    source_seg: etree._Element
    target_tuv: etree._Element | None


@register
class TmxStore(XmlStore):
    """A TMX document as bilingual units."""

    name = "tmx"
    extensions = (".tmx",)

    @classmethod
    def parse(
        cls,
        data: bytes,
        path: str,
        *,
        source_lang: str | None = None,
        target_lang: str | None = None,
        overwrite: bool = False,
        overwrite_confirmed: bool = False,
    ) -> "TmxStore":
        tree = parse_document(data, path, kind="TMX", root="tmx", fix=_FIX, other_file="pass a TMX file (.tmx)")
        root = tree.getroot()
        header = root.find("header")
        body = root.find("body")
        if body is None:
            raise TermlockError("<tmx> has no <body>", path=path, line=root.sourceline, fix=_FIX)
        header_src = header.get("srclang") if header is not None else None
        src = source_lang or (header_src if header_src and header_src != "*all*" else None) or "zh"
        tus = body.findall("tu")
        tgt = target_lang or _guess_target(tus, src) or "en"

        units: list[Unit] = []
        slots: dict[str, _TmxSlot] = {}
        for position, tu in enumerate(tus, start=1):
            tuvs = tu.findall("tuv")
            for tuv in tuvs:
                if not _tuv_lang(tuv):
                    raise TermlockError(
                        "<tuv> without xml:lang",
                        path=path,
                        line=tuv.sourceline,
                        fix='give every <tuv> an xml:lang attribute, e.g. xml:lang="zh-CN"',
                    )
                if tuv.find("seg") is None:
                    raise TermlockError(
                        "<tuv> without <seg>", path=path, line=tuv.sourceline, fix="every <tuv> holds one <seg>"
                    )
            source_tuv = next((t for t in tuvs if same_language(_tuv_lang(t), src)), None)
            if source_tuv is None:
                continue  # a unit without our source language is not ours to check or fill
            target_tuv = next((t for t in tuvs if same_language(_tuv_lang(t), tgt)), None)
            uid = tu.get("tuid") or str(position)
            if uid in slots:
                suffix = 2
                while f"{uid}#{suffix}" in slots:
                    suffix += 1
                uid = f"{uid}#{suffix}"
            seg = source_tuv.find("seg")
            tokens = inline.tokenize(seg)
            source_text = inline.plain_text(tokens).strip()
            target_text = None
            if target_tuv is not None:
                target_text = inline.plain_text(inline.tokenize(target_tuv.find("seg"))).strip() or None
            translatable = bool(source_text) and target_text is None
            if not source_text:
                status = "empty"
            elif target_text is None:
                status = "untranslated"
            else:
                status = "translated" if _machine_made(tu, target_tuv) else "confirmed"
            meta = {
                "format": "tmx",
                "tuid": tu.get("tuid"),
                "position": position,
                "line": tu.sourceline,
                "status": status,
                "notes": [n.text or "" for n in tu.findall("note")],
                "props": {p.get("type", ""): p.text or "" for p in tu.findall("prop")},
            }
            units.append(Unit(id=uid, source=source_text, target=target_text, translatable=translatable, meta=meta))
            slots[uid] = _TmxSlot(
                tokens=tokens, original_target=target_text, tu=tu, source_tuv=source_tuv, source_seg=seg, target_tuv=target_tuv
            )
        store = cls(units, path, tree=tree, original=data, source_lang=src, target_lang=tgt, slots=slots)
        if overwrite or overwrite_confirmed:
            store.allow_overwrite(confirmed=overwrite_confirmed)
        return store

    def write_target(self, slot: _TmxSlot, text: str, judge: Any = None) -> None:
        """Fill the target ``<tuv>`` (added after the last one, in the file's layout, when missing)."""
        tuv = self._target_tuv(slot)
        for name in _PERSON_ATTRIBUTES:  # the translator's name and dates are not the machine's
            tuv.attrib.pop(name, None)
        for name in _LAST_CHANGE_ATTRIBUTES:
            slot.tu.attrib.pop(name, None)
        tuv.set("creationtool", "termlock")
        tuv.set("creationtoolversion", __version__)
        inline.fill(tuv.find("seg"), inline.place_codes(slot.tokens, _clean(text), judge))

    def write_revision(self, slot: _TmxSlot, text: str, by: str | None, when: _dt.datetime, judge: Any = None) -> None:
        """A reviewer's correction: the target ``<tuv>`` filled, its ``changedate`` (and ``changeid``: ``by``) set."""
        tuv = self._target_tuv(slot)
        inline.fill(tuv.find("seg"), inline.place_codes(slot.tokens, _clean(text), judge))
        tuv.set("changedate", when.strftime("%Y%m%dT%H%M%SZ"))
        if by:
            tuv.set("changeid", by)

    def _target_tuv(self, slot: _TmxSlot) -> etree._Element:
        """The unit's target ``<tuv>``, added after its last one (in the file's layout) when it has none."""
        if slot.target_tuv is None:
            tuv = etree.Element("tuv")
            tuv.set(XML_LANG, self.target_lang)
            seg = etree.SubElement(tuv, "seg")
            insert_after(slot.tu.findall("tuv")[-1], tuv)
            indent = slot.source_tuv.text
            if indent is not None and not indent.strip():  # keep the file's layout
                tuv.text = indent
                seg.tail = slot.source_seg.tail
            slot.target_tuv = tuv
        return slot.target_tuv


#: who made a <tuv> and when, and how often it was used: a person's, dropped when the machine replaces it
_PERSON_ATTRIBUTES = ("creationid", "creationdate", "changeid", "changedate", "usagecount", "lastusagedate")
#: the <tu>'s record of its last change, which is now termlock's
_LAST_CHANGE_ATTRIBUTES = ("changeid", "changedate")
#: the user id Wordfast and other tools give machine translation in a memory
_MT_USER = "mt!"


def _machine_made(tu: etree._Element, tuv: etree._Element) -> bool:
    """Whether a target ``<tuv>`` says a machine made it (TMX has no standard field: the usual marks)."""
    if tuv.get("creationtool") == "termlock" and tuv.get("changedate") is None:
        return True  # (a reviewer's correction of it has a changedate: a person's work)
    if any((tuv.get(name) or "").strip().lower() == _MT_USER for name in ("creationid", "changeid")):
        return True
    for prop in [*tuv.findall("prop"), *tu.findall("prop")]:
        if (prop.get("type") or "").lower() in ("x-origin", "origin", "x-translation-origin"):
            value = (prop.text or "").strip().lower().replace(" ", "")
            if value in ("mt", "machinetranslation", "machine", "nmt"):
                return True
    return False


def _guess_target(tus: list[etree._Element], source_lang: str) -> str | None:
    """The first language in the file that is not the source language."""
    for tu in tus:
        for tuv in tu.findall("tuv"):
            lang = _tuv_lang(tuv)
            if lang and not same_language(lang, source_lang):
                return lang
    return None


def _clean(text: str) -> str:
    """Drop characters XML 1.0 cannot hold (control characters from raw input)."""
    return NOT_XML_CHARS.sub("", text)


#: 2.0 markers and code points that carry nothing a memory needs
_SKIPPED_CODES = frozenset({"sm", "em", "cp"})


class _Numbers:
    """TMX wants integer ``i`` pairing bpt/ept; XLIFF ids may be any text."""

    def __init__(self) -> None:
        self._of: dict[str, int] = {}

    def __call__(self, key: str | None) -> str:
        key = key or f"#{len(self._of)}"
        if key not in self._of:
            self._of[key] = len(self._of) + 1
        return str(self._of[key])


def _numeric(value: str | None) -> dict[str, str]:
    return {"x": value} if value and value.isdigit() else {}


def _tmx_code(code: inline.Code, pairs: _Numbers) -> etree._Element | str | None:
    """One standalone inline code as its TMX 1.4 element (or text, or nothing)."""
    element = code.element
    name = local_name(element)
    native = "".join(element.itertext())
    if inline.protected(element):
        return native  # text kept as it is: in a memory it is plain text
    if name in _SKIPPED_CODES:
        return None
    if name in ("bpt", "bx", "sc"):
        made = etree.Element("bpt", i=pairs(element.get("rid") or element.get("id")), **_numeric(element.get("id")))
    elif name in ("ept", "ex", "ec"):
        made = etree.Element("ept", i=pairs(element.get("rid") or element.get("startRef") or element.get("id")))
    elif name == "it":
        pos = {"open": "begin", "close": "end"}.get(element.get("pos", ""), element.get("pos") or "begin")
        made = etree.Element("it", pos=pos, **_numeric(element.get("id")))
    elif name == "ut":
        made = etree.Element("ut")
    else:  # ph, x and anything else that stands for content
        made = etree.Element("ph", **_numeric(element.get("id") or element.get("x")))
    made.text = _clean(native) or None
    return made


def _fill_segment(seg: etree._Element, tokens: Iterable[inline.Token]) -> None:
    """Write inline tokens (from XLIFF or TMX) into a TMX ``<seg>`` as TMX inline elements.

    Paired text codes (``g``, ``pc``, ``mrk``, ``hi``) become ``bpt``/``ept``
    with a shared ``i``; the others map to their TMX counterpart with their
    native code as content. Numbering is by order of appearance, so the
    source and the target of a unit (same codes, same order) pair up.
    """
    pairs = _Numbers()
    opened: list[str] = []
    last: etree._Element | None = None

    def add_text(text: str) -> None:
        if last is None:
            seg.text = (seg.text or "") + text
        else:
            last.tail = (last.tail or "") + text

    for token in tokens:
        if isinstance(token, inline.Text):
            if not token.separator:
                add_text(_clean(token.text))
            continue
        if token.kind == "open":
            number = pairs(f"pair{len(pairs._of)}")
            opened.append(number)
            made: etree._Element | str | None = etree.Element("bpt", i=number, **_numeric(token.element.get("id")))
        elif token.kind == "close":
            made = etree.Element("ept", i=opened.pop() if opened else pairs(None))
        else:
            made = _tmx_code(token, pairs)
        if made is None:
            continue
        if isinstance(made, str):
            add_text(_clean(made))
            continue
        seg.append(made)
        last = made


def tmx_bytes(
    units: Iterable[Unit],
    *,
    source_lang: str = "zh",
    target_lang: str = "en",
    tokens_of: Callable[[Unit], tuple[list[inline.Token], list[inline.Token]] | None] | None = None,
) -> bytes:
    """A TMX 1.4 document of the units that have a target, ids as ``tuid``.

    ``tokens_of(unit)`` gives a unit's source and target inline tokens when
    the units come from a bilingual file: its inline codes are then written
    as TMX inline elements instead of being dropped.
    """
    root = etree.Element("tmx", version="1.4")
    etree.SubElement(
        root,
        "header",
        creationtool="termlock",
        creationtoolversion=__version__,
        datatype="plaintext",
        segtype="sentence",
        adminlang="en",
        srclang=source_lang,
        **{"o-tmf": "termlock"},
    )
    body = etree.SubElement(root, "body")
    for unit in units:
        if unit.target is None or not unit.target.strip() or not unit.source.strip():
            continue
        tu = etree.SubElement(body, "tu", tuid=str(unit.id))
        tokens = tokens_of(unit) if tokens_of is not None else None
        for side, (lang, text) in enumerate(((source_lang, unit.source), (target_lang, unit.target))):
            tuv = etree.SubElement(tu, "tuv")
            tuv.set(XML_LANG, lang)
            seg = etree.SubElement(tuv, "seg")
            if tokens is not None and inline.codes_of(tokens[side]):
                _fill_segment(seg, tokens[side])
            else:
                seg.text = _clean(text)
    etree.indent(root, space="  ")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="UTF-8") + b"\n"


def write_tmx(
    path: str,
    units: Iterable[Unit],
    *,
    source_lang: str = "zh",
    target_lang: str = "en",
    tokens_of: Callable[[Unit], tuple[list[inline.Token], list[inline.Token]] | None] | None = None,
) -> int:
    """Write a TMX of the translated units atomically; returns how many pairs."""
    units = [u for u in units if u.target and u.target.strip() and u.source.strip()]
    write_atomically(path, tmx_bytes(units, source_lang=source_lang, target_lang=target_lang, tokens_of=tokens_of))
    return len(units)


def read_tmx(path: str, *, source_lang: str | None = None, target_lang: str | None = None) -> TmxStore:
    return TmxStore.parse(read_input(path, stdin=False), path, source_lang=source_lang, target_lang=target_lang)
