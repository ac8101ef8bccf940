"""MkDocs hooks: reference pages written from the program and its schemas, so they cannot go stale.

A hand-written flag list goes stale the day a flag is added; the command
line reference is generated on every docs build from
``termlock.cli.build_parser()``, the parser ``termlock --help`` prints, so
the page and the program cannot disagree. The key tables of the JSON
report pages are generated from the JSON Schemas the tests validate every
report against (``docs/reference/*.schema.json``). Two ways in:

* as MkDocs hooks (``hooks:`` in ``mkdocs.yml``): ``on_files`` adds the
  page ``reference/cli.md`` to the build without writing it to disk, and
  ``on_page_markdown`` replaces a ``<!-- schema: FILE -->`` line with the
  key tables of that schema;
* as a script: ``python scripts/docs_hooks.py [OUT.md]`` prints (or
  writes) the command line page, to read it or diff it.

The page lists each command and sub-command with its usage line,
description and every option group as the parser groups them, each option
with its flags, metavar, choices and help text (``%(default)s`` expanded as
argparse expands it).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: the page's path inside docs/
PAGE = "reference/cli.md"

_INTRO = """\
# Command line

Generated from `termlock`'s own argument parser every time the docs are
built, so it lists exactly what `termlock COMMAND --help` prints for this
version. Exit codes: [Exit codes](exit-codes.md); what each flag's files
look like: [Input files](inputs.md).
"""

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]|#])")


def _escape(text: str) -> str:
    """Help text as Markdown that shows every character as written (no emphasis, links or raw HTML)."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text)


def _flags(action: argparse.Action) -> str:
    """``-o G.yaml``, ``--output G.yaml`` / ``FILE`` for a positional, each in code."""
    if not action.option_strings:
        return f"`{action.metavar or action.dest}`"
    metavar = ""
    if action.nargs != 0:
        if action.metavar is not None:
            metavar = f" {action.metavar}"
        elif action.choices is not None:
            metavar = " {" + ",".join(str(c) for c in action.choices) + "}"
        else:
            metavar = f" {action.dest.upper()}"
    return ", ".join(f"`{flag}{metavar}`" for flag in action.option_strings)


def _help(parser: argparse.ArgumentParser, action: argparse.Action) -> str:
    """The action's help with ``%(default)s`` and friends filled in, as ``--help`` shows it."""
    if not action.help:
        return ""
    formatter = parser._get_formatter()  # noqa: SLF001 - argparse's own expansion, so the page says what --help says
    return " ".join(formatter._expand_help(action).split())  # noqa: SLF001


def _usage(parser: argparse.ArgumentParser) -> str:
    """The usage lines ``--help`` starts with, wrapped at 72 columns whatever the terminal (the width of the page's code blocks)."""
    try:
        formatter = parser.formatter_class(prog=parser.prog, width=72)
    except TypeError:  # a formatter class that takes no width
        formatter = parser._get_formatter()  # noqa: SLF001
    formatter.add_usage(parser.usage, parser._actions, parser._mutually_exclusive_groups)  # noqa: SLF001
    return formatter.format_help().strip("\n")


def _subparsers(parser: argparse.ArgumentParser) -> argparse._SubParsersAction | None:  # noqa: SLF001
    for action in parser._actions:  # noqa: SLF001
        if isinstance(action, argparse._SubParsersAction):  # noqa: SLF001
            return action
    return None


def _command_section(name: str, parser: argparse.ArgumentParser, summary: str | None, depth: int) -> list[str]:
    lines = [f"{'#' * depth} `{name}`", ""]
    if summary:
        lines += [_escape(summary[:1].upper() + summary[1:]) + ("" if summary.endswith(".") else "."), ""]
    lines += ["```text", _usage(parser), "```", ""]
    if parser.description:
        lines += [_escape(" ".join(parser.description.split())), ""]
    sub = _subparsers(parser)
    for group in parser._action_groups:  # noqa: SLF001 - the groups --help prints, in its order
        actions = [a for a in group._group_actions if a.help != argparse.SUPPRESS and not isinstance(a, argparse._SubParsersAction)]  # noqa: SLF001
        actions = [a for a in actions if not isinstance(a, argparse._HelpAction)]  # noqa: SLF001 - every command has -h
        if not actions:
            continue
        title = group.title or "options"
        lines += [f"**{_escape(title[:1].upper() + title[1:])}**", ""]
        if group.description:
            lines += [_escape(" ".join(group.description.split())), ""]
        for action in actions:
            lines.append(_flags(action))
            detail = _escape(_help(parser, action))
            if action.choices is not None and action.option_strings and action.metavar is not None:
                detail += f" Choices: {', '.join(f'`{c}`' for c in action.choices)}."  # hidden by the metavar
            lines.append(f":   {detail}")
            lines.append("")
    if parser.epilog:  # examples: shown with their line breaks, as --help shows them
        lines += ["```text", parser.epilog.strip("\n"), "```", ""]
    if sub is not None:
        helps = {choice.dest: choice.help for choice in sub._choices_actions}  # noqa: SLF001
        for child_name, child in sub.choices.items():
            lines += _command_section(f"{name} {child_name}", child, helps.get(child_name), depth + 1)
    return lines


def cli_markdown() -> str:
    """The whole reference page for this checkout's ``termlock`` parser."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from termlock import __version__
    from termlock.cli import build_parser

    parser = build_parser()
    lines = [_INTRO, f"Version: `termlock {__version__}`.", ""]
    sub = _subparsers(parser)
    assert sub is not None, "termlock's parser has sub-commands"
    helps = {choice.dest: choice.help for choice in sub._choices_actions}  # noqa: SLF001
    lines += ["```text", _usage(parser), "```", ""]
    for action in parser._actions:  # noqa: SLF001 - the options of `termlock` itself (--version)
        if not isinstance(action, (argparse._SubParsersAction, argparse._HelpAction)):  # noqa: SLF001
            lines += [_flags(action), f":   {_escape(_help(parser, action))}", ""]
    lines += ["`-h`, `--help`", ":   show the help of `termlock` or of any command and exit", ""]
    for name, child in sub.choices.items():
        lines += _command_section(f"termlock {name}", child, helps.get(name), 2)
    return "\n".join(lines).rstrip() + "\n"


_SCHEMA_MARK = re.compile(r"^<!-- schema: (?P<file>[\w.-]+) -->$", re.MULTILINE)


def _cell(text: str) -> str:
    """A schema description in a table cell: its `code` spans kept, only what breaks HTML or the table escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")


def _type(node: dict) -> str:
    """A schema node's type in words, with links to the sections of referenced definitions."""
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[1]
        return f"[{name}](#{name.replace('_', '-')})"
    if "allOf" in node:
        return " ".join(_type(part) for part in node["allOf"])
    if "anyOf" in node:
        return " or ".join(_type(part) for part in node["anyOf"])
    if "enum" in node:
        return " \\| ".join(f"`{json.dumps(value, ensure_ascii=False)}`" for value in node["enum"])
    if "const" in node:
        return f"`{json.dumps(node['const'])}`"
    kinds = node.get("type", "any")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    words = []
    for kind in kinds:
        if kind == "array":
            words.append(f"list of {_type(node.get('items', {}))}")
        elif kind == "object" and "additionalProperties" in node and "properties" not in node:
            words.append(f"map of {_type(node['additionalProperties'])}")
        elif kind == "object" and "properties" in node:
            words.append("object (below)")
        else:
            words.append(kind)
    return " or ".join(words)


def _table(node: dict, path: str | None, level: int, anchor: str | None = None) -> list[str]:
    """One object's keys as a table (``path`` None: the report itself), then the tables of its inline objects."""
    title = f"`{path}`" if path else "Top level"
    lines = [f"{'#' * level} {title}" + (f" {{#{anchor}}}" if anchor else ""), ""]
    if node.get("description") and path:
        lines += [_cell(node["description"]), ""]
    lines += ["| key | type | always there | meaning |", "|---|---|---|---|"]
    required = set(node.get("required", []))
    nested = []
    for key, sub in node["properties"].items():
        lines.append(f"| `{key}` | {_type(sub)} | {'yes' if key in required else 'no'} | {_cell(sub.get('description', ''))} |")
        inner = sub.get("items", {}) if sub.get("type") == "array" else sub
        if isinstance(inner, dict) and "properties" in inner:
            nested.append((key, inner))
    lines.append("")
    for key, inner in nested:
        lines += _table(inner, f"{path}.{key}" if path else key, min(level + 1, 4))
    return lines


def schema_markdown(path: Path) -> str:
    """The key tables of one report schema: the top level, then each definition."""
    schema = json.loads(path.read_text(encoding="utf-8"))
    lines = _table(schema, None, 3)  # under the page's "## Keys"
    lines += ["## Definitions", "", "Objects the tables above refer to by name.", ""]
    for name, node in schema.get("$defs", {}).items():
        if "properties" in node:
            lines += _table(node, name, 3, anchor=name.replace("_", "-"))
    return "\n".join(lines)


def on_page_markdown(markdown, page, config, files):  # noqa: ANN001, ANN201 - MkDocs hook signature
    """MkDocs hook: a ``<!-- schema: FILE -->`` line becomes the key tables of the schema beside the page."""
    folder = Path(config["docs_dir"]) / Path(page.file.src_uri).parent
    return _SCHEMA_MARK.sub(lambda match: schema_markdown(folder / match["file"]), markdown)


def on_files(files, config):  # noqa: ANN001, ANN201 - MkDocs hook signature
    """MkDocs hook: add the generated page to the build (nothing is written under docs/)."""
    from mkdocs.structure.files import File

    files.append(File.generated(config, PAGE, content=cli_markdown()))
    return files


if __name__ == "__main__":
    text = cli_markdown()
    if len(sys.argv) > 1:
        Path(sys.argv[1]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
