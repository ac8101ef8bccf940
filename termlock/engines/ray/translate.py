"""Sharded, resumable batch translation on a pool of workers (Ray Data actors).

``translate_sharded`` plans the job on the driver (see
:mod:`termlock.engines.ray.shards`): each input document gets the
single-machine batch plan, cut into work shards.
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
What it says when it resumes or stops, and its refusal of changed settings,
are the resume core's (:mod:`termlock.translate.batch.resume`), as for the
local engine; every output is written by :mod:`termlock.fileio`.
"""

from __future__ import annotations

import json
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence, TextIO

from termlock.errors import TermlockError
from termlock.fileio import AtomicOutput, write_atomically
from termlock.jobs.term_inputs import unit_judges
from termlock.jobs.translate_job import TranslatorSettings
from termlock.wording import counted
from termlock.engines.ray.shards import (
    Document,
    SavedShards,
    OutputPlan,
    WorkShard,
    discover_documents,
    fill_targets,
    job_fingerprint,
    load_store,
    merge_bytes,
    output_path_for,
    payload_of,
    plan_output,
    plan_work,
)
from termlock.translate.batch.resume import SavedWork, progress_bar, sha256_hex

#: translates source texts; results have ``.target`` and ``.to_dict()`` (as in the local runner)
TranslateBatch = Callable[[list[str]], Sequence[Any]]
#: a pool: runs ``factory()(payload)`` per work item, yields ``(key, result)`` in any order
Pool = Callable[[Iterable[tuple[str, Any]], Callable[[], Callable[[Any], Any]]], Iterator[tuple[str, Any]]]

DEFAULT_SHARD_SIZE = 1000
#: formats whose files can be merged by concatenation (Parquet: by concatenating tables)
MERGEABLE = ("text", "jsonl", "tsv", "parquet")


@dataclass(frozen=True)
class TranslatorFactory:
    """Builds a :class:`Translator` on a worker; pickled to every worker, so keep it small.

    The glossary travels as parsed records (not a path the worker may not
    have); the model is a hub id or a directory that must exist on every
    worker (or be in its Hugging Face cache).
    """

    settings: TranslatorSettings
    glossary: Any

    def __call__(self) -> "WorkerTranslator":
        from termlock.translate.translator import Translator

        return WorkerTranslator(Translator(self.settings.model, self.glossary, **self.settings.translator_options()))


@dataclass
class WorkerTranslator:
    """A worker's translator as a shard worker calls it, and what it decodes with (for the job's report)."""

    translator: Any

    def __call__(self, sources: list[str], glossaries: Sequence[Any] | None = None) -> Sequence[Any]:
        return self.translator.translate_segments(sources, glossaries)

    def run_settings(self) -> dict[str, Any]:
        return self.translator.run_settings()


@dataclass
class ShardWorker:
    """Translates one work shard, batch by batch, into the records the local runner saves.

    The answer also says how long the worker took (wall clock and CPU) and
    where it ran, so a job reports its throughput per worker and a slow node
    can be told from a slow shard, and what its translator decodes with
    (``run_settings``: the report records it as the local engine does).
    """

    translate: TranslateBatch

    def __call__(self, payload: list[tuple]) -> dict[str, Any]:
        wall, cpu = time.perf_counter(), time.process_time()
        records: list[dict[str, Any]] = []
        for indices, sources, *own in payload:
            if own:  # the document's own glossary (--terms, one term list per document)
                results = list(self.translate(list(sources), [own[0]] * len(sources)))
            else:
                results = list(self.translate(list(sources)))
            if len(results) != len(sources):
                raise RuntimeError(f"translate returned {len(results)} results for {len(sources)} segments")
            records += [
                {"index": int(i), "target": result.target, "report": result.to_dict()}
                for i, result in zip(indices, results)
            ]
        run_settings = getattr(self.translate, "run_settings", None)
        return {
            "records": records,
            "seconds": time.perf_counter() - wall,
            "cpu_seconds": time.process_time() - cpu,
            "host": socket.gethostname(),
            **({"run_settings": run_settings()} if run_settings is not None else {}),
        }


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
    #: what the workers' translator decoded with (None when no worker said: a job done before this run)
    run_settings: dict[str, Any] | None = None


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
    #: files of other programs in the input directory, not translated
    skipped: list[str] = field(default_factory=list)
    outputs: list[dict[str, Any]] = field(default_factory=list)
    #: segments translated by this run, and the workers' time on them (summed over shards)
    translated_segments: int = 0
    worker_seconds: float = 0.0
    worker_cpu_seconds: float = 0.0

    def segments_per_worker_second(self) -> float | None:
        """Throughput of one worker: segments per second of worker wall time (None if nothing ran)."""
        return self.translated_segments / self.worker_seconds if self.worker_seconds > 0 else None


def _check_merge_target(output: OutputPlan, documents: Sequence[Document]) -> None:
    from termlock.documents import known_format_of, refuse_format_mismatch

    formats = sorted({d.fmt for d in documents})
    if len(formats) > 1:
        raise TermlockError(
            f"cannot merge shards of different formats ({', '.join(formats)}) into one file",
            path=str(output.target),
            fix="drop --merge to write one output per shard, or give shards of one format",
        )
    if formats and formats[0] not in MERGEABLE and len(documents) > 1:
        raise TermlockError(
            f"{formats[0]} files cannot be concatenated into one file",
            path=str(output.target),
            fix="drop --merge to write one output per shard",
        )
    named = known_format_of(str(output.target))
    if output.target.suffix.lower() in (".parquet", ".pq"):
        named = "parquet"
    if formats and named is not None:
        refuse_format_mismatch(str(output.target), formats[0], named)


class ShardedRunner:
    """Runs a translation job over work shards on a pool: planned and checked against saved work when opened.

    Opening the runner reads every input, plans it, and validates the output
    location and any saved state (a different job's state is refused), all
    before a model is loaded or Ray is started. :meth:`run` then translates
    what is pending on a pool, writes the outputs and removes the saved
    shards.
    """

    def __init__(
        self,
        input_path: str,
        output_path: str,
        *,
        settings: Mapping[str, Any],
        fmt: str | None = None,
        batch_size: int = 16,
        shard_size: int = DEFAULT_SHARD_SIZE,
        merge: bool = False,
        restart: bool = False,
        stderr: TextIO | None = None,
        glossaries: Callable[[list[Document]], Sequence[Any]] | None = None,
        target_lang: str | None = None,
        glossary: Any = None,
    ) -> None:
        if batch_size < 1 or shard_size < 1:
            raise TermlockError("batch size and shard size must be at least 1", fix="pass --batch-size/--shard-size 1 or more")
        self.stderr = stderr if stderr is not None else sys.stderr
        input_is_dir = Path(input_path).is_dir()
        self.output = plan_output(input_path, output_path, input_is_dir=input_is_dir, merge=merge)
        self.documents: list[Document] = []
        self.plans: list[list[WorkShard]] = []
        self.target_lang = target_lang
        inputs, self.skipped = discover_documents(input_path, fmt)
        for index, source in enumerate(inputs):
            store, sha = load_store(source)
            translatable = sum(1 for unit in store.units if unit.translatable)
            self.documents.append(Document(index, source, sha, len(store.units), translatable))
            self.plans.append(plan_work(index, store, batch_size, shard_size))
        #: each document's own glossary (None: the workers' glossary)
        self.glossaries: Sequence[Any] | None = glossaries(self.documents) if glossaries is not None else None
        #: the workers' glossary: written documents place inline codes by its terms
        self.glossary = glossary
        if self.output.merged:
            _check_merge_target(self.output, self.documents)
        elif self.output.manifest in {output_path_for(self.output.target, d.name) for d in self.documents}:
            raise TermlockError("an input shard is called manifest.json", path=input_path, fix="rename that shard")

        layout = "merged" if self.output.merged else "shards"
        fingerprint = job_fingerprint(
            self.documents, {**settings, "batch_size": batch_size, "shard_size": shard_size, "layout": layout}
        )
        if restart and not self.output.merged:
            _remove_listed_outputs(self.output)
        self.state = SavedShards.open(self.output.state_dir, self.output.manifest, fingerprint, restart=restart)
        self.shards = [shard for plan in self.plans for shard in plan]
        saved = self.state.read_manifest()
        self.finished_before = bool(saved and saved.get("complete") and not self.output.merged)
        self._saved_manifest = saved
        self.pending: dict[str, WorkShard] = {}
        if not self.finished_before:
            self.pending = {shard.key: shard for shard in self.shards if self.state.load(shard) is None}
        self._written: dict[int, dict[str, Any]] = {}

    def pending_sources(self) -> tuple[list[str], list[Any] | None]:
        """The source of every unit still to translate, in plan order, and each one's glossary (None: the workers').

        What a job asks the vocabulary about before its first batch
        (:mod:`termlock.translate.spellable`); reads each pending document once.
        """
        sources: list[str] = []
        glossaries: list[Any] | None = [] if self.glossaries is not None else None
        for doc in self.documents:
            todo = [shard for shard in self.plans[doc.index] if shard.key in self.pending]
            if not todo:
                continue
            store = doc.load()
            for shard in todo:
                sources += [store.units[i].source for i in shard.indices]
            if glossaries is not None:
                glossaries += [self.glossaries[doc.index]] * (len(sources) - len(glossaries))
        return sources, glossaries

    def _totals(self) -> dict[str, int]:
        return dict(
            documents=len(self.documents),
            shards=len(self.shards),
            segments=sum(d.units for d in self.documents),
            translatable=sum(d.translatable for d in self.documents),
            skipped=list(self.skipped),
        )

    def run(
        self,
        make_translate: Callable[[], TranslateBatch],
        *,
        pool: Pool,
        finalize: Callable[[list[DocumentResult]], None] | None = None,
        on_shard: Callable[[str], None] | None = None,
        progress: bool | None = None,
        before_work: Callable[["ShardedRunner"], None] | None = None,
    ) -> ShardedResult:
        """Translate the pending work shards on ``pool``, then write the outputs.

        ``make_translate`` is called once per worker (see
        :class:`TranslatorFactory`). ``finalize(documents)`` runs after the
        outputs are written and before the saved shards are removed, so a
        crash inside it can be resumed. ``on_shard(key)`` is called after
        each work shard is saved. ``before_work(runner)`` is called once
        before the first shard goes to the pool, when there is work to do
        (the job says what the vocabulary cannot spell).
        """
        try:
            return self._run(make_translate, pool, finalize, on_shard, progress, before_work)
        finally:
            self.output.close()

    def _run(
        self,
        make_translate: Callable[[], TranslateBatch],
        pool: Pool,
        finalize: Callable[[list[DocumentResult]], None] | None,
        on_shard: Callable[[str], None] | None,
        progress: bool | None,
        before_work: Callable[["ShardedRunner"], None] | None = None,
    ) -> ShardedResult:
        totals = self._totals()
        if self.finished_before:
            outputs = _verify_complete(self.output, self._saved_manifest or {})
            self.state.clear()
            print(
                f"nothing to do: {'all ' if len(self.documents) > 1 else ''}{counted(len(self.documents), 'shard')} "
                f"{'are' if len(self.documents) > 1 else 'is'} already translated ({self.output.manifest}); "
                "pass --restart to translate them again",
                file=self.stderr,
            )
            return ShardedResult(
                resumed_shards=len(self.shards), translated_shards=0, duplicates=0, already_complete=True,
                outputs=outputs, **totals,
            )  # fmt: skip

        resumed = len(self.shards) - len(self.pending)
        resumed_units = sum(s.size for s in self.shards if s.key not in self.pending)
        if resumed:
            saved = SavedWork(resumed, len(self.shards), self.state.directory, "work shards", (resumed_units, totals["translatable"]))
            print(saved.resuming_line(), file=self.stderr)
        remaining = [0] * len(self.documents)
        for shard in self.pending.values():
            remaining[shard.document] += 1
        for doc in self.documents:
            if remaining[doc.index] == 0:
                self._write_document(doc)

        result = ShardedResult(resumed_shards=resumed, translated_shards=0, duplicates=0, **totals)
        if before_work is not None and self.pending:
            try:
                before_work(self)
            except BaseException:
                self._say_saved()  # a model that fails to load: the saved shards are still there to resume
                raise
        bar = progress_bar(progress, self.stderr, totals["translatable"], resumed_units)
        answers = pool(self._work_items(), ShardWorkerFactory(make_translate))
        try:
            for key, answer in answers:
                shard = self.pending.pop(key, None)
                if shard is None:
                    result.duplicates += 1  # a retried worker answered twice: the first answer stands
                    continue
                timing = {k: answer[k] for k in ("seconds", "cpu_seconds", "host", "run_settings") if k in answer}
                if not result.translated_shards:
                    # the fingerprint goes to disk with the first saved shard: a run that
                    # saves nothing (a wrong --model) leaves nothing that blocks the next
                    self.state.write_manifest(self.documents, complete=False)
                self.state.save(shard, answer["records"], timing)
                result.translated_shards += 1
                result.translated_segments += shard.size
                result.worker_seconds += timing.get("seconds", 0.0)
                result.worker_cpu_seconds += timing.get("cpu_seconds", 0.0)
                if bar is not None:
                    bar.update(shard.size)
                if on_shard is not None:
                    on_shard(key)
                remaining[shard.document] -= 1
                if remaining[shard.document] == 0:
                    self._write_document(self.documents[shard.document])
            if self.pending:
                raise TermlockError(
                    f"{len(self.pending)} work shards did not come back from the workers (first: {min(self.pending)})",
                    path=str(self.state.directory),
                    fix="run the same command again to translate the missing shards",
                )
        except BaseException:
            close = getattr(answers, "close", None)
            if close is not None:
                close()  # stop the workers now, not when the generator is collected
            self._say_saved()
            raise
        finally:
            if bar is not None:
                bar.close()

        self._finish(result, finalize)
        return result

    def _say_saved(self) -> None:
        if len(self.shards) == len(self.pending) or self.output.stream:
            return  # nothing saved (or kept: a stream's scratch folder goes), nothing to resume
        saved = SavedWork(len(self.shards) - len(self.pending), len(self.shards), self.state.directory, "work shards")
        print(saved.stopped_line(), file=self.stderr)

    def _finish(self, result: ShardedResult, finalize: Callable[[list[DocumentResult]], None] | None) -> None:
        """Write every output, call ``finalize``, record completion, drop the saved shards."""
        documents: list[DocumentResult] = []
        if self.output.merged:
            documents = self._write_merged(keep=finalize is not None)
        else:
            for doc in self.documents:
                self._write_document(doc)
            if finalize is not None:
                documents = [self._translated(doc) for doc in self.documents]
        if finalize is not None:
            finalize(documents)
        if not self.output.merged:
            self.state.write_manifest(self.documents, complete=True, outputs=self._written)
            result.outputs = [self._written[d.index] for d in self.documents]
        self.state.clear()

    def _work_items(self) -> Iterator[tuple[str, Any]]:
        """The payload of every pending shard, reading each document once."""
        for doc in self.documents:
            todo = [shard for shard in self.plans[doc.index] if shard.key in self.pending]
            if todo:
                store = doc.load()
                glossary = self.glossaries[doc.index] if self.glossaries is not None else None
                for shard in todo:
                    yield shard.key, payload_of(shard, store, glossary)

    def _translated(self, doc: Document) -> DocumentResult:
        """``doc``'s store with every saved translation filled in, inline codes placed by its glossary's terms."""
        store = doc.load(self.target_lang)
        store.judge_of = unit_judges(self.glossaries[doc.index] if self.glossaries is not None else self.glossary)
        records: list[dict[str, Any]] = []
        run_settings = None
        for shard in self.plans[doc.index]:
            saved = self.state.load(shard)
            if saved is None:
                raise TermlockError(
                    f"the saved work shard {shard.key} is missing or damaged",
                    path=str(self.state.shard_path(shard.key)),
                    fix="run the same command again to translate it again",
                )
            records += saved
            run_settings = run_settings or self.state.header(shard).get("run_settings")
        return DocumentResult(doc, store, fill_targets(store, records), run_settings)

    def _write_document(self, doc: Document) -> None:
        """Write one output shard (directory output), once per run."""
        if self.output.merged or doc.index in self._written:
            return
        data = self._translated(doc).store.serialize()
        write_atomically(output_path_for(self.output.target, doc.name), data)
        self._written[doc.index] = {"output": doc.name, "sha256": sha256_hex(data), "bytes": len(data)}

    def _write_merged(self, *, keep: bool) -> list[DocumentResult]:
        """Write every document, in order, into the one output file (atomically)."""
        kept: list[DocumentResult] = []
        if self.documents and self.documents[0].fmt == "parquet":
            parts = []
            for doc in self.documents:
                translated = self._translated(doc)
                parts.append((doc.fmt, translated.store.serialize()))
                if keep:
                    kept.append(translated)
            write_atomically(self.output.target, merge_bytes(parts) if len(parts) > 1 else parts[0][1])
            return kept
        writer = AtomicOutput(self.output.target)  # through a symlink, a rewritten file's mode kept
        try:
            last = b""
            for doc in self.documents:
                translated = self._translated(doc)
                data = translated.store.serialize()
                if last and not last.endswith(b"\n"):
                    writer.write(b"\n")  # keep the next document's first line a line of its own
                writer.write(data)
                last = data[-1:] or last
                if keep:
                    kept.append(translated)
            writer.commit()
        except BaseException:
            writer.abort()
            raise
        return kept


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
    glossaries: Callable[[list[Document]], Sequence[Any]] | None = None,
    target_lang: str | None = None,
    glossary: Any = None,
    before_work: Callable[[ShardedRunner], None] | None = None,
) -> ShardedResult:
    """Translate a file or a directory of shards on ``pool``, resumably (see :class:`ShardedRunner`).

    ``settings`` are what shape the output (model, glossary hash, beam, ...)
    and go into the job's fingerprint, with the batch and shard sizes;
    ``glossary`` (the job's) places the inline codes of what is written by its terms;
    ``before_work(runner)``: see :meth:`ShardedRunner.run`.
    """
    runner = ShardedRunner(
        input_path, output_path, settings=settings, fmt=fmt, batch_size=batch_size, shard_size=shard_size,
        merge=merge, restart=restart, stderr=stderr, glossaries=glossaries, target_lang=target_lang,
        glossary=glossary,
    )  # fmt: skip
    return runner.run(make_translate, pool=pool, finalize=finalize, on_shard=on_shard, progress=progress,
                      before_work=before_work)


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
    """The outputs of a finished directory job, refusing any changed since."""
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
