"""The one exception type a user should ever see from termlock.

Every problem caused by input (a file, a flag, a missing model) is raised as
a ``TermlockError`` carrying where it happened and how to fix it; the CLI
prints it on one line and exits 2 instead of showing a stack trace.
"""

from __future__ import annotations

#: set to see the traceback of a crash (the command line) or of a web route's unexpected error (the servers)
DEBUG_VARIABLE = "TERMLOCK_DEBUG"


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


class Problem:
    """One problem of an input file: where (``path``, 1-based ``line`` or None), what, and the fix."""

    __slots__ = ("path", "line", "message", "fix")

    def __init__(self, path: str, line: int | None, message: str, fix: str | None = None) -> None:
        self.path, self.line, self.message, self.fix = path, line, message, fix

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Problem):
            return NotImplemented
        return (self.path, self.line, self.message, self.fix) == (other.path, other.line, other.message, other.fix)

    def __hash__(self) -> int:
        return hash((self.path, self.line, self.message, self.fix))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.path!r}, {self.line!r}, {self.message!r}, {self.fix!r})"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        text = f"{where}: {self.message}"
        return f"{text} (fix: {self.fix})" if self.fix else text


class ProblemsError(TermlockError):
    """An input file with several problems, every one listed, so one run shows them all.

    ``problems`` are :class:`Problem`-like (``path``, ``line``, ``message``,
    ``fix``); ``what`` names the kind of file in the heading ("3 problems in
    accepted findings a.yaml:"). With one problem the message is that
    problem's line.
    """

    def __init__(self, problems, what: str = "file") -> None:  # noqa: ANN001 - any Problem-like records
        self.problems = list(problems)
        if not self.problems:
            raise ValueError(f"{type(self).__name__} needs at least one problem")
        self.what = what
        first = self.problems[0]
        super().__init__(first.message, path=first.path, line=first.line, fix=first.fix)

    def __str__(self) -> str:
        if len(self.problems) == 1:
            return str(self.problems[0])
        lines = [f"{len(self.problems)} problems in {self.what} {self.problems[0].path}:"]
        lines += [f"  {problem}" for problem in self.problems]
        return "\n".join(lines)


def is_a_directory(path: str, *, option: str | None = None, fix: str = "give a file, not a folder") -> TermlockError:
    """The one error for a folder named where a file belongs (an input or an output).

    ``option`` names the flag that gave the path (``--source``); ``fix`` says
    what to give instead where the context knows better (a shard folder
    needs ``--engine ray``).
    """
    message = "is a directory, not a file"
    return TermlockError(f"{option}: {message}" if option else message, path=path, fix=fix)
