"""Glossary problems, reported all at once with file, line and fix.

A glossary is edited by hand; stopping at the first mistake makes users run
the loader once per typo, so validation collects every problem it can find
and the error carries the whole list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from termlock.errors import ProblemsError


@dataclass(frozen=True)
class GlossaryProblem:
    path: str
    line: int | None
    message: str
    fix: str | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        text = f"{where}: {self.message}"
        return f"{text} (fix: {self.fix})" if self.fix else text


class GlossaryError(ProblemsError):
    """A glossary that cannot be used; ``problems`` lists every problem found."""

    def __init__(self, problems: Iterable[GlossaryProblem]) -> None:
        super().__init__(problems, "glossary")
