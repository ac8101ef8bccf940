"""Jobs and engines: one typed job, any engine, the same result and reports."""

from __future__ import annotations

import inspect
import json
import sys
import types

import pytest

from termlock import cli, engines
from termlock.corpora import load_bundled_glossary
from termlock.engines.local import LocalEngine
from termlock.errors import TermlockError
from termlock.evaluate import check
from termlock.jobs import CheckJob, CheckOutputs, EngineOptions, TranslatorSettings
from termlock.jobs.check_job import finish_check

DATA = "termlock/corpora/data"


def _lines(path: str) -> list[str]:
    with open(path, encoding="utf-8") as handle:
        return handle.read().splitlines()


def test_a_library_check_job_on_the_local_engine_equals_check(tmp_path):
    job = CheckJob(source=f"{DATA}/corpus.zh", target=f"{DATA}/corpus.flawed.en", outputs=CheckOutputs(json=str(tmp_path / "r.json")))
    result = LocalEngine().check(job)
    sources, targets = _lines(f"{DATA}/corpus.zh"), _lines(f"{DATA}/corpus.flawed.en")
    # the job also reports the numbers category (figures missing from the target), on by default
    direct = check(load_bundled_glossary(), sources, targets, numbers=True)
    assert result.to_dict() == direct.to_dict()
    outcome = finish_check(job, result)
    assert outcome.exit_code == 0
    assert outcome.lines[-1] == f"wrote JSON report: {tmp_path / 'r.json'}"
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["summary"]["segments"] == 199


def test_the_gate_is_the_jobs_not_the_command_lines():
    job = CheckJob(source=f"{DATA}/corpus.zh", target=f"{DATA}/corpus.flawed.en", min_term_success=0.99)
    outcome = finish_check(job, LocalEngine().check(job))
    assert outcome.exit_code == 1
    assert outcome.lines[-1].startswith("FAIL: term success rate")


def test_the_local_engine_refuses_cluster_settings():
    job = CheckJob(source=f"{DATA}/corpus.zh", target=f"{DATA}/corpus.flawed.en", engine=EngineOptions(num_workers=4))
    with pytest.raises(TermlockError, match="--num-workers only apply with --engine ray"):
        LocalEngine().check(job)


def test_every_translator_setting_reaches_the_translator():
    from termlock.translate.translator import Translator

    accepted = set(inspect.signature(Translator).parameters)
    assert set(TranslatorSettings().translator_options()) <= accepted


class _RecordingEngine:
    """A third engine: proves a new engine needs no change to the command line."""

    name = "recording"
    jobs: list[CheckJob] = []

    def check(self, job):
        self.jobs.append(job)
        return check(load_bundled_glossary(), ["坚持“双核”驱动。"], ["Adhere to the dual cores."])


def test_a_registered_engine_is_selectable_from_the_command_line(monkeypatch, capsys, tmp_path):
    module = types.ModuleType("termlock_test_engine")
    module.RecordingEngine = _RecordingEngine
    monkeypatch.setitem(sys.modules, "termlock_test_engine", module)
    monkeypatch.setitem(engines.ENGINES, "recording", "termlock_test_engine:RecordingEngine")
    source, target = tmp_path / "s.zh", tmp_path / "t.en"
    source.write_text("x\n", encoding="utf-8")
    target.write_text("y\n", encoding="utf-8")
    code = cli.main(["check", "--engine", "recording", "--source", str(source), "--target", str(target), "--min-term-success", "1"])
    assert code == 0
    (job,) = _RecordingEngine.jobs
    assert job.engine.name == "recording" and job.min_term_success == 1.0 and job.source == str(source)
    assert "PASS: term success rate 1.0000" in capsys.readouterr().out
