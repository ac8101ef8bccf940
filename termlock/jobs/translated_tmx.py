"""``translate --tmx``: the pairs a job translated, as one TMX, whichever engine ran it.

The local engine translates one store, the Ray engine one store per input
shard; either hands its finished stores (targets filled in) and per-unit
records here, so the TMX a user asks for is the same file from both.
"""

from __future__ import annotations

from typing import Any, Sequence

from termlock.documents import inline
from termlock.documents.base import Unit
from termlock.documents.tmx import write_tmx
from termlock.glossary import Glossary


def write_translated_tmx(
    path: str, documents: Sequence[tuple[Any, Sequence[dict[str, Any] | None]]], glossary: Glossary
) -> int:
    """Write the translated pairs of ``(store, records)`` documents, in order; returns how many.

    A unit counts when this job translated it (its record is not None).
    Languages come from the first store that names them (XLIFF, TMX), else
    the glossary; inline codes of XLIFF/TMX units stay TMX inline elements.
    """
    units: list[Unit] = []
    owners: dict[int, Any] = {}
    for store, records in documents:
        tokens = getattr(store, "inline_tokens", None)
        for unit, record in zip(store.units, records):
            if record is None:
                continue
            units.append(unit)
            if tokens is not None:
                owners[id(unit)] = tokens

    def tokens_of(unit: Unit) -> tuple[list[inline.Token], list[inline.Token]] | None:
        tokens = owners.get(id(unit))
        return tokens(unit) if tokens is not None else None

    stores = [store for store, _ in documents]
    return write_tmx(
        path,
        units,
        source_lang=next((s.source_lang for s in stores if getattr(s, "source_lang", None)), glossary.source_lang),
        target_lang=next((s.target_lang for s in stores if getattr(s, "target_lang", None)), glossary.target_lang),
        tokens_of=tokens_of if owners else None,
    )
