"""Traditional and simplified Chinese as one text, without moving offsets.

Glossaries are kept in simplified characters but sources arrive in both
scripts. Folding character by character (OpenCC's t2s character table, not
its phrase conversion) keeps every index of the folded text equal to the
index in the original, so a match found in folded text slices the original.

Most lines contain no traditional character at all, so a one-pass regex
scan decides first whether there is anything to fold: ``str.translate``
with a dict costs a dictionary lookup per character, the scan does not.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Callable

from termlock.glossary.normalize import character_class, in_bmp


@lru_cache(maxsize=1)
def traditional_characters() -> dict[int, str]:
    """Code point of a traditional character -> its simplified form, one character to one.

    Read from the t2s character dictionary that opencc-python-reimplemented
    ships (the first candidate of each entry is what ``OpenCC('t2s')``
    writes for a lone character); entries that are not one-to-one
    characters are skipped because they would move offsets.
    """
    import opencc

    path = os.path.join(os.path.dirname(opencc.__file__), "dictionary", "TSCharacters.txt")
    table: dict[int, str] = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 2 or len(parts[0]) != 1:
                continue
            simplified = parts[1].split(" ")[0]
            if len(simplified) == 1 and simplified != parts[0]:
                table[ord(parts[0])] = simplified
    return table


@lru_cache(maxsize=1)
def _traditional_search() -> Callable[[str], object]:
    """A scan for traditional BMP characters.

    Astral characters are left out of the class: one with them would be
    compiled by ``re`` into a list searched item by item (it only builds its
    fast block bitmap for BMP classes), ten times slower than folding
    itself; they are rare, so any of them just sends the text down the
    folding path (:func:`~termlock.glossary.normalize.in_bmp`).
    """
    return character_class(chr(code) for code in traditional_characters() if code < 0x10000).search


def fold_script(text: str) -> str:
    """``text`` with traditional characters replaced by simplified ones; same length."""
    if text.isascii():
        return text
    if in_bmp(text) and _traditional_search()(text) is None:
        return text
    return text.translate(traditional_characters())
