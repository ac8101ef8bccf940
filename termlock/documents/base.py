"""One store interface for every segment file format termlock reads or writes.

Modelled on translate-toolkit's stores: a format parses a file into ``Unit``
records and serialises them back, so the batch runner, the checker's CLI and
the Ray engine never branch on file type. Formats register themselves by
name and file extension in ``FORMATS``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar

from termlock.fileio import write_atomically  # noqa: F401  (re-exported for the stores)


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

    #: the glossary's judge of a unit (:class:`~termlock.glossary.verdicts.SegmentJudge`, None: no
    #: glossary), set by the engine that translates the store: a format with inline codes places them by
    #: the unit's terms when it writes a target (:func:`termlock.documents.inline.place_codes`)
    judge_of: Callable[[Unit], Any] | None = None

    def __init__(self, units: list[Unit] | None = None, path: str | None = None) -> None:
        self.units: list[Unit] = units if units is not None else []
        self.path = path

    def term_judge(self, unit: Unit) -> Any:
        """The judge of ``unit``'s glossary terms, or None (codes then go by relative position)."""
        return self.judge_of(unit) if self.judge_of is not None else None

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


StoreFactory = Callable[[bytes, str], Store]
