"""One translation run per output file: an exclusive file lock beside OUT (not the glossary lock of ``lock/``).

Two ``termlock translate`` runs on the same OUT would both translate
everything, interleave lines in one journal, and the one finishing second
would find the journal gone. The first run therefore takes an exclusive,
non-blocking ``fcntl.flock`` on ``OUT.termlock-lock`` before any work (and
before any model is loaded); a second run fails at once with a message
naming the running one (its pid, command and start time, written into the
lock file). The kernel drops the lock when the process dies, however it
dies, so a killed run never blocks the next one; the file itself is
removed when the run ends.

Taking the lock also creates a file in OUT's folder, so an unwritable
folder is reported here, before hours of decoding, instead of at the first
journal write.
"""

from __future__ import annotations

import fcntl
import os
import sys
import time
import weakref
from pathlib import Path
from typing import Iterable

from termlock.errors import TermlockError
from termlock.fileio import is_stream

LOCK_SUFFIX = ".termlock-lock"


def lock_path_for(out_path: str | os.PathLike[str]) -> Path:
    out = Path(out_path)
    return out.with_name(out.name + LOCK_SUFFIX)


class OutputLock:
    """An exclusive lock on one output; use as a context manager or call :meth:`release`."""

    def __init__(self, out_path: str | os.PathLike[str], *, lock_path: str | os.PathLike[str] | None = None) -> None:
        self.out_path = os.fspath(out_path)
        self.path = Path(lock_path) if lock_path is not None else lock_path_for(out_path)
        self._fd: int | None = None

    def acquire(self) -> "OutputLock":
        """Take the lock or raise TermlockError naming the run that holds it."""
        while True:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
            except OSError as exc:
                raise TermlockError(
                    f"cannot create files beside the output: {exc.strerror}",
                    path=str(self.path),
                    fix="write the output to a folder you can write to (progress is saved beside it)",
                ) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _read_holder(fd)
                os.close(fd)
                raise TermlockError(
                    f"another termlock run is writing this output ({holder})",
                    path=self.out_path,
                    fix="wait for it to finish or stop it, then run the same command again to resume",
                ) from None
            except OSError as exc:
                os.close(fd)
                raise TermlockError(
                    f"cannot lock the output: {exc.strerror}", path=str(self.path), fix="write the output to a local folder"
                ) from None
            # the holder may have removed the file between our open and our lock: lock the file on disk
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
        command = " ".join(["termlock", *sys.argv[1:]]) if sys.argv else "termlock"
        info = f"pid {os.getpid()}, started {started}: {command}"
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, info.encode("utf-8", "replace") + b"\n", 0)
        except OSError as exc:
            os.close(fd)
            raise TermlockError(
                f"cannot write beside the output: {exc.strerror}",
                path=str(self.path),
                fix="free disk space in the output folder",
            ) from None
        self._fd = fd
        # a run abandoned without release (an exception before it ran) unlocks when collected
        self._finalizer = weakref.finalize(self, _unlock, self.path, fd)
        return self

    def release(self) -> None:
        """Remove the lock file and drop the lock (idempotent)."""
        if self._fd is None:
            return
        self._finalizer()
        self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __enter__(self) -> "OutputLock":
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def lock_outputs(paths: Iterable[str | os.PathLike[str] | None]) -> list[OutputLock]:
    """Lock every output a run writes (OUT, ``--report``, ``--tmx``), all of them or none.

    Two runs with different OUTs but one ``--report`` would each write the
    report, the last silently winning; with every output locked the second
    run is refused at once. None and streams (stdout, a FIFO, ``/dev/null``:
    nothing is kept beside them) are skipped.
    """
    locks: list[OutputLock] = []
    try:
        for path in paths:
            if path is not None and not is_stream(path):
                locks.append(OutputLock(os.fspath(path).rstrip("/\\") or os.fspath(path)).acquire())
    except BaseException:
        for lock in locks:
            lock.release()
        raise
    return locks


def _unlock(path: Path, fd: int) -> None:
    try:
        path.unlink()
    except OSError:
        pass
    os.close(fd)


def _read_holder(fd: int) -> str:
    try:
        text = os.pread(fd, 1000, 0).decode("utf-8", "replace").strip()
    except OSError:
        text = ""
    return text or "a run that has not yet written its details"
