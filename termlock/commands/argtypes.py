"""argparse value types shared by the commands and the Ray engine's flags.

argparse reports a type error as a usage error (exit 2) naming the flag, so
a bad number is refused before a model is loaded or a cluster is joined.
"""

from __future__ import annotations

import argparse


def _whole_number(text: str) -> int:
    """``text`` as an int, or argparse's one-line error."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def positive_int(text: str) -> int:
    """A whole number of at least 1 (beam width, batch size, workers, ...)."""
    value = _whole_number(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def count(text: str) -> int:
    """A whole number of 0 or more (a cache size, where 0 turns the thing off)."""
    value = _whole_number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def non_negative(text: str) -> float:
    """A finite number of 0 or more (milliseconds to wait)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 <= value < float("inf"):  # also refuses nan and inf
        raise argparse.ArgumentTypeError(f"must be a finite number of 0 or more, got {text}")
    return value


def port(text: str) -> int:
    """A TCP port, 0 to 65535 (0: the system picks a free one)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0 to 65535, got {value}")
    return value


def input_path(text: str) -> str:
    """A file (or folder) the command reads: never overwritten by one of its outputs.

    The value is the text as typed; the function's identity marks the
    option's role, so a test can find every input and every output of every
    command in the parser itself and point each input at each output.
    """
    return text


def output_path(text: str) -> str:
    """A file the command writes (``-`` = standard output); see :func:`input_path`."""
    return text
