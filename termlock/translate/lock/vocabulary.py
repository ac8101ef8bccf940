"""Every token of a tokenizer in one of the lock's views, as symbol tables.

:class:`VocabularyText` turns each token's text into one view (channel) of
:mod:`termlock.translate.lock.symbols` (exact, for writing the glossary's
spelling; folded, the checker's normalised text; or cased) and its
symbols, once per tokenizer and channel, for each class of the preceding
character: the padded tensor tables the tracker walks candidates with, and
host-side indexes the per-sentence tables are built from (tokens by symbol
prefix, by containing text, by exact text).

Byte-level pieces are word characters: a piece holding part of a UTF-8
character (U+FFFD as text, or SentencePiece's ``<0xE5>`` byte fallback) may
complete a CJK letter; read as anything else it could glue onto a placed
rendering ("Committee廐") that the checker then rejects.
"""

from __future__ import annotations

import bisect
import re
from typing import Any, Sequence

import torch

from termlock.translate.lock.symbols import CLASSES, EXACT, FOLDED, OTHER, PAD, S_MARK, SPACE, T_MARK, class_symbols, in_view

#: SentencePiece byte-fallback pieces (part of a UTF-8 character)
_BYTE_PIECE = re.compile(r"<0x[0-9A-Fa-f]{2}>")


def token_texts(tokenizer: Any, vocab_size: int, eos_ids: Sequence[int] = ()) -> list[str]:
    """Each token's text as it lands in a translation ("" for special tokens and ids past the tokenizer).

    A SentencePiece ``▁`` is a space; a piece holding part of a UTF-8
    character reads as a CJK letter (see the module docstring).
    """
    count = min(vocab_size, len(tokenizer))
    pieces = tokenizer.convert_ids_to_tokens(list(range(count)))
    special = set(getattr(tokenizer, "all_special_ids", []) or []) | set(eos_ids)
    spm = any(isinstance(p, str) and p.startswith("\u2581") for p in pieces[: min(count, 5000)])
    raw: list[str] = []
    for i, piece in enumerate(pieces):
        if i in special or piece is None:
            raw.append("")
        elif spm:
            # a byte-fallback piece (<0xE5>) is part of a UTF-8 character, which may be a CJK letter: a word character
            text = str(piece)
            raw.append("\u4e00" if _BYTE_PIECE.fullmatch(text) else text.replace("\u2581", " "))
        else:
            # part of a UTF-8 character (U+FFFD as text) may complete a CJK letter: a word character
            raw.append(tokenizer.convert_tokens_to_string([piece]).replace("\ufffd", "\u4e00"))
    raw += [""] * (vocab_size - count)
    return raw


class TokenSpeller:
    """Whether a tokenizer's tokens can write a string exactly, character for character (the exact view).

    A byte-level BPE writes anything; a SentencePiece vocabulary without
    byte fallback only what its pieces hold ("Shuānghé" needs a piece with
    "ā"). Asked before decoding, so a term no length or beam can place is
    reported as such at once.
    """

    def __init__(self, texts: Sequence[str]):
        pieces = {in_view(t, EXACT) for t in texts if t}
        pieces.discard("")
        self._pieces = pieces
        self._longest = max(map(len, pieces), default=0)
        self._characters = set("".join(pieces))

    def spells(self, text: str) -> bool:
        """Whether tokens write exactly ``text`` (or a space and ``text``, as a ``▁`` piece starts a word)."""
        return any(self._reaches(start) for start in (text, " " + text))

    def _reaches(self, text: str) -> bool:
        reached = [False] * (len(text) + 1)
        reached[0] = True
        for at in range(len(text)):
            if reached[at]:
                for size in range(1, min(self._longest, len(text) - at) + 1):
                    if text[at : at + size] in self._pieces:
                        reached[at + size] = True
        return reached[-1]

    def unwritten(self, text: str) -> str:
        """The characters of ``text`` that no token holds (in order, each once; spaces aside)."""
        return "".join(dict.fromkeys(ch for ch in text if ch != " " and ch not in self._characters))


class VocabularyText:
    """Every token's text and symbols in one channel's view (exact, folded or cased).

    Built once per tokenizer and channel (what that costs: bench/README.md):
    ``seq[cls, token]`` the padded symbols after a character of class
    ``cls``, ``after[cls, token]`` the class after the token,
    ``opens_word_end[cls, token]`` whether its first symbol is ``T``;
    ``texts[token]`` its text in the view.
    """

    def __init__(
        self,
        tokenizer: Any,
        vocab_size: int,
        device: torch.device,
        *,
        channel: str = FOLDED,
        eos_ids: Sequence[int] = (),
        texts: Sequence[str] | None = None,
    ):
        """``texts``: :func:`token_texts` of the tokenizer, when the caller has them already."""
        raw = list(texts) if texts is not None else token_texts(tokenizer, vocab_size, eos_ids)
        self.channel = channel
        self.texts = [in_view(r, channel) if r else "" for r in raw]
        collapse = channel != EXACT
        seqs: list[list[tuple[int, ...]]] = [[] for _ in range(CLASSES)]
        afters: list[list[int]] = [[] for _ in range(CLASSES)]
        for text in self.texts:
            by_class, after = class_symbols(text, collapse=collapse)
            for cls in range(CLASSES):
                seqs[cls].append(tuple(by_class[cls]))
                afters[cls].append(after[cls])
        if not collapse:  # spaces kept: after a space reads as after any other non-word character
            seqs[SPACE] = seqs[OTHER]
        # one flat copy to the padded table (a tensor per token would cost more than the rest of the build)
        flat_lengths = [len(seq) for row in seqs for seq in row]
        width = max(1, max(flat_lengths))
        lengths = torch.tensor(flat_lengths, dtype=torch.long)
        # symbols as compact ids (markers keep theirs): the batch's tables map them with one lookup
        self.compact = {PAD: PAD, S_MARK: S_MARK, T_MARK: T_MARK}
        for symbol in sorted({symbol for row in seqs for seq in row for symbol in seq} - set(self.compact)):
            self.compact[symbol] = len(self.compact)
        compact = self.compact
        values = torch.tensor([compact[symbol] for row in seqs for seq in row for symbol in seq], dtype=torch.int32)
        starts = torch.cumsum(lengths, 0) - lengths
        slot = torch.arange(values.numel()) - torch.repeat_interleave(starts, lengths)
        table = torch.zeros((CLASSES * vocab_size, width), dtype=torch.int32)
        table[torch.repeat_interleave(torch.arange(CLASSES * vocab_size), lengths), slot] = values
        table = table.view(CLASSES, vocab_size, width)
        self.seq = table.to(device)
        self.length = lengths.view(CLASSES, vocab_size).to(device)
        self.after = torch.tensor(afters, dtype=torch.long, device=device)
        self.opens_word_end = (table[:, :, 0] == T_MARK).to(device)
        # host copies for the per-sentence tables: symbols sorted, for prefix ranges
        self._host_seq = seqs
        self._sorted = []
        for cls in range(CLASSES):
            if cls and seqs[cls] is seqs[cls - 1]:
                self._sorted.append(self._sorted[-1])
                continue
            order = sorted(range(vocab_size), key=seqs[cls].__getitem__)
            order = [t for t in order if seqs[cls][t]]
            self._sorted.append(([seqs[cls][t] for t in order], order))
        self._by_text: dict[str, list[int]] = {}
        for t, text in enumerate(self.texts):
            if text:
                self._by_text.setdefault(text, []).append(t)
        # all texts in one string, for substring search of whole renderings
        self._joined = "\x00".join(self.texts)
        self._starts = []
        position = 0
        for text in self.texts:
            self._starts.append(position)
            position += len(text) + 1

    def starting_with(self, prefix: Sequence[int], cls: int) -> list[int]:
        """Tokens whose symbols after class ``cls`` begin with ``prefix``."""
        keys, ids = self._sorted[cls]
        first = tuple(prefix)
        lo = bisect.bisect_left(keys, first)
        hi = bisect.bisect_left(keys, first[:-1] + (first[-1] + 1,)) if first else len(keys)
        return ids[lo:hi]

    def containing(self, text: str) -> list[int]:
        """Tokens whose normalised text contains ``text``."""
        found: list[int] = []
        at = self._joined.find(text)
        while at >= 0:
            token = bisect.bisect_right(self._starts, at) - 1
            if at + len(text) <= self._starts[token] + len(self.texts[token]):
                found.append(token)
            at = self._joined.find(text, at + 1)
        return list(dict.fromkeys(found))

    def spelling(self, text: str) -> list[int]:
        """Tokens whose normalised text is exactly ``text``."""
        return self._by_text.get(text, [])

    def token_symbols(self, token: int, cls: int) -> tuple[int, ...]:
        return self._host_seq[cls][token]
