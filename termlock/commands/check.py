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


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check",
        help="check a translation against a glossary; JSON/CSV/HTML reports; exit 1 below --min-term-success",
        description="Check every glossary term in the source against the translation: ok, missing or "
        "forbidden per occurrence, inconsistent renderings per term, BLEU/chrF/chrF++ with a reference, "
        "figures missing from the target. Files are UTF-8, one segment per line, aligned; "
        "--granularity document checks whole documents (.docx, .md, .html, .txt), one pair, two directories "
        "paired by relative path, or the pairs of a --pairs manifest, in one report. "
        "Exit 0 when the term success rate is at least --min-term-success, 1 when below, 2 for bad input.",
    )
    review = add_input_arguments(parser)
    parser.add_argument("--json", type=output_path, metavar="OUT.json", help="write the full report as JSON")
    parser.add_argument("--csv", type=output_path, metavar="OUT.csv", help="write one row per problem as CSV (UTF-8 with BOM)")
    parser.add_argument("--html", type=output_path, metavar="OUT.html", help="write a self-contained HTML report")
    parser.add_argument(
        "--xliff-notes",
        type=output_path,
        metavar="OUT.xlf",
        help="with an XLIFF --bilingual: write a copy with each unit's findings as <note>s for the CAT tool",
    )
    review.add_argument(
        "--write-accepted",
        type=output_path,
        metavar="OUT.yaml",
        help="write every open finding as an accepted-findings entry with an empty reason, for the reviewer to edit",
    )
    add_check_arguments(parser)
    parser.set_defaults(func=run)


def add_input_arguments(parser: argparse.ArgumentParser) -> argparse._ArgumentGroup:
    """The inputs of a check job (``termlock check`` and ``termlock review`` take the same); returns the review group."""
    parser.add_argument(
        "--glossary",
        metavar="G.yaml",
        action="append",
        type=input_path,
        help="glossary (YAML, or TBX/CSV/TSV/XLSX/JSON; 'bundled' names the bundled one); repeat to merge several, "
        "the later one winning where two define the same source (each conflict is listed); default: the bundled glossary",
    )
    # not argparse-required: --bilingual FILE replaces both (CheckJob.validate)
    parser.add_argument("--source", type=input_path, metavar="SRC", help="source text, one segment per line (a "
                        "document or a directory of documents with --granularity document)")
    parser.add_argument(
        "--target", type=input_path, metavar="HYP", help="translation to check, aligned with SRC; '-' reads stdin "
        "(a document or a directory of documents, paired with SRC's by relative path, with --granularity document)"
    )
    parser.add_argument("--reference", type=input_path, metavar="REF", help="reference translation, aligned; adds BLEU and chrF")
    parser.add_argument(
        "--min-term-success",
        metavar="RATE",
        default="0",
        help="exit 1 when the term success rate (ok / occurrences) is below RATE, "
        "a number from 0 to 1 or a percentage such as 95%% (default 0: always pass)",
    )
    parser.add_argument(
        "--bilingual",
        type=input_path,
        metavar="FILE",
        help="check a bilingual XLIFF (.xlf, .xliff, .sdlxliff, .mqxliff) or TMX file instead of "
        "--source/--target; reports name unit ids; untranslated units are skipped",
    )
    review = parser.add_argument_group("review (documents, term lists, accepted findings)")
    review.add_argument(
        "--granularity",
        choices=("segment", "document"),
        help="segment: aligned files, one segment per line (default); document: whole documents "
        "(.docx, .md, .html, .txt) whose paragraphs need not line up, per-term counts over the whole document "
        "(the only choice when the counts differ); --source/--target may then be directories",
    )
    review.add_argument(
        "--pairs",
        type=input_path,
        metavar="PAIRS.tsv",
        help="with --granularity document: check the document pairs this file lists, one per line "
        "(SOURCE<TAB>TARGET[<TAB>terms as one JSON value], paths relative to the file), in one report",
    )
    review.add_argument(
        "--terms",
        type=input_path,
        metavar="TERMS.jsonl",
        help="per-segment term lists instead of a glossary: one JSON line per segment (per document, in pair "
        'order, with --granularity document), WMT23 [{"src": ..., "tgt": ...}] or WMT25 {"terms": {source: [targets]}}',
    )
    review.add_argument(
        "--accept",
        type=input_path,
        metavar="ACCEPTED.yaml",
        help="findings the reviewer accepted (term id + segment or source text, reason, by, date): "
        "shown apart, not counted as problems nor in the exit code; entries matching nothing are listed as stale",
    )
    review.add_argument("--exact", action="store_true", help="no inflection tolerance (plural, possessive) for any term")
    review.add_argument(
        "--no-numbers",
        dest="numbers",
        action="store_false",
        help="do not report figures of the source missing from the target (the numbers category)",
    )
    review.add_argument(
        "--strict-spelling",
        action="store_true",
        help="count spelling findings (an accepted rendering not written in the glossary's spelling: "
        "a hyphen dropped, odd capitals, another dash or apostrophe) against the term success rate and "
        "--min-term-success; by default they are listed as their own category",
    )
    return review


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
