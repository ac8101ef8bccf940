"""XLIFF 1.2 and 2.0 as a termlock store: translate and check bilingual files.

One termlock unit per segment: a 1.2 ``<trans-unit>`` (or each
``<mrk mtype="seg">`` of its ``<seg-source>``, as Trados and Okapi segment),
a 2.0 ``<segment>``. Unit ids are the file's ids: the trans-unit/unit id, or
``"<unit id>:<segment id>"`` when a unit holds several segments (qualified by
the ``<file>`` when two files reuse an id), so a report points a reviewer at
the unit they see in their CAT tool.

What is translated: only units with no translation yet. Locked units
(the nearest ``translate`` attribute of the unit, group or file says
``no``, Trados ``sdl:seg locked="true"``, memoQ ``mq:locked``, Phrase
``m:locked="true"``) are never written. A unit with a translation is
either *confirmed* -- a person's finished work: confirmed, reviewed,
approved or signed off (see :func:`_confirmed_12` and :func:`_confirmed_20`
for each tool's states) -- which only ``overwrite_confirmed`` replaces, or
a *draft* (a draft, machine translation, TM pre-translation, a rejected
translation), which ``overwrite`` replaces.

How a filled unit is marked, the way each tool reads it:
plain XLIFF 1.2: ``<target state="needs-review-translation"
state-qualifier="leveraged-mt">``; Trados SDLXLIFF: the segment's
``<sdl:seg conf="Draft" origin="mt" origin-system="termlock">``; memoQ:
``mq:status="MachineTranslated"`` and ``<target state="needs-review-translation">``; Phrase MXLIFF: ``m:trans-origin="mt"``
``m:confirmed="0"``; XLIFF 2.0: ``<segment state="translated"
subState="termlock:mt">``.

How a unit a reviewer corrected is marked (:meth:`XmlStore.revise`, what
``termlock review`` exports): as a person's confirmed work, the way each
tool marks a segment a translator edited and confirmed, so that a later
``--overwrite`` never replaces the correction with MT (only
``--overwrite-confirmed`` does): plain XLIFF 1.2: ``<target
state="translated">`` (an MT ``state-qualifier`` dropped); Trados
SDLXLIFF: ``<sdl:seg conf="Translated" origin="interactive">`` (match
attributes dropped, ``last_modified_by`` and ``modified_on`` values set);
memoQ: ``mq:status="ManuallyConfirmed"`` with ``mq:lastchanginguser`` and
``mq:lastchangedtimestamp``, ``<target state="translated">``; Phrase:
``m:confirmed="1"``, the MT origin dropped; XLIFF 2.0: ``<segment
state="reviewed" subState="termlock:review">``.
Locked units are never revised.

Inline codes: see :mod:`termlock.documents.inline` (stripped for the
model, re-inserted in source order, boundary codes at the boundaries, inner
codes by relative position). Everything else in the file (other units,
notes, namespaces, vendor elements, the prolog) is written back as parsed;
a store in which no unit changed serialises to the original bytes.
"""

from __future__ import annotations

import copy
import datetime as _dt
import uuid
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from lxml import etree

from termlock.errors import TermlockError
from termlock.documents import inline
from termlock.documents.base import Unit, register, write_atomically
from termlock.documents.xmlstore import XmlSlot, XmlStore, parse_document
from termlock.inputs import read_input
from termlock.xmlsafe import XML_NS, append_child, insert_after, insert_before, local_name, namespace, serialize_like

XLIFF12_NS = "urn:oasis:names:tc:xliff:document:1.2"
XLIFF20_NS = "urn:oasis:names:tc:xliff:document:2.0"
SDL_NS = "http://sdl.com/FileTypes/SdlXliff/1.0"
MQ_NS = "MQXliff"
PHRASE_NS = "http://www.memsource.com/mxlf/2.0"

XML_SPACE = f"{{{XML_NS}}}space"
XML_LANG = f"{{{XML_NS}}}lang"

#: tool name written into origin-system / subState / note authors
TOOL = "termlock"

_FIX = "export the file again from the CAT tool, or repair the named element"
_UNTRANSLATED_STATES_12 = frozenset({"new", "needs-translation"})
#: 1.2 states of finished work (``translated`` unless a qualifier says a machine or a memory made it)
_CONFIRMED_STATES_12 = frozenset({"translated", "final", "signed-off"})
#: 1.2 state qualifiers of a pre-translation: a machine, a memory or a glossary made the target, no person
_PRETRANSLATED_QUALIFIERS_12 = frozenset({
    "leveraged-mt", "mt-suggestion", "leveraged-tm", "tm-suggestion", "fuzzy-match", "exact-match", "id-match",
    "leveraged-inherited", "leveraged-repository", "leveraged-glossary",
})
#: Trados confirmation levels of a person's finished work (Draft and the two Rejected levels are not)
_SDL_CONFIRMED = frozenset({"Translated", "ApprovedTranslation", "ApprovedSignOff"})
#: XLIFF 2 states of finished work (``translated`` unless its subState says a machine made it)
_CONFIRMED_STATES_20 = frozenset({"translated", "reviewed", "final"})
#: attributes of a Trados segment that describe where its translation came from (kept as sdl:prev-origin)
_SDL_ORIGIN_ATTRIBUTES = ("origin", "origin-system", "percent", "struct-match", "text-match")
_MQ_LOCKED_VALUES = frozenset({"locked", "true", "yes", "1"})
_MQ_UNTRANSLATED = frozenset({"NotStarted", ""})
#: The XLIFF state memoQ gives a machine-translated row, beside mq:status="MachineTranslated".
_MQ_FILLED_STATE = "needs-review-translation"


@dataclass(kw_only=True)
class _Slot(XmlSlot):
    """Where one unit lives in the tree and what may be done with it."""

    unit_element: etree._Element  # 1.2 trans-unit / 2.0 segment
    note_owner: etree._Element  # 1.2 trans-unit / 2.0 unit: where notes go
    source: etree._Element  # element whose content is the source text
    mid: str | None = None  # 1.2 seg-source mrk mid
    segment_label: str | None = None  # shown in notes of multi-segment units


@register
class XliffStore(XmlStore):
    """An XLIFF 1.2 (plain, Trados SDLXLIFF, memoQ) or 2.0 document."""

    name = "xliff"
    extensions = (".xlf", ".xliff", ".sdlxliff", ".mqxliff", ".mxliff")

    def __init__(self, units: list[Unit] | None = None, path: str | None = None, *, version: str = "1.2",
                 flavour: str = "xliff", **xml: Any) -> None:
        super().__init__(units, path, **xml)
        self.version = version
        self.flavour = flavour

    # ------------------------------------------------------------------ parse

    @classmethod
    def parse(cls, data: bytes, path: str, *, overwrite: bool = False, overwrite_confirmed: bool = False) -> "XliffStore":
        tree = parse_document(data, path, kind="XLIFF", root="xliff", fix=_FIX,
                              other_file="pass an XLIFF 1.2 or 2.0 file (.xlf, .xliff, .sdlxliff, .mqxliff)")
        root = tree.getroot()
        ns = namespace(root)
        version = root.get("version", "")
        if ns == XLIFF20_NS or version.startswith("2"):
            store = _parse_20(tree, data, path)
        elif ns == XLIFF12_NS or version in {"1.2", "1.1", "1.0"}:
            store = _parse_12(tree, data, path)
        else:
            raise TermlockError(
                f"unsupported XLIFF version {version!r} (namespace {ns!r})",
                path=path,
                line=root.sourceline,
                fix="use XLIFF 1.2 or 2.0",
            )
        if overwrite or overwrite_confirmed:
            store.allow_overwrite(confirmed=overwrite_confirmed)
        return store

    # -------------------------------------------------------------- serialize

    def write_target(self, slot: _Slot, text: str, judge: Any = None) -> None:
        if self.version.startswith("2"):
            _write_20(slot, text, judge)
        else:
            _mark_12(slot.unit_element, _write_12(slot, text, judge), slot, self.flavour)

    def write_revision(self, slot: _Slot, text: str, by: str | None, when: _dt.datetime, judge: Any = None) -> None:
        if self.version.startswith("2"):
            _write_20(slot, text, judge, state="reviewed", sub_state=f"{TOOL}:review")
        else:
            _mark_revised_12(slot, _write_12(slot, text, judge), self.flavour, by, when)

    # --------------------------------------------------------------- annotate

    def annotate(self, findings_by_unit_id: Mapping[str, Sequence[str]]) -> int:
        """Add each unit's findings as notes a reviewer sees in the CAT tool.

        Each tool gets its own comment element, the one its editor shows:
        Trados Studio a segment comment (``<sdl:cmt-def>`` in ``doc-info``, the
        target segment wrapped in ``<mrk mtype="x-sdl-comment" sdl:cid>``),
        memoQ a row comment (``<mq:comments><mq:comment creatoruser="termlock"
        appliesto="Target">``), plain XLIFF 1.2 ``<note from="termlock">``,
        2.0 ``<note category="termlock">``. Earlier termlock notes are
        removed first, so annotating again replaces them instead of piling
        up. Returns the number of notes written.
        """
        unknown = [uid for uid in findings_by_unit_id if uid not in self._slots]
        if unknown:
            raise TermlockError(
                f"no unit with id {unknown[0]!r} in this XLIFF",
                path=self.path,
                fix="pass findings keyed by the unit ids read from this same file",
            )
        owners: dict[int, etree._Element] = {}
        for slot in self._slots.values():
            owners[id(slot.note_owner)] = slot.note_owner
        for owner in owners.values():
            _remove_termlock_notes(owner, self.version)
        root = self.tree.getroot()
        if self.flavour == "sdl":
            _remove_sdl_comments(root)
        when = _dt.datetime.now(_dt.timezone.utc)
        count = 0
        for uid, messages in findings_by_unit_id.items():
            slot = self._slots[uid]
            if self.flavour == "sdl" and messages and _add_sdl_comment(root, slot, messages, when):
                count += len(messages)
                continue
            if self.flavour == "memoq" and messages:
                _add_memoq_comments(slot.unit_element, uid, messages, when)
                count += len(messages)
                continue
            for message in messages:
                text = f"{slot.segment_label}: {message}" if slot.segment_label else message
                if self.version.startswith("2"):
                    _add_note_20(slot.note_owner, text)
                else:
                    _add_note_12(slot.note_owner, text)
                count += 1
        self.original = serialize_like(self.tree, self.original)
        return count


# ---------------------------------------------------------------------- 1.2


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}" if ns else name


def _require_id(element: etree._Element, path: str, what: str) -> str:
    value = element.get("id")
    if not value:
        raise TermlockError(
            f"<{what}> without an id attribute",
            path=path,
            line=element.sourceline,
            fix=f"give every <{what}> a unique id (CAT tools write one)",
        )
    return value


def _translate_no(element: etree._Element, stop: str) -> bool:
    """Whether the nearest ``translate`` attribute, on the element or an ancestor up to (and incl.) ``stop``, says no.

    The nearest one wins, as both standards define it: a ``<group
    translate="yes">`` inside a ``<file translate="no">`` is translated.
    """
    node: etree._Element | None = element
    while node is not None:
        value = node.get("translate")
        if value is not None:
            return value == "no"
        if local_name(node) == stop:
            return False
        node = node.getparent()
    return False


def _flavour_12(root: etree._Element) -> str:
    namespaces = set(root.nsmap.values())
    if SDL_NS in namespaces or root.find(f".//{{{SDL_NS}}}seg-defs") is not None:
        return "sdl"
    if MQ_NS in namespaces:
        return "memoq"
    if PHRASE_NS in namespaces:
        return "phrase"
    return "xliff"


def _seg_mrks(container: etree._Element | None, ns: str) -> list[etree._Element]:
    if container is None:
        return []
    return [m for m in container.iter(_q(ns, "mrk")) if m.get("mtype") == "seg"]


def _notes_12(tu: etree._Element, ns: str) -> list[str]:
    return [inline.plain_text(inline.tokenize(n)).strip() for n in tu.findall(_q(ns, "note"))]


def _plain(element: etree._Element | None) -> str:
    if element is None:
        return ""
    return inline.plain_text(inline.tokenize(element))


def _parse_12(tree: etree._ElementTree, data: bytes, path: str) -> XliffStore:
    root = tree.getroot()
    ns = namespace(root)
    flavour = _flavour_12(root)
    pending: list[tuple[str, str, Unit, _Slot]] = []  # (file key, local id, unit, slot)
    source_lang = target_lang = None
    for file_index, file_el in enumerate(root.iter(_q(ns, "file")), start=1):
        source_lang = source_lang or file_el.get("source-language")
        target_lang = target_lang or file_el.get("target-language")
        file_key = file_el.get("original") or f"file{file_index}"
        for tu in file_el.iter(_q(ns, "trans-unit")):
            tu_id = _require_id(tu, path, "trans-unit")
            source = tu.find(_q(ns, "source"))
            if source is None:
                raise TermlockError(
                    f"<trans-unit id={tu_id!r}> has no <source>",
                    path=path,
                    line=tu.sourceline,
                    fix="every trans-unit needs a <source> element",
                )
            target = tu.find(_q(ns, "target"))
            state = target.get("state") if target is not None else None
            locked = (
                _translate_no(tu, "file")
                or (tu.get(f"{{{MQ_NS}}}locked") or "").lower() in _MQ_LOCKED_VALUES
                or tu.get(f"{{{PHRASE_NS}}}locked") == "true"
            )
            notes = _notes_12(tu, ns)
            meta_base = {
                "format": "xliff",
                "xliff_version": "1.2",
                "flavour": flavour,
                "unit": tu_id,
                "state": state,
                "notes": notes,
                "line": tu.sourceline,
            }
            if flavour == "memoq" and tu.get(f"{{{MQ_NS}}}status"):
                meta_base["mq_status"] = tu.get(f"{{{MQ_NS}}}status")
                if meta_base["mq_status"] not in _MQ_UNTRANSLATED and state in _UNTRANSLATED_STATES_12:
                    # memoQ's own status says it has a translation (files filled before the state was set)
                    state = _MQ_FILLED_STATE
            mrks = _seg_mrks(tu.find(_q(ns, "seg-source")), ns)
            if not mrks:
                slot = _Slot(unit_element=tu, note_owner=tu, source=source, tokens=inline.tokenize(source), locked=locked)
                target_text = _plain(target) if target is not None else None
                confirmed = _confirmed_12(tu, target, flavour, None)
                slot.approved = _approved_12(tu, target, None)
                unit = _make_unit(tu_id, slot, target_text, state, meta_base, confirmed)
                pending.append((file_key, tu_id, unit, slot))
                continue
            target_mrks = {m.get("mid"): m for m in _seg_mrks(target, ns)}
            sdl_segs = {s.get("id"): s for s in tu.iter(f"{{{SDL_NS}}}seg")}
            for mrk in mrks:
                mid = mrk.get("mid")
                if not mid:
                    raise TermlockError(
                        f'<mrk mtype="seg"> without mid in trans-unit {tu_id!r}',
                        path=path,
                        line=mrk.sourceline,
                        fix='give every segment marker a mid attribute matching its <target> <mrk>',
                    )
                sdl_seg = sdl_segs.get(mid)
                seg_locked = locked
                meta = dict(meta_base, segment=mid)
                if sdl_seg is not None:
                    seg_locked = seg_locked or sdl_seg.get("locked") == "true"
                    meta["sdl_conf"] = sdl_seg.get("conf")
                    meta["sdl_origin"] = sdl_seg.get("origin")
                slot = _Slot(
                    unit_element=tu,
                    note_owner=tu,
                    source=mrk,
                    tokens=inline.tokenize(mrk),
                    mid=mid,
                    segment_label=f"segment {mid}" if len(mrks) > 1 else None,
                    locked=seg_locked,
                )
                target_mrk = target_mrks.get(mid)
                target_text = _plain(target_mrk) if target_mrk is not None else None
                local_id = tu_id if len(mrks) == 1 else f"{tu_id}:{mid}"
                confirmed = _confirmed_12(tu, target, flavour, sdl_seg)
                slot.approved = _approved_12(tu, target, sdl_seg)
                unit = _make_unit(local_id, slot, target_text, state, meta, confirmed)
                pending.append((file_key, local_id, unit, slot))
    return _finish(tree, data, path, "1.2", flavour, source_lang, target_lang, pending)


def _confirmed_12(tu: etree._Element, target: etree._Element | None, flavour: str,
                  sdl_seg: etree._Element | None) -> bool:
    """Whether a 1.2 unit's translation is a person's finished work (confirmed, reviewed, approved, signed off).

    Each tool says it its own way: ``approved="yes"`` or state ``final``/
    ``signed-off`` anywhere; Trados by the segment's confirmation level
    (``Translated``, ``ApprovedTranslation``, ``ApprovedSignOff``; not
    ``Draft``, ``RejectedTranslation``, ``RejectedSignOff``); memoQ by
    ``mq:status`` (``Confirmed``, ``ManuallyConfirmed``, ``Proofread`` and
    the other confirmed/proofread levels; not ``PartiallyEdited``,
    ``Pretranslated``, ``MachineTranslated``...); Phrase by
    ``m:confirmed="1"``; plain XLIFF by state ``translated`` (or no state:
    a target of unknown origin is taken for a person's) unless its
    ``state-qualifier`` names a machine, memory or glossary match.
    """
    state = target.get("state") if target is not None else None
    if tu.get("approved") == "yes" or state in ("final", "signed-off"):
        return True
    if flavour == "sdl" and sdl_seg is not None:
        return sdl_seg.get("conf") in _SDL_CONFIRMED
    if flavour == "memoq" and tu.get(f"{{{MQ_NS}}}status") is not None:
        status = tu.get(f"{{{MQ_NS}}}status", "").lower()
        return "confirmed" in status or "proofread" in status
    if flavour == "phrase" and tu.get(f"{{{PHRASE_NS}}}confirmed") is not None:
        return tu.get(f"{{{PHRASE_NS}}}confirmed") == "1"
    qualifier = target.get("state-qualifier") if target is not None else None
    return (state is None or state in _CONFIRMED_STATES_12) and qualifier not in _PRETRANSLATED_QUALIFIERS_12


def _approved_12(tu: etree._Element, target: etree._Element | None, sdl_seg: etree._Element | None) -> bool:
    """Whether a 1.2 unit is approved or signed off (``approved="yes"``, state ``final``/``signed-off``, a
    Trados approved level): finished work a reviewer's edit may not change either (:meth:`XmlStore.revise`)."""
    state = target.get("state") if target is not None else None
    return (tu.get("approved") == "yes" or state in ("final", "signed-off")
            or (sdl_seg is not None and sdl_seg.get("conf") in ("ApprovedTranslation", "ApprovedSignOff")))


def _confirmed_20(segment: etree._Element) -> bool:
    """Whether a 2.0 segment's translation is finished human work: state ``reviewed`` or ``final``, or
    ``translated`` unless its ``subState`` names machine translation (termlock's ``termlock:mt``)."""
    state = segment.get("state", "initial")
    if state == "translated":
        sub_state = (segment.get("subState") or "").lower()
        return not any(part in ("mt", "machine-translation", "machinetranslation") for part in sub_state.split(":")[1:])
    return state in _CONFIRMED_STATES_20


def _make_unit(
    uid: str,
    slot: _Slot,
    target_text: str | None,
    state: str | None,
    meta: dict,
    confirmed: bool = False,
) -> Unit:
    source_text = inline.plain_text(slot.tokens).strip()
    target_clean = target_text.strip() if target_text is not None else None
    translated = bool(target_clean) and state not in _UNTRANSLATED_STATES_12
    if slot.locked:
        status = "locked"
    elif not source_text:
        status = "empty"
    elif translated:
        status = "confirmed" if confirmed else "translated"
    else:
        status = "untranslated"
    slot.original_target = target_clean if translated else None
    meta = dict(meta, status=status, codes=len(inline.codes_of(slot.tokens)))
    if slot.approved and status == "confirmed":
        meta["approved"] = True  # approved or signed off: not revised in review either
    return Unit(
        id=uid,
        source=source_text,
        target=target_clean if translated else None,
        translatable=status == "untranslated",
        meta=meta,
    )


def _finish(
    tree: etree._ElementTree,
    data: bytes,
    path: str,
    version: str,
    flavour: str,
    source_lang: str | None,
    target_lang: str | None,
    pending: list[tuple[str, str, Unit, _Slot]],
) -> XliffStore:
    """Give units unique ids: the file's own, qualified by file only on clashes."""
    seen: dict[str, int] = {}
    for _, local_id, _, _ in pending:
        seen[local_id] = seen.get(local_id, 0) + 1
    units: list[Unit] = []
    slots: dict[str, _Slot] = {}
    for file_key, local_id, unit, slot in pending:
        if seen[local_id] > 1:
            unit.id = f"{file_key}/{local_id}"
        if unit.id in slots:
            raise TermlockError(
                f"duplicate unit id {local_id!r} in <file> {file_key!r}",
                path=path,
                line=slot.unit_element.sourceline,
                fix="unit ids must be unique within each <file>",
            )
        slots[unit.id] = slot
        units.append(unit)
    return XliffStore(
        units,
        path,
        tree=tree,
        original=data,
        version=version,
        flavour=flavour,
        source_lang=source_lang,
        target_lang=target_lang,
        slots=slots,
    )


def _write_12(slot: _Slot, text: str, judge: Any = None) -> etree._Element:
    """Write ``text`` as the slot's target (made where missing); returns the ``<target>`` (unmarked)."""
    tu = slot.unit_element
    ns = namespace(tu)
    target = tu.find(_q(ns, "target"))
    if slot.mid is None:
        if target is None:
            target = etree.Element(_q(ns, "target"))
            file_el = next((a for a in tu.iterancestors() if local_name(a) == "file"), None)
            target_lang = file_el.get("target-language") if file_el is not None else None
            if slot.source.get(XML_LANG) and target_lang:
                target.set(XML_LANG, target_lang)
            if slot.source.get(XML_SPACE):
                target.set(XML_SPACE, slot.source.get(XML_SPACE))
            insert_after(slot.source, target)
        inline.fill(target, inline.place_codes(slot.tokens, text, judge))
    else:
        if target is None:
            seg_source = tu.find(_q(ns, "seg-source"))
            target = copy.deepcopy(seg_source)
            target.tag = _q(ns, "target")
            target.attrib.pop(XML_LANG, None)
            for mrk in _seg_mrks(target, ns):
                tail = mrk.tail
                for child in list(mrk):
                    mrk.remove(child)
                mrk.text = None
                mrk.tail = tail
            insert_after(seg_source, target)
        target_mrk = next((m for m in _seg_mrks(target, ns) if m.get("mid") == slot.mid), None)
        if target_mrk is None:
            target_mrk = etree.SubElement(target, _q(ns, "mrk"), mtype="seg", mid=slot.mid)
        inline.fill(target_mrk, inline.place_codes(slot.tokens, text, judge))
    return target


def _sdl_seg(tu: etree._Element, mid: str) -> etree._Element:
    """The ``<sdl:seg>`` of segment ``mid`` (made when the file has none)."""
    seg_defs = tu.find(f"{{{SDL_NS}}}seg-defs")
    if seg_defs is None:
        seg_defs = etree.SubElement(tu, f"{{{SDL_NS}}}seg-defs")
    seg = next((s for s in seg_defs if s.get("id") == mid and local_name(s) == "seg"), None)
    if seg is None:
        seg = etree.SubElement(seg_defs, f"{{{SDL_NS}}}seg", id=mid)
    return seg


def _mark_revised_12(slot: _Slot, target: etree._Element, flavour: str, by: str | None, when: _dt.datetime) -> None:
    """Mark a reviewer's correction as the tool marks a human edit (see the module docstring)."""
    tu = slot.unit_element
    if flavour == "sdl" and slot.mid is not None:
        seg = _sdl_seg(tu, slot.mid)
        for stale in ("percent", "text-match", "struct-match", "origin-system"):
            seg.attrib.pop(stale, None)
        seg.set("conf", "Translated")
        seg.set("origin", "interactive")
        values = {v.get("key"): v for v in seg if local_name(v) == "value"}
        stamps = {"modified_on": when.strftime("%m/%d/%Y %H:%M:%S")}
        if by:
            stamps["last_modified_by"] = by
        for key, value in stamps.items():
            element = values.get(key)
            if element is None:
                element = etree.SubElement(seg, f"{{{SDL_NS}}}value", key=key)
            element.text = value
    elif flavour == "memoq":
        tu.set(f"{{{MQ_NS}}}status", "ManuallyConfirmed")
        tu.attrib.pop(f"{{{MQ_NS}}}percent", None)  # the reviewer's text is no TM match
        tu.set(f"{{{MQ_NS}}}lastchangedtimestamp", when.strftime("%Y-%m-%dT%H:%M:%SZ"))
        if by:
            tu.set(f"{{{MQ_NS}}}lastchanginguser", by)
        target.set("state", "translated")
    elif flavour == "phrase":
        tu.attrib.pop(f"{{{PHRASE_NS}}}trans-origin", None)
        tu.set(f"{{{PHRASE_NS}}}confirmed", "1")
    else:
        target.set("state", "translated")
        target.attrib.pop("state-qualifier", None)


def _mark_12(tu: etree._Element, target: etree._Element, slot: _Slot, flavour: str) -> None:
    if flavour == "sdl" and slot.mid is not None:
        seg = _sdl_seg(tu, slot.mid)
        _keep_sdl_origin(seg)
        seg.set("conf", "Draft")
        seg.set("origin", "mt")
        seg.set("origin-system", TOOL)
    elif flavour == "memoq":
        tu.set(f"{{{MQ_NS}}}status", "MachineTranslated")
        tu.attrib.pop(f"{{{MQ_NS}}}percent", None)  # a TM match's percentage says nothing about machine translation
        # a target left at state="new"/"needs-translation" reads as empty to every XLIFF reader
        target.set("state", _MQ_FILLED_STATE)
    elif flavour == "phrase":
        tu.set(f"{{{PHRASE_NS}}}trans-origin", "mt")
        tu.set(f"{{{PHRASE_NS}}}confirmed", "0")
    else:
        target.set("state", "needs-review-translation")
        target.set("state-qualifier", "leveraged-mt")


def _keep_sdl_origin(seg: etree._Element) -> None:
    """Move a Trados segment's origin (a draft's, a TM match's, with its history) into ``<sdl:prev-origin>``,
    as Studio does when a translation is replaced, so the new origin's history keeps where the old one came from.

    The segment's ``sdl:value`` records (``created_by``...) describe that
    earlier translation too, so they move with it.
    """
    if not any(seg.get(name) is not None for name in _SDL_ORIGIN_ATTRIBUTES):
        return
    previous = etree.Element(f"{{{SDL_NS}}}prev-origin")
    for name in _SDL_ORIGIN_ATTRIBUTES:
        value = seg.attrib.pop(name, None)
        if value is not None:
            previous.set(name, value)
    for child in list(seg):
        if local_name(child) in ("prev-origin", "value") and namespace(child) == SDL_NS:
            seg.remove(child)
            child.tail = None
            previous.append(child)
    seg.insert(0, previous)


def _remove_termlock_notes(owner: etree._Element, version: str) -> None:
    ns = namespace(owner)
    comments = owner.find(f"{{{MQ_NS}}}comments")
    if comments is not None:
        for comment in comments.findall(f"{{{MQ_NS}}}comment"):
            if comment.get("creatoruser") == TOOL:
                _remove_keeping_tail(comment)
        if not len(comments):
            _remove_keeping_tail(comments)
    if version.startswith("2"):
        notes = owner.find(_q(ns, "notes"))
        if notes is None:
            return
        for note in notes.findall(_q(ns, "note")):
            if note.get("category") == TOOL:
                _remove_keeping_tail(note)
        if not len(notes):
            _remove_keeping_tail(notes)
    else:
        for note in owner.findall(_q(ns, "note")):
            if note.get("from") == TOOL:
                _remove_keeping_tail(note)


def _remove_keeping_tail(element: etree._Element) -> None:
    """Remove ``element``; the whitespace after it replaces the one before it."""
    parent = element.getparent()
    previous = element.getprevious()
    if element.tail is not None:
        if previous is not None:
            previous.tail = element.tail
        else:
            parent.text = element.tail
    parent.remove(element)


def _comment_id(*parts: str) -> str:
    """A stable id for termlock's comment on one segment (the same findings give the same file)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "termlock:" + "\x1f".join(parts)))


def _add_sdl_comment(root: etree._Element, slot: _Slot, messages: Sequence[str], when: _dt.datetime) -> bool:
    """The findings as one Trados Studio segment comment; False when the segment has no target to comment on.

    Studio keeps a comment's text in ``doc-info/cmt-defs/cmt-def/Comments/
    Comment`` (severity, user, date, version) and marks what it is about by
    wrapping that text in the target: ``<mrk mtype="x-sdl-comment"
    sdl:cid="...">``.
    """
    tu = slot.unit_element
    ns = namespace(tu)
    target = tu.find(_q(ns, "target"))
    if slot.mid is None or target is None:
        return False
    segment = next((m for m in _seg_mrks(target, ns) if m.get("mid") == slot.mid), None)
    if segment is None:
        return False
    cid = _comment_id(tu.get("id", ""), slot.mid)
    doc_info = root.find(f"{{{SDL_NS}}}doc-info")
    if doc_info is None:
        doc_info = etree.Element(f"{{{SDL_NS}}}doc-info", nsmap={None: SDL_NS})
        root.insert(0, doc_info)
        doc_info.tail = root.text
    definitions = doc_info.find(f"{{{SDL_NS}}}cmt-defs")
    if definitions is None:
        definitions = etree.SubElement(doc_info, f"{{{SDL_NS}}}cmt-defs")
    definition = etree.SubElement(definitions, f"{{{SDL_NS}}}cmt-def", id=cid)
    comments = etree.SubElement(definition, f"{{{SDL_NS}}}Comments")
    stamp = when.isoformat(timespec="microseconds")
    for message in messages:
        comment = etree.SubElement(comments, f"{{{SDL_NS}}}Comment", severity="Medium", user=TOOL, date=stamp, version="1.0")
        comment.text = message
    marker = etree.Element(_q(ns, "mrk"), mtype="x-sdl-comment")
    marker.set(f"{{{SDL_NS}}}cid", cid)
    marker.text, segment.text = segment.text, None
    for child in list(segment):
        marker.append(child)
    segment.append(marker)
    return True


def _remove_sdl_comments(root: etree._Element) -> None:
    """Take termlock's earlier Trados comments out: their definitions, and the markers around target text."""
    ids = set()
    for definition in root.iter(f"{{{SDL_NS}}}cmt-def"):
        users = {c.get("user") for c in definition.iter(f"{{{SDL_NS}}}Comment")}
        if users == {TOOL}:
            ids.add(definition.get("id"))
    if not ids:
        return
    for definition in [d for d in root.iter(f"{{{SDL_NS}}}cmt-def") if d.get("id") in ids]:
        definitions = definition.getparent()
        _remove_keeping_tail(definition)
        if not len(definitions):
            _remove_keeping_tail(definitions)
    for marker in [m for m in root.iter(f"{{{XLIFF12_NS}}}mrk") if m.get(f"{{{SDL_NS}}}cid") in ids]:
        _unwrap(marker)


def _unwrap(element: etree._Element) -> None:
    """Replace ``element`` by its content (text, children, tail kept in place)."""
    parent = element.getparent()
    previous = element.getprevious()

    def add_text(after: etree._Element | None, text: str | None) -> None:
        if not text:
            return
        if after is None:
            parent.text = (parent.text or "") + text
        else:
            after.tail = (after.tail or "") + text

    add_text(previous, element.text)
    children = list(element)
    for child in children:
        element.addprevious(child)
    tail, element.tail = element.tail, None
    parent.remove(element)
    add_text(children[-1] if children else previous, tail)


def _add_memoq_comments(tu: etree._Element, uid: str, messages: Sequence[str], when: _dt.datetime) -> None:
    """The findings as memoQ row comments on the target (``<mq:comments>`` at the end of the trans-unit)."""
    comments = tu.find(f"{{{MQ_NS}}}comments")
    if comments is None:
        comments = etree.Element(f"{{{MQ_NS}}}comments")
        append_child(tu, comments)
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    for number, message in enumerate(messages):
        comment = etree.Element(f"{{{MQ_NS}}}comment", id=_comment_id(uid, str(number), message), creatoruser=TOOL,
                                time=stamp, deleted="false", category="0", appliesto="Target", origin="User")
        comment.text = message
        append_child(comments, comment)


def _add_note_12(tu: etree._Element, text: str) -> None:
    ns = namespace(tu)
    note = etree.Element(_q(ns, "note"))
    note.set("from", TOOL)
    note.set("priority", "1")
    note.text = text
    anchors = [
        child
        for child in tu
        if local_name(child) in {"source", "seg-source", "target", "note"} and namespace(child) == ns
    ]
    insert_after(anchors[-1], note)


def _add_note_20(unit: etree._Element, text: str) -> None:
    """A ``<note category="termlock">`` in the unit's ``<notes>``, made where the schema wants it when missing:
    after the unit's extension elements (``mda:metadata``...), before ``originalData`` and the segments."""
    ns = namespace(unit)
    notes = unit.find(_q(ns, "notes"))
    if notes is None:
        notes = etree.Element(_q(ns, "notes"))
        anchor = next((child for child in unit if isinstance(child.tag, str) and namespace(child) == ns), None)
        if anchor is None:
            append_child(unit, notes)
        else:
            insert_before(anchor, notes)
    note = etree.Element(_q(ns, "note"))
    note.set("category", TOOL)
    note.set("priority", "1")
    note.text = text
    append_child(notes, note)


# ---------------------------------------------------------------------- 2.0


def _parse_20(tree: etree._ElementTree, data: bytes, path: str) -> XliffStore:
    root = tree.getroot()
    ns = namespace(root)
    pending: list[tuple[str, str, Unit, _Slot]] = []
    for file_index, file_el in enumerate(root.iter(_q(ns, "file")), start=1):
        file_key = file_el.get("id") or f"file{file_index}"
        for unit_el in file_el.iter(_q(ns, "unit")):
            unit_id = _require_id(unit_el, path, "unit")
            locked = _translate_no(unit_el, "xliff")
            notes_el = unit_el.find(_q(ns, "notes"))
            notes = [] if notes_el is None else [_plain(n).strip() for n in notes_el.findall(_q(ns, "note"))]
            segments = unit_el.findall(_q(ns, "segment"))
            for number, segment in enumerate(segments, start=1):
                source = segment.find(_q(ns, "source"))
                if source is None:
                    raise TermlockError(
                        f"<segment> of unit {unit_id!r} has no <source>",
                        path=path,
                        line=segment.sourceline,
                        fix="every segment needs a <source> element",
                    )
                target = segment.find(_q(ns, "target"))
                state = segment.get("state")
                segment_id = segment.get("id") or str(number)
                slot = _Slot(
                    unit_element=segment,
                    note_owner=unit_el,
                    source=source,
                    tokens=inline.tokenize(source),
                    segment_label=f"segment {segment_id}" if len(segments) > 1 else None,
                    locked=locked,
                )
                meta = {
                    "format": "xliff",
                    "xliff_version": root.get("version", "2.0"),
                    "flavour": "xliff",
                    "unit": unit_id,
                    "segment": segment.get("id"),
                    "state": state,
                    "sub_state": segment.get("subState"),
                    "notes": notes,
                    "line": segment.sourceline,
                }
                local_id = unit_id if len(segments) == 1 else f"{unit_id}:{segment_id}"
                target_text = _plain(target) if target is not None else None
                slot.approved = segment.get("state") == "final"
                unit = _make_unit(local_id, slot, target_text, None, meta, _confirmed_20(segment))
                pending.append((file_key, local_id, unit, slot))
    return _finish(
        tree, data, path, root.get("version", "2.0"), "xliff", root.get("srcLang"), root.get("trgLang"), pending
    )


def _write_20(slot: _Slot, text: str, judge: Any = None, *, state: str = "translated", sub_state: str = f"{TOOL}:mt") -> None:
    segment = slot.unit_element
    ns = namespace(segment)
    target = segment.find(_q(ns, "target"))
    if target is None:
        target = etree.Element(_q(ns, "target"))
        if slot.source.get(XML_SPACE):
            target.set(XML_SPACE, slot.source.get(XML_SPACE))
        insert_after(slot.source, target)
    inline.fill(target, inline.place_codes(slot.tokens, text, judge))
    segment.set("state", state)
    segment.set("subState", sub_state)


# --------------------------------------------------------------- functions


def read_xliff(path: str, *, overwrite: bool = False) -> XliffStore:
    """Parse an XLIFF file from disk (errors name the file)."""
    return XliffStore.parse(read_input(path, stdin=False), path, overwrite=overwrite)


def annotate_xliff(
    path: str,
    findings_by_unit_id: Mapping[str, Sequence[str]],
    out_path: str,
) -> int:
    """Write a copy of the XLIFF at ``path`` to ``out_path`` with the findings
    as notes (1.2 ``<note from="termlock">``, 2.0 ``<note category="termlock">``)
    on each unit; returns the number of notes written."""
    store = read_xliff(path)
    count = store.annotate(findings_by_unit_id)
    write_atomically(out_path, store.original)
    return count
