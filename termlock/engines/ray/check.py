"""Terminology QA of sharded bilingual data on a pool of workers.

Checking a segment depends on that segment alone, and everything
document-level (counts, the term table, consistency of renderings across
the whole document) is a pure aggregation of segment reports
(:func:`termlock.evaluate.aggregate`). So workers run
:class:`~termlock.evaluate.SegmentChecker` (glossary compiled once per
worker) on chunks of the concatenated shards, keyed by global segment index,
and the driver aggregates: the summary, term table and JSON are exactly
those of a single-machine ``termlock check`` over the concatenated files.
BLEU/chrF are corpus-level statistics and are computed on the driver.

Whole documents (``--granularity document``) are checked one pair per task
(:class:`DocumentCheckerFactory`): the driver reads both files and sends
their bytes, the worker reads them with the document readers and checks
them, and the driver puts the reports together in pair order, as the local
engine does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Sequence

from termlock.errors import TermlockError
from termlock.evaluate import CheckResult, SegmentChecker, SegmentReport, aggregate, corpus_metrics
from termlock.engines.ray.segment_files import SegmentFile

Pool = Callable[[Iterable[tuple[str, Any]], Callable[[], Callable[[Any], Any]]], Iterator[tuple[str, Any]]]

DEFAULT_CHUNK_SIZE = 5000


@dataclass(frozen=True)
class CheckerFactory:
    """Compiles the glossary's matchers once per worker."""

    glossary: Any
    numbers: bool = False

    def __call__(self) -> "ChunkChecker":
        return ChunkChecker(SegmentChecker(self.glossary, numbers=self.numbers))


@dataclass
class ChunkChecker:
    """Checks one chunk: ``(first index, sources, targets)`` -> segment reports."""

    checker: SegmentChecker

    def __call__(self, payload: tuple[int, list[str], list[str]]) -> list[SegmentReport]:
        start, sources, targets = payload
        check = self.checker.check
        return [check(start + offset, s, t) for offset, (s, t) in enumerate(zip(sources, targets))]


@dataclass(frozen=True)
class DocumentCheckerFactory:
    """A worker's job at document granularity: check one document pair (its bytes travel with the task)."""

    def __call__(self) -> Callable[[Any], Any]:
        from termlock.jobs.document_batch import check_task

        return check_task


def iter_chunks(total: int, size: int) -> Iterator[tuple[int, int]]:
    """``(start, end)`` ranges covering ``range(total)`` in pieces of ``size``."""
    for start in range(0, total, size):
        yield start, min(total, start + size)


def pair_shards(first: tuple[str, list[SegmentFile]], second: tuple[str, list[SegmentFile]]) -> None:
    """Same shard names, and the same number of segments in each pair of shards."""
    (opt_a, shards_a), (opt_b, shards_b) = first, second
    names_a = [s.name for s in shards_a]
    names_b = [s.name for s in shards_b]
    if names_a != names_b:
        only_a = sorted(set(names_a) - set(names_b))
        only_b = sorted(set(names_b) - set(names_a))
        detail = "; ".join(
            part
            for part in (
                f"only in {opt_a}: {', '.join(only_a[:3])}" if only_a else "",
                f"only in {opt_b}: {', '.join(only_b[:3])}" if only_b else "",
            )
            if part
        ) or "the shards are listed in a different order"
        raise TermlockError(
            f"{opt_a} and {opt_b} do not hold the same shards ({detail})",
            fix="give directories with one shard of each name, aligned line by line",
        )
    for a, b in zip(shards_a, shards_b):
        if len(a.segments) != len(b.segments) and not a.name:  # two files: as the local check says it
            raise TermlockError(
                f"line counts differ: {opt_a} {a.path} has {len(a.segments)} lines, {opt_b} {b.path} has {len(b.segments)}",
                fix="the files must be aligned, one segment per line",
            )
        if len(a.segments) != len(b.segments):
            raise TermlockError(
                f"line counts differ in shard {a.name}: {opt_a} {a.path} has {len(a.segments)} segments, "
                f"{opt_b} {b.path} has {len(b.segments)}",
                fix="the shards must be aligned, one segment per line",
            )


def check_sharded(
    glossary: Any,
    sources: Sequence[SegmentFile],
    targets: Sequence[SegmentFile],
    references: Sequence[SegmentFile] | None = None,
    *,
    pool: Pool,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    numbers: bool = False,
    strict_spelling: bool = False,
) -> CheckResult:
    """Check aligned shards on ``pool``; the result equals ``check()`` on the concatenated shards."""
    if chunk_size < 1:
        raise TermlockError("chunk size must be at least 1", fix="pass --shard-size 1 or more")
    pair_shards(("--source", list(sources)), ("--target", list(targets)))
    if references is not None:
        pair_shards(("--source", list(sources)), ("--reference", list(references)))
    all_sources = [s for shard in sources for s in shard.segments]
    all_targets = [t for shard in targets for t in shard.segments]

    chunks = {f"{start:012d}": (start, end) for start, end in iter_chunks(len(all_sources), chunk_size)}
    items = ((key, (start, all_sources[start:end], all_targets[start:end])) for key, (start, end) in chunks.items())
    reports: list[SegmentReport] = []
    pending = dict(chunks)
    for key, chunk in pool(items, CheckerFactory(glossary, numbers)):
        span = pending.pop(key, None)
        if span is None:
            continue  # a retried worker answered twice: the first answer stands
        if [r.index for r in chunk] != list(range(*span)):
            raise RuntimeError(f"chunk {key}: the worker returned other segments than it was given")
        reports.extend(chunk)
    if pending:
        raise TermlockError(
            f"{len(pending)} chunks did not come back from the workers", fix="run the check again"
        )
    metrics = None
    if references is not None:
        all_references = [r for shard in references for r in shard.segments]
        metrics = corpus_metrics(all_targets, all_references, target_lang=glossary.target_lang)
    return aggregate(glossary, reports, metrics, numbers=numbers, strict_spelling=strict_spelling)
