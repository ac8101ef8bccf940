"""The glossary a job names: a file in any supported format, or the bundled one.

Both commands and every engine resolve ``--glossary`` here, so a TBX or
spreadsheet glossary works for ``translate`` on Ray exactly as for ``check``
on one machine.
"""

from __future__ import annotations

import os
from typing import Sequence

from termlock.errors import TermlockError
from termlock.glossary import Glossary


def load_glossary_file(path: str) -> Glossary:
    """A glossary file: YAML with the loader's own rules, TBX/CSV/TSV/XLSX through import."""
    if not os.path.exists(path):
        raise TermlockError("--glossary: no such file", path=path, fix="check the path, or omit --glossary for the bundled one")
    from termlock.glossary.formats import import_glossary

    return import_glossary(path)


def load_job_glossary(paths: Sequence[str]) -> Glossary:
    """The job's glossary: the bundled one when no file is named, else the last file named."""
    if not paths:
        from termlock.corpora import load_bundled_glossary

        return load_bundled_glossary()
    return load_glossary_file(paths[-1])
