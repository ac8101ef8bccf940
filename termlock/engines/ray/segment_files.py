"""Aligned segment files for a sharded check: text lines, a JSONL field or TSV column, a Parquet column.

``termlock check --engine ray`` takes --source, --target and --reference
as files or as directories of shards with the same names. Each shard is
read for its role: text exactly as the single-machine check reads it (so a
sharded check equals a check of the concatenated files), JSONL by the
role's field and Parquet by the role's column, so a directory written by
``translate --engine ray`` (JSONL or Parquet, source and target side by
side) can be checked as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from termlock.engines.ray.shards import PARQUET_EXTENSIONS, list_shard_files


@dataclass(frozen=True)
class SegmentFile:
    """The segments of one shard file for one role (source, target or reference)."""

    name: str
    path: str
    segments: list[str]


def _field_segments(path: str, fmt: str, role: str, option: str) -> list[str]:
    """A JSONL field or TSV column by role, read as the single-machine check reads it."""
    from termlock.documents.segment_fields import role_values
    from termlock.documents.text import decode_utf8, split_lines

    with open(path, "rb") as handle:
        lines, _ = split_lines(decode_utf8(handle.read(), path))
    return [text for text, _ in role_values(lines, fmt, role, path, option)]


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
    from termlock.documents.segment_fields import field_format
    from termlock.jobs.check_inputs import SEGMENT, choose_granularity

    choose_granularity(SEGMENT, path)  # a Word/Markdown/HTML shard: "add --granularity document", as for one file
    suffix = Path(path).suffix.lower()
    if suffix in PARQUET_EXTENSIONS:
        return _parquet_segments(path, role)
    fmt = field_format(path)
    if fmt is not None:
        return _field_segments(path, fmt, role, option)
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
