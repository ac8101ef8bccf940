"""JSON Lines: one object per line with a ``source`` string; ``target`` is added.

Pipelines keep ids, document names and QA flags beside each segment, so
every other field is written back untouched and in its original key order;
``target`` is appended (or replaced in place when the object already has
one). Blank lines are kept as blank lines so line numbers still match.
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
        return Unit(id=str(number), source=source, translatable=bool(source.strip()), meta=meta)

    def line(self, unit: Unit) -> str:
        obj = unit.meta.get("object")
        if obj is None:
            return ""
        out = dict(obj)  # keeps key order; an existing "target" keeps its place
        out[TARGET_KEY] = (unit.target or "") if unit.translatable else ""
        return json.dumps(out, ensure_ascii=False)
