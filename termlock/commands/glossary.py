"""``termlock glossary``: import, export, validate and show glossaries.

Translators receive termbases as TBX from CAT tools and QA staff keep theirs
in spreadsheets; these subcommands convert between those and termlock's
YAML so that one reviewed glossary drives both translation and checking.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from typing import Sequence, TextIO

from termlock.commands.argtypes import input_path, output_path
from termlock.commands.helptext import DOCS_PAGES, GLOSSARY_FORMATS, GLOSSARY_METAVAR, HelpFormatter, epilog
from termlock.corpora import BUNDLED_GLOSSARY, glossary_path
from termlock.errors import TermlockError
from termlock.inputs import read_input
from termlock.textwidth import display_width, pad, wrap, wrap_pieces
from termlock.wording import counted

EXIT_OK = 0
EXIT_PROBLEMS = 1


#: the formats --format names (termlock.glossary.formats.FORMATS; JSON term dictionaries are read, not written)
READ_FORMATS = "yaml, tbx, tbx2008, tbx2019, csv, tsv, xlsx, json"
WRITE_FORMATS = "yaml, tbx, tbx2008, tbx2019, csv, tsv, xlsx"
#: what ``glossary show --output-format`` prints
SHOW_FORMATS = ("table", "csv", "tsv")

EXAMPLES = {
    "import": ("termlock glossary import termbase.tbx -o terms.yaml",
               "termlock glossary import terms.xlsx -o terms.yaml --name 'Work report terms'",
               "termlock glossary import wmt-terms.json -o terms.yaml",
               "termlock glossary import multilingual.tbx -o terms.yaml --source-lang zh-CN --target-lang en-GB"),
    "export": ("termlock glossary export terms.yaml -o terms.tbx",
               "termlock glossary export terms.yaml -o terms.tbx --format tbx2019",
               "termlock glossary export bundled -o bundled.xlsx"),
    "validate": ("termlock glossary validate terms.yaml",
                 "termlock glossary validate terms.csv || echo 'fix the lines above'"),
    "show": ("termlock glossary show bundled",
             "termlock glossary show terms.tbx --output-format csv > terms.csv"),
}  # fmt: skip


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "glossary",
        help="import, export, validate and show glossaries (YAML, TBX, CSV/TSV, XLSX; JSON read)",
        description=f"Convert glossaries between termlock YAML and TBX 2008/2019, CSV/TSV and XLSX (and read JSON term "
        f"dictionaries); validate them; show them as a table. Every command that takes a glossary reads {GLOSSARY_FORMATS}.",
        epilog=epilog([example for examples in EXAMPLES.values() for example in examples[:1]], DOCS_PAGES["glossary"]),
        formatter_class=HelpFormatter,
    )
    actions = parser.add_subparsers(dest="glossary_command", metavar="ACTION")
    actions.required = True

    def action_parser(name: str, **kwargs: str) -> argparse.ArgumentParser:
        return actions.add_parser(name, epilog=epilog(EXAMPLES[name], DOCS_PAGES["glossary"]), formatter_class=HelpFormatter, **kwargs)

    p_import = action_parser(
        "import",
        help="read a TBX/CSV/TSV/XLSX/JSON glossary and write termlock YAML",
        description="Read a glossary from TBX (2008 <martif> or 2019 <tbx>), CSV/TSV, XLSX or a JSON term dictionary "
        '({"source": "target"} or {"source": ["target", "variant", ...]}, the first target canonical; also wrapped '
        'as WMT25\'s {"terms": {...}}), '
        "validate it, and write it as termlock YAML (or any format named by -o's extension).",
    )
    p_import.add_argument("file", type=input_path, metavar=GLOSSARY_METAVAR,
                          help=f"glossary to import: {GLOSSARY_FORMATS} ({BUNDLED_GLOSSARY}: the bundled one)")
    p_import.add_argument("-o", "--output", required=True, type=output_path, metavar="OUT",
                          help="where to write the glossary: .yaml, or .tbx, .csv, .tsv, .xlsx")
    p_import.add_argument("--format", dest="in_format", metavar="FMT", help=f"input format ({READ_FORMATS}); default: from the extension")
    p_import.add_argument("--source-lang", metavar="LANG", help="source language to take from a multilingual TBX (default zh)")
    p_import.add_argument("--target-lang", metavar="LANG", help="target language to take from a multilingual TBX (default en)")
    p_import.add_argument("--name", help="glossary name (default: the file's title or name)")
    p_import.set_defaults(func=run_import)

    p_export = action_parser(
        "export",
        help="write a glossary as TBX, CSV, TSV or XLSX",
        description="Write a termlock glossary as TBX-Basic (2008 by default, --format tbx2019 for ISO 30042:2019), "
        "CSV, TSV or XLSX, chosen by -o's extension or --format.",
    )
    p_export.add_argument("glossary", type=input_path, metavar=GLOSSARY_METAVAR,
                          help=f"glossary to export: {GLOSSARY_FORMATS} ({BUNDLED_GLOSSARY}: the bundled one)")
    p_export.add_argument("-o", "--output", required=True, type=output_path, metavar="OUT", help="output file (.yaml, .tbx, .csv, .tsv, .xlsx)")
    p_export.add_argument("--format", dest="out_format", metavar="FMT", help=f"output format ({WRITE_FORMATS}); default: from the extension")
    p_export.set_defaults(func=run_export)

    p_validate = action_parser(
        "validate",
        help="check a glossary; print problems as file:line: message (fix); exit 1 if any",
        description="Check a glossary against the schema and consistency rules. Prints each problem as "
        "FILE:LINE: message (fix: ...). Exit 0 when clean, 1 when there are problems, 2 when the file cannot be read.",
    )
    p_validate.add_argument("glossary", type=input_path, metavar=GLOSSARY_METAVAR,
                            help=f"glossary to check: {GLOSSARY_FORMATS} ({BUNDLED_GLOSSARY}: the bundled one)")
    p_validate.add_argument("--format", dest="in_format", metavar="FMT", help=f"input format ({READ_FORMATS}); default: from the extension")
    p_validate.set_defaults(func=run_validate)

    p_show = action_parser(
        "show",
        help="print a glossary as a table (wrapped to the terminal) or as CSV/TSV",
        description="Print a glossary as a table wrapped to the terminal's width (COLUMNS when set; long cells "
        "continue on the next lines, nothing is cut), or as CSV/TSV for a spreadsheet or a script.",
    )
    p_show.add_argument("glossary", type=input_path, metavar=GLOSSARY_METAVAR,
                        help=f"glossary to show: {GLOSSARY_FORMATS} ({BUNDLED_GLOSSARY}: the bundled one)")
    p_show.add_argument("--format", dest="in_format", metavar="FMT", help=f"input format ({READ_FORMATS}); default: from the extension")
    p_show.add_argument(
        "--output-format",
        choices=SHOW_FORMATS,
        default="table",
        help="table: aligned columns for reading (default); csv/tsv: the glossary's own CSV/TSV columns, "
        "one term per row, as `glossary export` writes them and `glossary import` reads them back",
    )
    p_show.set_defaults(func=run_show)


def run_import(args: argparse.Namespace) -> int:
    from termlock.glossary.formats import export_glossary, import_glossary
    from termlock.outputs import refuse_clobbering

    source = glossary_path(args.file)
    refuse_clobbering([(GLOSSARY_METAVAR, source)], [("-o", args.output)])
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
    refuse_clobbering([(GLOSSARY_METAVAR, path)], [("-o", args.output)])
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
    from termlock.glossary.formats import glossary_bytes, import_glossary

    out = out or sys.stdout
    glossary = import_glossary(glossary_path(args.glossary), args.in_format)
    output_format = getattr(args, "output_format", "table")
    # `termlock glossary show g.yaml | head`: the CLI's guarded stdout (termlock.stdout_guard) ends quietly
    if output_format != "table":
        # the glossary's own CSV/TSV (one writer: what `glossary export` writes, what `glossary import` reads)
        out.write(glossary_bytes(glossary, output_format, where="standard output").decode("utf-8"))
        return EXIT_OK
    width = shutil.get_terminal_size().columns  # COLUMNS when set, else the terminal's, else 80
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
    for line in render_table(["id", "source", "target", "variants", "forbidden", "flags", "note"], rows, width):
        print(line, file=out)
    return EXIT_OK


# ------------------------------------------------------------------ table

#: a column is never made narrower than this (or its header, or its widest cell if that is less)
MIN_COLUMN = 6


def column_widths(header: Sequence[str], rows: Sequence[Sequence[str]], max_width: int) -> list[int]:
    """Widths that fit ``max_width`` columns with two spaces between, long columns giving way most.

    A column keeps at least its header (or :data:`MIN_COLUMN`, or its
    widest cell when that is narrower), and its widest unbreakable piece
    where the room allows; the room left is shared in
    proportion to what each column would need to show its longest cell on
    one line, so a long note gets more room than a short id. When even the
    floors do not fit, the table is as narrow as it can be.
    """
    natural = [max([display_width(h)] + [display_width(" ".join(str(row[i]).split())) for row in rows])
               for i, h in enumerate(header)]  # fmt: skip
    budget = max_width - 2 * (len(header) - 1)
    least = [min(width, max(display_width(h), MIN_COLUMN)) for width, h in zip(natural, header)]
    # rather no word broken inside (an id, a Chinese term, a long English word): each column's widest piece,
    # the widest giving way first where those do not all fit
    columns = list(zip(*rows)) if rows else [()] * len(header)
    floor = [min(width, max(low, longest_piece(cells))) for width, low, cells in zip(natural, least, columns)]
    while sum(floor) > budget:
        roomy = [i for i in range(len(floor)) if floor[i] > least[i]]
        if not roomy:
            break
        floor[max(roomy, key=lambda i: floor[i])] -= 1
    spare = budget - sum(floor)
    wanted = sum(natural) - sum(floor)
    if spare <= 0 or wanted <= spare:
        return floor if spare <= 0 else natural
    # each column gets its floor plus a share of the room left, in proportion to what more it would take
    widths = [low + (want - low) * spare // wanted for low, want in zip(floor, natural)]
    for i in sorted(range(len(widths)), key=lambda i: widths[i] - natural[i]):  # hand out what rounding left
        if sum(widths) >= budget:
            break
        widths[i] += 1
    return widths


def longest_piece(cells: Sequence[str]) -> int:
    """Columns of the widest piece :func:`~termlock.textwidth.wrap` would not break (a word, or its part up to a hyphen)."""
    return max((display_width(piece) for cell in cells for piece in wrap_pieces(str(cell))), default=0)


def render_table(header: Sequence[str], rows: Sequence[Sequence[str]], max_width: int) -> list[str]:
    """Aligned columns within ``max_width``; a cell too long for its column wraps onto the row's next lines.

    Nothing is cut: a row takes as many lines as its longest cell needs,
    and when any row takes more than one, a blank line separates the rows.
    """
    widths = column_widths(header, rows, max_width)

    def lines_of(cells: Sequence[str]) -> list[str]:
        wrapped = [wrap(str(cell), width) for cell, width in zip(cells, widths)]
        height = max(len(column) for column in wrapped)
        return [
            "  ".join(pad(column[n] if n < len(column) else "", width) for column, width in zip(wrapped, widths)).rstrip()
            for n in range(height)
        ]

    lines = lines_of(header)
    lines.append("  ".join("-" * width for width in widths))
    body = [lines_of(row) for row in rows]
    wrapped = any(len(row) > 1 for row in body)
    for number, row in enumerate(body):
        if wrapped and number:
            lines.append("")  # where a row of several lines ends, an id that wrapped cannot tell
        lines.extend(row)
    return lines
