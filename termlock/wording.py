"""Counted nouns in messages: "1 document", "2 documents", never "1 documents"."""

from __future__ import annotations


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """``count`` and the noun agreeing with it (``plural`` defaults to ``singular + "s"``)."""
    return f"{count} {noun(count, singular, plural)}"


def noun(count: int, singular: str, plural: str | None = None) -> str:
    """The noun agreeing with ``count``: "1 of 1 occurrence", "2 of 3 occurrences"."""
    return singular if count == 1 else (plural if plural is not None else singular + "s")
