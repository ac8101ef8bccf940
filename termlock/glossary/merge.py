"""Several glossaries as one: a bureau termbase and a project glossary.

``--glossary bureau.tbx --glossary project.yaml`` merges them in order, the
later glossary winning for a source both define: the later term takes that
source spelling, the earlier term keeps its other spellings (and disappears
when none is left). A reviewer must know when this happened, so each pair
of terms that disagree is reported once, with both files and lines. Two
glossaries that define a source identically are not in conflict.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

from termlock.glossary.chinese import fold_script
from termlock.glossary.model import Glossary, Term


@dataclass(frozen=True)
class MergeConflict:
    """The same source defined differently by two glossaries; ``later`` won."""

    source: str
    earlier_path: str | None
    earlier_line: int | None
    earlier_id: str
    earlier_target: str
    later_path: str | None
    later_line: int | None
    later_id: str
    later_target: str

    def describe(self) -> str:
        def where(path: str | None, line: int | None) -> str:
            return f"{path or '<glossary>'}:{line}" if line is not None else (path or "<glossary>")

        return (
            f"{self.source}: {where(self.later_path, self.later_line)} ({self.later_target!r}) overrides "
            f"{where(self.earlier_path, self.earlier_line)} ({self.earlier_target!r})"
        )

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "earlier": {"path": self.earlier_path, "line": self.earlier_line, "id": self.earlier_id, "target": self.earlier_target},
            "later": {"path": self.later_path, "line": self.later_line, "id": self.later_id, "target": self.later_target},
        }


@dataclass(frozen=True)
class MergedGlossary:
    glossary: Glossary
    conflicts: tuple[MergeConflict, ...]


def _same_rules(a: Term, b: Term) -> bool:
    def key(term: Term) -> tuple:
        fold = (lambda s: s) if term.case_sensitive else str.casefold
        return (
            tuple(fold(r) for r in term.accepted),
            frozenset(fold(r) for r in term.forbidden),
            term.case_sensitive,
            term.exact,
        )

    return key(a) == key(b)


def merge_glossaries(glossaries: Sequence[Glossary]) -> MergedGlossary:
    """One glossary from several, later ones winning per source spelling."""
    if not glossaries:
        raise ValueError("merge_glossaries needs at least one glossary")
    if len(glossaries) == 1:
        return MergedGlossary(glossaries[0], ())
    # (glossary index, term) in order; owner: folded source -> position in ``entries``
    entries: list[tuple[int, Term] | None] = []
    owner: dict[str, int] = {}
    conflicts: dict[tuple[int, int], MergeConflict] = {}
    for g_index, glossary in enumerate(glossaries):
        for term in glossary.terms:
            position = len(entries)
            for spelling in term.sources:
                key = fold_script(spelling)
                previous = owner.get(key)
                if previous is None or previous == position:
                    owner[key] = position
                    continue
                old_entry = entries[previous]
                assert old_entry is not None
                old_index, old = old_entry
                if old_index == g_index:  # within one glossary the loader already refused this
                    continue
                if not _same_rules(old, term) and (previous, position) not in conflicts:
                    conflicts[(previous, position)] = MergeConflict(
                        source=spelling,
                        earlier_path=glossaries[old_index].path,
                        earlier_line=old.line,
                        earlier_id=old.id,
                        earlier_target=old.target,
                        later_path=glossary.path,
                        later_line=term.line,
                        later_id=term.id,
                        later_target=term.target,
                    )
                left = tuple(s for s in old.sources if fold_script(s) != key)
                entries[previous] = (old_index, replace(old, sources=left)) if left else None
                owner[key] = position
            entries.append((g_index, term))

    terms: list[Term] = []
    used: set[str] = set()
    for entry in entries:
        if entry is None:
            continue
        term = entry[1]
        candidate, n = term.id, 2
        while candidate in used:
            candidate, n = f"{term.id}-{n}", n + 1
        used.add(candidate)
        terms.append(term if candidate == term.id else replace(term, id=candidate))
    first = glossaries[0]
    merged = Glossary(
        name=" + ".join(g.name for g in glossaries),
        terms=tuple(terms),
        source_lang=first.source_lang,
        target_lang=first.target_lang,
        path=glossaries[-1].path,
    )
    return MergedGlossary(merged, tuple(conflicts.values()))


def exact_glossary(glossary: Glossary) -> Glossary:
    """``glossary`` with inflection tolerance off for every term (``--exact``)."""
    return replace(glossary, terms=tuple(term if term.exact else replace(term, exact=True) for term in glossary.terms))
