"""Engines run jobs: the same :class:`CheckJob`/:class:`TranslateJob`, the same result types.

* ``local`` (:mod:`termlock.engines.local`): this process, one file;
* ``ray`` (:mod:`termlock.engines.ray`): a Ray cluster, files or directories
  of shards, resumable by shard (optional extra ``termlock[ray]``).

An engine is any object with ``check(job) -> CheckResult`` and
``translate(job) -> TranslateOutcome``. A new one (say, a pool of GPU
servers) registers its module here and is then selectable with
``--engine NAME`` without any change to the command line; engine modules
are imported only when chosen, so Ray is never imported by a local run.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Protocol

from termlock.errors import TermlockError

if TYPE_CHECKING:  # pragma: no cover - the command line imports this module for --engine's choices only
    from termlock.evaluate.records import CheckResult
    from termlock.jobs import CheckJob, TranslateJob, TranslateOutcome

#: engine name -> "module:class" (imported on first use)
ENGINES = {
    "local": "termlock.engines.local:LocalEngine",
    "ray": "termlock.engines.ray.engine:RayEngine",
}


class Engine(Protocol):
    """Runs jobs; results must not depend on which engine ran them."""

    name: str

    def check(self, job: CheckJob) -> CheckResult: ...

    def translate(self, job: TranslateJob) -> TranslateOutcome: ...


def engine_names() -> tuple[str, ...]:
    """Every engine ``--engine`` accepts."""
    return tuple(ENGINES)


def get_engine(name: str) -> Engine:
    """The engine called ``name``, ready to run jobs."""
    spec = ENGINES.get(name)
    if spec is None:
        raise TermlockError(f"unknown engine {name!r}", fix=f"use one of: {', '.join(ENGINES)}")
    module_name, _, class_name = spec.partition(":")
    return getattr(importlib.import_module(module_name), class_name)()
