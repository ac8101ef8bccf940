"""Traditional and simplified Chinese as one text, without moving offsets.

Glossaries are kept in simplified characters but sources arrive in both
scripts. Folding character by character (OpenCC's character table, not its
phrase conversion) keeps every index of the folded text equal to the index
in the original, so a match found in folded text slices the original.
"""

from __future__ import annotations

import os
from functools import lru_cache


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, str]:
    import opencc  # opencc-python-reimplemented ships OpenCC's dictionaries

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


def fold_script(text: str) -> str:
    """``text`` with traditional characters replaced by simplified ones; same length."""
    return text.translate(_fold_table())
