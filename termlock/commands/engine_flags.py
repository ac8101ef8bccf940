"""The ``--engine`` flags that ``termlock translate`` and ``termlock check`` share.

Parsed into :class:`~termlock.jobs.EngineOptions`; the engine names come
from the engine registry, so a new engine needs no change here. Importing
this module does not import Ray.
"""

from __future__ import annotations

import argparse

from termlock.commands.argtypes import positive_int
from termlock.engines import engine_names
from termlock.jobs import EngineOptions



def _gpu_share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number such as 1 or 0.5, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
    return value


def _engine_arguments(parser: argparse.ArgumentParser, *, what: str) -> argparse._ArgumentGroup:
    group = parser.add_argument_group("scaling out (Ray)")
    group.add_argument(
        "--engine",
        choices=engine_names(),
        default="local",
        help=f"local: {what} in this process (default); ray: on a Ray cluster, "
        "input may be a directory of shards (needs pip install 'termlock[ray]')",
    )
    group.add_argument(
        "--address",
        metavar="ADDR",
        help="Ray cluster to use: auto (the cluster this machine joined with `ray start`) or "
        "ray://HOST:10001 (a remote head node); default: start a local Ray instance",
    )
    group.add_argument(
        "--num-workers", type=positive_int, metavar="N", help="Ray workers (default: one per CPU, or per GPU share)"
    )
    return group


def add_translate_arguments(parser: argparse.ArgumentParser) -> None:
    """``--engine``, ``--address``, ``--num-workers``, ``--gpus-per-worker``, ``--merge``, ``--shard-size``."""
    group = _engine_arguments(parser, what="translate")
    group.add_argument(
        "--gpus-per-worker",
        type=_gpu_share,
        metavar="F",
        help="GPUs each Ray worker reserves; fractions such as 0.5 put several workers on one GPU (default: CPU only)",
    )
    group.add_argument(
        "--merge",
        action="store_true",
        help="with a directory of shards as IN: write one merged OUT file instead of a directory "
        "of output shards plus manifest.json",
    )
    group.add_argument(
        "--shard-size",
        type=positive_int,
        metavar="N",
        help="segments per work shard, the unit a Ray worker translates and a rerun skips once done (default 1000)",
    )


def add_check_arguments(parser: argparse.ArgumentParser) -> None:
    """``--engine``, ``--address``, ``--num-workers``, ``--shard-size``, and the local engine's ``--jobs``, for ``termlock check``."""
    group = _engine_arguments(parser, what="check")
    group.add_argument(
        "--shard-size", type=positive_int, metavar="N", help="segments per chunk sent to a Ray worker (default 5000)"
    )
    local = parser.add_argument_group("worker processes (local engine)")
    local.add_argument(
        "--jobs",
        type=positive_int,
        metavar="N",
        help="check aligned files in N processes on this machine, the reports the same bytes "
        "(default: one per usable CPU for a source of 1 MiB or more, else 1; 1: in this process)",
    )


def engine_options(args: argparse.Namespace) -> EngineOptions:
    """The engine settings of a parsed command line."""
    return EngineOptions(
        name=args.engine,
        address=args.address,
        num_workers=args.num_workers,
        gpus_per_worker=getattr(args, "gpus_per_worker", None),
        shard_size=args.shard_size,
        merge=getattr(args, "merge", False),
        jobs=getattr(args, "jobs", None),
    )
