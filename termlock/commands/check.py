"""``termlock check``: terminology QA of a translation against a glossary.

Parses the flags into a :class:`~termlock.jobs.CheckJob`, runs it on the
chosen engine, writes the reports and prints the summary; the term success
rate becomes the exit code so a pipeline can gate on it. Imports nothing
from translate and no torch/transformers: QA must run on any machine.
"""

from __future__ import annotations

import argparse
import sys
from fractions import Fraction

from termlock.commands.argtypes import input_path, output_path
from termlock.commands.engine_flags import add_check_arguments, engine_options
from termlock.commands.helptext import DOCS_PAGES, GLOSSARY_FORMATS, GLOSSARY_METAVAR, HelpFormatter, epilog


EXAMPLES = (
    "termlock check --glossary bundled --source report.zh --target report.en --html report.html",
    "termlock check --glossary terms.tbx --source report.zh --target report.en --json report.json "
    "--csv problems.csv --min-term-success 0.95",
    "termlock check --glossary terms.yaml --bilingual job.sdlxliff --xliff-notes reviewed.sdlxliff",
    "termlock check --glossary terms.yaml --granularity document --source report.docx --target report.en.docx "
    "--html report.html",
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check",
        help="check a translation against a glossary; JSON/CSV/HTML reports; exit 1 below --min-term-success",
        description="Check every glossary term in the source against the translation: ok, missing or "
        "forbidden per occurrence, inconsistent renderings per term, BLEU/chrF/chrF++ with a reference, "
        "figures missing from the target. Files are UTF-8, one segment per line, aligned; "
        "--granularity document checks whole documents (.docx, .md, .html, .txt), one pair, two directories "
        "paired by relative path, or the pairs of a --pairs manifest, in one report.\n\n"
        "Exit 0 when the term success rate is at least --min-term-success, 1 when below, 2 for bad input.",
        epilog=epilog(EXAMPLES, DOCS_PAGES["check"]),
        formatter_class=HelpFormatter,
    )
    add_input_arguments(parser)
    reports = parser.add_argument_group("reports ('-' writes one to standard output; the summary then goes to stderr)")
    reports.add_argument("--json", type=output_path, metavar="OUT.json", help="write the full report as JSON")
    reports.add_argument("--csv", type=output_path, metavar="OUT.csv", help="write one row per problem as CSV (UTF-8 with BOM)")
    reports.add_argument("--html", type=output_path, metavar="OUT.html", help="write a self-contained HTML report")
    reports.add_argument(
        "--xliff-notes",
        type=output_path,
        metavar="OUT.xlf",
        help="with an XLIFF --bilingual: write a copy with each unit's findings as <note>s for the CAT tool",
    )
    reports.add_argument(
        "--write-accepted",
        type=output_path,
        metavar="OUT.yaml",
        help="write every open finding as an accepted-findings entry with an empty reason, for the reviewer to edit",
    )
    add_check_arguments(parser)
    parser.set_defaults(func=run)


def add_input_arguments(parser: argparse.ArgumentParser) -> dict[str, argparse._ArgumentGroup]:
    """The inputs of a check job (``termlock check`` and ``termlock review`` take the same), in groups.

    Returns the groups by name (``inputs``, ``gate``, ``matching``) so a
    command adds its own flags where they belong.
    """
    inputs = parser.add_argument_group("inputs")
    inputs.add_argument(
        "--glossary",
        metavar=GLOSSARY_METAVAR,
        action="append",
        type=input_path,
        help=f"glossary ({GLOSSARY_FORMATS}; 'bundled' names the bundled one); repeat to merge several, "
        "the later one winning where two define the same source (each conflict is listed); default: the bundled glossary",
    )
    # not argparse-required: --bilingual FILE replaces both (CheckJob.validate)
    inputs.add_argument("--source", type=input_path, metavar="SRC", help="source text, one segment per line (a "
                        "document or a directory of documents with --granularity document)")
    inputs.add_argument(
        "--target", type=input_path, metavar="HYP", help="translation to check, aligned with SRC; '-' reads stdin "
        "(a document or a directory of documents, paired with SRC's by relative path, with --granularity document)"
    )
    inputs.add_argument("--reference", type=input_path, metavar="REF", help="reference translation, aligned; adds BLEU and chrF")
    inputs.add_argument(
        "--bilingual",
        type=input_path,
        metavar="FILE",
        help="check a bilingual XLIFF (.xlf, .xliff, .sdlxliff, .mqxliff) or TMX file instead of "
        "--source/--target; reports name unit ids; untranslated units are skipped",
    )
    inputs.add_argument(
        "--granularity",
        choices=("segment", "document"),
        help="segment: aligned files, one segment per line (default); document: whole documents "
        "(.docx, .md, .html, .txt) whose paragraphs need not line up, per-term counts over the whole document "
        "(the only choice when the counts differ); --source/--target may then be directories",
    )
    inputs.add_argument(
        "--pairs",
        type=input_path,
        metavar="PAIRS.tsv",
        help="with --granularity document: check the document pairs this file lists, one per line "
        "(SOURCE<TAB>TARGET[<TAB>terms as one JSON value], paths relative to the file), in one report",
    )
    inputs.add_argument(
        "--terms",
        type=input_path,
        metavar="TERMS.jsonl",
        help="per-segment term lists instead of a glossary: one JSON line per segment (per document, in pair "
        'order, with --granularity document), WMT23 [{"src": ..., "tgt": ...}] or WMT25 {"terms": {source: [targets]}}',
    )
    gate = parser.add_argument_group("gate (exit 0 pass, 1 below the minimum, 2 bad input)")
    gate.add_argument(
        "--min-term-success",
        metavar="RATE",
        default="0",
        help="exit 1 when the term success rate (ok / occurrences) is below RATE, "
        "a number from 0 to 1 or a percentage such as 95%% (default 0: always pass); decided on exact counts",
    )
    gate.add_argument(
        "--accept",
        type=input_path,
        metavar="ACCEPTED.yaml",
        help="findings the reviewer accepted (term id + segment or source text, reason, by, date): "
        "shown apart, not counted as problems nor in the exit code; entries matching nothing are listed as stale",
    )
    matching = parser.add_argument_group("matching")
    matching.add_argument("--exact", action="store_true", help="no inflection tolerance (plural, possessive) for any term")
    matching.add_argument(
        "--no-numbers",
        dest="numbers",
        action="store_false",
        help="do not report figures of the source missing from the target (the numbers category)",
    )
    gate.add_argument(
        "--strict-spelling",
        action="store_true",
        help="count spelling findings (an accepted rendering not written in the glossary's spelling: "
        "a hyphen dropped, odd capitals, another dash or apostrophe) against the term success rate and "
        "--min-term-success; by default they are listed as their own category",
    )
    return {"inputs": inputs, "gate": gate, "matching": matching}


def parse_rate(text: str) -> Fraction:
    """``0.95`` or ``95%`` -> exactly 19/20 (the gate compares counts, never a rounded float)."""
    from termlock.evaluate.gate import parse_minimum

    return parse_minimum(text)


def job_from_args(args: argparse.Namespace):
    """The :class:`CheckJob` the command line describes."""
    from termlock.jobs import CheckJob, CheckOutputs

    return CheckJob(
        **input_fields(args),
        outputs=CheckOutputs(
            json=args.json, csv=args.csv, html=args.html, xliff_notes=args.xliff_notes, write_accepted=args.write_accepted
        ),
        engine=engine_options(args),
        keep_segments=False,  # the reports stream; nothing here reads the segments afterwards
    )


def input_fields(args: argparse.Namespace) -> dict:
    """The :class:`CheckJob` fields :func:`add_input_arguments` reads."""
    return dict(
        source=args.source,
        target=args.target,
        reference=args.reference,
        bilingual=args.bilingual,
        glossaries=tuple(args.glossary or ()),
        min_term_success=parse_rate(str(args.min_term_success)),
        granularity=args.granularity,
        terms=args.terms,
        accept=args.accept,
        exact=args.exact,
        numbers=args.numbers,
        strict_spelling=args.strict_spelling,
        pairs=args.pairs,
    )


def run(args: argparse.Namespace) -> int:
    from termlock.engines import get_engine
    from termlock.fileio import goes_to_stdout
    from termlock.jobs.check_job import finish_check

    job = job_from_args(args)
    job.validate()
    result = get_engine(job.engine.name).check(job)
    outcome = finish_check(job, result)
    for warning in outcome.warnings:
        print(f"termlock check: warning: {warning}", file=sys.stderr)
    # a report written to standard output (--json -) is what a pipe reads: the summary goes to stderr
    summary = sys.stderr if any(goes_to_stdout(path) for path in job.outputs.paths()) else sys.stdout
    summary.write("".join(line + "\n" for line in outcome.lines))
    return outcome.exit_code
