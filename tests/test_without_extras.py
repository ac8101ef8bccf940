"""The core install is the QA tool: every QA command runs with the extras' libraries impossible to import.

Each run is a fresh interpreter (tests/without_extras.py) whose import
system refuses torch, transformers, sentencepiece, Ray, the web server
libraries and everything else an extra brings, as if they had never been
installed: ``termlock --help``, ``check`` on the bundled corpus with every
report, the ``glossary`` commands and a document check must work there, and
``translate`` must say in one line which extra to install (exit 2).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from termlock.extras import EXTRAS

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
DATA = ROOT / "termlock" / "corpora" / "data"
WRAPPER = TESTS / "without_extras.py"


def run(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    env.pop("TERMLOCK_DEBUG", None)
    return subprocess.run(
        [sys.executable, str(WRAPPER), *argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_wrapper_blocks_every_module_an_extra_brings(tmp_path):
    probe = tmp_path / "probe.py"
    blocked = sorted({module for extra in EXTRAS.values() for module in extra.provides})
    probe.write_text(
        "import importlib, sys\n"
        f"for name in {blocked!r}:\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except ModuleNotFoundError:\n"
        "        continue\n"
        "    sys.exit(f'{name} was importable')\n",
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, str(WRAPPER), "--run", str(probe)], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert {"torch", "transformers", "sentencepiece", "sacremoses", "ray"} <= set(blocked)


def test_help_and_version(tmp_path):
    done = run("--help", cwd=tmp_path)
    assert done.returncode == 0 and "check" in done.stdout and "translate" in done.stdout, done.stderr
    for command in ("check", "translate", "glossary"):
        assert run(command, "--help", cwd=tmp_path).returncode == 0
    version = run("--version", cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.startswith("termlock ")


def test_check_of_the_bundled_corpus_writes_every_report(tmp_path):
    done = run(
        "check", "--glossary", "bundled", "--source", str(DATA / "corpus.zh"), "--target", str(DATA / "corpus.flawed.en"),
        "--reference", str(DATA / "corpus.en"), "--json", "r.json", "--csv", "r.csv", "--html", "r.html",
        "--min-term-success", "0.5", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "PASS: term success rate" in done.stdout and "BLEU" in done.stdout
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["summary"]["segments"] == 199 and report["summary"]["bleu"] is not None
    assert (tmp_path / "r.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    assert "<html" in (tmp_path / "r.html").read_text(encoding="utf-8")
    failed = run("check", "--source", str(DATA / "corpus.zh"), "--target", str(DATA / "corpus.flawed.en"),
                 "--min-term-success", "1", cwd=tmp_path)  # fmt: skip
    assert failed.returncode == 1 and "FAIL: term success rate" in failed.stdout, failed.stderr


def test_glossary_commands(tmp_path):
    shown = run("glossary", "show", "bundled", cwd=tmp_path)
    assert shown.returncode == 0 and "168 terms" in shown.stdout, shown.stderr
    as_csv = run("glossary", "show", "bundled", "--output-format", "csv", cwd=tmp_path)
    assert as_csv.returncode == 0 and "id,source,target" in as_csv.stdout
    valid = run("glossary", "validate", "bundled", cwd=tmp_path)
    assert valid.returncode == 0 and "OK, 168 terms" in valid.stderr
    for name in ("terms.tbx", "terms.xlsx", "terms.csv"):
        exported = run("glossary", "export", "bundled", "-o", name, cwd=tmp_path)
        assert exported.returncode == 0, exported.stderr
        imported = run("glossary", "import", name, "-o", f"{name}.yaml", cwd=tmp_path)
        assert imported.returncode == 0 and "imported 168 terms" in imported.stderr, imported.stderr
    (tmp_path / "terms.json").write_text('{"双核": "dual cores", "卡脖子": ["stuck neck"]}', encoding="utf-8")
    imported = run("glossary", "import", "terms.json", "-o", "from-json.yaml", cwd=tmp_path)
    assert imported.returncode == 0 and "imported 2 terms" in imported.stderr, imported.stderr


def test_check_of_word_documents(tmp_path):
    docx = pytest.importorskip("docx", reason="python-docx (the test extra) writes the Word fixtures")
    for name, paragraphs in (("report.docx", ["推动双核发展。", "解决卡脖子问题。"]),
                             ("report.en.docx", ["Promote the dual cores.", "Solve the choke point problem."])):  # fmt: skip
        document = docx.Document()
        for text in paragraphs:
            document.add_paragraph(text)
        document.save(tmp_path / name)
    done = run(
        "check", "--glossary", str(TESTS / "data" / "check" / "glossary.yaml"), "--granularity", "document",
        "--source", "report.docx", "--target", "report.en.docx", "--json", "r.json", "--html", "r.html", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    summary = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["summary"]
    assert (summary["ok"], summary["forbidden"]) == (1, 1)


def test_translate_names_the_extra_to_install(tmp_path):
    (tmp_path / "in.zh").write_text("双核\n", encoding="utf-8")
    done = run("translate", "-i", "in.zh", "-o", "out.en", "--glossary", "bundled", cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "termlock translate: error: termlock translate needs the 'translate' extra" in lines[0]
    assert "pip install 'termlock[translate]'" in lines[0] and "Traceback" not in done.stderr
    assert not (tmp_path / "out.en").exists()
    preview = run("translate", "-i", "in.zh", "--glossary", "bundled", "--show-prompt", cwd=tmp_path)
    assert preview.returncode == 2 and "pip install 'termlock[translate]'" in preview.stderr
    assert "transformers is not installed" in preview.stderr


def test_ray_engine_names_the_extra_to_install(tmp_path):
    done = run("check", "--source", str(DATA / "corpus.zh"), "--target", str(DATA / "corpus.flawed.en"),
               "--engine", "ray", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2 and "pip install 'termlock[ray]'" in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_the_web_front_doors_name_the_server_extra(tmp_path):
    review = run("review", "--source", str(DATA / "corpus.zh"), "--target", str(DATA / "corpus.flawed.en"),
                 "--state", "review.sqlite", cwd=tmp_path)  # fmt: skip
    assert review.returncode == 2, review.stderr
    assert len(review.stderr.strip().splitlines()) == 1 and "pip install 'termlock[server]'" in review.stderr
    assert not (tmp_path / "review.sqlite").exists()
    serve = run("serve", "--glossary", "bundled", "--port", "0", cwd=tmp_path)
    assert serve.returncode == 2, serve.stderr
    assert len(serve.stderr.strip().splitlines()) == 1 and "pip install 'termlock[server]'" in serve.stderr
