"""The one decoder factory: both kinds of model, what ``max_length`` counts, one error for bad settings."""

from __future__ import annotations

import pytest

from termlock.errors import TermlockError
from termlock.translate.models.llm_prompts import CausalPrompts
from termlock.translate.models.loading import load_model
from termlock.translate.search.causal_decoder import CausalBeamSearchDecoder
from termlock.translate.search.factory import build_decoder
from termlock.translate.search.seq2seq_decoder import BeamSearchDecoder


@pytest.fixture(scope="module")
def seq2seq(tiny_model_dir):
    return load_model(str(tiny_model_dir), device="cpu")


@pytest.fixture(scope="module")
def llm(causal_own_dir):
    return load_model(str(causal_own_dir), device="cpu")


def test_a_seq2seq_model_gets_the_encoder_decoder_and_max_length_is_the_total(seq2seq):
    decoder = build_decoder(seq2seq, beam=2, batch_size=3, max_length=12)
    assert type(decoder) is BeamSearchDecoder
    assert (decoder.num_beams, decoder.batch_size, decoder.max_length) == (2, 3, 12)
    assert decoder.prompt == [decoder.rules.decoder_start_id]  # the 12 include the start token


def test_an_llm_gets_the_causal_decoder_and_max_length_counts_new_tokens(llm):
    prompts = CausalPrompts.create(llm, None)
    decoder = build_decoder(llm, beam=2, batch_size=3, max_length=12, renderer=prompts.renderer)
    assert type(decoder) is CausalBeamSearchDecoder
    assert (decoder.max_new_tokens, decoder.rules.max_length, decoder.prompt) == (12, 12, [])
    assert set(prompts.renderer.end_token_ids()) <= set(decoder.rules.eos_ids)  # the chat turn's end ends it
    assert decoder.add_special_tokens == prompts.renderer.add_special_tokens
    with pytest.raises(TypeError, match="prompt renderer"):
        build_decoder(llm, beam=2, batch_size=3)


def test_settings_the_model_cannot_decode_with_are_one_error_naming_the_model(seq2seq):
    with pytest.raises(TermlockError) as info:
        build_decoder(seq2seq, beam=2, batch_size=3, max_length=1)
    message = str(info.value)
    assert "cannot decode with these settings: max_length=1 leaves no room to generate" in message
    assert seq2seq.name in message and "--max-length" in message
