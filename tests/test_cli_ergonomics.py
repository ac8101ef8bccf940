"""Messages and ergonomics of the command line (issue 24): what a user is told, and what is never done silently."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from termlock import corpora
from termlock.cli import main


def one_error(err: str) -> str:
    lines = [line for line in err.strip().splitlines() if line]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.fixture
def work(tmp_path):
    (tmp_path / "in.zh").write_text("坚持双核驱动。\n", encoding="utf-8")
    (tmp_path / "in.en").write_text("Adhere to the dual cores.\n", encoding="utf-8")
    return tmp_path


# ------------------------------------------------------------------ no silent bundled glossary


def test_translate_without_a_glossary_or_terms_is_refused_before_any_model(work, capsys):
    code = main(["translate", "-i", str(work / "in.zh"), "-o", str(work / "out.en"), "--model", str(work / "no-model")])
    assert code == 2
    assert one_error(capsys.readouterr().err) == (
        "termlock translate: error: no glossary: translate locks the terms of a glossary you name (fix: pass "
        "--glossary FILE (repeatable), --glossary bundled for the bundled glossary of Liaoning political terms, "
        "or --terms TERMS.jsonl for per-segment term lists)"
    )
    assert sorted(p.name for p in work.iterdir()) == ["in.en", "in.zh"]


def test_a_missing_glossary_file_points_at_the_bundled_name(work, capsys):
    code = main(["translate", "-i", str(work / "in.zh"), "-o", str(work / "out.en"), "--glossary", str(work / "no.yaml"),
                 "--model", str(work / "no-model")])  # fmt: skip
    assert code == 2
    assert one_error(capsys.readouterr().err).endswith(
        "no.yaml: --glossary: no such file (fix: check the path, or pass --glossary bundled for the bundled glossary)"
    )


def test_translate_with_the_bundled_glossary_named(work, capsys, tiny_model_dir):
    code = main(["translate", "-i", str(work / "in.zh"), "-o", str(work / "out.en"), "--glossary", "bundled",
                 "--model", str(tiny_model_dir), "--beam", "1", "--max-length", "16", "--constraints", "always",
                 "--report", str(work / "r.json")])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    report = json.loads((work / "r.json").read_text(encoding="utf-8"))
    assert report["glossary"] == {"name": "Liaoning political terms", "terms": 168}
    assert report["segments"][0]["required"] == ["dual-cores"]


def test_check_and_the_glossary_commands_take_bundled_as_a_glossary(work, capsys):
    check = ["check", "--source", str(work / "in.zh"), "--target", str(work / "in.en")]
    assert main([*check, "--json", str(work / "default.json")]) == 0
    assert main([*check, "--glossary", "bundled", "--json", str(work / "named.json")]) == 0
    default, named = (json.loads((work / f"{n}.json").read_text(encoding="utf-8")) for n in ("default", "named"))
    assert named == default and named["glossary"]["terms"] == 168
    capsys.readouterr()
    assert main(["glossary", "validate", "bundled"]) == 0
    assert capsys.readouterr().err.strip().endswith("glossary.yaml: OK, 168 terms")
    assert main(["glossary", "show", "bundled"]) == 0
    assert capsys.readouterr().out.startswith("Liaoning political terms (zh -> en), 168 terms")
    assert main(["glossary", "export", "bundled", "-o", str(work / "bundled.tbx")]) == 0
    assert main(["glossary", "import", "bundled", "-o", str(work / "bundled.yaml")]) == 0
    assert "dual-cores" in (work / "bundled.yaml").read_text(encoding="utf-8")


def test_a_file_called_bundled_is_dot_slash_bundled(work, capsys, monkeypatch):
    (work / "bundled").write_text("name: mine\nterms:\n  - source: 双核\n    target: twin engines\n", encoding="utf-8")
    monkeypatch.chdir(work)
    assert main(["glossary", "show", "./bundled", "--format", "yaml"]) == 0
    assert capsys.readouterr().out.startswith("mine (zh -> en), 1 term")
    assert main(["glossary", "show", "bundled", "--format", "yaml"]) == 0
    assert capsys.readouterr().out.startswith("Liaoning political terms")


def test_the_translator_library_takes_bundled_too():
    from termlock.translate.translator import load_glossary_arg

    assert load_glossary_arg("bundled").name == "Liaoning political terms"


@pytest.fixture
def bundled_copy(tmp_path, monkeypatch):
    """The bundled glossary as a copy in tmp_path (so a failing refusal cannot damage the real one)."""
    copy = tmp_path / "package-data" / "glossary.yaml"
    copy.parent.mkdir()
    copy.write_bytes(corpora.bundled_glossary_path().read_bytes())
    monkeypatch.setattr(corpora, "bundled_glossary_path", lambda: copy)
    return copy


@pytest.mark.parametrize(
    "argv, message",
    [
        (["translate", "-i", "{in.zh}", "-o", "{bundled}", "--glossary", "bundled", "--model", "{no-model}"],
         "-o would overwrite the input --glossary"),
        (["check", "--source", "{in.zh}", "--target", "{in.en}", "--json", "{bundled}"], "--json would overwrite the input --glossary"),
        (["glossary", "export", "bundled", "-o", "{bundled}", "--format", "yaml"], "-o would overwrite the input GLOSSARY"),
    ],
    ids=["translate", "check-default", "glossary-export"],
)
def test_the_bundled_glossary_is_an_input_no_output_may_overwrite(work, bundled_copy, capsys, argv, message):
    before = bundled_copy.read_bytes()
    paths = {"bundled": str(bundled_copy), "in.zh": str(work / "in.zh"), "in.en": str(work / "in.en"), "no-model": str(work / "m")}
    code = main([paths[a[1:-1]] if a.startswith("{") else a for a in argv])
    assert code == 2 and message in one_error(capsys.readouterr().err)
    assert bundled_copy.read_bytes() == before


# ------------------------------------------------------------------ a Marian run prints no library warning


def test_loading_a_marian_model_warns_nothing(tiny_model_dir):
    """MarianTokenizer warned "Recommended: pip install sacremoses." on every run; sacremoses is a dependency now."""
    import warnings

    from termlock.translate.models.loading import load_model

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = load_model(tiny_model_dir, device="cpu")
    assert type(loaded.tokenizer).__name__ == "MarianTokenizer"
    assert [str(w.message) for w in caught] == []


# ------------------------------------------------------------------ one line per kind of warning, --quiet


FIVE = ["我们要坚持和平发展道路。", "中国坚定奉行独立自主的和平外交政策。", "我们将继续推进高质量发展。",
        "乡村振兴战略取得新进展。", "数字经济蓬勃发展。"]  # fmt: skip


def translate_five(work: Path, tiny_model_dir: Path, *extra: str) -> int:
    (work / "five.zh").write_text("\n".join(FIVE) + "\n", encoding="utf-8")
    return main(["translate", "-i", str(work / "five.zh"), "-o", str(work / "five.en"), "--glossary", "bundled",
                 "--model", str(tiny_model_dir), "--beam", "1", "--max-length", "4", "--constraints", "off", *extra])  # fmt: skip


def test_length_limit_warnings_are_one_summary_line_and_the_report_lists_each(work, capsys, tiny_model_dir):
    assert translate_five(work, tiny_model_dir, "--report", str(work / "r.json")) == 0
    err = capsys.readouterr().err.splitlines()
    summary = json.loads((work / "r.json").read_text(encoding="utf-8"))["summary"]
    cut = summary["truncated"]
    assert len(cut) > 1 and {item["length_limit"] for item in cut} == {4} and cut[0]["sentence"] in FIVE
    assert [item["index"] for item in cut] == sorted(item["index"] for item in cut)
    assert err == [
        f"warning: {len(cut)} sentences hit the length limit of 4 tokens and may be cut short, the first at "
        f"{work / 'five.zh'}:{cut[0]['index'] + 1} (try --max-length 8; --report lists each)",
        # the checker's figures: source occurrences, as termlock check counts them on the output
        f"translated 5 segments (5 sentences) with {tiny_model_dir}; term occurrences: {summary['term_occurrences']}, "
        f"0 ok (0 by the first pass, 0 by constrained decoding), {summary['missing']} missing, 0 forbidden",
    ]
    assert translate_five(work, tiny_model_dir, "--restart") == 0
    assert "(try --max-length 8; pass --report FILE to list each)" in capsys.readouterr().err


def test_one_truncated_sentence_is_named_on_its_own_line(work, capsys, tiny_model_dir):
    from termlock.jobs import TranslateJob
    from termlock.jobs.translate_job import warning_lines

    summary = {"truncated": [{"index": 0, "sentence": "我们要坚持和平发展道路。", "length_limit": 4}], "too_long": [],
               "impossible": [{"index": 0, "terms": ["t"], "reason": "the translation reached the length limit of 4 tokens"}]}  # fmt: skip
    job = TranslateJob("in.zh", "out.en", glossaries=("bundled",))
    assert warning_lines(job, summary, ["in.zh:3"]) == [
        "in.zh:3: warning: the translation hit the length limit of 4 tokens and may be cut short (try --max-length 8): "
        "我们要坚持和平发展道路。",
        "in.zh:3: warning: could not satisfy term(s) t even with constrained decoding: the translation reached the "
        "length limit of 4 tokens",
    ]


def test_quiet_prints_nothing_but_errors(work, capsys, tiny_model_dir):
    assert translate_five(work, tiny_model_dir, "--quiet") == 0
    assert capsys.readouterr().err == ""
    assert len((work / "five.en").read_text(encoding="utf-8").splitlines()) == 5
    assert translate_five(work, tiny_model_dir, "-q", "--model", str(work / "no-model"), "--restart") == 2
    assert "no such model directory" in one_error(capsys.readouterr().err)


# ------------------------------------------------------------------ start-up: what a run imports before it needs it


def _in_a_fresh_interpreter(code: str) -> str:
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_mistyped_model_folder_is_said_before_torch_is_imported(work):
    """It took the 3 s of importing torch to learn that --model pointed nowhere."""
    argv = ["translate", "-i", str(work / "in.zh"), "-o", str(work / "o.en"), "--glossary", str(corpora.bundled_glossary_path()),
            "--model", str(work / "no-such-model")]  # fmt: skip
    printed = _in_a_fresh_interpreter(
        f"import sys; from termlock.cli import main; code = main({argv!r}); print(code, 'torch' in sys.modules)"
    )
    assert printed == "2 False"


def test_building_the_command_line_imports_neither_the_evaluator_nor_the_jobs():
    printed = _in_a_fresh_interpreter(
        "import sys; from termlock.cli import build_parser; build_parser(); "
        "print(sorted(m for m in sys.modules if m.startswith(('termlock.evaluate', 'termlock.jobs.', 'termlock.glossary', 'torch'))))"
    )
    assert printed == "['termlock.jobs.engine_options']"  # --engine's settings only
