"""What the checker requires of one sentence's translation, as decoder input.

A glossary term found in a source sentence becomes a *positive* constraint
(the decoder places one of ``alternatives``, in the glossary's spelling:
by default the canonical rendering only, so a document stays consistent;
all accepted renderings with ``variants=True``) and, when the term lists
forbidden renderings, a *negative* one. The records hold glossary strings
only: every rule about how a string may appear in the translation is the
glossary package's (the spelling the lock writes:
:mod:`termlock.glossary.spelling`; case folding, spaces and hyphens alike,
whole words and regular inflection for what the judge counts and flags:
:mod:`termlock.glossary.target_match`), applied by
:mod:`termlock.translate.lock.sentence_lock` and the tracker through those
modules' own functions, so the decoder and ``termlock check`` cannot
disagree about a term.

Importing this module does not import torch or transformers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable


@dataclass(frozen=True)
class PositiveConstraint:
    """One term that must appear in the translation.

    ``alternatives``: the glossary strings the decoder may place, each in
    the glossary's spelling (any tokenization of exactly those characters
    counts; a capital first letter where the translation starts unless
    ``case_sensitive``). ``accepted``: everything the checker accepts for
    the term (canonical and variants; empty = ``alternatives``), inflected
    unless ``exact``. The decoder needs it to count like the checker: an
    occurrence of another term inside one of this term's accepted
    renderings belongs to this term. ``written``: what the model wrote for
    the term on its own (an unconstrained translation of the sentence the
    checker accepted): left as it is, so written again in any casing or
    split of it the checker accepts, it counts too.
    """

    term_id: str
    alternatives: tuple[str, ...]
    case_sensitive: bool = False
    accepted: tuple[str, ...] = ()
    exact: bool = False
    written: tuple[str, ...] = ()

    @property
    def judged(self) -> tuple[str, ...]:
        """The renderings the checker accepts, canonical first."""
        return tuple(dict.fromkeys((*self.accepted, *self.alternatives))) if self.accepted else self.alternatives


@dataclass(frozen=True)
class NegativeConstraint:
    """Renderings of a term that must never be produced (every form the checker flags)."""

    term_id: str
    phrases: tuple[str, ...]
    case_sensitive: bool = False
    exact: bool = False


def constraints_for(
    source: str, matches: Iterable[Any], *, variants: bool = False
) -> tuple[list[PositiveConstraint], list[NegativeConstraint]]:
    """Turn the glossary matches of one source sentence into constraints.

    ``matches`` are :class:`termlock.glossary.SourceMatch` records (anything
    with a ``.term`` holding a :class:`termlock.glossary.Term`). A term found
    several times yields one constraint: the checker needs one rendering of
    it, whatever the number of source occurrences. ``variants``: let the
    decoder place any accepted rendering, not only the canonical one.
    ``source`` is kept for the contract's sake.
    """
    del source
    positives: list[PositiveConstraint] = []
    negatives: list[NegativeConstraint] = []
    seen: set[str] = set()
    for match in matches:
        term = match.term
        if term.id in seen:
            continue
        seen.add(term.id)
        accepted = tuple(dict.fromkeys(a for a in term.accepted if a.strip()))
        if accepted:
            placed = accepted if variants else accepted[:1]
            positives.append(PositiveConstraint(term.id, placed, term.case_sensitive, accepted, term.exact))
        forbidden = tuple(dict.fromkeys(f for f in term.forbidden if f.strip()))
        if forbidden:
            negatives.append(NegativeConstraint(term.id, forbidden, term.case_sensitive, term.exact))
    return positives, negatives
