"""Secrets compared in constant time: API keys wherever clients put them, and page tokens.

Clients send a key as ``Authorization: Bearer KEY`` (OpenAI and most
tools, and the review page's scripts), ``Authorization: DeepL-Auth-Key
KEY`` (DeepL clients) or an ``api_key`` parameter (LibreTranslate clients,
in the query, a form or a JSON body). Every comparison goes through
:func:`tokens_match`: :func:`hmac.compare_digest` over SHA-256 digests, so
neither the time taken nor the length of a secret tells a caller how close
a guess came. Keys are never logged: callers get the matching record,
never the key text back.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Generic, Iterable, Mapping, TypeVar

Record = TypeVar("Record")

#: Authorization schemes that carry a key
SCHEMES = ("bearer", "deepl-auth-key")


def new_token(nbytes: int = 24) -> str:
    """A URL-safe random secret (a login token, a CSRF token)."""
    return secrets.token_urlsafe(nbytes)


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).digest()


def tokens_match(given: str | None, expected: str) -> bool:
    """Whether ``given`` is ``expected``, compared in constant time; None never matches."""
    if given is None:
        return False
    return hmac.compare_digest(_digest(given), _digest(expected))


def presented_key(headers: Mapping[str, str], params: Mapping[str, object] = {}) -> str | None:  # noqa: B006 - read only
    """The key a request presents: the Authorization header first, else an ``api_key`` parameter."""
    header = headers.get("authorization")
    if header:
        scheme, _, value = header.strip().partition(" ")
        if scheme.lower() in SCHEMES and value.strip():
            return value.strip()
    value = params.get("api_key")
    if isinstance(value, str) and value:
        return value
    return None


class KeyRing(Generic[Record]):
    """Configured keys and what each one stands for (a name, a glossary binding, a quota)."""

    def __init__(self, entries: Iterable[tuple[str, Record]]) -> None:
        self._entries = [(_digest(key), record) for key, record in entries]

    def __len__(self) -> int:
        return len(self._entries)

    def records(self) -> list[Record]:
        """Every configured record (never the keys)."""
        return [record for _, record in self._entries]

    def lookup(self, key: str | None) -> Record | None:
        """The record of ``key``, compared against every key in constant time; None when none matches."""
        if key is None:
            return None
        wanted = _digest(key)
        found = None
        for digest, record in self._entries:  # no early exit: the same work whichever key matches
            if hmac.compare_digest(digest, wanted):
                found = record
        return found
