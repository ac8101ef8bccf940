"""Every token of a tokenizer in the checker's normalised space, as symbol tables.

:class:`VocabularyText` turns each token's text into the checker's
normalised text and its symbols (:mod:`termlock.translate.lock.symbols`),
once per tokenizer and channel (folded, or cased for case-sensitive terms),
for each class of the preceding character: the padded tensor tables the
tracker walks candidates with, and host-side indexes the per-sentence
tables are built from (tokens by symbol prefix, by containing text, by
exact text).

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

from termlock.translate.lock.symbols import CLASSES, PAD, S_MARK, T_MARK, normalised, symbols

#: SentencePiece byte-fallback pieces (part of a UTF-8 character)
_BYTE_PIECE = re.compile(r"<0x[0-9A-Fa-f]{2}>")


class VocabularyText:
    """Every token's normalised text and symbols, for one channel (folded or cased).

    Built once per tokenizer and channel (what that costs: bench/README.md):
    ``seq[cls, token]`` the padded symbols after a character of class
    ``cls``, ``after[cls, token]`` the class after the token,
    ``opens_word_end[cls, token]`` whether its first symbol is ``T``.
    """

    def __init__(self, tokenizer: Any, vocab_size: int, device: torch.device, *, cased: bool, eos_ids: Sequence[int] = ()):
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
        self.raw = raw
        self.texts = [normalised(r, cased) if r else "" for r in raw]
        seqs: list[list[tuple[int, ...]]] = []
        afters: list[list[int]] = []
        for cls in range(CLASSES):
            row_seq, row_after = [], []
            for text in self.texts:
                seq, after = symbols(text, cls)
                row_seq.append(tuple(seq))
                row_after.append(after if seq else cls)
            seqs.append(row_seq)
            afters.append(row_after)
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
