"""``termlock glossary``: import, export, validate and show glossaries.

Translators receive termbases as TBX from CAT tools and QA staff keep theirs
in spreadsheets; these subcommands convert between those and termlock's
YAML so that one reviewed glossary drives both translation and checking.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import unicodedata
from typing import Sequence, TextIO

from termlock.commands.argtypes import input_path, output_path
from termlock.corpora import BUNDLED_GLOSSARY, glossary_path
from termlock.errors import TermlockError
from termlock.inputs import read_input
from termlock.wording import counted

EXIT_OK = 0
EXIT_PROBLEMS = 1


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "glossary",
        help="import, export, validate and show glossaries (YAML, TBX, CSV/TSV, XLSX)",
        description="Convert glossaries between termlock YAML and TBX 2008/2019, CSV/TSV and XLSX; "
        "validate them; show them as a table.",
    )
    actions = parser.add_subparsers(dest="glossary_command", metavar="ACTION")
    actions.required = True
    formats = "yaml, tbx, tbx2008, tbx2019, csv, tsv, xlsx"

    p_import = actions.add_parser(
        "import",
        help="read a TBX/CSV/TSV/XLSX glossary and write termlock YAML",
        description="Read a glossary from TBX (2008 <martif> or 2019 <tbx>), CSV/TSV or XLSX, "
        "validate it, and write it as termlock YAML (or any format named by -o's extension).",
    )
    p_import.add_argument("file", type=input_path, metavar="FILE",
                          help=f"glossary to import ({BUNDLED_GLOSSARY}: the bundled one)")
    p_import.add_argument("-o", "--output", required=True, type=output_path, metavar="G.yaml", help="where to write the glossary")
    p_import.add_argument("--format", dest="in_format", metavar="FMT", help=f"input format ({formats}); default: from the extension")
    p_import.add_argument("--source-lang", metavar="LANG", help="source language to take from a multilingual TBX (default zh)")
    p_import.add_argument("--target-lang", metavar="LANG", help="target language to take from a multilingual TBX (default en)")
    p_import.add_argument("--name", help="glossary name (default: the file's title or name)")
    p_import.set_defaults(func=run_import)

    p_export = actions.add_parser(
        "export",
        help="write a glossary as TBX, CSV, TSV or XLSX",
        description="Write a termlock glossary as TBX-Basic (2008 by default, --format tbx2019 for ISO 30042:2019), "
        "CSV, TSV or XLSX, chosen by -o's extension or --format.",
    )
    p_export.add_argument("glossary", type=input_path, metavar="G.yaml",
                          help=f"glossary to export ({BUNDLED_GLOSSARY}: the bundled one)")
    p_export.add_argument("-o", "--output", required=True, type=output_path, metavar="FILE", help="output file (.tbx, .csv, .tsv, .xlsx)")
    p_export.add_argument("--format", dest="out_format", metavar="FMT", help=f"output format ({formats}); default: from the extension")
    p_export.set_defaults(func=run_export)

    p_validate = actions.add_parser(
        "validate",
        help="check a glossary; print problems as file:line: message (fix); exit 1 if any",
        description="Check a glossary against the schema and consistency rules. Prints each problem as "
        "FILE:LINE: message (fix: ...). Exit 0 when clean, 1 when there are problems.",
    )
    p_validate.add_argument("glossary", type=input_path, metavar="G.yaml",
                            help=f"glossary to check (any supported format; {BUNDLED_GLOSSARY}: the bundled one)")
    p_validate.add_argument("--format", dest="in_format", metavar="FMT", help=f"input format ({formats})")
    p_validate.set_defaults(func=run_validate)

    p_show = actions.add_parser("show", help="print a glossary as a table", description="Print a glossary as a table.")
    p_show.add_argument("glossary", type=input_path, metavar="G.yaml",
                        help=f"glossary to show (any supported format; {BUNDLED_GLOSSARY}: the bundled one)")
    p_show.add_argument("--format", dest="in_format", metavar="FMT", help=f"input format ({formats})")
    p_show.set_defaults(func=run_show)


def run_import(args: argparse.Namespace) -> int:
    from termlock.glossary.formats import export_glossary, import_glossary
    from termlock.outputs import refuse_clobbering

    source = glossary_path(args.file)
    refuse_clobbering([("FILE", source)], [("-o", args.output)])
    glossary = import_glossary(
        source,
        args.in_format,
        source_lang=args.source_lang,
        target_lang=args.target_lang,
        name=args.name,
    )
    export_glossary(glossary, args.output)
    print(
        f"imported {counted(len(glossary), 'term')} ({glossary.source_lang} -> {glossary.target_lang}) "
        f"from {source} to {args.output}",
        file=sys.stderr,
    )
    return EXIT_OK


def run_export(args: argparse.Namespace) -> int:
    from termlock.glossary.formats import export_glossary, import_glossary
    from termlock.outputs import refuse_clobbering

    path = glossary_path(args.glossary)
    refuse_clobbering([("G.yaml", path)], [("-o", args.output)])
    glossary = import_glossary(path)
    export_glossary(glossary, args.output, args.out_format)
    print(f"exported {counted(len(glossary), 'term')} from {path} to {args.output}", file=sys.stderr)
    return EXIT_OK


def run_validate(args: argparse.Namespace, out: TextIO | None = None) -> int:
    from termlock.glossary import GlossaryError
    from termlock.glossary.formats import import_glossary

    out = out or sys.stdout
    path = glossary_path(args.glossary)
    read_input(path, stdin=False)  # no file to read is a usage error (exit 2), not a problem of a glossary
    try:
        glossary = import_glossary(path, args.in_format)
    except GlossaryError as exc:
        for problem in exc.problems:
            print(format_problem(problem.path, problem.line, problem.message, problem.fix), file=out)
        count = len(exc.problems)
        print(f"{counted(count, 'problem')} in {path}", file=sys.stderr)
        return EXIT_PROBLEMS
    except TermlockError as exc:
        print(format_problem(exc.path or path, exc.line, exc.message, exc.fix), file=out)
        print(f"1 problem in {path}", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"{path}: OK, {counted(len(glossary), 'term')}", file=sys.stderr)
    return EXIT_OK


def format_problem(path: str | None, line: int | None, message: str, fix: str | None) -> str:
    """``file:line: message (fix: ...)``, the form editors and CI logs link."""
    where = f"{path}:{line}: " if line is not None else f"{path}: "
    return where + message + (f" (fix: {fix})" if fix else "")


def run_show(args: argparse.Namespace, out: TextIO | None = None) -> int:
    from termlock.glossary.formats import import_glossary

    out = out or sys.stdout
    glossary = import_glossary(glossary_path(args.glossary), args.in_format)
    # fit a terminal; piped into a file or grep, show every cell whole
    width = shutil.get_terminal_size((120, 24)).columns if out.isatty() else 10**6
    print(f"{glossary.name} ({glossary.source_lang} -> {glossary.target_lang}), {counted(len(glossary), 'term')}", file=out)
    rows = [
        [
            term.id,
            " | ".join(term.sources),
            term.target,
            " | ".join(term.variants),
            " | ".join(term.forbidden),
            ",".join(flag for flag, on in (("case", term.case_sensitive), ("exact", term.exact)) if on),
            term.note or "",
        ]
        for term in glossary.terms
    ]
    # `termlock glossary show g.yaml | head`: the CLI's guarded stdout (termlock.stdout_guard) ends quietly
    for line in render_table(["id", "source", "target", "variants", "forbidden", "flags", "note"], rows, width):
        print(line, file=out)
    return EXIT_OK


# ------------------------------------------------------------------ table


def display_width(text: str) -> int:
    """Terminal columns of ``text``: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 0 if unicodedata.combining(ch) else 1 for ch in text)


def _fit(text: str, width: int) -> str:
    text = " ".join(text.split())
    if display_width(text) <= width:
        return text + " " * (width - display_width(text))
    out = ""
    for ch in text:
        if display_width(out + ch) > width - 1:
            break
        out += ch
    out += "…"
    return out + " " * (width - display_width(out))


def render_table(header: Sequence[str], rows: Sequence[Sequence[str]], max_width: int) -> list[str]:
    """Aligned columns; the widest columns shrink first to fit ``max_width``."""
    columns = len(header)
    widths = [max([display_width(" ".join(str(r[i]).split())) for r in rows] + [len(header[i])]) for i in range(columns)]
    budget = max(max_width - 2 * (columns - 1), columns * 4)
    while sum(widths) > budget:
        widest = max(range(columns), key=lambda i: widths[i])
        if widths[widest] <= max(len(header[widest]), 4):
            break
        widths[widest] -= 1
    lines = ["  ".join(_fit(h, w) for h, w in zip(header, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend("  ".join(_fit(str(c), w) for c, w in zip(row, widths)).rstrip() for row in rows)
    return lines
