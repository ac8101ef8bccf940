"""Regular English inflection of a rendering's last word: one set of rules.

The target matcher accepts "dual core" for "dual cores" and "three big
article's" for "three big articles"; the constrained decoder must know the
very same forms (to block every form of a forbidden rendering, and to know
which renderings of other terms contain a required one). Both import these
functions, so a change here changes what the checker accepts and what the
decoder blocks at once.
"""

from __future__ import annotations

_CURLY_APOSTROPHE = "\u2019"
_SIBILANT_END = ("s", "x", "z", "ch", "sh")


def inflections(word: str) -> list[str]:
    """Regular singular/plural forms of an English word, the word itself first.

    Generous where English is ambiguous ("bases" is the plural of "base" or
    "basis"): a form that is not a word never occurs in real text, while a
    real form left out would be a false alarm.
    """
    lower = word.lower()
    forms = [word]
    if len(word) < 3 or not word[-1].isalpha() or "'" in word or _CURLY_APOSTROPHE in word:
        return forms
    if lower.endswith("ies") and len(word) > 4:
        forms.append(word[:-3] + "y")
    elif lower.endswith("es") and lower[:-2].endswith(_SIBILANT_END):
        forms += [word[:-2], word[:-1]]
    elif lower.endswith("s") and not lower.endswith(("ss", "us", "is")):
        forms.append(word[:-1])
    elif lower.endswith("y") and lower[-2] not in "aeiou":
        forms.append(word[:-1] + "ies")
    elif lower.endswith(_SIBILANT_END):
        forms.append(word + "es")
    else:
        forms.append(word + "s")
    return forms


def inflected_forms(plain: str, exact: bool) -> list[str]:
    """The spellings of a single-spaced rendering that count as it, itself first.

    ``plain`` is a rendering with its words joined by single spaces; unless
    ``exact``, its last word takes its regular singular/plural forms.
    """
    if not plain or exact:
        return [plain] if plain else []
    head, _, last = plain.rpartition(" ")
    prefix = f"{head} " if head else ""
    return [prefix + word for word in dict.fromkeys(inflections(last))]


def takes_possessive(form: str) -> bool:
    """Whether a possessive ('s, or ' after -s) may follow ``form`` and still count as it."""
    last = form.rpartition(" ")[2]
    return last[-1:].isalpha() and "'" not in last
