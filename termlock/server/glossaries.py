"""The glossary of a request: the server's default merged with what the request brings.

A request may bring terms in several ways: an inline ``glossary`` field, a
stored glossary by id (DeepL ``glossary_id``, LibreTranslate
``glossary_id``), its API key's binding, a model alias ``termlock@NAME``,
or -- for chat clients that only know prompts -- glossary lines in the
system message (Weblate's ``source<TAB>target`` lines, Supervertaler's
``source → target``). Each becomes a :class:`~termlock.glossary.Glossary`
validated by the YAML loader's own rules, and they are merged over the
server's ``--glossary`` files with :func:`~termlock.glossary.merge.merge_glossaries`
(the later one winning for a source both define), exactly as repeated
``--glossary`` files merge on the command line.

Inline ``glossary`` values (JSON):

* ``{"双核": "dual cores", "卡脖子": ["chokepoint", "stranglehold"]}`` -- source to
  target(s), the first target canonical;
* ``[{"src": "双核", "tgt": "dual cores"}]`` -- WMT23 pairs;
* ``[{"source": "双核", "target": "dual cores", "forbidden": ["double nuclei"]}]`` or
  ``{"name": ..., "terms": [...]}`` -- termlock glossary terms (every key the
  YAML glossary has);
* a string of ``source<TAB>target`` (or ``source → target``) lines.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Any, Sequence

import regex

from termlock.glossary import Glossary, Term, parse_glossary
from termlock.glossary.formats.finish import finish_import
from termlock.glossary.errors import GlossaryError
from termlock.glossary.merge import exact_glossary, merge_glossaries
from termlock.web.errors import HttpError

_BULLET = regex.compile(r"^\s*(?:[-*•·]|\d+[.)])\s+")
_HAN = regex.compile(r"\p{Han}")
#: the separators of a glossary line: a tab (Weblate, DeepL TSV) or an arrow (Supervertaler)
_SEPARATORS = ("\t", "→", "⇒")


@dataclass(frozen=True)
class Resolved:
    """A request's glossary, its digest (cache key) and its checker (the judge's records)."""

    glossary: Glossary
    digest: str
    checker: Any

    @property
    def judge(self) -> Any:
        """The glossary's SegmentJudge (the checker's own): inline codes are placed by the terms it finds."""
        return self.checker.judge


def _problem_text(exc: GlossaryError) -> str:
    return "; ".join(f"{p.message}{f' (fix: {p.fix})' if p.fix else ''}" for p in exc.problems[:5])


def glossary_from_pairs(pairs: Sequence[tuple[str, Sequence[str]]], field: str, source_lang: str, target_lang: str) -> Glossary:
    terms = tuple(
        Term(id="", sources=(source,), target=targets[0], variants=tuple(targets[1:]), line=number)
        for number, (source, targets) in enumerate(pairs, start=1)
    )
    glossary = Glossary(name=field, terms=terms, source_lang=source_lang, target_lang=target_lang, path=field)
    try:
        return finish_import(glossary)
    except GlossaryError as exc:
        raise HttpError(400, f"{field}: {_problem_text(exc)}", field=field) from None


def _strings(value: Any, field: str) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(i, str) and i.strip() for i in items):
        raise HttpError(400, f"{field}: expected a non-empty string or list of non-empty strings", field=field)
    return [i.strip() for i in items]


def _from_terms_document(document: dict[str, Any], field: str, source_lang: str, target_lang: str) -> Glossary:
    """A termlock glossary given as JSON (the YAML schema), validated by the YAML loader."""
    document = {"name": field, "source_lang": source_lang, "target_lang": target_lang, **document}
    text = json.dumps(document, ensure_ascii=False, indent=1)  # JSON is YAML: the loader's own rules apply
    glossary, problems = parse_glossary(text, field)
    if problems:
        raise HttpError(400, f"{field}: {_problem_text(GlossaryError(problems))}", field=field)
    assert glossary is not None
    return glossary


def glossary_from_value(value: Any, field: str, *, source_lang: str = "zh", target_lang: str = "en") -> Glossary:
    """A glossary from an inline request value (see the module docstring for the layouts)."""
    if isinstance(value, str):
        pairs = pairs_from_lines(value, field=field, strict=True)
        return glossary_from_pairs([(s, [t]) for s, t in pairs], field, source_lang, target_lang)
    if isinstance(value, dict):
        if set(value) == {"terms"} and isinstance(value["terms"], dict):  # WMT25 {"terms": {source: [targets]}}
            value = value["terms"]
        if "terms" in value and isinstance(value.get("terms"), list):
            return _from_terms_document(value, field, source_lang, target_lang)
        pairs = []
        for source, targets in value.items():
            if not isinstance(source, str) or not source.strip():
                raise HttpError(400, f"{field}: an empty source term", field=field)
            pairs.append((source.strip(), _strings(targets, f"{field}.{source}")))
        return glossary_from_pairs(pairs, field, source_lang, target_lang)
    if isinstance(value, list):
        if all(isinstance(item, dict) and "src" in item and "tgt" in item for item in value):
            pairs = [(_strings(item["src"], f"{field}[{i}].src")[0], _strings(item["tgt"], f"{field}[{i}].tgt"))
                     for i, item in enumerate(value)]
            return glossary_from_pairs(pairs, field, source_lang, target_lang)
        if all(isinstance(item, dict) for item in value):
            return _from_terms_document({"terms": value}, field, source_lang, target_lang)
    raise HttpError(
        400,
        f"{field}: expected an object {{source: target}}, a list of {{src, tgt}} or termlock terms, "
        "or source<TAB>target lines",
        field=field,
    )


def pairs_from_lines(text: str, *, field: str = "glossary", strict: bool = False, source_lang: str = "zh") -> list[tuple[str, str]]:
    """``source<TAB>target`` / ``source → target`` lines; bullets and numbering are dropped.

    ``strict``: every non-blank line must be such a pair (an inline
    glossary); otherwise lines that are not are skipped (prose around a
    glossary in a prompt), and a Chinese source must hold a Chinese character.
    The first definition of a source wins (as Weblate writes them).
    """
    seen: dict[str, tuple[str, str]] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _BULLET.sub("", raw).strip()
        if not line:
            continue
        pair = None
        for separator in _SEPARATORS:
            if separator in line:
                source, _, target = line.partition(separator)
                source, target = source.strip().strip('"“”'), target.strip().strip('"“”')
                if source and target and separator not in target:
                    pair = (source, target)
                break
        if pair is not None and not strict and source_lang.startswith("zh") and not _HAN.search(pair[0]):
            pair = None
        if pair is None:
            if strict:
                raise HttpError(400, f"{field}: line {number} is not 'source<TAB>target'", field=field)
            continue
        seen.setdefault(pair[0], pair)
    return list(seen.values())


def glossary_from_prompt(text: str, *, source_lang: str = "zh", target_lang: str = "en") -> Glossary | None:
    """The glossary lines of a chat prompt (a system message), or None when it has none."""
    pairs = pairs_from_lines(text, field="system message", strict=False, source_lang=source_lang)
    if not pairs:
        return None
    return glossary_from_pairs([(s, [t]) for s, t in pairs], "system message", source_lang, target_lang)


def glossary_from_yaml(text: str, field: str = "glossary") -> Glossary:
    """A termlock YAML (or JSON) glossary document, every problem reported at once."""
    glossary, problems = parse_glossary(text, field)
    if problems:
        raise HttpError(400, f"{field}: {_problem_text(GlossaryError(problems))}", field=field)
    assert glossary is not None
    return glossary


class GlossaryResolver:
    """Merges request glossaries over the default and compiles each distinct result once (LRU)."""

    def __init__(self, default: Glossary, *, exact: bool = False, capacity: int = 256) -> None:
        self.exact = exact
        self.capacity = capacity
        self._compiled: OrderedDict[str, Resolved] = OrderedDict()
        self._lock = threading.Lock()
        self.default = self._compile(exact_glossary(default) if exact else default)

    def resolve(self, extra: Sequence[Glossary | None]) -> Resolved:
        """The default merged with ``extra`` in order (None entries skipped), compiled."""
        parts = [g for g in extra if g is not None and len(g)]
        if not parts:
            return self.default
        merged = merge_glossaries([self.default.glossary, *parts]).glossary
        if self.exact:
            merged = exact_glossary(merged)
        return self._compile(merged)

    def _compile(self, glossary: Glossary) -> Resolved:
        from termlock.evaluate import SegmentChecker
        from termlock.jobs.translate_job import glossary_digest

        digest = glossary_digest(glossary)
        with self._lock:
            found = self._compiled.get(digest)
            if found is not None:
                self._compiled.move_to_end(digest)
                return found
        resolved = Resolved(glossary, digest, SegmentChecker(glossary))
        with self._lock:
            self._compiled[digest] = resolved
            while len(self._compiled) > self.capacity:
                self._compiled.popitem(last=False)
        return resolved


def renamed(glossary: Glossary, name: str) -> Glossary:
    return replace(glossary, name=name)
