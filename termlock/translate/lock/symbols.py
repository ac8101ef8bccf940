"""The checker's normalised text as a stream of symbols, in which whole words are plain substrings.

The checker (:mod:`termlock.glossary.target_match`) reads a translation as
normalised text: case folded (unless a term is case-sensitive), spaces,
hyphens and dashes one single space, curly apostrophes straight, and a
rendering counts only as a whole word (no word character,
:func:`~termlock.glossary.target_match.is_word_char`, touching it on either
side). The lock tracks a hypothesis in exactly that space, so any
tokenization of a required rendering counts and any tokenization or casing
of a forbidden one is seen.

Text becomes a stream of symbols: each normalised character, preceded by
``T`` when the character is not a word character ("whatever came before
ends here") and by ``S`` when the previous character is not a word
character ("a word may start here"); a space after a space is dropped
(runs of separators are one); the end of the text adds a ``T``. A
rendering, turned into symbols as if surrounded by non-word characters
(``S d u a l T ␠ S c o r e s T``), occurs in a text's stream exactly when it
occurs in the text as a whole word -- renderings ending in punctuation
included ("U.S." glued to "food" has no ``T`` after the dot). ``S`` and
the folding of spaces depend on the character before, so a token's symbols
are worked out per class of the preceding character (word, other, space).

Plain Python: no torch.
"""

from __future__ import annotations

from termlock.glossary import target_match
from termlock.glossary.normalize import fold_text

#: classes of the character before a token
WORD, OTHER, SPACE = 0, 1, 2
CLASSES = 3
#: symbol ids: 0 pads a token's row, 1 = S (a word may start), 2 = T (a word ended)
PAD, S_MARK, T_MARK = 0, 1, 2
CHAR_BASE = 3


_CLASS_OF: dict[str, int] = {}


def char_class(ch: str) -> int:
    cls = _CLASS_OF.get(ch)
    if cls is None:
        cls = _CLASS_OF[ch] = WORD if target_match.is_word_char(ch) else SPACE if ch == " " else OTHER
    return cls


def normalised(text: str, cased: bool) -> str:
    """``text`` as the checker searches it; ``cased`` keeps letter case (case-sensitive terms).

    The lower-cased form is the target matcher's own ``normalise``; the cased
    form takes each character from it unless it only differs by case.
    """
    norm = target_match.normalise(text).text
    if not cased:
        return norm
    folded = fold_text(text)  # the checker's folded view, case kept
    if len(folded) != len(norm):
        return norm
    return "".join(raw if low == raw.lower() else low for raw, low in zip(folded, norm))


def symbols(text: str, before: int) -> tuple[list[int], int]:
    """The symbols of normalised ``text`` after a character of class ``before``; and the class after it."""
    out: list[int] = []
    prev = before
    classes = _CLASS_OF
    for ch in text:
        cls = classes.get(ch)
        if cls is None:
            cls = char_class(ch)
        if cls == SPACE and prev == SPACE:
            continue
        if cls != WORD:
            out.append(T_MARK)
        if prev != WORD:
            out.append(S_MARK)
        out.append(ord(ch) + CHAR_BASE)
        prev = cls
    return out, prev


def pattern_symbols(text: str) -> tuple[int, ...]:
    """A normalised rendering's symbols as a whole word: non-word characters on both sides."""
    seq, _ = symbols(text, SPACE)
    return tuple(seq) + (T_MARK,)


def lead_symbols(text: str) -> tuple[int, ...]:
    """A rendering's symbols preceded by a space: where a split ``▁`` + ``word`` has started it.

    Tracked only to see progress (a lone space token moves a hypothesis
    towards the rendering), never counted as an occurrence.
    """
    seq, _ = symbols(" " + text, WORD)
    return tuple(seq[1:]) + (T_MARK,)  # without the T before the space, whatever came before
