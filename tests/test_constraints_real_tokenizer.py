"""The real opus-mt-zh-en tokenizer: context-dependent pieces, real-shape model.

Runs only where ../shared/models/opus-mt-zh-en-tokenizer exists (tokenizer
and config, no weights); the model has the real shape and random weights.
"""

from __future__ import annotations

import re

import pytest
import torch

from termlock.translate.lock.sentence_lock import SentenceLock
from termlock.translate.lock.tracker import ConstraintTracker
from termlock.translate.lock.constraints import PositiveConstraint
from termlock.translate.search.seq2seq_decoder import BeamSearchDecoder

pytestmark = pytest.mark.real_tokenizer


@pytest.fixture(scope="module")
def real_tokenizer(real_tokenizer_dir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(real_tokenizer_dir)


@pytest.fixture(scope="module")
def real_shape_model(real_tokenizer_dir):
    from transformers import MarianConfig, MarianMTModel

    torch.manual_seed(0)
    return MarianMTModel(MarianConfig.from_pretrained(real_tokenizer_dir)).eval()


@pytest.fixture(scope="module")
def real_decoder(real_tokenizer, real_shape_model):
    """One decoder: its vocabulary tables are built once (a couple of seconds for 65,000 tokens)."""
    return BeamSearchDecoder(real_shape_model, real_tokenizer, num_beams=3, max_length=24)


def _pieces(tokenizer, ids) -> tuple[str, ...]:
    return tuple(tokenizer.convert_ids_to_tokens(list(ids)))


def _met_after(decoder, tokenizer, lock, pieces) -> bool:
    tracker = ConstraintTracker([lock], decoder.vocabulary, torch.device("cpu"))
    tracker.start(1)
    zero = torch.zeros((1, 1), dtype=torch.long)
    ids = tokenizer.convert_tokens_to_ids(list(pieces))
    assert tokenizer.unk_token_id not in ids
    for token in ids:
        grown = tracker.expand(zero, torch.tensor([[token]]))
        tracker.keep(grown, zero)
    return bool(grown.all_met)


@pytest.mark.parametrize(
    "pieces",
    [
        ("▁the", "▁dual", "▁core", "s"),  # mid-sentence
        ("▁the", '▁"', "d", "ual", "▁core", "s"),  # straight after an opening quote
        ("▁dual", "▁co", "res"),  # any split of exactly these characters
        ("▁Dual", "▁core", "s"),  # a capital first letter where the translation starts
        ("▁Du", "al", "▁c", "ores"),
        ("▁state", "-", "own", "ed", "▁enterprise"),
    ],
)
def test_any_split_of_the_glossary_spelling_counts(real_tokenizer, real_decoder, pieces):
    lock = SentenceLock.compile(
        [PositiveConstraint("dual-core", ("dual cores",)) if "enterprise" not in pieces[-1] else
         PositiveConstraint("soe", ("state-owned enterprise",))], []
    )
    assert _met_after(real_decoder, real_tokenizer, lock, pieces)


@pytest.mark.parametrize(
    "pieces",
    [
        ("▁the", "▁Dual", "▁core", "s"),  # a capital mid-sentence
        ("▁Du", "AL", "▁co", "RE", "S"),  # the checker accepts any casing; the lock writes the glossary's
        ("▁dual", "▁", "▁core", "s"),  # a double space
        ("▁state", "▁own", "ed", "▁enterprise"),  # the hyphen dropped
        ("▁state", "—", "own", "ed", "▁enterprise"),  # another dash
    ],
)
def test_no_other_spelling_counts(real_tokenizer, real_decoder, pieces):
    term = PositiveConstraint("soe", ("state-owned enterprise",)) if "enterprise" in pieces[-1] else PositiveConstraint("dual-core", ("dual cores",))
    assert not _met_after(real_decoder, real_tokenizer, SentenceLock.compile([term], []), pieces)


def test_real_shape_model_places_terms(real_tokenizer, real_decoder):
    decoder = real_decoder
    sources = ["这款处理器采用双核设计。", "他说：“双核处理器很快。”"]
    positives = [
        [PositiveConstraint("dual-core", ("dual cores",))],
        [PositiveConstraint("dual-core", ("dual cores",)), PositiveConstraint("fast", ("very fast",))],
    ]
    results = decoder.decode(sources, positives)
    for result in results:
        assert result.unmet == ()
        assert re.search(r"(?<!\w)dual cores(?!\w)", result.text, re.IGNORECASE), result.text
    assert re.search(r"(?<!\w)very fast(?!\w)", results[1].text, re.IGNORECASE)


def test_real_shape_unconstrained_equals_generate(real_tokenizer, real_shape_model):
    sources = ["我们要坚持和平发展道路。", "数字经济蓬勃发展。"]
    batch = real_tokenizer(sources, return_tensors="pt", padding=True)
    with torch.inference_mode():
        expected = real_shape_model.generate(**batch, num_beams=3, max_length=12)
    decoder = BeamSearchDecoder(real_shape_model, real_tokenizer, num_beams=3, max_length=12)
    results = decoder.decode(sources)
    for row, result in zip(expected[:, 1:].tolist(), results):
        while row and row[-1] == real_tokenizer.pad_token_id:
            row.pop()
        assert result.token_ids == tuple(row)
