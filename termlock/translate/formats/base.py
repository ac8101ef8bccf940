"""One store interface for every segment file format termlock reads or writes.

Modelled on translate-toolkit's stores: a format parses a file into ``Unit``
records and serialises them back, so the batch runner, the checker's CLI and
the Ray engine never branch on file type. Formats register themselves by
name and file extension in ``FORMATS``.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, ClassVar


@dataclass
class Unit:
    """One segment: what to translate and, once done, its translation.

    ``translatable`` is False for units that must pass through untouched
    (blank lines, locked or already-translated XLIFF units); ``meta`` keeps
    whatever the format needs to write the unit back exactly (other JSONL
    fields, TSV columns, XLIFF element handles).
    """

    id: str
    source: str
    target: str | None = None
    translatable: bool = True
    meta: dict[str, Any] = field(default_factory=dict)


class Store:
    """A parsed file: its units in file order, and how to write them back."""

    #: registry name, e.g. "text", "jsonl", "tsv", "xliff"
    name: ClassVar[str] = ""
    #: file extensions (lower case, with dot) that select this format
    extensions: ClassVar[tuple[str, ...]] = ()

    def __init__(self, units: list[Unit] | None = None, path: str | None = None) -> None:
        self.units: list[Unit] = units if units is not None else []
        self.path = path

    @classmethod
    def parse(cls, data: bytes, path: str) -> "Store":
        """Build a store from a file's bytes; ``path`` is only for messages."""
        raise NotImplementedError

    def serialize(self) -> bytes:
        """The file's bytes, with every unit's current target filled in."""
        raise NotImplementedError

    def write(self, path: str | os.PathLike[str]) -> None:
        """Write the serialised store to ``path`` atomically (never half-written)."""
        write_atomically(path, self.serialize())


FORMATS: dict[str, type[Store]] = {}


def register(store_cls: type[Store]) -> type[Store]:
    """Class decorator adding a store to the format registry."""
    FORMATS[store_cls.name] = store_cls
    return store_cls


def write_atomically(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` so that ``path`` is either the old file or the whole new one.

    A crash mid-write must never leave a half-written output that a later
    step mistakes for a finished one, so write to a temporary file in the same
    directory, fsync, then rename over the target.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise


StoreFactory = Callable[[bytes, str], Store]
