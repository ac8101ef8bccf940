"""argparse value types shared by the commands and the Ray engine's flags.

argparse reports a type error as a usage error (exit 2) naming the flag, so
a bad number is refused before a model is loaded or a cluster is joined.
"""

from __future__ import annotations

import argparse


def positive_int(text: str) -> int:
    """A whole number of at least 1 (beam width, batch size, workers, ...)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value
