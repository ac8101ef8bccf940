"""Parquet shards as a segment store: a ``source`` column in, a ``target`` column out.

Data pipelines that feed a Ray cluster keep segments in Parquet, one row per
segment with ids and metadata in other columns. Like JSON Lines, every other
column is kept as it is and ``target`` is added after the last column (or
replaced in place when the table already has one). A null or blank source
is a segment that passes through with an empty target, as a blank line does
in text. pyarrow comes with Ray Data (the ``ray`` extra); without it a
Parquet input is one error saying what to install.
"""

from __future__ import annotations

import io
from typing import Any

from termlock.errors import TermlockError
from termlock.extras import require
from termlock.documents.base import FORMATS, Store, Unit, register

SOURCE_COLUMN = "source"
TARGET_COLUMN = "target"


def _pyarrow() -> tuple[Any, Any]:
    require("ray", "a Parquet file", ("pyarrow",))  # pyarrow comes with Ray Data
    import pyarrow as pa
    import pyarrow.parquet as pq

    return pa, pq


def read_table(data: bytes, path: str) -> Any:
    """The Arrow table in ``data``, or a :class:`TermlockError` naming ``path``."""
    pa, pq = _pyarrow()
    try:
        return pq.read_table(pa.BufferReader(data))
    except (pa.ArrowInvalid, OSError) as exc:
        raise TermlockError(f"not a readable Parquet file: {exc}", path=path, fix="check the file") from None


def string_column(table: Any, name: str, path: str) -> list[str | None]:
    """Column ``name`` of ``table`` as Python strings (None for nulls)."""
    pa, _ = _pyarrow()
    if name not in table.column_names:
        raise TermlockError(
            f"the table has no {name!r} column (columns: {', '.join(table.column_names) or 'none'})",
            path=path,
            fix=f"name the column that holds the text {name!r}",
        )
    column = table.column(name)
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        raise TermlockError(
            f"column {name!r} holds {column.type}, not strings", path=path, fix=f"store {name!r} as a string column"
        )
    return column.to_pylist()


def table_bytes(table: Any) -> bytes:
    """``table`` as Parquet bytes, written the same way every time (same input, same bytes)."""
    _, pq = _pyarrow()
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


class ParquetStore(Store):
    """A Parquet file with a ``source`` string column."""

    name = "parquet"
    extensions = (".parquet", ".pq")

    def __init__(self, units: list[Unit] | None = None, path: str | None = None, table: Any = None) -> None:
        super().__init__(units, path)
        self.table = table

    @classmethod
    def parse(cls, data: bytes, path: str) -> "ParquetStore":
        table = read_table(data, path)
        sources = string_column(table, SOURCE_COLUMN, path)
        units = [
            Unit(id=str(row), source=text or "", translatable=bool(text and text.strip()))
            for row, text in enumerate(sources, start=1)
        ]
        return cls(units, path, table)

    def with_targets(self) -> Any:
        """The table with the ``target`` column filled from the units."""
        pa, _ = _pyarrow()
        targets = pa.array([(u.target or "") if u.translatable else "" for u in self.units], pa.string())
        table = self.table
        if TARGET_COLUMN in table.column_names:
            return table.set_column(table.column_names.index(TARGET_COLUMN), TARGET_COLUMN, targets)
        return table.append_column(TARGET_COLUMN, targets)

    def serialize(self) -> bytes:
        return table_bytes(self.with_targets())


if ParquetStore.name not in FORMATS:
    register(ParquetStore)
