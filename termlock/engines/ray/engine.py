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
from typing import TYPE_CHECKING

from termlock.errors import TermlockError
from termlock.jobs import CheckJob, TranslateJob, TranslateOutcome, load_job_glossary
from termlock.wording import counted

if TYPE_CHECKING:  # pragma: no cover - a translate run needs no evaluate package
    from termlock.evaluate.records import CheckResult


class RayEngine:
    """Runs a job on a Ray cluster (``EngineOptions.address``; default: a local Ray instance)."""

    name = "ray"

    def check(self, job: CheckJob) -> CheckResult:
        from termlock.engines.ray.check import DEFAULT_CHUNK_SIZE, check_sharded, pair_shards
        from termlock.engines.ray.segment_files import read_segment_shards
        from termlock.engines.ray.support import ClusterPool, import_ray

        job.validate()
        if job.engine.jobs is not None:
            raise TermlockError("--jobs sets the local engine's worker processes", fix="drop --jobs; with --engine ray, --num-workers sets the workers")
        import_ray()
        if job.bilingual:
            raise TermlockError("--bilingual is not supported with --engine ray", fix="use --engine local for XLIFF/TMX files")
        from termlock.jobs.check_inputs import DOCUMENT, choose_granularity

        if choose_granularity(job.granularity, job.source, job.target, job.reference) == DOCUMENT:
            return self._check_documents(job)
        for option, value in (("--terms", job.terms), ("--accept", job.accept), ("--write-accepted", job.outputs.write_accepted)):
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
                             chunk_size=job.engine.shard_size or DEFAULT_CHUNK_SIZE, numbers=job.numbers,
                             strict_spelling=job.strict_spelling)

    def _check_documents(self, job: CheckJob) -> CheckResult:
        """Whole documents: one document pair per task on the cluster, the result put together as the local engine does."""
        from termlock.engines.ray.check import DocumentCheckerFactory
        from termlock.engines.ray.support import ClusterPool
        from termlock.jobs.check_inputs import check_documents
        from termlock.jobs.glossaries import load_job_glossaries

        pool = ClusterPool(job.engine.address, job.engine.num_workers)

        def run(tasks):
            for _, outcome in pool(((f"{task.index:09d}", task) for task in tasks), DocumentCheckerFactory()):
                yield outcome

        return check_documents(load_job_glossaries(job.glossaries, exact=job.exact), job, run=run)

    def translate(self, job: TranslateJob) -> TranslateOutcome:
        from termlock.engines.ray.support import ClusterPool, import_ray
        from termlock.engines.sharded import translate_sharded_job

        job.validate()
        import_ray()  # say how to install it before doing anything else
        if job.overwrite or job.overwrite_confirmed:
            flag = "--overwrite-confirmed" if job.overwrite_confirmed else "--overwrite"
            raise TermlockError(f"{flag} is not supported with --engine ray", fix="use --engine local for it")
        if job.terms is not None and not Path(job.input).is_dir() and not _whole_document(job):
            raise TermlockError("--terms for a file of segments is not supported with --engine ray",
                                fix="use --engine local (the default), or a directory of documents (one term list per document)")
        # before the cluster starts: a setting every worker would fail on is one line, not a cluster and a worker's error
        settings, gpus = job.settings, job.engine.gpus_per_worker or 0.0
        settings.check(device=settings.device if settings.device != "auto" else ("cuda" if gpus else "cpu"),
                       model_here=job.engine.address is None)  # a local instance: workers read this machine's files
        pool = ClusterPool(job.engine.address, job.engine.num_workers, gpus)
        outcome, result = translate_sharded_job(job, pool)
        if result.already_complete:
            return outcome
        line = (
            f"ray: {counted(result.documents, 'input shard')}, {counted(result.shards, 'work shard')} "
            f"({result.translated_shards} translated now, {result.resumed_shards} resumed) on {counted(pool.workers, 'worker')}"
        )
        rate = result.segments_per_worker_second()
        if rate is not None:
            line += (
                f"; {counted(result.translated_segments, 'segment')} in {result.worker_seconds:.1f} worker-seconds "
                f"({result.worker_cpu_seconds:.1f} CPU): {rate:.1f} segments/s per worker"
            )
        outcome.notes.append(line)
        return outcome


def _whole_document(job: TranslateJob) -> bool:
    """Whether the input file is a whole document (Word, Markdown, HTML): one term list for it all."""
    from termlock.documents import FORMATS, detect_format

    name = detect_format(job.input, job.format)
    return getattr(FORMATS.get(name), "whole_document", False)
