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


# ---------------------------------------------------------------- hand-edited journals, streams, shared reports


def _crashed_journal(tmp_path: Path) -> tuple[Path, bytes, Path]:
    """A job stopped after its first batch: (input, its bytes, the output whose journal holds that batch)."""
    in_path, data = make_input(tmp_path)
    out = tmp_path / "out.txt"
    with pytest.raises(RuntimeError):
        run_job(in_path, out, data, Counting(crash_after=1))
    assert journal_path_for(out).exists()
    return in_path, data, out


@pytest.mark.parametrize(
    "edit, problem",
    [
        (lambda u: u.update(index="0"), 'a saved unit\'s index is "0", not a whole number'),
        (lambda u: u.update(index=True), "a saved unit's index is true, not a whole number"),
        (lambda u: u.update(index=1.5), "a saved unit's index is 1.5, not a whole number"),
        (lambda u: u.update(index=99), "unit 99 is not a segment this input translates"),
        (lambda u: u.update(target=5), "unit 5's target is 5, not a string"),
        (lambda u: u.pop("target"), "unit 5's target is null, not a string"),
        (lambda u: u.update(report=[1]), "unit 5's report is not a JSON object"),
    ],
    ids=["index-string", "index-bool", "index-float", "index-unknown", "target-number", "no-target", "report-list"],
)
def test_a_hand_edited_journal_with_wrong_types_is_one_error_and_kept(tmp_path, edit, problem):
    import json

    in_path, data, out = _crashed_journal(tmp_path)
    journal = journal_path_for(out)
    header, line, *rest = journal.read_text(encoding="utf-8").splitlines()
    record = json.loads(line)
    edit(record["units"][0])
    edited = "\n".join([header, json.dumps(record), *rest]) + "\n"
    journal.write_text(edited, encoding="utf-8")
    with pytest.raises(TermlockError) as err:
        run_job(in_path, out, data, Counting())
    assert err.value.line == 2
    assert f"the resume journal is damaged: {problem}" in str(err.value)
    assert "undo the edit of that line to resume" in str(err.value)
    assert journal.read_text(encoding="utf-8") == edited  # the saved work is kept for the user to repair
    assert not out.exists()


def test_a_saved_report_is_checked_by_the_callers_rules(tmp_path):
    in_path, data, out = _crashed_journal(tmp_path)
    store = read_store(str(in_path))
    with pytest.raises(TermlockError, match=r"damaged: unit 2's report: too short") as err:
        BatchRunner(store, out, job_fingerprint(data, beam=5), chunk_size=2, stderr=io.StringIO(),
                    check_report=lambda report: "too short" if report["source_len"] < 20 else None)  # fmt: skip
    assert err.value.line == 2


def test_a_journal_header_whose_fingerprint_is_not_an_object(tmp_path):
    in_path, data, out = _crashed_journal(tmp_path)
    journal = journal_path_for(out)
    lines = journal.read_text(encoding="utf-8").splitlines()
    lines[0] = '{"termlock_journal": 1, "fingerprint": ["beam", 5]}'
    journal.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(TermlockError, match="damaged: its fingerprint is not a JSON object") as err:
        run_job(in_path, out, data, Counting())
    assert err.value.line == 1


def _beside(path: Path) -> set[str]:
    return {p.name for p in path.parent.iterdir() if "termlock" in p.name}


def test_a_fifo_output_keeps_no_journal_and_no_lock_beside_it(tmp_path):
    import os
    import threading

    in_path, data = make_input(tmp_path)
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    job, _ = run_job(in_path, fifo, data, Counting())
    reader.join(10)
    assert job.journal is None and job.locks == []
    assert got[0].decode("utf-8").splitlines()[0] == "<第一句话。>"
    assert _beside(fifo) == set()


def test_dev_null_keeps_no_journal_and_nothing_is_created_in_dev(tmp_path):
    in_path, data = make_input(tmp_path)
    before = _beside(Path("/dev/null"))
    job, result = run_job(in_path, "/dev/null", data, Counting())
    assert job.journal is None and result.translated == 7
    assert _beside(Path("/dev/null")) == before


def test_the_report_is_locked_with_the_output(tmp_path):
    in_path, data = make_input(tmp_path)
    store = read_store(str(in_path))
    report = tmp_path / "shared-report.json"
    first = BatchRunner(store, tmp_path / "a.txt", job_fingerprint(data), stderr=io.StringIO(), other_outputs=(report, None))
    try:
        with pytest.raises(TermlockError, match="another termlock run is writing this output") as err:
            BatchRunner(store, tmp_path / "b.txt", job_fingerprint(data), stderr=io.StringIO(), other_outputs=(report,))
        assert str(report) in str(err.value) and "pid" in str(err.value)
        assert not journal_path_for(tmp_path / "b.txt").exists()
        # the first run's output is the second run's report: refused the same way
        with pytest.raises(TermlockError, match="another termlock run is writing this output"):
            BatchRunner(store, tmp_path / "c.txt", job_fingerprint(data), stderr=io.StringIO(),
                        other_outputs=(tmp_path / "a.txt",))  # fmt: skip
    finally:
        first.close()
    # released: the second run goes ahead, and its stream report takes no lock
    second = BatchRunner(store, tmp_path / "b.txt", job_fingerprint(data), stderr=io.StringIO(),
                         other_outputs=(report, "/dev/null"))  # fmt: skip
    assert [lock.out_path for lock in second.locks] == [str(tmp_path / "b.txt"), str(report)]
    second.run(Counting())
    assert _beside(report) == set()


def test_an_ordinary_user_translates_into_dev_null(tmp_path):
    """As root /dev takes a journal; an ordinary user got "cannot create files beside the output"."""
    from as_other_user import run_as_nobody

    in_path, data = make_input(tmp_path)
    store = read_store(str(in_path))

    def translate_into_dev_null():
        job = BatchRunner(store, "/dev/null", job_fingerprint(data), stderr=io.StringIO())
        return job.run(Counting()).translated

    assert run_as_nobody(translate_into_dev_null) == ("ok", 7)
