"""The float32 CPU output projection kept in oneDNN's packed layout.

What must hold: the products are F.linear's to float rounding, a row's
result does not depend on the rows beside it, the layer is still the
model's own (same parameters, tie to the embeddings, state-dict keys),
plain ``nn.Linear`` takes over whenever the packed copy cannot be trusted
(gradients, another dtype, a weight changed in place), a build whose
kernel is missing or disagrees loads the model as before, and on a loaded
model termlock's unconstrained search still gives ``generate``'s tokens
and scores exactly.
"""

from __future__ import annotations

import pytest
import torch

from termlock.translate.models import packed_projection
from termlock.translate.models.loading import load_model
from termlock.translate.models.packed_projection import (
    PackedLinear,
    is_packed,
    pack_linear,
    pack_output_projection,
)
from termlock.translate.search.seq2seq_decoder import BeamSearchDecoder
from tiny_model import _FALLBACK_PAIRS, generate_ids_and_scores

SENTENCES = [zh for zh, _ in _FALLBACK_PAIRS[:10]]

needs_onednn = pytest.mark.skipif(
    not packed_projection._oneDNN_linear_available(), reason="this PyTorch build has no oneDNN packed linear"
)


def _layer(inputs: int = 48, outputs: int = 301, bias: bool = True, seed: int = 0) -> torch.nn.Linear:
    torch.manual_seed(seed)
    return torch.nn.Linear(inputs, outputs, bias=bias).eval()


@needs_onednn
@pytest.mark.parametrize("bias", [True, False])
def test_products_are_linears_to_rounding_for_any_rows_and_shape(bias):
    layer = _layer(bias=bias)
    packed = pack_linear(layer, rows=80)
    assert isinstance(packed, PackedLinear)
    for shape in [(1, 48), (5, 48), (80, 48), (81, 48), (4, 5, 48), (2, 3, 1, 48)]:
        x = torch.randn(shape)
        with torch.inference_mode():
            got, expected = packed(x), torch.nn.functional.linear(x, layer.weight, layer.bias)
        assert got.shape == expected.shape
        torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-5)


@needs_onednn
def test_a_rows_result_does_not_depend_on_the_rows_beside_it():
    packed = pack_linear(_layer(), rows=80)
    x = torch.randn(81, 48)
    with torch.inference_mode():
        whole = packed(x)
        for count in (1, 5, 16, 80):
            assert torch.equal(packed(x[:count].contiguous()), whole[:count])


@needs_onednn
def test_the_packed_layer_keeps_the_layers_parameters_and_keys():
    layer = _layer()
    packed = pack_linear(layer, rows=4)
    assert packed.weight is layer.weight and packed.bias is layer.bias
    assert (packed.in_features, packed.out_features) == (48, 301)
    assert isinstance(packed, torch.nn.Linear)
    assert list(packed.state_dict()) == list(layer.state_dict()) == ["weight", "bias"]
    assert [name for name, _ in packed.named_parameters()] == ["weight", "bias"]


@needs_onednn
def test_plain_linear_takes_over_where_the_packed_copy_cannot_be_trusted():
    layer = _layer()
    packed = pack_linear(layer, rows=8)
    x = torch.randn(3, 48)
    # gradients wanted: the autograd path, exactly nn.Linear's numbers
    with torch.enable_grad():
        y = packed(x)
    assert y.grad_fn is not None
    assert torch.equal(y.detach(), torch.nn.functional.linear(x, layer.weight, layer.bias).detach())
    # the weight changed in place after packing: the new weight counts, never the stale copy
    with torch.no_grad():
        layer.weight.mul_(2.0)
    with torch.inference_mode():
        torch.testing.assert_close(packed(x), torch.nn.functional.linear(x, layer.weight, layer.bias), rtol=1e-5, atol=1e-5)
    # the model moved to another dtype after loading: its own weights, in that dtype
    packed.double()
    with torch.inference_mode():
        x64 = x.double()
        assert torch.equal(packed(x64), torch.nn.functional.linear(x64, packed.weight, packed.bias))


@needs_onednn
def test_a_copied_or_pickled_layer_packs_again_and_gives_the_same_numbers():
    import copy
    import pickle

    layer = _layer()
    packed = pack_linear(layer, rows=8)
    x = torch.randn(6, 48)
    with torch.inference_mode():
        expected = packed(x)
    for twin in (copy.deepcopy(packed), pickle.loads(pickle.dumps(packed))):
        assert isinstance(twin, PackedLinear) and twin._packed is None
        assert twin.weight is not layer.weight and torch.equal(twin.weight, layer.weight)
        with torch.inference_mode():
            assert torch.equal(twin(x), expected)
        assert twin._packed is not None


def test_no_packing_where_the_kernel_is_missing_or_disagrees(monkeypatch):
    layer = _layer()
    monkeypatch.setattr(packed_projection, "_oneDNN_linear_available", lambda: False)
    assert pack_linear(layer, rows=8) is None
    monkeypatch.setattr(packed_projection, "_oneDNN_linear_available", lambda: True)

    def failing(weight, rows):
        raise RuntimeError("mkldnn: unsupported")

    monkeypatch.setattr(packed_projection, "_reorder", failing)
    assert pack_linear(layer, rows=8) is None
    monkeypatch.setattr(packed_projection, "_reorder", lambda weight, rows: weight.clone())
    # a kernel that gives other numbers than F.linear is not used
    monkeypatch.setattr(
        packed_projection, "_multiply", lambda x, packed, bias: torch.nn.functional.linear(x, packed, bias) + 1e-2
    )
    assert pack_linear(layer, rows=8) is None


@needs_onednn
def test_no_packing_while_onednn_is_switched_off():
    with torch.backends.mkldnn.flags(enabled=False):
        assert pack_linear(_layer(), rows=8) is None
    assert isinstance(pack_linear(_layer(), rows=8), PackedLinear)


def test_only_float32_cpu_linears_are_packed():
    assert pack_linear(_layer().double(), rows=8) is None
    assert pack_linear(torch.nn.Bilinear(4, 4, 4), rows=8) is None  # not a Linear at all


@needs_onednn
def test_output_projection_of_a_loaded_cpu_model_is_packed(tiny_model_dir):
    loaded = load_model(str(tiny_model_dir), device="cpu", dtype="fp32")
    assert is_packed(loaded.model) and isinstance(loaded.model.get_output_embeddings(), PackedLinear)
    assert sorted(k for k in loaded.model.state_dict() if k.startswith("lm_head")) == ["lm_head.weight"]


@needs_onednn
def test_a_projection_tied_to_the_embeddings_stays_tied():
    from transformers import MarianConfig, MarianMTModel

    torch.manual_seed(0)
    config = MarianConfig(
        vocab_size=64, d_model=16, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2,
        decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32, max_position_embeddings=32,
        pad_token_id=63, decoder_start_token_id=63, tie_word_embeddings=True,
    )
    model = MarianMTModel(config).eval()
    weight = model.get_output_embeddings().weight
    assert weight is model.get_input_embeddings().weight  # tied, as the published opus-mt models are
    assert pack_output_projection(model, rows=8)
    assert model.get_output_embeddings().weight is weight is model.get_input_embeddings().weight
    assert model.lm_head is model.get_output_embeddings()


def test_int8_models_are_quantized_not_packed(tiny_model_dir):
    loaded = load_model(str(tiny_model_dir), device="cpu", dtype="int8")
    assert not is_packed(loaded.model)


def test_no_packed_copy_when_the_ram_left_cannot_hold_it(tiny_seq2seq):
    import copy

    model = copy.deepcopy(tiny_seq2seq[0])
    head = model.get_output_embeddings()
    size = head.weight.numel() * head.weight.element_size()
    assert not pack_output_projection(model, rows=8, available=size)  # the copy must fit twice
    assert model.get_output_embeddings() is head and not is_packed(model)


@needs_onednn
@pytest.mark.parametrize("beams, max_length", [(5, 40), (3, 25), (1, 30)])
def test_unconstrained_search_still_equals_generate_on_the_packed_model(tiny_model_dir, beams, max_length):
    loaded = load_model(str(tiny_model_dir), device="cpu", dtype="fp32")
    model, tokenizer = loaded.model, loaded.tokenizer
    assert is_packed(model)
    expected, scores = generate_ids_and_scores(model, tokenizer, SENTENCES, num_beams=beams, max_length=max_length)
    decoder = BeamSearchDecoder(model, tokenizer, num_beams=beams, max_length=max_length, batch_size=len(SENTENCES))
    results = decoder.decode(SENTENCES)
    assert [r.token_ids for r in results] == expected
    if beams > 1:
        assert [r.score for r in results] == scores
