"""Issue 24's second sweep of hostile and careless inputs: each one's exit code and message, nothing written.

Every case names what a user typed, the exit code the command must end
with and the words its one ``error:`` line must hold; where a run writes, the
test says what must (and must not) appear. Real processes where the shell
matters (pipes, FIFOs, redirections).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from termlock.cli import EXIT_CRASH, main

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
GLOSSARY = DATA / "check" / "glossary.yaml"
CHECK = ["check", "--glossary", str(GLOSSARY), "--source", str(DATA / "check" / "source.zh"),
         "--target", str(DATA / "check" / "flawed.en")]  # fmt: skip


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def run(capsys, argv: list[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def one_error(err: str) -> str:
    lines = [line for line in err.splitlines() if ": error: " in line]
    assert len(lines) == 1, err
    return lines[0]


# ------------------------------------------------------------------ tracebacks: YAML, JSON, crashes


@pytest.fixture()
def work(tmp_path):
    (tmp_path / "s.zh").write_text("双核\n卡脖子\n", encoding="utf-8")
    (tmp_path / "t.en").write_text("dual cores\nchokepoint\n", encoding="utf-8")
    return tmp_path


ACCEPT = "accepted:\n  - term: dual-cores\n    segment: 1\n    reason: r\n    by: QA\n"

HOSTILE_ACCEPTED = {
    # name: (file text, words of the error line)
    "date_month_13": (ACCEPT + "    date: 2024-13-45\n", "a.yaml:6: '2024-13-45' looks like a date but is not one"),
    "date_feb_30": (ACCEPT + "    date: 2024-02-30\n", "a.yaml:6: '2024-02-30' looks like a date but is not one"),
    "nul": (ACCEPT.replace("r\n", "r\x00\n"), "contains a NUL byte"),
    "control": (ACCEPT.replace("reason: r", "reason: r\x07"), "character U+0007 is not allowed"),
    "deep": ("accepted: " + "[" * 5000 + "]" * 5000 + "\n", "nests more than 50 levels deep"),
    "duplicate_key": (ACCEPT + "    reason: again\n", "a.yaml:6: key 'reason' appears twice in this entry"),
    "unknown_term": (ACCEPT.replace("dual-cores", "dual-core"), "term 'dual-core' is not in the glossary (fix: did you mean 'dual-cores'?"),
    "alias": ("x: &a r\naccepted:\n  - term: dual-cores\n    segment: 1\n    reason: *a\n    by: QA\n", "alias *a is not allowed"),
}


@pytest.mark.parametrize("name", HOSTILE_ACCEPTED)
def test_hostile_accepted_findings_are_one_error_and_exit_2(work, capsys, name):
    text, words = HOSTILE_ACCEPTED[name]
    (work / "a.yaml").write_text(text, encoding="utf-8")
    code, out, err = run(capsys, [*CHECK[:3], "--source", str(work / "s.zh"), "--target", str(work / "t.en"),
                                  "--accept", str(work / "a.yaml"), "--json", str(work / "r.json")])  # fmt: skip
    assert code == 2, err
    assert words in one_error(err)
    assert not (work / "r.json").exists()


def test_every_problem_of_an_accepted_findings_file_is_listed_at_once(work, capsys):
    text = (
        "accepted:\n"
        "  - term: dual-cores\n    segment: 1\n    reason: no\n    by: QA\n"  # reason "no" is a reason
        "  - term: dual-cores\n    segment: 2\n    by: QA\n"  # line 6: no reason
        "  - term: stuck-neck\n    segment: 2\n    reason: r\n"  # line 9: no by
        "  - term: stuck-neck\n    segment: 2\n    reason: r\n    by: QA\n    by: QB\n"  # line 16: twice
    )
    (work / "a.yaml").write_text(text, encoding="utf-8")
    code, _, err = run(capsys, ["check", "--glossary", str(GLOSSARY), "--source", str(work / "s.zh"),
                                "--target", str(work / "t.en"), "--accept", str(work / "a.yaml")])  # fmt: skip
    assert code == 2
    assert "3 problems in accepted findings" in one_error(err)
    assert "a.yaml:6: entry for 'dual-cores' has no reason" in err
    assert "a.yaml:9: entry for 'stuck-neck' does not say who accepted it" in err
    assert "a.yaml:16: key 'by' appears twice" in err


HOSTILE_GLOSSARY_YAML = {
    "note_date": ("name: g\nterms:\n  - source: 双核\n    target: dual cores\n    note: 2024-13-45\n", "g.yaml:5: '2024-13-45' looks like a date"),
    "name_date": ("name: 2024-02-30\nterms:\n  - source: 双核\n    target: dual cores\n", "g.yaml:1: '2024-02-30' looks like a date"),
    "control": ("name: g\x07\nterms: []\n", "character U+0007 is not allowed"),
    "lone_surrogate": ('name: g\nterms:\n  - source: "\\ud800"\n    target: x\n', "g.yaml:3: not valid YAML: found invalid Unicode"),
}


@pytest.mark.parametrize("name", HOSTILE_GLOSSARY_YAML)
def test_hostile_glossary_yaml_is_refused_with_its_line(work, capsys, name):
    text, words = HOSTILE_GLOSSARY_YAML[name]
    (work / "g.yaml").write_text(text, encoding="utf-8")
    code, _, err = run(capsys, ["check", "--glossary", str(work / "g.yaml"), "--source", str(work / "s.zh"),
                                "--target", str(work / "t.en")])  # fmt: skip
    assert code == 2 and words in one_error(err)
    code, out, _ = run(capsys, ["glossary", "validate", str(work / "g.yaml")])
    assert code == 1 and words in out


@pytest.mark.parametrize(
    "text, words",
    [
        ('prompt: "{source}"\nname: 2024-13-45\n', "'2024-13-45' looks like a date but is not one"),
        ("prompt: " + "[" * 3000 + "]" * 3000 + "\n", "nests more than 50 levels deep"),
        ('prompt: "{source}\x00"\n', "contains a NUL byte"),
    ],
    ids=["date", "deep", "nul"],
)
def test_hostile_prompt_templates_are_refused(work, capsys, causal_qwen_dir, text, words):
    (work / "p.yaml").write_text(text, encoding="utf-8")
    code, _, err = run(capsys, ["translate", "-i", str(work / "s.zh"), "-o", str(work / "o.en"), "--glossary", str(GLOSSARY),
                                "--prompt-template", str(work / "p.yaml"), "--model", str(causal_qwen_dir)])  # fmt: skip
    assert code == 2 and "bad prompt template" in one_error(err) and words in err
    assert not (work / "o.en").exists()


DEEP_JSON = "[" * 100_000 + "]" * 100_000


def test_deeply_nested_json_term_lists_are_refused_not_a_recursion_error(work, capsys):
    (work / "t.jsonl").write_text(DEEP_JSON + "\n[]\n", encoding="utf-8")
    code, _, err = run(capsys, ["check", "--terms", str(work / "t.jsonl"), "--source", str(work / "s.zh"),
                                "--target", str(work / "t.en")])  # fmt: skip
    assert code == 2 and "t.jsonl:1: not JSON: nested too deeply to read" in one_error(err)


def test_deeply_nested_json_dictionary_import_is_refused(work, capsys):
    (work / "d.json").write_text(DEEP_JSON, encoding="utf-8")
    code, _, err = run(capsys, ["glossary", "import", str(work / "d.json"), "-o", str(work / "g.yaml")])
    assert code == 2 and "d.json: not JSON: nested too deeply to read" in one_error(err)
    assert not (work / "g.yaml").exists()


def test_a_crash_exits_70_with_one_line_never_the_gates_1(work, capsys, monkeypatch):
    import termlock.commands.check as check_command

    def broken(args):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(check_command, "run", broken)
    code, _, err = run(capsys, [*CHECK])
    assert code == EXIT_CRASH == 70
    assert "internal error: ZeroDivisionError: division by zero" in err and "TERMLOCK_DEBUG=1" in err
    assert len(err.strip().splitlines()) == 1


def test_termlock_debug_shows_the_traceback_of_a_crash(capsys, monkeypatch):
    import termlock.commands.check as check_command

    monkeypatch.setattr(check_command, "run", lambda args: 1 / 0)
    monkeypatch.setenv("TERMLOCK_DEBUG", "1")
    try:
        code = main(CHECK)
    except SystemExit as exc:  # pragma: no cover
        code = exc.code
    assert code == 70 and "Traceback" in capsys.readouterr().err


# ------------------------------------------------------------------ outputs to pipes and streams (real shells)


def shell(line: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(["bash", "-c", line], capture_output=True, text=True, env=env, timeout=120, cwd=cwd)


TERMLOCK = f"'{sys.executable}' -m termlock"
CHECK_LINE = f"{TERMLOCK} " + " ".join(f"'{a}'" for a in CHECK)


def report_of(text: str) -> dict:
    report = json.loads(text)
    assert report["summary"]["segments"] == 5
    return report


def test_streamed_json_into_a_named_fifo(tmp_path):
    os.mkfifo(tmp_path / "fifo")
    done = shell(f"cat fifo > got.json & {CHECK_LINE} --json fifo; code=$?; wait; exit $code", tmp_path)
    assert done.returncode == 0, done.stderr
    report_of((tmp_path / "got.json").read_text(encoding="utf-8"))
    assert (tmp_path / "fifo").exists() and not (tmp_path / "fifo").is_file()  # still the FIFO


@pytest.mark.parametrize("spelling", ["-", "/dev/stdout"])
def test_a_report_to_stdout_is_piped_and_the_summary_moves_to_stderr(tmp_path, spelling):
    done = shell(f"{CHECK_LINE} --json {spelling} | cat > got.json; exit ${{PIPESTATUS[0]}}", tmp_path)
    assert done.returncode == 0, done.stderr
    report_of((tmp_path / "got.json").read_text(encoding="utf-8"))  # nothing but the report on stdout
    assert "term success rate" in done.stderr and "wrote JSON report:" in done.stderr
    assert not (tmp_path / "-").exists()


def test_a_report_into_process_substitution(tmp_path):
    done = shell(f"{CHECK_LINE} --json >(cat > got.json) --csv >(wc -c > csv.count); code=$?; sleep 1; exit $code", tmp_path)
    assert done.returncode == 0, done.stderr
    report_of((tmp_path / "got.json").read_text(encoding="utf-8"))
    assert int((tmp_path / "csv.count").read_text()) > 100


def test_json_to_dev_stdout_redirected_into_a_file_writes_that_file_in_place(tmp_path):
    out = tmp_path / "out.txt"
    out.write_text("old\n", encoding="utf-8")
    inode = out.stat().st_ino
    done = shell(f"{CHECK_LINE} --json /dev/stdout > out.txt", tmp_path)
    assert done.returncode == 0, done.stderr
    assert out.stat().st_ino == inode  # not replaced: the shell's redirection got the bytes
    report_of(out.read_text(encoding="utf-8"))


def test_two_reports_to_stdout_are_refused(tmp_path):
    done = shell(f"{CHECK_LINE} --json - --csv /dev/stdout", tmp_path)
    assert done.returncode == 2
    assert "--csv and --json name the same file" in done.stderr and done.stdout == ""


def test_a_report_to_a_closed_pipe_ends_quietly_with_the_gates_code(tmp_path):
    done = shell(f"{CHECK_LINE} --min-term-success 1 --json - | head -c 10; exit ${{PIPESTATUS[0]}}", tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr and "error" not in done.stderr


def test_translate_to_dev_stdout_through_a_pipe(tmp_path, tiny_model_dir):
    (tmp_path / "s.zh").write_text("双核\n", encoding="utf-8")
    beside_dev = {p.name for p in Path("/dev").iterdir() if "termlock" in p.name}
    line = (f"{TERMLOCK} translate -i s.zh -o /dev/stdout --glossary '{GLOSSARY}' --model '{tiny_model_dir}' "
            "--beam 1 --max-length 8 | cat > got.en; exit ${PIPESTATUS[0]}")  # fmt: skip
    done = shell(line, tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "got.en").read_text(encoding="utf-8").count("\n") == 1
    # no journal or lock beside /dev/stdout (it used to leave /dev/stdout.termlock-journal)
    assert {p.name for p in Path("/dev").iterdir() if "termlock" in p.name} <= beside_dev


# ------------------------------------------------------------------ plurals: "1 term", never "1 terms"


def test_counts_of_one_are_singular(work, capsys, tiny_model_dir):
    (work / "one.yaml").write_text("name: one\nterms:\n  - source: 双核\n    target: dual cores\n", encoding="utf-8")
    (work / "one.zh").write_text("双核\n", encoding="utf-8")
    (work / "one.en").write_text("dual cores\n", encoding="utf-8")
    code, out, err = run(capsys, ["glossary", "import", str(work / "one.yaml"), "-o", str(work / "one.tbx")])
    assert code == 0 and err.startswith("imported 1 term (zh -> en)")
    code, out, err = run(capsys, ["glossary", "validate", str(work / "one.yaml")])
    assert err.strip().endswith("OK, 1 term")
    code, out, _ = run(capsys, ["check", "--glossary", str(work / "one.yaml"), "--source", str(work / "one.zh"),
                                "--target", str(work / "one.en")])  # fmt: skip
    assert "glossary 'one' (1 term)" in out
    code, _, err = run(capsys, ["translate", "-i", str(work / "one.zh"), "-o", str(work / "o.en"), "--glossary",
                                str(work / "one.yaml"), "--model", str(tiny_model_dir), "--beam", "1", "--max-length", "8"])
    assert code == 0 and "translated 1 segment (1 sentence) with" in err and "; 1 segment impossible" not in err
    (work / "two.zh").write_text("双核\n卡脖子\n", encoding="utf-8")
    code, _, err = run(capsys, ["check", "--glossary", str(work / "one.yaml"), "--source", str(work / "two.zh"),
                                "--target", str(work / "one.en")])  # fmt: skip
    assert code == 2 and "has 2 lines, --target" in err and " has 1 (fix:" in err


def test_a_jsonl_input_nested_thousands_deep_is_refused(work, capsys):
    (work / "in.jsonl").write_text('{"source": "双核"}\n' + DEEP_JSON + "\n", encoding="utf-8")
    code, _, err = run(capsys, ["translate", "-i", str(work / "in.jsonl"), "-o", str(work / "o.jsonl"),
                                "--glossary", str(GLOSSARY), "--model", str(work / "no-model")])  # fmt: skip
    assert code == 2 and "in.jsonl:2: not valid JSON: nested too deeply to read" in one_error(err)
    assert not (work / "o.jsonl").exists()
