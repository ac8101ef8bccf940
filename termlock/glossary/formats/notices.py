"""Things an import did that the user should hear about, without failing it.

A CSV read with ``;`` as its delimiter, TBX data the schema has no place
for: the import succeeds, but silently guessing or dropping would surprise
someone later. Importers call :func:`notice`; it is a ``warnings`` warning
of its own class, so a library caller can filter or record it, and the CLI
prints each as one ``note:`` line.
"""

from __future__ import annotations

import warnings


class ImportNotice(UserWarning):
    """A one-line note about an imported glossary (``str()`` is the whole message)."""


def notice(message: str) -> None:
    warnings.warn(ImportNotice(message), stacklevel=2)
