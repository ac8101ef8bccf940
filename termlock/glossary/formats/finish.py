"""Make an imported glossary exactly what loading its YAML would give.

Import writes YAML that later runs load, so an imported glossary must pass
the YAML loader's rules (empty strings, duplicate ids, one canonical target
per source, nothing both accepted and forbidden) and come out identical to
loading that YAML. Rather than keep a second copy of those rules here, the
glossary goes through the loader itself (``parse_glossary``) and every
problem it reports is pointed back at the line or row of the imported file
the term came from.
"""

from __future__ import annotations

import re
from dataclasses import replace

import yaml

from termlock.glossary.errors import GlossaryError, GlossaryProblem
from termlock.glossary.loader import parse_glossary, slugify
from termlock.glossary.model import Glossary, Term
from termlock.glossary.writer import glossary_to_yaml

_LINE_REF = re.compile(r"\bline (\d+)\b")


def derive_ids(terms: tuple[Term, ...]) -> tuple[Term, ...]:
    """Fill empty ids the way the YAML loader does: a slug of the target,
    numbered on clashes with explicit or earlier derived ids."""
    used = {t.id for t in terms if t.id}
    result = []
    for term in terms:
        if not term.id:
            base = slugify(term.target)
            candidate, n = base, 2
            while candidate in used:
                candidate, n = f"{base}-{n}", n + 1
            used.add(candidate)
            term = replace(term, id=candidate)
        result.append(term)
    return tuple(result)


def _term_starts(text: str) -> list[int]:
    """1-based YAML line where each term's entry starts."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    for key, value in root.value:
        if key.value == "terms" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def finish_import(glossary: Glossary, *, path: str | None = None) -> Glossary:
    """Validate ``glossary`` with the YAML loader's rules; the loaded result.

    ``glossary.path`` is where problems point (e.g. ``file.xlsx[terms]``);
    ``path`` becomes the returned glossary's path (default: the same).
    """
    where = glossary.path or "<imported>"
    with_ids = replace(glossary, terms=derive_ids(glossary.terms))
    text = glossary_to_yaml(with_ids)
    loaded, problems = parse_glossary(text, where)
    if problems:
        starts = _term_starts(text)
        raise GlossaryError([_point_back(p, starts, with_ids.terms, where) for p in problems])
    assert loaded is not None
    terms = tuple(replace(new, line=old.line) for new, old in zip(loaded.terms, with_ids.terms))
    return replace(loaded, terms=terms, path=path or glossary.path)


def _point_back(problem: GlossaryProblem, starts: list[int], terms: tuple[Term, ...], where: str) -> GlossaryProblem:
    def origin(yaml_line: int | None) -> int | None:
        if yaml_line is None:
            return None
        index = None
        for i, start in enumerate(starts):
            if start <= yaml_line:
                index = i
        return terms[index].line if index is not None else None

    message = _LINE_REF.sub(lambda m: f"line {origin(int(m.group(1)))}", problem.message)
    return GlossaryProblem(where, origin(problem.line), message, problem.fix)
