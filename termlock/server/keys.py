"""The ``--api-keys`` file: who may call the server, with which glossary and quota.

YAML read through :mod:`termlock.yamlsafe` (no aliases, bounded depth), every problem named with its line::

    keys:
      "k3y-for-weblate":            # the key clients send (Bearer, DeepL-Auth-Key or api_key)
        name: weblate               # shown in /v2/usage and metrics; owns its stored glossaries
        glossary: project.yaml      # optional: a glossary file (path relative to this file)
                                    #   or a stored glossary id, merged into every request
        quota: 2000000              # optional: characters this key may have translated
      "k3y-for-omegat": omegat      # a key with only a name

Keys are compared in constant time (:class:`~termlock.web.keys.KeyRing`)
and never written to a log or a response.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from termlock import yamlsafe
from termlock.errors import TermlockError
from termlock.web.keys import KeyRing

#: a key's ``glossary`` ending so is a file (relative to the keys file); otherwise a stored glossary id
GLOSSARY_FILE_SUFFIXES = (".yaml", ".yml", ".tbx", ".tbxm", ".csv", ".tsv", ".xlsx", ".json")
_FIX = "write 'keys:' followed by 'KEY: NAME' or 'KEY: {name: ..., glossary: ..., quota: ...}' lines"


@dataclass(frozen=True)
class ApiKey:
    """What a key stands for (never the key itself)."""

    name: str
    glossary: str | None = None
    quota: int | None = None


def _scalar(node: yaml.Node, path: str, what: str) -> str:
    if not isinstance(node, yaml.ScalarNode) or not node.value.strip():
        raise TermlockError(f"{what} must be a non-empty text", path=path, line=node.start_mark.line + 1, fix=_FIX)
    return node.value.strip()


def parse_keys(text: str, path: str) -> KeyRing[ApiKey]:
    """The key ring of an ``--api-keys`` file's text."""
    root = yamlsafe.compose(text, path, what="keys file", needs="a keys file needs three")
    if not isinstance(root, yaml.MappingNode):
        raise TermlockError("expected a mapping with 'keys:'", path=path, line=1, fix=_FIX)
    top = {_scalar(k, path, "a top-level key"): v for k, v in root.value}
    unknown = set(top) - {"keys"}
    if unknown:
        raise TermlockError(f"unknown top-level key {sorted(unknown)[0]!r}", path=path, fix=_FIX)
    keys_node = top.get("keys")
    if not isinstance(keys_node, yaml.MappingNode) or not keys_node.value:
        raise TermlockError("'keys' must map at least one key to its name", path=path, fix=_FIX)
    entries: list[tuple[str, ApiKey]] = []
    seen: set[str] = set()
    for key_node, value in keys_node.value:
        line = key_node.start_mark.line + 1
        key = _scalar(key_node, path, "a key")
        if len(key) < 8:
            raise TermlockError("a key shorter than 8 characters is too easy to guess", path=path, line=line,
                                fix="use a long random key, e.g. from: python -c 'import secrets; print(secrets.token_urlsafe(24))'")
        if key in seen:
            raise TermlockError("this key is listed twice", path=path, line=line, fix="list each key once")
        seen.add(key)
        if isinstance(value, yaml.ScalarNode):
            entries.append((key, ApiKey(name=_scalar(value, path, "the key's name"))))
            continue
        if not isinstance(value, yaml.MappingNode):
            raise TermlockError("a key's value must be a name or a mapping", path=path, line=line, fix=_FIX)
        fields = {_scalar(k, path, "a field name"): v for k, v in value.value}
        extra = set(fields) - {"name", "glossary", "quota"}
        if extra:
            raise TermlockError(f"unknown field {sorted(extra)[0]!r} for a key", path=path, line=line, fix="use name, glossary, quota")
        if "name" not in fields:
            raise TermlockError("a key needs a 'name'", path=path, line=line, fix=_FIX)
        quota = None
        if "quota" in fields:
            raw = _scalar(fields["quota"], path, "quota")
            if not raw.isdigit() or int(raw) < 1:
                raise TermlockError(f"quota must be a whole number of characters, got {raw!r}", path=path,
                                    line=fields["quota"].start_mark.line + 1, fix="write e.g. quota: 1000000")
            quota = int(raw)
        glossary = _scalar(fields["glossary"], path, "glossary") if "glossary" in fields else None
        if glossary is not None and glossary.endswith(GLOSSARY_FILE_SUFFIXES):
            candidate = Path(glossary)
            if not candidate.is_absolute():
                candidate = Path(path).parent / candidate
            glossary = str(candidate)
        entries.append((key, ApiKey(name=_scalar(fields["name"], path, "name"), glossary=glossary, quota=quota)))
    return KeyRing(entries)


def load_keys(path: str) -> KeyRing[ApiKey]:
    """The key ring of the ``--api-keys`` file (read by :mod:`termlock.inputs`, the one reader of input files)."""
    from termlock.inputs import decode_utf8, read_input

    return parse_keys(decode_utf8(read_input(path, "--api-keys", stdin=False), path, "--api-keys"), path)
