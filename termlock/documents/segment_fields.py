"""Which part of a JSONL or TSV line a check compares: the source, or the translation.

``termlock translate`` writes a translated JSONL as objects with ``source``
and ``target`` fields and a translated TSV with the translation as column 2,
beside the source in column 1. Checking such a file as plain lines would
compare whole JSON objects or whole rows, Chinese source column included,
and find "dual cores" in the source column: a wrong answer without a word.
So every check (``--source``/``--target``/``--reference``, ``--bilingual``,
the local and the Ray engine) reads a ``.jsonl``/``.tsv`` file through
:class:`FieldReader`, by its role:

* ``source``: the ``source`` field / column 1;
* ``target``: the ``target`` field / column 2;
* ``reference``: the ``reference`` field, else ``target`` / column 2 (a
  reference translation is a translation file).

A JSONL object's ``id`` is the segment's id (reports, accepted findings). A
line with no such field or column is refused with its line and the fix,
never read as an empty translation; a blank line is an empty segment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Iterator

from termlock import jsonsafe
from termlock.errors import TermlockError

SOURCE, TARGET, REFERENCE = "source", "target", "reference"
JSONL_EXTENSIONS = (".jsonl", ".ndjson", ".jsonlines")
TSV_EXTENSIONS = (".tsv", ".tab")
_JSONL_KEYS = {SOURCE: (SOURCE,), TARGET: (TARGET,), REFERENCE: (REFERENCE, TARGET)}
_COLUMN = {SOURCE: 0, TARGET: 1, REFERENCE: 1}


def field_format(path: str | None) -> str | None:
    """``"jsonl"`` or ``"tsv"`` when the path's extension names one, else None (plain lines)."""
    if not path or path == "-":
        return None
    suffix = Path(path).suffix.lower()
    if suffix in JSONL_EXTENSIONS:
        return "jsonl"
    if suffix in TSV_EXTENSIONS:
        return "tsv"
    return None


def _id_of(obj: dict[str, Any]) -> str | None:
    value = obj.get("id")
    if value is None or isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    return str(value)


class FieldReader:
    """``(text, id)`` of one line of a JSONL or TSV file, for one role.

    ``missing_ok``: a line without the role's field or column gives
    ``(None, id)`` instead of an error (an untranslated unit of a bilingual
    file).
    """

    def __init__(self, fmt: str, role: str, path: str, option: str, *, missing_ok: bool = False) -> None:
        if fmt not in ("jsonl", "tsv") or role not in _COLUMN:
            raise ValueError(f"no {role} field in {fmt}")
        self.fmt, self.role, self.path, self.option, self.missing_ok = fmt, role, path, option, missing_ok

    def __call__(self, number: int, line: str) -> tuple[str | None, str | None]:
        if not line.strip():
            return "", None
        if self.fmt == "tsv":
            columns = line.split("\t")
            column = _COLUMN[self.role]
            if column < len(columns):
                return columns[column], None
            if self.missing_ok:
                return None, None
            raise TermlockError(
                f"{self.option}: this TSV line has no column {column + 1}: a translated TSV holds the source in "
                "column 1 and the translation in column 2 (as termlock translate writes it)",
                path=self.path, line=number,
                fix="give the translation in column 2, or check a plain text file (one segment per line, .txt)",
            )
        try:
            obj = jsonsafe.loads(line)
        except jsonsafe.JsonRefused as exc:
            raise TermlockError(f"{self.option}: not valid JSON: {exc.message}", path=self.path, line=number,
                                fix="one JSON object per line") from None
        if not isinstance(obj, dict):
            raise TermlockError(f"{self.option}: expected a JSON object, found {type(obj).__name__}", path=self.path,
                                line=number, fix='one JSON object per line, e.g. {"id": 1, "source": ..., "target": ...}')
        keys = _JSONL_KEYS[self.role]
        key = next((k for k in keys if k in obj), None)
        if key is None or not isinstance(obj[key], (str, type(None))):
            if self.missing_ok and key is None:
                return None, _id_of(obj)
            wanted = " or ".join(repr(k) for k in keys)
            raise TermlockError(
                f"{self.option}: the object has no {wanted} string", path=self.path, line=number,
                fix=f"give every line a {keys[0]!r} field" + (" (a translated JSONL: termlock translate writes 'target')"
                                                             if self.role != SOURCE else ""),
            )
        return obj[key] or "", _id_of(obj)


def role_values(lines: Iterable[str], fmt: str, role: str, path: str, option: str) -> Iterator[tuple[str, str | None]]:
    """``(text, id)`` per line (see :class:`FieldReader`)."""
    read = FieldReader(fmt, role, path, option)
    for number, line in enumerate(lines, start=1):
        text, segment_id = read(number, line)
        yield text or "", segment_id


def role_pairs(
    pairs: Iterable[tuple[str, str]],
    source: tuple[str, str],
    target: tuple[str, str],
) -> Iterable[tuple[str, str]] | Iterator[tuple[str, str, str | None]]:
    """Aligned ``(source line, target line)`` pairs as ``(source text, target text, id)``.

    ``source``/``target`` are ``(option, path)``; a side that is no JSONL or
    TSV file is its lines. Pairs of two plain files come back untouched (no
    cost for the common case). The id is the source object's, else the
    target's; two JSONL files whose ids differ on a line are not aligned.
    """
    read_source = _reader(*source, SOURCE)
    read_target = _reader(*target, TARGET)
    if read_source is None and read_target is None:
        return pairs
    return _mapped(pairs, read_source, read_target, source, target)


def _reader(option: str, path: str, role: str) -> FieldReader | None:
    fmt = field_format(path)
    return None if fmt is None else FieldReader(fmt, role, path, option)


def _mapped(pairs, read_source, read_target, source, target) -> Iterator[tuple[str, str, str | None]]:  # noqa: ANN001
    for number, (source_line, target_line) in enumerate(pairs, start=1):
        source_id = target_id = None
        if read_source is not None:
            source_line, source_id = read_source(number, source_line)
        if read_target is not None:
            target_line, target_id = read_target(number, target_line)
        if source_id is not None and target_id is not None and source_id != target_id:
            raise TermlockError(
                f"line {number}: {source[0]} has id {source_id!r} but {target[0]} has id {target_id!r}",
                path=target[1], line=number,
                fix="the files must be aligned line by line, with the same ids in the same order",
            )
        yield source_line or "", target_line or "", source_id if source_id is not None else target_id
