"""The constraint state of a batch's hypotheses, and what it allows next: the interface the beam loop uses.

:class:`ConstraintTracker` compiles a batch's
:class:`~termlock.translate.lock.sentence_lock.SentenceLock` records into
automata over symbols (:mod:`termlock.translate.lock.automata`), per channel
(view) that some sentence of the batch uses: exact (the renderings to place,
in the glossary's spelling), folded (forbidden renderings, claims, what the
model wrote itself), cased (the same for case-sensitive terms). A
hypothesis's state is its node in each automaton (starting after ``START``),
the class of its last character and how many times each tracked rendering
has occurred; its terms met are those counts times the lock's weights, one
small matrix product. Only automata that hold something are walked.

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

**Proposals.** Per node of the exact view, the tokens that write exactly
the next piece of a missing rendering in the glossary's spelling, offered
beside the model's own best tokens; progress (how many characters are
left) is measured on the same renderings, so a hypothesis half way through
"state-" is ahead only when it goes on with "owned".

**Tables kept.** A sentence's tables in a view depend only on its
patterns and forbidden renderings there, so they are built once per such
set and kept with the vocabulary view (:class:`_VocabularyMemo`, bounded),
as are the vocabulary lookups behind them: glossary terms recur from batch
to batch, and a batch's setup is then mostly stacking rows already built.

Nothing is banned on behalf of a required rendering: once it is met, any
continuation is allowed, and a rendering is only credited when the word
really ends. Importing this module imports torch.
"""

from __future__ import annotations

import math
import threading
import weakref
from dataclasses import dataclass
from typing import Any, Sequence

import torch

from termlock.translate.lock.automata import Automata, JointWalk, Trie, build_trie, take, take_rows
from termlock.translate.lock.sentence_lock import Pattern, SentenceLock
from termlock.translate.lock.symbols import (
    CASED,
    CHAR_BASE,
    CLASSES,
    EXACT,
    FOLDED,
    SPACE,
    START,
    T_MARK,
    char_class,
    pattern_symbols,
)
from termlock.translate.lock.vocabulary import VocabularyText

_HOST = torch.device("cpu")  # where a sentence's kept tables live until a batch stacks them
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


def _pad_columns(table: torch.Tensor, width: int, fill: int | None) -> torch.Tensor:
    """``table`` ``[rows, w]`` widened to ``width`` columns with ``fill`` (None: each row's first value)."""
    extra = width - table.shape[1]
    if extra <= 0:
        return table
    if fill is None:
        return torch.cat((table, table[:, :1].expand(table.shape[0], extra)), dim=1)
    return torch.nn.functional.pad(table, (0, extra), value=fill)


def _stacked(tables: Sequence[torch.Tensor], fill: int | None) -> torch.Tensor:
    """Row tables of the sentences, one under the other, widened to the widest (see :func:`_pad_columns`)."""
    width = max(1, max(t.shape[1] for t in tables))
    return torch.cat([_pad_columns(t, width, fill) for t in tables])


class _SentenceTables:
    """One sentence's tables in one channel's view, host side: what a batch's tensors are built from.

    Everything here depends only on the sentence's patterns in the view,
    its forbidden renderings there and the vocabulary, so it is built once
    per such set and kept with the vocabulary (:meth:`_VocabularyMemo.tables`):
    the next batch holding the same terms reuses it instead of walking the
    vocabulary again (building them was most of a batch's setup). Rows are
    per node of the sentence's automata; the batch stacks them, widened to
    the widest sentence.
    """

    def __init__(
        self,
        vocab: VocabularyText,
        memo: "_VocabularyMemo",
        channel: str,
        patterns: Sequence[Pattern],
        forbidden: Sequence[str],
        num_terms: int,
    ):
        self.vocab = vocab
        self.memo = memo
        # ---- renderings to track
        self.trie = build_trie([p.symbols for p in patterns])
        trie = self.trie
        self.begin = trie.step(0, START)
        nodes = range(len(trie.goto))
        self.out_bits = torch.tensor([trie.out[node] for node in nodes], dtype=torch.long)
        self.end_bits = torch.tensor([trie.out[trie.step(node, T_MARK)] for node in nodes], dtype=torch.long)
        self.guides = any(p.guide for p in patterns)
        remaining: list[list[int]] = []
        ext_tok: list[list[int]] = []
        ext_term: list[list[int]] = []
        if self.guides:
            fresh = dict.fromkeys(self._proposals(patterns, 0))  # a fresh start is proposed from every node
            for node in nodes:
                # per term, characters still to write of its nearest rendering through the node
                left = [0] * num_terms
                for p in trie.passing[node] if node else ():
                    pattern = patterns[p]
                    if pattern.guide and pattern.term >= 0:
                        rest = len(pattern.written) - trie.chars[node] + 1  # + its end
                        left[pattern.term] = min(left[pattern.term], rest) if left[pattern.term] else rest
                remaining.append(left)
                pairs = dict.fromkeys(self._proposals(patterns, node)) if node else {}
                pairs.update(fresh)
                ext_tok.append([t for t, _ in pairs])
                ext_term.append([c for _, c in pairs])
        #: [node, term]: characters left of the term's nearest rendering through the node (0: none)
        self.remaining = torch.tensor(remaining, dtype=torch.long).view(len(remaining), num_terms)
        self.ext_tok = _padded(ext_tok, 0, _HOST)
        self.ext_term = _padded(ext_term, -1, _HOST)
        # ---- forbidden renderings
        symbols = [pattern_symbols(t, channel) for t in forbidden]
        self.bans = build_trie(symbols)
        bans = self.bans
        self.completes = torch.tensor([bool(e) for e in bans.ends], dtype=torch.bool)
        ban_nodes = range(len(bans.goto))
        self.must_glue = torch.tensor([bool(bans.ends[bans.step(node, T_MARK)]) for node in ban_nodes], dtype=torch.bool)
        self.ban_tok, self.ban_on = _ban_rows([self._crossing_bans(node, symbols) for node in ban_nodes], _HOST)
        self.full_tok, self.full_on = _ban_rows([self._inner_bans(forbidden, cls) for cls in range(CLASSES)], _HOST)
        del self.vocab, self.memo  # kept with the vocabulary: hold no reference back to it

    def _proposals(self, patterns: Sequence[Pattern], node: int) -> list[tuple[int, int]]:
        """``(token, term)`` pairs writing the next piece of a guide from ``node`` (at the root: starting one).

        Only proposals, offered to the beam beside the model's own best
        tokens: the automaton credits whatever spells the rendering exactly.
        """
        trie = self.trie
        tokens: dict[tuple[int, int], None] = {}  # (token, term): a space may serve several terms
        steps = [(node, local) for local in trie.passing[node]] if node else [(0, local) for local in range(len(patterns))]
        for at, local in steps:
            pattern = patterns[local]
            if not pattern.guide or pattern.term < 0 or (not at and (pattern.spaced or pattern.start)):
                continue  # from the root, the plain spelling's start covers a spaced one; a first word starts at START
            rests = [pattern.written[trie.chars[at] :]]
            if not at:
                rests.append(" " + pattern.text)
            for rest in rests:
                for token in self.memo.spelled(self.vocab, rest):
                    tokens[(token, pattern.term)] = None
        return list(tokens)

    def _crossing_bans(self, node: int, seqs: list[tuple[int, ...]]) -> list[int]:
        """Tokens completing, from ``node``, a forbidden occurrence that started before them.

        ``seqs``: the forbidden renderings' symbols (worked out once per sentence, not per node).
        """
        trie = self.bans
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

    def _inner_bans(self, texts: Sequence[str], cls: int) -> list[int]:
        """Tokens holding a whole forbidden occurrence, after a character of class ``cls``."""
        trie = self.bans
        banned: list[int] = []
        for text in texts:
            for token in self.memo.containing(self.vocab, text):
                node = 0
                for symbol in self.vocab.token_symbols(token, cls):
                    node = trie.step(node, symbol)
                    if trie.ends[node]:
                        banned.append(token)
                        break
        return list(dict.fromkeys(banned))


class _VocabularyMemo:
    """What the lock has looked up in one view of the vocabulary: per rendering, and per sentence's term set.

    Kept as long as the vocabulary (once per tokenizer and view) and
    bounded: glossary terms recur from batch to batch, so a batch's setup
    is mostly lookups already made.
    """

    #: entries kept per vocabulary view; the oldest go first beyond it (an exact view's sentence
    #: tables hold about 0.1 MB each on opus-mt-zh-en, at most about 0.8 MB: tens of MB in all)
    LIMIT = 512

    def __init__(self) -> None:
        self._spelled: dict[str, list[int]] = {}
        self._containing: dict[str, list[int]] = {}
        self._tables: dict[tuple[Any, ...], _SentenceTables] = {}
        self._lock = threading.Lock()  # decoders of one model in several threads share the memo

    def spelled(self, vocab: VocabularyText, rest: str) -> list[int]:
        """Tokens writing exactly a first piece of ``rest`` (every node of a rendering asks for the same few rests)."""
        found = self._spelled.get(rest)
        if found is None:
            found = [t for size in range(1, len(rest) + 1) for t in vocab.spelling(rest[:size])]
            self._keep(self._spelled, rest, found)
        return found

    def containing(self, vocab: VocabularyText, text: str) -> list[int]:
        """Tokens whose text holds ``text`` (asked again for each class of the preceding character)."""
        found = self._containing.get(text)
        if found is None:
            found = vocab.containing(text)
            self._keep(self._containing, text, found)
        return found

    def tables(
        self, vocab: VocabularyText, channel: str, patterns: Sequence[Pattern], forbidden: Sequence[str], num_terms: int
    ) -> _SentenceTables:
        """One sentence's tables in ``channel``'s view, built once per set of patterns and forbidden renderings."""
        key = (
            channel,
            tuple((p.text, p.channel, p.term, p.guide, p.spaced, p.start) for p in patterns),
            tuple(forbidden),
            num_terms,
        )
        found = self._tables.get(key)
        if found is None:
            found = _SentenceTables(vocab, self, channel, patterns, forbidden, num_terms)
            self._keep(self._tables, key, found)
        return found

    def _keep(self, table: dict[Any, Any], key: Any, value: Any) -> None:
        """Store ``value``, dropping the oldest entries beyond :attr:`LIMIT` (reads need no lock: a dict get is atomic)."""
        with self._lock:
            table[key] = value
            while len(table) > self.LIMIT:
                del table[next(iter(table))]


_MEMOS: "weakref.WeakKeyDictionary[VocabularyText, _VocabularyMemo]" = weakref.WeakKeyDictionary()
_MEMOS_LOCK = threading.Lock()


def _memo(vocab: VocabularyText) -> _VocabularyMemo:
    """The lookups kept for ``vocab`` (one per vocabulary view, dropped with it)."""
    with _MEMOS_LOCK:
        memo = _MEMOS.get(vocab)
        if memo is None:
            memo = _MEMOS[vocab] = _VocabularyMemo()
        return memo


class _Channel:
    """Tables of one channel (view) for a batch, on the device.

    ``pos``: the automata of the patterns tracked in this view (for the
    ``EXACT`` view, the guides: proposals and progress too); ``neg``: those
    of the forbidden renderings (folded and cased views only). Each
    sentence's rows come from its :class:`_SentenceTables`, stacked.
    """

    def __init__(
        self, vocab: VocabularyText, locks: Sequence[SentenceLock], channel: str, device: torch.device, num_patterns: int
    ):
        self.vocab = vocab
        self.channel = channel
        memo = _memo(vocab)
        # ---- renderings to track (this channel's patterns of each sentence)
        self.slots: list[list[int]] = [[p for p, pat in enumerate(lock.patterns) if pat.channel == channel] for lock in locks]
        self.has_patterns = any(self.slots)
        num_terms = max(1, max(len(lock.term_ids) for lock in locks))
        forbidden_texts = [lock.forbidden.get(channel, []) for lock in locks]
        sentences = [
            memo.tables(vocab, channel, [lock.patterns[p] for p in slots], texts, len(lock.term_ids))
            for lock, slots, texts in zip(locks, self.slots, forbidden_texts)
        ]
        self.guides = any(s.guides for s in sentences)
        self.pos = Automata([s.trie for s in sentences], vocab, device)
        # where a translation starts: after START (a capital first letter may be placed there)
        self.begin = torch.tensor(
            [offset + s.begin for offset, s in zip(self.pos.offsets, sentences)], dtype=torch.long, device=device
        )
        self.width = max(1, max(len(s) for s in self.slots))
        # local pattern slot -> the sentence's pattern index (padding -> a discarded column)
        self.slot_index = _padded([slots for slots in self.slots], max(1, num_patterns), device)
        if self.slot_index.shape[1] < self.width:
            self.slot_index = torch.nn.functional.pad(self.slot_index, (0, self.width - self.slot_index.shape[1]), value=max(1, num_patterns))
        self.out_bits = torch.cat([s.out_bits for s in sentences]).to(device)
        self.end_bits = torch.cat([s.end_bits for s in sentences]).to(device)
        if self.guides:
            nodes = [len(s.trie.goto) for s in sentences]
            # a sentence without guides has no rows here: each of its nodes gets zeros, no proposals
            remaining = [s.remaining if s.guides else torch.zeros((n, 0), dtype=torch.long) for s, n in zip(sentences, nodes)]
            ext_tok = [s.ext_tok if s.guides else torch.zeros((n, 1), dtype=torch.long) for s, n in zip(sentences, nodes)]
            ext_term = [s.ext_term if s.guides else torch.full((n, 1), -1, dtype=torch.long) for s, n in zip(sentences, nodes)]
            #: [node, term]: characters left of the term's nearest rendering through the node (0: none)
            self.remaining = torch.cat([_pad_columns(r, num_terms, 0) for r in remaining]).to(device)
            self.ext_tok = _stacked(ext_tok, 0).to(device)
            self.ext_term = _stacked(ext_term, -1).to(device)
        # ---- forbidden renderings
        self.neg = Automata([s.bans for s in sentences], vocab, device)
        self.has_bans = any(forbidden_texts)
        self.completes = torch.cat([s.completes for s in sentences]).to(device)
        self.must_glue = torch.cat([s.must_glue for s in sentences]).to(device)
        # ban rows are padded with a repeat of their first ban (see _ban_rows)
        self.ban_tok = _stacked([s.ban_tok for s in sentences], None).to(device)
        self.ban_on = _stacked([s.ban_on for s in sentences], None).to(device)
        self.full_tok = _stacked([s.full_tok for s in sentences], None).to(device)
        self.full_on = _stacked([s.full_on for s in sentences], None).to(device)


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
    met_terms: torch.Tensor | None = None  # [sentences, candidates, terms]: each term met if the text ended here


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
        """``vocabulary(channel) -> VocabularyText`` (built once per tokenizer and channel by the caller)."""
        self.locks = list(locks)
        self.device = device
        self.batch = len(locks)
        self.num_terms = max((len(lock.term_ids) for lock in locks), default=0)
        self.num_patterns = max((len(lock.patterns) for lock in locks), default=0)
        # a channel only where some sentence tracks or forbids something in its view
        self.channels = [
            _Channel(vocabulary(channel), locks, channel, device, self.num_patterns)
            for channel in (FOLDED, CASED, EXACT)
            if any(p.channel == channel for lock in locks for p in lock.patterns)
            or any(lock.forbidden.get(channel) for lock in locks)
        ]
        if not self.channels:  # nothing to track: one empty channel keeps the state's shapes
            self.channels = [_Channel(vocabulary(EXACT), locks, EXACT, device, self.num_patterns)]
        # the class of the last character, as the folded and cased views see it (the exact view reads it alike)
        self._classes = self.channels[0].vocab
        self._guide = next((i for i, c in enumerate(self.channels) if c.guides), None)
        weights = torch.zeros((self.batch, max(1, self.num_patterns), max(1, self.num_terms)), dtype=torch.long)
        valid = torch.zeros((self.batch, max(1, self.num_terms)), dtype=torch.bool)
        for b, lock in enumerate(locks):
            if lock.weights:
                weights[b, : len(lock.patterns), : len(lock.term_ids)] = torch.tensor(lock.weights, dtype=torch.long)
            valid[b, : len(lock.term_ids)] = True
        self.weights = weights.to(device)
        # the per-step products in float32 (small whole numbers: exact), where a matrix product is
        # a BLAS call; an int64 one is a plain loop that cost a tenth of a constrained step
        # (met, written) in one product: [sentences, patterns, 2 x terms]
        self._terms_f = torch.cat((self.weights.float(), self.weights.clamp(min=0).float()), dim=2)
        self.valid_terms = valid.to(device)
        self.has_terms = self.num_terms > 0
        self.has_bans = any(c.has_bans for c in self.channels)
        self.num_banks = 4 * self.num_terms + 2  # 2 x (met + written) + writing one
        self._arange = torch.arange(64, device=device, dtype=torch.long)
        # only the automata that hold something are walked: (channel, which) in the walk's order
        self._walked = [(i, kind) for i, c in enumerate(self.channels) for kind, on in (("pos", c.has_patterns), ("neg", c.has_bans)) if on]
        tables = {"pos": lambda c: (c.pos, c.out_bits), "neg": lambda c: (c.neg, c.completes.long())}
        walked = [tables[kind](self.channels[i]) for i, kind in self._walked]
        self._walk = JointWalk([t for t, _ in walked], [f for _, f in walked], device) if walked else None
        #: per channel, ``[node, patterns]``: the occurrences its end-of-word bits count (None: nothing tracked)
        self._end_tables = [self._node_counts(c) if c.has_patterns else None for c in self.channels]

    def _node_counts(self, channel: _Channel) -> torch.Tensor:
        """``[nodes, patterns]``: the occurrences each node's end-of-word bits count, in its sentence's pattern slots.

        A node belongs to one sentence, so the bits-to-slots spread of
        :meth:`_slot_counts` is done once per node here instead of for every
        candidate at every step.
        """
        sizes = torch.tensor([*channel.pos.offsets[1:], channel.pos.size]) - torch.tensor(channel.pos.offsets)
        sentence = torch.repeat_interleave(torch.arange(self.batch), sizes).to(self.device)
        index = channel.slot_index[sentence]
        local = (channel.end_bits.unsqueeze(-1) >> self._arange[: index.shape[1]]) & 1
        out = torch.zeros((channel.pos.size, max(1, self.num_patterns) + 1), dtype=torch.long, device=self.device)
        out.scatter_add_(-1, index, local)
        return out[:, :-1].contiguous()

    # ---------------------------------------------------------------- state

    def start(self, k: int) -> None:
        self.k = k
        self.pos = [c.begin.unsqueeze(1).repeat(1, k) for c in self.channels]
        self.neg = [c.neg.root.unsqueeze(1).repeat(1, k) for c in self.channels]
        self.cls = torch.full((self.batch, k), SPACE, dtype=torch.long, device=self.device)
        self.counts = torch.zeros((self.batch, k, max(1, self.num_patterns)), dtype=torch.long, device=self.device)
        _, self.all_met, _, self.met_terms = self._met(self.counts + self._end_counts(self.pos))
        #: the sentence of each row of a step's log-probabilities
        self._row_sentence = torch.arange(self.batch, device=self.device).repeat_interleave(k)

    def _slot_counts(self, channel: int, bits: torch.Tensor) -> torch.Tensor:
        """``[sentences, n, patterns]`` occurrence counts from a channel's per-node pattern bits ``[sentences, n]``."""
        index = self.channels[channel].slot_index
        local = (bits.unsqueeze(-1) >> self._arange[: index.shape[1]]) & 1
        out = torch.zeros((*bits.shape, max(1, self.num_patterns) + 1), dtype=torch.long, device=self.device)
        out.scatter_add_(-1, index.unsqueeze(1).expand(*bits.shape, -1), local)
        return out[..., :-1]

    def _end_counts(self, pos: list[torch.Tensor]) -> torch.Tensor:
        """``[sentences, n, patterns]``: the occurrences that ending the word at ``pos`` (nodes per channel) would count."""
        total = None
        for table, node in zip(self._end_tables, pos):
            if table is not None:
                counts = take_rows(table, node)
                total = counts if total is None else total + counts
        if total is None:
            return torch.zeros((*pos[0].shape, max(1, self.num_patterns)), dtype=torch.long, device=self.device)
        return total

    def _met(self, counts: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(progress, all met, terms missing, each term met)`` for ``[sentences, n, patterns]`` counts.

        ``progress`` counts each term met as the judge counts it, plus each
        term written at all: completing an outer rendering ("industrial chain
        chief system") takes the inner term's occurrence ("industrial chain")
        away from it, yet it is progress, not a step back.
        """
        valid = self.valid_terms.unsqueeze(1)
        both = torch.bmm(counts.float(), self._terms_f) >= 1  # small whole numbers: exact in float32
        met = both[..., : valid.shape[-1]] & valid
        missing = valid & ~met
        return met.sum(-1) + (both[..., valid.shape[-1] :] & valid).sum(-1), ~missing.any(-1), missing.sum(-1), met

    # ---------------------------------------------------------------- bans

    def apply_bans(self, log_probs: torch.Tensor, eos: torch.Tensor) -> None:
        """Bans for every row (``[sentences * k, vocab]``, rows of a sentence together)."""
        rows = log_probs.shape[0]
        cls = self.cls.view(rows)
        sentence = self._row_sentence
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
            ends = self._classes.opens_word_end[cls] & glue_rows.unsqueeze(1)
            log_probs.masked_fill_(ends[:, : log_probs.shape[1]], -math.inf)
            if eos.numel():
                log_probs[:, eos] = log_probs[:, eos].masked_fill(glue_rows.unsqueeze(1), -math.inf)
        if self.has_terms and eos.numel():
            unmet = ~self.all_met.view(rows, 1)
            log_probs[:, eos] = log_probs[:, eos].masked_fill(unmet, -math.inf)

    def proposals(self) -> tuple[torch.Tensor, torch.Tensor]:
        """``(tokens, usable)`` ``[sentences, k, width]``: tokens writing a missing term's rendering."""
        if self._guide is None:
            empty = torch.zeros((self.batch, self.k, 1), dtype=torch.long, device=self.device)
            return empty, empty.bool()
        channel, node = self.channels[self._guide], self.pos[self._guide]
        term = channel.ext_term[node]
        missing = ~self.met_terms.gather(2, term.clamp(min=0))
        return channel.ext_tok[node], (term >= 0) & missing

    # ------------------------------------------------------------- advance

    def expand(self, beam: torch.Tensor, token: torch.Tensor, *, final: bool = False) -> Expansion:
        """State after appending ``token`` to hypothesis ``beam`` (both ``[sentences, candidates]``).

        ``final``: the text ends after this token whatever it is (length limit).
        """
        cls = self.cls.gather(1, beam)
        counts = self.counts.gather(1, beam.unsqueeze(-1).expand(*beam.shape, self.counts.shape[-1]))
        pos_nodes = [p.gather(1, beam) for p in self.pos]
        neg_nodes = [n.gather(1, beam) for n in self.neg]
        forbidden = torch.zeros(beam.shape, dtype=torch.bool, device=self.device)
        # (class, token) as one row of the [classes * vocabulary] tables: index_select, not 2-D indexing
        entry = cls * self._classes.after.shape[1] + token
        if self._walk is not None:
            # every automaton that holds something walks every candidate's symbols together (JointWalk)
            seqs: dict[int, torch.Tensor] = {}
            starts, columns = [], []
            for i, kind in self._walked:
                channel = self.channels[i]
                if i not in seqs:
                    vocab = channel.vocab
                    length = int(take(vocab.length.view(-1), entry).max()) if token.numel() else 0
                    rows = vocab.seq.view(-1, vocab.seq.shape[-1])[:, :length].index_select(0, entry.view(-1))
                    seqs[i] = rows.view(*entry.shape, length).permute(2, 0, 1)  # symbol position first
                table, nodes = (channel.pos, pos_nodes) if kind == "pos" else (channel.neg, neg_nodes)
                starts.append(nodes[i])
                columns.append(table.columns(seqs[i]))
            nodes, flags = self._walk.run(starts, columns)
            for (i, kind), node, flag in zip(self._walked, nodes, flags):
                if kind == "pos":
                    pos_nodes[i] = node
                    counts = counts + self._slot_counts(i, flag)
                else:
                    neg_nodes[i] = node
                    forbidden |= flag.bool()
        new_cls = take(self._classes.after.view(-1), entry)
        ends_forbidden = torch.zeros_like(forbidden)
        for channel, neg in zip(self.channels, neg_nodes):
            if channel.has_bans:
                ends_forbidden |= channel.must_glue[neg]
        at_end = counts + self._end_counts(pos_nodes)
        met, all_met, missing, met_terms = self._met(at_end)
        in_progress = torch.zeros_like(forbidden)
        progress = torch.zeros(beam.shape, dtype=torch.long, device=self.device)
        if self._guide is not None:
            left = self.channels[self._guide].remaining[pos_nodes[self._guide]]  # [sentences, candidates, terms]
            writing = (left > 0) & ~met_terms
            in_progress = writing.any(-1)
            # nearer the end of a missing term's rendering: higher
            progress = torch.where(writing, _NEAR - left, 0).max(-1).values
        if final:
            forbidden = forbidden | ends_forbidden
        return Expansion(
            beam, pos_nodes, neg_nodes, new_cls, counts, met, missing, all_met, forbidden, ends_forbidden, in_progress, progress, met_terms
        )

    def keep(self, expansion: Expansion, chosen: torch.Tensor) -> None:
        """Make the ``chosen`` candidates (``[sentences, k]`` positions) the new hypotheses."""
        self.pos = [p.gather(1, chosen) for p in expansion.pos]
        self.neg = [n.gather(1, chosen) for n in expansion.neg]
        self.cls = expansion.cls.gather(1, chosen)
        self.counts = expansion.counts.gather(1, chosen.unsqueeze(-1).expand(*chosen.shape, expansion.counts.shape[-1]))
        self.all_met = expansion.all_met.gather(1, chosen)
        self.met_terms = expansion.met_terms.gather(1, chosen.unsqueeze(-1).expand(*chosen.shape, expansion.met_terms.shape[-1]))
