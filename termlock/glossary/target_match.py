"""Find a term's renderings in English text, as a careful reviewer would.

A reviewer accepts "stuck-neck" for "stuck neck", "Dual Cores" for "dual
cores" and "three big article's" for "three big articles", but never "dual
cores" inside "individual cores".

Before anything else, target and renderings are seen through the folded
view of :mod:`termlock.glossary.normalize` (NFKC, so ``ｄｕａｌ ｃｏｒｅｓ`` is
"dual cores"; zero-width spaces and soft hyphens removed; every Unicode
space a space); offsets are mapped back to the original text.

How: a target is normalised once, without moving offsets (lower case;
every space, hyphen, dash and NBSP a plain space; curly apostrophes
straight; only runs of several separators are collapsed, with a map back).
A term is compiled once, on first use, into the plain strings its
renderings may take (words joined by single spaces, lower-cased, and unless
the term is ``exact`` the last word's regular plural/singular), and each is
looked up with ``str.find``, keeping the hits that stand as whole words; a
possessive ('s, or ' after -s) is taken after a hit when present. A checker
asks only about the few terms found in a segment's source, so its cost per
segment is a handful of substring searches whatever the glossary size, and
nothing is compiled for terms that never occur: no regular expressions, no
glossary-wide automaton to build.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import NamedTuple

from termlock.glossary.inflection import inflected_forms, inflections, takes_possessive  # noqa: F401 (re-exported)
from termlock.glossary.model import Glossary, Term
from termlock.glossary.normalize import FoldedText, fold_text, fold_view

#: Runs of these are one separator: spaces, NBSP, ASCII and Unicode hyphens/dashes.
SEPARATOR = r"[\s\-\u2010-\u2015\u00a0]+"
_SPLIT = re.compile(SEPARATOR)
#: Every character ``\s`` matches except the plain space (Unicode whitespace),
#: listed so that one character class finds all odd separators in one pass.
_ODD_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
    "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_ODD_SEPARATOR = re.compile(f"[{re.escape(_ODD_WHITESPACE)}\\-\u2010-\u2015]")
_SPACE_RUN = re.compile(r"  +")
_CURLY_APOSTROPHE = "\u2019"
#: A term right after one of these is quoted: a bare ' after it closes the quote.
_OPENING_QUOTES = "'\u2018"

ACCEPTED, FORBIDDEN = 0, 1
_IDENTITY_LIMIT = 1 << 16


class TargetMatch(NamedTuple):
    """A rendering found in a target: ``text`` is the surface ``text[start:end]``."""

    rendering: str  # the glossary string that matched (canonical, variant or forbidden entry)
    start: int
    end: int
    text: str


def plain_rendering(text: str) -> str:
    """Words of ``text``'s folded view joined by single spaces, apostrophes straight, case kept."""
    return " ".join(w for w in _SPLIT.split(fold_text(text).strip()) if w).replace(_CURLY_APOSTROPHE, "'")


def surface_forms(rendering: str, exact: bool) -> list[str]:
    """The single-spaced spellings under which ``rendering`` counts, itself first.

    A possessive ending is not listed: it is taken after any form of a
    non-exact rendering whose last word ends in a letter. The inflection
    rules live in :mod:`termlock.glossary.inflection`, shared with the decoder.
    """
    return inflected_forms(plain_rendering(rendering), exact)


def is_word_char(ch: str) -> bool:
    """A character that continues a word: a match must not touch one on either side."""
    return ch.isalnum() or ch == "_"


def _lower(text: str) -> str:
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    # a few characters lower-case to two ('İ'); keep one so offsets stay put
    return "".join(low if len(low := ch.lower()) == 1 else ch for ch in text)


class Normalised(NamedTuple):
    """A target as it is searched, and the way back to the original offsets.

    Two steps lead from the original to ``text``: the folded view
    (``fold``, None when folding changed nothing) and the collapsing of
    separator runs (``shifts``).
    """

    text: str
    shifts: tuple[tuple[int, int], ...] | None  # (position in text, characters removed before it)
    fold: FoldedText | None = None

    def folded(self, position: int) -> int:
        """Offset in the folded view of ``position`` in ``text``."""
        shifts = self.shifts
        if not shifts:
            return position
        index = bisect_right(shifts, (position, float("inf"))) - 1
        return position + (shifts[index][1] if index >= 0 else 0)

    def original(self, position: int) -> int:
        """Offset in the original text of the character at ``position`` in ``text``."""
        position = self.folded(position)
        return self.fold.start(position) if self.fold is not None else position


def normalise(text: str) -> Normalised:
    """Folded, lower case, separators as single spaces, apostrophes straight; offsets kept or mapped."""
    fold: FoldedText | None = None
    if text.isascii():
        norm = text.lower()
        # printable ASCII holds no odd whitespace: only its hyphens become
        # spaces, and str.replace does that several times faster than the
        # regular expression's scan of the whole line
        if "-" in norm:
            norm = norm.replace("-", " ")
        if not norm.isprintable():
            norm = _ODD_SEPARATOR.sub(" ", norm)
    else:
        view = fold_view(text)
        if view.edits is not None:
            fold, text = view, view.text
        norm = _ODD_SEPARATOR.sub(" ", _lower(text).replace(_CURLY_APOSTROPHE, "'"))
    if "  " not in norm:
        return Normalised(norm, None, fold)
    shifts: list[tuple[int, int]] = []
    parts: list[str] = []
    removed = last = 0
    for run in _SPACE_RUN.finditer(norm):
        parts.append(norm[last : run.start() + 1])
        removed += run.end() - run.start() - 1
        last = run.end()
        shifts.append((last - removed, removed))
    parts.append(norm[last:])
    return Normalised("".join(parts), tuple(shifts), fold)


class _Entry(NamedTuple):
    kind: int  # ACCEPTED or FORBIDDEN
    rendering: str
    cased: str | None  # case-sensitive terms: the single-spaced form the surface must equal
    possessive: bool  # may be followed by 's, or by ' after -s


_Forms = tuple[tuple[str, int, _Entry], ...]


def _compile(term: Term) -> tuple[_Forms, _Forms]:
    """Every (lower-cased form, its length, entry) of a term: accepted, then forbidden.

    Within a kind, a rendering as written goes before another rendering's
    inflected form, so when "dual cores" is listed it names the match
    rather than "dual core" + s.
    """
    kinds = []
    for kind, renderings in ((ACCEPTED, term.accepted), (FORBIDDEN, term.forbidden)):
        written: list[tuple[str, int, _Entry]] = []
        inflected: list[tuple[str, int, _Entry]] = []
        for rendering in dict.fromkeys(renderings):
            for rank, form in enumerate(surface_forms(rendering, term.exact)):
                entry = _Entry(kind, rendering, form if term.case_sensitive else None, not term.exact and takes_possessive(form))
                key = _lower(form)
                (inflected if rank else written).append((key, len(key), entry))
        kinds.append(tuple(written + inflected))
    return kinds[0], kinds[1]


def _occurrences(scanned: str, forms: _Forms) -> list:
    """Whole-word occurrences ``(start, end, entry)`` of every form in ``scanned``."""
    hits = []
    size = len(scanned)
    for key, length, entry in forms:
        start = scanned.find(key)
        while start >= 0:
            end = start + length
            if not (start and (scanned[start - 1].isalnum() or scanned[start - 1] == "_")) and not (
                end < size and (scanned[end].isalnum() or scanned[end] == "_")
            ):
                hits.append((start, end, entry))
            start = scanned.find(key, start + 1)
    return hits


def _possessive_end(scanned: str, start: int, end: int) -> int:
    """``end`` moved past a possessive 's (or a bare ' after -s) that ends a word there."""
    if scanned.startswith("'s", end):
        after = end + 2
    elif scanned.startswith("'", end) and scanned[end - 1] == "s" and not (start and scanned[start - 1] in _OPENING_QUOTES):
        after = end + 1
    else:
        return end
    if after < len(scanned) and (scanned[after].isalnum() or scanned[after] == "_"):
        return end
    return after


def _select(text: str, norm: Normalised, hits: list) -> list[TargetMatch]:
    """Leftmost-longest, non-overlapping matches, mapped back to ``text``."""
    if len(hits) == 1 and norm.shifts is None and norm.fold is None and hits[0][2].cased is None:
        # the usual case (one hit in a target whose offsets did not move): the loop below, unrolled
        start, end, entry = hits[0]
        if entry.possessive and norm.text.startswith("'", end):
            end = _possessive_end(norm.text, start, end)
        return [TargetMatch(entry.rendering, start, end, text[start:end])]
    if len(hits) > 1:
        hits = sorted(hits, key=lambda hit: (hit[0], -hit[1]))
    shifted = norm.shifts is not None or norm.fold is not None
    folded = norm.fold.text if norm.fold is not None else text
    matches: list[TargetMatch] = []
    covered = 0
    for start, end, entry in hits:
        if start < covered:
            continue
        if entry.cased is not None:
            first, last = (norm.folded(start), norm.folded(end - 1) + 1) if shifted else (start, end)
            if plain_rendering(folded[first:last]) != entry.cased:
                continue
        if entry.possessive and norm.text.startswith("'", end):  # rare: skip the call otherwise
            end = _possessive_end(norm.text, start, end)
        covered = end
        if shifted:
            first, last = norm.original(start), norm.original(end - 1) + 1
            matches.append(TargetMatch(entry.rendering, first, last, text[first:last]))
        else:
            matches.append(TargetMatch(entry.rendering, start, end, text[start:end]))
    return matches


class TargetMatcher:
    """Matches each term's accepted and forbidden renderings in target text.

    A term's forms are worked out on first use and kept; a text is
    normalised once and reused for every term asked about it next. The
    glossary is optional: any term can be matched.
    """

    def __init__(self, glossary: Glossary | None = None) -> None:
        self.glossary = glossary
        self._by_identity: dict[int, tuple[Term, tuple[_Forms, _Forms]]] = {}
        self._by_value: dict[Term, tuple[_Forms, _Forms]] = {}
        self._last: tuple[str, Normalised] | None = None

    def _forms(self, term: Term) -> tuple[_Forms, _Forms]:
        known = self._by_identity.get(id(term))
        if known is not None and known[0] is term:
            return known[1]
        forms = self._by_value.get(term)
        if forms is None:
            forms = self._by_value[term] = _compile(term)
        if len(self._by_identity) >= _IDENTITY_LIMIT:
            self._by_identity.clear()  # callers that build a new Term per call
        # the entry keeps ``term`` alive, so its id cannot be reused meanwhile
        self._by_identity[id(term)] = (term, forms)
        return forms

    def _normalised(self, text: str) -> Normalised:
        last = self._last
        if last is not None and (last[0] is text or last[0] == text):
            return last[1]
        norm = normalise(text)
        self._last = (text, norm)
        return norm

    # accepted() and forbidden() are called for every term of every segment
    # by a checker: the lookups are inlined to keep the per-call cost down

    def accepted(self, term: Term, text: str) -> list[TargetMatch]:
        """All non-overlapping occurrences of an accepted rendering, left to right.

        Leftmost-longest: "Belt and Road Initiative" also contains the variant
        "Belt and Road", and counting both would invent a second rendering
        (and an inconsistency).
        """
        known = self._by_identity.get(id(term))
        forms = known[1][ACCEPTED] if known is not None and known[0] is term else self._forms(term)[ACCEPTED]
        if not forms or not text:
            return []
        norm = self._normalised(text)
        hits = _occurrences(norm.text, forms)
        return _select(text, norm, hits) if hits else []

    def accepted_by_term(self, terms: list[Term], text: str) -> dict[str, list[TargetMatch]]:
        """:meth:`accepted` of each term by id (the first of a repeated id counts), ``text`` normalised once.

        The judge asks this for the terms of every segment that has any: the
        same lookups as calling :meth:`accepted` per term, without the
        per-term calls and normalisation-cache checks.
        """
        found: dict[str, list[TargetMatch]] = {}
        if not text:
            for term in terms:
                found.setdefault(term.id, [])
            return found
        norm = self._normalised(text)
        scanned = norm.text
        by_identity = self._by_identity
        for term in terms:
            tid = term.id
            if tid in found:
                continue
            known = by_identity.get(id(term))
            forms = known[1][ACCEPTED] if known is not None and known[0] is term else self._forms(term)[ACCEPTED]
            hits = _occurrences(scanned, forms) if forms else None
            found[tid] = _select(text, norm, hits) if hits else []
        return found

    def forbidden(self, term: Term, text: str) -> list[TargetMatch]:
        """All non-overlapping occurrences of a forbidden rendering, left to right."""
        if not term.forbidden or not text:
            return []
        known = self._by_identity.get(id(term))
        forms = known[1][FORBIDDEN] if known is not None and known[0] is term else self._forms(term)[FORBIDDEN]
        norm = self._normalised(text)
        hits = _occurrences(norm.text, forms)
        return _select(text, norm, hits) if hits else []

    def first_accepted(self, term: Term, text: str) -> TargetMatch | None:
        found = self.accepted(term, text)
        return found[0] if found else None

    def first_forbidden(self, term: Term, text: str) -> TargetMatch | None:
        found = self.forbidden(term, text)
        return found[0] if found else None

    def honours(self, term: Term, text: str) -> bool:
        """True when ``text`` has an accepted rendering of ``term`` and no forbidden one.

        The one-line verdict translate and evaluate both need: forbidden
        wins over accepted, as in ``termlock check``.
        """
        return not self.forbidden(term, text) and bool(self.accepted(term, text))
