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
import re
from functools import lru_cache
from typing import Callable


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, str]:
    """Traditional character -> its simplified form, one character to one.

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


def traditional_characters() -> dict[int, str]:
    """Code point of each traditional character folded -> its simplified form (one character)."""
    return _fold_table()


@lru_cache(maxsize=1)
def _traditional_searches() -> tuple[Callable[[str], object], Callable[[str], object]]:
    """Two scans: one for traditional BMP characters, one for any astral character.

    One character class with both would be compiled by ``re`` into a list
    searched item by item (it only builds its fast block bitmap for BMP
    classes), ten times slower than folding itself; astral characters are
    rare, so any of them just sends the text down the folding path.
    """
    bmp = "".join(sorted(chr(code) for code in _fold_table() if code < 0x10000))
    return re.compile(f"[{re.escape(bmp)}]").search, re.compile("[\U00010000-\U0010ffff]").search


def fold_script(text: str) -> str:
    """``text`` with traditional characters replaced by simplified ones; same length."""
    if text.isascii():
        return text
    traditional, astral = _traditional_searches()
    if traditional(text) is None and astral(text) is None:
        return text
    return text.translate(_fold_table())
