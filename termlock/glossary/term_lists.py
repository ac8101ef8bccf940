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
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from termlock import jsonsafe
from termlock.errors import Problem, ProblemsError, TermlockError
from termlock.glossary.chinese import fold_script
from termlock.glossary.formats.notices import notice
from termlock.glossary.loader import slugify, text_problem
from termlock.glossary.model import Glossary, Term
from termlock.glossary.normalize import fold_text
from termlock.inputs import decode_utf8, read_input

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


class _Problems:
    """Every problem of one file, so that a single run lists them all (:class:`ProblemsError`)."""

    def __init__(self, path: str, fix: str) -> None:
        self.path, self.fix, self.items = path, fix, []

    def add(self, line: int | None, message: str, fix: str | None = None) -> None:
        self.items.append(Problem(self.path, line, message, fix or self.fix))

    def raise_any(self, what: str) -> None:
        if self.items:
            raise ProblemsError(self.items, what)


def _strings(value: Any, what: str, line: int | None, problems: _Problems) -> list[str]:
    """A string or a non-empty list of strings, stripped, each passing the glossary's rules (else problems)."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        problems.add(line, f"{what} must be a string or a non-empty list of strings")
        return []
    out = []
    for item in items:
        if not isinstance(item, str):
            problems.add(line, f"{what} has an entry that is not a non-empty string: {item!r}")
            continue
        problem = text_problem(item, what)
        if problem is not None:
            message = problem[0] if item.strip() else f"{what} has an entry that is not a non-empty string: {item!r}"
            problems.add(line, message, problem[1])
            continue
        out.append(item.strip())
    return list(dict.fromkeys(out))


def _key(spelling: str) -> str:
    """A source spelling as the matcher sees it: 雙核, 双\u200b核 and 双核 are one key."""
    return fold_script(fold_text(spelling))


def parse_segment_terms(value: Any, path: str, line: int, problems: _Problems | None = None) -> list[tuple[list[str], list[str]]]:
    """``[(sources, targets), ...]`` of one line's JSON value, terms sharing a spelling merged in first-seen order.

    ``problems`` collects what is wrong (without it the first problem raises).
    """
    own = problems is None
    problems = _Problems(path, _FIX_LINE) if problems is None else problems
    before = len(problems.items)
    pairs: list[tuple[list[str], list[str]]] = []
    if isinstance(value, dict) and value:
        if "terms" not in value:
            problems.add(line, "a JSON object without a 'terms' key")
            value = None
        else:
            value = value["terms"]
    if value is None or value == {} or value == []:
        pass
    elif isinstance(value, dict):  # WMT25: {source: [targets]}
        for source, targets in value.items():
            checked = _strings(source, "a source term", line, problems)
            found = _strings(targets, f"the targets of {source!r}", line, problems)
            if checked and found:
                pairs.append((checked, found))
    elif isinstance(value, list):  # WMT23: [{"src": ..., "tgt": ...}]
        for item in value:
            if not isinstance(item, dict) or "src" not in item or "tgt" not in item:
                problems.add(line, f"a term pair that is not {{'src': ..., 'tgt': ...}}: {item!r}")
                continue
            sources = _strings(item["src"], "'src'", line, problems)  # every spelling, not only the first
            targets = _strings(item["tgt"], "'tgt'", line, problems)
            if sources and targets:
                pairs.append((sources, targets))
    else:
        problems.add(line, f"a term list must be a JSON list or object, not {type(value).__name__}")
    if own and len(problems.items) > before:
        raise ProblemsError(problems.items[before:], "term lists")
    return _merge_pairs(pairs)


def _merge_pairs(pairs: list[tuple[list[str], list[str]]]) -> list[tuple[list[str], list[str]]]:
    """Pairs that share a source spelling (as the matcher sees it) become one: first targets canonical."""
    merged: list[tuple[list[str], list[str]]] = []
    owner: dict[str, int] = {}
    for sources, targets in pairs:
        hit = next((owner[_key(s)] for s in sources if _key(s) in owner), None)
        if hit is None:
            hit = len(merged)
            merged.append(([], []))
        spellings, renderings = merged[hit]
        for spelling in sources:
            if _key(spelling) not in owner:
                owner[_key(spelling)] = hit
                spellings.append(spelling)
        renderings.extend(t for t in targets if t not in renderings)
    return merged


class _Registry:
    """One Term per distinct (sources, renderings), ids unique and stable."""

    def __init__(self) -> None:
        self.terms: dict[tuple[tuple[str, ...], tuple[str, ...]], Term] = {}
        self.ids: set[str] = set()

    def term(self, sources: list[str], targets: list[str], line: int) -> Term:
        key = (tuple(_key(s) for s in sources), tuple(t.casefold() for t in targets))
        known = self.terms.get(key)
        if known is not None:
            return known
        base = slugify(targets[0])
        candidate, n = base, 2
        while candidate in self.ids:
            candidate, n = f"{base}-{n}", n + 1
        self.ids.add(candidate)
        term = Term(id=candidate, sources=tuple(sources), target=targets[0], variants=tuple(targets[1:]), line=line)
        self.terms[key] = term
        return term


def parse_term_lists(text: str, path: str = "<terms>", *, name: str | None = None) -> TermLists:
    """Per-line term lists from JSONL text (see the module docstring).

    Every line is read and every problem listed at once (a
    :class:`ProblemsError` naming each line), with the glossary's rules for
    the strings: no empty, invisible or NUL-holding source or target, no lone
    surrogate.
    """
    registry = _Registry()
    problems = _Problems(path, _FIX_LINE)
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
            value = jsonsafe.loads(raw)
        except jsonsafe.JsonRefused as exc:
            column = f" (column {exc.column})" if exc.column else ""
            problems.add(number, f"not JSON: {exc.message}{column}")
            per_segment.append(())
            continue
        pairs = parse_segment_terms(value, path, number, problems)
        ids = [registry.term(sources, targets, number).id for sources, targets in pairs]
        per_segment.append(tuple(dict.fromkeys(ids)))
    problems.raise_any("term lists")
    glossary = Glossary(
        name=name or Path(path).stem,
        terms=tuple(registry.terms.values()),
        path=path,
    )
    return TermLists(glossary, tuple(per_segment), path)


def read_term_lists(path: str | Path) -> TermLists:
    """Per-segment term lists from a JSONL file (errors name the file and line)."""
    return parse_term_lists(_read_text(path), str(path))


_FIX_DICT = 'write one JSON object {"source": ["target", ...]} (or {"terms": {"source": ["target", ...]}})'


def _pairs_keeping_duplicates(pairs: list[tuple[str, Any]]) -> "_Pairs":
    return _Pairs(pairs)


class _Pairs(list):
    """A JSON object as its ``(key, value)`` pairs in file order: duplicate keys are seen, not lost."""


def read_term_dict(path: str | Path) -> Glossary:
    """A glossary from a plain ``{source: [targets]}`` JSON object (not yet validated).

    The first target is canonical, the others are variants; a WMT25 object
    ``{"terms": {...}}`` is read the same way. Entries whose sources are the
    same once normalised (the key twice, full-width and ASCII punctuation
    ``（D-SIB）``/``(D-SIB)``, traditional and simplified characters) are one
    term: their targets become variants, and each merge is said in one
    ``note:`` (:class:`ImportNotice`). Messages name the key; a term's
    ``line`` is its key's line when the file has one key per line, None for
    a dictionary written on one line, where a line says nothing.
    """
    name = str(path)
    text = _read_text(path)
    try:
        value = jsonsafe.loads(text, object_pairs_hook=_pairs_keeping_duplicates)
    except jsonsafe.JsonRefused as exc:
        raise TermlockError(f"not JSON: {exc.message}", path=name, line=exc.line, fix=_FIX_DICT) from None
    if not isinstance(value, _Pairs):
        raise TermlockError("a term dictionary must be a JSON object", path=name, fix=_FIX_DICT)
    keys = [key for key, _ in value]
    if "terms" in keys:
        wrapped = dict(value)["terms"]
        others = [key for key in keys if key != "terms"]
        if not isinstance(wrapped, _Pairs):
            raise TermlockError(
                f"'terms' holds a {_json_kind(wrapped)}, not an object of sources and targets", path=name, fix=_FIX_DICT
            )
        if others:
            shown = ", ".join(repr(key) for key in others[:3]) + (" ..." if len(others) > 3 else "")
            raise TermlockError(
                f"the dictionary mixes a 'terms' object with other keys ({shown}), which would be lost",
                path=name, fix="move every entry into 'terms', or remove the 'terms' wrapper",
            )
        value = wrapped
    lines = _key_lines(text) if text.count("\n", 0, len(text.rstrip())) > 0 else {}
    problems = _Problems(name, _FIX_DICT)
    merged: dict[str, list] = {}  # normalised source -> [spellings, targets, line, keys]
    for source, targets in value:
        line = lines.get(source)
        where = f"key {source!r}" + (f" (line {line})" if line else "")
        sources = _strings(source, f"the source {where}", line, problems)
        found = _strings(targets, f"the targets of {where}", line, problems)
        if not sources or not found:
            continue
        key = _key(sources[0])
        entry = merged.get(key)
        if entry is None:
            merged[key] = [[sources[0]], list(found), line, [source]]
            continue
        spellings, renderings, _, seen = entry
        if sources[0] not in spellings:
            spellings.append(sources[0])
        added = [t for t in found if t not in renderings]
        renderings.extend(added)
        seen.append(source)
        same = "appears again" if source in seen[:-1] else f"is the same source as {seen[0]!r} once normalised"
        notice(
            f"{name}: key {source!r}{' (line ' + str(line) + ')' if line else ''} {same}: merged into one term "
            f"with target {renderings[0]!r}" + (f" and variant(s) {', '.join(repr(t) for t in added)}" if added else "")
        )
    problems.raise_any("term dictionary")
    terms = [
        Term(id="", sources=tuple(spellings), target=renderings[0], variants=tuple(renderings[1:]), line=line)
        for spellings, renderings, line, _ in merged.values()
    ]
    return Glossary(name=Path(name).stem, terms=tuple(terms), path=name)


def _json_kind(value: Any) -> str:
    if isinstance(value, _Pairs):
        return "object"
    return {list: "list", str: "string", bool: "true/false", type(None): "null"}.get(type(value), "number")


_COLON = re.compile(r"\s*:")


def _key_lines(text: str) -> dict[str, int]:
    """1-based line of the first appearance of each quoted key (for error messages); linear in the text."""
    lines: dict[str, int] = {}
    decoder = json.JSONDecoder()
    for number, line in enumerate(text.split("\n"), start=1):
        position = line.find('"')
        while position >= 0:
            try:
                key, end = decoder.raw_decode(line, position)
            except (json.JSONDecodeError, RecursionError):
                break
            if isinstance(key, str) and _COLON.match(line, end):
                lines.setdefault(key, number)
            position = line.find('"', end)
    return lines


def _read_text(path: str | Path) -> str:
    name = str(path)
    return decode_utf8(read_input(name, stdin=False), name)
