"""Standard output that a closed pipe or a full disk cannot turn into a traceback.

``termlock check ... | head -1`` closes the pipe after one line; Python
then raises BrokenPipeError on the next write, or at exit while flushing,
and prints a stack trace. The reader has what it wanted, so the run should
finish normally (reports written, gate decided, its exit code kept) and
stay quiet. ``termlock check > /dev/full`` is different: the output the user
asked for is lost, which is an error (one line, exit 2).

:class:`GuardedStdout` wraps ``sys.stdout`` (text and ``.buffer``) for the
length of one command: a broken pipe makes every later write a no-op, any
other write error becomes a TermlockError naming standard output.
"""

from __future__ import annotations

import errno
import os
import sys
from typing import Any

from termlock.errors import TermlockError


def _discard_fd(stream: Any) -> None:
    """Point the stream's descriptor at /dev/null, so the interpreter's exit flush cannot fail."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        return
    try:
        os.dup2(devnull, fd)
    except OSError:
        pass
    finally:
        os.close(devnull)


def stdout_error(exc: OSError) -> TermlockError:
    reason = exc.strerror or str(exc)
    fix = "free disk space where standard output goes" if exc.errno == errno.ENOSPC else "check where standard output is redirected"
    return TermlockError(f"cannot write to standard output: {reason}", fix=fix)


class _Guard:
    """Shared state: a closed pipe silences both the text and the binary view."""

    def __init__(self, text_stream: Any) -> None:
        self.text_stream = text_stream
        self.closed_pipe = False

    def call(self, method: Any, *args: Any) -> Any:
        if self.closed_pipe:
            return None
        try:
            return method(*args)
        except BrokenPipeError:
            self.closed_pipe = True
            _discard_fd(self.text_stream)
            return None
        except OSError as exc:
            _discard_fd(self.text_stream)
            raise stdout_error(exc) from None


class _GuardedBinary:
    def __init__(self, raw: Any, guard: _Guard) -> None:
        self._raw = raw
        self._guard = guard

    def write(self, data: bytes) -> int:
        written = self._guard.call(self._raw.write, data)
        return len(data) if written is None else written

    def flush(self) -> None:
        self._guard.call(self._raw.flush)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


class GuardedStdout:
    """A drop-in ``sys.stdout`` for one command (see the module docstring)."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._guard = _Guard(stream)
        raw_buffer = getattr(stream, "buffer", None)
        self.buffer = _GuardedBinary(raw_buffer, self._guard) if raw_buffer is not None else None

    @property
    def closed_pipe(self) -> bool:
        return self._guard.closed_pipe

    def write(self, text: str) -> int:
        written = self._guard.call(self._stream.write, text)
        return len(text) if written is None else written

    def flush(self) -> None:
        self._guard.call(self._stream.flush)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def install() -> tuple[Any, GuardedStdout]:
    """Replace ``sys.stdout`` with a guard; returns (the original, the guard)."""
    original = sys.stdout
    guard = GuardedStdout(original)
    sys.stdout = guard  # type: ignore[assignment]
    return original, guard
