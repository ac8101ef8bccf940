"""The Ray engine: the local engine's jobs, results and reports, on a Ray cluster.

Input may be a file or a directory of shards. Checking is sharded into
chunks checked by workers and aggregated on the driver (exactly the local
result); translating plans work shards, translates them on an actor pool and
writes the same output and ``--report`` as the local engine (byte for byte
for a file input), plus one line on the sharding and the throughput per
worker. Everything that can be refused is refused before Ray starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from termlock.errors import TermlockError
from termlock.evaluate.records import CheckResult
from termlock.fileio import write_atomically
from termlock.jobs import CheckJob, TranslateJob, TranslateOutcome, load_job_glossary
from termlock.jobs.translate_job import build_report, report_from_rows, report_id, report_json_bytes, unit_locations
from termlock.jobs.translated_tmx import write_translated_tmx


class RayEngine:
    """Runs a job on a Ray cluster (``EngineOptions.address``; default: a local Ray instance)."""

    name = "ray"

    def check(self, job: CheckJob) -> CheckResult:
        from termlock.engines.ray.check import DEFAULT_CHUNK_SIZE, check_sharded, pair_shards
        from termlock.engines.ray.segment_files import read_segment_shards
        from termlock.engines.ray.support import ClusterPool, import_ray

        job.validate()
        import_ray()
        if job.bilingual:
            raise TermlockError("--bilingual is not supported with --engine ray", fix="use --engine local for XLIFF/TMX files")
        for option, value in (("--granularity document", job.granularity == "document"), ("--terms", job.terms),
                              ("--accept", job.accept), ("--write-accepted", job.outputs.write_accepted)):
            if value:
                raise TermlockError(f"{option} is not supported with --engine ray", fix="use --engine local (the default)")
        kinds = {Path(p).is_dir() for p in (job.source, job.target, job.reference) if p not in (None, "-")}
        if len(kinds) > 1:
            raise TermlockError(
                "--source, --target and --reference must be all files or all directories of shards",
                fix="give matching shard directories (same file names), or single files",
            )
        if job.target == "-" and Path(job.source).is_dir():
            raise TermlockError("--target - (stdin) cannot hold shards", fix="give the target shards' directory")
        sources = read_segment_shards(job.source, "source", "--source")
        targets = read_segment_shards(job.target, "target", "--target")
        references = read_segment_shards(job.reference, "reference", "--reference") if job.reference else None
        pair_shards(("--source", sources), ("--target", targets))  # before starting Ray
        if references is not None:
            pair_shards(("--source", sources), ("--reference", references))
        glossary = load_job_glossary(job.glossaries, exact=job.exact)
        pool = ClusterPool(job.engine.address, job.engine.num_workers)
        return check_sharded(glossary, sources, targets, references, pool=pool,
                             chunk_size=job.engine.shard_size or DEFAULT_CHUNK_SIZE, numbers=job.numbers)

    def translate(self, job: TranslateJob) -> TranslateOutcome:
        from termlock.engines.ray.support import ClusterPool, import_ray
        from termlock.engines.ray.translate import DEFAULT_SHARD_SIZE, DocumentResult, TranslatorFactory, translate_sharded

        job.validate()
        import_ray()  # say how to install it before doing anything else
        if job.overwrite:
            raise TermlockError("--overwrite is not supported with --engine ray", fix="use --engine local for it")
        if job.terms is not None:
            raise TermlockError("--terms is not supported with --engine ray", fix="use --engine local (the default)")
        glossary = load_job_glossary(job.glossaries, exact=job.exact)
        factory = TranslatorFactory(job.settings, glossary)
        single = not Path(job.input).is_dir()
        report: dict[str, Any] = {}
        where: list[str] = []

        def finalize(documents: list[DocumentResult]) -> None:
            if single:
                report.update(build_report(job, glossary, documents[0].store, documents[0].records))
            else:
                report.update(_sharded_report(job, glossary, documents))
            for result in documents:
                shown = job.input if single else str(Path(job.input) / result.document.name)
                where.extend(unit_locations(result.store.units, result.document.fmt, shown))
            if job.report:
                write_atomically(job.report, report_json_bytes(report))
            if job.tmx:
                write_translated_tmx(job.tmx, [(result.store, result.records) for result in documents], glossary)

        pool = ClusterPool(job.engine.address, job.engine.num_workers, job.engine.gpus_per_worker or 0.0)
        result = translate_sharded(
            job.input,
            job.output,
            factory,
            pool=pool,
            settings=job.fingerprint_settings(job.format or "auto", glossary),
            fmt=job.format,
            batch_size=job.settings.batch_size,
            shard_size=job.engine.shard_size or DEFAULT_SHARD_SIZE,
            merge=job.engine.merge,
            restart=job.restart,
            finalize=finalize,
        )
        if result.already_complete:
            notes = []
            if job.report:
                notes.append("note: --report was not rewritten (the job had finished before); pass --restart to redo it")
            return TranslateOutcome(None, notes=notes)
        line = (
            f"ray: {result.documents} input shards, {result.shards} work shards "
            f"({result.translated_shards} translated now, {result.resumed_shards} resumed) on {pool.workers} workers"
        )
        rate = result.segments_per_worker_second()
        if rate is not None:
            line += (
                f"; {result.translated_segments} segments in {result.worker_seconds:.1f} worker-seconds "
                f"({result.worker_cpu_seconds:.1f} CPU): {rate:.1f} segments/s per worker"
            )
        return TranslateOutcome(report, where, notes=[line])


def _sharded_report(job: TranslateJob, glossary: Any, documents: Sequence[Any]) -> dict[str, Any]:
    """The ``--report`` of a directory job: the single-file report, with each segment's shard."""
    rows = (
        (report_id(unit), record["report"] if record is not None else None, {"shard": result.document.name})
        for result in documents
        for unit, record in zip(result.store.units, result.records)
    )
    return report_from_rows(job, glossary, rows)
