"""Translating a directory of documents (or a file) as a sharded, resumable job, on any pool.

``termlock translate -i DIR -o OUTDIR`` mirrors the tree: every file termlock
translates (text, JSONL, TSV, XLIFF, TMX, Parquet, Word, Markdown, HTML) is
written at the same relative path under OUTDIR, with ``manifest.json``;
files of other programs are skipped and named. The plan, the saved work and
the outputs are :mod:`termlock.engines.ray.translate`'s (it imports Ray only
when a cluster pool runs), so the local engine, which runs the work shards
in this process, and the Ray engine, which runs them on a cluster (a whole
document per task), write the same files and the same report.

``--terms`` for a directory holds one term list per document, in the order
of their relative paths; each document's batches carry its own glossary.
"""

from __future__ import annotations

from pathlib import Path
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, TextIO

from termlock.fileio import write_atomically
from termlock.jobs import TranslateJob, TranslateOutcome
from termlock.jobs.translate_job import batch_report, build_report, not_read_lines, report_json_bytes, unit_locations
from termlock.jobs.translated_tmx import write_translated_tmx
from termlock.wording import counted


def in_process_pool(items: Iterable[tuple[str, Any]], factory: Callable[[], Callable[[Any], Any]]) -> Iterator[tuple[str, Any]]:
    """The pool contract in this process: the worker (the model) is built at the first item, not before."""
    work = None
    for key, payload in items:
        if work is None:
            work = factory()
        yield key, work(payload)


def say_unspellable(items: Iterable[Any], stream: TextIO) -> None:
    """One line per term the lock must place that the model's tokens cannot spell (:mod:`termlock.translate.spellable`).

    Said once, before the first batch: no length or beam will place such a
    term, and each segment that still lacks it is reported impossible with
    the same reason (not as a length problem).
    """
    for item in items:
        print(
            f"termlock translate: warning: {item.reason}; needed in {counted(item.segments, 'segment')}, "
            "each reported impossible where its translation lacks it",
            file=stream,
        )


@dataclass
class _BuiltOnce:
    """A translator factory for a pool in this process: the translator built at most once, asked before the work."""

    factory: Callable[[], Any]
    built: Any = None

    def __call__(self) -> Any:
        if self.built is None:
            self.built = self.factory()
        return self.built


def translate_sharded_job(job: TranslateJob, pool: Any, *, translator_here: bool = False) -> tuple[TranslateOutcome, Any]:
    """Run ``job`` through the sharded job on ``pool``; the outcome (report, locations, notes) and the run's figures.

    ``translator_here``: the pool works in this process (the local engine),
    so the translator is built before the first batch and asked what its
    vocabulary cannot spell; otherwise (Ray: models in the workers) the
    driver asks the model's tokenizer alone, reading no weights.
    """
    from termlock.engines.ray.translate import DEFAULT_SHARD_SIZE, DocumentResult, TranslatorFactory, translate_sharded
    from termlock.jobs.glossaries import load_job_glossaries

    if Path(job.input).is_dir():  # no report over a file of the directory
        from termlock.engines.ray.shards import discover_documents
        from termlock.outputs import refuse_clobbering

        files, _ = discover_documents(job.input, job.format)
        refuse_clobbering([("-i", item.path) for item in files], [("--report", job.report), ("--tmx", job.tmx)])
    choice = load_job_glossaries(job.glossaries, exact=job.exact)
    glossary = choice.glossary
    glossaries = None
    if job.terms is not None:
        from termlock.glossary.term_lists import read_term_lists
        from termlock.jobs.term_inputs import document_term_lists

        union = read_term_lists(job.terms).glossary
        if job.exact:
            from termlock.glossary.merge import exact_glossary

            union = exact_glossary(union)
        glossary = union

        def glossaries(documents: list[Any]) -> list[Any]:
            lists = document_term_lists(job.terms, len(documents), exact=job.exact)
            return [lists.segment_glossary(index) for index in range(len(documents))]

    factory: Callable[[], Any] = TranslatorFactory(job.settings, glossary)
    if translator_here:
        factory = _BuiltOnce(factory)

    def before_work(runner: Any) -> None:
        sources, per_line = runner.pending_sources()
        if isinstance(factory, _BuiltOnce):
            items = factory().translator.unspellable(sources, per_line)
        else:
            items = _driver_unspellable(job, glossary, sources, per_line)
        say_unspellable(items, job.messages())

    single = not Path(job.input).is_dir()
    report: dict[str, Any] = {}
    where: list[str] = []
    notes: list[str] = [f"glossary conflict (the later --glossary wins): {c.describe()}" for c in choice.conflicts]

    def finalize(documents: list[DocumentResult]) -> None:
        used = next((d.run_settings for d in documents if d.run_settings is not None), None)
        if single:
            report.update(build_report(job, glossary, documents[0].store, documents[0].records, used))
        else:
            report.update(batch_report(job, glossary, [(d.document.name, d.store, d.records) for d in documents], used))
        for result in documents:
            shown = job.input if single else str(Path(job.input) / result.document.name)
            where.extend(unit_locations(result.store.units, result.document.fmt, shown))
            notes.extend(not_read_lines(shown, result.store))
        if job.report:
            write_atomically(job.report, report_json_bytes(report))
        if job.tmx:
            write_translated_tmx(job.tmx, [(result.store, result.records) for result in documents], glossary)

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
        glossaries=glossaries,
        target_lang=glossary.target_lang,
        glossary=glossary,
        progress=False if job.quiet else None,
        stderr=job.messages(),
        before_work=before_work,
    )
    if result.skipped:
        shown = ", ".join(result.skipped[:5]) + (f" and {len(result.skipped) - 5} more" if len(result.skipped) > 5 else "")
        notes.append(f"skipped {counted(len(result.skipped), 'file')} of other programs (not translated): {shown}")
    if result.already_complete:
        if job.report:
            notes.append("note: --report was not rewritten (the job had finished before); pass --restart to redo it")
        return TranslateOutcome(None, notes=notes), result
    return TranslateOutcome(report, where, notes), result


def _driver_unspellable(job: TranslateJob, glossary: Any, sources: list[str], per_line: list[Any] | None) -> list[Any]:
    """What the model's vocabulary cannot spell, asked on a driver that builds no model (its tokenizer and config only).

    A remote cluster's model may exist only on its workers: where the driver
    cannot read it, nothing is said up front (each segment lacking such a
    term is still reported impossible with the reason). With a local
    instance the workers read this machine's model, so a model missing here
    is the job's error, said now.
    """
    from termlock.errors import TermlockError
    from termlock.translate.spellable import job_unspellable

    try:
        return job_unspellable(job.settings, glossary, sources, per_line)
    except (TermlockError, OSError):
        if job.engine.address is None:
            raise
        return []
