"""Per-segment term lists (WMT shared-task style) and plain JSON term dictionaries.

Shared tasks and many MT pipelines do not ship one glossary for a document:
each segment (or document) comes with the few terms that apply to it, and
the same source may map to different targets in different segments. Two
layouts are read, one JSON value per line, line N for segment N:

* WMT23 terminology: a list of ``{"src": ..., "tgt": ...}`` pairs;
* WMT25 terminology: ``{"terms": {source_term: [target, ...]}}`` (other keys
  of the object, such as the text itself or a document id, are ignored).

An empty line, ``[]``, ``{}`` or ``null`` is a segment without terms. Within
one segment the usual glossary rules hold (the first target of a source is
its canonical rendering, the others are accepted variants); across segments
nothing is shared, so each distinct (source, renderings) pair becomes its
own :class:`Term` with its own id in one union glossary, and every segment
keeps the ids that apply to it. ``TermLists.segment_glossary(i)`` is the
glossary of segment *i*, which translate and check use exactly as they use a
normal glossary.

``read_term_dict`` reads a plain ``{source: [targets]}`` (or ``{source:
target}``) JSON object: the input of ``termlock glossary import terms.json``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from termlock.errors import TermlockError
from termlock.glossary.chinese import fold_script
from termlock.glossary.loader import slugify
from termlock.glossary.model import Glossary, Term

_FIX_LINE = (
    'write one JSON value per line: a list of {"src": ..., "tgt": ...} pairs (WMT23) '
    'or {"terms": {"source": ["target", ...]}} (WMT25)'
)


@dataclass(frozen=True)
class TermLists:
    """The terms of every segment: one union glossary and the ids per segment."""

    glossary: Glossary
    per_segment: tuple[tuple[str, ...], ...]
    path: str | None = None
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    def __len__(self) -> int:
        return len(self.per_segment)

    def segment_glossary(self, index: int) -> Glossary:
        """The glossary of segment ``index`` (built once per distinct term set)."""
        ids = self.per_segment[index]
        cached = self._cache.get(ids)
        if cached is None:
            by_id = {term.id: term for term in self.glossary.terms}
            cached = self._cache[ids] = Glossary(
                name=f"{self.glossary.name} (segment terms)",
                terms=tuple(by_id[tid] for tid in ids),
                source_lang=self.glossary.source_lang,
                target_lang=self.glossary.target_lang,
                path=self.path,
            )
        return cached


def _strings(value: Any, what: str, path: str, line: int) -> list[str]:
    """A non-empty string or a list of them, stripped; anything else is an error."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise TermlockError(f"{what} must be a string or a non-empty list of strings", path=path, line=line, fix=_FIX_LINE)
    out = []
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise TermlockError(f"{what} has an entry that is not a non-empty string: {item!r}", path=path, line=line, fix=_FIX_LINE)
        out.append(item.strip())
    return list(dict.fromkeys(out))


def parse_segment_terms(value: Any, path: str, line: int) -> list[tuple[str, list[str]]]:
    """``[(source, [targets...]), ...]`` of one line's JSON value, sources merged in first-seen order."""
    pairs: list[tuple[str, list[str]]] = []
    if value is None:
        return []
    if isinstance(value, dict):
        if not value:
            return []
        if "terms" not in value:
            raise TermlockError("a JSON object without a 'terms' key", path=path, line=line, fix=_FIX_LINE)
        value = value["terms"]
        if value is None:
            return []
    if isinstance(value, dict):  # WMT25: {source: [targets]}
        for source, targets in value.items():
            if not isinstance(source, str) or not source.strip():
                raise TermlockError("an empty source term", path=path, line=line, fix=_FIX_LINE)
            pairs.append((source.strip(), _strings(targets, f"the targets of {source!r}", path, line)))
    elif isinstance(value, list):  # WMT23: [{"src": ..., "tgt": ...}]
        for item in value:
            if not isinstance(item, dict) or "src" not in item or "tgt" not in item:
                raise TermlockError(f"a term pair that is not {{'src': ..., 'tgt': ...}}: {item!r}", path=path, line=line, fix=_FIX_LINE)
            source = _strings(item["src"], "'src'", path, line)[0]
            pairs.append((source, _strings(item["tgt"], "'tgt'", path, line)))
    else:
        raise TermlockError(f"a term list must be a JSON list or object, not {type(value).__name__}", path=path, line=line, fix=_FIX_LINE)
    merged: dict[str, tuple[str, list[str]]] = {}
    for source, targets in pairs:
        key = fold_script(source)
        if key in merged:
            merged[key][1].extend(t for t in targets if t not in merged[key][1])
        else:
            merged[key] = (source, list(targets))
    return list(merged.values())


class _Registry:
    """One Term per distinct (source, renderings) pair, ids unique and stable."""

    def __init__(self) -> None:
        self.terms: dict[tuple[str, tuple[str, ...]], Term] = {}
        self.ids: set[str] = set()

    def term(self, source: str, targets: list[str], line: int) -> Term:
        key = (fold_script(source), tuple(t.casefold() for t in targets))
        known = self.terms.get(key)
        if known is not None:
            return known
        base = slugify(targets[0])
        candidate, n = base, 2
        while candidate in self.ids:
            candidate, n = f"{base}-{n}", n + 1
        self.ids.add(candidate)
        term = Term(id=candidate, sources=(source,), target=targets[0], variants=tuple(targets[1:]), line=line)
        self.terms[key] = term
        return term


def parse_term_lists(text: str, path: str = "<terms>", *, name: str | None = None) -> TermLists:
    """Per-line term lists from JSONL text (see the module docstring)."""
    registry = _Registry()
    per_segment: list[tuple[str, ...]] = []
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for number, raw in enumerate(lines, start=1):
        raw = raw.strip().lstrip("\ufeff") if number == 1 else raw.strip()
        if not raw:
            per_segment.append(())
            continue
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise TermlockError(f"not JSON: {exc.msg} (column {exc.colno})", path=path, line=number, fix=_FIX_LINE) from None
        ids = [registry.term(source, targets, number).id for source, targets in parse_segment_terms(value, path, number)]
        per_segment.append(tuple(dict.fromkeys(ids)))
    glossary = Glossary(
        name=name or Path(path).stem,
        terms=tuple(registry.terms.values()),
        path=path,
    )
    return TermLists(glossary, tuple(per_segment), path)


def read_term_lists(path: str | Path) -> TermLists:
    """Per-segment term lists from a JSONL file (errors name the file and line)."""
    return parse_term_lists(_read_text(path), str(path))


def read_term_dict(path: str | Path) -> Glossary:
    """A glossary from a plain ``{source: [targets]}`` JSON object (not yet validated).

    The first target is canonical, the others are variants; a WMT25 object
    ``{"terms": {...}}`` is read the same way. Terms get ``line`` = the line
    of their source key so that the validator can point at it.
    """
    name = str(path)
    text = _read_text(path)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TermlockError(f"not JSON: {exc.msg}", path=name, line=exc.lineno, fix='write one object {"source": ["target", ...]}') from None
    if isinstance(value, dict) and isinstance(value.get("terms"), dict):
        value = value["terms"]
    if not isinstance(value, dict):
        raise TermlockError("a term dictionary must be a JSON object", path=name, fix='write one object {"source": ["target", ...]}')
    lines = _key_lines(text)
    terms = []
    for source, targets in value.items():
        line = lines.get(source, 1)
        if not isinstance(source, str) or not source.strip():
            raise TermlockError("an empty source term", path=name, line=line, fix="give every entry a source")
        found = _strings(targets, f"the targets of {source!r}", name, line)
        terms.append(Term(id="", sources=(source.strip(),), target=found[0], variants=tuple(found[1:]), line=line))
    return Glossary(name=Path(name).stem, terms=tuple(terms), path=name)


def _key_lines(text: str) -> dict[str, int]:
    """1-based line of the first appearance of each quoted key (for error messages)."""
    lines: dict[str, int] = {}
    decoder = json.JSONDecoder()
    for number, line in enumerate(text.split("\n"), start=1):
        position = line.find('"')
        while position >= 0:
            try:
                key, end = decoder.raw_decode(line, position)
            except json.JSONDecodeError:
                break
            if isinstance(key, str) and line[end:].lstrip().startswith(":"):
                lines.setdefault(key, number)
            position = line.find('"', end)
    return lines


def _read_text(path: str | Path) -> str:
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise TermlockError("no such file", path=name, fix="check the path") from None
    except IsADirectoryError:
        raise TermlockError("is a directory, not a file", path=name, fix="give a JSON or JSONL file") from None
    except OSError as exc:
        raise TermlockError(f"cannot read: {exc.strerror}", path=name, fix="check the path and its permissions") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TermlockError(
            f"not UTF-8 (byte 0x{data[exc.start]:02x})", path=name, line=data.count(b"\n", 0, exc.start) + 1,
            fix="save the file as UTF-8",
        ) from None
