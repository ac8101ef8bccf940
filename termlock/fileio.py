"""Atomic file output shared by every layer.

Outputs that a later step reads (translations, reports, glossaries) must be
either the old file or the whole new one, never half written after a crash,
a full disk or Ctrl-C; so a regular file is written to a temporary file
beside its target, fsynced, then renamed over it. It lives at the package
root because glossary, translate and evaluate all need it and may not import
each other.

What "the output" is follows the user, not the directory entry:

* a symlink is written *through*: the file it points at gets the new
  content and the link stays (replacing the link would leave the file the
  user meant untouched);
* a FIFO, a character device (``/dev/null``, ``/dev/full``, a terminal) or a
  socket cannot be renamed over without destroying it, and renaming gives
  no atomicity there anyway: such a target is opened and written directly;
* a block device or a directory is refused;
* ``-``, ``/dev/stdout``, ``/dev/stderr``, ``/dev/fd/N`` and
  ``/proc/self/fd/N`` name a descriptor this process already holds (a
  shell pipe, ``>(wc -c)``, a redirection ``> out.txt``): the bytes go to
  that descriptor as they are, never to a file opened anew by name (which
  does not exist for a pipe: "No such file or directory") nor renamed over
  the file behind it (``--json /dev/stdout > out.txt`` would replace
  out.txt, and the shell's redirection would write into the unlinked old
  one); standard output goes through ``sys.stdout`` so that a closed pipe
  ends quietly, as every other write to it does;
* nothing is ever seeked: a FIFO or a pipe cannot seek ("Illegal seek"),
  so bytes are appended, and a file's bytes are copied in with
  :meth:`AtomicOutput.copy_from`;
* file modes: a new file gets the mode ``open()`` would give it (0666
  minus the umask), a rewritten file keeps its own mode (``mkstemp``
  alone would make every output 0600).
"""

from __future__ import annotations

import os
import re
import stat
import sys
import tempfile
from pathlib import Path
from typing import BinaryIO

from termlock.errors import TermlockError, is_a_directory

#: the path meaning standard output (as an output; as an input it is standard input)
STDOUT = "-"
_DESCRIPTOR_PATH = re.compile(r"/(?:dev/fd|proc/self/fd|proc/(\d+)/fd)/(\d+)")
_NAMED_STREAMS = {"/dev/stdout": 1, "/dev/stderr": 2}


def descriptor_of(path: str | os.PathLike[str]) -> int | None:
    """The descriptor an output path names, or None for a path to open.

    ``-`` and ``/dev/stdout`` are 1, ``/dev/stderr`` 2, ``/dev/fd/N`` and
    ``/proc/self/fd/N`` (or this process's ``/proc/PID/fd/N``) are N; so is
    a path naming the very file standard output is redirected to, so that
    ``termlock check --json out.txt > out.txt`` writes where the shell points
    instead of renaming a new file over the one the shell holds open.
    """
    name = os.fspath(path)
    if name == STDOUT:
        return 1
    if name in _NAMED_STREAMS:
        return _NAMED_STREAMS[name]
    match = _DESCRIPTOR_PATH.fullmatch(name)
    if match is not None and (match.group(1) is None or int(match.group(1)) == os.getpid()):
        return int(match.group(2))
    try:
        info, out = os.stat(name), os.fstat(1)
    except (OSError, ValueError):
        return None
    if stat.S_ISREG(info.st_mode) and os.path.samestat(info, out):
        return 1
    return None


def is_stream(path: str | os.PathLike[str]) -> bool:
    """Whether an output is a stream rather than a file: an inherited descriptor, a FIFO or a device.

    What goes into a stream cannot be read back and nothing belongs beside
    it (``/dev`` is no place for a journal, a lock or a folder of saved
    work, and an ordinary user cannot create files there), so a run writing
    to one keeps no saved work: interrupted, it starts over.
    """
    if descriptor_of(path) is not None:
        return True
    try:
        info = os.stat(resolve_output(path))
    except (OSError, ValueError):
        return False
    return _is_special(info)


def goes_to_stdout(path: str | os.PathLike[str] | None) -> bool:
    """Whether an output lands on standard output (then a command keeps its own messages off it)."""
    return path is not None and descriptor_of(path) == 1


class _DescriptorWriter:
    """Writes to an inherited descriptor: standard output through ``sys.stdout`` (its guard), others directly."""

    def __init__(self, fd: int, shown: str) -> None:
        self.fd, self.shown = fd, shown
        if fd == 1:
            sys.stdout.flush()  # what was printed before comes first
            self._raw = None
        else:
            try:
                self._raw = os.fdopen(os.dup(fd), "wb", buffering=1 << 20)
            except OSError as exc:
                raise TermlockError(f"cannot write: {exc.strerror}", path=shown, fix="check the output path") from None

    def write(self, data: bytes) -> None:
        if self._raw is None:
            target = getattr(sys.stdout, "buffer", None)
            if target is None:  # a text-only stdout (a test harness): decode what we would have written
                sys.stdout.write(bytes(data).decode("utf-8", "replace"))
            else:
                target.write(data)
            return
        self._raw.write(data)

    def close(self) -> None:
        if self._raw is None:
            sys.stdout.flush()
        else:
            self._raw.close()


def resolve_output(path: str | os.PathLike[str]) -> Path:
    """The path the bytes will really land in: symlinks followed, even dangling ones."""
    return Path(os.path.realpath(os.fspath(path)))


def _current_umask() -> int:
    """The process umask, read without changing it where Linux tells it (threads may be creating files)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: the only portable way is to set it and put it back
    os.umask(mask)
    return mask


def _write_special(path: Path, data: bytes, shown: str) -> None:
    """Write to a FIFO or character device in place (no temporary file, no rename)."""
    try:
        fd = os.open(path, os.O_WRONLY)
    except OSError as exc:
        raise TermlockError(f"cannot write: {exc.strerror}", path=shown, fix="check the output path") from None
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
    except OSError as exc:
        raise TermlockError(f"cannot write: {exc.strerror}", path=shown, fix="check free disk space and the output path") from None
    finally:
        os.close(fd)


def _destination(path: str | os.PathLike[str]) -> tuple[str, Path, os.stat_result | None]:
    """``(path as shown, where the bytes land, what is there now)``; folders and block devices refused."""
    shown = os.fspath(path)
    target = resolve_output(path)
    try:
        info = os.stat(target)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise TermlockError(f"cannot write: {exc.strerror}", path=shown, fix="check the output path and its permissions") from None
    if info is not None:
        if stat.S_ISDIR(info.st_mode):
            raise is_a_directory(shown, fix="give a file name for the output, not a folder")
        if stat.S_ISBLK(info.st_mode):
            raise TermlockError("refusing to write to a block device", path=shown, fix="give a regular file as output")
    return shown, target, info


def _temporary_beside(target: Path, info: os.stat_result | None, shown: str) -> tuple[int, str]:
    """A temporary file next to ``target`` with the mode the output will have.

    A rewritten file keeps its mode; a new one gets what ``open`` would give
    it (0666 less the umask), not mkstemp's 0600.
    """
    mode = stat.S_IMODE(info.st_mode) if info is not None else 0o666 & ~_current_umask()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise TermlockError(f"cannot write: {exc.strerror}", path=shown, fix="check that the output folder exists and is writable") from None
    try:
        os.fchmod(fd, mode)
    except OSError:
        os.close(fd)
        os.unlink(tmp_name)
        raise
    return fd, tmp_name


def _is_special(info: os.stat_result | None) -> bool:
    """A FIFO or character device: written in place, never replaced."""
    return info is not None and not stat.S_ISREG(info.st_mode)


def _write_descriptor(fd: int, data: bytes, shown: str) -> None:
    writer = _DescriptorWriter(fd, shown)
    try:
        writer.write(data)
        writer.close()
    except OSError as exc:
        raise TermlockError(f"cannot write: {exc.strerror}", path=shown, fix="check where the output goes (free space, a closed reader)") from None


def write_atomically(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically; a TermlockError names the path on failure."""
    fd = descriptor_of(path)
    if fd is not None:
        _write_descriptor(fd, data, os.fspath(path))
        return
    shown, target, info = _destination(path)
    if _is_special(info):
        _write_special(target, data, shown)
        return
    fd, tmp_name = _temporary_beside(target, info, shown)
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
            raise TermlockError(f"cannot write: {exc.strerror}", path=shown, fix="check free disk space and permissions") from None
        raise


def write_text_atomically(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    write_atomically(path, text.encode(encoding))


class AtomicOutput:
    """A binary file written bit by bit that appears at ``path`` only when complete.

    The streaming reports (a million-segment JSON report need not sit in
    memory) write through this: the bytes go to a temporary file beside
    ``path`` as they come, :meth:`commit` fsyncs and renames it over
    ``path``, :meth:`abort` (or an exception inside ``with``) removes it, so
    readers see the old file or the whole new one. The same destination
    rules as :func:`write_atomically`: through a symlink to its target, a
    rewritten file's mode kept, a FIFO or character device written in place,
    an inherited descriptor (``-``, ``/dev/stdout``, ``/dev/fd/N``) written
    as it is; nothing is seeked, so every one of them works.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._tmp_name: str | None = None
        self._stream: _DescriptorWriter | None = None
        fd = descriptor_of(path)
        if fd is not None:
            self._shown = os.fspath(path)
            self.path = Path(self._shown)
            self._stream = _DescriptorWriter(fd, self._shown)
            self.handle: BinaryIO | _DescriptorWriter = self._stream
            return
        self._shown, self.path, info = _destination(path)
        if _is_special(info):
            try:
                fd = os.open(self.path, os.O_WRONLY)
            except OSError as exc:
                raise TermlockError(f"cannot write: {exc.strerror}", path=self._shown, fix="check the output path") from None
        else:
            fd, self._tmp_name = _temporary_beside(self.path, info, self._shown)
        self.handle = os.fdopen(fd, "wb", buffering=1 << 20)

    @property
    def in_place(self) -> bool:
        """Written straight into a FIFO, device or inherited descriptor (no temporary file beside it)."""
        return self._tmp_name is None

    def _failed(self, exc: OSError) -> TermlockError:
        self.abort()
        return TermlockError(f"cannot write: {exc.strerror}", path=self._shown, fix="check free disk space and permissions")

    def write(self, data: bytes) -> None:
        try:
            self.handle.write(data)
        except OSError as exc:
            raise self._failed(exc) from None

    def copy_from(self, source: BinaryIO) -> None:
        """Append every byte of the open binary file ``source`` (from its start), in the kernel where it can.

        A regular temporary file takes ``copy_file_range`` (no bytes through
        Python); a FIFO, a device or an inherited pipe is written in chunks,
        since neither side may be seeked there.
        """
        source.flush()
        size = os.fstat(source.fileno()).st_size
        offset = 0
        if self._tmp_name is not None and hasattr(os, "copy_file_range"):
            try:
                self.handle.flush()
                dst = self.handle.fileno()
                start = os.lseek(dst, 0, os.SEEK_END)
                while offset < size:
                    done = os.copy_file_range(source.fileno(), dst, size - offset, offset, start + offset)
                    if done == 0:
                        break
                    offset += done
                os.lseek(dst, 0, os.SEEK_END)
            except OSError:
                pass  # e.g. across file systems on old kernels: the chunks below
        source.seek(offset)
        while chunk := source.read(1 << 20):
            self.write(chunk)

    def commit(self) -> None:
        try:
            if self._stream is not None:
                self._stream.close()
                return
            self.handle.flush()
            if self._tmp_name is not None:
                os.fsync(self.handle.fileno())
            self.handle.close()
            if self._tmp_name is not None:
                os.replace(self._tmp_name, self.path)
        except OSError as exc:
            raise self._failed(exc) from None

    def abort(self) -> None:
        if self._stream is not None:
            return  # bytes already handed to a stream cannot be taken back; nothing to remove
        try:
            self.handle.close()
        except OSError:
            pass
        if self._tmp_name is not None:
            try:
                os.unlink(self._tmp_name)
            except FileNotFoundError:
                pass

    def __enter__(self) -> "AtomicOutput":
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            self.commit()
        else:
            self.abort()
