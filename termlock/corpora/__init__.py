"""The bundled glossary and parallel corpus, shipped as package data.

They give a new user something real to run (``termlock check`` without a
``--glossary`` uses the bundled glossary, and ``--glossary bundled`` names it
anywhere; the demo checks the bundled flawed translation) and give the tests
a corpus whose expected findings are known: ``flawed_plan.jsonl`` lists
every problem planted in ``corpus.flawed.en``.

Files are located with :mod:`importlib.resources`, so the same code works
from a source checkout, an installed wheel, or a zipped package (where the
files are extracted once to a temporary directory that lives until exit).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import pathlib
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

from termlock.errors import TermlockError
from termlock.inputs import read_segments

if TYPE_CHECKING:
    from termlock.glossary import Glossary

__all__ = [
    "BundledCorpus",
    "FlawPlan",
    "PlannedInconsistency",
    "PlannedProblem",
    "bundled_corpus",
    "bundled_glossary_path",
    "glossary_path",
    "load_bundled_glossary",
    "read_plan",
]

GLOSSARY_FILE = "glossary.yaml"
SOURCE_FILE = "corpus.zh"
REFERENCE_FILE = "corpus.en"
FLAWED_FILE = "corpus.flawed.en"
PLAN_FILE = "flawed_plan.jsonl"

#: Keeps extracted copies of zipped data files alive until interpreter exit.
_EXTRACTED = contextlib.ExitStack()
atexit.register(_EXTRACTED.close)


def _data_path(name: str) -> pathlib.Path:
    """A real filesystem path to a bundled data file.

    Callers (the glossary loader, ``open``, error messages) need a path, not
    a Traversable; for a zipped install the file is extracted once.
    """
    resource = resources.files(__name__).joinpath("data", name)
    if isinstance(resource, pathlib.Path):
        return resource
    return _EXTRACTED.enter_context(resources.as_file(resource))


def bundled_glossary_path() -> pathlib.Path:
    """Path of the bundled glossary (YAML, the schema of ``termlock.glossary.loader``)."""
    return _data_path(GLOSSARY_FILE)


#: the name that stands for the bundled glossary wherever a glossary file is asked for
#: (``--glossary bundled``; a file of that name is ``./bundled``)
BUNDLED_GLOSSARY = "bundled"


def glossary_path(name: str) -> str:
    """A glossary argument as the file it means: :data:`BUNDLED_GLOSSARY` is the bundled glossary's file.

    Every place that takes a glossary path goes through this, so
    ``--glossary bundled`` works for check, translate, the glossary
    commands and the library alike, and the bundled file is an input like
    any other (no output may overwrite it).
    """
    return str(bundled_glossary_path()) if name == BUNDLED_GLOSSARY else name


def load_bundled_glossary() -> Glossary:
    """The bundled glossary, loaded and validated like any user glossary."""
    from termlock.glossary import load_glossary

    return load_glossary(bundled_glossary_path())


@dataclass(frozen=True)
class PlannedProblem:
    """A term occurrence deliberately broken in the flawed translation.

    ``index`` is the 0-based segment (line) and ``status`` the verdict the
    checker must give it: ``missing`` or ``forbidden``.
    """

    index: int
    term: str
    status: str


@dataclass(frozen=True)
class PlannedInconsistency:
    """A term deliberately rendered in several accepted ways across segments."""

    term: str
    renderings: tuple[str, ...]


@dataclass(frozen=True)
class FlawPlan:
    """Everything planted in the flawed translation; the rest must be clean."""

    problems: tuple[PlannedProblem, ...]
    inconsistencies: tuple[PlannedInconsistency, ...]


_STATUSES = ("missing", "forbidden")


def read_plan(path: str | pathlib.Path) -> FlawPlan:
    """Parse a flaw plan (JSON Lines), rejecting anything it cannot mean.

    One object per line, either ``{"index", "term", "status"}`` or
    ``{"term", "inconsistent": true, "renderings"}``; blank lines are skipped.
    """
    path = pathlib.Path(path)
    problems: list[PlannedProblem] = []
    inconsistencies: list[PlannedInconsistency] = []
    for number, line in enumerate(read_segments(path), start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as err:
            raise TermlockError(f"invalid JSON: {err.msg}", path=str(path), line=number, fix="write one JSON object per line") from None
        if not isinstance(entry, dict) or not isinstance(entry.get("term"), str) or not entry["term"]:
            raise TermlockError("expected an object with a \"term\" string", path=str(path), line=number, fix='add "term": "<term id>"')
        if entry.get("inconsistent") is True:
            renderings = entry.get("renderings")
            if set(entry) != {"term", "inconsistent", "renderings"} or not (
                isinstance(renderings, list) and len(renderings) >= 2 and all(isinstance(r, str) and r for r in renderings)
            ):
                raise TermlockError(
                    "an inconsistency needs exactly \"term\", \"inconsistent\": true and \"renderings\" (two or more strings)",
                    path=str(path),
                    line=number,
                    fix='write {"term": id, "inconsistent": true, "renderings": ["...", "..."]}',
                )
            inconsistencies.append(PlannedInconsistency(entry["term"], tuple(renderings)))
            continue
        index, status = entry.get("index"), entry.get("status")
        if (
            set(entry) != {"index", "term", "status"}
            or not isinstance(index, int)
            or isinstance(index, bool)
            or index < 0
            or status not in _STATUSES
        ):
            raise TermlockError(
                "a planted problem needs exactly \"index\" (0-based line), \"term\" and \"status\" (missing or forbidden)",
                path=str(path),
                line=number,
                fix='write {"index": 0, "term": id, "status": "missing"}',
            )
        problems.append(PlannedProblem(index, entry["term"], status))
    return FlawPlan(tuple(problems), tuple(inconsistencies))


@dataclass(frozen=True)
class BundledCorpus:
    """Paths of the aligned corpus files, with readers for each.

    The three text files have one segment per line, aligned by line number:
    Chinese source, a careful reference translation that satisfies the
    bundled glossary, and a deliberately flawed translation.
    """

    source_path: pathlib.Path
    reference_path: pathlib.Path
    flawed_path: pathlib.Path
    plan_path: pathlib.Path

    def sources(self) -> list[str]:
        return read_segments(self.source_path)

    def references(self) -> list[str]:
        return read_segments(self.reference_path)

    def flawed(self) -> list[str]:
        return read_segments(self.flawed_path)

    def plan(self) -> FlawPlan:
        return read_plan(self.plan_path)


def bundled_corpus() -> BundledCorpus:
    """The bundled parallel corpus shipped in ``termlock/corpora/data``."""
    return BundledCorpus(
        source_path=_data_path(SOURCE_FILE),
        reference_path=_data_path(REFERENCE_FILE),
        flawed_path=_data_path(FLAWED_FILE),
        plan_path=_data_path(PLAN_FILE),
    )
