"""``termlock check``: terminology QA of a translation against a glossary.

Reads aligned plain-text files (one segment per line), prints a short
summary, writes the JSON/CSV/HTML reports asked for, and turns the term
success rate into an exit code so a pipeline can gate on it. Imports nothing
from translate and no torch/transformers: QA must run on any machine.
"""

from __future__ import annotations

import argparse
import math
import os
import sys

from termlock.errors import TermlockError

EXIT_PASS = 0
EXIT_BELOW_MINIMUM = 1

STDIN = "-"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check",
        help="check a translation against a glossary; JSON/CSV/HTML reports; exit 1 below --min-term-success",
        description="Check every glossary term in the source against the translation: ok, missing or "
        "forbidden per occurrence, inconsistent renderings per term, BLEU/chrF with a reference. "
        "Files are UTF-8, one segment per line, aligned. "
        "Exit 0 when the term success rate is at least --min-term-success, 1 when below, 2 for bad input.",
    )
    parser.add_argument(
        "--glossary", metavar="G.yaml", help="glossary (YAML, or TBX/CSV/TSV/XLSX); default: the bundled glossary"
    )
    # not argparse-required: --bilingual FILE replaces both (check_bilingual.validate_arguments)
    parser.add_argument("--source", metavar="SRC", help="source text, one segment per line")
    parser.add_argument(
        "--target", metavar="HYP", help="translation to check, aligned with SRC; '-' reads stdin"
    )
    parser.add_argument("--reference", metavar="REF", help="reference translation, aligned; adds BLEU and chrF")
    parser.add_argument("--json", metavar="OUT.json", help="write the full report as JSON")
    parser.add_argument("--csv", metavar="OUT.csv", help="write one row per problem as CSV (UTF-8 with BOM)")
    parser.add_argument("--html", metavar="OUT.html", help="write a self-contained HTML report")
    parser.add_argument(
        "--min-term-success",
        metavar="RATE",
        default="0",
        help="exit 1 when the term success rate (ok / occurrences) is below RATE, "
        "a number from 0 to 1 or a percentage such as 95%% (default 0: always pass)",
    )
    from termlock.commands import check_bilingual

    check_bilingual.add_arguments(parser)
    from termlock.scale.cli import add_check_arguments  # --engine ray and its flags

    add_check_arguments(parser)
    parser.set_defaults(func=run)


def parse_rate(text: str) -> float:
    """``0.95`` or ``95%`` -> 0.95; anything outside 0..1 is a usage error."""
    raw = text.strip()
    try:
        value = float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
    except ValueError:
        value = math.nan
    if math.isnan(value) or not 0.0 <= value <= 1.0:
        raise TermlockError(
            f"--min-term-success {text!r} is not a rate",
            fix="give a number from 0 to 1 (e.g. 0.95) or a percentage (e.g. 95%)",
        )
    return value


def read_segments(path: str, option: str) -> list[str]:
    """The lines of a UTF-8 file (or stdin for ``-``), without line ends.

    Only ``\\n`` separates segments (a trailing ``\\r`` is dropped), not the
    other characters ``str.splitlines`` treats as breaks (U+2028, form feed,
    ...), which can occur inside a segment and would shift the alignment. A
    leading byte-order mark is dropped. A final newline does not start an
    extra segment.
    """
    if path == STDIN:
        data = sys.stdin.buffer.read()
        name = "<stdin>"
    else:
        name = path
        if not os.path.exists(path):
            raise TermlockError(f"{option}: no such file", path=path, fix="check the path")
        if os.path.isdir(path):
            raise TermlockError(f"{option}: is a directory, not a file", path=path, fix="give a text file")
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            raise TermlockError(f"{option}: cannot read: {exc.strerror}", path=path, fix="check the permissions") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise TermlockError(
            f"{option}: not UTF-8 (byte 0x{data[exc.start]:02x})",
            path=name,
            line=line,
            fix="save the file as UTF-8 (e.g. iconv -f GB18030 -t UTF-8)",
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text:
        return []
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def _aligned(first: tuple[str, str, list[str]], second: tuple[str, str, list[str]]) -> None:
    (opt_a, path_a, lines_a), (opt_b, path_b, lines_b) = first, second
    if len(lines_a) != len(lines_b):
        name_b = "<stdin>" if path_b == STDIN else path_b
        raise TermlockError(
            f"line counts differ: {opt_a} {path_a} has {len(lines_a)} lines, {opt_b} {name_b} has {len(lines_b)}",
            fix="the files must be aligned, one segment per line",
        )


def load_glossary_for_check(path: str | None):
    """The glossary named by --glossary, or the bundled one."""
    if path is None:
        from termlock.corpora import load_bundled_glossary

        return load_bundled_glossary()
    if not os.path.exists(path):
        raise TermlockError("--glossary: no such file", path=path, fix="check the path, or omit --glossary for the bundled one")
    if path.lower().endswith((".yaml", ".yml")):
        from termlock.glossary import load_glossary

        return load_glossary(path)
    from termlock.glossary.formats import import_glossary  # TBX, CSV/TSV, XLSX

    return import_glossary(path)


def run(args: argparse.Namespace) -> int:
    from termlock.evaluate.report_terminal import render_summary

    from termlock.commands import check_bilingual

    minimum = parse_rate(str(args.min_term_success))
    check_bilingual.validate_arguments(args)
    for option, value in (("--source", args.source), ("--reference", args.reference)):
        if value == STDIN:
            raise TermlockError(f"{option} cannot read stdin", fix="only --target may be '-'; give a file")

    if args.engine == "ray":  # shards on a Ray cluster; the same result as a check here
        from termlock.scale.ray_check import check_from_args

        result = check_from_args(args)
    else:
        result = _check_here(args)

    if args.json:
        from termlock.evaluate.report_json import write_json

        write_json(result, args.json)
    if args.csv:
        from termlock.evaluate.report_csv import write_csv

        write_csv(result, args.csv)
    if args.html:
        from termlock.evaluate.report_html import write_html

        inputs = {
            "source": args.bilingual or args.source,
            "target": args.bilingual or ("<stdin>" if args.target == STDIN else args.target),
            "reference": args.reference,
        }
        write_html(result, args.html, inputs=inputs, min_term_success=minimum)

    out = sys.stdout
    out.write(render_summary(result))
    for label, path in (("JSON", args.json), ("CSV", args.csv), ("HTML", args.html)):
        if path:
            out.write(f"wrote {label} report: {path}\n")
    if args.xliff_notes:
        notes = check_bilingual.write_notes(args, result)
        out.write(f"wrote XLIFF with {notes} termlock note(s): {args.xliff_notes}\n")
    rate = result.summary.term_success_rate
    if rate < minimum:
        out.write(f"FAIL: term success rate {rate:.4f} is below --min-term-success {minimum:.4f}\n")
        return EXIT_BELOW_MINIMUM
    if minimum > 0:
        out.write(f"PASS: term success rate {rate:.4f} is at least --min-term-success {minimum:.4f}\n")
    return EXIT_PASS


def _check_here(args: argparse.Namespace):
    """Read the inputs and check them in this process (``--engine local``)."""
    from termlock.commands import check_bilingual
    from termlock.evaluate import check
    from termlock.scale.cli import refuse_ray_flags_on_local

    refuse_ray_flags_on_local(args, args.source, args.target, args.reference)
    references = segment_ids = None
    if args.bilingual:
        sources, targets, segment_ids = check_bilingual.read_segments(args)
    else:
        sources = read_segments(args.source, "--source")
        targets = read_segments(args.target, "--target")
        _aligned(("--source", args.source, sources), ("--target", args.target, targets))
    if args.reference is not None:
        references = read_segments(args.reference, "--reference")
        _aligned(("--source", args.source, sources), ("--reference", args.reference, references))

    glossary = load_glossary_for_check(args.glossary)
    return check(glossary, sources, targets, references, segment_ids=segment_ids)
