"""Where and how wide a job runs: the engine and its scale-out settings."""

from __future__ import annotations

from dataclasses import dataclass

from termlock.errors import TermlockError

#: settings that only a distributed engine uses, as (field, flag) pairs
_DISTRIBUTED_ONLY = (
    ("address", "--address"),
    ("num_workers", "--num-workers"),
    ("gpus_per_worker", "--gpus-per-worker"),
    ("merge", "--merge"),
    ("shard_size", "--shard-size"),
)


@dataclass(frozen=True)
class EngineOptions:
    """The engine by name (``local``, ``ray``) and what a cluster engine needs.

    ``None``/``False`` means "not given": each engine picks its own default,
    and the local engine refuses settings it cannot honour rather than
    silently ignoring them.
    """

    name: str = "local"
    address: str | None = None
    num_workers: int | None = None
    gpus_per_worker: float | None = None
    shard_size: int | None = None
    merge: bool = False
    #: the local engine's worker processes for a check (None: every usable CPU for a large input, else 1)
    jobs: int | None = None

    def distributed_settings_given(self) -> list[str]:
        """The flags of the settings given that only a distributed engine uses."""
        return [flag for name, flag in _DISTRIBUTED_ONLY if getattr(self, name) not in (None, False)]

    def refuse_distributed_settings(self) -> None:
        """For an engine that runs in this process: cluster settings are a usage error."""
        given = self.distributed_settings_given()
        if given:
            raise TermlockError(f"{', '.join(given)} only apply with --engine ray", fix="add --engine ray, or drop them")
