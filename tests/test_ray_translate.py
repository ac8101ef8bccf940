"""``termlock translate --engine ray`` on a local Ray instance (2 CPUs).

Same bytes as the single-machine command (output and ``--report``) with the
tiny test model on bundled-corpus shards; a worker process killed mid-run
and a driver that dies after a few shards lose and duplicate nothing.
Skipped when Ray is not installed (``pip install 'termlock[ray]'``).
"""

from __future__ import annotations

import functools
import json
import os
import re
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'termlock[ray]')")
pytest.importorskip("ray.data")

from termlock.cli import main  # noqa: E402
from termlock.corpora import bundled_corpus  # noqa: E402
from termlock.documents.tmx import read_tmx  # noqa: E402
from termlock.engines.ray.support import run_in_process, run_pool  # noqa: E402
from termlock.engines.ray.translate import translate_sharded  # noqa: E402
from tiny_model import write_unspellable_glossary  # noqa: E402
from termlock.engines.ray.shards import MANIFEST_NAME  # noqa: E402

pytestmark = [pytest.mark.ray, pytest.mark.filterwarnings(r"ignore::DeprecationWarning:ray\..*")]


@pytest.fixture(scope="module", autouse=True)
def _fakes_travel_to_workers(local_ray):
    # the fakes below are defined in this test module, which Ray workers cannot import
    local_ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])


def corpus_lines(start: int, stop: int) -> list[str]:
    return bundled_corpus().sources()[start:stop]


def write_lines(path: Path, lines: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def translate(cwd: Path, monkeypatch, *argv: str) -> int:
    """``termlock translate ARGV`` run in ``cwd`` (relative paths make the two reports comparable), the bundled glossary."""
    monkeypatch.chdir(cwd)
    return main(["translate", *argv, "--glossary", "bundled"])


# ------------------------------------------------------ with the tiny model


def test_ray_file_job_is_byte_identical_to_the_local_one(tmp_path, tiny_model_dir, monkeypatch, capsys):
    lines = corpus_lines(0, 9)
    lines.insert(4, "")  # a blank line stays a blank line
    for side in ("local", "ray"):
        write_lines(tmp_path / side / "in.zh", lines)
    common = ["-i", "in.zh", "-o", "out.en", "--model", str(tiny_model_dir), "--batch-size", "3", "--report", "report.json",
              "--tmx", "pairs.tmx"]

    code = translate(tmp_path / "local", monkeypatch, *common)
    assert code == 0
    code = translate(tmp_path / "ray", monkeypatch, *common, "--engine", "ray", "--num-workers", "2", "--shard-size", "3")
    assert code == 0
    err = capsys.readouterr().err
    assert "ray: 1 input shard, 3 work shards (3 translated now, 0 resumed) on 2 workers" in err

    local, remote = tmp_path / "local", tmp_path / "ray"
    assert (remote / "out.en").read_bytes() == (local / "out.en").read_bytes()
    assert (remote / "report.json").read_bytes() == (local / "report.json").read_bytes()
    # --tmx: the same pairs as the local engine writes (the header's date aside), blank line left out
    tmx = [re.sub(r'creationdate="[^"]*"', "", (side / "pairs.tmx").read_text(encoding="utf-8")) for side in (local, remote)]
    assert tmx[0] == tmx[1] and tmx[1].count("<tu ") == len(lines) - 1
    out_lines = (remote / "out.en").read_text(encoding="utf-8").split("\n")
    assert len(out_lines) == len(lines) + 1 and out_lines[4] == "" and all(out_lines[:4])
    assert not (remote / "out.en.termlock-shards").exists()


def test_ray_says_what_the_vocabulary_cannot_spell_once_before_the_workers_start(tmp_path, tiny_model_dir, monkeypatch, capsys):
    """Models live in the workers: the driver asks the tokenizer alone, one line up front, as the local engine says it."""
    glossary = write_unspellable_glossary(tmp_path)
    write_lines(tmp_path / "in" / "a.txt", ["坚持双核驱动。", "保障粮食安全。"])
    write_lines(tmp_path / "in" / "b.txt", ["双核并进，保障粮食安全。", "双核。"])
    monkeypatch.chdir(tmp_path)
    assert main(["translate", "-i", "in", "-o", "out", "--model", str(tiny_model_dir), "--glossary", str(glossary),
                 "--constraints", "always", "--beam", "1", "--max-length", "30", "--report", "r.json",
                 "--engine", "ray", "--num-workers", "2", "--shard-size", "1", "--batch-size", "1"]) == 0  # fmt: skip
    lines = capsys.readouterr().err.splitlines()
    about = [line for line in lines if "cannot spell" in line and "needed in" in line]
    assert len(about) == 1 and lines.index(about[0]) < min(i for i, line in enumerate(lines) if line.startswith("ray: "))
    assert "'Shuānghé' (term shuanghe: no token writes 'ā', 'é')" in about[0] and "needed in 3 segments" in about[0]
    impossible = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["summary"]["impossible"]
    assert len(impossible) == 3 and all("cannot spell 'Shuānghé'" in item["reason"] for item in impossible)


def test_ray_directory_job_matches_local_runs_shard_by_shard(tmp_path, tiny_model_dir, monkeypatch):
    shards = {"part-0.txt": corpus_lines(10, 14), "part-1.txt": corpus_lines(14, 15), "more/part-2.txt": corpus_lines(15, 18)}
    for name, lines in shards.items():
        write_lines(tmp_path / "shards" / name, lines)
    code = translate(tmp_path, monkeypatch, "-i", "shards", "-o", "out", "--model", str(tiny_model_dir), "--beam", "2",
                        "--engine", "ray", "--num-workers", "2", "--shard-size", "2", "--batch-size", "2",
                        "--tmx", "all.tmx")  # fmt: skip
    assert code == 0
    # one TMX of every shard's pairs, in shard order
    pairs = read_tmx(str(tmp_path / "all.tmx")).units
    assert [unit.source for unit in pairs] == [line for name in sorted(shards) for line in shards[name]]
    assert all(unit.target for unit in pairs)
    for name in shards:
        local = tmp_path / "local" / name
        code = translate(tmp_path, monkeypatch, "-i", f"shards/{name}", "-o", str(local), "--model", str(tiny_model_dir),
                            "--beam", "2", "--batch-size", "2")  # fmt: skip
        assert code == 0
        assert (tmp_path / "out" / name).read_bytes() == local.read_bytes(), name
    manifest = json.loads((tmp_path / "out" / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert manifest["complete"] and [s["output"] for s in manifest["shards"]] == sorted(shards)
    assert [s["segments"] for s in manifest["shards"]] == [len(shards[n]) for n in sorted(shards)]


# ------------------------------------------------------------- failures


@dataclass
class Echo:
    target: str

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.target, "target": self.target, "required": [], "satisfied_first_pass": [], "redecoded": [],
                "unsatisfied": [], "sentences": [], "warnings": []}  # a whole segment record, as the translate report's schema wants


@dataclass(frozen=True)
class DiesOnce:
    """Builds a translate function whose process dies (os._exit) on one batch, the first time only.

    The marker file is written before dying, so Ray's retry of that shard,
    on a restarted worker, succeeds.
    """

    marker: str
    fatal_source: str

    def __call__(self):
        def translate(sources: list[str]) -> list[Echo]:
            if any(s.startswith(self.fatal_source) for s in sources) and not os.path.exists(self.marker):
                Path(self.marker).write_text(str(os.getpid()), encoding="utf-8")
                os._exit(1)
            return [Echo(f"[{len(sources)}] {s[::-1]}") for s in sources]

        return translate


def fake_job(tmp_path: Path, name: str, **kwargs: Any):
    inp = tmp_path / "shards"
    if not inp.exists():
        for k in range(4):
            write_lines(inp / f"s{k}.txt", [f"段{k}-{i}{'长' * (i % 5)}" if i % 7 else "" for i in range(25)])
    kwargs.setdefault("pool", functools.partial(run_pool, num_workers=2))
    return translate_sharded(str(inp), str(tmp_path / name), kwargs.pop("make"), settings={"model": "fake"},
                             batch_size=4, shard_size=8, **kwargs)  # fmt: skip


def outputs(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.txt"))}


def test_a_worker_killed_mid_run_loses_and_duplicates_nothing(tmp_path):
    marker = tmp_path / "died"
    never = str(tmp_path / "unused-marker")
    fake_job(tmp_path, "expected", make=DiesOnce(never, "no such segment"), pool=run_in_process)
    result = fake_job(tmp_path, "out", make=DiesOnce(str(marker), "段2-3"))
    assert marker.exists()  # a worker process really died during the run
    assert result.translated_shards == result.shards and result.resumed_shards == 0
    assert outputs(tmp_path / "out") == outputs(tmp_path / "expected")
    for text in outputs(tmp_path / "out").values():
        assert len(text.decode("utf-8").split("\n")) == 26  # 25 lines in, 25 out


def test_a_driver_crash_after_some_shards_resumes_with_only_the_rest(tmp_path):
    never = str(tmp_path / "unused-marker")
    fake_job(tmp_path, "expected", make=DiesOnce(never, "x"), pool=run_in_process)
    saved: list[str] = []

    def die_after_five(key: str) -> None:
        saved.append(key)
        if len(saved) == 5:
            raise RuntimeError("driver lost")

    with pytest.raises(RuntimeError, match="driver lost"):
        fake_job(tmp_path, "out", make=DiesOnce(never, "x"), on_shard=die_after_five)
    state = tmp_path / "out" / ".termlock-shards"
    assert sorted(p.stem for p in state.glob("*.jsonl")) == sorted(saved)

    redone: list[str] = []
    result = fake_job(tmp_path, "out", make=DiesOnce(never, "x"), on_shard=redone.append)
    assert result.resumed_shards == 5 and not set(redone) & set(saved)
    assert sorted(redone + saved) == sorted(f"{d:06d}-{n:06d}" for d in range(4) for n in range(3))
    assert outputs(tmp_path / "out") == outputs(tmp_path / "expected")


def test_a_merged_output_goes_through_a_symlink_and_keeps_modes(tmp_path):
    """``--merge`` writes its one file as every output is written (fileio.AtomicOutput), not by a copy of it."""
    never = str(tmp_path / "unused-marker")
    real = tmp_path / "real.txt"
    real.write_text("old", encoding="utf-8")
    os.chmod(real, 0o640)
    (tmp_path / "merged.txt").symlink_to(real)
    fake_job(tmp_path, "merged.txt", make=DiesOnce(never, "x"), merge=True)
    assert (tmp_path / "merged.txt").is_symlink()
    assert real.read_text(encoding="utf-8").count("\n") == 100  # 4 shards of 25 lines
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    old = os.umask(0o027)
    try:
        fake_job(tmp_path, "new.txt", make=DiesOnce(never, "x"), merge=True)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o640  # the umask's mode, not mkstemp's 0600


@dataclass(frozen=True)
class NoModel:
    """A worker factory that fails as a missing model does."""

    def __call__(self):
        from termlock.errors import TermlockError

        raise TermlockError("no such model directory", path="/models/missing", fix="pass --model a directory")


def test_an_error_on_the_workers_is_reported_once_and_blocks_no_corrected_rerun(tmp_path):
    from termlock.errors import TermlockError

    with pytest.raises(TermlockError, match=r"/models/missing: on worker .*: no such model directory \(fix: pass --model"):
        fake_job(tmp_path, "out", make=NoModel())
    assert not (tmp_path / "out").exists()  # nothing saved, nothing to trip over
    result = fake_job(tmp_path, "out", make=DiesOnce(str(tmp_path / "unused"), "x"))
    assert result.translated_shards == result.shards


@dataclass(frozen=True)
class AlwaysDies:
    """Builds a translate function whose process dies on one segment every time (a poison shard)."""

    fatal_source: str

    def __call__(self):
        def translate(sources: list[str]) -> list[Echo]:
            if any(s.startswith(self.fatal_source) for s in sources):
                os._exit(1)
            return [Echo(f"[{len(sources)}] {s[::-1]}") for s in sources]

        return translate


def test_a_shard_that_kills_every_worker_stops_the_run_and_a_rerun_resumes(tmp_path):
    from termlock.errors import TermlockError

    never = str(tmp_path / "unused-marker")
    fake_job(tmp_path, "expected", make=DiesOnce(never, "x"), pool=run_in_process)
    with pytest.raises(TermlockError, match=r"the Ray run stopped: .*died 4 times.*rerun the same command to resume"):
        fake_job(tmp_path, "out", make=AlwaysDies("段2-3"))
    manifest = tmp_path / "out" / MANIFEST_NAME
    assert not manifest.exists() or not json.loads(manifest.read_text(encoding="utf-8"))["complete"]
    # the poison shard was fixed (here: the worker no longer dies): the rerun completes the job
    result = fake_job(tmp_path, "out", make=DiesOnce(never, "x"))
    assert result.translated_shards + result.resumed_shards == result.shards
    assert outputs(tmp_path / "out") == outputs(tmp_path / "expected")
