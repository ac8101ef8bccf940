"""Every command's --help: options in named groups, example lines that parse, a docs link, glossary formats named."""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

import pytest

from termlock import __version__
from termlock.cli import build_parser, main
from termlock.commands.helptext import GLOSSARY_METAVAR, REPOSITORY_URL

ROOT = Path(__file__).resolve().parents[1]
SHELL_OPERATORS = {">", ">>", "|", "||", "&&", ";", "<"}


def parsers() -> dict[str, argparse.ArgumentParser]:
    """``""`` (termlock itself), ``"check"``, ``"glossary import"``, ... -> its parser."""
    found: dict[str, argparse.ArgumentParser] = {}

    def walk(parser: argparse.ArgumentParser, prefix: tuple[str, ...]) -> None:
        found[" ".join(prefix)] = parser
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, (*prefix, name))

    walk(build_parser(), ())
    return found


PARSERS = parsers()


def heading_anchors(path: Path) -> set[str]:
    """The #anchors GitHub gives a Markdown file's headings: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"^```.*?^```", "", path.read_text(encoding="utf-8"), flags=re.M | re.S)  # no headings in code
    headings = re.findall(r"^#{1,6} +(.+?) *#*$", text, flags=re.M)
    return {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}


def examples(parser: argparse.ArgumentParser) -> list[str]:
    text = parser.epilog or ""
    block = text.split("examples:\n", 1)[1].split("\n\n", 1)[0] if "examples:\n" in text else ""
    return [line.strip() for line in block.splitlines() if line.strip()]


@pytest.mark.parametrize("name", sorted(PARSERS), ids=lambda name: name or "termlock")
def test_each_help_has_examples_and_a_docs_link_to_a_page_that_exists(name, monkeypatch):
    parser = PARSERS[name]
    monkeypatch.setenv("COLUMNS", "100")
    text = parser.format_help()
    found = examples(parser)
    assert found, f"termlock {name} --help has no example"
    assert all(example.startswith(f"termlock {name}".rstrip()) for example in found)
    link = re.search(rf"^docs: {re.escape(REPOSITORY_URL)}/(\S+)$", text, flags=re.M)
    assert link, f"termlock {name} --help has no docs link (whole, on one line)"
    page, _, anchor = link.group(1).partition("#")
    assert (ROOT / page).is_file(), f"termlock {name} --help links {page}, which does not exist"
    if anchor:
        assert anchor in heading_anchors(ROOT / page), f"termlock {name} --help links {page}#{anchor}: no such heading"
    for example in found:
        assert example in text, "an example line was wrapped: it must stay whole to be copied"


@pytest.mark.parametrize(
    "name, example",
    [(name, example) for name, parser in PARSERS.items() for example in examples(parser)],
)
def test_each_example_parses_with_the_real_parser(name, example, capsys):
    words = shlex.split(example)
    cut = next((i for i, word in enumerate(words) if word in SHELL_OPERATORS), len(words))
    assert words[0] == "termlock"
    args = build_parser().parse_args(words[1:cut])  # an unknown flag or a bad value exits 2 here
    assert args.command == words[1]


@pytest.mark.parametrize(
    "name, groups",
    [
        ("check", ["inputs", "reports", "gate", "matching", "scaling out (Ray)"]),
        ("translate", ["input and output", "glossary", "model", "decoding", "LLMs (decoder-only models)", "resuming",
                       "scaling out (Ray)"]),
    ],
)  # fmt: skip
def test_options_are_grouped(name, groups):
    titles = [group.title for group in PARSERS[name]._action_groups]
    for group in groups:
        assert any(title == group or title.startswith(group + " (") for title in titles), (group, titles)
    # nothing but --help is left in the catch-all "options" group
    options = next(group for group in PARSERS[name]._action_groups if group.title in {"options", "optional arguments"})
    assert [action.dest for action in options._group_actions] == ["help"]


def test_gate_and_report_flags_sit_in_their_groups():
    groups = {group.title.split(" (")[0]: group for group in PARSERS["check"]._action_groups}
    assert {"--min-term-success", "--accept", "--strict-spelling"} <= {a.option_strings[0] for a in groups["gate"]._group_actions}
    reports = {a.option_strings[0] for a in groups["reports"]._group_actions}
    assert {"--json", "--csv", "--html", "--xliff-notes", "--write-accepted"} <= reports


def test_glossary_formats_are_named_wherever_a_glossary_is_taken(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    for name, parser in PARSERS.items():
        text = parser.format_help()
        assert "G.yaml" not in text, f"termlock {name} --help still says G.yaml"
        for action in parser._actions:
            if action.metavar == GLOSSARY_METAVAR:
                assert all(fmt in action.help for fmt in ("YAML", "TBX", "CSV/TSV", "XLSX", "JSON")), (name, action.help)
    assert "JSON" in PARSERS["glossary import"].description
    assert "json" in PARSERS["glossary import"].format_help()


def test_version_comes_from_the_package(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"termlock {__version__}"
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)
