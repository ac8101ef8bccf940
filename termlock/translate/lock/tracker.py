"""The constraint state of a batch's hypotheses, and what it allows next: the interface the beam loop uses.

:class:`ConstraintTracker` compiles a batch's
:class:`~termlock.translate.lock.sentence_lock.SentenceLock` records into
automata over symbols (:mod:`termlock.translate.lock.automata`), per channel
(folded; cased where a term is case-sensitive). A hypothesis's state is its
node in each automaton, the class of its last character and how many times
each tracked rendering has occurred; its terms met are those counts times
the lock's weights, one small matrix product.

**Bans.** Forbidden renderings are blocked on the full vocabulary before
candidates are chosen, from three tables computed per sentence when the
batch starts: the tokens that complete a forbidden occurrence started
earlier (per automaton node: tokens whose symbols begin with the rest of a
pattern, a range of the vocabulary sorted by symbols), the tokens that
contain a whole forbidden occurrence (per preceding character class), and
the nodes where only the end of the word is missing (there, tokens that
would end the word, and EOS, are banned: the word must go on). Every
candidate is also checked after its walk, so nothing forbidden survives
even at the length limit.

**Proposals.** Per node, the tokens that write the next piece of a missing
rendering in the glossary's spelling, offered beside the model's own best
tokens.

Nothing is banned on behalf of a required rendering: once it is met, any
continuation is allowed, and a rendering is only credited when the word
really ends. Importing this module imports torch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import torch

from termlock.translate.lock.automata import Automata, JointWalk, Trie, build_trie
from termlock.translate.lock.sentence_lock import SentenceLock
from termlock.translate.lock.symbols import CHAR_BASE, CLASSES, SPACE, T_MARK, char_class, pattern_symbols
from termlock.translate.lock.vocabulary import VocabularyText

_NEAR = 1 << 12  # progress = _NEAR - characters left of a rendering being written


def _padded(rows: Sequence[Sequence[int]], fill: int, device: torch.device) -> torch.Tensor:
    # one flat list, one tensor: a tensor per row costs more than the rest of a batch's tables
    width = max(1, max((len(r) for r in rows), default=1))
    flat = [fill] * (len(rows) * width)
    for i, row in enumerate(rows):
        if row:
            flat[i * width : i * width + len(row)] = row
    return torch.tensor(flat, dtype=torch.long).view(len(rows), width).to(device)


def _ban_rows(rows: Sequence[Sequence[int]], device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Ban lists as ``(tokens, on)``, each row padded with a repeat of its first ban.

    A scatter then never writes two different values to one cell; an empty
    row holds token 0 with ``on`` False (its value is written back unchanged).
    """
    width = max(1, max((len(r) for r in rows), default=1))
    flat = [0] * (len(rows) * width)
    on = [False] * len(rows)
    for i, row in enumerate(rows):
        if row:
            flat[i * width : (i + 1) * width] = [*row, *[row[0]] * (width - len(row))]
            on[i] = True
    tokens = torch.tensor(flat, dtype=torch.long).view(len(rows), width)
    rows_on = torch.tensor(on, dtype=torch.bool).view(len(rows), 1).expand(len(rows), width).contiguous()
    return tokens.to(device), rows_on.to(device)


class _Channel:
    """Tables of one channel (folded or cased) for a batch, on the device."""

    def __init__(
        self, vocab: VocabularyText, locks: Sequence[SentenceLock], cased: bool, device: torch.device, num_patterns: int
    ):
        self.vocab = vocab
        self.cased = cased
        self._spelled_memo: dict[tuple[str, str, bool], list[int]] = {}
        self._containing_memo: dict[str, list[int]] = {}
        # ---- renderings to track (this channel's patterns of each sentence)
        self.slots: list[list[int]] = [[p for p, pat in enumerate(lock.patterns) if pat.cased == cased] for lock in locks]
        tries = [build_trie([lock.patterns[p].symbols for p in slots]) for lock, slots in zip(locks, self.slots)]
        self.pos = Automata(tries, vocab, device)
        self.width = max(1, max(len(s) for s in self.slots))
        # local pattern slot -> the sentence's pattern index (padding -> a discarded column)
        self.slot_index = _padded([slots for slots in self.slots], max(1, num_patterns), device)
        if self.slot_index.shape[1] < self.width:
            self.slot_index = torch.nn.functional.pad(self.slot_index, (0, self.width - self.slot_index.shape[1]), value=max(1, num_patterns))
        out_bits, chars, end_bits = [], [], []
        remaining: list[list[int]] = []
        num_terms = max(1, max(len(lock.term_ids) for lock in locks))
        ext_tok: list[list[int]] = []
        ext_term: list[list[int]] = []
        for lock, slots, trie in zip(locks, self.slots, tries):
            for node in range(len(trie.goto)):
                out_bits.append(trie.out[node])
                chars.append(trie.chars[node])
                # per term, characters still to write of its nearest rendering through the node
                left = [0] * num_terms
                for p in trie.passing[node] if node else ():
                    pattern = lock.patterns[slots[p]]
                    if pattern.term >= 0:
                        rest = len(pattern.text) + pattern.lead - trie.chars[node] + 1  # + its end
                        left[pattern.term] = min(left[pattern.term], rest) if left[pattern.term] else rest
                remaining.append(left)
                end_bits.append(trie.out[trie.step(node, T_MARK)])
                if not node:  # a fresh start is proposed from every node: worked out once
                    fresh = dict.fromkeys(self._proposals(lock, slots, trie, 0))
                pairs = dict.fromkeys(self._proposals(lock, slots, trie, node)) if node else {}
                pairs.update(fresh)
                ext_tok.append([t for t, _ in pairs])
                ext_term.append([c for _, c in pairs])
        self.out_bits = torch.tensor(out_bits, dtype=torch.long, device=device)
        self.chars = torch.tensor(chars, dtype=torch.long, device=device)
        #: [node, term]: characters left of the term's nearest rendering through the node (0: none)
        self.remaining = torch.tensor(remaining, dtype=torch.long, device=device)
        self.end_bits = torch.tensor(end_bits, dtype=torch.long, device=device)
        self.ext_tok = _padded(ext_tok, 0, device)
        self.ext_term = _padded(ext_term, -1, device)
        # ---- forbidden renderings
        forbidden_symbols = [[pattern_symbols(t) for t in lock.forbidden[cased]] for lock in locks]
        bans = [build_trie(seqs) for seqs in forbidden_symbols]
        self.neg = Automata(bans, vocab, device)
        self.has_bans = any(lock.forbidden[cased] for lock in locks)
        completes, must_glue, ban_lists, full_lists = [], [], [], []
        for lock, trie, seqs in zip(locks, bans, forbidden_symbols):
            completes += [bool(e) for e in trie.ends]
            for node in range(len(trie.goto)):
                must_glue.append(bool(trie.ends[trie.step(node, T_MARK)]))
                ban_lists.append(self._crossing_bans(trie, node, seqs))
            for cls in range(CLASSES):
                full_lists.append(self._inner_bans(trie, lock.forbidden[cased], cls))
        self.completes = torch.tensor(completes, dtype=torch.bool, device=device)
        self.must_glue = torch.tensor(must_glue, dtype=torch.bool, device=device)
        self.ban_tok, self.ban_on = _ban_rows(ban_lists, device)
        self.full_tok, self.full_on = _ban_rows(full_lists, device)

    # ------------------------------------------------------------ host side

    def _proposals(self, lock: SentenceLock, slots: list[int], trie: Trie, node: int) -> list[tuple[int, int]]:
        """``(token, term)`` pairs writing the next piece of a rendering from ``node`` (at the root: starting one).

        Only proposals, offered to the beam beside the model's own best
        tokens: whatever the model writes is credited by the automaton.
        """
        tokens: dict[tuple[int, int], None] = {}  # (token, term): a space may serve several terms
        steps = [(node, local) for local in trie.passing[node]] if node else [(0, local) for local in range(len(slots))]
        for at, local in steps:
            pattern = lock.patterns[slots[local]]
            if pattern.term < 0 or (pattern.lead and not at):
                continue
            done = trie.chars[at] - (1 if pattern.lead else 0)  # a lead's space is not in its text
            if done < 0:
                continue
            rests = [(pattern.text[done:], pattern.raw[done:])]
            if not at:
                rests.append((" " + pattern.text, " " + pattern.raw))
            for rest, raw in rests:
                for token in self._spelled(rest, raw, fresh=not at):
                    tokens[(token, pattern.term)] = None
        return list(tokens)

    def _spelled(self, rest: str, raw: str, *, fresh: bool) -> list[int]:
        """Tokens writing a first piece of ``rest`` (in ``raw``'s casing where some do); asked once per batch.

        Every node of a rendering, in every sentence holding it, asks for the
        same few rests: the answer is kept for the batch's tables.
        """
        key = (rest, raw, fresh)
        found = self._spelled_memo.get(key)
        if found is not None:
            return found
        spelled = [(size, t) for size in range(1, len(rest) + 1) for t in self.vocab.spelling(rest[:size])]
        if len(raw) == len(rest):
            # the glossary's own casing (capitalised too at a fresh start)
            def cased_like(size: int, written: str) -> bool:
                piece = raw[:size]
                if written == piece:
                    return True
                bare = piece.lstrip()
                return fresh and written.lstrip() == bare[:1].upper() + bare[1:] and len(written) == len(piece)

            preferred = [(size, t) for size, t in spelled if cased_like(size, self.vocab.raw[t])]
            spelled = preferred or spelled
        found = self._spelled_memo[key] = [t for _, t in spelled]
        return found

    def _crossing_bans(self, trie: Trie, node: int, seqs: list[tuple[int, ...]]) -> list[int]:
        """Tokens completing, from ``node``, a forbidden occurrence that started before them.

        ``seqs``: the forbidden renderings' symbols (worked out once per sentence, not per node).
        """
        if node == 0 or trie.last[node] < CHAR_BASE:
            return []  # a hypothesis never rests on a marker
        cls = char_class(chr(trie.last[node] - CHAR_BASE))
        banned: list[int] = []
        u = node
        while u:
            for p in trie.passing[u]:
                rest = seqs[p][trie.depth[u] :]
                if len(rest) > 1:  # rest == (T,) alone: the must-glue rule
                    banned += self.vocab.starting_with(rest, cls)
            u = trie.fail[u]
        return list(dict.fromkeys(banned))

    def _inner_bans(self, trie: Trie, texts: list[str], cls: int) -> list[int]:
        """Tokens holding a whole forbidden occurrence, after a character of class ``cls``."""
        banned: list[int] = []
        for text in texts:
            if text not in self._containing_memo:  # asked again for each class of the preceding character
                self._containing_memo[text] = self.vocab.containing(text)
            for token in self._containing_memo[text]:
                node = 0
                for symbol in self.vocab.token_symbols(token, cls):
                    node = trie.step(node, symbol)
                    if trie.ends[node]:
                        banned.append(token)
                        break
        return list(dict.fromkeys(banned))


@dataclass
class Expansion:
    """Constraint state of every candidate ``(beam, token)`` of a step, ``[sentences, candidates]``."""

    beam: torch.Tensor
    pos: list[torch.Tensor]
    neg: list[torch.Tensor]
    cls: torch.Tensor
    counts: torch.Tensor  # [sentences, candidates, patterns]
    met: torch.Tensor  # progress if the text ended here: terms met (as judged) + terms written
    missing: torch.Tensor  # number of terms not met if the text ended here
    all_met: torch.Tensor  # bool
    forbidden: torch.Tensor  # a forbidden rendering written (or completed by ending here)
    ends_forbidden: torch.Tensor  # ending here would complete a forbidden rendering
    in_progress: torch.Tensor  # inside a rendering of a term still missing
    progress: torch.Tensor  # how near its end (higher: fewer characters left)


class ConstraintTracker:
    """The constraint state of a batch's hypotheses, and what it allows next.

    The interface a decoding loop uses (encoder-decoder or decoder-only alike:
    it only ever sees the generated continuation's tokens):

    * :meth:`start` ``(k)``: every hypothesis at the start of its text;
    * :meth:`apply_bans` ``(log_probs[rows, vocab], eos_ids)``: in place,
      -inf for tokens that would write a forbidden rendering, for tokens that
      would end a word that must go on, and for EOS while a term is missing;
    * :meth:`proposals`: tokens that advance a missing rendering, per hypothesis;
    * :meth:`expand` ``(beam, token)``: the state each candidate would lead to;
    * :meth:`keep` ``(expansion, chosen)``: the candidates that survive the step.
    """

    def __init__(
        self,
        locks: Sequence[SentenceLock],
        vocabulary: Any,
        device: torch.device,
    ):
        """``vocabulary(cased) -> VocabularyText`` (built once per tokenizer by the caller)."""
        self.locks = list(locks)
        self.device = device
        self.batch = len(locks)
        self.num_terms = max((len(lock.term_ids) for lock in locks), default=0)
        self.num_patterns = max((len(lock.patterns) for lock in locks), default=0)
        needs_cased = any(p.cased for lock in locks for p in lock.patterns) or any(lock.forbidden[True] for lock in locks)
        self.channels = [_Channel(vocabulary(False), locks, False, device, self.num_patterns)]
        if needs_cased:
            self.channels.append(_Channel(vocabulary(True), locks, True, device, self.num_patterns))
        weights = torch.zeros((self.batch, max(1, self.num_patterns), max(1, self.num_terms)), dtype=torch.long)
        valid = torch.zeros((self.batch, max(1, self.num_terms)), dtype=torch.bool)
        for b, lock in enumerate(locks):
            if lock.weights:
                weights[b, : len(lock.patterns), : len(lock.term_ids)] = torch.tensor(lock.weights, dtype=torch.long)
            valid[b, : len(lock.term_ids)] = True
        self.weights = weights.to(device)
        self.valid_terms = valid.to(device)
        self.has_terms = self.num_terms > 0
        self.has_bans = any(c.has_bans for c in self.channels)
        self.num_banks = 4 * self.num_terms + 2  # 2 x (met + written) + writing one
        self._arange = torch.arange(64, device=device, dtype=torch.long)
        self._walk = JointWalk(
            [t for c in self.channels for t in (c.pos, c.neg)],
            [f for c in self.channels for f in (c.out_bits, c.completes.long())],
            device,
        )

    # ---------------------------------------------------------------- state

    def start(self, k: int) -> None:
        self.k = k
        self.pos = [c.pos.root.unsqueeze(1).repeat(1, k) for c in self.channels]
        self.neg = [c.neg.root.unsqueeze(1).repeat(1, k) for c in self.channels]
        self.cls = torch.full((self.batch, k), SPACE, dtype=torch.long, device=self.device)
        self.counts = torch.zeros((self.batch, k, max(1, self.num_patterns)), dtype=torch.long, device=self.device)
        self.all_met = self._met(self.counts + self._end_counts(self.pos))[1]

    def _slot_counts(self, channel: int, bits: torch.Tensor) -> torch.Tensor:
        """``[sentences, n, patterns]`` occurrence counts from a channel's per-node pattern bits ``[sentences, n]``."""
        index = self.channels[channel].slot_index
        local = (bits.unsqueeze(-1) >> self._arange[: index.shape[1]]) & 1
        out = torch.zeros((*bits.shape, max(1, self.num_patterns) + 1), dtype=torch.long, device=self.device)
        out.scatter_add_(-1, index.unsqueeze(1).expand(*bits.shape, -1), local)
        return out[..., :-1]

    def _end_counts(self, pos: list[torch.Tensor]) -> torch.Tensor:
        total = torch.zeros((*pos[0].shape, max(1, self.num_patterns)), dtype=torch.long, device=self.device)
        for i, (channel, node) in enumerate(zip(self.channels, pos)):
            total += self._slot_counts(i, channel.end_bits[node])
        return total

    def _met(self, counts: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(progress, all met, terms missing)`` for ``[sentences, n, patterns]`` counts.

        ``progress`` counts each term met as the judge counts it, plus each
        term written at all: completing an outer rendering ("industrial chain
        chief system") takes the inner term's occurrence ("industrial chain")
        away from it, yet it is progress, not a step back.
        """
        valid = self.valid_terms.unsqueeze(1)
        effective = torch.einsum("bnp,bpc->bnc", counts, self.weights)
        written = torch.einsum("bnp,bpc->bnc", counts, self.weights.clamp(min=0))
        met = (effective >= 1) & valid
        missing = valid & ~met
        return met.sum(-1) + ((written >= 1) & valid).sum(-1), ~missing.any(-1), missing.sum(-1)

    # ---------------------------------------------------------------- bans

    def apply_bans(self, log_probs: torch.Tensor, eos: torch.Tensor) -> None:
        """Bans for every row (``[sentences * k, vocab]``, rows of a sentence together)."""
        rows = log_probs.shape[0]
        cls = self.cls.view(rows)
        sentence = torch.arange(self.batch, device=self.device).repeat_interleave(self.k)
        glue_rows = torch.zeros(rows, dtype=torch.bool, device=self.device)
        for channel, node in zip(self.channels, self.neg):
            if not channel.has_bans:
                continue
            node = node.view(rows)
            for table, on, at in (
                (channel.ban_tok, channel.ban_on, node),
                (channel.full_tok, channel.full_on, sentence * CLASSES + cls),
            ):
                index = table[at]
                values = torch.where(on[at], -math.inf, log_probs.gather(1, index))
                log_probs.scatter_(1, index, values)
            glue_rows |= channel.must_glue[node]
        if bool(glue_rows.any()):
            ends = self.channels[0].vocab.opens_word_end[cls] & glue_rows.unsqueeze(1)
            log_probs.masked_fill_(ends[:, : log_probs.shape[1]], -math.inf)
            if eos.numel():
                log_probs[:, eos] = log_probs[:, eos].masked_fill(glue_rows.unsqueeze(1), -math.inf)
        if self.has_terms and eos.numel():
            unmet = ~self.all_met.view(rows, 1)
            log_probs[:, eos] = log_probs[:, eos].masked_fill(unmet, -math.inf)

    def proposals(self) -> tuple[torch.Tensor, torch.Tensor]:
        """``(tokens, usable)`` ``[sentences, k, width]``: tokens writing a missing term's rendering."""
        tokens, usable = [], []
        met = self._met_terms(self.counts + self._end_counts(self.pos))
        for channel, node in zip(self.channels, self.pos):
            term = channel.ext_term[node]
            missing = ~met.gather(2, term.clamp(min=0))
            tokens.append(channel.ext_tok[node])
            usable.append((term >= 0) & missing)
        return torch.cat(tokens, dim=2), torch.cat(usable, dim=2)

    def _met_terms(self, counts: torch.Tensor) -> torch.Tensor:
        effective = torch.einsum("bnp,bpc->bnc", counts, self.weights)
        return effective >= 1

    # ------------------------------------------------------------- advance

    def expand(self, beam: torch.Tensor, token: torch.Tensor, *, final: bool = False) -> Expansion:
        """State after appending ``token`` to hypothesis ``beam`` (both ``[sentences, candidates]``).

        ``final``: the text ends after this token whatever it is (length limit).
        """
        cls = self.cls.gather(1, beam)
        counts = self.counts.gather(1, beam.unsqueeze(-1).expand(*beam.shape, self.counts.shape[-1]))
        # every automaton of every channel walks every candidate's symbols together (JointWalk)
        starts, columns = [], []
        for i, channel in enumerate(self.channels):
            length = int(channel.vocab.length[cls, token].max()) if token.numel() else 0
            seq = channel.vocab.seq[cls, token][:, :, :length].permute(2, 0, 1)  # symbol position first
            starts += [self.pos[i].gather(1, beam), self.neg[i].gather(1, beam)]
            columns += [channel.pos.columns(seq), channel.neg.columns(seq)]
        nodes, flags = self._walk.run(starts, columns)
        pos_nodes, neg_nodes = nodes[0::2], nodes[1::2]
        forbidden = torch.zeros(beam.shape, dtype=torch.bool, device=self.device)
        for i, channel in enumerate(self.channels):
            counts = counts + self._slot_counts(i, flags[2 * i])
            if channel.has_bans:
                forbidden |= flags[2 * i + 1].bool()
        new_cls = self.channels[0].vocab.after[cls, token]
        ends_forbidden = torch.zeros_like(forbidden)
        for channel, neg in zip(self.channels, neg_nodes):
            if channel.has_bans:
                ends_forbidden |= channel.must_glue[neg]
        at_end = counts + self._end_counts(pos_nodes)
        met, all_met, missing = self._met(at_end)
        met_terms = self._met_terms(at_end)
        in_progress = torch.zeros_like(forbidden)
        progress = torch.zeros(beam.shape, dtype=torch.long, device=self.device)
        for channel, pos in zip(self.channels, pos_nodes):
            left = channel.remaining[pos]  # [sentences, candidates, terms]
            writing = (left > 0) & ~met_terms
            in_progress |= writing.any(-1)
            # nearer the end of a missing term's rendering: higher
            progress = torch.maximum(progress, torch.where(writing, _NEAR - left, 0).max(-1).values)
        if final:
            forbidden = forbidden | ends_forbidden
        return Expansion(beam, pos_nodes, neg_nodes, new_cls, counts, met, missing, all_met, forbidden, ends_forbidden, in_progress, progress)

    def keep(self, expansion: Expansion, chosen: torch.Tensor) -> None:
        """Make the ``chosen`` candidates (``[sentences, k]`` positions) the new hypotheses."""
        self.pos = [p.gather(1, chosen) for p in expansion.pos]
        self.neg = [n.gather(1, chosen) for n in expansion.neg]
        self.cls = expansion.cls.gather(1, chosen)
        self.counts = expansion.counts.gather(1, chosen.unsqueeze(-1).expand(*chosen.shape, expansion.counts.shape[-1]))
        self.all_met = expansion.all_met.gather(1, chosen)
