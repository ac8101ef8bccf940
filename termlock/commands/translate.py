"""``termlock translate``: glossary-locked batch translation of a file.

    termlock translate -i IN -o OUT --glossary GLOSSARY|bundled [--model M] [--beam 5]
                       [--batch-size N] [--constraints auto] [--report OUT.json]

IN/OUT are text (one segment per line, ``-`` for stdin/stdout), JSONL,
TSV, XLIFF, TMX, or whole documents -- Word .docx, Markdown, HTML --
written back with their formatting (by extension, or ``--format``). IN may
be a directory: every file is translated into OUT, the tree mirrored. The
job is resumable: finished batches are saved in ``OUT.termlock-journal``
(a directory: ``OUT/.termlock-shards``) and the same command continues
after a crash or Ctrl-C; OUT appears, complete, only at the end.

Arguments are declared in :func:`add_arguments`, grouped, so later features
add their flags in one place; :func:`job_from_args` turns them into a
:class:`~termlock.jobs.TranslateJob` (the settings that change the output
live in its :class:`~termlock.jobs.TranslatorSettings`), which the chosen
engine runs.
"""

from __future__ import annotations

import argparse
import sys

from termlock.commands.argtypes import input_path, output_path
from termlock.commands.engine_flags import add_translate_arguments, engine_options
from termlock.commands.translator_flags import add_translator_arguments, translator_settings
from termlock.commands.helptext import DOCS_PAGES, GLOSSARY_FORMATS, GLOSSARY_METAVAR, HelpFormatter, epilog


EXAMPLES = (
    "termlock translate -i report.zh -o report.en --glossary bundled",
    "termlock translate -i report.docx -o report.en.docx --glossary terms.yaml --report report.json",
    "termlock translate -i job.xlf -o job.translated.xlf --glossary terms.tbx --model tencent/HY-MT1.5-1.8B",
    "termlock translate -i report.zh --glossary terms.yaml --model Qwen/Qwen2.5-7B-Instruct --show-prompt",
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "translate",
        help="translate a file with a Hugging Face model, locking glossary terms (needs termlock[translate])",
        description="Translate IN to OUT sentence by sentence with a seq2seq model or a decoder-only LLM, so that every glossary "
        "term found in the source is rendered as the glossary says. Segment files or whole documents (Word .docx, Markdown, "
        "HTML: the same document out, formatting kept), a file or a directory. Resumable: rerun the same command "
        "after a crash or Ctrl-C to continue.\n\n"
        "Needs the translate extra: pip install 'termlock[translate]' (torch first, the build you want).",
        epilog=epilog(EXAMPLES, DOCS_PAGES["translate"]),
        formatter_class=HelpFormatter,
    )
    add_arguments(parser)
    parser.set_defaults(func=run)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Every flag of ``termlock translate``, by group."""
    io = parser.add_argument_group("input and output")
    io.add_argument("-i", "--input", required=True, type=input_path, metavar="IN",
                    help="file to translate (- for stdin), or a directory: every file in it (documents, segment files)")
    io.add_argument("-o", "--output", type=output_path, metavar="OUT",
                    help="where to write the translation (- for stdout); a directory for a directory IN (the tree "
                    "mirrored); required unless --show-prompt")
    io.add_argument(
        "--format",
        metavar="FMT",
        help="format of IN and OUT: text, jsonl, tsv, xliff, tmx, docx, markdown, html "
        "(default: from IN's extension; text if unknown)",
    )
    io.add_argument("--report", type=output_path, metavar="OUT.json",
                    help="write a per-segment term report as JSON (for a directory: one report, a table per document)")
    io.add_argument(
        "--tmx",
        type=output_path,
        metavar="OUT.tmx",
        help="also write a TMX of the segments this run translated (source/target pairs, ids as tuid)",
    )
    io.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        help="print nothing but errors: no progress bar, warnings or summary (the exit code tells; --report has the details)",
    )
    io.add_argument(
        "--overwrite",
        action="store_true",
        help="XLIFF/TMX/JSONL: retranslate drafts, machine translation and TM pre-translations "
        "(a person's confirmed, reviewed, approved or signed-off units are kept; locked units are never touched)",
    )
    io.add_argument(
        "--overwrite-confirmed",
        action="store_true",
        help="with --overwrite: also replace a person's confirmed, reviewed, approved and signed-off units by "
        "machine translation (Trados Translated/Approved*, memoQ Confirmed/Proofread, XLIFF translated/final...)",
    )

    terms = parser.add_argument_group("glossary")
    terms.add_argument(
        "--glossary",
        metavar=GLOSSARY_METAVAR,
        action="append",
        type=input_path,
        help=f"glossary to lock ({GLOSSARY_FORMATS}; 'bundled' names the bundled glossary of Liaoning "
        "political terms); required unless --terms; repeat to merge several, the later one winning where two "
        "define the same source",
    )
    terms.add_argument(
        "--terms",
        type=input_path,
        metavar="TERMS.jsonl",
        help="per-segment term lists instead of a glossary, one JSON line per input line/unit (per document for a "
        ".docx/.md/.html or a directory, in the order of their paths; WMT23 "
        '[{"src": ..., "tgt": ...}] or WMT25 {"terms": {source: [targets]}}): each segment is locked to its own terms only',
    )
    llm = add_translator_arguments(parser, terms)
    llm.add_argument(
        "--show-prompt",
        action="store_true",
        help="print the exact prompt(s) the model gets for the first segment of IN and exit; reads only the "
        "model's tokenizer and config, never its weights, and writes nothing",
    )

    job = parser.add_argument_group("resuming")
    job.add_argument(
        "--restart",
        action="store_true",
        help="discard work saved by an interrupted run (OUT.termlock-journal) and start over",
    )

    add_translate_arguments(parser)  # --engine ray and its flags


def job_from_args(args: argparse.Namespace):
    """The :class:`TranslateJob` the command line describes."""
    from termlock.jobs import TranslateJob

    settings = translator_settings(args)
    return TranslateJob(
        input=args.input,
        output=args.output if args.output is not None else "-",
        settings=settings,
        glossaries=tuple(args.glossary or ()),
        terms=args.terms,
        exact=args.exact,
        format=args.format,
        report=args.report,
        tmx=args.tmx,
        overwrite=args.overwrite or args.overwrite_confirmed,
        overwrite_confirmed=args.overwrite_confirmed,
        restart=args.restart,
        engine=engine_options(args),
        quiet=args.quiet,
    )


def run(args: argparse.Namespace) -> int:
    from termlock.engines import get_engine
    from termlock.jobs.translate_job import outcome_lines

    from termlock.extras import require

    if args.show_prompt:
        require("translate", "termlock translate --show-prompt", ("transformers",))  # a tokenizer, no weights
        return show_prompt(args)
    require("translate", "termlock translate")
    if args.output is None:
        from termlock.errors import TermlockError

        raise TermlockError(
            "the following argument is required: -o/--output",
            fix="name the output file (- for stdout), or pass --show-prompt to see the model's prompt only",
        )
    job = job_from_args(args)
    outcome = get_engine(job.engine.name).translate(job)
    for line in outcome_lines(job, outcome):
        print(line, file=job.messages())
    return 0


def show_prompt(args: argparse.Namespace) -> int:
    """``--show-prompt``: the first segment's prompts on stdout (one per sentence), what wraps them on stderr."""
    from termlock.jobs.prompt_preview import preview_prompts

    preview = preview_prompts(job_from_args(args))
    for number, text in enumerate(preview.prompts):
        print(preview.header(number), file=sys.stderr)
        sys.stdout.write(text + "\n")
    return 0
