"""``termlock translate --engine ray``: the local command's job, report and messages, on Ray.

Reads the same arguments as the local engine, builds the worker's
translator factory and the fingerprint from them, runs
:class:`~termlock.scale.ray_translate.ShardedJob` on a Ray pool, and writes
the same ``--report`` and prints the same outcome as the local engine (for
a file input, byte for byte), plus one line on the sharding and the
throughput per worker.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Mapping, Sequence, TextIO

from termlock.errors import TermlockError
from termlock.fileio import write_atomically
from termlock.scale.ray_translate import DEFAULT_SHARD_SIZE, DocumentResult, ShardedResult, TranslatorFactory, translate_sharded


def _where(documents: Sequence[DocumentResult], input_path: str, single: bool) -> list[str]:
    where = []
    line_formats = ("text", "jsonl", "tsv")
    for result in documents:
        shown = input_path if single else str(Path(input_path) / result.document.name)
        for unit in result.store.units:
            if result.document.fmt in line_formats:
                where.append(f"{shown}:{unit.id}")
            else:
                where.append(f"{shown} (unit {unit.id})")
    return where


def sharded_report(args: argparse.Namespace, glossary: Any, documents: Sequence[DocumentResult]) -> dict[str, Any]:
    """The ``--report`` of a directory job: the single-file report, with each segment's shard."""
    from termlock.commands.translate import report_from_rows

    rows = (
        (unit.id, record["report"] if record is not None else None, {"shard": result.document.name})
        for result in documents
        for unit, record in zip(result.store.units, result.records)
    )
    return report_from_rows(args, glossary, rows)


def run_translate_command(args: argparse.Namespace) -> int:
    """``termlock translate --engine ray``: the same job and report as the local engine, on Ray."""
    from termlock.commands.translate import build_report, fingerprint_settings, translator_options
    from termlock.scale.ray_support import ClusterPool, import_ray
    from termlock.translate.translator import load_glossary_arg

    import_ray()  # say how to install it before doing anything else
    if getattr(args, "overwrite", False):
        raise TermlockError("--overwrite is not supported with --engine ray", fix="use --engine local for it")
    glossary = load_glossary_arg(args.glossary)
    settings = fingerprint_settings(args, args.format or "auto", glossary)
    factory = TranslatorFactory(model=args.model, glossary=glossary, **translator_options(args))
    single = not Path(args.input).is_dir()
    report: dict[str, Any] = {}
    where: list[str] = []

    def finalize(documents: list[DocumentResult]) -> None:
        if single:
            report.update(build_report(args, glossary, documents[0].store, documents[0].records))
        else:
            report.update(sharded_report(args, glossary, documents))
        where.extend(_where(documents, args.input, single))
        if args.report:
            write_atomically(args.report, (json.dumps(report, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))

    pool = ClusterPool(args.address, args.num_workers, args.gpus_per_worker or 0.0)
    result = translate_sharded(
        args.input,
        args.output,
        factory,
        pool=pool,
        settings=settings,
        fmt=args.format,
        batch_size=args.batch_size,
        shard_size=args.shard_size or DEFAULT_SHARD_SIZE,
        merge=args.merge,
        restart=args.restart,
        finalize=finalize,
    )
    if result.already_complete:
        if args.report:
            print("note: --report was not rewritten (the job had finished before); pass --restart to redo it", file=sys.stderr)
        return 0
    print_outcome(args, report, where, workers=pool.workers, result=result)
    return 0


def print_outcome(
    args: argparse.Namespace, report: Mapping[str, Any], where: Sequence[str], *, workers: int, result: ShardedResult, stream: TextIO | None = None
) -> None:
    """Warnings and the summary line, as the local engine prints them, plus the sharding."""
    from termlock.commands.translate import print_report_outcome

    stream = stream if stream is not None else sys.stderr
    print_report_outcome(args, report, where, stream)
    line = (
        f"ray: {result.documents} input shards, {result.shards} work shards "
        f"({result.translated_shards} translated now, {result.resumed_shards} resumed) on {workers} workers"
    )
    rate = result.segments_per_worker_second()
    if rate is not None:
        line += (
            f"; {result.translated_segments} segments in {result.worker_seconds:.1f} worker-seconds "
            f"({result.worker_cpu_seconds:.1f} CPU): {rate:.1f} segments/s per worker"
        )
    print(line, file=stream)
