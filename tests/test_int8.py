"""``--dtype int8``: dynamic int8 quantization on the CPU, the speed option of the decoder.

Approximate by design (outputs may differ slightly from float32), so these
tests assert what must hold anyway: it loads and runs through the user's
code path, every Linear is int8, glossary constraints are still all placed
(the checker agrees), other architectures quantize the same way, and a GPU
run is refused with a clear message.
"""

from __future__ import annotations

import pytest
import torch

from termlock.errors import TermlockError
from termlock.evaluate import check
from termlock.glossary import Glossary, Term
from termlock.translate.models.loading import load_model, resolve_dtype
from termlock.translate.models.quantization import is_quantized, output_size, quantize_int8
from termlock.translate.translator import Translator
from tiny_model import _FALLBACK_PAIRS

SENTENCES = [zh for zh, _ in _FALLBACK_PAIRS[:8]]
TERMS = (
    Term("food-security", ("粮食安全",), "food security"),
    Term("opening-up", ("对外开放",), "opening up"),
    Term("peaceful-development", ("和平发展",), "peaceful development"),
)
MAX_LENGTH = 24


@pytest.fixture(scope="module")
def int8_model(tiny_model_dir):
    return load_model(str(tiny_model_dir), device="cpu", dtype="int8")


def test_int8_loads_with_every_linear_quantized(int8_model):
    from torch.ao.nn.quantized.dynamic import Linear as DynamicLinear

    assert int8_model.dtype == "int8" and int8_model.device == "cpu"
    assert is_quantized(int8_model.model)
    assert not any(type(m) is torch.nn.Linear for m in int8_model.model.modules())
    head = int8_model.model.get_output_embeddings()
    assert isinstance(head, DynamicLinear)
    assert output_size(head) == int8_model.model.config.vocab_size


def test_output_size_reads_float_and_quantized_layers():
    layer = torch.nn.Linear(6, 11)
    assert output_size(layer) == 11
    quantized = quantize_int8(torch.nn.Sequential(torch.nn.Linear(6, 11)))[0]
    assert callable(quantized.weight)  # the method that broke `.weight.shape`
    assert output_size(quantized) == 11


def test_int8_always_places_every_term_and_the_checker_agrees(int8_model):
    sources = ["粮食安全是国家安全的重要基础。", "要全面深化改革，扩大高水平对外开放。", "我们要坚持和平发展道路。"]
    glossary = Glossary("g", TERMS)
    translator = Translator(int8_model, glossary, beam=3, constraints="always", max_length=MAX_LENGTH)
    segments = translator.translate_segments(sources)
    assert all(segment.unsatisfied == () for segment in segments)
    result = check(glossary, sources, [segment.target for segment in segments])
    assert result.summary.term_occurrences == 3
    assert result.summary.term_success_rate == 1.0


def test_int8_plain_decoding_runs_and_stays_close_to_float32(tiny_model_dir, int8_model):
    fp32 = load_model(str(tiny_model_dir), device="cpu")
    empty = Glossary("empty", ())
    got = Translator(int8_model, empty, beam=3, constraints="off", max_length=MAX_LENGTH).translate(SENTENCES)
    ref = Translator(fp32, empty, beam=3, constraints="off", max_length=MAX_LENGTH).translate(SENTENCES)
    assert len(got) == len(SENTENCES) and all(got)
    # approximate, not garbage: the two models' next-token distributions nearly agree
    batch = fp32.tokenizer(SENTENCES[:2], return_tensors="pt", padding=True)
    start = torch.full((2, 1), fp32.model.config.decoder_start_token_id)
    with torch.no_grad():
        p = fp32.model(**batch, decoder_input_ids=start).logits.log_softmax(-1)
        q = int8_model.model(**batch, decoder_input_ids=start).logits.log_softmax(-1)
    assert float((p.exp() * (p - q)).sum(-1).max()) < 0.05  # KL(fp32 || int8) per position
    assert ref  # the float32 run works alongside


def test_translator_takes_dtype_int8_by_path(tiny_model_dir):
    translator = Translator(str(tiny_model_dir), Glossary("g", TERMS), beam=2, constraints="always", device="cpu",
                            dtype="int8", max_length=MAX_LENGTH)
    assert translator.loaded.dtype == "int8"
    [segment] = translator.translate_segments(["粮食安全是国家安全的重要基础。"])
    assert segment.unsatisfied == ()


def test_int8_is_refused_on_a_gpu_with_a_clear_message():
    with pytest.raises(TermlockError) as err:
        resolve_dtype("int8", "cuda")
    message = str(err.value)
    assert "CPU" in message and "--device cpu" in message and "fp16" in message
    assert resolve_dtype("int8", "cpu") == "int8"


def test_quantization_is_generic_over_architectures():
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=97, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64)
    model = LlamaForCausalLM(config).eval()
    ids = torch.randint(0, 97, (2, 7))
    with torch.no_grad():
        expected = model(ids).logits
        quantize_int8(model)
        got = model(ids).logits
    assert is_quantized(model) and output_size(model.get_output_embeddings()) == 97
    assert got.shape == expected.shape
    assert torch.allclose(got.softmax(-1), expected.softmax(-1), atol=0.05)


@pytest.mark.parametrize("amx", [True, False])
def test_packing_engine_follows_amx_and_the_process_engine_is_restored(monkeypatch, amx):
    from termlock.translate.models import quantization

    monkeypatch.setattr(quantization, "_has_amx", lambda: amx)
    before = torch.backends.quantized.engine
    engine = quantization.packing_engine()
    if amx and "onednn" in torch.backends.quantized.supported_engines:
        assert engine == "onednn"
    else:
        assert engine == before
    torch.manual_seed(0)
    layer = torch.nn.Linear(32, 300)
    x = torch.randn(6, 32)
    with torch.no_grad():
        expected = layer(x)
    quantized = quantize_int8(torch.nn.Sequential(layer))
    assert torch.backends.quantized.engine == before  # nothing else in the process changes
    with torch.no_grad():
        got = quantized(x)
    # int8 weights and activations: close to float32, whichever kernels
    assert float((got - expected).abs().max()) < 0.05 * float(expected.abs().max())
