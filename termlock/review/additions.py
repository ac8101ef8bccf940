"""Proposed glossary variants, written for the terminologist to decide on.

"This rendering is acceptable" is a glossary decision, not the reviewer's:
the review page never touches the input glossary. Each proposal goes to a
separate glossary-additions file, which is itself a valid termlock glossary
(it loads with ``termlock glossary validate``): every proposed term as the
glossary defines it, with the proposed renderings added as variants (and
taken out of its forbidden list when a forbidden rendering is proposed),
and a note saying who proposed what and why. The terminologist can read it,
or try it at once with ``termlock check --glossary GLOSSARY --glossary
ADDITIONS`` (the later file wins for the terms it defines).
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any, Sequence

from termlock.errors import TermlockError
from termlock.glossary import Glossary
from termlock.glossary.loader import normalise_rendering


def build_additions(glossary: Glossary, proposals: Sequence[dict[str, Any]]) -> Glossary:
    """The additions glossary for ``proposals`` (term, rendering, reason, by, date); refused as the loader refuses."""
    from termlock.glossary.loader import parse_glossary
    from termlock.glossary.writer import glossary_to_yaml

    by_term: dict[str, list[dict[str, Any]]] = {}
    for proposal in proposals:
        by_term.setdefault(proposal["term"], []).append(proposal)
    terms = []
    for term in glossary.terms:
        wanted = by_term.get(term.id)
        if not wanted:
            continue
        key = lambda text: normalise_rendering(text, term.case_sensitive)  # noqa: E731 - one comparison rule
        accepted = {key(r) for r in term.accepted}
        variants = list(term.variants)
        lines = []
        for proposal in wanted:
            rendering = proposal["rendering"]
            if key(rendering) not in accepted:
                variants.append(rendering)
                accepted.add(key(rendering))
            lines.append(f"proposed \"{rendering}\" ({proposal['by']}, {proposal['date']}): {proposal['reason']}")
        proposed = {key(p["rendering"]) for p in wanted}
        forbidden = tuple(f for f in term.forbidden if key(f) not in proposed)
        note = "; ".join(lines) + (f". Glossary note: {term.note}" if term.note else "")
        terms.append(replace(term, variants=tuple(variants), forbidden=forbidden, note=note, line=None))
    additions = Glossary(
        name=f"{glossary.name}: proposed additions", terms=tuple(terms),
        source_lang=glossary.source_lang, target_lang=glossary.target_lang,
    )
    text = glossary_to_yaml(additions)
    loaded, problems = parse_glossary(text, "<glossary additions>")
    if problems:
        raise TermlockError(f"this proposal would make an invalid glossary: {problems[0].message}",
                            fix=problems[0].fix or "propose another rendering")
    return additions


def additions_text(glossary: Glossary, proposals: Sequence[dict[str, Any]]) -> str:
    """The glossary-additions file's text: a comment saying what it is, then the glossary YAML."""
    from termlock.glossary.writer import glossary_to_yaml

    header = (
        "# Glossary variants proposed by reviewers in termlock review, for the terminologist.\n"
        "# Each term is as the glossary defines it, plus the proposed renderings as variants.\n"
        "# Try it with: termlock check --glossary GLOSSARY --glossary THIS_FILE ...\n"
    )
    return header + glossary_to_yaml(build_additions(glossary, proposals))


def write_additions(path: str | os.PathLike[str], glossary: Glossary, proposals: Sequence[dict[str, Any]]) -> None:
    """Rewrite the additions file from every proposal (atomically); no file while there is none."""
    from termlock.fileio import write_text_atomically

    if not proposals and not os.path.exists(path):
        return
    write_text_atomically(path, additions_text(glossary, proposals))
