"""JSON Lines: one object per line with a ``source`` string; ``target`` is added.

Pipelines keep ids, document names and QA flags beside each segment, so
every other field is written back untouched and in its original key order;
``target`` is appended. An object that already has a non-empty ``target``
string keeps it, as a translated XLIFF unit keeps its target: only
``--overwrite`` (:meth:`JsonlStore.allow_overwrite`) replaces it, in place.
Blank lines are kept as blank lines so line numbers still match.
"""

from __future__ import annotations

import json
from typing import Any

from termlock import jsonsafe
from termlock.errors import TermlockError
from termlock.documents.base import Unit, register
from termlock.documents.text import LineStore

SOURCE_KEY = "source"
TARGET_KEY = "target"

_FIX = 'make each line one JSON object with a "source" string, e.g. {"id": 1, "source": "双核驱动"}'


def _object_at(line: str, path: str, number: int) -> dict[str, Any]:
    try:
        value = jsonsafe.loads(line)  # also a line nested thousands deep: refused, not a RecursionError
    except jsonsafe.JsonRefused as exc:
        column = f" (column {exc.column})" if exc.column else ""
        raise TermlockError(f"not valid JSON: {exc.message}{column}", path=path, line=number, fix=_FIX) from None
    if not isinstance(value, dict):
        raise TermlockError(f"expected a JSON object, found {type(value).__name__}", path=path, line=number, fix=_FIX)
    if SOURCE_KEY not in value:
        raise TermlockError('the object has no "source" field', path=path, line=number, fix=_FIX)
    if not isinstance(value[SOURCE_KEY], str):
        raise TermlockError(
            f'"source" must be a string, found {type(value[SOURCE_KEY]).__name__}', path=path, line=number, fix=_FIX
        )
    return value


@register
class JsonlStore(LineStore):
    """A JSON Lines file of ``{"source": ...}`` objects."""

    name = "jsonl"
    extensions = (".jsonl", ".ndjson", ".jsonlines")

    @classmethod
    def unit(cls, number: int, line: str, path: str) -> Unit:
        if not line.strip():
            return Unit(id=str(number), source="", translatable=False, meta={"blank": line})
        obj = _object_at(line, path, number)
        source = obj[SOURCE_KEY]
        meta = {"object": obj}
        if isinstance(obj.get("id"), (str, int)) and not isinstance(obj.get("id"), bool):
            meta["id"] = str(obj["id"])  # the object's own id: what --report names the segment by
        existing = obj.get(TARGET_KEY)
        if isinstance(existing, str) and existing.strip() and source.strip():
            meta["status"] = "translated"  # kept unless --overwrite, like a translated XLIFF unit
            return Unit(id=str(number), source=source, target=existing, translatable=False, meta=meta)
        return Unit(id=str(number), source=source, translatable=bool(source.strip()), meta=meta)

    def allow_overwrite(self, confirmed: bool = False) -> None:
        """``--overwrite``: objects that already have a ``target`` are translated again (it is replaced in place).

        JSON Lines record no state, so a target is a draft to ``--overwrite``
        (``confirmed`` changes nothing).
        """
        for unit in self.units:
            if unit.meta.get("status") == "translated":
                unit.translatable = True

    def line(self, unit: Unit) -> str:
        obj = unit.meta.get("object")
        if obj is None:
            return ""
        if not unit.translatable and unit.meta.get("status") == "translated":
            return json.dumps(obj, ensure_ascii=False)  # its own translation, kept
        out = dict(obj)  # keeps key order; an existing "target" keeps its place
        out[TARGET_KEY] = (unit.target or "") if unit.translatable else ""
        return json.dumps(out, ensure_ascii=False)
