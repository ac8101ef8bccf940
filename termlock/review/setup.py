"""From a check job to an open review: inputs read the way ``termlock check`` reads them, state made or resumed.

``termlock review`` takes exactly the inputs of ``termlock check`` (and
builds the same :class:`~termlock.jobs.CheckJob`); this module reads them
with the check job's own readers (:mod:`termlock.jobs.check_inputs`),
records the job in the state file with absolute paths (so ``termlock
review export STATE`` needs nothing else), and on a second start verifies
that the inputs are still the ones the state was made from: a state never
silently applies one translation's edits to another.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from termlock.errors import TermlockError
from termlock.jobs import CheckJob, CheckOutputs
from termlock.jobs.glossaries import glossary_files
from termlock.review.state import ReviewState, Seed, default_state_path

#: the target formats a review exports to
TEXT, XLIFF, TMX, DOCUMENT = "text", "xliff", "tmx", "document"


@dataclass(frozen=True)
class ReviewPaths:
    """Where a review keeps its state and writes proposed glossary variants."""

    state: str
    additions: str


def _absolute(path: str | None) -> str | None:
    return None if path is None else os.path.abspath(path)


def job_record(job: CheckJob, *, kind: str, target_format: str) -> dict[str, Any]:
    """The job as the state file keeps it: plain values, absolute paths."""
    return {
        "source": _absolute(job.source),
        "target": _absolute(job.target),
        "reference": _absolute(job.reference),
        "bilingual": _absolute(job.bilingual),
        # `bundled` is the bundled glossary's file, as check and translate read it (not ./bundled)
        "glossaries": [os.path.abspath(path) for path in glossary_files(job.glossaries)],
        "granularity": job.granularity,
        "terms": _absolute(job.terms),
        "accept": _absolute(job.accept),
        "exact": job.exact,
        "numbers": job.numbers,
        "strict_spelling": job.strict_spelling,
        "min_term_success": str(Fraction(job.min_term_success)),
        "kind": kind,
        "format": target_format,
    }


def check_job_of(record: dict[str, Any]) -> CheckJob:
    """The :class:`CheckJob` a stored record describes (no report outputs)."""
    return CheckJob(
        source=record["source"], target=record["target"], reference=record["reference"], bilingual=record["bilingual"],
        glossaries=tuple(record["glossaries"]), min_term_success=Fraction(record["min_term_success"]),
        outputs=CheckOutputs(), granularity=record["granularity"], terms=record["terms"], accept=record["accept"],
        exact=record["exact"], numbers=record["numbers"], strict_spelling=record.get("strict_spelling", False),
    )


def review_paths(job: CheckJob, state: str | None, additions: str | None) -> ReviewPaths:
    """The state file (default beside the target) and the glossary-additions file (default beside the state)."""
    target = job.bilingual or job.target or job.pairs or "termlock"  # a job without a target is refused later
    state_path = state or default_state_path(target)
    if additions is None:
        base = state_path[: -len(".sqlite")] if state_path.endswith(".sqlite") else state_path
        additions = base + ".glossary-additions.yaml"
    return ReviewPaths(state_path, additions)


def refuse_unsafe(job: CheckJob, paths: ReviewPaths) -> None:
    """What a review may not be given: a state or additions file that is an input (refused first, as check
    refuses its reports), then what the check job refuses, stdin as the target, a folder as the state."""
    from termlock.inputs import STDIN
    from termlock.outputs import refuse_clobbering

    refuse_clobbering(job.input_paths(), [("--state", paths.state), ("--additions", paths.additions)])
    job.validate()
    if job.target == STDIN:
        raise TermlockError("termlock review cannot read the target from stdin",
                            fix="give --target a file: the corrected target is exported in the same format")
    if os.path.isdir(paths.state):
        raise TermlockError("--state is a directory", path=paths.state, fix="give --state a file name")


def read_seed(job: CheckJob) -> Seed:
    """The job's inputs read as ``termlock check`` reads them, ready to start a state."""
    from termlock.jobs.check_inputs import DOCUMENT as DOCUMENT_GRANULARITY
    from termlock.jobs.check_inputs import choose_granularity, read_segment_inputs

    granularity = "segment" if job.bilingual else choose_granularity(job.granularity, job.source, job.target)
    if granularity == DOCUMENT_GRANULARITY:
        from termlock.documents.paragraphs import read_paragraphs

        _refuse_document_batches(job)
        sources = read_paragraphs(job.source)
        targets = read_paragraphs(job.target)
        references = read_paragraphs(job.reference) if job.reference else None
        record = job_record(job, kind="document", target_format=DOCUMENT)
        return Seed(
            record, [""] * len(targets), targets, None, None,
            files={"target": (record["target"], _read(job.target))}, accepted=_accepted_entries(job, 1, document=True),
            extra_meta={"source_paragraphs": sources, "reference_paragraphs": references},
        )
    inputs = read_segment_inputs(job)
    if job.bilingual:
        from termlock.documents.bilingual import bilingual_format

        data = _read(job.bilingual)
        record = job_record(job, kind="segments", target_format=bilingual_format(job.bilingual, data))
        files = {"target": (record["bilingual"], data)}
    else:
        from termlock.documents.segment_fields import field_format

        record = job_record(job, kind="segments", target_format=field_format(job.target) or TEXT)
        files = {"target": (record["target"], _read(job.target))}
    accepted = _accepted_entries(job, len(inputs.sources))
    return Seed(record, inputs.sources, inputs.targets, inputs.references, inputs.ids, files=files, accepted=accepted)


def _refuse_document_batches(job: CheckJob) -> None:
    """A review is of one document pair: a --pairs manifest or directories of documents are check's, not the page's."""
    if job.pairs is not None or any(os.path.isdir(path) for path in (job.source, job.target) if path):
        raise TermlockError("termlock review takes one source and one target document",
                            fix="review each pair on its own (--source DOC --target DOC); "
                                "termlock check --granularity document checks a batch")


def _accepted_entries(job: CheckJob, count: int, *, document: bool = False) -> list[dict[str, Any]]:
    """The ``--accept`` file's entries, each naming a term of the glossary the review reports on (as check requires)."""
    if job.accept is None:
        return []
    from termlock.jobs.check_inputs import document_glossaries, load_accepted_findings, segment_term_lists
    from termlock.jobs.glossaries import load_job_glossaries

    choice = load_job_glossaries(job.glossaries, exact=job.exact)
    if document:
        glossary, _ = document_glossaries(choice, job.terms, count, exact=job.exact)
    else:
        union, _ = segment_term_lists(job.terms, count, exact=job.exact)
        glossary = union if union is not None else choice.glossary
    return [finding.entry() for finding in load_accepted_findings(job.accept, glossary) or ()]


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise TermlockError(f"cannot read: {exc.strerror}", path=path, fix="check the path and its permissions") from None


def open_state(job: CheckJob, paths: ReviewPaths) -> tuple[ReviewState, bool]:
    """The review's state: resumed when the file exists (inputs verified), else made. Returns ``(state, resumed)``."""
    refuse_unsafe(job, paths)
    seed = read_seed(job)
    if not os.path.exists(paths.state):
        from termlock.jobs.glossaries import load_job_glossaries

        # a glossary that does not load is refused before the state file exists (nothing left behind)
        load_job_glossaries(seed.job["glossaries"], exact=seed.job["exact"])
        seed = replace(seed, extra_meta={**(seed.extra_meta or {}), "additions": os.path.abspath(paths.additions)})
        return ReviewState.create(paths.state, seed), False
    state = ReviewState.open(paths.state)
    try:
        _verify_same_inputs(state, seed)
        stored = state.meta("job")
        record = dict(seed.job)
        if stored != record:  # same text, newer settings (another glossary, a gate): the page follows the command
            state.set_meta("job", record)
        if state.meta("additions") != os.path.abspath(paths.additions):
            state.set_meta("additions", os.path.abspath(paths.additions))
        if seed.accepted:
            state.import_accepted(seed.accepted)
    except BaseException:
        state.close()
        raise
    return state, True


def _verify_same_inputs(state: ReviewState, seed: Seed) -> None:
    """The state's segments must be the inputs' segments (same sources, same original targets)."""
    rows = state.segments()
    fix = "give --state a new file to start another review, or the inputs this state was made from"
    if len(rows) != len(seed.targets):
        raise TermlockError(
            f"this review state holds {len(rows)} segments, the inputs have {len(seed.targets)}", path=state.path, fix=fix
        )
    for row, source, target in zip(rows, seed.sources, seed.targets):
        if row.source != source or row.original != target:
            side = "source" if row.source != source else "target"
            raise TermlockError(
                f"this review state was made from other inputs: segment {row.index + 1}'s {side} differs", path=state.path, fix=fix
            )
    if state.meta("job", {}).get("kind") != seed.job["kind"]:
        raise TermlockError("this review state was made at another granularity", path=state.path, fix=fix)


def stored_target_store(state: ReviewState, record: dict[str, Any]):
    """The stored bilingual target file parsed by its store (XLIFF or TMX)."""
    stored = state.file("target")
    if stored is None:
        raise TermlockError("the review state holds no target file", path=state.path, fix="start the review again")
    path, data = stored
    name = path or "<target>"
    if record["format"] == XLIFF:
        from termlock.documents.xliff import XliffStore

        return XliffStore.parse(data, name)
    if record["format"] == TMX:
        from termlock.documents.tmx import TmxStore

        return TmxStore.parse(data, name)
    raise TermlockError(f"a {record['format']} target has no unit store", path=name, fix="this is a bug in termlock review")
