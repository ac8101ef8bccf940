"""Load and validate YAML glossaries, pointing every problem at its line.

The YAML is composed into nodes with PyYAML's safe loader (no arbitrary
objects) and walked by hand, because only nodes remember their line: a
plain ``safe_load`` would tell a user *that* a term is wrong, not *where*.
"""

from __future__ import annotations

import difflib
import gc
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import yaml

from termlock import yamlsafe
from termlock.errors import TermlockError
from termlock.glossary.chinese import fold_script
from termlock.glossary.errors import GlossaryError, GlossaryProblem
from termlock.glossary.model import Glossary, Term
from termlock.glossary.normalize import fold_text
from termlock.glossary.target_match import surface_forms
from termlock.inputs import decode_utf8, read_input

TOP_KEYS = ("name", "source_lang", "target_lang", "terms")
TERM_KEYS = ("id", "source", "target", "variants", "forbidden", "case_sensitive", "exact", "note")
_RENDERING_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u00a0]+")


def normalise_rendering(text: str, case_sensitive: bool = False) -> str:
    """The form under which two renderings count as the same for the matcher."""
    folded = _RENDERING_SEPARATORS.sub(" ", fold_text(text).strip()).replace("\u2019", "'")
    return folded if case_sensitive else folded.casefold()


def slugify(text: str) -> str:
    slug = re.sub(r"[^0-9a-z]+", "-", text.casefold()).strip("-")
    return slug or "term"


@dataclass
class _Collector:
    path: str
    problems: list[GlossaryProblem] = field(default_factory=list)
    # one safe constructor per parse: it caches every object it builds
    constructor: yaml.constructor.SafeConstructor = field(default_factory=yaml.constructor.SafeConstructor)

    def add(self, node: yaml.Node | None, message: str, fix: str | None = None) -> None:
        line = node.start_mark.line + 1 if node is not None else None
        self.problems.append(GlossaryProblem(self.path, line, message, fix))


_STR_TAG = "tag:yaml.org,2002:str"


class _Unreadable:
    """A scalar the safe constructor refused (an unknown or unsafe tag); already reported."""


def _scalar(node: yaml.ScalarNode, out: _Collector) -> Any:
    if node.tag == _STR_TAG:  # most scalars: what SafeConstructor would return, without its dispatch
        return node.value
    try:
        return out.constructor.construct_object(node, deep=True)
    except yaml.YAMLError:
        out.add(node, f"unsupported YAML tag {node.tag}", "remove the tag ('!...') and write a plain value")
        return _Unreadable()
    except (ValueError, OverflowError):  # 2024-13-45: YAML's date pattern, no date
        problem = yamlsafe.date_problem(node, out.path)
        out.add(node, problem.message, problem.fix)
        return _Unreadable()


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _unknown_key(key: str, allowed: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f"did you mean '{close[0]}'?" if close else f"allowed keys: {', '.join(allowed)}"
    return hint


def _mapping(node: yaml.Node, what: str, out: _Collector, allowed: tuple[str, ...]) -> dict[str, tuple[yaml.Node, yaml.Node]] | None:
    if _foreign_tag(node, out):
        return None
    if not isinstance(node, yaml.MappingNode):
        out.add(node, f"{what} must be a mapping of keys to values", f"write {what} as 'key: value' lines")
        return None
    items: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key_node, value_node in node.value:
        key = _scalar(key_node, out) if isinstance(key_node, yaml.ScalarNode) else None
        if isinstance(key, _Unreadable):
            continue
        if not isinstance(key, str):
            out.add(key_node, f"{what} has a key that is not text", "use plain names as keys")
            continue
        if key not in allowed:
            out.add(key_node, f"unknown key '{key}' in {what}", f"remove it or correct it: {_unknown_key(key, allowed)}")
            continue
        if key in items:
            out.add(key_node, f"key '{key}' appears twice in {what}", "keep one of them")
            continue
        items[key] = (key_node, value_node)
    return items


#: Tags a plain glossary may carry (what the safe loader resolves by itself).
_PLAIN_TAGS = frozenset(f"tag:yaml.org,2002:{name}" for name in ("str", "seq", "map", "bool", "int", "float", "null", "timestamp", "binary"))


def _foreign_tag(node: yaml.Node, out: _Collector) -> bool:
    """Report a collection tagged for code (``!!python/object``): safe loading never builds it."""
    if isinstance(node, yaml.ScalarNode) or node.tag in _PLAIN_TAGS:
        return False
    tag = node.tag.replace("tag:yaml.org,2002:", "!!")
    out.add(node, f"unsupported YAML tag {tag} (termlock never builds objects from a glossary)", "remove the tag and write plain text")
    return True


#: the guarded loader every user YAML goes through (aliases, depth, libyaml): :mod:`termlock.yamlsafe`
_GUARDED_LOADER = yamlsafe.GUARDED_LOADER
MAX_DEPTH = yamlsafe.MAX_DEPTH


_SURROGATE = re.compile("[\ud800-\udfff]")


def text_problem(value: str, what: str) -> tuple[str, str] | None:
    """``(message, fix)`` when a glossary string cannot be used, else None.

    The one set of rules for every string that becomes a source spelling or
    a rendering, whatever file it came from (YAML glossary, term lists, an
    import): such a string would never match, or match everywhere.
    """
    if not value.strip():
        return f"{what} is empty", f"give {what} a value or remove the key"
    if "\x00" in value:
        return f"{what} contains a NUL character", f"remove the \\0 from {what}"
    surrogate = _SURROGATE.search(value)
    if surrogate is not None:
        return (f"{what} contains a lone surrogate U+{ord(surrogate.group()):04X}, which is not a character "
                "(half of a UTF-16 pair)", f"write the character {what} was meant to hold, not its \\u escape")
    if not fold_text(value).strip():
        return (f"{what} is empty once invisible characters are removed (zero-width spaces, soft hyphens, odd spaces)",
                f"give {what} visible text")
    return None


def _text(node: yaml.Node, what: str, out: _Collector) -> str | None:
    if _foreign_tag(node, out):
        return None
    value = _scalar(node, out) if isinstance(node, yaml.ScalarNode) else node
    if isinstance(value, _Unreadable):
        return None
    if not isinstance(value, str):
        kind = type(value).__name__ if isinstance(node, yaml.ScalarNode) else ("list" if isinstance(node, yaml.SequenceNode) else "mapping")
        out.add(node, f"{what} must be text, not {kind}", f"write {what} as a quoted string")
        return None
    problem = text_problem(value, what)
    if problem is not None:
        out.add(node, *problem)
        return None
    return value.strip()


def _text_list(node: yaml.Node, what: str, out: _Collector, allow_single: bool = False) -> list[tuple[str, yaml.Node]] | None:
    if allow_single and isinstance(node, yaml.ScalarNode):
        text = _text(node, what, out)
        return [(text, node)] if text is not None else None
    if _foreign_tag(node, out):
        return None
    if not isinstance(node, yaml.SequenceNode):
        out.add(node, f"{what} must be a list of strings", f"write {what} as [first, second]")
        return None
    values: list[tuple[str, yaml.Node]] = []
    for item in node.value:
        text = _text(item, f"an entry of {what}", out)
        if text is not None:
            values.append((text, item))
    return values


def _flag(node: yaml.Node, what: str, out: _Collector) -> bool | None:
    value = _scalar(node, out) if isinstance(node, yaml.ScalarNode) else None
    if isinstance(value, _Unreadable):
        return None
    if not isinstance(value, bool):
        out.add(node, f"{what} must be true or false", f"write '{what}: true' or '{what}: false'")
        return None
    return value


@dataclass
class _RawTerm:
    node: yaml.Node
    id: str | None
    id_node: yaml.Node | None
    sources: list[tuple[str, yaml.Node]]
    target: str
    variants: list[tuple[str, yaml.Node]]
    forbidden: list[tuple[str, yaml.Node]]
    case_sensitive: bool
    exact: bool
    note: str | None


def _read_term(node: yaml.Node, number: int, out: _Collector) -> _RawTerm | None:
    what = f"term #{number}"
    items = _mapping(node, what, out, TERM_KEYS)
    if items is None:
        return None
    before = len(out.problems)
    for required in ("source", "target"):
        if required not in items:
            out.add(node, f"{what} has no '{required}'", f"add '{required}: ...' to the term")
    term_id = id_node = None
    if "id" in items:
        id_node = items["id"][1]
        term_id = _text(id_node, f"the id of {what}", out)
    sources = _text_list(items["source"][1], f"the source of {what}", out, allow_single=True) if "source" in items else None
    target = _text(items["target"][1], f"the target of {what}", out) if "target" in items else None
    variants = _text_list(items["variants"][1], f"the variants of {what}", out) if "variants" in items else []
    forbidden = _text_list(items["forbidden"][1], f"the forbidden renderings of {what}", out) if "forbidden" in items else []
    case_sensitive = _flag(items["case_sensitive"][1], "case_sensitive", out) if "case_sensitive" in items else False
    exact = _flag(items["exact"][1], "exact", out) if "exact" in items else False
    note = _text(items["note"][1], f"the note of {what}", out) if "note" in items else None
    if len(out.problems) > before or not sources or target is None or variants is None or forbidden is None:
        if sources == [] and "source" in items:
            out.add(items["source"][1], f"the source of {what} is an empty list", "give at least one source spelling")
        return None
    return _RawTerm(node, term_id, id_node, sources, target, variants, forbidden, bool(case_sensitive), bool(exact), note)


def _cross_check(raw_terms: list[_RawTerm], out: _Collector) -> list[str]:
    """Problems that involve several terms; returns the final id of each term."""
    explicit: dict[str, int] = {}
    for raw in raw_terms:
        if raw.id is None:
            continue
        if raw.id in explicit:
            out.add(raw.id_node, f"duplicate id '{raw.id}' (first used on line {explicit[raw.id]})", "give each term a unique id")
        else:
            explicit[raw.id] = _line(raw.id_node)
    used = set(explicit)
    ids: list[str] = []
    for raw in raw_terms:
        if raw.id is not None:
            ids.append(raw.id)
            continue
        base = slugify(raw.target)
        candidate, n = base, 2
        while candidate in used:
            candidate, n = f"{base}-{n}", n + 1
        used.add(candidate)
        ids.append(candidate)

    seen_sources: dict[str, tuple[str, int, int]] = {}
    for index, raw in enumerate(raw_terms):
        for spelling, node in raw.sources:
            key = fold_script(fold_text(spelling))  # as the matcher sees it: 双\u00ad核 is 双核
            if key in seen_sources:
                other_target, other_line, other_index = seen_sources[key]
                if other_index == index:
                    continue  # the same term spelled in both scripts

                if normalise_rendering(other_target) != normalise_rendering(raw.target):
                    out.add(node, f"source '{spelling}' is mapped to '{raw.target}' here and to '{other_target}' on line {other_line}",
                            "keep one canonical target per source; list other renderings as variants")
                else:
                    out.add(node, f"source '{spelling}' is listed twice (also on line {other_line})", "merge the two entries into one term")
            else:
                seen_sources[key] = (raw.target, _line(node), index)
        _check_forbidden(raw, out)
    return ids


def _forms(rendering: str, raw: _RawTerm) -> set[str]:
    forms = surface_forms(rendering, raw.exact)
    return set(forms) if raw.case_sensitive else {form.casefold() for form in forms}


def _check_forbidden(raw: _RawTerm, out: _Collector) -> None:
    """A forbidden rendering must never match where an accepted one does.

    Equal after case/space/hyphen folding is the obvious case; the subtle
    one is inflection: with accepted "dual core" and forbidden "dual
    cores", every plural the matcher accepts would also be forbidden.
    """
    if not raw.forbidden:
        return
    accepted = [raw.target, *(text for text, _ in raw.variants)]
    equal = {normalise_rendering(text, raw.case_sensitive) for text in accepted}
    forms = [(text, _forms(text, raw)) for text in accepted]
    for text, node in raw.forbidden:
        if normalise_rendering(text, raw.case_sensitive) in equal:
            out.add(node, f"forbidden rendering '{text}' is also an accepted rendering of the same term",
                    "remove it from forbidden, or from target/variants")
            continue
        bad = _forms(text, raw)
        clash = next(((other, sorted(bad & mine)[0]) for other, mine in forms if bad & mine), None)
        if clash is not None:
            out.add(node, f"forbidden rendering '{text}' and accepted rendering '{clash[0]}' both match '{clash[1]}' "
                          "(the last word may be singular or plural)",
                    "add 'exact: true' to the term, or remove one of the two")


@contextmanager
def _no_gc_pauses() -> Iterator[None]:
    """Pause the cyclic garbage collector while a glossary is built.

    Composing a 10,000-term file allocates a few hundred thousand nodes and
    marks that live until the walk ends; every few hundred allocations the
    collector would scan them all again, which doubled the load time. None
    of them form reference cycles, so nothing is lost by waiting: the
    collector resumes (if it was on) when the glossary is built.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def parse_glossary(text: str, path: str = "<string>") -> tuple[Glossary | None, list[GlossaryProblem]]:
    """Parse glossary YAML; returns the glossary (None when unusable) and every problem."""
    with _no_gc_pauses():
        return _parse_glossary(text, path)


def _parse_glossary(text: str, path: str) -> tuple[Glossary | None, list[GlossaryProblem]]:
    out = _Collector(path)
    try:
        root = yamlsafe.compose(text, path, what="glossary", needs="a glossary needs three")
    except yamlsafe.YamlRefused as exc:
        out.problems.append(GlossaryProblem(path, exc.line, exc.message, exc.fix))
        return None, out.problems
    if root is None:
        out.problems.append(GlossaryProblem(path, 1, "the glossary file is empty", "add name, source_lang, target_lang and terms"))
        return None, out.problems
    items = _mapping(root, "the glossary", out, TOP_KEYS)
    if items is None:
        return None, out.problems
    name = _text(items["name"][1], "name", out) if "name" in items else None
    if "name" not in items:
        out.add(root, "the glossary has no 'name'", "add 'name: ...' at the top")
    source_lang = _text(items["source_lang"][1], "source_lang", out) if "source_lang" in items else "zh"
    target_lang = _text(items["target_lang"][1], "target_lang", out) if "target_lang" in items else "en"
    raw_terms: list[_RawTerm] = []
    if "terms" not in items:
        out.add(root, "the glossary has no 'terms'", "add 'terms:' followed by a list of terms")
    else:
        terms_node = items["terms"][1]
        if not isinstance(terms_node, yaml.SequenceNode):
            out.add(terms_node, "'terms' must be a list", "start each term with '- source: ...'")
        else:
            for number, term_node in enumerate(terms_node.value, start=1):
                raw = _read_term(term_node, number, out)
                if raw is not None:
                    raw_terms.append(raw)
    ids = _cross_check(raw_terms, out)
    if out.problems:
        return None, out.problems
    terms = tuple(
        Term(
            id=term_id,
            sources=tuple(dict.fromkeys(text for text, _ in raw.sources)),
            target=raw.target,
            variants=tuple(dict.fromkeys(text for text, _ in raw.variants)),
            forbidden=tuple(dict.fromkeys(text for text, _ in raw.forbidden)),
            case_sensitive=raw.case_sensitive,
            exact=raw.exact,
            note=raw.note,
            line=_line(raw.node),
        )
        for term_id, raw in zip(ids, raw_terms)
    )
    glossary = Glossary(name=name or "", terms=terms, source_lang=source_lang or "zh", target_lang=target_lang or "en", path=path)
    return glossary, []


def _read_text(path: str) -> tuple[str | None, list[GlossaryProblem]]:
    """The file's text, or the input reader's one error for why not as a problem."""
    try:
        return decode_utf8(read_input(path, stdin=False), path), []
    except TermlockError as exc:
        return None, [GlossaryProblem(path, exc.line, exc.message, exc.fix)]


def validate_glossary(path: str | Path) -> list[GlossaryProblem]:
    """Every problem of the glossary file at ``path``; empty when it is usable."""
    text, problems = _read_text(str(path))
    if text is None:
        return problems
    return parse_glossary(text, str(path))[1]


def load_glossary_text(text: str, path: str = "<string>") -> Glossary:
    glossary, problems = parse_glossary(text, path)
    if glossary is None:
        raise GlossaryError(problems)
    return glossary


def load_glossary(path: str | Path) -> Glossary:
    """Load a YAML glossary; raises GlossaryError listing every problem."""
    text, problems = _read_text(str(path))
    if text is None:
        raise GlossaryError(problems)
    return load_glossary_text(text, str(path))
