"""Refuse a run whose outputs would overwrite its own inputs or each other.

``check --json t.en`` with ``t.en`` as the translation, ``translate -i s.zh
-o s.zh``, ``glossary import tb.tbx -o tb.tbx``: an output path that names an
input destroys the very file the user asked to read (the docs promise
inputs are never modified), and two outputs of one run on the same path
leave only the last one. Both are refused before anything is read or
written, so nothing is lost.

Paths are compared as the files they reach: symlinks resolved, and an
existing file also by device and inode (a hard link, or a path spelt through
another mount). ``-`` as an input (stdin) and character devices such as ``/dev/null`` are
never a conflict; two outputs to standard output (``-``, ``/dev/stdout``)
are.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from typing import Iterable

from termlock.errors import TermlockError

STDIO = "-"


@dataclass(frozen=True)
class NamedPath:
    """A path and the option that gave it (``--json``, ``-o``, ``FILE``), for the message."""

    option: str
    path: str


def _identity(path: str, *, output: bool = False) -> tuple[object, ...] | None:
    """What makes two paths the same file; None for stdin and character devices.

    As an output, ``-`` and ``/dev/stdout`` (``/dev/fd/N``) are the
    descriptor they name: two reports to standard output would run into
    each other, so they are the same file.
    """
    if output:
        from termlock.fileio import descriptor_of

        fd = descriptor_of(path)
        if fd is not None:
            return ("descriptor", fd)
    if path == STDIO:
        return None
    try:
        info = os.stat(path)
    except OSError:
        return ("path", os.path.realpath(path))
    if stat.S_ISCHR(info.st_mode):
        return None
    return ("inode", info.st_dev, info.st_ino)


def _named(items: Iterable[tuple[str, str | os.PathLike[str] | None]]) -> list[NamedPath]:
    return [NamedPath(option, os.fspath(path)) for option, path in items if path]


def refuse_clobbering(
    inputs: Iterable[tuple[str, str | os.PathLike[str] | None]],
    outputs: Iterable[tuple[str, str | os.PathLike[str] | None]],
) -> None:
    """Raise TermlockError when an output is an input or another output of the same run.

    ``inputs`` and ``outputs`` are ``(option, path)`` pairs; ``None`` paths
    (options not given) are skipped.
    """
    ins, outs = _named(inputs), _named(outputs)
    seen: dict[tuple[object, ...], NamedPath] = {}
    for item in ins:
        key = _identity(item.path)
        if key is not None:
            seen.setdefault(key, item)
    readers = dict(seen)
    for item in outs:
        key = _identity(item.path, output=True)
        if key is None:
            continue
        earlier = seen.get(key)
        if earlier is not None:
            if key in readers and readers[key] is earlier:
                raise TermlockError(
                    f"{item.option} would overwrite the input {earlier.option} {earlier.path}",
                    path=item.path,
                    fix=f"write {item.option} to another file; termlock never modifies its input",
                )
            raise TermlockError(
                f"{item.option} and {earlier.option} name the same file; one would overwrite the other",
                path=item.path,
                fix=f"give {item.option} and {earlier.option} different file names",
            )
        seen[key] = item
