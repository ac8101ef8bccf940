"""Text as a stream of symbols in which whole words are plain substrings, in three views (channels).

The lock reads a hypothesis's text in three views, each a *channel*:

* ``EXACT``: the text's own characters, nothing folded: case, hyphens,
  dashes, apostrophes and every space kept (a tab, a no-break space, a
  full-width or mathematical letter are other characters). The lock writes
  the glossary's spelling here and credits a term only when it is spelled
  so (:mod:`termlock.glossary.spelling`);
* ``FOLDED``: the checker's normalised text (:func:`termlock.glossary.target_match.normalise`):
  case folded, spaces, hyphens and dashes one single space, curly
  apostrophes straight. Forbidden renderings are caught here, in any casing
  or split, and the renderings the judge counts against another term;
* ``CASED``: the same with letter case kept (case-sensitive terms).

A rendering counts only as a whole word (no word character,
:func:`~termlock.glossary.target_match.is_word_char`, touching it on either
side). Text becomes a stream of symbols: each character of the view,
preceded by ``T`` when the character is not a word character ("whatever
came before ends here") and by ``S`` when the previous character is not a
word character ("a word may start here"); in the folded and cased views a
space after a space is dropped (runs of separators are one), in the exact
view it is kept ("New  Era" is not "New Era"); the end of the text adds a
``T``. A rendering, turned into symbols as if surrounded by non-word
characters (``S d u a l T ␠ S c o r e s T``), occurs in a text's stream
exactly when it occurs in the text as a whole word -- renderings ending in
punctuation included ("U.S." glued to "food" has no ``T`` after the dot).
``S`` and the folding of spaces depend on the character before, so a
token's symbols are worked out per class of the preceding character (word,
other, space). One class serves the three views: the folded view's, as the
judge decides word boundaries there (the views differ only for characters
folding changes: an invisible one, a ligature).

``START`` is the symbol before a translation's first token (never written
by a token): a rendering that may only stand first (a capital first letter,
:func:`termlock.glossary.spelling.lock_spellings`) is a pattern that begins
with it.

Plain Python: no torch.
"""

from __future__ import annotations

from termlock.glossary import target_match
from termlock.glossary.normalize import fold_text

#: the views a hypothesis is read in
FOLDED, CASED, EXACT = "folded", "cased", "exact"
CHANNELS = (FOLDED, CASED, EXACT)
#: classes of the character before a token
WORD, OTHER, SPACE = 0, 1, 2
CLASSES = 3
#: symbol ids: 0 pads a token's row, 1 = S (a word may start), 2 = T (a word ended), 3 = the translation starts
PAD, S_MARK, T_MARK, START = 0, 1, 2, 3
CHAR_BASE = 4


_CLASS_OF: dict[str, int] = {}


def char_class(ch: str) -> int:
    cls = _CLASS_OF.get(ch)
    if cls is None:
        cls = _CLASS_OF[ch] = WORD if target_match.is_word_char(ch) else SPACE if ch == " " else OTHER
    return cls


def in_view(text: str, channel: str) -> str:
    """``text`` as the lock reads it in ``channel`` (see the module docstring).

    The folded view is the target matcher's own ``normalise``; the cased one
    takes each character from it unless it only differs by case; the exact
    one is the text itself.
    """
    if channel == EXACT:
        return text
    norm = target_match.normalise(text).text
    if channel == FOLDED:
        return norm
    folded = fold_text(text)  # the checker's folded view, case kept
    if len(folded) != len(norm):
        return norm
    return "".join(raw if low == raw.lower() else low for raw, low in zip(folded, norm))


def symbols(text: str, before: int, *, collapse: bool = True) -> tuple[list[int], int]:
    """The symbols of ``text`` (in its view) after a character of class ``before``; and the class after it.

    ``collapse``: a space after a space is dropped (the folded and cased views).
    """
    out: list[int] = []
    prev = before
    classes = _CLASS_OF
    for ch in text:
        cls = classes.get(ch)
        if cls is None:
            cls = char_class(ch)
        if collapse and cls == SPACE and prev == SPACE:
            continue
        if cls != WORD:
            out.append(T_MARK)
        if prev != WORD:
            out.append(S_MARK)
        out.append(ord(ch) + CHAR_BASE)
        prev = cls
    return out, prev


def class_symbols(text: str, *, collapse: bool = True) -> tuple[tuple[list[int], ...], tuple[int, ...]]:
    """:func:`symbols` of ``text`` after each class (``WORD``, ``OTHER``, ``SPACE``), and the class after it.

    One scan instead of three (a vocabulary asks this of every token):
    after another non-word character the first character also gets an
    ``S``; after a space, with ``collapse``, a leading space is dropped and
    the rest reads as after a space, which the scan after a word already
    did.
    """
    word, after = symbols(text, WORD, collapse=collapse)
    if not word:
        return ([], [], []), (WORD, OTHER, SPACE)
    at = 1 if word[0] == T_MARK else 0
    other = word[:at] + [S_MARK] + word[at:]
    if collapse and text[0] == " ":
        space = word[2:]  # "T ␠" of the dropped space
        return (word, other, space), (after, after, after if space else SPACE)
    return (word, other, other), (after, after, after)


def pattern_symbols(text: str, channel: str = FOLDED) -> tuple[int, ...]:
    """A rendering's symbols (in ``channel``'s view) as a whole word: non-word characters on both sides."""
    seq, _ = symbols(text, SPACE, collapse=channel != EXACT)
    return tuple(seq) + (T_MARK,)


def lead_symbols(text: str, channel: str = FOLDED) -> tuple[int, ...]:
    """A rendering's symbols preceded by a space: where a split ``▁`` + ``word`` has started it.

    Tracked only to see progress (a lone space token moves a hypothesis
    towards the rendering), never counted as an occurrence.
    """
    seq, _ = symbols(" " + text, WORD, collapse=channel != EXACT)
    return tuple(seq[1:]) + (T_MARK,)  # without the T before the space, whatever came before


def first_symbols(text: str, spaced: bool) -> tuple[int, ...]:
    """A rendering's exact symbols as the translation's first word (``spaced``: after the space a ``▁`` piece writes)."""
    seq, _ = symbols(" " + text if spaced else text, SPACE, collapse=False)
    return (START, *seq, T_MARK)
