"""Atomic output for report files.

A report that a CI gate or a reviewer reads must never be half written
(crash, full disk, Ctrl-C mid-write), so each is written to a temporary
file beside the target and renamed over it. Kept here rather than imported
from ``termlock.translate`` because evaluate must not depend on translate.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from termlock.errors import TermlockError


def write_text_atomically(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` so that ``path`` holds either its old content or all of the new.

    Raises :class:`TermlockError` naming the path when it cannot be written.
    """
    target = Path(path)
    data = text.encode(encoding)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise TermlockError(f"cannot write report: {exc.strerror}", path=str(path), fix="check the output path") from None
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
            raise TermlockError(
                f"cannot write report: {exc.strerror}", path=str(path), fix="check the output path"
            ) from None
        raise
