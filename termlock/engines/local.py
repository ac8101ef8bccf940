"""The local engine: a job runs in this process.

Checking reads aligned text files (or a bilingual XLIFF/TMX) and checks
them here, or whole documents: one pair, two directories or a manifest of
pairs, one after the other. Translating a file runs the resumable batch
runner (:mod:`termlock.translate.batch.runner`) over its document store, writing
the output, ``--report`` and ``--tmx`` atomically when the last batch is
done; a directory is translated document by document as a sharded job in
this process (:mod:`termlock.engines.sharded`), the tree mirrored, exactly
as the Ray engine would on a cluster.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from termlock.errors import TermlockError, is_a_directory
from termlock.jobs import CheckJob, TranslateJob, TranslateOutcome
from termlock.jobs.translate_job import build_report, not_read_lines, report_json_bytes, unit_locations
from termlock.jobs.translated_tmx import write_translated_tmx

if TYPE_CHECKING:  # pragma: no cover - a translate run needs no evaluate package
    from termlock.evaluate.records import CheckResult

STDIO = "-"


def _refuse_directories(*inputs: tuple[str, str | None]) -> None:
    """A folder of shards is the Ray engine's input; here each ``(option, path)`` must be one file."""
    for option, path in inputs:
        if path not in (None, STDIO) and os.path.isdir(path):
            raise is_a_directory(path, option=option, fix="pass a file, or --engine ray to process a directory of shards")


#: inputs from this size (the source file's bytes) are checked by worker processes unless --jobs says otherwise:
#: about 6,000 Chinese segments, a few hundred milliseconds of checking, well over what starting the workers costs
PARALLEL_CHECK_BYTES = 1 << 20


def check_workers(job: CheckJob) -> int:
    """How many worker processes check a streamed segment job: ``--jobs``, else every usable CPU for a large input.

    1 means the check runs in this process. A small input (or one whose
    size cannot be known before reading it, such as a pipe) is checked
    here: starting workers would cost more than it saves.
    """
    from termlock.engines.process_pool import usable_cpus

    if job.engine.jobs is not None:
        return job.engine.jobs
    try:
        large = os.stat(job.source).st_size >= PARALLEL_CHECK_BYTES if job.source not in (None, STDIO) else False
    except OSError:
        large = False  # the reader names the problem
    return usable_cpus() if large else 1


class LocalEngine:
    """Runs a job in this process."""

    name = "local"

    def check(self, job: CheckJob) -> CheckResult:
        from termlock.jobs.check_inputs import (
            DOCUMENT, check_documents, check_segments, check_streamed, choose_granularity, read_segment_inputs, streamable,
        )
        from termlock.jobs.glossaries import load_job_glossaries

        job.validate()
        job.engine.refuse_distributed_settings()
        granularity = "segment" if job.bilingual else choose_granularity(job.granularity, job.source, job.target)
        if granularity == DOCUMENT:  # one pair, two directories or a manifest of pairs
            return check_documents(load_job_glossaries(job.glossaries, exact=job.exact), job)
        _refuse_directories(("--source", job.source), ("--target", job.target), ("--reference", job.reference))
        choice = load_job_glossaries(job.glossaries, exact=job.exact)
        if streamable(job):  # one pass, reports written as it goes, memory flat in segments
            workers = check_workers(job)
            if workers > 1:
                from termlock.engines.process_pool import ProcessPool

                return check_streamed(choice, job, pool=ProcessPool(workers))
            return check_streamed(choice, job)
        inputs = read_segment_inputs(job)
        return check_segments(choice, inputs.sources, inputs.targets, inputs.references, inputs.ids, terms=job.terms,
                              accepted_path=job.accept, numbers=job.numbers, exact=job.exact,
                              strict_spelling=job.strict_spelling)

    def translate(self, job: TranslateJob) -> TranslateOutcome:
        from termlock.documents import detect_format, read_input, read_store, refuse_format_mismatch, write_atomically
        from termlock.translate.batch.runner import BatchRunner, job_fingerprint
        from termlock.translate.translator import record_problem

        job.validate()
        job.engine.refuse_distributed_settings()
        if job.input != STDIO and os.path.isdir(job.input):
            return _translate_directory(job)
        from termlock.jobs.glossaries import load_job_glossaries

        choice = load_job_glossaries(job.glossaries, exact=job.exact)
        glossary = choice.glossary
        fmt = detect_format(job.input, job.format)
        refuse_format_mismatch(job.output, fmt)
        data = read_input(job.input, "-i")
        store = read_store(job.input, fmt, data=data)
        if hasattr(store, "target_lang"):
            store.target_lang = glossary.target_lang
        if job.overwrite or job.overwrite_confirmed:
            allow_overwrite(store, job.input, confirmed=job.overwrite_confirmed)
        glossary_of = None
        if job.terms is not None:
            from termlock.jobs.term_inputs import glossaries_by_source

            glossary, glossary_of = glossaries_by_source(job.terms, store.units, exact=job.exact,
                                                         whole_document=getattr(store, "whole_document", False))
            if hasattr(store, "target_lang"):
                store.target_lang = glossary.target_lang
        from termlock.jobs.term_inputs import unit_judges

        store.judge_of = unit_judges(glossary, glossary_of)  # inline codes placed by each unit's terms
        fingerprint = job_fingerprint(data, **job.fingerprint_settings(fmt, glossary))
        runner = BatchRunner(
            store, job.output, fingerprint, chunk_size=job.settings.batch_size, restart=job.restart,
            other_outputs=(job.report, job.tmx), check_report=record_problem, stderr=job.messages(),
            progress=False if job.quiet else None,
        )  # fmt: skip

        translator = None
        if runner.pending:
            from termlock.translate.translator import Translator

            try:
                translator = Translator(job.settings.model, glossary, **job.settings.translator_options())
                _say_unspellable(translator, runner, glossary_of)
            except BaseException:
                runner.close()  # release OUT's lock now (a missing model), not whenever the collector frees it
                raise

        def translate_batch(sources: list[str]) -> list[Any]:
            if glossary_of is not None:  # each segment locked to its own term list
                return translator.translate_segments(sources, [glossary_of[s] for s in sources])
            return translator.translate_segments(sources)

        report: dict[str, Any] = {}

        def finalize(records: list[dict[str, Any] | None]) -> None:
            used = translator.run_settings() if translator is not None else None
            report.update(build_report(job, glossary, store, records, used))
            if job.report:
                write_atomically(job.report, report_json_bytes(report))
            if job.tmx:
                write_translated_tmx(job.tmx, [(store, records)], glossary)

        runner.run(translate_batch, finalize=finalize)
        shown = "<stdin>" if job.input == STDIO else job.input
        notes = [f"glossary conflict (the later --glossary wins): {c.describe()}" for c in choice.conflicts]
        notes += not_read_lines(shown, store)
        return TranslateOutcome(report, unit_locations(store.units, store.name, shown), notes)


def _translate_directory(job: TranslateJob) -> TranslateOutcome:
    """``-i DIR -o OUTDIR``: every file translated in this process, the tree mirrored (:mod:`termlock.engines.sharded`).

    OUTDIR, ``--report`` and ``--tmx`` are locked for the run (a second run
    writing any of them fails at once), and ``--overwrite`` applies to the
    bilingual files of the directory.
    """
    from termlock.engines.sharded import in_process_pool, translate_sharded_job
    from termlock.translate.batch.output_lock import lock_outputs

    if job.overwrite or job.overwrite_confirmed:
        flag = "--overwrite-confirmed" if job.overwrite_confirmed else "--overwrite"
        raise TermlockError(f"{flag} is not supported for a directory", path=job.input,
                            fix=f"translate the bilingual files one at a time with {flag}")
    if job.output == STDIO:
        raise TermlockError("a directory is translated into a directory", path=job.input, fix="give -o OUTDIR")
    locks = lock_outputs([job.output, job.report, job.tmx])
    try:
        outcome, _ = translate_sharded_job(job, in_process_pool, translator_here=True)
    finally:
        for lock in locks:
            lock.release()
    return outcome


def _say_unspellable(translator: Any, runner: Any, glossary_of: dict[str, Any] | None) -> None:
    """Before the first batch: one line per term of the pending segments the model's tokens cannot spell."""
    from termlock.engines.sharded import say_unspellable

    sources = [runner.store.units[i].source for chunk in runner.plan for i in chunk if i not in runner.done]
    glossaries = [glossary_of[s] for s in sources] if glossary_of is not None else None
    say_unspellable(translator.unspellable(sources, glossaries), runner.stderr)


def allow_overwrite(store: Any, path: str, *, confirmed: bool = False) -> None:
    """Make already translated units translatable again (bilingual formats and JSONL only).

    Drafts, machine and TM pre-translations; with ``confirmed``
    (``--overwrite-confirmed``) a person's confirmed, reviewed, approved and
    signed-off work too. Locked units never.
    """
    allow = getattr(store, "allow_overwrite", None)
    flag = "--overwrite-confirmed" if confirmed else "--overwrite"
    if allow is None:
        raise TermlockError(
            f"{flag} applies to input with translations in it (XLIFF, TMX, JSONL with \"target\"), not {store.name}",
            path=path,
            fix=f"drop {flag}: every segment of this file is translated anyway",
        )
    allow(confirmed=confirmed)
