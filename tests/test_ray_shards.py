"""Sharded jobs without Ray: planning, manifest, resume by shard, merge, checking.

The engine talks to its worker pool through one function (items in,
``(key, result)`` out in any order), so its promises (same bytes as the
single-machine runner, nothing lost or duplicated, resume redoes only
unfinished shards) are tested here with an in-process pool that can
reorder, repeat, drop or crash; tests/test_ray_translate.py runs the same
jobs on a real local Ray instance.
"""

from __future__ import annotations

import json
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from termlock.errors import TermlockError
from termlock.engines.ray.check import check_sharded
from termlock.engines.ray.support import run_in_process
from termlock.engines.ray.translate import translate_sharded
from termlock.engines.ray.segment_files import SegmentFile, read_segment_shards
from termlock.engines.ray.shards import MANIFEST_NAME, STATE_DIR_NAME, STATE_SUFFIX
from termlock.documents import read_store
from termlock.translate.batch.runner import BatchRunner


@dataclass
class FakeSegment:
    target: str
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "target": self.target, "required": [], "satisfied_first_pass": [],
                "redecoded": [], "unsatisfied": [], "sentences": [], "warnings": []}  # fmt: skip


class BatchStamp:
    """A fake translation that also says which batch it was decoded in.

    A real decoder's output can depend (in the last float bits) on the
    other sentences of its batch; stamping the batch into every target
    makes any difference between two batch plans visible in the output.
    """

    def __init__(self, log: list[list[str]] | None = None) -> None:
        self.log = log if log is not None else []

    def __call__(self, sources: list[str]) -> list[FakeSegment]:
        self.log.append(list(sources))
        stamp = f"{len(sources)}:{sum(len(s) for s in sources)}"
        return [FakeSegment(f"<{s[::-1]}|{stamp}>", s) for s in sources]


def local_output(path: Path, tmp_path: Path, batch_size: int) -> bytes:
    """What the single-machine runner writes for ``path``."""
    out = tmp_path / "local" / path.name
    store = read_store(str(path))
    BatchRunner(store, out, {"test": 1}, chunk_size=batch_size).run(BatchStamp())
    return out.read_bytes()


def shuffled(seed: int):
    """A pool that answers in a random order (as Ray does), in process."""

    def pool(items, factory):
        results = list(run_in_process(items, factory))
        random.Random(seed).shuffle(results)
        yield from results

    return pool


def make_shards(root: Path) -> Path:
    shards = root / "in"
    (shards / "sub").mkdir(parents=True)
    (shards / "a.txt").write_text("第一句。\n\n第二句比较长一些。\n第三\n", encoding="utf-8")
    (shards / "b.txt").write_bytes("乙一\r\n乙二很长很长很长\r\n\r\n乙三".encode("utf-8"))  # CRLF, no final newline
    (shards / "sub" / "c.txt").write_text("".join(f"丙{i}{'长' * (i % 7)}\n" for i in range(23)), encoding="utf-8")
    (shards / ".hidden").write_text("not a shard\n", encoding="utf-8")
    return shards


def run_job(inp: Path, out: Path, **kwargs: Any):
    kwargs.setdefault("pool", shuffled(0))
    kwargs.setdefault("settings", {"model": "fake"})
    kwargs.setdefault("batch_size", 4)
    kwargs.setdefault("shard_size", 5)
    make = kwargs.pop("make", BatchStamp)
    return translate_sharded(str(inp), str(out), make, **kwargs)


def test_directory_of_shards_gives_the_local_output_per_shard_and_a_manifest(tmp_path):
    shards = make_shards(tmp_path)
    out = tmp_path / "out"
    result = run_job(shards, out)

    names = ["a.txt", "b.txt", "sub/c.txt"]
    for name in names:
        assert (out / name).read_bytes() == local_output(shards / name, tmp_path / name.replace("/", "_"), 4), name
    assert not (out / ".hidden").exists()
    assert not (out / STATE_DIR_NAME).exists()  # saved shards are gone once the job is done
    manifest = json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert manifest["complete"] is True
    assert [s["output"] for s in manifest["shards"]] == names
    assert [s["segments"] for s in manifest["shards"]] == [4, 4, 23]
    assert [s["translatable"] for s in manifest["shards"]] == [3, 3, 23]
    import hashlib

    for entry in manifest["shards"]:
        assert entry["sha256"] == hashlib.sha256((out / entry["output"]).read_bytes()).hexdigest()
    assert manifest["totals"] == {"shards": 3, "segments": 31, "translatable": 29}
    assert result.shards == 1 + 1 + 3 and result.translated_shards == 5  # 2 batches of 4 per work shard
    assert result.translated_segments == 29 and result.worker_seconds > 0 and result.duplicates == 0


def test_single_file_is_written_as_the_local_runner_writes_it(tmp_path):
    lines = [f"第{i}句{'很' * ((i * 5) % 11)}长。" if i % 6 else "" for i in range(57)]
    inp = tmp_path / "doc.txt"
    inp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "doc.en.txt"
    run_job(inp, out, batch_size=8, shard_size=10, pool=shuffled(3))
    assert out.read_bytes() == local_output(inp, tmp_path, 8)
    assert len(out.read_text(encoding="utf-8").split("\n")) == len(lines) + 1
    assert not Path(str(out) + STATE_SUFFIX).exists()


def test_merge_concatenates_the_shards_in_order_keeping_their_lines_apart(tmp_path):
    shards = make_shards(tmp_path)
    out = tmp_path / "all.txt"
    run_job(shards, out, merge=True)
    expected = b""
    for name in ("a.txt", "b.txt", "sub/c.txt"):
        part = local_output(shards / name, tmp_path / name.replace("/", "_"), 4)
        if expected and not expected.endswith(b"\n"):
            expected += b"\n"
        expected += part
    assert out.read_bytes() == expected
    assert len(out.read_bytes().decode("utf-8").splitlines()) == 4 + 4 + 23


def test_driver_crash_then_rerun_redoes_only_unfinished_shards(tmp_path):
    shards = make_shards(tmp_path)
    out = tmp_path / "out"
    log: list[list[str]] = []
    done: list[str] = []

    def crash_after_three(key: str) -> None:
        done.append(key)
        if len(done) == 3:
            raise KeyboardInterrupt  # the driver dies here

    pool = lambda items, factory: run_in_process(items, factory)  # noqa: E731  (in order: deterministic crash point)
    with pytest.raises(KeyboardInterrupt):
        run_job(shards, out, pool=pool, make=lambda: BatchStamp(log), on_shard=crash_after_three)
    first_run = [s for batch in log for s in batch]
    assert not (out / MANIFEST_NAME).exists() or not json.loads((out / MANIFEST_NAME).read_text())["complete"]

    log.clear()
    result = run_job(shards, out, pool=pool, make=lambda: BatchStamp(log))
    second_run = [s for batch in log for s in batch]
    assert result.resumed_shards == 3 and result.translated_shards == result.shards - 3
    translatable = [u.source for n in ("a.txt", "b.txt", "sub/c.txt") for u in read_store(str(shards / n)).units if u.translatable]
    # every segment translated exactly once over the two runs
    assert sorted(first_run + second_run) == sorted(translatable)
    clean = tmp_path / "clean"
    run_job(shards, clean)
    for name in ("a.txt", "b.txt", "sub/c.txt"):
        assert (out / name).read_bytes() == (clean / name).read_bytes()


def test_a_crash_inside_a_work_shard_loses_nothing_already_saved(tmp_path):
    inp = tmp_path / "doc.txt"
    inp.write_text("".join(f"句子{i}\n" for i in range(40)), encoding="utf-8")
    out = tmp_path / "doc.out.txt"
    calls = {"n": 0}

    class Flaky(BatchStamp):
        def __call__(self, sources):
            calls["n"] += 1
            if calls["n"] == 4:
                raise RuntimeError("worker lost")
            return super().__call__(sources)

    with pytest.raises(RuntimeError, match="worker lost"):
        run_job(inp, out, make=Flaky, pool=lambda i, f: run_in_process(i, f), batch_size=5, shard_size=5)
    assert not out.exists()  # never a partial output
    state = Path(str(out) + STATE_SUFFIX)
    assert len(list(state.glob("*.jsonl"))) == 3
    result = run_job(inp, out, batch_size=5, shard_size=5)
    assert result.resumed_shards == 3 and result.translated_shards == 5
    assert out.read_bytes() == local_output(inp, tmp_path, 5)


def test_a_shard_answered_twice_is_taken_once_and_a_missing_one_fails_the_job(tmp_path):
    shards = make_shards(tmp_path)

    def twice(items, factory):
        for key, result in run_in_process(items, factory):
            yield key, result
            yield key, {"records": [dict(r, target="DUPLICATE") for r in result["records"]]}

    out = tmp_path / "out"
    result = run_job(shards, out, pool=twice)
    assert result.duplicates == result.shards
    assert b"DUPLICATE" not in b"".join((out / n).read_bytes() for n in ("a.txt", "b.txt", "sub/c.txt"))

    def drops_one(items, factory):
        for number, (key, result) in enumerate(run_in_process(items, factory)):
            if number != 2:
                yield key, result

    lost = tmp_path / "lost"
    with pytest.raises(TermlockError, match="1 work shards did not come back"):
        run_job(shards, lost, pool=drops_one)
    assert not (lost / "sub" / "c.txt").exists()
    run_job(shards, lost)  # the rerun fills the gap
    assert (lost / "sub" / "c.txt").read_bytes() == (out / "sub" / "c.txt").read_bytes()


def test_a_worker_answer_with_other_units_is_refused(tmp_path):
    inp = tmp_path / "doc.txt"
    inp.write_text("一\n二\n三\n", encoding="utf-8")

    def loses_a_unit(items, factory):
        for key, result in run_in_process(items, factory):
            yield key, {"records": result["records"][:-1]}

    with pytest.raises(RuntimeError, match="expected"):
        run_job(inp, tmp_path / "o.txt", pool=loses_a_unit)


def test_resuming_with_other_settings_is_refused_and_restart_starts_over(tmp_path):
    shards = make_shards(tmp_path)
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        run_job(shards, out, on_shard=lambda key: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(TermlockError, match="different settings.*batch_size: was 4, now 3"):
        run_job(shards, out, batch_size=3)
    result = run_job(shards, out, batch_size=3, restart=True)
    assert result.resumed_shards == 0
    assert (out / "a.txt").read_bytes() == local_output(shards / "a.txt", tmp_path, 3)


def test_a_finished_directory_job_is_not_redone_and_a_changed_input_is_refused(tmp_path):
    shards = make_shards(tmp_path)
    out = tmp_path / "out"
    run_job(shards, out)
    again = run_job(shards, out)
    assert again.already_complete and again.translated_shards == 0
    (shards / "a.txt").write_text("改了\n", encoding="utf-8")
    with pytest.raises(TermlockError, match="different settings.*input_sha256"):
        run_job(shards, out)


@pytest.mark.parametrize(
    ("out_name", "merge", "message"),
    [
        ("in/inside", False, "must not be the input directory"),
        ("in", False, "must not be the input directory"),
        ("afile", False, "is a file"),
        ("full", False, "not empty"),
        ("adir", True, "is a directory"),
    ],
)
def test_unsafe_outputs_are_refused(tmp_path, out_name, merge, message):
    shards = make_shards(tmp_path)
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine", encoding="utf-8")
    (tmp_path / "adir").mkdir()
    with pytest.raises(TermlockError, match=message):
        run_job(shards, tmp_path / out_name, merge=merge)
    assert (tmp_path / "full" / "keep.txt").read_text(encoding="utf-8") == "mine"


def test_jsonl_and_parquet_shards_keep_their_other_fields(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    shards = tmp_path / "in"
    shards.mkdir()
    (shards / "p1.parquet").write_bytes(b"")
    pq.write_table(pa.table({"id": [1, 2, 3], "source": ["甲", None, "乙丙"]}), shards / "p1.parquet")
    pq.write_table(pa.table({"id": [4], "source": ["丁"]}), shards / "p2.parquet")
    out = tmp_path / "out"
    run_job(shards, out)
    table = pq.read_table(out / "p1.parquet")
    assert table.column_names == ["id", "source", "target"]
    assert table.column("id").to_pylist() == [1, 2, 3]
    assert table.column("target").to_pylist()[1] == ""
    assert table.column("target").to_pylist()[0].startswith("<甲|")

    merged = tmp_path / "all.parquet"
    run_job(shards, merged, merge=True)
    assert pq.read_table(merged).column("id").to_pylist() == [1, 2, 3, 4]

    jsonl = tmp_path / "j.jsonl"
    jsonl.write_text('{"id": "x", "source": "戊己"}\n\n{"source": "庚", "note": 1}\n', encoding="utf-8")
    run_job(jsonl, tmp_path / "j.out.jsonl")
    assert (tmp_path / "j.out.jsonl").read_bytes() == local_output(jsonl, tmp_path, 4)


def test_sharded_check_equals_the_single_machine_check_on_the_bundled_corpus(tmp_path):
    from termlock.corpora import bundled_corpus, load_bundled_glossary
    from termlock.evaluate import check
    from termlock.evaluate.reports.json_report import to_json

    corpus = bundled_corpus()
    glossary = load_bundled_glossary()
    sources, flawed, refs = corpus.sources(), corpus.flawed(), corpus.references()
    cuts = [0, 37, 38, 120, len(sources)]  # uneven shards, one of a single line

    def shards(lines):
        return [SegmentFile(f"part-{k}", f"part-{k}", lines[a:b]) for k, (a, b) in enumerate(zip(cuts, cuts[1:]))]

    expected = to_json(check(glossary, sources, flawed, refs))
    got = check_sharded(glossary, shards(sources), shards(flawed), shards(refs), pool=shuffled(1), chunk_size=16)
    assert to_json(got) == expected
    assert got.summary.inconsistent_terms > 0  # document-level consistency survives sharding
    # --strict-spelling: the spelling findings of every shard count against the rate alike
    unhyphenated = [line.replace("-", " ") for line in flawed]  # "high quality development": spelling findings
    strict = check_sharded(glossary, shards(sources), shards(unhyphenated), shards(refs), pool=shuffled(2), chunk_size=16,
                           strict_spelling=True)
    assert to_json(strict) == to_json(check(glossary, sources, unhyphenated, refs, strict_spelling=True))
    assert strict.summary.strict_spelling and strict.summary.spelling > 0
    assert strict.summary.term_success_rate < got.summary.term_success_rate


def test_sharded_check_refuses_misaligned_shards(tmp_path):
    from termlock.corpora import load_bundled_glossary

    glossary = load_bundled_glossary()
    src = [SegmentFile("a", "src/a", ["一", "二"]), SegmentFile("b", "src/b", ["三"])]
    with pytest.raises(TermlockError, match="line counts differ in shard b"):
        check_sharded(glossary, src, [SegmentFile("a", "t/a", ["1", "2"]), SegmentFile("b", "t/b", [])], pool=shuffled(0))
    with pytest.raises(TermlockError, match="only in --target: c"):
        check_sharded(glossary, src, [SegmentFile("a", "t/a", ["1", "2"]), SegmentFile("c", "t/c", ["3"])], pool=shuffled(0))


def test_segment_shards_read_text_jsonl_and_a_translate_manifest(tmp_path):
    root = tmp_path / "d"
    root.mkdir()
    (root / "a.txt").write_bytes("一\r\n\r\n二\u2028半".encode("utf-8"))
    (root / "b.jsonl").write_text('{"source": "三", "target": "three"}\n\n', encoding="utf-8")
    got = read_segment_shards(str(root), "target", "--target")
    assert [(s.name, s.segments) for s in got] == [("a.txt", ["一", "", "二\u2028半"]), ("b.jsonl", ["three", ""])]
    (root / MANIFEST_NAME).write_text(json.dumps({"termlock_manifest": 1, "complete": True, "shards": [{"output": "b.jsonl"}]}))
    assert [s.name for s in read_segment_shards(str(root), "source", "--source")] == ["b.jsonl"]


# ---------------------------------------------------------------- the CLI


def test_ray_only_flags_and_directories_need_the_ray_engine(tmp_path, capsys):
    from termlock.cli import main

    shards = make_shards(tmp_path)
    assert main(["check", "--source", str(shards), "--target", str(shards)]) == 2  # segments: shards need Ray
    assert "--engine ray to process a directory of shards" in capsys.readouterr().err
    doc = shards / "a.txt"
    assert main(["translate", "-i", str(doc), "-o", str(tmp_path / "o.txt"), "--glossary", "bundled", "--num-workers", "2",
                 "--merge"]) == 2
    assert "--num-workers, --merge only apply with --engine ray" in capsys.readouterr().err
    assert main(["check", "--source", str(doc), "--target", str(doc), "--address", "auto"]) == 2
    assert "--address only apply with --engine ray" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["translate", "-i", str(doc), "-o", "x", "--engine", "ray", "--gpus-per-worker", "0"])
    assert "must be more than 0" in capsys.readouterr().err


def test_engine_ray_without_ray_installed_says_how_to_install_it(tmp_path, capsys, monkeypatch):
    from termlock.cli import main

    monkeypatch.setitem(sys.modules, "ray", None)
    doc = make_shards(tmp_path) / "a.txt"
    assert main(["translate", "--engine", "ray", "-i", str(doc), "-o", str(tmp_path / "o.txt"), "--glossary", "bundled"]) == 2
    assert "pip install 'termlock[ray]'" in capsys.readouterr().err
    assert main(["check", "--engine", "ray", "--source", str(doc), "--target", str(doc)]) == 2
    assert "pip install 'termlock[ray]'" in capsys.readouterr().err


def test_a_run_that_saved_nothing_does_not_block_a_rerun_with_other_settings(tmp_path):
    shards = make_shards(tmp_path)

    def no_model():
        raise TermlockError("no such model directory")

    with pytest.raises(TermlockError, match="no such model"):
        run_job(shards, tmp_path / "out", make=no_model, settings={"model": "missing"})
    result = run_job(shards, tmp_path / "out", settings={"model": "fixed"})
    assert result.translated_shards == result.shards


def _termlock_files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if "termlock" in p.name}


def test_merge_into_dev_null_keeps_its_state_in_a_scratch_folder_it_removes(tmp_path, monkeypatch):
    import tempfile

    shards = make_shards(tmp_path)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    before = _termlock_files(Path("/dev"))
    during: list[tuple[set[str], int]] = []
    watch = lambda key: during.append((_termlock_files(Path("/dev")), len(list(scratch.iterdir()))))  # noqa: E731
    result = run_job(shards, "/dev/null", merge=True, on_shard=watch)
    assert result.translated_shards == result.shards > 1
    assert all(files == before and held == 1 for files, held in during)  # no /dev/null.termlock-shards, ever
    assert list(scratch.iterdir()) == []  # and the scratch folder is gone


def test_merge_into_a_fifo_that_fails_midway_keeps_nothing_and_says_nothing_is_saved(tmp_path, monkeypatch):
    import io
    import os
    import tempfile
    import threading

    inp = tmp_path / "doc.txt"
    inp.write_text("".join(f"句子{i}\n" for i in range(12)), encoding="utf-8")
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))

    class Flaky(BatchStamp):
        calls = 0

        def __call__(self, sources):
            Flaky.calls += 1
            if Flaky.calls == 2:
                raise RuntimeError("worker lost")
            return super().__call__(sources)

    stderr = io.StringIO()
    with pytest.raises(RuntimeError, match="worker lost"):
        run_job(inp, fifo, make=Flaky, pool=lambda i, f: run_in_process(i, f), batch_size=3, shard_size=3, stderr=stderr)
    assert "saved" not in stderr.getvalue() and _termlock_files(tmp_path) == set() and list(scratch.iterdir()) == []
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    run_job(inp, fifo, batch_size=3, shard_size=3)
    reader.join(10)
    assert len(got[0].decode("utf-8").splitlines()) == 12


@pytest.fixture
def no_cluster(monkeypatch):
    """Fail the test if anything would start or join a Ray cluster."""
    pytest.importorskip("ray", reason="--engine ray needs Ray installed")
    from termlock.engines.ray import support

    monkeypatch.setattr(support, "connect", lambda *a, **k: pytest.fail("a Ray cluster was started"))


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--prompt-template", "nosuch"], "unknown prompt template 'nosuch'"),
        (["--model", "{tmp}/no-model"], "no-model: no such model directory"),
        (["--dtype", "fp16"], "--dtype fp16 needs a GPU, and this run uses the CPU"),
        (["--dtype", "int8", "--gpus-per-worker", "0.5"], "--dtype int8 is dynamic int8 quantization for the CPU"),
        (["--dtype", "bf16", "--device", "cpu"], "--dtype bf16 needs a GPU"),
    ],
    ids=["template", "model-folder", "fp16-on-cpu-workers", "int8-on-gpu-workers", "bf16-on-cpu"],
)
def test_ray_translate_refuses_bad_settings_before_a_cluster_starts(tmp_path, capsys, no_cluster, extra, message):
    from termlock.cli import main

    doc = make_shards(tmp_path) / "a.txt"
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "config.json").write_text("{}", encoding="utf-8")
    (tmp_path / "model" / "model.safetensors").write_bytes(b"")
    argv = ["translate", "--engine", "ray", "-i", str(doc), "-o", str(tmp_path / "o.txt"), "--glossary", "bundled",
            "--model", str(tmp_path / "model"), *(a.replace("{tmp}", str(tmp_path)) for a in extra)]  # fmt: skip
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err, err
    assert not (tmp_path / "o.txt").exists()


def test_a_model_folder_of_a_remote_cluster_is_not_checked_here(tmp_path, capsys, monkeypatch):
    """On ray://HEAD the workers read their own disks: a folder missing on this machine may be there."""
    pytest.importorskip("ray", reason="--engine ray needs Ray installed")
    from termlock.cli import main
    from termlock.engines.ray import support

    started = []

    def connect(address):
        started.append(address)
        raise TermlockError("stop here: the cluster would start now")

    monkeypatch.setattr(support, "connect", connect)
    doc = make_shards(tmp_path) / "a.txt"
    code = main(["translate", "--engine", "ray", "--address", "ray://head:10001", "-i", str(doc), "-o", str(tmp_path / "o.txt"),
                 "--glossary", "bundled", "--model", "/models/on-the-workers"])  # fmt: skip
    assert code == 2 and "stop here" in capsys.readouterr().err
    assert started == ["ray://head:10001"]


@pytest.mark.parametrize("shape", ["files", "directories"])
def test_ray_check_of_word_files_at_segment_granularity_names_document_granularity(tmp_path, capsys, no_cluster, shape):
    import docx

    from termlock.cli import main

    for side, text in (("zh", "坚持双核驱动。"), ("en", "Adhere to dual cores.")):
        document = docx.Document()
        document.add_paragraph(text)
        folder = tmp_path / side if shape == "directories" else tmp_path
        folder.mkdir(exist_ok=True)
        document.save(folder / ("a.docx" if shape == "directories" else f"a.{side}.docx"))
    source, target = ((tmp_path / "zh", tmp_path / "en") if shape == "directories"
                      else (tmp_path / "a.zh.docx", tmp_path / "a.en.docx"))  # fmt: skip
    assert main(["check", "--engine", "ray", "--source", str(source), "--target", str(target)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("is a document, not one segment per line (fix: add --granularity document (paragraphs need not line up))")
    assert "UTF-8" not in err and len(err.splitlines()) == 1
