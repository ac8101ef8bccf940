"""The encoder-decoder model step (model_step.py): the same logits as ``model(...)``, shared cross-attention.

``DecoderStep`` runs the decoder stack and the output layer itself: its
logits must be exactly ``model(...)``'s (the unconstrained decoder equals
``generate``), with and without a non-zero ``final_logits_bias``. The
shared cross-attention of a sentence's beams changes float rounding only:
it must agree with the per-beam copies to rounding, stay off where exact
output is promised (float32), be on for int8, and leave the model as it
found it.
"""

from __future__ import annotations

import copy

import pytest
import torch
from transformers.modeling_outputs import BaseModelOutput

from termlock.translate.models.loading import load_model
from termlock.translate.search.kv_cache import in_place_cache
from termlock.translate.search.model_step import (
    DecoderStep,
    beams_share_cross_attention,
    can_share_cross_attention,
    shared_beams_attention,
)
from termlock.translate.search.seq2seq_decoder import BeamSearchDecoder

SENTENCES = ["粮食安全是国家安全的重要基础。", "我们要坚持和平发展道路。", "要全面深化改革。"]


def _steps(model, tokenizer, step, *, beams: int = 1, share: bool = False):
    """Logits of three decoder steps (a prompt of two tokens, then one token at a time), fed the argmax."""
    batch = tokenizer(SENTENCES, return_tensors="pt", padding=True)
    with torch.inference_mode():
        encoded = model.get_encoder()(**batch, return_dict=True).last_hidden_state
        mask = batch["attention_mask"]
        if not share:
            encoded, mask = encoded.repeat_interleave(beams, 0), mask.repeat_interleave(beams, 0)
        start = model.config.decoder_start_token_id
        step_input = torch.tensor([[start, 5]] * (len(SENTENCES) * beams))
        cache = in_place_cache(16)
        out = []
        for _ in range(3):
            logits, cache = step(BaseModelOutput(last_hidden_state=encoded), mask, step_input, cache)
            out.append(logits[:, -1].clone())
            step_input = logits[:, -1].argmax(-1, keepdim=True)
    return out


def _whole_model(model):
    def call(encoder_outputs, mask, step_input, cache):
        result = model(encoder_outputs=encoder_outputs, attention_mask=mask, decoder_input_ids=step_input, cache=cache, use_cache=True)
        return result.logits, result.cache

    return call


@pytest.mark.parametrize("bias", ["zeros", "random"])
def test_decoder_step_gives_model_logits_exactly(tiny_seq2seq, bias):
    base, tokenizer = tiny_seq2seq
    model = copy.deepcopy(base)
    with torch.no_grad():
        if bias == "zeros":  # Marian's published models: nothing to add
            model.final_logits_bias.zero_()
        else:
            model.final_logits_bias.copy_(torch.randn(model.final_logits_bias.shape, generator=torch.Generator().manual_seed(1)))
    step = DecoderStep(model, "cache")
    assert step.own_head and (step.bias is None) == (bias == "zeros")
    for got, expected in zip(_steps(model, tokenizer, step), _steps(model, tokenizer, _whole_model(model))):
        assert torch.equal(got, expected)


def test_a_model_without_the_bart_head_is_called_whole():
    class Plain(torch.nn.Module):
        def forward(self, **kwargs):
            raise AssertionError("not called in this test")

    assert not DecoderStep(Plain(), "cache").own_head


@pytest.mark.parametrize("q_len", [1, 3])
@pytest.mark.parametrize("masked", [False, True])
def test_shared_beams_attention_agrees_with_per_beam_copies(q_len, masked):
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    gen = torch.Generator().manual_seed(0)
    sentences, beams, heads, source, dim = 3, 4, 2, 7, 8
    query = torch.randn(sentences * beams, heads, q_len, dim, generator=gen)
    key = torch.randn(sentences, heads, source, dim, generator=gen)
    value = torch.randn(sentences, heads, source, dim, generator=gen)
    mask = None
    if masked:  # padding at the end of the shorter sources
        lengths = torch.tensor([7, 5, 2])
        mask = (torch.arange(source) < lengths[:, None]).view(sentences, 1, 1, source).expand(sentences, 1, q_len, source)
    module = torch.nn.Module()
    module.is_causal = False
    got, _ = shared_beams_attention(module, query, key, value, mask, scaling=dim**-0.5)
    expected, _ = sdpa_attention_forward(
        module,
        query,
        key.repeat_interleave(beams, 0),
        value.repeat_interleave(beams, 0),
        None if mask is None else mask.repeat_interleave(beams, 0),
        scaling=dim**-0.5,
    )
    assert got.shape == expected.shape == (sentences * beams, q_len, heads, dim)
    torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-6)


def test_shared_cross_attention_steps_agree_and_the_model_is_restored(tiny_seq2seq):
    model, tokenizer = tiny_seq2seq
    assert can_share_cross_attention(model)
    configs = [layer.encoder_attn.config for layer in model.get_decoder().layers]
    step = DecoderStep(model, "cache")
    expected = _steps(model, tokenizer, step, beams=3)
    with beams_share_cross_attention(model):
        got = _steps(model, tokenizer, step, beams=3, share=True)
    for a, b in zip(got, expected):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)
    assert [layer.encoder_attn.config for layer in model.get_decoder().layers] == configs
    assert all(c is model.config for c in configs)


def test_sharing_is_on_for_int8_only_and_decodes_the_same_sentences(tiny_model_dir):
    fp32 = load_model(str(tiny_model_dir), device="cpu")
    int8 = load_model(str(tiny_model_dir), device="cpu", dtype="int8")
    assert not BeamSearchDecoder(fp32.model, fp32.tokenizer).share_cross_attention  # exact output promised
    shared = BeamSearchDecoder(int8.model, int8.tokenizer, num_beams=3, max_length=20)
    assert shared.share_cross_attention
    copies = BeamSearchDecoder(int8.model, int8.tokenizer, num_beams=3, max_length=20, share_cross_attention=False)
    got, expected = shared.decode(SENTENCES), copies.decode(SENTENCES)
    assert [r.token_ids for r in got] == [r.token_ids for r in expected]
    assert [r.score for r in got] == pytest.approx([r.score for r in expected], abs=1e-4)


def test_nested_and_concurrent_users_leave_the_model_as_found(tiny_seq2seq):
    """The last user to leave restores the configs; meanwhile a non-shared call is plain sdpa."""
    model, tokenizer = tiny_seq2seq
    layers = model.get_decoder().layers
    step = DecoderStep(model, "cache")
    expected = _steps(model, tokenizer, step, beams=2)
    with beams_share_cross_attention(model):
        with beams_share_cross_attention(model):
            switched = [layer.encoder_attn.config for layer in layers]
        assert [layer.encoder_attn.config for layer in layers] == switched  # the outer user still shares
        assert all(c is not model.config for c in switched)
        # a call with per-beam copies while switched: exactly the plain result
        for got, want in zip(_steps(model, tokenizer, step, beams=2), expected):
            assert torch.equal(got, want)
    assert all(layer.encoder_attn.config is model.config for layer in layers)
