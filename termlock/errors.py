"""The one exception type a user should ever see from termlock.

Every problem caused by input (a file, a flag, a missing model) is raised as
a ``TermlockError`` carrying where it happened and how to fix it; the CLI
prints it on one line and exits 2 instead of showing a stack trace.
"""

from __future__ import annotations


class TermlockError(Exception):
    """Bad input or usage, reported with location and fix.

    ``path`` and ``line`` (1-based) locate the problem; ``fix`` tells the user
    what to change. ``str()`` gives the full one-line message.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        fix: str | None = None,
    ) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.fix = fix
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line is not None else f"{self.path}: "
        text = f"{where}{self.message}"
        if self.fix:
            text += f" (fix: {self.fix})"
        return text
