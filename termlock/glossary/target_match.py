"""Find a term's renderings in English text, as a careful reviewer would.

A reviewer accepts "stuck-neck" for "stuck neck", "Dual Cores" for "dual
cores" and "three big article's" for "three big articles", but never "dual
cores" inside "individual cores". Each term's renderings are compiled once
into a single regular expression (longest rendering first, so a variant
that extends the canonical form wins at the same position); only the terms
found in a source segment are ever run against its target.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from termlock.glossary.model import Glossary, Term

#: Runs of these are one separator: spaces, NBSP, ASCII and Unicode hyphens/dashes.
SEPARATOR = r"[\s\-\u2010-\u2015\u00a0]+"
_SPLIT = re.compile(SEPARATOR)
_APOSTROPHE = "['\u2019]"
_POSSESSIVE = rf"(?:{_APOSTROPHE}s?)?"
_SIBILANT_END = ("s", "x", "z", "ch", "sh")


@dataclass(frozen=True)
class TargetMatch:
    rendering: str  # the glossary string that matched (canonical, variant or forbidden entry)
    start: int
    end: int
    text: str  # the surface text found


def _escape_word(word: str) -> str:
    return "".join(_APOSTROPHE if ch in "'\u2019" else re.escape(ch) for ch in word)


def inflections(word: str) -> list[str]:
    """Regular singular/plural forms of an English word, the word itself first."""
    lower = word.lower()
    forms = [word]
    if len(word) < 3 or not word[-1].isalpha():
        return forms
    if lower.endswith("ies") and len(word) > 4:
        forms.append(word[:-3] + "y")
    elif lower.endswith("es") and lower[:-2].endswith(_SIBILANT_END):
        forms.append(word[:-2])
    elif lower.endswith("s") and not lower.endswith(("ss", "us", "is")):
        forms.append(word[:-1])
    else:
        if lower.endswith("y") and lower[-2] not in "aeiou":
            forms.append(word[:-1] + "ies")
        elif lower.endswith(_SIBILANT_END):
            forms.append(word + "es")
        else:
            forms.append(word + "s")
    return forms


def rendering_pattern(rendering: str, exact: bool) -> str:
    """Regex source (without boundaries) for one rendering."""
    words = [w for w in _SPLIT.split(rendering.strip()) if w]
    if not words:
        raise ValueError("empty rendering")
    escaped = [_escape_word(w) for w in words]
    if not exact:
        last = words[-1]
        forms = sorted({_escape_word(f) for f in inflections(last)}, key=len, reverse=True)
        tail = _POSSESSIVE if last[-1].isalpha() else ""
        escaped[-1] = f"(?:{'|'.join(forms)}){tail}"
    return SEPARATOR.join(escaped)


class _CompiledTerm:
    __slots__ = ("accepted", "accepted_names", "forbidden", "forbidden_names")

    def __init__(self, term: Term) -> None:
        self.accepted, self.accepted_names = self._compile(term.accepted, term)
        self.forbidden, self.forbidden_names = self._compile(term.forbidden, term)

    @staticmethod
    def _compile(renderings: tuple[str, ...], term: Term) -> tuple[re.Pattern[str] | None, list[str]]:
        ordered = sorted(dict.fromkeys(renderings), key=len, reverse=True)
        if not ordered:
            return None, []
        groups = "|".join(f"(?P<r{i}>{rendering_pattern(r, term.exact)})" for i, r in enumerate(ordered))
        flags = 0 if term.case_sensitive else re.IGNORECASE
        return re.compile(rf"(?<!\w)(?:{groups})(?!\w)", flags), ordered


def _finditer(pattern: re.Pattern[str] | None, names: list[str], text: str) -> list[TargetMatch]:
    if pattern is None:
        return []
    return [TargetMatch(names[int(m.lastgroup[1:])], m.start(), m.end(), m.group()) for m in pattern.finditer(text)]


def _search(pattern: re.Pattern[str] | None, names: list[str], text: str) -> TargetMatch | None:
    if pattern is None:
        return None
    m = pattern.search(text)
    return None if m is None else TargetMatch(names[int(m.lastgroup[1:])], m.start(), m.end(), m.group())


class TargetMatcher:
    """Matches each term's accepted and forbidden renderings in target text."""

    def __init__(self, glossary: Glossary | None = None) -> None:
        self.glossary = glossary
        self._compiled: dict[Term, _CompiledTerm] = {}

    def _get(self, term: Term) -> _CompiledTerm:
        compiled = self._compiled.get(term)
        if compiled is None:
            compiled = self._compiled[term] = _CompiledTerm(term)
        return compiled

    def accepted(self, term: Term, text: str) -> list[TargetMatch]:
        """All non-overlapping occurrences of an accepted rendering, left to right."""
        c = self._get(term)
        return _finditer(c.accepted, c.accepted_names, text)

    def forbidden(self, term: Term, text: str) -> list[TargetMatch]:
        c = self._get(term)
        return _finditer(c.forbidden, c.forbidden_names, text)

    def first_accepted(self, term: Term, text: str) -> TargetMatch | None:
        c = self._get(term)
        return _search(c.accepted, c.accepted_names, text)

    def first_forbidden(self, term: Term, text: str) -> TargetMatch | None:
        c = self._get(term)
        return _search(c.forbidden, c.forbidden_names, text)

    def honours(self, term: Term, text: str) -> bool:
        """True when ``text`` has an accepted rendering of ``term`` and no forbidden one."""
        return self.first_forbidden(term, text) is None and self.first_accepted(term, text) is not None
