"""Glossaries and usage kept across restarts: an embedded SQLite database under ``--data-dir``.

A glossary created through the DeepL API (``POST /v2/glossaries``) or the
native API is a termlock glossary: it is stored as termlock YAML (the
entries as canonical renderings when they came as DeepL TSV/CSV), so every
route locks it with the same rules as a ``--glossary`` file. Glossaries
belong to the API key (its name) that created them; without keys there is
one owner, ``""``. Characters translated per key are counted here too, for
quotas and ``/v2/usage``.

One connection per call (SQLite connections are cheap and not shared
between threads); WAL mode lets Ray Serve replicas on one machine share the
file.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from termlock.errors import TermlockError
from termlock.server.settings import DATABASE_NAME

_SCHEMA = """
CREATE TABLE IF NOT EXISTS glossaries (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    source_lang TEXT NOT NULL,
    target_lang TEXT NOT NULL,
    created TEXT NOT NULL,
    entry_count INTEGER NOT NULL,
    yaml TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS glossaries_owner ON glossaries(owner);
CREATE TABLE IF NOT EXISTS usage (
    owner TEXT PRIMARY KEY,
    characters INTEGER NOT NULL
);
"""


@dataclass(frozen=True)
class StoredGlossary:
    """A stored glossary's record; ``yaml`` is the termlock glossary itself."""

    id: str
    owner: str
    name: str
    source_lang: str
    target_lang: str
    created: str
    entry_count: int
    yaml: str


class GlossaryStore:
    """The SQLite file ``DATA_DIR/termlock.sqlite3`` (created with the folder on first use)."""

    def __init__(self, data_dir: str | os.PathLike[str]) -> None:
        self.path = Path(data_dir) / DATABASE_NAME
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with closing(self._connect()) as db:
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise TermlockError(
                f"cannot open the glossary database: {exc}", path=str(self.path),
                fix="pass a writable --data-dir",
            ) from None

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=10)
        db.row_factory = sqlite3.Row
        return db

    def add(self, owner: str, name: str, source_lang: str, target_lang: str, entry_count: int, yaml_text: str) -> StoredGlossary:
        record = StoredGlossary(
            id=str(uuid.uuid4()),
            owner=owner,
            name=name,
            source_lang=source_lang,
            target_lang=target_lang,
            created=datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            entry_count=entry_count,
            yaml=yaml_text,
        )
        with closing(self._connect()) as db, db:
            db.execute(
                "INSERT INTO glossaries VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (record.id, owner, name, source_lang, target_lang, record.created, entry_count, yaml_text),
            )
        return record

    def list(self, owner: str) -> list[StoredGlossary]:
        with closing(self._connect()) as db:
            rows = db.execute("SELECT * FROM glossaries WHERE owner = ? ORDER BY created, id", (owner,)).fetchall()
        return [StoredGlossary(**dict(row)) for row in rows]

    def get(self, owner: str, glossary_id: str) -> StoredGlossary | None:
        with closing(self._connect()) as db:
            row = db.execute("SELECT * FROM glossaries WHERE owner = ? AND id = ?", (owner, glossary_id)).fetchone()
        return StoredGlossary(**dict(row)) if row is not None else None

    def find(self, owner: str, id_or_name: str) -> StoredGlossary | None:
        """By id, else the newest glossary of that name (model aliases name glossaries)."""
        found = self.get(owner, id_or_name)
        if found is not None:
            return found
        with closing(self._connect()) as db:
            row = db.execute(
                "SELECT * FROM glossaries WHERE owner = ? AND name = ? ORDER BY created DESC LIMIT 1", (owner, id_or_name)
            ).fetchone()
        return StoredGlossary(**dict(row)) if row is not None else None

    def find_any(self, glossary_id: str) -> StoredGlossary | None:
        """By id whoever owns it (a glossary the operator bound to a key)."""
        with closing(self._connect()) as db:
            row = db.execute("SELECT * FROM glossaries WHERE id = ?", (glossary_id,)).fetchone()
        return StoredGlossary(**dict(row)) if row is not None else None

    def delete(self, owner: str, glossary_id: str) -> bool:
        with closing(self._connect()) as db, db:
            cursor = db.execute("DELETE FROM glossaries WHERE owner = ? AND id = ?", (owner, glossary_id))
        return cursor.rowcount > 0

    def used(self, owner: str) -> int:
        with closing(self._connect()) as db:
            row = db.execute("SELECT characters FROM usage WHERE owner = ?", (owner,)).fetchone()
        return int(row["characters"]) if row is not None else 0

    def add_usage(self, owner: str, characters: int) -> None:
        with closing(self._connect()) as db, db:
            db.execute(
                "INSERT INTO usage VALUES (?, ?) ON CONFLICT(owner) DO UPDATE SET characters = characters + excluded.characters",
                (owner, characters),
            )
