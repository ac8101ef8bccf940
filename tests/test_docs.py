"""The documentation is true of the code: its commands run, its JSON keys exist, its tables are complete.

* The shell commands of the README and the tutorials run, in order, in a
  scratch folder that sees the bundled data at ``termlock/corpora/data``;
  each ``termlock`` command must end with the exit code its line states
  (``# exits 1``; 0 when it says nothing). Commands that need what the
  bundled data does not give (a model, a file of your own such as
  ``terms.yaml``, Ray) are left out, and each page must still run the
  commands it is there to teach.
* Every JSON example validates against the strict report schema, and
  every key it or the prose quotes (``summary.term_success_rate``) occurs
  in a real report of the bundled data.
* The reference tables list every glossary key, CSV column, exit code and
  ``TERMLOCK_`` variable the code knows, and the site builds with
  ``mkdocs build --strict`` (as CI does).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

import report_schema

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
#: pages whose commands run as tests, and how many of their commands must run at least
RUN_PAGES = {
    "README.md": 3,
    "docs/tutorials/first-check.md": 6,
    "docs/tutorials/review.md": 3,
}
#: pages whose JSON examples are reports
JSON_EXAMPLES = {
    "docs/reference/json-report.md": report_schema.CHECK_SCHEMA,
    "docs/reference/translate-report.md": report_schema.TRANSLATE_SCHEMA,
}
#: flags whose value is a file the command reads
INPUT_FLAGS = {"--source", "--target", "--reference", "--glossary", "--accept", "--bilingual", "--terms", "--pairs",
               "-i", "--input", "--prompt-template"}  # fmt: skip
#: what a runnable page may do besides termlock (anything else, e.g. hf, pip, make, git, is left out)
OTHER_COMMANDS = {"mkdir", "cat", "head", "python"}
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)


@dataclass
class Command:
    page: str
    text: str
    expect: int

    def argv(self) -> list[str]:
        return shlex.split(self.text.split("<<", 1)[0], comments=True)


def blocks(page: str, languages: tuple[str, ...]) -> list[str]:
    text = (ROOT / page).read_text(encoding="utf-8")
    return [body for language, body in _FENCE.findall(text) if language in languages]


def commands(page: str) -> list[Command]:
    """The shell commands of a page's ``bash`` blocks: continuation lines joined, here-documents kept whole."""
    found = []
    for body in blocks(page, ("bash", "sh")):
        lines = body.splitlines()
        while lines:
            line = lines.pop(0)
            while line.rstrip().endswith("\\") and lines:
                line = line.rstrip()[:-1] + " " + lines.pop(0).strip()
            heredoc = re.search(r"<<\s*'?(\w+)'?", line)
            if heredoc:
                end = lines.index(heredoc.group(1))
                line = "\n".join([line, *lines[: end + 1]])
                del lines[: end + 1]
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            stated = re.search(r"#\s*exits\s+(\d+)", line)
            found.append(Command(page, line.strip(), int(stated.group(1)) if stated else 0))
    return found


def _inputs(argv: list[str]) -> list[str]:
    """The files a termlock command reads."""
    files = [value for flag, value in zip(argv, argv[1:]) if flag in INPUT_FLAGS]
    if argv[1:2] == ["glossary"] and len(argv) > 3 and argv[2] in {"validate", "show", "import", "export"}:
        files.append(argv[3])
    return [name for name in files if name not in {"bundled", "-"}]


def runnable(command: Command, cwd: Path) -> bool:
    argv = command.argv()
    if not argv:
        return False
    name = argv[0].removeprefix(".venv/bin/")
    if name != "termlock":
        return name in OTHER_COMMANDS
    if {"--model", "--engine", "--address", "--show-prompt"} & set(argv) or argv[1:2] in (["translate"], ["serve"], ["review"]):
        return False  # needs a model or Ray, or serves until stopped: tested elsewhere (tiny model, real clients, a browser)
    return all((cwd / path).exists() for path in _inputs(argv))


@pytest.fixture
def scratch(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A folder with the bundled data at termlock/corpora/data, and an environment whose termlock is this checkout's."""
    (tmp_path / "termlock").mkdir()
    (tmp_path / "termlock" / "corpora").symlink_to(ROOT / "termlock" / "corpora", target_is_directory=True)
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name, target in (("termlock", f'"{sys.executable}" -m termlock'), ("python", f'"{sys.executable}"')):
        shim = bin_dir / name
        shim.write_text(f'#!/bin/sh\nexec {target} "$@"\n', encoding="utf-8")
        shim.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "PYTHONPATH": str(ROOT),
           "TERMLOCK_REVIEWER": "Docs Test", "COLUMNS": "100"}  # fmt: skip
    return tmp_path, env


@pytest.mark.parametrize("page", sorted(RUN_PAGES))
def test_the_commands_of_a_page_run_with_the_exit_codes_it_states(page, scratch):
    cwd, env = scratch
    ran = []
    for command in commands(page):
        if not runnable(command, cwd):
            continue
        done = subprocess.run(["bash", "-c", command.text], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == command.expect, f"{page}: `{command.text}` exited {done.returncode}:\n{done.stderr[-2000:]}"
        assert "Traceback" not in done.stderr
        ran.append(command.text)
    assert len(ran) >= RUN_PAGES[page], f"{page}: only {len(ran)} commands ran: {ran}"


def test_the_command_reader_sees_what_a_page_teaches():
    texts = [c.text for c in commands("docs/tutorials/first-check.md")]
    gate = [c for c in commands("docs/tutorials/first-check.md") if "--min-term-success 0.95" in c.text]
    assert gate and gate[0].expect == 1 and "--target termlock/corpora/data/corpus.flawed.en" in gate[0].text
    heredocs = [c.text for c in commands("docs/tutorials/review.md") if "<<" in c.text]
    assert heredocs and heredocs[0].endswith("EOF") and "reason:" in heredocs[0]
    assert any(t.startswith("termlock check") for t in texts)


@pytest.fixture(scope="module")
def real_report_keys(tmp_path_factory) -> set[str]:
    """Every key path of real check reports of the bundled data (segment and document granularity, a reference)."""
    from termlock.cli import main

    data = ROOT / "termlock" / "corpora" / "data"
    folder = tmp_path_factory.mktemp("docs-reports")
    keys: set[str] = set()
    for number, extra in enumerate(([], ["--granularity", "document"])):
        out = folder / f"r{number}.json"
        assert main(["check", "--source", str(data / "corpus.zh"), "--target", str(data / "corpus.flawed.en"),
                     "--reference", str(data / "corpus.en"), "--json", str(out), *extra]) == 0  # fmt: skip
        keys |= key_paths(json.loads(out.read_text(encoding="utf-8")))
    return keys


def key_paths(value, prefix: str = "") -> set[str]:
    """``summary.ok``, ``segments.terms.id``, … (list levels dropped; maps keyed by data not entered)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            found.add(path)
            if key not in {"renderings", "forbidden_found", "segments"} or prefix == "" or not isinstance(item, dict):
                found |= key_paths(item, path)
    elif isinstance(value, list):
        for item in value:
            found |= key_paths(item, prefix)
    return found


@pytest.mark.parametrize("page", sorted(JSON_EXAMPLES))
def test_json_examples_are_valid_reports_whose_keys_exist(page, real_report_keys):
    examples = [json.loads(body) for body in blocks(page, ("json",))]
    assert examples, f"{page} has no JSON example"
    for example in examples:
        assert report_schema.errors(example, JSON_EXAMPLES[page]) == [], f"{page}: the example breaks the schema"
        if JSON_EXAMPLES[page] == report_schema.CHECK_SCHEMA:
            assert key_paths(example) - real_report_keys == set(), f"{page}: keys no real report has"


def test_report_keys_quoted_in_prose_exist(real_report_keys):
    quoted = re.compile(r"`((?:summary|accepted|numbers)\.(?!(?:yaml|json|csv|html)`)[a-z_.]+)`")  # not accepted.yaml
    pages = [ROOT / "README.md", *(page for page in DOCS.rglob("*.md") if page.name != "DESIGN.md")]  # DESIGN quotes modules
    for page in pages:
        for key in quoted.findall(page.read_text(encoding="utf-8")):
            assert key in real_report_keys, f"{page.relative_to(ROOT)} quotes `{key}`, which no check report has"


def test_the_glossary_reference_lists_every_key_the_loader_takes():
    from termlock.glossary.loader import TERM_KEYS, TOP_KEYS

    page = (DOCS / "reference" / "glossary.md").read_text(encoding="utf-8")
    assert [key for key in (*TOP_KEYS, *TERM_KEYS) if f"| `{key}` |" not in page] == []


def test_the_csv_reference_lists_every_column():
    from termlock.evaluate.reports.csv_report import COLUMNS

    page = (DOCS / "reference" / "csv-report.md").read_text(encoding="utf-8")
    assert [column for column in COLUMNS if f"| `{column}` |" not in page] == []


def test_the_exit_code_reference_lists_every_code():
    from termlock import cli

    page = (DOCS / "reference" / "exit-codes.md").read_text(encoding="utf-8")
    codes = [cli.EXIT_OK, cli.EXIT_FAILED_GATE, cli.EXIT_BAD_INPUT, cli.EXIT_CRASH]
    assert [code for code in codes if f"| `{code}` |" not in page] == []


def test_the_environment_reference_lists_every_termlock_variable():
    code = "\n".join(path.read_text(encoding="utf-8") for path in [*(ROOT / "termlock").rglob("*.py"), ROOT / "tests" / "conftest.py"])
    variables = set(re.findall(r"[\"'](TERMLOCK_[A-Z_]+)[\"']", code))
    assert {"TERMLOCK_DEBUG", "TERMLOCK_REVIEWER"} <= variables
    page = (DOCS / "reference" / "environment.md").read_text(encoding="utf-8")
    assert sorted(v for v in variables if f"`{v}`" not in page) == []


def test_the_cli_reference_lists_every_flag_of_every_command():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import docs_hooks
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    from termlock.cli import build_parser

    page = docs_hooks.cli_markdown()
    parsers = [build_parser()]
    flags = set()
    while parsers:
        parser = parsers.pop()
        for action in parser._actions:  # noqa: SLF001
            if action.choices and isinstance(action.choices, dict):
                parsers.extend(action.choices.values())
            flags.update(flag for flag in action.option_strings if flag not in {"-h", "--help"})
    assert "--min-term-success" in flags and "--write-accepted" in flags
    assert sorted(flag for flag in flags if f"`{flag}" not in page) == []


def test_the_docs_site_builds_without_a_warning(tmp_path):
    pytest.importorskip("mkdocs", reason="mkdocs is not installed (pip install -e '.[docs]')")
    pytest.importorskip("material", reason="mkdocs-material is not installed (pip install -e '.[docs]')")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "WARNING" not in done.stderr
    cli_page = (tmp_path / "site" / "reference" / "cli" / "index.html").read_text(encoding="utf-8")
    assert "--min-term-success" in cli_page and "termlock glossary import" in cli_page
    keys_page = (tmp_path / "site" / "reference" / "json-report" / "index.html").read_text(encoding="utf-8")
    assert "term_success_rate" in keys_page and "<!-- schema:" not in keys_page


def test_every_file_the_readme_links_to_exists():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    links = [target.split("#")[0] for target in re.findall(r"\]\(([^)\s]+)\)", text) if "://" not in target]
    assert len(links) > 20
    assert [link for link in links if link and not (ROOT / link).exists()] == []
