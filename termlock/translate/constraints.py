"""Lexical constraints for one sentence, and how the target tokenizer writes them.

A glossary term found in a source sentence becomes a *positive* constraint
(one of its accepted renderings must appear in the translation) and, when
the term lists forbidden renderings, a *negative* one (none of them may
appear).  The decoder works on token ids, and a SentencePiece tokenizer
writes the same words differently depending on what precedes them: after a
space ``dual cores`` is ``▁dual ▁core s``, straight after an opening quote
it is ``d ual ▁core s``.  :class:`PhraseTokenizer` therefore tokenizes each
phrase inside a set of typical contexts and keeps every distinct token
sequence, so the decoder can recognise and place the term wherever the
sentence puts it.

Importing this module does not import torch or transformers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable

from termlock.glossary.target_match import plain_rendering


@dataclass(frozen=True)
class PositiveConstraint:
    """One term that must appear: any one of ``alternatives`` satisfies it.

    ``alternatives`` are surface strings (canonical rendering first, then the
    accepted variants).  Unless ``case_sensitive``, the decoder also accepts
    them with a capitalised first letter (sentence start, after a quote).
    """

    term_id: str
    alternatives: tuple[str, ...]
    case_sensitive: bool = False


@dataclass(frozen=True)
class NegativeConstraint:
    """Renderings of a term that must never be produced."""

    term_id: str
    phrases: tuple[str, ...]
    case_sensitive: bool = False


def _singulars(phrase: str) -> list[str]:
    """Singular forms of the last word, so a ban on the stem also bans plurals.

    A forbidden ``double cores`` also forbids ``double core`` (the target
    matcher treats regular inflection as the same rendering); banning the
    token sequence of ``double core`` bans every continuation of it,
    including ``double cores``.
    """
    out = []
    if re.search(r"[A-Za-z]ies$", phrase):
        out.append(phrase[:-3] + "y")
    if re.search(r"(?:s|x|z|ch|sh)es$", phrase):
        out.append(phrase[:-2])
    if re.search(r"[A-Za-z][^s]s$", phrase):
        out.append(phrase[:-1])
    if phrase.endswith("'s"):
        out.append(phrase[:-2])
    return out


def _plurals(phrase: str) -> list[str]:
    """Regular plural of the last word (the target matcher accepts it too)."""
    if not phrase[-1:].isalpha():
        return []
    if re.search(r"[^aeiouAEIOU]y$", phrase):
        return [phrase[:-1] + "ies"]
    if re.search(r"(?:s|x|z|ch|sh)$", phrase):
        return [phrase + "es"]
    return [phrase + "s"]


def constraints_for(
    source: str, matches: Iterable[Any]
) -> tuple[list[PositiveConstraint], list[NegativeConstraint]]:
    """Turn the glossary matches of one source sentence into constraints.

    ``matches`` are :class:`termlock.glossary.SourceMatch` records (anything
    with a ``.term`` attribute holding a :class:`termlock.glossary.Term`).
    A term found several times yields one constraint: the target has to
    contain the rendering, not count it.  ``source`` is accepted for the
    contract's sake and to keep the signature stable if context-dependent
    rules are added.

    A forbidden phrase that some accepted rendering of the same sentence
    needs is not banned (see :func:`_compatible`).
    """
    del source
    positives: list[PositiveConstraint] = []
    banned: list[tuple[Any, list[str]]] = []
    seen: set[str] = set()
    for match in matches:
        term = match.term
        if term.id in seen:
            continue
        seen.add(term.id)
        accepted = tuple(dict.fromkeys(a for a in term.accepted if a.strip()))
        alternatives = list(accepted)
        if not term.exact:
            # inflected forms satisfy the checker as well; offering them lets
            # the decoder follow the sentence's grammar (and lets "core" + "s"
            # tokenizations count)
            for rendering in accepted:
                alternatives += _plurals(rendering) + _singulars(rendering)
        if accepted:
            positives.append(
                PositiveConstraint(
                    term.id, tuple(dict.fromkeys(alternatives)), case_sensitive=term.case_sensitive
                )
            )
        if term.forbidden:
            phrases: list[str] = []
            for phrase in term.forbidden:
                if not phrase.strip():
                    continue
                phrases.append(phrase)
                if not term.exact:
                    phrases.extend(_singulars(phrase))
            banned.append((term, phrases))
    return positives, _compatible(banned, positives)


def _compatible(banned: list[tuple[Any, list[str]]], positives: list[PositiveConstraint]) -> list[NegativeConstraint]:
    """Negative constraints that leave every positive one satisfiable.

    A ban blocks the banned words wherever they start, continuations
    included, so a forbidden phrase that begins any word of an accepted
    rendering would make that rendering impossible: forbidden "core" vs
    accepted "core team" of the same term, or one term's forbidden
    "rejuvenation" vs another term's "great rejuvenation of the Chinese
    nation". The accepted rendering wins and the phrase is not banned in
    that sentence; the checker does not count a forbidden rendering that
    lies inside an accepted one either, and one standing alone is still
    caught by the judge after decoding.
    """
    needed = [f" {_words(a)}" for positive in positives for a in positive.alternatives]
    negatives = []
    for term, phrases in banned:
        kept = tuple(dict.fromkeys(p for p in phrases if not any(f" {_words(p)}" in n for n in needed)))
        if kept:
            negatives.append(NegativeConstraint(term.id, kept, case_sensitive=term.case_sensitive))
    return negatives


def _words(phrase: str) -> str:
    """Lower-cased words joined by single spaces (spaces and hyphens alike, as the matcher treats them)."""
    return plain_rendering(phrase).lower()


#: Words placed before a phrase to see how it is written after a space.
_SPACED_CONTEXTS = ("a", "the", "x")
#: Characters a phrase may follow directly, without a space.
_GLUED_CONTEXTS = ('"', "“", "(", "'", "‘", "[", "«", "-", "/")


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _spellings(phrase: str, case_sensitive: bool, negative: bool) -> list[str]:
    """Surface spellings the decoder should know about for one phrase."""
    phrase = " ".join(phrase.split())
    forms = [phrase]
    if not case_sensitive:
        forms.append(_capitalised(phrase))
        if negative:
            forms += [phrase.lower(), _capitalised(phrase.lower()), phrase.title(), phrase.upper()]
    if negative:
        # the target matcher treats runs of spaces and hyphens alike
        forms += [f.replace(" ", "-") for f in forms if " " in f]
        forms += [f.replace("-", " ") for f in forms if "-" in f]
    return list(dict.fromkeys(f for f in forms if f))


class PhraseTokenizer:
    """Token-id sequences a target tokenizer may use for a phrase, in context.

    For each spelling, the phrase is tokenized at the start of a text, after
    a word and a space, and glued to an opening quote or bracket; a context
    counts only when its own tokens come out unchanged as a prefix, so the
    remaining tokens are exactly the phrase's.  Sequences containing the
    unknown token are dropped: the model could not write them faithfully.
    Results are cached per phrase.
    """

    def __init__(self, tokenizer: Any):
        self.tokenizer = tokenizer
        self._cache: dict[tuple[str, bool, bool], tuple[tuple[int, ...], ...]] = {}
        self._prefix_cache: dict[str, list[int]] = {}
        self._unk = getattr(tokenizer, "unk_token_id", None)

    def _encode(self, text: str) -> list[int]:
        ids = self.tokenizer(text_target=text, add_special_tokens=False)["input_ids"]
        return [int(i) for i in ids]

    def _prefix(self, context: str) -> list[int]:
        if context not in self._prefix_cache:
            self._prefix_cache[context] = self._encode(context)
        return self._prefix_cache[context]

    def _in_contexts(self, spelling: str) -> list[tuple[int, ...]]:
        found: list[tuple[int, ...]] = []
        attempts: list[tuple[str, str]] = [("", spelling)]
        attempts += [(word, f"{word} {spelling}") for word in _SPACED_CONTEXTS]
        attempts += [(mark, f"{mark}{spelling}") for mark in _GLUED_CONTEXTS]
        spaced_done = False
        for context, text in attempts:
            if context in _SPACED_CONTEXTS and spaced_done:
                continue
            ids = self._encode(text)
            prefix = self._prefix(context) if context else []
            if self._unk is not None and self._unk in prefix:
                continue  # runs of unknown characters merge: no reliable boundary
            if ids[: len(prefix)] != prefix or len(ids) <= len(prefix):
                continue
            tail = tuple(ids[len(prefix) :])
            if self._unk is not None and self._unk in tail:
                continue
            if context in _SPACED_CONTEXTS:
                spaced_done = True
            found.append(tail)
        return found

    def variants(
        self, phrase: str, *, case_sensitive: bool = False, negative: bool = False
    ) -> tuple[tuple[int, ...], ...]:
        """All distinct token sequences for ``phrase`` (empty if unwritable)."""
        key = (phrase, case_sensitive, negative)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        seqs: list[tuple[int, ...]] = []
        for spelling in _spellings(phrase, case_sensitive, negative):
            seqs.extend(self._in_contexts(spelling))
        result = tuple(dict.fromkeys(seqs))
        self._cache[key] = result
        return result

    def positive_variants(self, constraint: PositiveConstraint) -> tuple[tuple[int, ...], ...]:
        seqs: list[tuple[int, ...]] = []
        for alternative in constraint.alternatives:
            seqs.extend(self.variants(alternative, case_sensitive=constraint.case_sensitive))
        return tuple(dict.fromkeys(seqs))

    def negative_variants(self, constraint: NegativeConstraint) -> tuple[tuple[int, ...], ...]:
        seqs: list[tuple[int, ...]] = []
        for phrase in constraint.phrases:
            seqs.extend(self.variants(phrase, case_sensitive=constraint.case_sensitive, negative=True))
        return tuple(dict.fromkeys(seqs))
