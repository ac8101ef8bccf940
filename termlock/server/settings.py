"""``ServerSettings``: everything ``termlock serve`` is started with, in one record.

The translation settings are the same :class:`~termlock.jobs.TranslatorSettings`
``termlock translate`` builds (so a new setting reaches the server too); the
rest says where to listen, how to batch, what to refuse and where to keep
glossaries.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from termlock.jobs import TranslatorSettings
from termlock.web.launcher import DEFAULT_HOST

#: the glossary and usage database's file name inside ``--data-dir``
DATABASE_NAME = "termlock.sqlite3"


def default_data_dir() -> str:
    """``$XDG_DATA_HOME/termlock`` (``~/.local/share/termlock``)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return str(Path(base) / "termlock")


@dataclass(frozen=True)
class ServerSettings:
    translator: TranslatorSettings = field(default_factory=TranslatorSettings)
    #: default glossary files of every request (none: the bundled glossary), merged in order
    glossaries: tuple[str, ...] = ()
    #: no inflection tolerance for any term
    exact: bool = False
    host: str = DEFAULT_HOST
    #: Host names served besides the loopback names on a loopback address (a reverse proxy's public name)
    allowed_host_names: tuple[str, ...] = ()
    port: int = 5000
    #: the API keys YAML (None: no keys required)
    api_keys: str | None = None
    #: where the glossary database lives
    data_dir: str = field(default_factory=default_data_dir)
    #: segments decoded together at most, and how long the decoder waits for more once one is queued
    max_batch_size: int = 32
    max_wait_ms: float = 2.0
    #: segments waiting at most before new requests get 429
    max_queue: int = 1024
    #: translations remembered (segments); 0 turns the cache off
    cache_size: int = 10000
    #: request limits: body bytes, texts per request, characters per text
    max_body_bytes: int = 1 << 20
    max_texts: int = 50
    max_chars: int = 10000
    #: the model name clients give (OpenAI ``model``); ``NAME@GLOSSARY`` selects a stored glossary
    model_alias: str = "termlock"
    #: ``local`` (this process) or ``ray`` (Ray Serve, ``replicas`` copies of the model)
    engine: str = "local"
    replicas: int = 1
    address: str | None = None

    def database_files(self) -> list[str]:
        """The files the server writes: the SQLite database under ``data_dir`` and its WAL companions."""
        database = str(Path(self.data_dir) / DATABASE_NAME)
        return [database, database + "-wal", database + "-shm"]

    def validate(self, bound_glossaries: tuple[str, ...] = ()) -> None:
        """Refuse a ``--data-dir`` whose database would overwrite a file the server reads (before any work).

        What it reads: the ``--glossary`` files, the ``--api-keys`` file and
        the glossary files its keys are bound to (``bound_glossaries``), a
        prompt template file and every file of a local model folder.
        """
        from termlock.jobs.glossaries import BUNDLED_GLOSSARY, glossary_files
        from termlock.outputs import refuse_clobbering

        named = self.glossaries or (BUNDLED_GLOSSARY,)  # no --glossary: the bundled one, an input like any other
        refuse_clobbering(
            [*(("--glossary", path) for path in glossary_files(named)), ("--api-keys", self.api_keys),
             *(("--api-keys", path) for path in bound_glossaries), *self.translator.files_read()],
            [("--data-dir", path) for path in self.database_files()],
        )

    def fingerprint(self) -> str:
        """What shapes a translation besides the glossary and the text (the cache key's first part)."""
        return json.dumps({"translator": dataclasses.asdict(self.translator), "exact": self.exact}, sort_keys=True)
