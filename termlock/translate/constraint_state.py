"""Per-hypothesis constraint state as tensors: an Aho-Corasick automaton.

Every token sequence a sentence's constraints may be written as (all
alternatives of all positive constraints, in all their tokenized contexts)
goes into one trie per sentence, and every forbidden sequence into a
second one.  With failure links a trie becomes a deterministic automaton
whose state after any output is "the longest suffix of the output that is a
prefix of some pattern".  Two integers per hypothesis (its node in each
automaton) plus one bitmask (which positive constraints it has met) are then
the whole constraint state, and a beam step for all hypotheses of all
sentences is a handful of gathers:

* ``advance``: node after appending a token (``goto`` table over the
  sentence's alphabet; any other token returns to the sentence's root);
* ``out``: positive constraints completed on entering a node (suffixes
  included, so overlapping and nested renderings are all credited);
* ``ban``: tokens that would complete a forbidden sequence from a node of
  the forbidden-renderings automaton;
* ``ext``: tokens that make progress towards some constraint from a node,
  offered to beam search as extra candidates (dynamic beam allocation);
* ``depth``: how many tokens of a rendering a node stands for.

Word boundaries.  A rendering counts only as a whole word (that is how the
glossary's target matcher reads translations), so two token classes
matter: *glue* tokens, which continue the previous word (no leading space
marker, first character alphanumeric), and tokens that *end a word* (last
character alphanumeric).  The positive automaton reads symbols
``token * 2 + boundary`` (boundary: the previous token does not end a
word), so a rendering tokenized as it is written after a quote
(``d ual ▁core s``) can only start after a boundary -- also when its first
token completes another rendering.  After a rendering ending in a letter is
completed, glue tokens are banned for one step (except continuations of a
longer rendering, such as a plural), so that ``dual cores`` cannot turn
into ``dual coresual``.

The tries are built in Python once per batch (small: a few nodes per
constraint token) and turned into tables with tensor operations; nothing
here loops over hypotheses during decoding.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Any, Sequence

import torch

#: Positive constraints per sentence tracked in an int64 bitmask.
MAX_CONSTRAINTS = 62
_SENTINEL = 2**62
_SPACE_MARKERS = ("▁", "Ġ", " ")


@dataclass
class TokenClasses:
    """Word-boundary classes of every vocabulary id (see module docstring)."""

    glue: torch.Tensor  # [vocab] bool
    ends_word: torch.Tensor  # [vocab] bool

    def __post_init__(self) -> None:
        # host copies for building tables (a device-to-host copy per batch is waste)
        self.glue_list: list[bool] = self.glue.tolist()
        self.ends_list: list[bool] = self.ends_word.tolist()

    @classmethod
    def from_tokenizer(
        cls, tokenizer: Any, vocab_size: int, device: torch.device, eos_ids: Sequence[int] = ()
    ) -> "TokenClasses":
        """Classify ids by their piece strings.

        Special tokens other than EOS vanish from decoded text, so they are
        treated as glue that also ends a word: nothing they do may separate a
        rendering from a neighbouring word.
        """
        count = min(vocab_size, len(tokenizer))
        pieces = tokenizer.convert_ids_to_tokens(list(range(count)))
        special = set(getattr(tokenizer, "all_special_ids", []) or []) - set(eos_ids)
        glue = [False] * vocab_size
        ends = [False] * vocab_size
        for i, piece in enumerate(pieces):
            if i in special:
                glue[i] = ends[i] = True
                continue
            if i in eos_ids or not piece:
                continue
            piece = str(piece)
            if not piece.startswith(_SPACE_MARKERS) and piece[0].isalnum():
                glue[i] = True
            if piece[-1].isalnum():
                ends[i] = True
        return cls(
            glue=torch.tensor(glue, dtype=torch.bool, device=device),
            ends_word=torch.tensor(ends, dtype=torch.bool, device=device),
        )


@dataclass
class _Compiled:
    """Aho-Corasick automaton of one sentence (local node ids, root 0)."""

    alphabet: list[int]
    goto: list[list[int]]  # [node][symbol] -> node
    depth: list[int]
    token: list[int]  # symbol on the edge into the node (-1 for the root)
    out: list[int]  # bits of the patterns ending here, suffixes included
    prefix: list[int]  # bits of the patterns passing through here (root: 0)


def _aho_corasick(patterns: Sequence[tuple[Sequence[int], int]]) -> _Compiled:
    children: list[dict[int, int]] = [{}]
    token = [-1]
    out = [0]
    prefix = [0]
    for seq, bits in patterns:
        node = 0
        for t in seq:
            nxt = children[node].get(t)
            if nxt is None:
                nxt = len(children)
                children[node][t] = nxt
                children.append({})
                token.append(t)
                out.append(0)
                prefix.append(0)
            node = nxt
            prefix[node] |= bits
        if node:
            out[node] |= bits

    n = len(children)
    alphabet = sorted({t for kids in children for t in kids})
    symbol = {t: i for i, t in enumerate(alphabet)}
    fail = [0] * n
    depth = [0] * n
    goto: list[list[int]] = [[]] * n
    root_row = [0] * len(alphabet)
    for t, v in children[0].items():
        root_row[symbol[t]] = v
        depth[v] = 1
    goto[0] = root_row
    queue = deque(children[0].values())
    while queue:
        u = queue.popleft()
        inherited = goto[fail[u]]
        row = list(inherited)  # what the failure state would do, then our own edges
        for t, v in children[u].items():
            a = symbol[t]
            row[a] = v
            depth[v] = depth[u] + 1
            fail[v] = inherited[a]
            out[v] |= out[fail[v]]
            queue.append(v)
        goto[u] = row
    return _Compiled(alphabet, goto, depth, token, out, prefix)


def _goto_tensor(c: _Compiled) -> torch.Tensor:
    if not c.alphabet:
        return torch.zeros((len(c.goto), 0), dtype=torch.long)
    return torch.tensor(c.goto, dtype=torch.long)


class _Batch:
    """The automata of a batch's sentences as one set of tensors.

    Node ids are global; sentence ``b`` owns a block starting at ``root[b]``.
    """

    def __init__(self, compiled: Sequence[_Compiled], gotos: Sequence[torch.Tensor], device: torch.device):
        self.width = max(1, max(len(c.alphabet) for c in compiled))
        roots, alphabets, blocks = [], [], []
        offset = 0
        for c, goto in zip(compiled, gotos):
            n = goto.shape[0]
            roots.append(offset)
            alphabets.append(c.alphabet + [_SENTINEL] * (self.width - len(c.alphabet)))
            block = torch.full((n, self.width + 1), offset, dtype=torch.long)  # misses go to the root
            block[:, : goto.shape[1]] = goto + offset
            blocks.append(block)
            offset += n
        self.size = offset
        self.root = torch.tensor(roots, dtype=torch.long, device=device)
        self.alphabet = torch.tensor(alphabets, dtype=torch.long, device=device)
        self.goto = torch.cat(blocks).view(-1).to(device)

    def step(self, node: torch.Tensor, token: torch.Tensor) -> torch.Tensor:
        """Node after ``token``; both ``[sentences, n]``, row ``b`` = sentence ``b``."""
        col = torch.searchsorted(self.alphabet, token).clamp_(max=self.width - 1)
        hit = self.alphabet.gather(1, col) == token
        col = torch.where(hit, col, self.width)
        return self.goto[node * (self.width + 1) + col]


def _pack(keep: torch.Tensor, *values: torch.Tensor) -> tuple[int, list[torch.Tensor]]:
    """Move each row's kept entries to its front (in column order).

    Returns the largest kept count and the reordered ``values``.
    """
    if keep.shape[1] == 0:
        return 0, [v for v in values]
    order = torch.sort((~keep).to(torch.int8), dim=1, stable=True).indices
    width = int(keep.sum(dim=1).max()) if keep.numel() else 0
    return width, [v.gather(1, order) for v in values]


def _fit(parts: list[torch.Tensor], fill: Any, dtype: torch.dtype) -> torch.Tensor:
    """Stack row blocks of different widths, padding with ``fill``."""
    width = max(1, max(p.shape[1] for p in parts))
    rows = sum(p.shape[0] for p in parts)
    out = torch.full((rows, width), fill, dtype=dtype)
    start = 0
    for p in parts:
        out[start : start + p.shape[0], : p.shape[1]] = p
        start += p.shape[0]
    return out


class ConstraintAutomaton:
    """Constraint tables for a batch of sentences, as tensors on one device.

    Methods take ``[sentences, n]`` tensors, row ``b`` belonging to sentence
    ``b``.  ``node`` is a hypothesis's state among the positive renderings,
    ``ban_node`` its state among the forbidden ones.
    """

    def __init__(
        self,
        positives: Sequence[Sequence[Sequence[Sequence[int]]]],
        forbidden: Sequence[Sequence[Sequence[int]]],
        classes: TokenClasses,
    ):
        """``positives[b][c]``: token sequences satisfying constraint ``c`` of
        sentence ``b``; ``forbidden[b]``: token sequences banned there."""
        device = classes.glue.device
        self.classes = classes
        self.num_constraints = max((len(p) for p in positives), default=0)
        if self.num_constraints > MAX_CONSTRAINTS:
            raise ValueError(f"at most {MAX_CONSTRAINTS} positive constraints per sentence are supported")
        glue = classes.glue_list
        ends_word = classes.ends_list

        def tensor(data: Any, dtype: torch.dtype = torch.long) -> torch.Tensor:
            return torch.tensor(data, dtype=dtype, device=device)

        # ---- positive renderings, over (token, boundary) symbols
        compiled = [
            _aho_corasick(
                [
                    (symbols, 1 << c)
                    for c, seqs in enumerate(p)
                    for seq in seqs
                    if seq
                    for symbols in _with_boundaries(seq, glue, ends_word)
                ]
            )
            for p in positives
        ]
        gotos = [_goto_tensor(c) for c in compiled]
        self.pos = _Batch(compiled, gotos, device)
        ends = torch.tensor(ends_word + [False], dtype=torch.bool)
        outs, partials, depths, breaks = [], [], [], []
        ext_tok, ext_mask, ext_continues = [], [], []
        for c, goto in zip(compiled, gotos):
            out = torch.tensor(c.out, dtype=torch.long)
            prefix = torch.tensor(c.prefix, dtype=torch.long)
            depth = torch.tensor(c.depth, dtype=torch.long)
            last = torch.tensor(c.token, dtype=torch.long) // 2  # root: -1 -> vocab entry "False"
            outs.append(out)
            partials.append(prefix)
            depths.append(depth)
            breaks.append((out != 0) & ends[last.clamp(max=len(ends_word))])
            # extras: tokens leading to a node on the way to some rendering,
            # one row per (node, boundary before the next token)
            symbols = torch.tensor(c.alphabet, dtype=torch.long)
            useful = prefix | out
            per_flag = []
            for flag in (0, 1):
                columns = (symbols % 2 == flag).nonzero().squeeze(1)
                target = goto[:, columns]
                mask = useful[target]
                tokens = (symbols[columns] // 2).expand_as(target)
                width, (tokens, mask, target) = _pack(mask != 0, tokens, mask, target)
                keep = mask[:, :width] != 0
                per_flag.append(
                    (
                        torch.where(keep, tokens[:, :width], -1),
                        torch.where(keep, mask[:, :width], 0),
                        keep & (depth[target[:, :width]] >= 2),
                    )
                )
            width = max(part[0].shape[1] for part in per_flag)
            for i, fill in enumerate((-1, 0, False)):
                padded = [
                    torch.nn.functional.pad(part[i], (0, width - part[i].shape[1]), value=fill) for part in per_flag
                ]
                interleaved = torch.stack(padded, dim=1).reshape(2 * goto.shape[0], width)
                (ext_tok, ext_mask, ext_continues)[i].append(interleaved)
        self.out = torch.cat(outs).to(device)
        self.partial = torch.cat(partials).to(device)
        self.depth = torch.cat(depths).to(device)
        self.needs_break = torch.cat(breaks).to(device)
        self.ext_tok = _fit(ext_tok, -1, torch.long).to(device)
        self.ext_mask = _fit(ext_mask, 0, torch.long).to(device)
        self.ext_continues = _fit(ext_continues, False, torch.bool).to(device)
        self.has_breaks = bool(self.needs_break.any())
        self.has_positives = self.num_constraints > 0
        self.full = tensor([(1 << len(p)) - 1 for p in positives])
        self.bits = 1 << torch.arange(max(1, self.num_constraints), device=device, dtype=torch.long)

        # ---- forbidden renderings
        banned = [_aho_corasick([(seq, 1) for seq in f if seq]) for f in forbidden]
        ban_gotos = [_goto_tensor(c) for c in banned]
        self.neg = _Batch(banned, ban_gotos, device)
        ban_tok, ban_on = [], []
        for c, goto in zip(banned, ban_gotos):
            completes = torch.tensor(c.out, dtype=torch.long)[goto] != 0
            tokens = torch.tensor(c.alphabet, dtype=torch.long).expand_as(goto)
            width, (tokens, on) = _pack(completes, tokens, completes)
            tokens, on = tokens[:, :width], on[:, :width]
            # Pad with a repeat of the row's first ban (or token 0, left as it
            # is) so that scatter never writes two different values to one cell.
            first = tokens[:, :1] if width else torch.zeros((goto.shape[0], 1), dtype=torch.long)
            tokens = torch.where(on, tokens, first)
            on = on | on[:, :1] if width else torch.zeros((goto.shape[0], 1), dtype=torch.bool)
            ban_tok.append(tokens if width else first)
            ban_on.append(on)
        self.ban_tok = _fit_repeat(ban_tok).to(device)
        self.ban_on = _fit_repeat(ban_on).to(device)
        self.has_bans = bool(self.ban_on.any())

    @property
    def root(self) -> torch.Tensor:
        return self.pos.root

    @property
    def ban_root(self) -> torch.Tensor:
        return self.neg.root

    # -------------------------------------------------------------- queries

    def boundary(self, last_tokens: torch.Tensor) -> torch.Tensor:
        """Whether a glued rendering may start after these tokens."""
        return ~self.classes.ends_word[last_tokens]

    def advance(self, node: torch.Tensor, token: torch.Tensor, boundary: torch.Tensor) -> torch.Tensor:
        """Positive-rendering state after ``token``; ``boundary``: whether the
        token follows a word boundary (:meth:`boundary` of the previous token)."""
        return self.pos.step(node, token * 2 + boundary.long())

    def advance_bans(self, ban_node: torch.Tensor, token: torch.Tensor) -> torch.Tensor:
        """Forbidden-rendering state after ``token`` (no word-boundary rules)."""
        return self.neg.step(ban_node, token)

    def count(self, mask: torch.Tensor) -> torch.Tensor:
        """Number of set bits (constraints) in each bitmask."""
        return ((mask.unsqueeze(-1) & self.bits) != 0).sum(-1)

    def extras(
        self, node: torch.Tensor, met: torch.Tensor, boundary: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Tokens advancing an unmet constraint from each node: ``(tokens, usable)``.

        Shapes ``[sentences, beams, width]``; unusable entries hold token 0.
        """
        at = node * 2 + boundary.long()
        tokens = self.ext_tok[at]
        usable = (tokens >= 0) & ((self.ext_mask[at] & ~met.unsqueeze(-1)) != 0)
        return tokens.clamp(min=0), usable

    # ---------------------------------------------------------------- bans

    def apply_bans(self, log_probs: torch.Tensor, ban_node: torch.Tensor) -> None:
        """-inf for every token completing a forbidden sequence (rows x vocab)."""
        if not self.has_bans:
            return
        index = self.ban_tok[ban_node]
        values = log_probs.gather(1, index)
        values = torch.where(self.ban_on[ban_node], -math.inf, values)
        log_probs.scatter_(1, index, values)

    def apply_word_breaks(self, log_probs: torch.Tensor, node: torch.Tensor) -> None:
        """After a completed rendering, ban glue tokens except its continuations."""
        if not self.has_breaks:
            return
        rows = self.needs_break[node].nonzero().squeeze(1)
        if rows.numel() == 0:
            return
        sub = log_probs[rows]
        at = node[rows] * 2  # the completed rendering ends a word: no boundary follows
        keep_tok = self.ext_tok[at].clamp(min=0)
        kept = torch.where(self.ext_continues[at], sub.gather(1, keep_tok), -math.inf)
        sub.masked_fill_(self.classes.glue.unsqueeze(0), -math.inf)
        sub.scatter_reduce_(1, keep_tok, kept, reduce="amax")  # restore continuations
        log_probs[rows] = sub


def _with_boundaries(seq: Sequence[int], glue: Sequence[bool], ends_word: Sequence[bool]) -> list[list[int]]:
    """A rendering as ``token * 2 + boundary`` symbols.

    ``boundary`` says whether the token follows a word boundary, which the
    previous token decides.  Inside a rendering that is fixed by the
    rendering itself; its first token may follow anything, unless it is a
    glue token (the form written after a quote), which must follow a
    boundary to start a whole word.
    """

    def ends(token: int) -> bool:
        return 0 <= token < len(ends_word) and ends_word[token]

    rest = [t * 2 + (0 if ends(prev) else 1) for prev, t in zip(seq, seq[1:])]
    first = seq[0]
    if 0 <= first < len(glue) and glue[first]:
        return [[first * 2 + 1, *rest]]
    return [[first * 2, *rest], [first * 2 + 1, *rest]]


def _fit_repeat(parts: list[torch.Tensor]) -> torch.Tensor:
    """Stack row blocks, padding each row with a repeat of its last entry."""
    width = max(p.shape[1] for p in parts)
    return torch.cat([torch.cat([p, p[:, -1:].expand(-1, width - p.shape[1])], dim=1) for p in parts])
