"""The joint automaton walk (lock.automata.JointWalk) equals stepping each automaton on its own."""

from __future__ import annotations

import torch

from termlock.translate.lock.sentence_lock import SentenceLock
from termlock.translate.lock.symbols import CASED, EXACT, FOLDED, PAD
from termlock.translate.lock.tracker import ConstraintTracker
from termlock.translate.lock.constraints import NegativeConstraint, PositiveConstraint
from termlock.translate.search.seq2seq_decoder import BeamSearchDecoder


def _one_at_a_time(table, node: torch.Tensor, flags: torch.Tensor, seq: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The plain walk: node after each symbol (PAD stays), and the OR of the flags passed."""
    seen = torch.zeros_like(node)
    for at in range(seq.shape[-1]):
        symbol = seq[..., at].long()
        column = table.lookup[symbol]
        moved = table.goto[node * table.stride + column]
        node = torch.where(symbol == PAD, node, moved)
        seen |= flags[node]
    return node, seen


def test_joint_walk_equals_each_automaton_alone(tiny_seq2seq):
    model, tokenizer = tiny_seq2seq
    decoder = BeamSearchDecoder(model, tokenizer, num_beams=3, max_length=20)
    positives = [
        [
            PositiveConstraint("food", ("food security",)),
            PositiveConstraint("Dev", ("Development",), case_sensitive=True),
            PositiveConstraint("zone", ("Development Zone",), case_sensitive=True),  # claims "Development": cased
        ],
        [
            PositiveConstraint("open", ("opening up", "opening-up"), written=("Opening-Up",)),  # counted folded
            PositiveConstraint("chain", ("industrial chain",)),
            PositiveConstraint("chief", ("industrial chain chief system",)),  # claims "industrial chain": folded
        ],
        [],
    ]
    negatives = [[NegativeConstraint("grain", ("grain safety",))], [], [NegativeConstraint("US", ("U.S.",), case_sensitive=True)]]
    locks = [SentenceLock.compile(p, n) for p, n in zip(positives, negatives)]
    tracker = ConstraintTracker(locks, decoder.vocabulary, torch.device("cpu"))
    # the exact view places, the folded and cased ones forbid (and claim): five automata walked together
    assert [c.channel for c in tracker.channels] == [FOLDED, CASED, EXACT]
    assert len(tracker._walked) == 5
    without_claims = ConstraintTracker([SentenceLock.compile([positives[0][0]], negatives[0])], decoder.vocabulary, torch.device("cpu"))
    assert without_claims._walked == [(0, "neg"), (1, "pos")]  # an automaton with nothing in it is not walked
    generator = torch.Generator().manual_seed(0)
    vocab = tracker.channels[0].vocab.seq.shape[1]
    token = torch.randint(0, vocab, (3, 40), generator=generator)
    cls = torch.randint(0, 3, (3, 40), generator=generator)
    starts, columns, expected = [], [], []
    for i, kind in tracker._walked:
        channel = tracker.channels[i]
        seq = channel.vocab.seq[cls, token]
        table, flags = (channel.pos, channel.out_bits) if kind == "pos" else (channel.neg, channel.completes.long())
        # random nodes of each sentence's own automaton
        sizes = torch.tensor([*table.offsets[1:], table.size]) - torch.tensor(table.offsets)
        node = table.root.unsqueeze(1) + (torch.rand((3, 40), generator=generator) * sizes.unsqueeze(1)).long()
        starts.append(node)
        length = int(channel.vocab.length[cls, token].max())
        columns.append(table.columns(seq[:, :, :length].permute(2, 0, 1)))
        expected.append(_one_at_a_time(table, node, flags, seq))
    nodes, seen = tracker._walk.run(starts, columns)
    # not a walk that never leaves its start: nodes move and patterns are seen
    assert any(not torch.equal(n, s) for n, s in zip(nodes, starts))
    assert any(bool(s.any()) for s in seen)
    for (want_node, want_seen), got_node, got_seen in zip(expected, nodes, seen):
        assert torch.equal(got_node, want_node)
        assert torch.equal(got_seen, want_seen)
