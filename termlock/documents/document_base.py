"""What the whole-document formats (Word, Markdown, HTML) share.

A document store is a :class:`~termlock.documents.base.Store` like any
other: one unit per paragraph (table cell, heading, list item, footnote,
text box), so the batch runner, the journal, ``--report``, ``--terms`` and
the lock work on documents unchanged. Beyond that, a document store

* is one task for a distributed engine (:attr:`DocumentStore.whole_document`):
  a document is written once, whole, after all its units are translated;
* says what it did not read (:class:`NotRead`): equations, charts, code
  blocks, ... named in every report, so that a check never passes silently
  over text it did not see;
* leaves a unit whose translation is its source text exactly as written,
  and serialises to the original bytes when no unit changed;
* knows the language it is translated into (:attr:`DocumentStore.target_lang`,
  for HTML's ``lang``).

The checker reads the same units (:meth:`DocumentStore.text`): a container
that is translated is checked, and the reverse.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Iterable, Sequence

from termlock.documents.base import Store, Unit
from termlock.inputs import decode_utf8
from termlock.wording import counted


@dataclass(frozen=True)
class NotRead:
    """Something in a document that was neither checked nor translated, and how many."""

    singular: str
    plural: str
    count: int

    def describe(self) -> str:
        return counted(self.count, self.singular, self.plural)

    def to_dict(self) -> dict[str, Any]:
        return {"what": self.plural, "count": self.count}


def not_read_from(counts: "Iterable[tuple[tuple[str, str], int]]") -> tuple[NotRead, ...]:
    """``NotRead`` records from ``((singular, plural), count)`` pairs, zero counts dropped."""
    return tuple(NotRead(singular, plural, count) for (singular, plural), count in counts if count)


@dataclass(frozen=True)
class DocumentText:
    """A document as the checker reads it: its paragraphs in reading order, and what was not read."""

    paragraphs: list[str]
    not_read: tuple[NotRead, ...] = ()


class DocumentStore(Store):
    """A whole document read into paragraph units (see the module docstring)."""

    #: a distributed engine translates the document in one task and writes it whole
    whole_document: ClassVar[bool] = True

    def __init__(self, units: list[Unit] | None = None, path: str | None = None, not_read: Sequence[NotRead] = ()) -> None:
        super().__init__(units, path)
        self.not_read: tuple[NotRead, ...] = tuple(not_read)
        #: the language the document is translated into (HTML writes it into ``lang``)
        self.target_lang = "en"

    def text(self) -> DocumentText:
        """What the checker reads: every unit's text, in reading order."""
        return DocumentText([unit.source for unit in self.units], self.not_read)

    def changed(self, unit: Unit) -> bool:
        """Whether ``unit`` has a translation other than its own source text."""
        return unit.target is not None and unit.target != unit.source

    def translated(self) -> bool:
        """Whether any unit went through translation (its target was set)."""
        return any(unit.target is not None for unit in self.units)


def apply_edits(text: str, edits: Sequence[tuple[int, int, str]]) -> str:
    """``text`` with each ``(start, end, replacement)`` (disjoint) applied."""
    parts = []
    cursor = 0
    for start, end, replacement in sorted(edits, key=lambda e: (e[0], e[1])):
        parts.append(text[cursor:start])
        parts.append(replacement)
        cursor = end
    parts.append(text[cursor:])
    return "".join(parts)


def decode_document(data: bytes, path: str) -> tuple[str, bool]:
    """UTF-8 text of a Markdown/HTML document (:func:`termlock.inputs.decode_utf8`'s rule and message)
    and whether it began with a byte-order mark, to write one back."""
    return decode_utf8(data, path), data.startswith(b"\xef\xbb\xbf")


def encode_document(text: str, bom: bool) -> bytes:
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def line_starts(text: str) -> list[int]:
    """Offsets where each line begins (a line ends after ``\\n``)."""
    starts = [0]
    find = text.find
    position = find("\n")
    while position != -1:
        starts.append(position + 1)
        position = find("\n", position + 1)
    return starts
