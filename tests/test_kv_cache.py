"""The in-place self-attention cache (kv_cache.py) holds what transformers' concatenating cache holds."""

from __future__ import annotations

import pytest
import torch
from transformers.cache_utils import DynamicCache, DynamicLayer, EncoderDecoderCache

from termlock.translate.search.kv_cache import InPlaceLayer, in_place_cache


@pytest.mark.parametrize("capacity", [12, 3])  # 3: grows past its buffer
def test_layer_appends_and_reorders_like_the_dynamic_layer(capacity):
    generator = torch.Generator().manual_seed(0)
    ours, theirs = InPlaceLayer(capacity), DynamicLayer()
    rows, heads, dim = 6, 2, 4
    for step, width in enumerate([2, 1, 1, 1, 1, 1, 1, 1]):  # a 2-token decoder prompt, then one a step
        keys = torch.randn((rows, heads, width, dim), generator=generator)
        values = torch.randn((rows, heads, width, dim + 1), generator=generator)  # value width may differ
        got = ours.update(keys, values)
        expected = theirs.update(keys, values)
        assert torch.equal(got[0], expected[0]) and torch.equal(got[1], expected[1])
        assert ours.get_seq_length() == theirs.get_seq_length()
        assert ours.get_mask_sizes(1) == theirs.get_mask_sizes(1)
        beams = torch.randint(0, rows, (rows,), generator=generator)  # survivors, some twice
        ours.reorder_cache(beams)
        theirs.reorder_cache(beams)
        assert torch.equal(ours.keys, theirs.keys) and torch.equal(ours.values, theirs.values)


def test_reset_empties_the_layer():
    layer = InPlaceLayer(4)
    layer.update(torch.ones((2, 1, 3, 2)), torch.ones((2, 1, 3, 2)))
    layer.reset()
    assert layer.get_seq_length() == 0 and not layer.is_initialized
    keys, _ = layer.update(torch.zeros((2, 1, 1, 2)), torch.zeros((2, 1, 1, 2)))
    assert keys.shape == (2, 1, 1, 2)


def test_model_steps_with_the_in_place_cache_give_the_same_logits(tiny_seq2seq):
    model, tokenizer = tiny_seq2seq
    batch = tokenizer(["粮食安全是国家安全的重要基础。", "我们要坚持和平发展道路。"], return_tensors="pt", padding=True)
    rows = batch["input_ids"].shape[0]
    start = model.config.decoder_start_token_id
    generator = torch.Generator().manual_seed(1)
    with torch.inference_mode():
        encoded = model.get_encoder()(**batch)
        caches = [in_place_cache(8), EncoderDecoderCache(DynamicCache(), DynamicCache())]
        step = torch.full((rows, 1), start)
        for _ in range(6):
            outs = [
                model(encoder_outputs=encoded, attention_mask=batch["attention_mask"], decoder_input_ids=step, cache=cache, use_cache=True)
                for cache in caches
            ]
            assert torch.equal(outs[0].logits, outs[1].logits)
            order = torch.randint(0, rows, (rows,), generator=generator)
            for cache in caches:
                cache.self_attention_cache.reorder_cache(order)
            step = torch.randint(0, len(tokenizer), (rows, 1), generator=generator)


def test_decoding_past_the_first_buffer_still_equals_generate(tiny_seq2seq, monkeypatch):
    """The cache starts small and doubles: a decode longer than its first buffer is unchanged."""
    from termlock.translate.search import seq2seq_decoder as decoding
    from termlock.translate.search.seq2seq_decoder import BeamSearchDecoder

    model, tokenizer = tiny_seq2seq
    sentences = ["粮食安全是国家安全的重要基础。", "要全面深化改革，扩大高水平对外开放。", "我们要坚持和平发展道路。"]
    batch = tokenizer(sentences, return_tensors="pt", padding=True)
    with torch.inference_mode():
        expected = model.generate(**batch, num_beams=4, max_length=30)
    pad = tokenizer.pad_token_id
    want = [tuple(t for t in row[1:] if t != pad) for row in expected.tolist()]
    monkeypatch.setattr(decoding, "INITIAL_CACHE_POSITIONS", 3)  # grows 3 -> 6 -> 12 -> 24 -> 48
    got = BeamSearchDecoder(model, tokenizer, num_beams=4, max_length=30).decode(sentences)
    assert [tuple(t for t in r.token_ids if t != pad) for r in got] == want
    assert max(len(r.token_ids) for r in got) > 3
