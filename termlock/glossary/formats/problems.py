"""Collect every problem of an imported file before failing.

A translator fixing a 2,000-row spreadsheet wants all bad rows at once, not
one per run, so importers gather problems here and raise one GlossaryError
(the same error type, and message form, as a bad YAML glossary).
"""

from __future__ import annotations

from termlock.glossary.errors import GlossaryError, GlossaryProblem


class ImportProblems:
    """Problems found in one imported file, each with its line and fix."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[GlossaryProblem] = []

    def add(self, line: int | None, message: str, fix: str | None) -> None:
        self.problems.append(GlossaryProblem(path=self.path, line=line, message=message, fix=fix))

    def raise_if_any(self) -> None:
        if self.problems:
            raise GlossaryError(self.problems)
