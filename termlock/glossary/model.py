"""Typed records of a glossary, shared by every layer of termlock.

A glossary is immutable once loaded: matchers compile it once and the same
object is handed to translation and checking, so both see identical rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator


@dataclass(frozen=True)
class Term:
    """One locked term: its source spellings and the renderings it allows.

    ``line`` is the 1-based line of the entry in its file (None for terms
    built in code) so that later problems can still point a user at it.
    """

    id: str
    sources: tuple[str, ...]
    target: str
    variants: tuple[str, ...] = ()
    forbidden: tuple[str, ...] = ()
    case_sensitive: bool = False
    exact: bool = False
    note: str | None = None
    line: int | None = field(default=None, compare=False)

    @property
    def source(self) -> str:
        """The first (primary) source spelling, used as the term's label."""
        return self.sources[0]

    @property
    def accepted(self) -> tuple[str, ...]:
        """Canonical rendering first, then the variants, in glossary order."""
        return (self.target, *self.variants)


@dataclass(frozen=True)
class Glossary:
    name: str
    terms: tuple[Term, ...]
    source_lang: str = "zh"
    target_lang: str = "en"
    path: str | None = field(default=None, compare=False)

    def __len__(self) -> int:
        return len(self.terms)

    def __iter__(self) -> Iterator[Term]:
        return iter(self.terms)

    def term(self, term_id: str) -> Term:
        for term in self.terms:
            if term.id == term_id:
                return term
        raise KeyError(term_id)
