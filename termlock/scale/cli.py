"""The ``--engine`` flags that ``termlock translate`` and ``termlock check`` share.

Declared here, next to the engines, so the command modules only add one
call each; importing this module does not import Ray.
"""

from __future__ import annotations

import argparse
import os

from termlock.commands.argtypes import positive_int
from termlock.errors import TermlockError

ENGINES = ("local", "ray")
#: flags that only mean something on Ray, with their argparse default
_RAY_ONLY = {"address": None, "num_workers": None, "gpus_per_worker": None, "merge": False, "shard_size": None}


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
        choices=ENGINES,
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
    """``--engine``, ``--address``, ``--num-workers``, ``--shard-size`` for ``termlock check``."""
    group = _engine_arguments(parser, what="check")
    group.add_argument(
        "--shard-size", type=positive_int, metavar="N", help="segments per chunk sent to a Ray worker (default 5000)"
    )


def refuse_ray_flags_on_local(args: argparse.Namespace, *inputs: str | None) -> None:
    """With ``--engine local``, Ray-only flags and directories of shards are usage errors."""
    given = [name for name, default in _RAY_ONLY.items() if getattr(args, name, default) not in (default,)]
    if given:
        flags = ", ".join("--" + name.replace("_", "-") for name in given)
        raise TermlockError(f"{flags} only apply with --engine ray", fix="add --engine ray, or drop them")
    for path in inputs:
        if path not in (None, "-") and os.path.isdir(path):
            raise TermlockError(
                "is a directory; the local engine reads one file",
                path=path,
                fix="pass a file, or --engine ray to process a directory of shards",
            )
