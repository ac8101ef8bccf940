"""``termlock translate``: glossary-locked batch translation of a file.

    termlock translate -i IN -o OUT --glossary G.yaml|bundled [--model M] [--beam 5]
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
from typing import Any, Sequence

from termlock.commands.argtypes import input_path, output_path, positive_int
from termlock.commands.engine_flags import add_translate_arguments, engine_options
from termlock.translate.models.loading import DEFAULT_MODEL  # cheap: no torch at import


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "translate",
        help="translate a file with a Hugging Face model, locking glossary terms",
        description="Translate IN to OUT sentence by sentence with a seq2seq model or a decoder-only LLM, so that every glossary "
        "term found in the source is rendered as the glossary says. Segment files or whole documents (Word .docx, Markdown, "
        "HTML: the same document out, formatting kept), a file or a directory. Resumable: rerun the same command "
        "after a crash or Ctrl-C to continue.",
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
        help="XLIFF/TMX: retranslate units that already have a translation (locked units are never touched)",
    )

    terms = parser.add_argument_group("glossary")
    terms.add_argument(
        "--glossary",
        metavar="G.yaml",
        action="append",
        type=input_path,
        help="glossary to lock (YAML, or TBX/CSV/TSV/XLSX/JSON; 'bundled' names the bundled glossary of Liaoning "
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
    terms.add_argument("--exact", action="store_true", help="no inflection tolerance (plural, possessive) for any term")
    terms.add_argument(
        "--constraints",
        choices=("auto", "always", "off"),
        default="auto",
        help="auto: re-decode with constraints only sentences that miss a term (default); "
        "always: constrain every sentence; off: plain beam search",
    )
    terms.add_argument(
        "--lock-variants",
        action="store_true",
        help="constrained decoding may place a term's variants too (default: the canonical rendering only, "
        "so the document stays consistent)",
    )

    model = parser.add_argument_group("model")
    model.add_argument("--model", default=DEFAULT_MODEL, type=input_path, metavar="M", help=f"hub id or local directory (default {DEFAULT_MODEL})")
    model.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto", help="where to run (default auto)")
    model.add_argument(
        "--dtype",
        choices=("fp32", "fp16", "bf16", "int8"),
        help="weights precision; fp16/bf16 need a GPU; int8 (CPU only) quantizes the Linear layers dynamically, "
        "about 2x faster, approximate: output may differ slightly from fp32, constraints still hold (default fp32)",
    )
    model.add_argument("--src-lang", metavar="CODE", help="source language code for multilingual models (NLLB zho_Hans, M2M100 zh, mBART-50 zh_CN; LLMs: the prompt's, default the glossary's)")
    model.add_argument("--tgt-lang", metavar="CODE", help="target language code for multilingual models (NLLB eng_Latn, M2M100 en, mBART-50 en_XX)")

    decoding = parser.add_argument_group("decoding")
    decoding.add_argument("--beam", type=positive_int, default=5, metavar="K", help="beam width (default 5)")
    decoding.add_argument("--batch-size", type=positive_int, default=16, metavar="N", help="sentences per batch (default 16)")
    decoding.add_argument(
        "--max-length",
        type=positive_int,
        metavar="TOKENS",
        help="longest translation in tokens (default: the model's own; for LLMs: new tokens, default 256)",
    )

    add_llm_arguments(parser)

    job = parser.add_argument_group("resuming")
    job.add_argument(
        "--restart",
        action="store_true",
        help="discard work saved by an interrupted run (OUT.termlock-journal) and start over",
    )

    add_translate_arguments(parser)  # --engine ray and its flags


class _ListTemplates(argparse.Action):
    """``--list-templates``: print the built-in prompt templates and exit (like --version)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(
        self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any, option_string: str | None = None
    ) -> None:
        from termlock.translate.models.prompts import describe_templates

        print("\n".join(describe_templates()))
        print("A template is chosen from the model's name and config; --prompt-template NAME|FILE overrides it.")
        parser.exit(0)


def add_llm_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags for decoder-only LLMs (their own group; they become TranslatorSettings)."""
    llm = parser.add_argument_group("LLMs (decoder-only models)")
    llm.add_argument(
        "--prompt-template",
        type=input_path,
        metavar="NAME|FILE",
        help="prompt template: a built-in name (see --list-templates) or a YAML file "
        "(default: chosen from the model's name and config)",
    )
    llm.add_argument(
        "--term-hints",
        choices=("on", "off"),
        help="list the sentence's glossary terms in the prompt (default: on, except for translation-only "
        "families whose authors document no terminology prompt: Seed-X, ALMA, GemmaX2, Hunyuan-MT)",
    )
    llm.add_argument("--list-templates", action=_ListTemplates, help="list the built-in prompt templates and exit")
    llm.add_argument(
        "--show-prompt",
        action="store_true",
        help="print the exact prompt(s) the model gets for the first segment of IN and exit; reads only the "
        "model's tokenizer and config, never its weights, and writes nothing",
    )


def job_from_args(args: argparse.Namespace):
    """The :class:`TranslateJob` the command line describes."""
    from termlock.jobs import TranslateJob, TranslatorSettings

    settings = TranslatorSettings(
        model=args.model,
        beam=args.beam,
        batch_size=args.batch_size,
        constraints=args.constraints,
        device=args.device,
        dtype=args.dtype,
        max_length=args.max_length,
        lock_variants=args.lock_variants,
        src_lang=args.src_lang,
        tgt_lang=args.tgt_lang,
        prompt_template=args.prompt_template,
        term_hints=None if args.term_hints is None else args.term_hints == "on",
    )
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
        overwrite=args.overwrite,
        restart=args.restart,
        engine=engine_options(args),
        quiet=args.quiet,
    )


def run(args: argparse.Namespace) -> int:
    from termlock.engines import get_engine
    from termlock.jobs.translate_job import outcome_lines

    if args.show_prompt:
        return show_prompt(args)
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
