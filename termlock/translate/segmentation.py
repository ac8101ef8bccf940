"""Cut a line (often a whole paragraph) into sentences the model can translate.

Sentence-level MT models translate one sentence well and a paragraph badly,
and silently truncate input beyond their position table. So each line is cut
at Chinese sentence punctuation, each piece is translated on its own and the
English pieces are joined back with one space. The cut keeps every character:
joining the source pieces gives back the line exactly, so offsets of glossary
matches in the line map onto pieces.

A sentence still too long for the model is cut again at clause punctuation,
and as a last resort at the longest prefix that fits; such forced cuts are
flagged so the caller reports them instead of the text quietly vanishing.

A piece with nothing to translate (:func:`needs_translation`: only figures,
punctuation, symbols and Latin letters) is not given to the model at all.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Iterable

import regex

#: sentence-final punctuation: ideographic full stop (and its half-width
#: form), exclamation, question and semicolon in full- and half-width forms
SENTENCE_ENDS = frozenset("。｡！？；!?;")
#: half-width enders also occur inside URLs and code; they end a sentence
#: only before a space, the end, a closing mark or non-ASCII text
_ASCII_ENDS = frozenset("!?;")
#: clause punctuation used to cut over-long sentences
CLAUSE_MARKS = frozenset("，、：,:")
#: closing quotes and brackets that belong to the sentence they close
CLOSERS = frozenset("”’」』）)】》〉〕］]｝}〗〙〛﹂﹄")
#: straight quotes close a sentence only when one is open in it
_STRAIGHT_QUOTES = frozenset("\"'")

TokenCounter = Callable[[str], int]

#: a Han character (〇 included) or a letter of any script but Latin (kana, Hangul, Cyrillic...): what the model is for
_OTHER_SCRIPT_LETTER = regex.compile(r"\p{Han}|[^\p{Latin}\P{L}]")


def needs_translation(text: str) -> bool:
    """Whether ``text`` holds anything to translate: a letter of a script other than Latin.

    A piece of only figures, punctuation, symbols, spaces and Latin letters
    ("2024", "GDP", "5G", "（1）", "https://www.gov.cn", "3.5%", an English
    quotation, full-width "２０２４") is already what the translation should
    say; a model given it alone invents words around it (a random-weight
    opus model turned "2024" into "persistence"; real ones add "Year" or a
    sentence). One letter of another script (Han above all) and the piece
    goes to the model.
    """
    return _OTHER_SCRIPT_LETTER.search(text) is not None


@dataclass(frozen=True)
class Piece:
    """A span ``line[start:end]`` to translate on its own.

    ``split`` says how it was cut from a sentence that was too long for the
    model: ``None`` (a whole sentence), ``"clause"`` (at clause punctuation)
    or ``"forced"`` (at the longest prefix that fits: worth reporting).
    ``fits`` is False only when even that could not make it fit.
    """

    start: int
    end: int
    text: str
    split: str | None = None
    fits: bool = True

    @property
    def content(self) -> str:
        """The text the model is given: the piece without surrounding spaces."""
        return self.text.strip()


def _has_words(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def _ends_sentence(line: str, i: int) -> bool:
    ch = line[i]
    if ch not in SENTENCE_ENDS:
        return False
    if ch not in _ASCII_ENDS:
        return True
    nxt = line[i + 1] if i + 1 < len(line) else ""
    return nxt == "" or nxt.isspace() or nxt in SENTENCE_ENDS or nxt in CLOSERS or nxt in _STRAIGHT_QUOTES or ord(nxt) > 127


def _cut_points(line: str, is_mark: Callable[[str, int], bool]) -> list[int]:
    """Offsets after each mark, its repeats, closers and the following spaces."""
    cuts: list[int] = []
    start = 0
    i = 0
    n = len(line)
    while i < n:
        if not is_mark(line, i):
            i += 1
            continue
        j = i + 1
        while j < n and is_mark(line, j):
            j += 1
        while j < n:
            ch = line[j]
            if ch in CLOSERS:
                j += 1
            elif ch in _STRAIGHT_QUOTES and line.count(ch, start, j) % 2 == 1:
                j += 1  # closes a quote opened in this piece
            else:
                break
        while j < n and line[j].isspace():
            j += 1
        if j < n:
            cuts.append(j)
        start = j
        i = j
    return cuts


def _spans(line: str, cuts: Iterable[int]) -> list[tuple[int, int]]:
    """Spans between cut points, with word-less spans merged into a neighbour."""
    bounds = [0, *cuts, len(line)]
    spans = [(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and not _has_words(line[a:b]):
            merged[-1] = (merged[-1][0], b)
        elif merged and not _has_words(line[merged[-1][0] : merged[-1][1]]):
            merged[-1] = (merged[-1][0], b)  # a leading word-less span joins the next
        else:
            merged.append((a, b))
    return merged


def split_sentences(line: str) -> list[Piece]:
    """Sentences of ``line``; ``"".join(p.text for p in pieces) == line``.

    Trailing spaces go with the sentence before them, closing quotes and
    brackets with the sentence they close. An empty line has no pieces.
    """
    if not line:
        return []
    return [Piece(a, b, line[a:b]) for a, b in _spans(line, _cut_points(line, _ends_sentence))]


def _is_clause_mark(text: str, i: int) -> bool:
    return text[i] in CLAUSE_MARKS


def _forced_prefix(text: str, count: TokenCounter, limit: int) -> int:
    """Length of the longest prefix whose content fits, preferring a space to cut at."""
    lo, hi = 1, len(text)
    best = 0
    while lo <= hi:
        mid = (lo + hi) // 2
        if count(text[:mid].strip()) <= limit:
            best, lo = mid, mid + 1
        else:
            hi = mid - 1
    if best == 0:
        return 0
    space = text.rfind(" ", 0, best)
    if space > best // 2:
        return space + 1
    return best


def fit_piece(piece: Piece, count: TokenCounter, limit: int) -> list[Piece]:
    """``piece`` cut so that every part's content is at most ``limit`` tokens."""
    if not piece.content or count(piece.content) <= limit:
        return [piece]
    text = piece.text
    clause_spans = _spans(text, _cut_points(text, _is_clause_mark))
    parts: list[Piece] = []
    current: tuple[int, int] | None = None

    def flush() -> None:
        if current is not None:
            a, b = current
            parts.append(Piece(piece.start + a, piece.start + b, text[a:b], split="clause"))

    for a, b in clause_spans:
        if current is not None and count(text[current[0] : b].strip()) <= limit:
            current = (current[0], b)
            continue
        flush()
        current = (a, b)
    flush()

    out: list[Piece] = []
    for part in parts:
        if count(part.content) <= limit:
            out.append(part)
            continue
        rest_start, rest = part.start, part.text
        while rest:
            if count(rest.strip()) <= limit:
                out.append(Piece(rest_start, rest_start + len(rest), rest, split="forced"))
                break
            cut = _forced_prefix(rest, count, limit)
            if cut == 0:  # not even one character fits: keep it, flagged
                out.append(Piece(rest_start, rest_start + len(rest), rest, split="forced", fits=False))
                break
            out.append(Piece(rest_start, rest_start + cut, rest[:cut], split="forced"))
            rest_start, rest = rest_start + cut, rest[cut:]
    # whitespace-only leftovers join the piece before them
    merged: list[Piece] = []
    for part in out:
        if merged and not part.content:
            prev = merged[-1]
            merged[-1] = replace(prev, end=part.end, text=prev.text + part.text)
        else:
            merged.append(part)
    if len(merged) > 1 and not merged[0].content:
        first, second = merged[0], merged[1]
        merged[:2] = [replace(second, start=first.start, text=first.text + second.text)]
    return merged


def segment_line(line: str, count: TokenCounter | None = None, limit: int | None = None) -> list[Piece]:
    """Sentences of ``line``, each cut further if longer than ``limit`` tokens."""
    pieces = split_sentences(line)
    if count is None or limit is None:
        return pieces
    out: list[Piece] = []
    for piece in pieces:
        out.extend(fit_piece(piece, count, limit))
    return out


def join_translations(parts: Iterable[str]) -> str:
    """English sentences of one line, joined with a single space."""
    return " ".join(part.strip() for part in parts if part and part.strip())
