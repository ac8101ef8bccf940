"""Run a function as an unprivileged user, for permission tests under root (CI runs as root).

Root reads and writes everything, so "unreadable file" and "read-only
folder" cannot be recreated as root. The function runs in a forked child
that first drops to uid/gid 65534 (nobody), reusing the modules the test
process has already imported (no interpreter the other user could not
read). Returns what the function returned, or the one-line text of the
exception it raised, as ``("ok", value)`` / ``("error", type name, text)``.
"""

from __future__ import annotations

import os
import pickle
from typing import Any, Callable

import pytest

NOBODY = 65534


def run_as_nobody(function: Callable[[], Any]) -> tuple:
    if not hasattr(os, "fork"):
        pytest.skip("needs os.fork")
    if os.geteuid() != 0:
        # already unprivileged: run here
        try:
            return ("ok", function())
        except Exception as exc:  # noqa: BLE001 - reported to the test
            return ("error", type(exc).__name__, str(exc))
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read)
        try:
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            try:
                outcome: tuple = ("ok", function())
            except Exception as exc:  # noqa: BLE001
                outcome = ("error", type(exc).__name__, str(exc))
            data = pickle.dumps(outcome)
        except BaseException as exc:  # noqa: BLE001
            data = pickle.dumps(("error", type(exc).__name__, str(exc)))
        os.write(write, data)
        os._exit(0)
    os.close(write)
    chunks = []
    while chunk := os.read(read, 65536):
        chunks.append(chunk)
    os.close(read)
    os.waitpid(pid, 0)
    return pickle.loads(b"".join(chunks))


def shared_tmp(tmp_path) -> Any:
    """A folder under ``tmp_path`` the other user can reach (pytest's own is 0700)."""
    for parent in [tmp_path, *tmp_path.parents]:
        if parent == parent.parent or str(parent) == "/tmp":
            break
        try:
            os.chmod(parent, os.stat(parent).st_mode | 0o711)
        except PermissionError:
            break
    folder = tmp_path / "shared"
    folder.mkdir(exist_ok=True)
    os.chmod(folder, 0o777)
    return folder
