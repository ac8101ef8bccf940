"""``termlock translate`` end to end on the tiny model: formats, report, resume, errors."""

from __future__ import annotations

import io
import json
import sys

import pytest

from termlock.cli import main
from termlock.translate.batch.journal import journal_path_for

GLOSSARY = """\
name: test terms
source_lang: zh
target_lang: en
terms:
  - id: food-security
    source: 粮食安全
    target: food security
  - id: opening-up
    source: 对外开放
    target: opening up
  - id: digital-economy
    source: 数字经济
    target: digital economy
    forbidden: [numerical economy]
  - id: hq-development
    source: 高质量发展
    target: high-quality development
"""

LINES = [
    "粮食安全是国家安全的重要基础。数字经济蓬勃发展。",
    "",
    "我们将继续推进高质量发展。",
    "要全面深化改革，扩大高水平对外开放。",
    "   ",
    "我们要坚持和平发展道路。",
]


@pytest.fixture
def files(tmp_path):
    glossary = tmp_path / "g.yaml"
    glossary.write_text(GLOSSARY, encoding="utf-8")
    source = tmp_path / "in.txt"
    source.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    return tmp_path, glossary, source


def translate(tiny_model_dir, source, out, glossary, *extra):
    # a random model rarely stops by itself: a short --max-length keeps the tests fast
    argv = ["translate", "-i", str(source), "-o", str(out), "--model", str(tiny_model_dir), "--beam", "2", "--max-length", "24"]
    if glossary is not None:
        argv += ["--glossary", str(glossary)]
    return main([*argv, *extra])


def test_translate_then_check_gives_full_term_success(tiny_model_dir, files, capsys):
    tmp, glossary, source = files
    out, report_path = tmp / "out.txt", tmp / "report.json"
    assert translate(tiny_model_dir, source, out, glossary, "--report", str(report_path)) == 0
    err = capsys.readouterr().err
    assert "translated 4 segments" in err and "Traceback" not in err

    lines = out.read_text(encoding="utf-8").split("\n")
    assert len(lines) == len(LINES) + 1 and lines[-1] == ""
    assert [bool(l) for l in lines[:-1]] == [bool(l.strip()) for l in LINES]

    report = json.loads(report_path.read_text(encoding="utf-8"))
    summary = report["summary"]
    assert summary["segments"] == len(LINES) and summary["translated"] == 4
    assert summary["sentences"] == 5
    assert [s["index"] for s in report["segments"]] == [0, 2, 3, 5]
    first = report["segments"][0]
    assert first["id"] == "1" and first["required"] == ["food-security", "digital-economy"]
    for segment in report["segments"]:
        assert set(segment["required"]) == set(
            segment["satisfied_first_pass"] + segment["redecoded"] + segment["unsatisfied"]
        )
    # a random model renders no term by itself: every term needed re-decoding
    assert summary["redecoded_sentences"] == 4 == summary["constrained_sentences"]

    assert main(["check", "--glossary", str(glossary), "--source", str(source), "--target", str(out),
                 "--json", str(tmp / "check.json")]) == 0
    check = json.loads((tmp / "check.json").read_text(encoding="utf-8"))["summary"]
    assert check["term_occurrences"] == summary["required_terms"] == 4
    if not summary["impossible"]:
        assert check["term_success_rate"] == 1.0
    else:  # what the checker misses is exactly what translate reported impossible
        assert check["ok"] == check["term_occurrences"] - sum(len(i["terms"]) for i in summary["impossible"])


def test_jsonl_and_tsv_round_trip(tiny_model_dir, files):
    tmp, glossary, _ = files
    jsonl = tmp / "in.jsonl"
    jsonl.write_text(
        '{"id": "a", "source": "粮食安全是国家安全的重要基础。", "doc": 3}\n\n{"source": "数字经济蓬勃发展。"}\n',
        encoding="utf-8",
    )
    assert translate(tiny_model_dir, jsonl, tmp / "out.jsonl", glossary) == 0
    rows = (tmp / "out.jsonl").read_text(encoding="utf-8").split("\n")
    assert rows[1] == "" and rows[3] == ""
    first = json.loads(rows[0])
    assert list(first) == ["id", "source", "doc", "target"] and "food security" in first["target"].lower()

    tsv = tmp / "in.tsv"
    tsv.write_text("粮食安全是国家安全的重要基础。\tid-1\n数字经济蓬勃发展。\tid-2\n", encoding="utf-8")
    assert translate(tiny_model_dir, tsv, tmp / "out.tsv", glossary, "--constraints", "always") == 0
    rows = [r.split("\t") for r in (tmp / "out.tsv").read_text(encoding="utf-8").splitlines()]
    assert [r[0] for r in rows] == ["粮食安全是国家安全的重要基础。", "数字经济蓬勃发展。"]
    assert [r[2] for r in rows] == ["id-1", "id-2"] and all(r[1] for r in rows)


def test_stdin_to_stdout_with_bundled_glossary(tiny_model_dir, monkeypatch, capsysbinary):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("数字经济蓬勃发展。\n\n".encode())))
    argv = ["translate", "-i", "-", "-o", "-", "--model", str(tiny_model_dir), "--beam", "1", "--max-length", "24"]
    assert main([*argv, "--glossary", "bundled"]) == 0
    captured = capsysbinary.readouterr()
    lines = captured.out.decode().split("\n")
    assert len(lines) == 3 and lines[0] and lines[1] == "" and lines[2] == ""
    assert b"seg/s" not in captured.err  # no progress bar on a pipe


class Crash(BaseException):  # a kill, not an error: passes the CLI's last net (exit 70) like SIGKILL would
    pass


def counting_translate(monkeypatch, crash_after=None):
    """Count the segments handed to the Translator; optionally crash after k batches."""
    from termlock.translate.translator import Translator

    seen: list[list[str]] = []
    original = Translator.translate_segments

    def spy(self, lines):
        if crash_after is not None and len(seen) >= crash_after:
            raise Crash("simulated crash")
        seen.append(list(lines))
        return original(self, lines)

    monkeypatch.setattr(Translator, "translate_segments", spy)
    return seen


def test_resume_after_crash_is_identical_and_skips_done_work(tiny_model_dir, files, monkeypatch):
    tmp, glossary, source = files
    reference = tmp / "reference.txt"
    assert translate(tiny_model_dir, source, reference, glossary, "--batch-size", "2", "--report", str(tmp / "r1.json")) == 0

    out = tmp / "out.txt"
    crashed = counting_translate(monkeypatch, crash_after=1)
    with pytest.raises(Crash):
        translate(tiny_model_dir, source, out, glossary, "--batch-size", "2", "--report", str(tmp / "r2.json"))
    monkeypatch.undo()
    assert not out.exists() and journal_path_for(out).exists()

    resumed = counting_translate(monkeypatch)
    assert translate(tiny_model_dir, source, out, glossary, "--batch-size", "2", "--report", str(tmp / "r2.json")) == 0
    assert out.read_bytes() == reference.read_bytes()
    done_before = {line for batch in crashed for line in batch}
    done_after = {line for batch in resumed for line in batch}
    assert len(done_before) == 2 and not done_before & done_after
    assert done_before | done_after == {l for l in LINES if l.strip()}
    assert not journal_path_for(out).exists()
    first = json.loads((tmp / "r1.json").read_text(encoding="utf-8"))
    second = json.loads((tmp / "r2.json").read_text(encoding="utf-8"))
    assert first["segments"] == second["segments"] and first["summary"] == second["summary"]


def test_different_arguments_on_resume_are_refused(tiny_model_dir, files, monkeypatch, capsys):
    tmp, glossary, source = files
    out = tmp / "out.txt"
    counting_translate(monkeypatch, crash_after=1)
    with pytest.raises(Crash):
        translate(tiny_model_dir, source, out, glossary, "--batch-size", "2")
    monkeypatch.undo()
    capsys.readouterr()
    assert translate(tiny_model_dir, source, out, glossary, "--batch-size", "2", "--beam", "1") == 2
    err = capsys.readouterr().err
    assert "different settings" in err and "beam" in err and "--restart" in err
    assert len(err.strip().splitlines()) == 1
    assert translate(tiny_model_dir, source, out, glossary, "--batch-size", "2", "--beam", "1", "--restart") == 0
    assert not journal_path_for(out).exists()


def assert_one_line_error(capsys, *needles):
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    for needle in needles:
        assert needle in err, err


def test_missing_model(files, capsys, tmp_path, monkeypatch):
    _, glossary, source = files
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-home" / "hub"))
    assert translate("nobody/no-such-model", source, tmp_path / "o.txt", glossary) == 2
    assert_one_line_error(capsys, "nobody/no-such-model", "hf download")
    assert translate(tmp_path / "missing-dir", source, tmp_path / "o.txt", glossary) == 2
    assert_one_line_error(capsys, "no such model directory")
    assert not journal_path_for(tmp_path / "o.txt").exists()


def test_unreadable_input(tiny_model_dir, files, capsys):
    tmp, glossary, _ = files
    bad = tmp / "bad.txt"
    bad.write_bytes("好\n".encode() + "坏".encode("gbk") + b"\n")
    assert translate(tiny_model_dir, bad, tmp / "o.txt", glossary) == 2
    assert_one_line_error(capsys, f"{bad}:2:", "UTF-8")
    assert translate(tiny_model_dir, tmp / "absent.txt", tmp / "o.txt", glossary) == 2
    assert_one_line_error(capsys, "absent.txt", "no such file")
    jsonl = tmp / "bad.jsonl"
    jsonl.write_text('{"source": "好"}\n{"text": "坏"}\n', encoding="utf-8")
    assert translate(tiny_model_dir, jsonl, tmp / "o.jsonl", glossary) == 2
    assert_one_line_error(capsys, f"{jsonl}:2:", '"source"')


def test_bad_glossary(tiny_model_dir, files, capsys):
    tmp, _, source = files
    bad = tmp / "bad.yaml"
    bad.write_text("name: bad\nterms:\n  - source: 双核\n    target: dual cores\n    colour: red\n", encoding="utf-8")
    assert translate(tiny_model_dir, source, tmp / "o.txt", bad) == 2
    assert_one_line_error(capsys, f"{bad}:5", "colour")


def test_output_extension_must_fit_the_format(tiny_model_dir, files, capsys):
    tmp, glossary, source = files
    assert translate(tiny_model_dir, source, tmp / "o.jsonl", glossary) == 2
    assert_one_line_error(capsys, "o.jsonl", "text")


def test_lock_variants_flag_and_impossible_terms_say_why(tiny_model_dir, files, capsys):
    tmp, _, _ = files
    glossary = tmp / "long.yaml"
    glossary.write_text(
        "name: long\n"
        "terms:\n"
        "  - id: long\n"
        "    source: 粮食安全\n"
        "    target: food security and the Belt and Road Initiative for common prosperity\n"
        "    variants: [grain security]\n",
        encoding="utf-8",
    )
    source = tmp / "one.txt"
    source.write_text("粮食安全是国家安全的重要基础。\n", encoding="utf-8")
    out = tmp / "one.out.txt"
    assert translate(tiny_model_dir, source, out, glossary, "--constraints", "always", "--max-length", "8") == 0
    err = capsys.readouterr().err
    assert "could not satisfy term(s) long even with constrained decoding: " in err
    assert "try --max-length 16" in err
    # with variants allowed the short one fits
    assert translate(tiny_model_dir, source, tmp / "two.txt", glossary, "--constraints", "always", "--lock-variants", "--restart") == 0
    assert "grain security" in (tmp / "two.txt").read_text(encoding="utf-8").lower()
