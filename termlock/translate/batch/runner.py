"""A resumable batch translation run over one segment store: the local engine's runner.

:class:`BatchRunner` translates every translatable unit of a store and
writes the store to OUT. Three promises hold whatever happens on the way:

* output order is the input order, although units are batched longest
  first (similar lengths pad less, and a batch too big for memory fails in
  the first minute rather than the last);
* finished batches are saved in a journal beside OUT (see
  :mod:`termlock.translate.batch.journal`), so after a crash or Ctrl-C the same
  command continues where it stopped: no unit is translated twice or lost;
* OUT is written once, atomically, when every unit is done.

The batch plan depends only on the input and ``chunk_size``, so a resumed
run decodes exactly the batches the uninterrupted run would have, and its
output is byte-identical; what a resumed run says and refuses is the resume
core's (:mod:`termlock.translate.batch.resume`), shared with the Ray engine. The translation itself is injected (any callable
from source texts to results with ``.target`` and ``.to_dict()``), so this
module needs no model and is tested without one.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Protocol, Sequence, TextIO

from termlock.documents import Store, write_store
from termlock.fileio import is_stream
from termlock.translate.batch.output_lock import OutputLock, lock_outputs
from termlock.translate.batch.journal import Journal, journal_path_for
from termlock.translate.batch.resume import SavedWork, progress_bar, run_fingerprint, sha256_hex


class TranslatedSegment(Protocol):
    """What a translate function returns per source text."""

    target: str

    def to_dict(self) -> dict[str, Any]: ...


TranslateBatch = Callable[[list[str]], Sequence[TranslatedSegment]]


def job_fingerprint(input_bytes: bytes, **settings: Any) -> dict[str, Any]:
    """What identifies a run over ``input_bytes``: see :func:`~termlock.translate.batch.resume.run_fingerprint`."""
    return run_fingerprint(sha256_hex(input_bytes), settings)


def batch_plan(store: Store, chunk_size: int) -> list[list[int]]:
    """Translatable unit indices, longest source first, in chunks of ``chunk_size``.

    Ties keep file order, so the plan is a pure function of the input.
    """
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    order = sorted(
        (i for i, unit in enumerate(store.units) if unit.translatable),
        key=lambda i: (-len(store.units[i].source), i),
    )
    return [order[k : k + chunk_size] for k in range(0, len(order), chunk_size)]


@dataclass
class BatchResult:
    """What a finished run did; ``records[i]`` is unit i's saved record (None if not translated)."""

    units: int
    translatable: int
    resumed: int
    translated: int
    records: list[dict[str, Any] | None] = field(default_factory=list)


class BatchRunner:
    """Translate ``store`` into ``out_path``, resumably.

    ``journal_path`` defaults to ``OUT.termlock-journal``; an output that is
    a stream (stdout, a pipe, a FIFO, ``/dev/null``: :func:`termlock.fileio.is_stream`)
    keeps no journal unless one is named. ``restart`` discards saved work.
    Opening the runner already validates a saved journal, so a mismatch
    is reported before any model is loaded; ``check_report(report)`` (the
    translator's rules for its own records) says what is wrong with a saved
    unit's report, if anything. Opening also takes the lock
    (:class:`OutputLock`) of OUT and of each of ``other_outputs`` (the
    run's ``--report`` and ``--tmx``): a second run writing any of them is
    refused at once, and an unwritable output folder is reported before
    any decoding. The locks are released when :meth:`run` ends, by
    :meth:`close` (or ``with runner:``), or when a runner abandoned before
    it ran is garbage-collected.
    """

    def __init__(
        self,
        store: Store,
        out_path: str | os.PathLike[str],
        fingerprint: Mapping[str, Any],
        *,
        chunk_size: int = 16,
        journal_path: str | os.PathLike[str] | None = None,
        restart: bool = False,
        progress: bool | None = None,
        stderr: TextIO | None = None,
        other_outputs: Sequence[str | os.PathLike[str] | None] = (),
        check_report: Callable[[Mapping[str, Any]], str | None] | None = None,
    ):
        self.store = store
        self.out_path = os.fspath(out_path)
        self.plan = batch_plan(store, chunk_size)
        self.stderr = stderr if stderr is not None else sys.stderr
        self.progress = progress
        self._memory: dict[int, dict[str, Any]] = {}
        stream = is_stream(self.out_path)
        if journal_path is None and not stream:  # nothing is kept beside a stream
            journal_path = journal_path_for(self.out_path)
        self.locks: list[OutputLock] = []
        self.journal: Journal | None = None
        try:
            if journal_path is not None and stream:  # a journal named for a stream: its lock goes beside it
                self.locks.append(OutputLock(journal_path, lock_path=f"{os.fspath(journal_path)}.lock").acquire())
            self.locks += lock_outputs([None if stream else self.out_path, *other_outputs])
            if journal_path is not None:
                self._open_journal(journal_path, fingerprint, restart, check_report)
        except BaseException:
            self.close()
            raise

    def _open_journal(
        self,
        journal_path: str | os.PathLike[str],
        fingerprint: Mapping[str, Any],
        restart: bool,
        check_report: Callable[[Mapping[str, Any]], str | None] | None,
    ) -> None:
        self.journal = Journal.open(journal_path, fingerprint, restart=restart)
        translatable = {i for chunk in self.plan for i in chunk}
        for index, unit in sorted(self.journal.done.items()):
            line = self.journal.line_of.get(index, 2)
            if index not in translatable:  # the same fingerprint cannot produce this: the file was edited
                raise self.journal.damaged_error(line, f"unit {index} is not a segment this input translates")
            problem = check_report(unit["report"]) if check_report is not None and "report" in unit else None
            if problem is not None:
                raise self.journal.damaged_error(line, f"unit {index}'s report: {problem}")
        if self.journal.dropped_lines:
            print(
                f"{self.journal.path}: warning: skipped {self.journal.dropped_lines} damaged line(s) "
                "(an interrupted run); their segments will be translated again",
                file=self.stderr,
            )

    def close(self) -> None:
        """Release the outputs' locks (the run is over, or will not run)."""
        for lock in self.locks:
            lock.release()

    def __enter__(self) -> "BatchRunner":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def done(self) -> dict[int, dict[str, Any]]:
        """Records of finished units by index (journaled, or in memory without a journal)."""
        return self.journal.done if self.journal is not None else self._memory

    @property
    def translatable(self) -> int:
        return sum(len(chunk) for chunk in self.plan)

    @property
    def pending(self) -> int:
        """Units still to translate (0 when a saved journal covers everything)."""
        return sum(1 for chunk in self.plan for i in chunk if i not in self.done)

    def run(
        self,
        translate: TranslateBatch,
        *,
        finalize: Callable[[list[dict[str, Any] | None]], None] | None = None,
    ) -> BatchResult:
        """Translate what is pending, write OUT, call ``finalize(records)``, drop the journal.

        ``finalize`` (e.g. writing the report) runs before the journal is
        removed, so a crash inside it can still be resumed. The output's
        lock is released when this returns or raises.
        """
        try:
            return self._run(translate, finalize)
        finally:
            self.close()

    def _run(
        self,
        translate: TranslateBatch,
        finalize: Callable[[list[dict[str, Any] | None]], None] | None,
    ) -> BatchResult:
        resumed = sum(1 for chunk in self.plan for i in chunk if i in self.done)
        if resumed and self.journal is not None:
            print(SavedWork(resumed, self.translatable, self.journal.path).resuming_line(), file=self.stderr)
        bar = progress_bar(self.progress, self.stderr, self.translatable, resumed)
        translated = 0
        try:
            for chunk in self.plan:
                todo = [i for i in chunk if i not in self.done]
                if not todo:
                    continue
                results = list(translate([self.store.units[i].source for i in todo]))
                if len(results) != len(todo):
                    raise RuntimeError(f"translate returned {len(results)} results for {len(todo)} segments")
                records = [
                    {"index": i, "target": result.target, "report": result.to_dict()}
                    for i, result in zip(todo, results)
                ]
                if self.journal is not None:
                    self.journal.append(records)
                else:
                    self._memory.update({r["index"]: r for r in records})
                translated += len(todo)
                if bar is not None:
                    bar.update(len(todo))
        except BaseException:
            if bar is not None:
                bar.close()
            self._say_saved()
            raise
        if bar is not None:
            bar.close()

        records: list[dict[str, Any] | None] = [None] * len(self.store.units)
        for index, record in self.done.items():
            records[index] = record
            self.store.units[index].target = record["target"]
        write_store(self.store, self.out_path)
        if finalize is not None:
            finalize(records)
        if self.journal is not None:
            self.journal.remove()
        return BatchResult(
            units=len(self.store.units),
            translatable=self.translatable,
            resumed=resumed,
            translated=translated,
            records=records,
        )

    def _say_saved(self) -> None:
        if self.journal is None or not self.journal.exists:
            return
        saved = sum(1 for chunk in self.plan for i in chunk if i in self.done)
        print(SavedWork(saved, self.translatable, self.journal.path).stopped_line(), file=self.stderr)


#: the name this class had before translate/ got its rooms (exported by termlock.translate; library callers use it)
BatchJob = BatchRunner
