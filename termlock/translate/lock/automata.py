"""Aho-Corasick automata over symbols: one per sentence, a batch's as tensors, walked together.

:func:`build_trie` compiles one sentence's renderings (as symbol
sequences) into an Aho-Corasick automaton (:class:`Trie`, host side).
:class:`Automata` lays a batch's automata side by side as one transition
tensor with global node ids, so stepping every hypothesis of every
sentence is one gather; :class:`JointWalk` steps several such tables (the
renderings to place and the forbidden ones, in each channel) together, one
gather per symbol for all of them. A hypothesis's state is its node in
each automaton; advancing a candidate token walks its symbols (at most
about fifty) through them.
"""

from __future__ import annotations

import bisect
from collections import deque
from dataclasses import dataclass, field
from typing import Sequence

import torch

from termlock.translate.lock.symbols import CHAR_BASE, PAD
from termlock.translate.lock.vocabulary import VocabularyText


def take(table: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """``table[index]`` for a 1-D ``table``: the same values, by ``index_select``.

    On a CPU, advanced indexing of a few thousand ids costs about three
    times an ``index_select`` of the same ids, and the walk does two a
    symbol at every step.
    """
    return table.index_select(0, index.reshape(-1)).view(index.shape)


def take_rows(table: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """``table[index]`` for a 2-D ``table``: the rows named by ``index`` (any shape), by ``index_select``."""
    return table.index_select(0, index.reshape(-1)).view(*index.shape, table.shape[1])


@dataclass
class Trie:
    """Aho-Corasick automaton of one sentence (local node ids, root 0)."""

    alphabet: list[int]
    goto: list[list[int]]
    fail: list[int]
    depth: list[int]  # in symbols
    chars: list[int]  # in characters
    last: list[int]  # symbol on the edge into the node (-1 for the root)
    out: list[int]  # bits of the patterns ending here, suffixes included
    ends: list[list[int]]  # pattern indexes ending here, suffixes included
    passing: list[list[int]]  # pattern indexes passing through
    _goto: torch.Tensor | None = field(default=None, init=False, repr=False, compare=False)

    def goto_tensor(self) -> torch.Tensor:
        """``goto`` as a ``[nodes, alphabet]`` tensor of local node ids, made once.

        A sentence's trie is kept for later batches (``tracker.py``) and laid
        out again in each batch's :class:`Automata`; turning the nested lists
        into a tensor was most of that.
        """
        if self._goto is None:
            self._goto = torch.tensor(self.goto, dtype=torch.long).view(len(self.goto), len(self.alphabet))
        return self._goto

    def step(self, node: int, symbol: int) -> int:
        at = bisect.bisect_left(self.alphabet, symbol)
        if at < len(self.alphabet) and self.alphabet[at] == symbol:
            return self.goto[node][at]
        return 0


def build_trie(patterns: Sequence[tuple[int, ...]]) -> Trie:
    """The Aho-Corasick automaton of ``patterns`` (symbol sequences; pattern ``i`` is bit ``i`` of ``out``)."""
    children: list[dict[int, int]] = [{}]
    last, passing, own = [-1], [[]], [[]]
    for index, seq in enumerate(patterns):
        node = 0
        for symbol in seq:
            nxt = children[node].get(symbol)
            if nxt is None:
                nxt = len(children)
                children[node][symbol] = nxt
                children.append({})
                last.append(symbol)
                passing.append([])
                own.append([])
            node = nxt
            passing[node].append(index)
        own[node].append(index)
    n = len(children)
    alphabet = sorted({s for kids in children for s in kids})
    column = {s: i for i, s in enumerate(alphabet)}
    fail, depth, chars = [0] * n, [0] * n, [0] * n
    ends = [list(o) for o in own]
    goto: list[list[int]] = [[0] * len(alphabet) for _ in range(n)]
    for s, v in children[0].items():
        goto[0][column[s]] = v
        depth[v] = 1
        chars[v] = 1 if s >= CHAR_BASE else 0
    queue = deque(children[0].values())
    while queue:
        u = queue.popleft()
        ends[u] = ends[u] + [p for p in ends[fail[u]] if p not in ends[u]] if u else ends[u]
        row = list(goto[fail[u]]) if u else goto[0]
        for s, v in children[u].items():
            a = column[s]
            fail[v] = goto[fail[u]][a] if u else 0
            depth[v] = depth[u] + 1
            chars[v] = chars[u] + (1 if s >= CHAR_BASE else 0)
            row[a] = v
            queue.append(v)
        goto[u] = row
    out = [sum(1 << p for p in e if p < 63) for e in ends]
    return Trie(alphabet, goto, fail, depth, chars, last, out, ends, passing)


class Automata:
    """The automata of a batch's sentences as one set of tensors (global node ids).

    Columns are the union of the sentences' symbols, then a miss column
    (any other symbol: back to the sentence's root) and a PAD column (the
    padding after a token's last symbol: the node stays). A lookup table maps
    a vocabulary symbol id to its column, once for all of a step's
    candidates (:meth:`columns`); a step is then one gather
    (:meth:`step`).
    """

    def __init__(self, tries: Sequence[Trie], vocab: "VocabularyText", device: torch.device):
        union = sorted({symbol for trie in tries for symbol in trie.alphabet})
        self.width = len(union)
        self.stride = self.width + 2  # the symbols' columns, the miss column, the PAD column
        column = {symbol: i for i, symbol in enumerate(union)}
        lookup = torch.full((len(vocab.compact),), self.width, dtype=torch.long)
        lookup[PAD] = self.width + 1
        for symbol in union:
            if symbol in vocab.compact:  # a character no token writes never occurs
                lookup[vocab.compact[symbol]] = column[symbol]
        roots, blocks = [], []
        offset = 0
        for trie in tries:
            n = len(trie.goto)
            roots.append(offset)
            block = torch.full((n, self.stride), offset, dtype=torch.long)  # misses go to the root
            block[:, self.width + 1] = torch.arange(offset, offset + n)  # PAD: the node stays
            if trie.alphabet:
                goto = trie.goto_tensor() + offset
                block[:, [column[symbol] for symbol in trie.alphabet]] = goto
            blocks.append(block)
            offset += n
        self.offsets = roots
        self.size = offset
        self.root = torch.tensor(roots, dtype=torch.long, device=device)
        self.lookup = lookup.to(device)
        self.goto = torch.cat(blocks).view(-1).to(device)

    def columns(self, symbols: torch.Tensor) -> torch.Tensor:
        """The columns of vocabulary symbol ids (any shape; PAD included)."""
        return take(self.lookup, symbols.long())

    def step(self, node: torch.Tensor, column: torch.Tensor) -> torch.Tensor:
        """Node after the symbol in ``column`` (from :meth:`columns`; a PAD leaves the node as it is)."""
        return take(self.goto, node * self.stride + column)


class JointWalk:
    """Several automata (:class:`Automata`) stepped together: one gather a symbol for all of them.

    A candidate token is walked through the renderings to place and the
    forbidden ones, in each channel: done one automaton at a time that is
    four gathers and as many small ops per symbol, each over a few thousand
    candidates, where the cost is the op rather than the data. Here the
    automata's transition tables sit side by side in one table (node ids
    offset, rows padded to one stride) with one flag table (the pattern bits
    of a node to place, "a forbidden rendering completed" of a node to
    avoid), so a symbol is one gather for every automaton and candidate.
    """

    def __init__(self, tables: Sequence[Automata], flags: Sequence[torch.Tensor], device: torch.device):
        self.stride = max(t.stride for t in tables)
        blocks, offsets, offset = [], [], 0
        for table in tables:
            rows = table.goto.view(table.size, table.stride) + offset
            blocks.append(torch.nn.functional.pad(rows, (0, self.stride - table.stride), value=offset))
            offsets.append(offset)
            offset += table.size
        self.goto = torch.cat(blocks).view(-1).to(device)
        self.flags = torch.cat([f.to(device) for f in flags])
        self.offsets = offsets
        self.pad_columns = [t.width + 1 for t in tables]

    def run(self, starts: Sequence[torch.Tensor], columns: Sequence[torch.Tensor]) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        """Nodes after the symbols, and the OR of the flags of every node passed, per automaton.

        ``starts[a]``: node ids of automaton ``a`` (any shape, the same for
        all); ``columns[a]``: ``[symbols, *shape]`` their columns
        (:meth:`Automata.columns`). A shorter ``columns[a]`` (a channel whose
        tokens spell fewer symbols) is padded with its PAD column: it stays.
        """
        length = max(c.shape[0] for c in columns)
        stacked = []
        for table_columns, pad in zip(columns, self.pad_columns):
            if table_columns.shape[0] < length:
                fill = table_columns.new_full((length - table_columns.shape[0], *table_columns.shape[1:]), pad)
                table_columns = torch.cat((table_columns, fill))
            stacked.append(table_columns)
        nodes = torch.stack([s + o for s, o in zip(starts, self.offsets)])
        cols = torch.stack(stacked, dim=1)  # [symbols, automata, *shape]
        seen = torch.zeros_like(nodes)
        for at in range(length):
            nodes = take(self.goto, nodes * self.stride + cols[at])
            seen |= take(self.flags, nodes)
        return [n - o for n, o in zip(nodes.unbind(0), self.offsets)], list(seen.unbind(0))
