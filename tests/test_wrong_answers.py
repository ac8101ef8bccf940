"""Issue 24, "wrong answers without a word": each case a run that used to succeed with a wrong result."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from termlock.cli import main

DATA = Path(__file__).parent / "data"
GLOSSARY = DATA / "check" / "glossary.yaml"


def run(capsys, argv: list[str]) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


# ------------------------------------------------------------------ glossary conflicts on the streamed path


def test_glossary_conflicts_reach_the_streamed_json_and_html(tmp_path, capsys):
    (tmp_path / "later.yaml").write_text(
        "name: later\nterms:\n  - source: 双核\n    target: twin engines\n", encoding="utf-8"
    )
    (tmp_path / "s.zh").write_text("双核\n", encoding="utf-8")
    (tmp_path / "t.en").write_text("twin engines\n", encoding="utf-8")
    code, out, _ = run(capsys, ["check", "--glossary", GLOSSARY, "--glossary", tmp_path / "later.yaml",
                                "--source", tmp_path / "s.zh", "--target", tmp_path / "t.en",
                                "--json", tmp_path / "r.json", "--html", tmp_path / "r.html"])  # fmt: skip
    assert code == 0
    conflicts = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["glossary_conflicts"]
    assert [c["source"] for c in conflicts] == ["双核"] and conflicts[0]["later"]["target"] == "twin engines"
    assert 'id="glossary-conflicts"' in (tmp_path / "r.html").read_text(encoding="utf-8")


# ------------------------------------------------------------------ translated TSV / JSONL are read by their fields


@pytest.fixture()
def lines(tmp_path):
    (tmp_path / "seg.tsv").write_text("双核\tnote a\n卡脖子\tnote b\n", encoding="utf-8")
    # the translation misses 双核; only a reviewer's note beside it says "dual cores"
    (tmp_path / "out.tsv").write_text("双核\tthe twin cities\tnote: dual cores\n卡脖子\tstuck neck\tnote b\n", encoding="utf-8")
    (tmp_path / "seg.jsonl").write_text('{"id": "a7", "source": "双核"}\n{"id": "b9", "source": "卡脖子"}\n', encoding="utf-8")
    (tmp_path / "out.jsonl").write_text(
        '{"id": "a7", "source": "双核", "target": "the twin cities", "note": "dual cores"}\n'
        '{"id": "b9", "source": "卡脖子", "target": "stuck neck"}\n',
        encoding="utf-8",
    )
    return tmp_path


def statuses(path: Path) -> list[tuple[str | None, list[str]]]:
    report = json.loads(path.read_text(encoding="utf-8"))
    return [(s["id"], [t["status"] for t in s["terms"]]) for s in report["segments"]]


@pytest.mark.parametrize("ext", ["tsv", "jsonl"])
@pytest.mark.parametrize("streamed", [True, False], ids=["streamed", "whole"])
def test_check_reads_the_translation_column_of_a_translated_file(lines, capsys, ext, streamed):
    # whole lines found "dual cores" in the note beside the translation and said ok
    extra = [] if streamed else ["--write-accepted", lines / "acc.yaml"]  # needs the whole result: not streamed
    code, _, _ = run(capsys, ["check", "--glossary", GLOSSARY, "--source", lines / f"seg.{ext}", "--target",
                              lines / f"out.{ext}", "--json", lines / "r.json", *extra])  # fmt: skip
    assert code == 0
    ids = ["a7", "b9"] if ext == "jsonl" else [None, None]
    assert statuses(lines / "r.json") == [(ids[0], ["missing"]), (ids[1], ["ok"])]


def test_jsonl_ids_that_disagree_are_not_aligned(lines, capsys):
    (lines / "other.jsonl").write_text('{"id": "zz", "source": "双核", "target": "dual cores"}\n{"id": "b9", "target": "x"}\n',
                                       encoding="utf-8")
    code, _, err = run(capsys, ["check", "--glossary", GLOSSARY, "--source", lines / "seg.jsonl",
                                "--target", lines / "other.jsonl"])  # fmt: skip
    assert code == 2 and "line 1: --source has id 'a7' but --target has id 'zz'" in err


def test_a_target_tsv_without_a_translation_column_is_refused_with_the_fix(lines, capsys):
    (lines / "one.tsv").write_text("双核\n卡脖子\n", encoding="utf-8")
    code, _, err = run(capsys, ["check", "--glossary", GLOSSARY, "--source", lines / "seg.tsv", "--target", lines / "one.tsv",
                                "--json", lines / "r.json"])  # fmt: skip
    assert code == 2 and "one.tsv:1: --target: this TSV line has no column 2" in err and "fix:" in err
    assert not (lines / "r.json").exists()


@pytest.mark.parametrize("ext, ids", [("jsonl", ["a7", "b9"]), ("tsv", ["1", "2"])])
def test_check_bilingual_reads_a_translated_jsonl_or_tsv(lines, capsys, ext, ids):
    code, _, err = run(capsys, ["check", "--glossary", GLOSSARY, "--bilingual", lines / f"out.{ext}", "--json", lines / "r.json"])
    assert code == 0, err
    assert statuses(lines / "r.json") == [(ids[0], ["missing"]), (ids[1], ["ok"])]


def test_translate_report_ids_follow_the_jsonl_id_field(lines, capsys, tiny_model_dir):
    code, _, err = run(capsys, ["translate", "-i", lines / "seg.jsonl", "-o", lines / "o.jsonl", "--glossary", GLOSSARY,
                                "--model", tiny_model_dir, "--beam", "1", "--max-length", "8", "--report", lines / "rep.json"])
    assert code == 0, err
    report = json.loads((lines / "rep.json").read_text(encoding="utf-8"))
    assert [s["id"] for s in report["segments"]] == ["a7", "b9"]
