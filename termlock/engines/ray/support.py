"""Ray as an optional dependency: import it on demand, connect, run a pool.

Nothing else in termlock imports Ray, so ``pip install termlock`` stays
small and ``termlock`` works without it; asking for ``--engine ray`` without
Ray installed says how to install it. Everything Ray-specific (connecting to
a cluster, the actor pool that loads a model once per worker, fault
tolerance settings) lives here, behind :func:`run_pool`, so the engines in
:mod:`translate` and :mod:`check` only plan work and put results
together, and can be tested with an in-process pool as well.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import pickle
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

from termlock.errors import TermlockError
from termlock.extras import EXTRAS

INSTALL_HINT = EXTRAS["ray"].install_hint()

#: How often one work item is run again after its worker process died.
#: Ray Data's default is without limit, which turns an item that kills its
#: worker every time (out of memory on a huge shard, say) into a job that
#: never ends; workers themselves may still be restarted without limit, as
#: a long job on a real cluster loses nodes now and then.
ITEM_RETRIES = 3


def import_ray() -> Any:
    """The ``ray`` module, or a :class:`TermlockError` saying how to install it."""
    try:
        import ray
        import ray.data  # noqa: F401  (the Data library is a separate extra)
    except ImportError as exc:
        raise TermlockError(
            f"--engine ray needs Ray Data, which is not installed ({exc})",
            fix=f"{INSTALL_HINT}, or use --engine local",
        ) from None
    return ray


@dataclass(frozen=True)
class Connection:
    """Where work runs: what :func:`connect` attached to."""

    address: str | None
    started_here: bool
    cpus: float
    gpus: float


def _init_kwargs(address: str | None) -> dict[str, Any]:
    quiet = {"log_to_driver": False, "logging_level": logging.ERROR}
    if address is None and os.environ.get("RAY_ADDRESS"):
        address = os.environ["RAY_ADDRESS"]  # Ray's own way of naming the cluster to use
    if address is None:
        # a private instance on this machine (even if `ray start` ran here:
        # that cluster is --address auto), without a dashboard nobody asked for
        return {"address": "local", "include_dashboard": False, **quiet}
    return {"address": address, **quiet}


@contextlib.contextmanager
def _quiet_ray_data() -> Iterator[None]:
    """Keep Ray Data's per-run INFO lines off the user's terminal (they stay in Ray's log files).

    termlock prints its own progress and outcome; Ray's messages about
    execution plans and disabled progress bars are noise to a translator.
    Set ``TERMLOCK_RAY_VERBOSE=1`` to see them.
    """
    if os.environ.get("TERMLOCK_RAY_VERBOSE"):
        yield
        return
    logger = logging.getLogger("ray.data")
    before = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(before)


@contextlib.contextmanager
def connect(address: str | None = None) -> Iterator[Connection]:
    """Attach to Ray for the duration of a job.

    ``address`` None uses the cluster named by ``RAY_ADDRESS`` if set, else
    starts a private local instance on this machine; ``"auto"`` joins the
    cluster this machine belongs to (``ray start`` was run here);
    ``"ray://HOST:PORT"`` connects through Ray Client to a remote head node.
    When Ray is already initialised in this process (a notebook, a test
    fixture) it is used as is and left running afterwards.
    """
    ray = import_ray()
    started = False
    if not ray.is_initialized():
        try:
            ray.init(**_init_kwargs(address))
        except (ConnectionError, ValueError, RuntimeError, ImportError) as exc:
            if str(address).startswith("ray://"):
                fix = (
                    "Ray Client needs `pip install 'ray[client]'` here, the same Python and Ray versions as "
                    "the cluster, and a head node started with --ray-client-server-port (default 10001)"
                )
            else:
                fix = (
                    "start the cluster (`ray start --head`) and pass --address auto, or --address "
                    "ray://HOST:10001 for a remote head node; omit --address to run on this machine"
                )
            raise TermlockError(f"cannot connect to Ray at {address or 'a new local instance'}: {exc}", fix=fix) from None
        started = True
    try:
        resources = ray.cluster_resources()
        yield Connection(address, started, float(resources.get("CPU", 0)), float(resources.get("GPU", 0)))
    finally:
        if started:
            ray.shutdown()


def default_workers(connection: Connection, gpus_per_worker: float) -> int:
    """As many workers as the cluster can run at once (one CPU, or ``gpus_per_worker`` GPUs, each)."""
    if gpus_per_worker > 0:
        return max(1, math.floor(connection.gpus / gpus_per_worker + 1e-9))
    return max(1, int(connection.cpus))


def check_resources(connection: Connection, num_workers: int, gpus_per_worker: float) -> None:
    """Refuse a pool the cluster can never schedule, instead of waiting for it forever."""
    if gpus_per_worker > 0 and connection.gpus + 1e-9 < gpus_per_worker:
        raise TermlockError(
            f"--gpus-per-worker {gpus_per_worker:g} but the Ray cluster has {connection.gpus:g} GPUs",
            fix="connect to a cluster with GPUs (--address), or drop --gpus-per-worker to run on CPUs",
        )
    if gpus_per_worker > 0 and num_workers * gpus_per_worker > connection.gpus + 1e-9:
        raise TermlockError(
            f"{num_workers} workers x {gpus_per_worker:g} GPUs need {num_workers * gpus_per_worker:g} GPUs, "
            f"the cluster has {connection.gpus:g}",
            fix="lower --num-workers or --gpus-per-worker (fractions such as 0.5 share a GPU)",
        )


# ---------------------------------------------------------------- the pool

#: a work item: (key, payload); the key names the item, the payload is data
WorkItem = tuple[str, Any]
#: builds, once per worker, the function that turns a payload into a result
WorkerFactory = Callable[[], Callable[[Any], Any]]


@dataclass(frozen=True)
class WorkerError:
    """A :class:`TermlockError` raised on a worker (a missing model, say), carried back as data.

    Raised on the worker, it would kill the actor, which Ray restarts again
    and again, and reach the user as pages of Ray traceback; returned as a
    value, the driver stops the pool and reports it on one line, as the
    local engine does.
    """

    message: str
    path: str | None
    line: int | None
    fix: str | None
    host: str

    @classmethod
    def of(cls, exc: TermlockError) -> "WorkerError":
        import socket

        return cls(exc.message, exc.path, exc.line, exc.fix, socket.gethostname())

    def error(self) -> TermlockError:
        return TermlockError(f"on worker {self.host}: {self.message}", path=self.path, line=self.line, fix=self.fix)


class _PoolWorker:
    """Ray Data callable class: one per actor, so the factory (a model load) runs once per worker."""

    def __init__(self, factory: WorkerFactory) -> None:
        self.work: Callable[[Any], Any] | None = None
        self.failed: WorkerError | None = None
        try:
            self.work = factory()
        except TermlockError as exc:
            self.failed = WorkerError.of(exc)

    def _run(self, payload: bytes) -> Any:
        if self.work is None:
            return self.failed
        try:
            return self.work(pickle.loads(payload))
        except TermlockError as exc:
            return WorkerError.of(exc)

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa

        keys = batch.column("key").to_pylist()
        results = [pickle.dumps(self._run(p), protocol=5) for p in batch.column("payload").to_pylist()]
        return pa.table({"key": pa.array(keys, pa.string()), "payload": pa.array(results, pa.large_binary())})


def run_pool(
    items: Iterable[WorkItem],
    factory: WorkerFactory,
    *,
    num_workers: int,
    gpus_per_worker: float = 0.0,
) -> Iterator[tuple[str, Any]]:
    """Run ``factory()(payload)`` for every item on a pool of Ray actors; yield ``(key, result)``.

    Results arrive in completion order, not item order: callers put them
    together by key. Each item is its own block, so a worker process that
    dies costs one item, which Ray Data runs again on a restarted actor, up
    to :data:`ITEM_RETRIES` times; after that the run stops with a
    :class:`TermlockError` (what finished is the caller's to keep, so a
    rerun resumes). An exception raised by the work itself is not retried
    and fails the run. A key can in principle be yielded twice, and callers
    must keep the first result per key.
    """
    ray = import_ray()
    from ray.data import ActorPoolStrategy, DataContext

    rows = [{"key": key, "payload": pickle.dumps(payload, protocol=5)} for key, payload in items]
    if not rows:
        return
    context = DataContext.get_current()
    context.enable_progress_bars = False  # the caller reports progress per shard
    dataset = ray.data.from_items(rows, override_num_blocks=len(rows))
    mapped = dataset.map_batches(
        _PoolWorker,
        fn_constructor_kwargs={"factory": factory},
        batch_size=1,
        batch_format="pyarrow",
        compute=ActorPoolStrategy(size=max(1, min(num_workers, len(rows)))),
        num_cpus=1,
        num_gpus=gpus_per_worker if gpus_per_worker > 0 else None,
        **_item_retries(dataset),
    )
    with _quiet_ray_data():
        batches = iter(mapped.iter_batches(batch_size=None, batch_format="pyarrow"))
        try:
            while True:
                try:
                    table = next(batches)
                except StopIteration:
                    break
                except ray.exceptions.RayError as exc:
                    raise _lost_workers(exc) from None
                for key, payload in zip(table.column("key").to_pylist(), table.column("payload").to_pylist()):
                    result = pickle.loads(payload)
                    if isinstance(result, WorkerError):
                        raise result.error()
                    yield key, result
        finally:
            # stop the pool now if the caller stops early (driver error, Ctrl-C)
            close = getattr(batches, "close", None)
            if close is not None:
                close()


def _item_retries(dataset: Any) -> dict[str, int]:
    """``max_task_retries`` for ``map_batches``, where this Ray version still takes it.

    Ray 2.60 takes it only as a free-form remote argument, which it marks as
    deprecated (with a warning, silenced here: users cannot act on it) and
    means to drop in 2.64. On a Ray that no longer takes free-form
    arguments, Ray's own policy applies: retry without limit.
    """
    import inspect
    import warnings

    parameters = inspect.signature(dataset.map_batches).parameters.values()
    if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return {}
    warnings.filterwarnings("ignore", message="`ray_remote_args` is deprecated", module="termlock")
    return {"max_task_retries": ITEM_RETRIES}


def _lost_workers(exc: Exception) -> TermlockError:
    """One line for a run Ray gave up on, instead of pages of Ray traceback."""
    detail = str(exc).strip().splitlines()
    return TermlockError(
        f"the Ray run stopped: {type(exc).__name__}: {detail[0] if detail else 'no detail'}"
        f" (a work item whose worker died {ITEM_RETRIES + 1} times is not run again)",
        fix="what finished is saved: rerun the same command to resume; a worker that dies on the same "
        "shard every time has usually run out of memory: lower --batch-size or --shard-size, "
        "or give each worker more memory",
    )


@dataclass
class ClusterPool:
    """A pool that connects to Ray only when there is work, so bad input fails before Ray starts.

    ``num_workers`` None means one per CPU (or per ``gpus_per_worker`` share
    of the GPUs); after a run, ``workers`` says how many were used.
    """

    address: str | None = None
    num_workers: int | None = None
    gpus_per_worker: float = 0.0
    workers: int = 0

    def __call__(self, items: Iterable[WorkItem], factory: WorkerFactory) -> Iterator[tuple[str, Any]]:
        todo = list(items)
        if not todo:
            return
        with connect(self.address) as connection:
            self.workers = self.num_workers or default_workers(connection, self.gpus_per_worker)
            check_resources(connection, self.workers, self.gpus_per_worker)
            yield from run_pool(todo, factory, num_workers=self.workers, gpus_per_worker=self.gpus_per_worker)


def run_in_process(items: Iterable[WorkItem], factory: WorkerFactory) -> Iterator[tuple[str, Any]]:
    """The pool's contract in this process, with one worker: for tests and tiny jobs."""
    work = factory()
    for key, payload in items:
        yield key, work(payload)
