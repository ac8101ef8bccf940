"""A batch's lock tables from per-sentence tables kept with the vocabulary equal tables built afresh."""

from __future__ import annotations

import torch

from termlock.translate.lock import tracker as tracker_module
from termlock.translate.lock.constraints import NegativeConstraint, PositiveConstraint
from termlock.translate.lock.sentence_lock import SentenceLock
from termlock.translate.lock.tracker import ConstraintTracker
from termlock.translate.search.seq2seq_decoder import BeamSearchDecoder

CPU = torch.device("cpu")

POSITIVES = [
    [PositiveConstraint("food", ("food security",)), PositiveConstraint("Dev", ("Development",), case_sensitive=True)],
    [
        PositiveConstraint("open", ("opening up", "opening-up"), written=("Opening-Up",)),
        PositiveConstraint("chain", ("industrial chain",)),
        PositiveConstraint("chief", ("industrial chain chief system",)),
    ],
    [],
    [PositiveConstraint("belt", ("Belt and Road",), case_sensitive=True)],
]
NEGATIVES = [[NegativeConstraint("grain", ("grain safety",))], [], [NegativeConstraint("US", ("U.S.",), case_sensitive=True)], []]


def _tables(tracker: ConstraintTracker) -> dict[str, torch.Tensor]:
    """Every tensor a tracker's channels hold, by name."""
    found = {}
    for i, channel in enumerate(tracker.channels):
        for owner, prefix in ((channel, ""), (channel.pos, "pos."), (channel.neg, "neg.")):
            for name, value in vars(owner).items():
                if isinstance(value, torch.Tensor):
                    found[f"{channel.channel}.{prefix}{name}"] = value
    found["walk.goto"], found["walk.flags"] = tracker._walk.goto, tracker._walk.flags
    return found


def _fresh(locks, vocabulary) -> dict[str, torch.Tensor]:
    """The tables with nothing kept from earlier batches."""
    for channel in ("exact", "folded", "cased"):
        tracker_module._MEMOS.pop(vocabulary(channel), None)
    return _tables(ConstraintTracker(locks, vocabulary, CPU))


def _assert_equal(got: dict[str, torch.Tensor], want: dict[str, torch.Tensor]) -> None:
    assert sorted(got) == sorted(want)
    for name in want:
        assert got[name].dtype == want[name].dtype, name
        assert torch.equal(got[name], want[name]), name


def test_a_batch_of_sentences_seen_before_reuses_their_tables_and_builds_the_same(tiny_seq2seq):
    model, tokenizer = tiny_seq2seq
    vocabulary = BeamSearchDecoder(model, tokenizer, num_beams=3, max_length=20).vocabulary
    locks = [SentenceLock.compile(p, n) for p, n in zip(POSITIVES, NEGATIVES)]
    # sentences first seen in other batches, in another order and beside others: widths and term counts differ
    ConstraintTracker(locks[:2], vocabulary, CPU)
    ConstraintTracker([locks[3], locks[2]], vocabulary, CPU)
    memo = tracker_module._memo(vocabulary("exact"))
    kept = dict(memo._tables)
    assert kept  # the exact view's sentence tables were kept
    mixed = [locks[2], locks[0], locks[3], locks[1]]
    reused = _tables(ConstraintTracker(mixed, vocabulary, CPU))
    assert memo._tables == kept  # nothing rebuilt: every sentence's tables came from the memo
    _assert_equal(reused, _fresh(mixed, vocabulary))


def test_the_kept_tables_are_bounded(tiny_seq2seq, monkeypatch):
    model, tokenizer = tiny_seq2seq
    vocabulary = BeamSearchDecoder(model, tokenizer, num_beams=3, max_length=20).vocabulary
    monkeypatch.setattr(tracker_module._VocabularyMemo, "LIMIT", 2)
    locks = [SentenceLock.compile(p, n) for p, n in zip(POSITIVES, NEGATIVES)]
    for lock in locks:
        ConstraintTracker([lock], vocabulary, CPU)
    memo = tracker_module._memo(vocabulary("exact"))
    assert 0 < len(memo._tables) <= 2 and len(memo._spelled) <= 2
    # a sentence whose tables were dropped is built again, the same
    _assert_equal(_tables(ConstraintTracker(locks, vocabulary, CPU)), _fresh(locks, vocabulary))


def test_end_of_word_counts_per_node_equal_spreading_each_candidates_bits(tiny_seq2seq):
    model, tokenizer = tiny_seq2seq
    vocabulary = BeamSearchDecoder(model, tokenizer, num_beams=3, max_length=20).vocabulary
    locks = [SentenceLock.compile(p, n) for p, n in zip(POSITIVES, NEGATIVES)]
    tracker = ConstraintTracker(locks, vocabulary, CPU)
    generator = torch.Generator().manual_seed(0)
    nodes = []
    for channel in tracker.channels:  # random nodes of each sentence's own automaton
        sizes = torch.tensor([*channel.pos.offsets[1:], channel.pos.size]) - torch.tensor(channel.pos.offsets)
        nodes.append(channel.pos.root.unsqueeze(1) + (torch.rand((len(locks), 30), generator=generator) * sizes.unsqueeze(1)).long())
    want = torch.zeros((len(locks), 30, tracker.num_patterns), dtype=torch.long)
    for i, (channel, node) in enumerate(zip(tracker.channels, nodes)):
        if channel.has_patterns:
            want += tracker._slot_counts(i, channel.end_bits[node])
    assert int(want.sum()) > 0  # some nodes end a rendering
    assert torch.equal(tracker._end_counts(nodes), want)


def test_decoders_in_several_threads_share_the_kept_tables_safely(tiny_seq2seq, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    model, tokenizer = tiny_seq2seq
    vocabulary = BeamSearchDecoder(model, tokenizer, num_beams=3, max_length=20).vocabulary
    monkeypatch.setattr(tracker_module._VocabularyMemo, "LIMIT", 1)  # every store drops an entry another thread may read
    locks = [SentenceLock.compile(p, n) for p, n in zip(POSITIVES, NEGATIVES)]
    batches = [locks, locks[::-1], locks[1:], [locks[3], locks[0]]] * 3
    with ThreadPoolExecutor(max_workers=4) as pool:
        built = list(pool.map(lambda batch: _tables(ConstraintTracker(batch, vocabulary, CPU)), batches))
    for batch, tables in zip(batches[:4], built[:4]):
        _assert_equal(tables, _fresh(batch, vocabulary))
