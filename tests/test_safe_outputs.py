"""Outputs never destroy what they should not: inputs, symlinks, special files, modes, concurrent runs.

Each test here failed before its fix. Every atomic writer passes the same
destination tests: whole files, streamed reports and the Ray engine's
``--merge`` output.
"""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from termlock.errors import TermlockError
from termlock.fileio import AtomicOutput, write_atomically
from termlock.outputs import refuse_clobbering
from termlock.translate.batch.output_lock import OutputLock, lock_path_for
from termlock.translate.batch.journal import Journal


# ------------------------------------------------------------- output = input


def test_output_naming_an_input_is_refused(tmp_path):
    src = tmp_path / "t.en"
    src.write_text("x\n")
    with pytest.raises(TermlockError) as info:
        refuse_clobbering([("--target", str(src))], [("--json", str(src))])
    message = str(info.value)
    assert "--json would overwrite the input --target" in message and str(src) in message and "fix:" in message
    assert "\n" not in message


def test_output_reaching_an_input_through_a_symlink_or_hard_link_is_refused(tmp_path):
    src = tmp_path / "s.zh"
    src.write_text("双核\n")
    (tmp_path / "link").symlink_to(src)
    os.link(src, tmp_path / "hard")
    for alias in ("link", "hard", "./s.zh"):
        with pytest.raises(TermlockError):
            refuse_clobbering([("-i", str(src))], [("-o", str(tmp_path / alias))])


def test_two_outputs_on_one_path_are_refused_even_when_new(tmp_path):
    out = tmp_path / "new.xlf"
    with pytest.raises(TermlockError) as info:
        refuse_clobbering([("-i", str(tmp_path / "in.xlf"))], [("-o", str(out)), ("--tmx", str(out))])
    assert "--tmx and -o name the same file" in str(info.value)


def test_stdio_devices_and_distinct_files_pass(tmp_path):
    (tmp_path / "a").write_text("a")
    refuse_clobbering([("--target", "-"), ("--source", str(tmp_path / "a"))], [("-o", "-"), ("--json", None)])
    refuse_clobbering([("-i", str(tmp_path / "a"))], [("--json", os.devnull), ("--csv", os.devnull)])
    refuse_clobbering([("-i", str(tmp_path / "a"))], [("-o", str(tmp_path / "b")), ("--report", str(tmp_path / "c"))])


# ------------------------------------------------------------- atomic writes


def _streamed(path, data: bytes) -> None:
    """The streaming reports' writer: the same destination rules as write_atomically."""
    with AtomicOutput(path) as out:
        out.write(data[:3])
        out.write(data[3:])


@dataclass
class _Echo:
    """A translation that is its source (so the merged output is the input's bytes)."""

    target: str

    def to_dict(self) -> dict:
        return {"source": self.target, "target": self.target, "required": [], "satisfied_first_pass": [], "redecoded": [],
                "unsatisfied": [], "sentences": [], "warnings": []}  # a whole segment record, as the translate report's schema wants


def _ray_merged(path, data: bytes) -> None:
    """The Ray engine's ``--merge`` output, run in process: a directory of shards into one file at ``path``."""
    from termlock.engines.ray.support import run_in_process
    from termlock.engines.ray.translate import translate_sharded

    with tempfile.TemporaryDirectory() as shards:
        Path(shards, "a.txt").write_bytes(data)
        translate_sharded(
            shards, str(path), lambda: (lambda sources: [_Echo(s) for s in sources]), pool=run_in_process,
            settings={"test": 1}, merge=True, stderr=io.StringIO(),
        )  # fmt: skip


WRITERS = pytest.mark.parametrize(
    "write", [write_atomically, _streamed, _ray_merged], ids=["whole", "streamed", "ray-merge"]
)
#: devices: the Ray engine keeps its saved shards beside the output, which has no place beside /dev/null
DEVICE_WRITERS = pytest.mark.parametrize("write", [write_atomically, _streamed], ids=["whole", "streamed"])


@WRITERS
def test_writing_through_a_symlink_updates_its_target_and_keeps_the_link(tmp_path, write):
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write(link, b"new")
    assert link.is_symlink()
    assert real.read_bytes() == b"new"


@WRITERS
def test_a_dangling_symlink_creates_its_target(tmp_path, write):
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "made.json")
    write(link, b"data")
    assert link.is_symlink() and (tmp_path / "made.json").read_bytes() == b"data"


@WRITERS
def test_a_fifo_is_written_in_place_not_replaced(tmp_path, write):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(open(fifo, "rb").read()))
    reader.start()
    write(fifo, b"through the pipe")
    reader.join(5)
    assert got == [b"through the pipe"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@DEVICE_WRITERS
def test_dev_full_is_a_clear_error_and_stays_a_device(write):
    with pytest.raises(TermlockError) as info:
        write("/dev/full", b"x" * 10)
    assert "/dev/full" in str(info.value) and "No space left" in str(info.value)
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


@DEVICE_WRITERS
def test_dev_null_is_written_without_replacing_it(write):
    write(os.devnull, b"discard me")
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


@WRITERS
def test_a_directory_is_refused(tmp_path, write):
    with pytest.raises(TermlockError, match="is a directory"):
        write(tmp_path, b"x")


@WRITERS
def test_new_files_follow_the_umask_and_rewritten_files_keep_their_mode(tmp_path, write):
    old = os.umask(0o027)
    try:
        write(tmp_path / "new.txt", b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "new.txt").st_mode) == 0o640
    kept = tmp_path / "kept.txt"
    kept.write_text("old")
    os.chmod(kept, 0o644)
    write(kept, b"new")
    assert stat.S_IMODE(os.stat(kept).st_mode) == 0o644
    os.chmod(kept, 0o600)
    write(kept, b"newer")
    assert stat.S_IMODE(os.stat(kept).st_mode) == 0o600


# ------------------------------------------------------------- one run per output


def test_a_second_lock_on_the_same_output_is_refused_naming_the_first(tmp_path):
    out = tmp_path / "o.txt"
    with OutputLock(out):
        assert lock_path_for(out).exists()
        with pytest.raises(TermlockError) as info:
            OutputLock(out).acquire()
        message = str(info.value)
        assert "another termlock run is writing this output" in message and f"pid {os.getpid()}" in message
    assert not lock_path_for(out).exists()
    with OutputLock(out):  # released: free again
        pass


def test_a_lock_held_by_another_process_is_refused_and_dies_with_it(tmp_path):
    out = tmp_path / "o.txt"
    code = (
        "import sys,time; from termlock.translate.batch.output_lock import OutputLock; "
        f"lock = OutputLock({str(out)!r}).acquire(); print('locked', flush=True); time.sleep(30)"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, env=env)
    try:
        assert holder.stdout.readline().strip() == b"locked"
        with pytest.raises(TermlockError, match=f"pid {holder.pid}"):
            OutputLock(out).acquire()
    finally:
        holder.kill()
        holder.wait()
    with OutputLock(out):  # the kernel dropped the dead run's lock
        pass


def test_an_output_folder_that_cannot_hold_files_is_reported_before_any_work(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(TermlockError, match="cannot create files beside the output"):
        OutputLock(blocker / "o.txt").acquire()


# ------------------------------------------------------------- journal damage


def test_a_garbled_middle_journal_line_is_skipped_and_rewritten_clean(tmp_path):
    path = tmp_path / "o.txt.termlock-journal"
    journal = Journal.open(path, {"k": 1})
    journal.append([{"index": 0, "target": "a"}])
    journal.append([{"index": 1, "target": "b"}])
    lines = path.read_bytes().split(b"\n")
    lines.insert(2, b'{"units":[{"index":5,"tar{"units"')  # two writers interleaved, then killed
    path.write_bytes(b"\n".join(lines))
    reopened = Journal.open(path, {"k": 1})
    assert reopened.dropped_lines == 1
    assert sorted(reopened.done) == [0, 1]
    reopened.append([{"index": 2, "target": "c"}])
    again = Journal.open(path, {"k": 1})
    assert again.dropped_lines == 0 and sorted(again.done) == [0, 1, 2]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_disk_for_the_journal_is_one_clear_error(tmp_path):
    journal = Journal("/dev/full", {"k": 1})
    with pytest.raises(TermlockError) as info:
        journal.append([{"index": 0, "target": "a"}])
    assert "cannot save progress to the resume journal: No space left on device" in str(info.value)


def test_a_second_translate_run_on_the_same_output_stops_at_once_naming_the_first(tmp_path, capsys):
    from termlock.cli import main

    source = tmp_path / "s.zh"
    source.write_text("双核\n", encoding="utf-8")
    out = tmp_path / "o.en"
    with OutputLock(out):  # the "first run"
        code = main(["translate", "-i", str(source), "-o", str(out), "--model", str(tmp_path / "never-loaded"),
                     "--glossary", "bundled"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert "another termlock run is writing this output" in err and f"pid {os.getpid()}" in err
    assert not out.exists()


@pytest.mark.parametrize("shape", ["file", "directory"])
@pytest.mark.parametrize("shared", ["--report", "--tmx"])
def test_a_second_run_with_another_output_but_the_same_report_stops_at_once(tmp_path, capsys, shape, shared):
    """Two runs with different -o but one --report: the last used to win silently."""
    from termlock.cli import main

    if shape == "file":
        source = tmp_path / "s.zh"
        source.write_text("双核\n", encoding="utf-8")
    else:
        source = tmp_path / "docs"
        source.mkdir()
        (source / "a.txt").write_text("双核\n", encoding="utf-8")
    report = tmp_path / ("shared.json" if shared == "--report" else "shared.tmx")
    with OutputLock(report):  # the first run, writing its own -o and this report
        code = main(["translate", "-i", str(source), "-o", str(tmp_path / "second"), shared, str(report),
                     "--model", str(tmp_path / "never-loaded"), "--glossary", "bundled"])  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert f"{report}: another termlock run is writing this output (pid {os.getpid()}" in err
    assert not (tmp_path / "second").exists() and not report.exists()
