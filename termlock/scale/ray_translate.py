"""Sharded, resumable batch translation on a pool of workers (Ray Data actors).

``translate_sharded`` plans the job on the driver (see :mod:`shards`): each
input document gets the single-machine batch plan, cut into work shards.
Pending work shards go to the pool; each worker loads the model and the
glossary once and translates a shard batch by batch exactly as the local
runner would. Results come back in any order, keyed by work shard and unit
index: the driver saves each finished shard atomically, writes a document's
output when its last shard is in, and finally either leaves a directory of
output shards with ``manifest.json`` or one merged file.

Nothing is lost or duplicated: a unit belongs to exactly one shard, a
shard's result is accepted once (a retried worker's second answer is
dropped) and only when it covers exactly the shard's units, and the job
fails rather than writes an output while a shard is missing. A rerun after a
crash of a worker or of the driver redoes only shards without a saved file.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence, TextIO

from termlock.errors import TermlockError
from termlock.fileio import write_atomically
from termlock.scale.shards import (
    AtomicStreamWriter,
    Document,
    JobState,
    OutputPlan,
    WorkShard,
    discover_inputs,
    fill_targets,
    job_fingerprint,
    load_store,
    merge_bytes,
    output_path_for,
    payload_of,
    plan_output,
    plan_work,
    sha256_hex,
)

#: translates source texts; results have ``.target`` and ``.to_dict()`` (as in the local runner)
TranslateBatch = Callable[[list[str]], Sequence[Any]]
#: a pool: runs ``factory()(payload)`` per work item, yields ``(key, result)`` in any order
Pool = Callable[[Iterable[tuple[str, Any]], Callable[[], Callable[[Any], Any]]], Iterator[tuple[str, Any]]]

DEFAULT_SHARD_SIZE = 1000


@dataclass(frozen=True)
class TranslatorFactory:
    """Builds a :class:`Translator` on a worker; pickled to every worker, so keep it small.

    The glossary travels as parsed records (not a path the worker may not
    have); the model is a hub id or a directory that must exist on every
    worker (or be in its Hugging Face cache).
    """

    model: str
    glossary: Any
    beam: int = 5
    batch_size: int = 16
    constraints: str = "auto"
    device: str = "auto"
    dtype: str | None = None
    max_length: int | None = None
    src_lang: str | None = None
    tgt_lang: str | None = None

    def __call__(self) -> TranslateBatch:
        from termlock.translate.translator import Translator

        translator = Translator(
            self.model,
            self.glossary,
            beam=self.beam,
            batch_size=self.batch_size,
            constraints=self.constraints,
            device=self.device,
            dtype=self.dtype,
            max_length=self.max_length,
            src_lang=self.src_lang,
            tgt_lang=self.tgt_lang,
        )
        return translator.translate_segments


@dataclass
class ShardWorker:
    """Translates one work shard, batch by batch, into the records the local runner saves."""

    translate: TranslateBatch

    def __call__(self, payload: list[tuple[list[int], list[str]]]) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        for indices, sources in payload:
            results = list(self.translate(list(sources)))
            if len(results) != len(sources):
                raise RuntimeError(f"translate returned {len(results)} results for {len(sources)} segments")
            records += [
                {"index": int(i), "target": result.target, "report": result.to_dict()}
                for i, result in zip(indices, results)
            ]
        return records


@dataclass(frozen=True)
class ShardWorkerFactory:
    """What the pool runs once per worker: build the translate function (load the model)."""

    make_translate: Callable[[], TranslateBatch]

    def __call__(self) -> ShardWorker:
        return ShardWorker(self.make_translate())


@dataclass
class DocumentResult:
    """A finished document: its store with targets filled in, and records by unit index."""

    document: Document
    store: Any
    records: list[dict[str, Any] | None]


@dataclass
class ShardedResult:
    """What a sharded job did."""

    documents: int
    shards: int
    resumed_shards: int
    translated_shards: int
    duplicates: int
    segments: int
    translatable: int
    already_complete: bool = False
    outputs: list[dict[str, Any]] = field(default_factory=list)


def _progress_bar(enabled: bool | None, stderr: TextIO, total: int, initial: int) -> Any:
    if enabled is None:
        enabled = bool(getattr(stderr, "isatty", lambda: False)())
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, unit="seg", desc="translating", file=stderr, dynamic_ncols=True)


def _check_merge_target(output: OutputPlan, documents: Sequence[Document], input_is_dir: bool) -> None:
    from termlock.translate.formats import known_format_of

    formats = sorted({d.fmt for d in documents})
    if len(formats) > 1:
        raise TermlockError(
            f"cannot merge shards of different formats ({', '.join(formats)}) into one file",
            path=str(output.target),
            fix="drop --merge to write one output per shard, or give shards of one format",
        )
    named = known_format_of(str(output.target))
    if output.target.suffix.lower() in (".parquet", ".pq"):
        named = "parquet"
    if formats and named is not None and named != formats[0]:
        raise TermlockError(
            f"OUT's extension means {named}, but the input is read as {formats[0]} and is written back as {formats[0]}",
            path=str(output.target),
            fix=f"give OUT an extension that fits {formats[0]} (or none), or pass --format",
        )


def translate_sharded(
    input_path: str,
    output_path: str,
    make_translate: Callable[[], TranslateBatch],
    *,
    pool: Pool,
    settings: Mapping[str, Any],
    fmt: str | None = None,
    batch_size: int = 16,
    shard_size: int = DEFAULT_SHARD_SIZE,
    merge: bool = False,
    restart: bool = False,
    finalize: Callable[[list[DocumentResult]], None] | None = None,
    on_shard: Callable[[str], None] | None = None,
    progress: bool | None = None,
    stderr: TextIO | None = None,
) -> ShardedResult:
    """Translate a file or a directory of shards on ``pool``, resumably.

    ``make_translate`` is called once per worker to build the translate
    function (see :class:`TranslatorFactory`); ``settings`` are what shape
    the output (model, glossary hash, beam, ...) and go into the job's
    fingerprint. ``finalize(documents)`` runs after the outputs are written
    and before the saved shards are removed (a crash in it can be resumed).
    ``on_shard(key)`` is called after each work shard is saved.
    """
    stderr = stderr if stderr is not None else sys.stderr
    if batch_size < 1 or shard_size < 1:
        raise TermlockError("batch size and shard size must be at least 1", fix="pass --batch-size/--shard-size 1 or more")
    input_is_dir = Path(input_path).is_dir()
    output = plan_output(input_path, output_path, input_is_dir=input_is_dir, merge=merge)
    inputs = discover_inputs(input_path, fmt)

    documents: list[Document] = []
    plans: list[list[WorkShard]] = []
    for index, source in enumerate(inputs):
        store, sha = load_store(source)
        documents.append(Document(index, source, sha, len(store.units), sum(1 for u in store.units if u.translatable)))
        plans.append(plan_work(index, store, batch_size, shard_size))
        del store
    if output.merged:
        _check_merge_target(output, documents, input_is_dir)
    shard_names = {output_path_for(output.target, d.name) for d in documents} if not output.merged else set()
    if not output.merged and output.manifest in shard_names:
        raise TermlockError("an input shard is called manifest.json", path=input_path, fix="rename that shard")

    fingerprint = job_fingerprint(
        documents,
        {**settings, "batch_size": batch_size, "shard_size": shard_size, "layout": "merged" if output.merged else "shards"},
    )
    if restart and not output.merged:
        _remove_listed_outputs(output)
    state = JobState.open(output.state_dir, output.manifest, fingerprint, restart=restart)
    all_shards = [shard for plan in plans for shard in plan]
    totals = dict(
        documents=len(documents),
        shards=len(all_shards),
        segments=sum(d.units for d in documents),
        translatable=sum(d.translatable for d in documents),
    )

    saved = state.read_manifest()
    if saved is not None and saved.get("complete") and not output.merged:
        outputs = _verify_complete(output, saved)
        state.clear()
        print(
            f"nothing to do: all {len(documents)} shards are already translated ({output.manifest}); "
            "pass --restart to translate them again",
            file=stderr,
        )
        return ShardedResult(resumed_shards=len(all_shards), translated_shards=0, duplicates=0, already_complete=True, outputs=outputs, **totals)

    pending: dict[str, WorkShard] = {}
    remaining = [0] * len(documents)
    resumed_units = 0
    for shard in all_shards:
        if state.load(shard) is None:
            pending[shard.key] = shard
            remaining[shard.document] += 1
        else:
            resumed_units += shard.size
    resumed = len(all_shards) - len(pending)
    if resumed:
        print(
            f"resuming: {resumed} of {len(all_shards)} work shards ({resumed_units} of {totals['translatable']} segments) "
            f"already translated (saved in {state.directory})",
            file=stderr,
        )
    state.write_manifest(documents, complete=False)

    written: dict[int, dict[str, Any]] = {}

    def write_document(doc: Document) -> None:
        if not output.merged and doc.index not in written:
            store = doc.load()
            fill_targets(store, _saved_records(state, plans[doc.index]))
            written[doc.index] = _write_shard_output(output, doc, store.serialize())

    for doc in documents:
        if remaining[doc.index] == 0:
            write_document(doc)

    items = _work_items(documents, plans, pending)
    bar = _progress_bar(progress, stderr, totals["translatable"], resumed_units)
    duplicates = translated = 0
    results_in = pool(items, ShardWorkerFactory(make_translate))
    try:
        for key, records in results_in:
            shard = pending.pop(key, None)
            if shard is None:
                duplicates += 1  # a retried worker answered twice: the first answer stands
                continue
            state.save(shard, records)
            translated += 1
            if bar is not None:
                bar.update(shard.size)
            if on_shard is not None:
                on_shard(key)
            remaining[shard.document] -= 1
            if remaining[shard.document] == 0:
                write_document(documents[shard.document])
        if pending:
            raise TermlockError(
                f"{len(pending)} work shards did not come back from the workers (first: {min(pending)})",
                path=str(state.directory),
                fix="run the same command again to translate the missing shards",
            )
    except BaseException:
        close = getattr(results_in, "close", None)
        if close is not None:
            close()  # stop the workers now, not when the generator is collected
        if bar is not None:
            bar.close()
        done = len(all_shards) - len(pending)
        print(
            f"stopped: {done} of {len(all_shards)} work shards are saved in {state.directory}; "
            "run the same command again to continue",
            file=stderr,
        )
        raise
    if bar is not None:
        bar.close()

    results: list[DocumentResult] = []
    if output.merged:
        results = _write_merged(output, documents, plans, state, keep=finalize is not None)
    else:
        for doc in documents:
            write_document(doc)
        if finalize is not None:
            for doc in documents:
                store = doc.load()
                results.append(DocumentResult(doc, store, fill_targets(store, _saved_records(state, plans[doc.index]))))
    if finalize is not None:
        finalize(results)
    outputs = [written[d.index] for d in documents] if not output.merged else []
    if output.merged:
        state.clear()
    else:
        state.write_manifest(documents, complete=True, outputs=written)
        state.clear()
    return ShardedResult(
        resumed_shards=resumed,
        translated_shards=translated,
        duplicates=duplicates,
        outputs=outputs,
        **totals,
    )


def _work_items(documents: Sequence[Document], plans: Sequence[Sequence[WorkShard]], pending: Mapping[str, WorkShard]) -> Iterator[tuple[str, Any]]:
    """The payload of every pending shard, reading each document once."""
    for doc in documents:
        todo = [shard for shard in plans[doc.index] if shard.key in pending]
        if not todo:
            continue
        store = doc.load()
        for shard in todo:
            yield shard.key, payload_of(shard, store)


def _saved_records(state: JobState, shards: Iterable[WorkShard]) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for shard in shards:
        saved = state.load(shard)
        if saved is None:
            raise TermlockError(
                f"the saved work shard {shard.key} is missing or damaged",
                path=str(state.shard_path(shard.key)),
                fix="run the same command again to translate it again",
            )
        records += saved
    return records


def _write_shard_output(output: OutputPlan, doc: Document, data: bytes) -> dict[str, Any]:
    path = output_path_for(output.target, doc.name)
    write_atomically(path, data)
    return {"output": doc.name, "sha256": sha256_hex(data), "bytes": len(data)}


def _write_merged(
    output: OutputPlan, documents: Sequence[Document], plans: Sequence[Sequence[WorkShard]], state: JobState, *, keep: bool
) -> list[DocumentResult]:
    """Write every document, in order, into the one output file (atomically)."""
    results: list[DocumentResult] = []
    parquet = bool(documents) and documents[0].fmt == "parquet"
    parts: list[tuple[str, bytes]] = []
    writer = None if parquet else AtomicStreamWriter(output.target)
    last = b""
    try:
        for doc in documents:
            store = doc.load()
            records = fill_targets(store, _saved_records(state, plans[doc.index]))
            data = store.serialize()
            if parquet:
                parts.append((doc.fmt, data))
            else:
                if last and not last.endswith(b"\n"):
                    writer.write(b"\n")
                writer.write(data)
                last = data[-1:] if data else last
            if keep:
                results.append(DocumentResult(doc, store, records))
        if parquet:
            write_atomically(output.target, merge_bytes(parts) if len(parts) > 1 else parts[0][1])
        else:
            writer.commit()
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    return results


def _remove_listed_outputs(output: OutputPlan) -> None:
    """On --restart, delete the output shards an earlier run listed (and nothing else)."""
    try:
        saved = json.loads(output.manifest.read_bytes().decode("utf-8"))
        names = [entry["output"] for entry in saved.get("shards", ()) if "output" in entry]
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return
    for name in names:
        try:
            output_path_for(output.target, name).unlink()
        except (FileNotFoundError, TermlockError):
            pass


def _verify_complete(output: OutputPlan, saved: Mapping[str, Any]) -> list[dict[str, Any]]:
    outputs = []
    for entry in saved.get("shards", ()):
        path = output_path_for(output.target, entry["output"])
        try:
            ok = sha256_hex(path.read_bytes()) == entry.get("sha256")
        except OSError:
            ok = False
        if not ok:
            raise TermlockError(
                f"output shard {entry['output']} was changed or deleted after the job finished",
                path=str(path),
                fix="pass --restart to translate every shard again",
            )
        outputs.append({k: entry[k] for k in ("output", "sha256", "bytes") if k in entry})
    return outputs


# ------------------------------------------------------------- the command


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
    from termlock.translate.translator import summarize

    reports: list[dict[str, Any] | None] = []
    segments = []
    for result in documents:
        for unit, record in zip(result.store.units, result.records):
            report = record["report"] if record is not None else None
            if report is not None:
                segments.append({"index": len(reports), "shard": result.document.name, "id": unit.id, **report})
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


def run_translate_command(args: argparse.Namespace) -> int:
    """``termlock translate --engine ray``: the same job and report as the local engine, on Ray."""
    from termlock.commands.translate import build_report, fingerprint_settings
    from termlock.scale.ray_support import ClusterPool, import_ray
    from termlock.translate.translator import load_glossary_arg

    import_ray()  # say how to install it before doing anything else
    if getattr(args, "overwrite", False):
        raise TermlockError("--overwrite is not supported with --engine ray", fix="use --engine local for it")
    glossary = load_glossary_arg(args.glossary)
    settings = fingerprint_settings(args, args.format or "auto", glossary)
    factory = TranslatorFactory(
        model=args.model,
        glossary=glossary,
        beam=args.beam,
        batch_size=args.batch_size,
        constraints=args.constraints,
        device=args.device,
        dtype=args.dtype,
        max_length=args.max_length,
        src_lang=args.src_lang,
        tgt_lang=args.tgt_lang,
    )
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
    print(
        f"ray: {result.documents} input shards, {result.shards} work shards "
        f"({result.translated_shards} translated now, {result.resumed_shards} resumed) on {workers} workers",
        file=stream,
    )
