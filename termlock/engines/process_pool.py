"""Worker processes on this machine, behind the pool contract of :mod:`termlock.engines.sharded`.

The local engine checks a large input on every usable core: the main
process reads the input (the one reader) and sends runs of segments to
worker processes, which send back what the reports need, in input order.
The work is built once per worker: where processes can be forked (Linux)
it is built once here, before the workers start, and inherited; elsewhere
each worker builds it from the pickled factory when it starts.

What may go wrong, and what the user then sees:

- an exception in a worker is raised here as it was raised there (the
  command turns it into its usual one line: exit 2 for a
  :class:`~termlock.errors.TermlockError`, the crash code for a bug);
- a worker that dies (killed, out of memory) is one line naming it and
  the fix, exit 2, never a traceback;
- Ctrl-C reaches the main process only (workers ignore SIGINT, so none
  prints a traceback); the main process stops the workers before it
  exits, and on Linux a worker also dies with the main process however
  that ends, so none is left behind.

At most ``window`` runs are in flight (sent, not yet added to the
reports), so memory stays flat in the number of segments.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import sys
from collections import deque
from contextlib import contextmanager
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Iterable, Iterator

from termlock.errors import TermlockError

#: the work of this process when it is a worker (built by the factory)
_work: Callable[[Any], Any] | None = None


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity mask where the system has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _die_with_parent() -> None:
    """Linux: have the kernel kill this worker when the main process ends, however it ends (SIGKILL included)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the main process stops its workers itself
        pass


def _start_worker(factory: Callable[[], Callable[[Any], Any]] | None, parent: int) -> None:
    """A worker's first act: ignore Ctrl-C (the main process handles it), die with the main process, build the work."""
    global _work
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):  # started with Ctrl-C blocked (see _no_ctrl_c): now ignored, so unblock it
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    _die_with_parent()
    if os.getppid() != parent:  # the main process ended before the death signal was asked for
        os._exit(1)
    if factory is not None:
        _work = factory()


def _run(payload: Any) -> Any:
    return _work(payload)  # type: ignore[misc]


class ProcessPool:
    """``workers`` processes running one work function over items, results in item order.

    Called as ``pool(items, factory)``: ``items`` are ``(key, payload)``;
    yields ``(key, work(payload))`` in the order of ``items``, reading the
    next item only while fewer than ``window`` are in flight (default: two
    more than workers, so each worker has its next run waiting). The
    workers live as long as the iteration; closing it early stops them.
    """

    def __init__(self, workers: int, *, window: int | None = None, start_method: str | None = None) -> None:
        if workers < 1:
            raise ValueError("a pool needs at least one worker")
        self.workers = workers
        self.window = window or workers + 2
        #: ``fork`` where the system has it, else ``spawn`` (each worker builds the work from the pickled factory)
        self.start_method = start_method or ("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")

    def __call__(self, items: Iterable[tuple[Any, Any]], factory: Callable[[], Callable[[Any], Any]]) -> Iterator[tuple[Any, Any]]:
        global _work
        fork = self.start_method == "fork"
        if fork:
            _work = factory()  # built once, here; every forked worker inherits it
            for stream in (sys.stdout, sys.stderr):  # a worker flushes its copy of them as it exits: nothing twice
                stream.flush()
            # what the workers inherit (the compiled glossary) is never garbage: keep their collector off it, so
            # it neither spends time on it nor copies its pages (the collector writes to the objects it visits).
            # The gc module's advice for forked workers; no difference was measurable with 1,000 terms.
            gc.freeze()
        executor = None
        pending: deque[tuple[Any, Future]] = deque()
        try:
            executor = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context(self.start_method),
                initializer=_start_worker,
                initargs=(None if fork else factory, os.getpid()),
            )
            for key, payload in items:
                with _no_ctrl_c():  # a submit may start workers
                    pending.append((key, executor.submit(_run, payload)))
                if len(pending) >= self.window:
                    yield _result(*pending.popleft())
            while pending:
                yield _result(*pending.popleft())
        except BrokenProcessPool:
            raise _worker_died() from None
        finally:
            for _, future in pending:
                future.cancel()
            if executor is not None:
                _stop(executor)
            if fork:
                _work = None
                gc.unfreeze()


@contextmanager
def _no_ctrl_c() -> Iterator[None]:
    """SIGINT held back while workers may be started: a new worker starts with it blocked.

    Without this, a Ctrl-C in the moment between a worker's start and its
    :func:`_start_worker` would reach the worker while it still has
    Python's handler, and it would print a traceback. Here, a Ctrl-C that
    came meanwhile is raised when the block ends, in the main process only.
    """
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def _result(key: Any, future: Future) -> tuple[Any, Any]:
    return key, future.result()


def _stop(executor: ProcessPoolExecutor) -> None:
    """No worker left behind: queued work cancelled, the running runs finish (or the workers are killed) and exit."""
    processes = list(getattr(executor, "_processes", {}).values())  # for the kill below only; may be absent
    try:
        executor.shutdown(wait=True, cancel_futures=True)
    except BaseException:  # a second Ctrl-C while waiting: stop waiting, kill them
        for process in processes:
            if process.is_alive():
                process.kill()
        raise


def _worker_died() -> TermlockError:
    return TermlockError(
        "a worker process stopped before finishing its segments (killed, or out of memory); no report was written",
        fix="run again, or with --jobs 1 to check in one process",
    )
