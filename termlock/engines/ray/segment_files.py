"""Aligned segment files for a sharded check: text lines, a JSONL field, a Parquet column.

``termlock check --engine ray`` takes --source, --target and --reference
as files or as directories of shards with the same names. Each shard is
read for its role: text exactly as the single-machine check reads it (so a
sharded check equals a check of the concatenated files), JSONL by the
role's field and Parquet by the role's column, so a directory written by
``translate --engine ray`` (JSONL or Parquet, source and target side by
side) can be checked as it is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from termlock.errors import TermlockError
from termlock.engines.ray.shards import PARQUET_EXTENSIONS, list_shard_files


@dataclass(frozen=True)
class SegmentFile:
    """The segments of one shard file for one role (source, target or reference)."""

    name: str
    path: str
    segments: list[str]


def _jsonl_segments(path: str, role: str) -> list[str]:
    from termlock.documents.text import decode_utf8, split_lines

    with open(path, "rb") as handle:
        lines, _ = split_lines(decode_utf8(handle.read(), path))
    keys = ("reference", "target") if role == "reference" else (role,)
    out = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            out.append("")
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise TermlockError(f"not valid JSON: {exc.msg}", path=path, line=number, fix="one JSON object per line") from None
        key = next((k for k in keys if isinstance(obj, dict) and k in obj), None)
        if key is None or not isinstance(obj[key], (str, type(None))):
            raise TermlockError(
                f"the object has no {keys[0]!r} string",
                path=path,
                line=number,
                fix=f"give every line a {keys[0]!r} field" + (" (or 'target')" if role == "reference" else ""),
            )
        out.append(obj[key] or "")
    return out


def _parquet_segments(path: str, role: str) -> list[str]:
    from termlock.documents.parquet import read_table, string_column

    with open(path, "rb") as handle:
        table = read_table(handle.read(), path)
    column = role
    if role == "reference" and "reference" not in table.column_names:
        column = "target"  # a reference translation file is a translation file
    return [value or "" for value in string_column(table, column, path)]


def read_segment_file(path: str, role: str, option: str) -> list[str]:
    """The segments of ``path`` for ``role``: text lines, a JSONL field or a Parquet column.

    Text is split exactly as the single-machine ``termlock check`` splits it,
    so a sharded check and a check of the concatenated files agree.
    """
    suffix = Path(path).suffix.lower()
    if suffix in PARQUET_EXTENSIONS:
        return _parquet_segments(path, role)
    if suffix in (".jsonl", ".ndjson", ".jsonlines"):
        return _jsonl_segments(path, role)
    from termlock.documents.lines import read_lines

    return read_lines(path, option)


def read_segment_shards(path: str, role: str, option: str) -> list[SegmentFile]:
    """Every shard of ``path`` (a file, or a directory of shard files) for ``role``.

    A single file is one shard named ``""``: files given as --source and
    --target pair up whatever they are called.
    """
    base = Path(path)
    if base.is_dir():
        return [SegmentFile(name, str(p), read_segment_file(str(p), role, option)) for name, p in list_shard_files(base, option)]
    return [SegmentFile("", path, read_segment_file(path, role, option))]
