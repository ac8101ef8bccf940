"""The glossary a job names: a file in any supported format, or the bundled one.

Both commands and every engine resolve ``--glossary`` here, so a TBX or
spreadsheet glossary works for ``translate`` on Ray exactly as for ``check``
on one machine, and ``--glossary bundled`` names the bundled glossary
(:func:`termlock.corpora.glossary_path`) wherever a glossary is asked for.
"""

from __future__ import annotations

import os
from typing import Sequence

from dataclasses import dataclass

from termlock.corpora import BUNDLED_GLOSSARY, glossary_path
from termlock.errors import TermlockError
from termlock.glossary import Glossary
from termlock.glossary.merge import MergeConflict


def glossary_files(paths: Sequence[str]) -> list[str]:
    """The files a job's ``--glossary`` arguments name (``bundled``: the bundled glossary's file)."""
    return [glossary_path(path) for path in paths]


def load_glossary_file(path: str) -> Glossary:
    """A glossary file (or ``bundled``): YAML with the loader's own rules, TBX/CSV/TSV/XLSX through import."""
    path = glossary_path(path)
    if not os.path.exists(path):
        raise TermlockError(
            "--glossary: no such file", path=path,
            fix=f"check the path, or pass --glossary {BUNDLED_GLOSSARY} for the bundled glossary",
        )  # fmt: skip
    from termlock.glossary.formats import import_glossary

    return import_glossary(path)


def load_job_glossary(paths: Sequence[str], *, exact: bool = False) -> Glossary:
    """The job's glossary: the bundled one when no file is named, else every file named,
    merged in order (the later file wins for a source both define; see
    :func:`load_job_glossaries` for the conflicts). ``exact``: no inflection tolerance."""
    return load_job_glossaries(paths, exact=exact).glossary


@dataclass(frozen=True)
class GlossaryChoice:
    """The glossary of a run, and the sources two of its files defined differently."""

    glossary: Glossary
    conflicts: tuple[MergeConflict, ...] = ()


def load_job_glossaries(paths: Sequence[str], *, exact: bool = False) -> GlossaryChoice:
    """Every ``--glossary`` merged in order, the later winning per source, each conflict listed once."""
    from termlock.glossary.merge import exact_glossary, merge_glossaries

    if not paths:
        from termlock.corpora import load_bundled_glossary

        glossaries = [load_bundled_glossary()]
    else:
        glossaries = [load_glossary_file(path) for path in paths]
    merged = merge_glossaries(glossaries)
    glossary = exact_glossary(merged.glossary) if exact else merged.glossary
    return GlossaryChoice(glossary, merged.conflicts)
