"""What the bilingual XML stores (XLIFF, TMX) share: filling targets in the parsed tree.

A CAT tool's file goes back to the CAT tool, so both formats keep the
parsed tree and the original bytes, write a target only where a unit may
take one, and return the original bytes when nothing changed (a reviewer's
diff shows only what termlock wrote). The rules of which unit may be
written, when the file is re-serialised and how a unit's inline codes are
placed live here once, as translate-toolkit's ``lisa.py`` holds them for its
XML formats; each format supplies where its units live in the tree
(:class:`XmlSlot` subclasses) and how one target is written
(:meth:`XmlStore.write_target`).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any

from lxml import etree

from termlock.documents import inline
from termlock.documents.base import Store, Unit
from termlock.errors import TermlockError
from termlock.xmlsafe import local_name, parse_xml, serialize_like


#: unit statuses ``--overwrite`` reopens: drafts, machine translation, TM pre-translations
REOPENED = frozenset({"translated"})
#: and ``--overwrite-confirmed``: a person's confirmed, reviewed, approved or signed-off work as well
REOPENED_WITH_CONFIRMED = frozenset({"translated", "confirmed"})


def parse_document(data: bytes, path: str, *, kind: str, root: str, fix: str, other_file: str) -> etree._ElementTree:
    """``data`` parsed safely (:func:`termlock.xmlsafe.parse_xml`), its root element required to be ``<root>``.

    ``fix`` repairs a broken file of this kind; ``other_file`` is what to
    pass instead when the file is another kind of XML.
    """
    tree = parse_xml(data, path, kind=kind, fix=fix)
    element = tree.getroot()
    if local_name(element) != root:
        raise TermlockError(
            f"root element is <{local_name(element) or element.tag}>, not <{root}>",
            path=path,
            line=element.sourceline,
            fix=other_file,
        )
    return tree


@dataclass(kw_only=True)
class XmlSlot:
    """Where one unit lives in the tree: its source's inline tokens and what was there when parsed.

    ``locked``: never written (a CAT tool's lock, ``translate="no"``);
    ``original_target``: the target as parsed, or as
    last written, so an unchanged target is not written again.
    """

    tokens: list[inline.Token]
    locked: bool = False
    #: approved or signed off in the CAT tool: machine translation replaces it only with --overwrite-confirmed,
    #: a reviewer's edit never (:meth:`XmlStore.revise`)
    approved: bool = False
    original_target: str | None = None


class XmlStore(Store):
    """A bilingual XML file parsed into units, its tree kept to write targets back in place."""

    def __init__(
        self,
        units: list[Unit] | None = None,
        path: str | None = None,
        *,
        tree: etree._ElementTree | None = None,
        original: bytes = b"",
        source_lang: str | None = None,
        target_lang: str | None = None,
        slots: dict[str, XmlSlot] | None = None,
    ) -> None:
        super().__init__(units, path)
        self.tree = tree
        self.original = original
        self.source_lang = source_lang
        self.target_lang = target_lang
        self._slots: dict[str, XmlSlot] = slots or {}
        #: a unit was revised (:meth:`revise`) since the file was last serialised
        self._revised = False
        self._units_by_id: dict[str, Unit] | None = None

    def allow_overwrite(self, confirmed: bool = False) -> None:
        """Make translated units translatable again: drafts, machine and memory pre-translations
        (``--overwrite``), and with ``confirmed`` a person's confirmed, reviewed, approved or signed-off
        work too (``--overwrite-confirmed``); locked units never."""
        reopened = REOPENED_WITH_CONFIRMED if confirmed else REOPENED
        for unit in self.units:
            slot = self._slots.get(unit.id)
            if slot is not None and not slot.locked and unit.source.strip() and unit.meta.get("status") in reopened:
                unit.translatable = True

    def write_target(self, slot: XmlSlot, text: str, judge: Any = None) -> None:
        """Put ``text`` into the tree as the target of ``slot``'s unit, marked as the format marks MT;
        its inline codes placed by the unit's terms when ``judge`` (:meth:`Store.term_judge`) is given."""
        raise NotImplementedError

    def revise(self, unit_id: str, text: str, *, by: str | None = None, when: _dt.datetime | None = None,
               judge: Any = None) -> None:
        """Replace a unit's target with a reviewer's correction, marked as the format's tool marks a human edit.

        Any unit but a locked one may be revised, translated or not (what
        ``termlock review`` exports); ``by`` names the reviewer where the
        format records who changed a segment, ``when`` when (default: now);
        inline codes are placed by the unit's terms when ``judge`` is given.
        """
        slot = self._slots.get(unit_id)
        if slot is None:
            raise TermlockError(f"no unit with id {unit_id!r} in this file", path=self.path,
                                fix="revise units by the ids read from this same file")
        if slot.locked or slot.approved:
            raise TermlockError(
                f"unit {unit_id!r} is locked in this file (approved, final or translate=\"no\")",
                path=self.path, fix="unlock it in the CAT tool to change it, or leave it as it is",
            )
        unit = self._unit_of(unit_id)
        self.write_revision(slot, text, by, when or _dt.datetime.now(_dt.timezone.utc),
                            judge if judge is not None else self.term_judge(unit))
        unit.target = text
        slot.original_target = text
        self._revised = True

    def write_revision(self, slot: XmlSlot, text: str, by: str | None, when: _dt.datetime, judge: Any = None) -> None:
        """Put a reviewer's ``text`` into the tree as ``slot``'s target, marked as a human edit (see :meth:`revise`)."""
        raise NotImplementedError

    def _unit_of(self, unit_id: str) -> Unit:
        index = self._units_by_id
        if index is None or len(index) != len(self.units):
            index = self._units_by_id = {unit.id: unit for unit in self.units}
        return index[unit_id]

    def serialize(self) -> bytes:
        """The file with every new or changed target of a translatable, unlocked unit written.

        A blank target is no translation; with nothing written (or
        revised) the original bytes come back unchanged.
        """
        changed, self._revised = self._revised, False
        for unit in self.units:
            slot = self._slots.get(unit.id)
            text = unit.target
            if slot is None or slot.locked or not unit.translatable:
                continue
            if text is None or not text.strip() or text == slot.original_target:
                continue
            self.write_target(slot, text, self.term_judge(unit))
            slot.original_target = text
            changed = True
        if changed:
            self.original = serialize_like(self.tree, self.original)
        return self.original

    def inline_tokens(self, unit: Unit) -> tuple[list[inline.Token], list[inline.Token]] | None:
        """A unit's source tokens and its target's, codes placed as the target is written (for --tmx)."""
        slot = self._slots.get(unit.id)
        if slot is None or unit.target is None:
            return None
        return slot.tokens, inline.place_codes(slot.tokens, unit.target, self.term_judge(unit))
