"""A bounded translation cache: the same segment under the same glossary is decoded once.

Keyed on (model and translation settings, glossary digest, segment text);
the model and settings are fixed for a server's life, so the key stores
their fingerprint once. Least recently used entries go first when the cache
holds ``capacity`` segments; capacity 0 turns it off. Thread-safe (the
decoding thread never touches it; request handlers may run in threads).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any


class TranslationCache:
    def __init__(self, capacity: int, fingerprint: str) -> None:
        self.capacity = capacity
        self.fingerprint = fingerprint
        self._entries: OrderedDict[tuple[str, str, str], Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, digest: str, text: str) -> Any | None:
        if not self.capacity:
            return None
        key = (self.fingerprint, digest, text)
        with self._lock:
            value = self._entries.get(key)
            if value is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return value

    def put(self, digest: str, text: str, value: Any) -> None:
        if not self.capacity:
            return
        key = (self.fingerprint, digest, text)
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)
