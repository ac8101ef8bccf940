"""Atomic file output shared by every layer.

Outputs that a later step reads (translations, reports, glossaries) must be
either the old file or the whole new one, never half written after a crash,
a full disk or Ctrl-C; so everything is written to a temporary file beside
the target, fsynced, then renamed over it. It lives at the package root
because glossary, translate and evaluate all need it and may not import each
other.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from termlock.errors import TermlockError


def write_atomically(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically; a TermlockError names the path on failure."""
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise TermlockError(f"cannot write: {exc.strerror}", path=str(path), fix="check that the output folder exists and is writable") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except BaseException as exc:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError):
            raise TermlockError(f"cannot write: {exc.strerror}", path=str(path), fix="check free disk space and permissions") from None
        raise


def write_text_atomically(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    write_atomically(path, text.encode(encoding))
