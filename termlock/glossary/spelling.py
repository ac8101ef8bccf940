"""How a found rendering is spelled: in the glossary's own characters, or only in the checker's folded view.

The target matcher finds a rendering the way a reviewer reads it: case
folded, spaces and hyphens alike, any dash, curly and straight apostrophes
alike. That is right for judging whether a term was translated, and wrong
for what is printed: "State owned enterprises" *is* the term
"state-owned enterprise" (its occurrence stays ``ok``), but it is not the
glossary's spelling. Such an occurrence is a *spelling* finding, its own
category (like the numbers): reported with the glossary's spelling beside
it, outside the term success rate unless a run asks for strict spelling.
The constrained decoder writes only spellings these rules accept
(:func:`lock_spellings`; :mod:`termlock.translate.lock`), so the two
cannot drift.

The rules, one place for everybody:

* **the glossary spelling** of a rendering (:func:`glossary_spelling`) is its
  folded view (NFKC, invisible format characters removed, every space a
  plain space: :mod:`termlock.glossary.normalize`) with runs of spaces made
  one and the ends trimmed; its case, hyphens, dashes and apostrophes are
  kept as written;
* a found rendering is **spelled as the glossary** when its surface, as
  written (no folding at all: a tab, a no-break space or a full-width
  letter is another character) and with a possessive ending ('s, ’s, or a
  bare apostrophe) set aside, is the glossary spelling or one of the regular
  inflections the matcher accepts for it (:func:`spelled_forms`) character
  for character, except that, unless the term is ``case_sensitive``, a
  letter the glossary writes in lower case may be a capital at the start of
  a word: a sentence's first word, a name written in title case ("the China
  (Liaoning) Pilot Free Trade Zone"). A capital inside a word ("windoW",
  "HIGH"), a glossary capital written small, a hyphen written as a space or
  the reverse, another dash or apostrophe, a double space: each is a
  finding;
* two occurrences are **spelled alike** (consistency) when they have the
  same key: the glossary rendering for one spelled as the glossary, else
  :attr:`Misspelling.written` (the surface, possessive set aside, its first
  letter small where the glossary's is).

The lock writes less than this allows: the glossary spelling, or it with a
capital first letter where the translation starts (:func:`lock_spellings`).
"""

from __future__ import annotations

import re
from os.path import commonprefix
from typing import NamedTuple

from termlock.glossary.inflection import takes_possessive
from termlock.glossary.model import Term
from termlock.glossary.normalize import fold_text
from termlock.glossary.target_match import TargetMatch, normalise, surface_forms

_SPACES = re.compile(" {2,}")
#: endings the matcher takes after a rendering as a possessive
_POSSESSIVES = ("'s", "\u2019s", "'", "\u2019")
#: characters after which a letter starts a word (a capital there is title case, not a misspelling)
_WORD_BREAKS = frozenset(" -\u2010\u2011\u2012\u2013\u2014\u2015")


def glossary_spelling(rendering: str) -> str:
    """``rendering`` as the glossary spells it: folded view, single spaces, trimmed (case, hyphens, dashes kept)."""
    return _SPACES.sub(" ", fold_text(rendering)).strip()


def spelled_forms(rendering: str, exact: bool) -> list[str]:
    """The glossary spelling and, unless ``exact``, the inflections the matcher accepts, in its spelling; itself first.

    The matcher's forms (:func:`~termlock.glossary.target_match.surface_forms`)
    differ from its base form only in the last word, which the glossary
    spelling ends with too: each form's new ending goes onto the spelling.
    """
    spelling = glossary_spelling(rendering)
    plain = surface_forms(rendering, exact)
    if not spelling or not plain or not spelling.endswith(plain[0].rpartition(" ")[2]):
        return [spelling] if spelling else []
    base = plain[0]
    forms = [spelling]
    for form in plain[1:]:
        same = len(commonprefix((base, form)))
        forms.append(spelling[: len(spelling) - len(base) + same] + form[same:])
    return forms


def capitalised(form: str) -> str:
    """``form`` with a capital first letter (how a sentence may start with it)."""
    return form[:1].upper() + form[1:]


def lock_spellings(rendering: str, case_sensitive: bool) -> tuple[str, str | None]:
    """What constrained decoding may write for ``rendering``: anywhere, and where the translation starts.

    The glossary spelling, and (unless ``case_sensitive``, or when it
    changes nothing) the same with a capital first letter, for the first
    word of the translation. Both are spelled as the glossary by
    :meth:`SpellingRules.misspelling`.
    """
    spelling = glossary_spelling(rendering)
    start = None if case_sensitive else capitalised(spelling)
    return spelling, (start if start != spelling else None)


class Misspelling(NamedTuple):
    """An accepted rendering not written in the glossary's spelling.

    ``expected``: the glossary spelling of the form that was found (same
    inflection, with the capitals the rules allow where the surface has
    them); ``written``: the surface as consistency compares it.
    """

    expected: str
    written: str


class _Forms(NamedTuple):
    spelled: frozenset[str]  # the glossary spelling and its inflections
    titled: frozenset[str]  # the same in title case or with a capital first letter (empty for case-sensitive terms)
    allowed: frozenset[str]  # both: a surface in it is spelled as the glossary (the usual case, one lookup)
    by_lower: dict[str, str]  # each form lower-cased -> the form (a surface that differs only in case)
    by_folded: dict[str, str]  # the checker's folded key of each form -> the form
    title_case: bool  # a lower-case letter may be a capital at the start of a word (not case-sensitive)
    lower_first: bool  # the glossary spelling starts with a lower-case letter


def _word_start(form: str, at: int) -> bool:
    return at == 0 or form[at - 1] in _WORD_BREAKS


def _title_cased(form: str) -> str:
    """``form`` with a capital at the start of every word (hyphenated parts too)."""
    return "".join(ch.upper() if _word_start(form, at) else ch for at, ch in enumerate(form))


def _title_cased_from(form: str, surface: str) -> bool:
    """Whether ``surface`` is ``form`` with, at most, capitals at the start of words where ``form`` has small letters."""
    if len(surface) != len(form):
        return False
    for at, (seen, wanted) in enumerate(zip(surface, form)):
        if seen != wanted and not (wanted.islower() and seen == wanted.upper() and _word_start(form, at)):
            return False
    return True


def _closest(form: str, surface: str, title_case: bool) -> str:
    """``form`` with the capitals ``surface`` has where the rules allow one: the spelling a reviewer should write."""
    if not title_case or len(surface) != len(form) or surface.islower():
        return form
    out = list(form)
    for at, wanted in enumerate(form):
        if wanted.islower() and surface[at].isupper() and _word_start(form, at):
            out[at] = wanted.upper()
    return "".join(out)


class SpellingRules:
    """Judges how found renderings are spelled; compiles each (rendering, term rules) once."""

    def __init__(self) -> None:
        #: the forms of each rendering compiled so far; the usual term's (neither exact nor
        #: case-sensitive) by its string alone, so the judge can look one up without a call
        self.compiled: dict[str | tuple[str, bool, bool], _Forms] = {}

    def forms(self, rendering: str, exact: bool, case_sensitive: bool) -> _Forms:
        key = (rendering, exact, case_sensitive) if exact or case_sensitive else rendering
        found = self.compiled.get(key)
        if found is None:
            forms = spelled_forms(rendering, exact)
            spelled = frozenset(forms)
            # every word's first letter a capital, and the first word's only (a sentence start): the usual two
            titled = frozenset() if case_sensitive else frozenset(v for f in forms for v in (_title_cased(f), capitalised(f)))
            first = forms[0][:1] if forms else ""
            found = self.compiled[key] = _Forms(
                spelled,
                titled,
                spelled | titled | (frozenset() if exact else _possessives(spelled | titled)),
                {f.lower(): f for f in forms},
                {_folded_key(f): f for f in forms},
                not case_sensitive,
                first != first.upper(),
            )
        return found

    def misspelling(self, term: Term, match: TargetMatch) -> Misspelling | None:
        """None when ``match`` (an accepted match of ``term``) is spelled as the glossary, else what it should read.

        The checker's hot path asks this for every ``ok`` occurrence: a
        surface that is a glossary spelling, or it in title case, returns
        at the first lookups.
        """
        forms = self.forms(match.rendering, term.exact, term.case_sensitive)
        surface = match.text
        if surface in forms.allowed:
            return None
        core = _without_possessive(surface, forms)
        if core is not surface and core in forms.allowed:
            return None
        form = forms.by_lower.get(core.lower())
        if form is not None and forms.title_case and _title_cased_from(form, core):
            return None
        if form is None:  # more than case differs: find the form by the checker's own folding
            form = forms.by_folded.get(_folded_key(core)) or glossary_spelling(match.rendering)
        written = core
        if forms.title_case and forms.lower_first and core[:1].isupper():
            written = core[:1].lower() + core[1:]  # a first capital is no spelling of its own
        return Misspelling(_closest(form, core, forms.title_case), written)


def _possessives(forms: frozenset[str]) -> frozenset[str]:
    """The forms followed by the possessive endings the matcher takes after them ('s, ’s; ' or ’ after -s)."""
    out = []
    for form in forms:
        if takes_possessive(form):
            out += [form + "'s", form + "\u2019s"]
            if form[-1:] in "sS":
                out += [form + "'", form + "\u2019"]
    return frozenset(out)


def _folded_key(text: str) -> str:
    """The checker's folded key of ``text`` (``normalise``), without its scan for the usual ASCII surface."""
    if text.isascii() and text.isprintable():
        key = text.lower().replace("-", " ")
        if "  " not in key:
            return key
    return normalise(text).text


def _without_possessive(surface: str, forms: _Forms) -> str:
    """``surface`` without the possessive ending the matcher took after a form ('s, ’s, or a bare apostrophe)."""
    if surface[-1:] not in "s'\u2019":
        return surface
    for ending in _POSSESSIVES:
        if surface.endswith(ending):
            stem = surface[: -len(ending)]
            if stem.lower() in forms.by_lower or _folded_key(stem) in forms.by_folded:
                return stem
            return surface
    return surface
