"""The resumable batch job, with an injected translate function (no model needed)."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from termlock.errors import TermlockError
from termlock.documents import read_store
from termlock.translate.batch.journal import journal_path_for
from termlock.translate.batch.runner import BatchRunner, batch_plan, job_fingerprint

SOURCES = ["第一句话。", "", "第二句，比较长的一句话。", "三", "", "第四句话很长很长很长很长。", "五五", "六六六", "七"]


@dataclass
class Fake:
    target: str

    def to_dict(self):
        return {"source_len": len(self.target)}


class Counting:
    """A translate function that records what it was asked and can crash after k calls."""

    def __init__(self, crash_after: int | None = None, exc: type[BaseException] = RuntimeError):
        self.calls: list[list[str]] = []
        self.crash_after = crash_after
        self.exc = exc

    def __call__(self, sources):
        if self.crash_after is not None and len(self.calls) >= self.crash_after:
            raise self.exc("simulated crash")
        self.calls.append(list(sources))
        return [Fake(f"<{s}>") for s in sources]

    @property
    def translated(self):
        return [s for call in self.calls for s in call]


def make_input(tmp_path: Path) -> tuple[Path, bytes]:
    path = tmp_path / "in.txt"
    data = ("\n".join(SOURCES) + "\n").encode("utf-8")
    path.write_bytes(data)
    return path, data


def run_job(in_path, out_path, data, translate, *, chunk_size=2, settings=None, restart=False):
    store = read_store(str(in_path))
    fingerprint = job_fingerprint(data, **(settings or {"beam": 5}))
    job = BatchRunner(store, out_path, fingerprint, chunk_size=chunk_size, restart=restart, stderr=io.StringIO())
    return job, job.run(translate)


def test_output_keeps_order_while_batches_go_longest_first(tmp_path):
    in_path, data = make_input(tmp_path)
    out = tmp_path / "out.txt"
    translate = Counting()
    _, result = run_job(in_path, out, data, translate)
    expected = "".join(f"<{s}>\n" if s else "\n" for s in SOURCES)
    assert out.read_text(encoding="utf-8") == expected
    lengths = [len(s) for s in translate.translated]
    assert lengths == sorted(lengths, reverse=True)
    assert all(len(call) <= 2 for call in translate.calls)
    assert result.translated == 7 and result.resumed == 0
    assert not journal_path_for(out).exists()


def test_plan_is_a_pure_function_of_input_and_chunk_size(tmp_path):
    in_path, _ = make_input(tmp_path)
    store = read_store(str(in_path))
    assert batch_plan(store, 3) == batch_plan(read_store(str(in_path)), 3)
    flat = [i for chunk in batch_plan(store, 3) for i in chunk]
    assert sorted(flat) == [i for i, s in enumerate(SOURCES) if s]


@pytest.mark.parametrize("crash_after", [0, 1, 3])
@pytest.mark.parametrize("exc", [RuntimeError, KeyboardInterrupt])
def test_resume_after_crash_gives_identical_output_without_redoing_work(tmp_path, crash_after, exc):
    in_path, data = make_input(tmp_path)
    reference = tmp_path / "reference.txt"
    run_job(in_path, reference, data, Counting())

    out = tmp_path / "out.txt"
    first = Counting(crash_after=crash_after, exc=exc)
    with pytest.raises(exc):
        run_job(in_path, out, data, first)
    assert not out.exists(), "OUT must not appear before the job is complete"
    journal = journal_path_for(out)
    assert journal.exists() == (crash_after > 0)

    second = Counting()
    _, result = run_job(in_path, out, data, second)
    assert out.read_bytes() == reference.read_bytes()
    assert not set(first.translated) & set(second.translated), "a finished segment was translated again"
    assert sorted(first.translated + second.translated) == sorted(s for s in SOURCES if s)
    assert result.resumed == len(first.translated)
    assert not journal.exists()


def test_torn_last_journal_line_is_ignored(tmp_path):
    in_path, data = make_input(tmp_path)
    reference = tmp_path / "reference.txt"
    run_job(in_path, reference, data, Counting())
    out = tmp_path / "out.txt"
    with pytest.raises(RuntimeError):
        run_job(in_path, out, data, Counting(crash_after=2))
    journal = journal_path_for(out)
    intact = journal.read_bytes()
    journal.write_bytes(intact + b'{"units":[{"index":8,"target":"<')  # crash mid-write
    second = Counting()
    run_job(in_path, out, data, second)
    assert out.read_bytes() == reference.read_bytes()
    assert len(second.translated) == 7 - 4


def test_different_settings_on_resume_are_refused_until_restart(tmp_path):
    in_path, data = make_input(tmp_path)
    out = tmp_path / "out.txt"
    with pytest.raises(RuntimeError):
        run_job(in_path, out, data, Counting(crash_after=1))
    with pytest.raises(TermlockError) as err:
        run_job(in_path, out, data, Counting(), settings={"beam": 4})
    message = str(err.value)
    assert "different settings" in message and "beam" in message and "--restart" in message
    again = Counting()
    run_job(in_path, out, data, again, settings={"beam": 4}, restart=True)
    assert len(again.translated) == 7


def test_changed_input_on_resume_is_refused(tmp_path):
    in_path, data = make_input(tmp_path)
    out = tmp_path / "out.txt"
    with pytest.raises(RuntimeError):
        run_job(in_path, out, data, Counting(crash_after=1))
    in_path.write_text("别的内容\n", encoding="utf-8")
    with pytest.raises(TermlockError, match="input_sha256"):
        run_job(in_path, out, in_path.read_bytes(), Counting())


def test_damaged_journal_is_reported(tmp_path):
    in_path, data = make_input(tmp_path)
    out = tmp_path / "out.txt"
    journal = journal_path_for(out)
    journal.write_text("this is not a journal\n{}\n", encoding="utf-8")
    with pytest.raises(TermlockError, match="damaged") as err:
        run_job(in_path, out, data, Counting())
    assert err.value.line == 1


def test_nothing_to_translate_and_stdout(tmp_path, capsysbinary):
    path = tmp_path / "blank.txt"
    path.write_text("\n\n", encoding="utf-8")
    store = read_store(str(path))
    job = BatchRunner(store, "-", job_fingerprint(b""), stderr=io.StringIO())
    assert job.pending == 0 and job.journal is None
    job.run(Counting())
    assert capsysbinary.readouterr().out == b"\n\n"


def test_finalize_runs_before_the_journal_is_removed(tmp_path):
    in_path, data = make_input(tmp_path)
    out = tmp_path / "out.txt"
    seen = {}

    def finalize(records):
        seen["journal"] = journal_path_for(out).exists()
        seen["records"] = records

    store = read_store(str(in_path))
    BatchRunner(store, out, job_fingerprint(data), chunk_size=3, stderr=io.StringIO()).run(Counting(), finalize=finalize)
    assert seen["journal"] is True
    assert [r is None for r in seen["records"]] == [not s for s in SOURCES]
    assert seen["records"][0] == {"index": 0, "target": "<第一句话。>", "report": {"source_len": 7}}


_KILLED_CHILD = textwrap.dedent(
    """
    import io, os, sys
    from dataclasses import dataclass
    from termlock.documents import read_store
    from termlock.translate.batch.runner import BatchRunner, job_fingerprint

    @dataclass
    class Fake:
        target: str
        def to_dict(self):
            return {}

    calls = 0
    def translate(sources):
        global calls
        calls += 1
        if calls == int(sys.argv[3]):
            os._exit(9)  # die like a killed process: no cleanup, no exception handling
        return [Fake(s[::-1]) for s in sources]

    data = open(sys.argv[1], "rb").read()
    store = read_store(sys.argv[1])
    BatchRunner(store, sys.argv[2], job_fingerprint(data), chunk_size=2, stderr=io.StringIO()).run(translate)
    print(calls)
    """
)


def test_killed_process_resumes_to_identical_output(tmp_path):
    in_path, _ = make_input(tmp_path)
    script = tmp_path / "child.py"
    script.write_text(_KILLED_CHILD, encoding="utf-8")
    reference, out = tmp_path / "ref.txt", tmp_path / "out.txt"
    full = subprocess.run([sys.executable, script, in_path, reference, "0"], capture_output=True, text=True)
    assert full.returncode == 0, full.stderr
    killed = subprocess.run([sys.executable, script, in_path, out, "3"], capture_output=True, text=True)
    assert killed.returncode == 9 and not out.exists()
    resumed = subprocess.run([sys.executable, script, in_path, out, "0"], capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert int(resumed.stdout) == 2  # 4 batches in all, 2 were saved before the kill
    assert out.read_bytes() == reference.read_bytes()


class _Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize("stream, shown", [(io.StringIO(), False), (_Terminal(), True)])
def test_progress_bar_only_on_a_terminal(tmp_path, stream, shown):
    in_path, data = make_input(tmp_path)
    store = read_store(str(in_path))
    BatchRunner(store, tmp_path / "out.txt", job_fingerprint(data), chunk_size=2, stderr=stream).run(Counting())
    text = stream.getvalue()
    assert ("seg/s" in text and "7/7" in text) == shown
    if not shown:
        assert text == ""


def test_a_journal_whose_header_was_torn_starts_afresh(tmp_path):
    in_path, data = make_input(tmp_path)
    out = tmp_path / "out.txt"
    journal_path_for(out).write_bytes(b'{"termlock_journal":1,"fingerp')
    again = Counting()
    run_job(in_path, out, data, again)
    assert len(again.translated) == 7 and not journal_path_for(out).exists()
