"""Counts in messages: "1 term", "2 terms", never "1 terms".

Every line termlock prints for a person that counts something says it
through :func:`counted`, so the singular is right wherever the count is 1.
"""

from __future__ import annotations

#: nouns whose plural is not noun + "s"
_IRREGULAR = {"entry": "entries", "was": "were", "is": "are"}


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``noun`` when ``count`` is 1, else its plural (``many``, a known irregular one, or noun + "s")."""
    if count == 1:
        return noun
    return many or _IRREGULAR.get(noun) or noun + "s"


def counted(count: int, noun: str, many: str | None = None) -> str:
    """``"1 term"``, ``"2 terms"``: the count and the noun that fits it."""
    return f"{count} {plural(count, noun, many)}"
