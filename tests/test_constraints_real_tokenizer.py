"""The real opus-mt-zh-en tokenizer: context-dependent pieces, real-shape model.

Runs only where ../shared/models/opus-mt-zh-en-tokenizer exists (tokenizer
and config, no weights); the model has the real shape and random weights.
"""

from __future__ import annotations

import re

import pytest
import torch

from termlock.translate.constraints import PhraseTokenizer, PositiveConstraint
from termlock.translate.decoding import BeamSearchDecoder

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


def _pieces(tokenizer, ids) -> tuple[str, ...]:
    return tuple(tokenizer.convert_ids_to_tokens(list(ids)))


def test_dual_cores_pieces_depend_on_context(real_tokenizer):
    variants = {_pieces(real_tokenizer, v) for v in PhraseTokenizer(real_tokenizer).variants("dual cores")}
    assert ("▁dual", "▁core", "s") in variants  # mid-sentence / sentence start
    assert ("d", "ual", "▁core", "s") in variants  # straight after an opening quote
    assert ("▁Dual", "▁core", "s") in variants  # capitalised at sentence start


def test_real_shape_model_places_terms(real_tokenizer, real_shape_model):
    decoder = BeamSearchDecoder(real_shape_model, real_tokenizer, num_beams=3, max_length=24)
    sources = ["这款处理器采用双核设计。", "他说：“双核处理器很快。”"]
    positives = [
        [PositiveConstraint("dual-core", ("dual cores",))],
        [PositiveConstraint("dual-core", ("dual cores",)), PositiveConstraint("fast", ("very fast",))],
    ]
    results = decoder.decode(sources, positives)
    variants = PhraseTokenizer(real_tokenizer).variants("dual cores")
    for result in results:
        assert result.unmet == ()
        assert re.search(r"(?<!\w)dual cores(?!\w)", result.text, re.IGNORECASE), result.text
        ids = result.token_ids
        assert any(ids[i : i + len(v)] == v for v in variants for i in range(len(ids))), _pieces(real_tokenizer, ids)
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
