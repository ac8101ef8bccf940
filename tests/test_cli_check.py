"""``termlock check`` on the command line: inputs, reports, exit codes."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from termlock.cli import main

DATA = Path(__file__).parent / "data" / "check"
GLOSSARY = str(DATA / "glossary.yaml")
SOURCE = str(DATA / "source.zh")
REFERENCE = str(DATA / "reference.en")
FLAWED = str(DATA / "flawed.en")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["check", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_reference_translation_passes_with_full_success(capsys, tmp_path):
    code, out, err = run(
        capsys, "--glossary", GLOSSARY, "--source", SOURCE, "--target", REFERENCE, "--reference", REFERENCE,
        "--min-term-success", "1",
    )  # fmt: skip
    assert code == 0, err
    assert "1.0000 (100.00%)" in out
    assert "PASS" in out
    assert "BLEU" in out and "100.00" in out and "nrefs:1" in out


def test_flawed_translation_fails_the_gate_but_writes_every_report(capsys, tmp_path):
    paths = {kind: tmp_path / f"out/report.{kind}" for kind in ("json", "csv", "html")}
    code, out, err = run(
        capsys, "--glossary", GLOSSARY, "--source", SOURCE, "--target", FLAWED, "--reference", REFERENCE,
        "--json", str(paths["json"]), "--csv", str(paths["csv"]), "--html", str(paths["html"]),
        "--min-term-success", "0.9",
    )  # fmt: skip
    assert code == 1, err
    assert "FAIL: term success rate 0.2500 is below --min-term-success 0.9000" in out
    data = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert data["summary"]["term_success_rate"] == 0.25
    assert data["summary"]["forbidden"] == 3 and data["summary"]["ok"] == 1
    assert data["summary"]["bleu"] is not None
    rows = list(csv.DictReader(io.StringIO(paths["csv"].read_text(encoding="utf-8-sig"), newline="")))
    assert [(r["line"], r["term_id"], r["status"], r["forbidden_found"]) for r in rows] == [
        ("1", "dual-cores", "forbidden", "double nuclei"),
        ("2", "stuck-neck", "forbidden", "choke point"),
        ("3", "three-big-articles", "forbidden", "three big essays"),
    ]
    assert "<mark class=\"bad\">double nuclei</mark>" in paths["html"].read_text(encoding="utf-8")
    for path in paths.values():
        assert "wrote" in out and str(path) in out


def test_default_threshold_always_passes(capsys):
    code, out, _ = run(capsys, "--glossary", GLOSSARY, "--source", SOURCE, "--target", FLAWED)
    assert code == 0
    assert "no --reference" in out
    assert "PASS" not in out and "FAIL" not in out


@pytest.mark.parametrize("rate, expected", [("0.25", 0), ("25%", 0), ("0.2501", 1), ("26%", 1), ("0", 0)])
def test_threshold_is_inclusive_and_accepts_percentages(capsys, rate, expected):
    code, _, _ = run(capsys, "--glossary", GLOSSARY, "--source", SOURCE, "--target", FLAWED, "--min-term-success", rate)
    assert code == expected


def test_target_from_stdin(capsys, monkeypatch):
    data = Path(REFERENCE).read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    code, out, err = run(capsys, "--glossary", GLOSSARY, "--source", SOURCE, "--target", "-", "--min-term-success", "1")
    assert code == 0, err
    assert "segments            5" in out


def test_stdin_line_count_mismatch_names_stdin(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"one line\n"), encoding="utf-8"))
    code, _, err = run(capsys, "--glossary", GLOSSARY, "--source", SOURCE, "--target", "-")
    assert code == 2
    assert "<stdin> has 1" in err


def test_mismatched_line_counts_are_an_error_naming_both(capsys, tmp_path):
    short = tmp_path / "short.en"
    short.write_text("one\ntwo\n", encoding="utf-8")
    code, out, err = run(capsys, "--glossary", GLOSSARY, "--source", SOURCE, "--target", str(short))
    assert code == 2
    assert f"--source {SOURCE} has 5 lines" in err and f"--target {short} has 2" in err
    assert out == ""
    code, _, err = run(capsys, "--glossary", GLOSSARY, "--source", SOURCE, "--target", REFERENCE, "--reference", str(short))
    assert code == 2 and f"--reference {short} has 2" in err


@pytest.mark.parametrize("option", ["--source", "--target", "--reference", "--glossary"])
def test_missing_file(capsys, tmp_path, option):
    args = {"--glossary": GLOSSARY, "--source": SOURCE, "--target": REFERENCE, "--reference": REFERENCE}
    args[option] = str(tmp_path / "nope.txt")
    code, _, err = run(capsys, *[x for pair in args.items() for x in pair])
    assert code == 2
    assert "nope.txt" in err and "no such file" in err


@pytest.mark.parametrize("rate", ["abc", "1.5", "-0.1", "150%", "nan", ""])
def test_bad_min_term_success(capsys, rate):
    code, _, err = run(capsys, "--glossary", GLOSSARY, "--source", SOURCE, "--target", REFERENCE, "--min-term-success", rate)
    assert code == 2
    assert "--min-term-success" in err


def test_bad_glossary(capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        textwrap.dedent(
            """\
            name: broken
            terms:
              - id: a
                source: 双核
                target: dual cores
                colour: red
            """
        ),
        encoding="utf-8",
    )
    code, _, err = run(capsys, "--glossary", str(bad), "--source", SOURCE, "--target", REFERENCE)
    assert code == 2
    assert "bad.yaml" in err and "colour" in err


def test_non_utf8_input_names_file_and_line(capsys, tmp_path):
    gbk = tmp_path / "gbk.zh"
    gbk.write_bytes("第一行\n".encode("utf-8") + "第二行双核\n".encode("gbk"))
    code, _, err = run(capsys, "--glossary", GLOSSARY, "--source", str(gbk), "--target", REFERENCE)
    assert code == 2
    assert f"{gbk}:2:" in err and "UTF-8" in err


def test_source_cannot_be_stdin(capsys):
    code, _, err = run(capsys, "--glossary", GLOSSARY, "--source", "-", "--target", REFERENCE)
    assert code == 2 and "--source cannot read stdin" in err


def test_crlf_bom_and_missing_final_newline_are_tolerated(capsys, tmp_path):
    target = tmp_path / "crlf.en"
    lines = Path(REFERENCE).read_text(encoding="utf-8").splitlines()
    target.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8"))
    out_json = tmp_path / "r.json"
    code, _, err = run(
        capsys, "--glossary", GLOSSARY, "--source", SOURCE, "--target", str(target), "--json", str(out_json),
        "--min-term-success", "1",
    )  # fmt: skip
    assert code == 0, err
    segments = json.loads(out_json.read_text(encoding="utf-8"))["segments"]
    assert [s["target"] for s in segments] == lines


def test_blank_lines_are_segments(capsys, tmp_path):
    src = tmp_path / "s.zh"
    hyp = tmp_path / "h.en"
    src.write_text("双核\n\n卡脖子\n", encoding="utf-8")
    hyp.write_text("dual cores\n\nstuck neck\n", encoding="utf-8")
    out_json = tmp_path / "r.json"
    code, _, _ = run(capsys, "--glossary", GLOSSARY, "--source", str(src), "--target", str(hyp), "--json", str(out_json))
    data = json.loads(out_json.read_text(encoding="utf-8"))
    assert code == 0
    assert [s["index"] for s in data["segments"]] == [0, 1, 2]
    assert data["segments"][2]["terms"][0]["id"] == "stuck-neck"


def test_unwritable_output_is_exit_2(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    code, _, err = run(capsys, "--glossary", GLOSSARY, "--source", SOURCE, "--target", REFERENCE, "--json", str(blocker / "r.json"))
    assert code == 2 and "r.json" in err


def test_check_runs_without_torch_or_transformers(tmp_path):
    """`termlock check` must work on a machine without the translation stack."""
    out_json = tmp_path / "r.json"
    script = textwrap.dedent(
        f"""
        import sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in {{"torch", "transformers"}}:
                    raise ImportError("blocked for this test: " + name)
        sys.meta_path.insert(0, Block())
        from termlock.cli import main
        code = main(["check", "--glossary", {GLOSSARY!r}, "--source", {SOURCE!r}, "--target", {FLAWED!r},
                     "--reference", {REFERENCE!r}, "--json", {str(out_json)!r}])
        assert not [m for m in sys.modules if m.split(".")[0] in {{"torch", "transformers"}}]
        sys.exit(code)
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(out_json.read_text(encoding="utf-8"))["summary"]["forbidden"] == 3


def test_console_script_exit_code(tmp_path):
    """The installed `termlock` entry point returns the gate's exit code."""
    proc = subprocess.run(
        [sys.executable, "-m", "termlock", "check", "--glossary", GLOSSARY, "--source", SOURCE, "--target", FLAWED,
         "--min-term-success", "0.5"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    assert "FAIL" in proc.stdout
