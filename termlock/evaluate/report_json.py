"""The JSON report: ``CheckResult.to_dict()`` as UTF-8 text.

Non-ASCII is written as is (``ensure_ascii=False``) so Chinese sources stay
readable in the file and a third smaller than ``\\uXXXX`` escapes.
"""

from __future__ import annotations

import json
import os

from termlock.fileio import write_text_atomically
from termlock.evaluate.records import CheckResult


def to_json(result: CheckResult, *, indent: int | None = 2) -> str:
    return json.dumps(result.to_dict(), ensure_ascii=False, indent=indent) + "\n"


def write_json(result: CheckResult, path: str | os.PathLike[str]) -> None:
    write_text_atomically(path, to_json(result))
