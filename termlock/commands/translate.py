"""``termlock translate``: glossary-locked batch translation of a file.

    termlock translate -i IN -o OUT [--glossary G.yaml] [--model M] [--beam 5]
                       [--batch-size N] [--constraints auto] [--report OUT.json]

IN/OUT are text (one segment per line, ``-`` for stdin/stdout), JSONL or
TSV (by extension, or ``--format``). The job is resumable: finished batches
are saved in ``OUT.termlock-journal`` and the same command continues after a
crash or Ctrl-C; OUT appears, complete, only at the end.

Arguments are declared in :func:`add_arguments`, grouped, so later features
add their flags in one place; the fingerprint of a resumable job lists every
setting that changes the output (:func:`fingerprint_settings`).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import sys
from typing import Any, Iterable, Sequence

from termlock.commands.argtypes import positive_int
from termlock.errors import TermlockError
from termlock.translate.model_loading import DEFAULT_MODEL  # cheap: no torch at import

LINE_FORMATS = ("text", "jsonl", "tsv")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "translate",
        help="translate a file with a Hugging Face model, locking glossary terms",
        description="Translate IN to OUT sentence by sentence with a seq2seq model, so that every glossary "
        "term found in the source is rendered as the glossary says. Resumable: rerun the same command "
        "after a crash or Ctrl-C to continue.",
    )
    add_arguments(parser)
    parser.set_defaults(func=run)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Every flag of ``termlock translate``, by group."""
    io = parser.add_argument_group("input and output")
    io.add_argument("-i", "--input", required=True, metavar="IN", help="file to translate (- for stdin)")
    io.add_argument("-o", "--output", required=True, metavar="OUT", help="where to write the translation (- for stdout)")
    io.add_argument(
        "--format",
        metavar="FMT",
        help="format of IN and OUT: text, jsonl, tsv, xliff, tmx (default: from IN's extension; text if unknown)",
    )
    io.add_argument("--report", metavar="OUT.json", help="write a per-segment term report as JSON")
    io.add_argument(
        "--tmx",
        metavar="OUT.tmx",
        help="also write a TMX of the segments this run translated (source/target pairs, ids as tuid)",
    )
    io.add_argument(
        "--overwrite",
        action="store_true",
        help="XLIFF/TMX: retranslate units that already have a translation (locked units are never touched)",
    )

    terms = parser.add_argument_group("glossary")
    terms.add_argument("--glossary", metavar="G.yaml", help="glossary to lock (default: the bundled glossary)")
    terms.add_argument(
        "--constraints",
        choices=("auto", "always", "off"),
        default="auto",
        help="auto: re-decode with constraints only sentences that miss a term (default); "
        "always: constrain every sentence; off: plain beam search",
    )

    model = parser.add_argument_group("model")
    model.add_argument("--model", default=DEFAULT_MODEL, metavar="M", help=f"hub id or local directory (default {DEFAULT_MODEL})")
    model.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto", help="where to run (default auto)")
    model.add_argument("--dtype", choices=("fp32", "fp16", "bf16"), help="weights precision; fp16/bf16 need a GPU (default fp32)")
    model.add_argument("--src-lang", metavar="CODE", help="source language code for multilingual models (NLLB zho_Hans, M2M100 zh, mBART-50 zh_CN)")
    model.add_argument("--tgt-lang", metavar="CODE", help="target language code for multilingual models (NLLB eng_Latn, M2M100 en, mBART-50 en_XX)")

    decoding = parser.add_argument_group("decoding")
    decoding.add_argument("--beam", type=positive_int, default=5, metavar="K", help="beam width (default 5)")
    decoding.add_argument("--batch-size", type=positive_int, default=16, metavar="N", help="sentences per batch (default 16)")
    decoding.add_argument(
        "--max-length", type=positive_int, metavar="TOKENS", help="longest translation in tokens (default: the model's own)"
    )

    job = parser.add_argument_group("resuming")
    job.add_argument(
        "--restart",
        action="store_true",
        help="discard work saved by an interrupted run (OUT.termlock-journal) and start over",
    )

    from termlock.scale.cli import add_translate_arguments  # --engine ray and its flags

    add_translate_arguments(parser)


def glossary_digest(glossary: Any) -> str:
    """Hash of what a glossary means (terms and languages), not of its file's formatting."""
    terms = [{k: v for k, v in dataclasses.asdict(t).items() if k != "line"} for t in glossary.terms]
    payload = json.dumps(
        {"source_lang": glossary.source_lang, "target_lang": glossary.target_lang, "terms": terms},
        ensure_ascii=False,
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def fingerprint_settings(args: argparse.Namespace, fmt: str, glossary: Any) -> dict[str, Any]:
    """Settings that shape the output; a resumed job must match them all."""
    return {
        "format": fmt,
        "model": args.model,
        "src_lang": args.src_lang,
        "tgt_lang": args.tgt_lang,
        "dtype": args.dtype or "fp32",
        "glossary_sha256": glossary_digest(glossary),
        "beam": args.beam,
        "batch_size": args.batch_size,
        "constraints": args.constraints,
        "max_length": args.max_length,
        "overwrite": bool(getattr(args, "overwrite", False)),
    }


def translator_options(args: argparse.Namespace) -> dict[str, Any]:
    """The :class:`Translator` keyword arguments the command line sets, for either engine."""
    return {
        "beam": args.beam,
        "batch_size": args.batch_size,
        "constraints": args.constraints,
        "device": args.device,
        "dtype": args.dtype,
        "max_length": args.max_length,
        "src_lang": args.src_lang,
        "tgt_lang": args.tgt_lang,
    }


def _load_glossary(path: str | None) -> Any:
    if path is None:
        from termlock.corpora import load_bundled_glossary

        return load_bundled_glossary()
    if path.lower().endswith((".yaml", ".yml")):
        from termlock.glossary import load_glossary

        return load_glossary(path)
    from termlock.glossary.formats import import_glossary  # TBX, CSV/TSV, XLSX, as check does

    return import_glossary(path)


def _check_output_format(fmt: str, output: str) -> None:
    from termlock.documents import known_format_of

    named = known_format_of(output)
    if named is not None and named != fmt:
        raise TermlockError(
            f"OUT's extension means {named}, but the input is read as {fmt} and is written back as {fmt}",
            path=output,
            fix=f"give OUT an extension that fits {fmt} (or none), or pass --format",
        )


def _locations(store: Any, path: str) -> list[str]:
    """How messages name each unit: ``IN:LINE`` for line formats, else the unit id."""
    shown = "<stdin>" if path == "-" else path
    if store.name in LINE_FORMATS:
        return [f"{shown}:{unit.id}" for unit in store.units]
    return [f"{shown} (unit {unit.id})" for unit in store.units]


def build_report(
    args: argparse.Namespace, glossary: Any, store: Any, records: Sequence[dict[str, Any] | None]
) -> dict[str, Any]:
    """The ``--report`` JSON: settings, summary, then one entry per translated segment."""
    rows = ((unit.id, record["report"] if record is not None else None, {}) for unit, record in zip(store.units, records))
    return report_from_rows(args, glossary, rows)


def report_from_rows(
    args: argparse.Namespace, glossary: Any, rows: Iterable[tuple[str | None, dict[str, Any] | None, dict[str, Any]]]
) -> dict[str, Any]:
    """The ``--report`` JSON from ``(unit id, segment report, extra keys)`` per segment, in document order.

    A segment that was not translated (blank, or already translated in a
    bilingual file) has no report: it keeps its index but gets no entry.
    The extra keys (the Ray engine's shard name) go before the unit id.
    """
    from termlock.translate.translator import summarize

    reports: list[dict[str, Any] | None] = []
    segments = []
    for unit_id, report, extra in rows:
        if report is not None:
            segments.append({"index": len(reports), **extra, "id": unit_id, **report})
        reports.append(report)
    return {
        "input": args.input,
        "output": args.output,
        "model": args.model,
        "glossary": {"name": glossary.name, "terms": len(glossary)},
        "constraints": args.constraints,
        "beam": args.beam,
        "summary": summarize(reports, args.constraints),
        "segments": segments,
    }


def run(args: argparse.Namespace) -> int:
    from termlock.scale.cli import refuse_ray_flags_on_local

    if args.engine == "ray":
        from termlock.scale.translate_command import run_translate_command

        return run_translate_command(args)
    refuse_ray_flags_on_local(args, args.input)
    from termlock.documents import detect_format, read_input, read_store, write_atomically
    from termlock.translate.runner import BatchJob, job_fingerprint

    glossary = _load_glossary(args.glossary)
    fmt = detect_format(args.input, args.format)
    _check_output_format(fmt, args.output)
    data = read_input(args.input)
    store = read_store(args.input, fmt, data=data)
    if getattr(args, "overwrite", False):
        _allow_overwrite(store, args.input)
    fingerprint = job_fingerprint(data, **fingerprint_settings(args, fmt, glossary))
    job = BatchJob(store, args.output, fingerprint, chunk_size=args.batch_size, restart=args.restart)

    def translate_batch(sources: list[str]) -> list[Any]:
        return translator.translate_segments(sources)

    translator = None
    if job.pending:
        from termlock.translate.translator import Translator

        translator = Translator(args.model, glossary, **translator_options(args))

    report: dict[str, Any] = {}

    def finalize(records: list[dict[str, Any] | None]) -> None:
        report.update(build_report(args, glossary, store, records))
        if args.report:
            data = json.dumps(report, ensure_ascii=False, indent=2) + "\n"
            write_atomically(args.report, data.encode("utf-8"))
        if getattr(args, "tmx", None):
            _write_translated_tmx(args.tmx, store, records, glossary)

    job.run(translate_batch, finalize=finalize)
    _print_outcome(args, store, report)
    return 0


def _allow_overwrite(store: Any, path: str) -> None:
    """--overwrite: make already translated units translatable (bilingual formats only)."""
    allow = getattr(store, "allow_overwrite", None)
    if allow is None:
        raise TermlockError(
            f"--overwrite applies to bilingual input (XLIFF, TMX), not {store.name}",
            path=path,
            fix="drop --overwrite: every segment of this file is translated anyway",
        )
    allow()


def _write_translated_tmx(path: str, store: Any, records: Sequence[dict[str, Any] | None], glossary: Any) -> None:
    """--tmx: the pairs this job translated, languages from the file or the glossary."""
    from termlock.documents.tmx import write_tmx

    units = [unit for unit, record in zip(store.units, records) if record is not None]
    write_tmx(
        path,
        units,
        source_lang=getattr(store, "source_lang", None) or glossary.source_lang,
        target_lang=getattr(store, "target_lang", None) or glossary.target_lang,
    )


def _print_outcome(args: argparse.Namespace, store: Any, report: dict[str, Any], stream: Any = None) -> None:
    print_report_outcome(args, report, _locations(store, args.input), stream)


def print_report_outcome(args: argparse.Namespace, report: Any, where: Any, stream: Any = None) -> None:
    """Per-segment warnings and the one-line summary; shared by the local and Ray engines."""
    stream = stream if stream is not None else sys.stderr
    summary = report["summary"]
    for segment in report["segments"]:
        for warning in segment.get("warnings", ()):
            print(f"{where[segment['index']]}: warning: {warning}", file=stream)
    for item in summary["impossible"]:
        print(
            f"{where[item['index']]}: warning: could not satisfy term(s) {', '.join(item['terms'])} "
            "even with constrained decoding",
            file=stream,
        )
    line = (
        f"translated {summary['translated']} segments ({summary['sentences']} sentences) with {args.model}; "
        f"terms: {summary['required_terms']} required, {summary['satisfied_first_pass']} by the first pass, "
        f"{summary['redecoded']} by constrained decoding, {summary['unsatisfied']} unsatisfied"
    )
    if args.constraints == "auto":
        line += f"; {summary['redecoded_sentences']} sentences re-decoded"
    if args.constraints != "off":
        line += f"; {len(summary['impossible'])} segments impossible"
    print(line, file=stream)
