"""Decoder-only models: termlock's beam search reproduces model.generate on the same prompts."""

from __future__ import annotations

import copy

import pytest
import torch

from termlock.translate.search.causal_decoder import CausalBeamSearchDecoder
from termlock.translate.models.loading import load_model
from termlock.translate.models.prompts import PromptRenderer, builtin_templates
from tiny_model import _FALLBACK_PAIRS

SOURCES = [zh for zh, _ in _FALLBACK_PAIRS]


def _prompts(loaded, template: str, count: int) -> tuple[list[str], PromptRenderer]:
    renderer = PromptRenderer(builtin_templates()[template], loaded.tokenizer)
    return [renderer.render(s) for s in SOURCES[:count]], renderer


def _generate(model, tokenizer, prompts, renderer, eos_ids, **kwargs):
    batch = tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=renderer.add_special_tokens)
    assert tokenizer.padding_side == "left"
    with torch.inference_mode():
        out = model.generate(**batch, output_scores=True, return_dict_in_generate=True, do_sample=False, **kwargs)
    width = batch["input_ids"].shape[1]
    ids = []
    for row in out.sequences[:, width:].tolist():
        ends = [i for i, t in enumerate(row) if t in eos_ids]  # padding after the end is pad (maybe = an EOS id)
        ids.append(tuple(row[: ends[0] + 1] if ends else row))
    scores = out.sequences_scores.tolist() if getattr(out, "sequences_scores", None) is not None else None
    return ids, scores


CASES = [
    # family, template, sentences, beams, new tokens
    ("qwen", "qwen", 1, 1, 12),
    ("qwen", "qwen", 3, 2, 10),
    ("qwen", "qwen", 16, 5, 6),
    ("llama", "alma", 1, 5, 10),
    ("llama", "alma", 3, 5, 5),
    ("llama", "alma", 16, 2, 10),
    ("own", "qwen", 3, 1, 10),
    ("own", "qwen", 16, 5, 8),
]


@pytest.mark.parametrize("family, template, count, beams, new_tokens", CASES)
def test_unconstrained_output_equals_generate(request, family, template, count, beams, new_tokens):
    loaded = load_model(str(request.getfixturevalue(f"causal_{family}_dir")), device="cpu")
    prompts, renderer = _prompts(loaded, template, count)
    decoder = CausalBeamSearchDecoder(
        loaded.model,
        loaded.tokenizer,
        num_beams=beams,
        max_new_tokens=new_tokens,
        batch_size=count,
        add_special_tokens=renderer.add_special_tokens,
        end_token_ids=renderer.end_token_ids(),
    )
    expected, scores = _generate(
        loaded.model,
        loaded.tokenizer,
        prompts,
        renderer,
        set(decoder.rules.eos_ids),
        num_beams=beams,
        max_new_tokens=new_tokens,
        eos_token_id=decoder.rules.eos_ids,
    )
    results = decoder.decode(prompts)
    assert [r.token_ids for r in results] == expected
    if beams > 1:
        assert [r.score for r in results] == pytest.approx(scores, abs=1e-5)
    lengths = [len(r.token_ids) for r in results]
    if count >= 3:
        assert new_tokens in lengths  # the length limit is hit by some sentence
    assert [r.text for r in results] == loaded.tokenizer.batch_decode([list(i) for i in expected], skip_special_tokens=True)


def test_padding_does_not_change_a_sentence(causal_qwen_dir):
    """Left padding, mask and positions: a sentence decodes the same alone and in a padded batch."""
    loaded = load_model(str(causal_qwen_dir), device="cpu")
    prompts, renderer = _prompts(loaded, "qwen", 6)
    decoder = CausalBeamSearchDecoder(
        loaded.model, loaded.tokenizer, num_beams=3, max_new_tokens=8, batch_size=6, add_special_tokens=False
    )
    together = decoder.decode(prompts)
    alone = [decoder.decode([p])[0] for p in prompts[:3]]
    assert [r.token_ids for r in alone] == [r.token_ids for r in together[:3]]


def test_history_rules_see_the_prompt_as_generate_does(causal_llama_dir):
    """repetition_penalty / no_repeat_ngram_size count prompt tokens for a decoder-only model."""
    loaded = load_model(str(causal_llama_dir), device="cpu")
    model = copy.deepcopy(loaded.model)
    model.generation_config.repetition_penalty = 1.3
    model.generation_config.no_repeat_ngram_size = 3
    prompts, renderer = _prompts(loaded, "alma", 4)
    decoder = CausalBeamSearchDecoder(model, loaded.tokenizer, num_beams=3, max_new_tokens=10, batch_size=4)
    expected, _ = _generate(
        model, loaded.tokenizer, prompts, renderer, set(decoder.rules.eos_ids), num_beams=3, max_new_tokens=10
    )
    assert [r.token_ids for r in decoder.decode(prompts)] == expected


def test_prompt_plus_answer_must_fit_the_positions(causal_own_dir):
    from termlock.errors import TermlockError

    loaded = load_model(str(causal_own_dir), device="cpu")
    decoder = CausalBeamSearchDecoder(loaded.model, loaded.tokenizer, num_beams=2, max_new_tokens=1000)
    with pytest.raises(TermlockError, match="exceeds the model's 1024 positions"):
        decoder.decode(["这款处理器采用双核设计。" * 3])


def test_prefill_of_k_copies_gives_the_same_ids(causal_own_dir):
    """The prompt prefilled once and copied to the beams == prefilled once per beam, as generate does."""
    loaded = load_model(str(causal_own_dir), device="cpu")
    prompts, _ = _prompts(loaded, "qwen", 5)
    decoder = CausalBeamSearchDecoder(
        loaded.model, loaded.tokenizer, num_beams=4, max_new_tokens=8, batch_size=5, add_special_tokens=False
    )
    once = decoder.decode(prompts)
    decoder.prefill_once = False
    copies = decoder.decode(prompts)
    assert [r.token_ids for r in once] == [r.token_ids for r in copies]


def test_chat_sampling_defaults_are_not_used(causal_own_dir):
    """Chat LLMs ship do_sample/temperature/top_p (and a repetition penalty): translation is beam search."""
    loaded = load_model(str(causal_own_dir), device="cpu")
    model = copy.deepcopy(loaded.model)
    config = model.generation_config
    config.do_sample, config.temperature, config.top_p, config.top_k = True, 0.7, 0.8, 20
    config.repetition_penalty = 1.05
    prompts, renderer = _prompts(loaded, "qwen", 4)
    decoder = CausalBeamSearchDecoder(
        model, loaded.tokenizer, num_beams=3, max_new_tokens=8, batch_size=4, add_special_tokens=False
    )
    expected, _ = _generate(
        model, loaded.tokenizer, prompts, renderer, set(decoder.rules.eos_ids), num_beams=3, max_new_tokens=8
    )
    assert [r.token_ids for r in decoder.decode(prompts)] == expected
