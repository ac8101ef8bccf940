"""JSON a user hands termlock, parsed without a crash on hostile nesting.

``json.loads`` recurses once per nesting level and raises ``RecursionError``
on ``[[[[...]]]]`` a few thousand levels deep (an attack or a broken
generator, never a term list or a dictionary, which nest three levels): the
one place every user JSON value goes through turns that, like a syntax
error, into :class:`JsonRefused` with the position, which each reader
reports with its file and line.
"""

from __future__ import annotations

import json
from typing import Any, Callable


class JsonRefused(ValueError):
    """Not JSON termlock reads: ``message``, and the 1-based ``line``/``column`` when known."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


def loads(text: str, *, object_pairs_hook: Callable[[list[tuple[str, Any]]], Any] | None = None) -> Any:
    """The JSON value of ``text``; :class:`JsonRefused` for a syntax error or nesting too deep to read."""
    try:
        return json.loads(text, object_pairs_hook=object_pairs_hook)
    except json.JSONDecodeError as exc:
        raise JsonRefused(exc.msg, exc.lineno, exc.colno) from None
    except RecursionError:
        raise JsonRefused("nested too deeply to read (thousands of brackets inside each other)") from None
