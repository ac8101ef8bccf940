"""What every route needs besides the translator: callers, stored glossaries, quotas, limits.

``ServerState`` is built once per app. Routes ask it who is calling
(:meth:`caller`, which enforces the API keys), for a stored glossary by id
or name within the caller's own glossaries, for the glossary the caller's
key is bound to, and to charge characters against the key's quota. The
request limits (texts per request, characters per text) are checked here
too, so every API shape refuses the same things with the same words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from termlock.glossary import Glossary
from termlock.server.glossaries import glossary_from_yaml
from termlock.server.keys import GLOSSARY_FILE_SUFFIXES, ApiKey, load_keys
from termlock.server.metrics import ServerMetrics
from termlock.server.service import TranslationService
from termlock.server.settings import ServerSettings
from termlock.server.store import GlossaryStore, StoredGlossary
from termlock.web.errors import HttpError
from termlock.web.keys import presented_key


@dataclass(frozen=True)
class Caller:
    """Who is calling: their key's record (None without keys) and the owner of their glossaries."""

    key: ApiKey | None
    owner: str


class QuotaExceeded(Exception):
    def __init__(self, used: int, quota: int) -> None:
        super().__init__(f"character quota of this API key exhausted ({used} of {quota} used)")
        self.used, self.quota = used, quota


class ServerState:
    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings
        self.metrics = ServerMetrics()
        self.keys = load_keys(settings.api_keys) if settings.api_keys else None
        bound_files = {record.name: record.glossary for record in (self.keys.records() if self.keys else ())
                       if record.glossary and record.glossary.endswith(GLOSSARY_FILE_SUFFIXES)}
        settings.validate(tuple(bound_files.values()))  # before the database is opened or the model loaded
        self.store = GlossaryStore(settings.data_dir)
        self.service = TranslationService(settings, self.metrics)
        self._bound: dict[str, Glossary] = {}
        if bound_files:  # glossary files bound to keys are read now: a bad one stops the start
            from termlock.jobs.glossaries import load_job_glossaries

            for name, path in bound_files.items():
                self._bound[name] = load_job_glossaries([path]).glossary

    # ------------------------------------------------------------- callers

    def caller(self, headers: Mapping[str, str], params: Mapping[str, Any]) -> Caller:
        """The caller of a request; refuses a missing or unknown key when keys are configured."""
        if self.keys is None:
            return Caller(None, "")
        key = presented_key(headers, params)
        if key is None:
            self.metrics.rejected.labels("no_key").inc()
            raise HttpError(401, "no API key: send 'Authorization: Bearer KEY', 'Authorization: DeepL-Auth-Key KEY' "
                                 "or an api_key parameter", field="api_key", code="missing_api_key")
        record = self.keys.lookup(key)
        if record is None:
            self.metrics.rejected.labels("bad_key").inc()
            raise HttpError(403, "invalid API key", field="api_key", code="invalid_api_key")
        return Caller(record, record.name)

    # ----------------------------------------------------------- glossaries

    def stored(self, caller: Caller, id_or_name: str, field: str) -> StoredGlossary:
        found = self.store.find(caller.owner, id_or_name)
        if found is None:
            raise HttpError(404, f"{field}: no glossary {id_or_name!r}", field=field, code="glossary_not_found")
        return found

    def stored_glossary(self, caller: Caller, id_or_name: str, field: str) -> Glossary:
        return glossary_from_yaml(self.stored(caller, id_or_name, field).yaml, field)

    def bound_glossary(self, caller: Caller) -> Glossary | None:
        """The glossary the caller's key is bound to (a file read at start, or a stored glossary id)."""
        record = caller.key
        if record is None or not record.glossary:
            return None
        if record.name in self._bound:
            return self._bound[record.name]
        found = self.store.find_any(record.glossary)
        if found is None:
            raise HttpError(500, f"the glossary bound to this API key ({record.glossary!r}) does not exist; "
                                 "ask the server operator", field="api_key")
        return glossary_from_yaml(found.yaml, "api key glossary")

    # ---------------------------------------------------------------- quota

    def check_quota(self, caller: Caller, characters: int) -> None:
        """Refuse when translating ``characters`` more would exceed the caller's quota."""
        record = caller.key
        if record is not None and record.quota is not None:
            used = self.store.used(caller.owner)
            if used + characters > record.quota:
                self.metrics.rejected.labels("quota").inc()
                raise QuotaExceeded(used, record.quota)

    def add_usage(self, caller: Caller, characters: int) -> None:
        """Count characters translated for the caller (after the translation succeeded)."""
        if characters:
            self.store.add_usage(caller.owner, characters)

    # --------------------------------------------------------------- limits

    def check_texts(self, texts: Sequence[Any], field: str, *, single: bool = False) -> list[str]:
        """Texts a request asks to translate: strings, not too many, none too long.

        ``single``: the request sent one text, not a list (errors name ``field``, not ``field[0]``).
        """
        limits = self.settings
        if not texts:
            raise HttpError(400, f"{field}: no text to translate; send at least one", field=field)
        if len(texts) > limits.max_texts:
            self.metrics.rejected.labels("too_many_texts").inc()
            raise HttpError(413, f"{field}: {len(texts)} texts, at most {limits.max_texts} per request; split the request",
                            field=field)
        out = []
        for index, text in enumerate(texts):
            where = field if single else f"{field}[{index}]"
            if not isinstance(text, str):
                raise HttpError(400, f"{where}: expected a string, got {type(text).__name__}", field=where)
            if len(text) > limits.max_chars:
                self.metrics.rejected.labels("text_too_long").inc()
                raise HttpError(413, f"{where}: {len(text)} characters, at most {limits.max_chars} per text; split it",
                                field=where)
            if "\x00" in text:
                raise HttpError(400, f"{where}: contains a NUL character", field=where)
            out.append(text)
        return out
