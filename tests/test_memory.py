"""Memory estimates from a model's config alone (no weights exist here)."""

from __future__ import annotations

import pytest
from transformers import Qwen2Config

from termlock.errors import TermlockError
from termlock.translate.models.memory import GIB, check_fits, count_parameters, estimate_memory

QWEN25_05B = Qwen2Config(
    vocab_size=151936, hidden_size=896, intermediate_size=4864, num_hidden_layers=24,
    num_attention_heads=14, num_key_value_heads=2, tie_word_embeddings=True,
)  # fmt: skip
QWEN25_7B = Qwen2Config(
    vocab_size=152064, hidden_size=3584, intermediate_size=18944, num_hidden_layers=28,
    num_attention_heads=28, num_key_value_heads=4, tie_word_embeddings=False,
)  # fmt: skip


@pytest.mark.parametrize("config, published", [(QWEN25_05B, 0.494e9), (QWEN25_7B, 7.61e9)])
def test_parameter_count_matches_the_published_size(config, published):
    assert count_parameters(config) == pytest.approx(published, rel=0.01)


def test_estimate_adds_weights_cache_and_work():
    small = estimate_memory(QWEN25_7B, "bf16", rows=1, tokens=512)
    big = estimate_memory(QWEN25_7B, "bf16", rows=80, tokens=512)
    assert small.weights == pytest.approx(15.2e9, rel=0.01)
    # KV cache: 2 x 28 layers x 4 KV heads x 128 x 2 bytes per token and row
    assert big.cache == 2 * 28 * 4 * 128 * 2 * 80 * 512
    assert big.total > small.total > small.weights
    assert estimate_memory(QWEN25_7B, "fp32").weights == 2 * small.weights


def test_refusal_names_the_numbers_and_the_fix():
    estimate = estimate_memory(QWEN25_7B, "fp32", rows=80)
    with pytest.raises(TermlockError) as info:
        check_fits(estimate, "cpu", "Qwen/Qwen2.5-7B-Instruct", "fp32", available=16 * GIB)
    message = str(info.value)
    assert "needs about" in message and "16.0 GiB of available RAM" in message and "--device cuda" in message
    check_fits(estimate, "cpu", "m", "fp32", available=64 * GIB)  # fits: no error
    with pytest.raises(TermlockError, match="--dtype bf16"):
        check_fits(estimate, "cuda", "m", "fp32", available=8 * GIB)
