"""Unconstrained, termlock's beam search must reproduce model.generate exactly."""

from __future__ import annotations

import copy

import pytest
import torch

from termlock.errors import TermlockError
from termlock.translate.lock.constraints import NegativeConstraint, PositiveConstraint
from termlock.translate.search.seq2seq_decoder import BeamSearchDecoder
from tiny_model import _FALLBACK_PAIRS, random_model
from tiny_model import generate_ids_and_scores as _generate

SENTENCES = [zh for zh, _ in _FALLBACK_PAIRS[:10]]


def _model(tiny_seq2seq, seed: int):
    base, tokenizer = tiny_seq2seq
    if seed == 0:
        return base, tokenizer
    model = random_model(copy.deepcopy(base.config), seed)
    model.generation_config = copy.deepcopy(base.generation_config)
    return model, tokenizer


@pytest.mark.parametrize(
    "seed, beams, max_length, length_penalty, early_stopping",
    [
        (0, 5, 40, 1.0, False),
        (0, 4, 12, 1.0, False),
        (0, 1, 30, 1.0, False),
        (0, 2, 30, 0.0, True),
        (0, 5, 30, 2.0, "never"),
        (1, 5, 40, 1.0, False),
        (1, 3, 25, 0.5, True),
        (2, 5, 40, 1.0, "never"),
        (2, 6, 20, -0.5, False),
    ],
)
def test_unconstrained_output_equals_generate(tiny_seq2seq, seed, beams, max_length, length_penalty, early_stopping):
    model, tokenizer = _model(tiny_seq2seq, seed)
    expected, expected_scores = _generate(
        model,
        tokenizer,
        SENTENCES,
        num_beams=beams,
        max_length=max_length,
        length_penalty=length_penalty,
        early_stopping=early_stopping,
    )
    decoder = BeamSearchDecoder(
        model,
        tokenizer,
        num_beams=beams,
        max_length=max_length,
        length_penalty=length_penalty,
        early_stopping=early_stopping,
        batch_size=len(SENTENCES),
    )
    results = decoder.decode(SENTENCES)
    assert [r.token_ids for r in results] == expected
    if beams > 1:
        assert [r.score for r in results] == expected_scores
    assert [r.text for r in results] == tokenizer.batch_decode(
        [list(ids) for ids in expected], skip_special_tokens=True
    )
    assert all(r.unmet == () for r in results)


def test_output_varies_with_input_and_some_hypotheses_finish_early(tiny_seq2seq):
    # guards the equality test against a degenerate model that ignores its input
    model, tokenizer = tiny_seq2seq
    results = BeamSearchDecoder(model, tokenizer, num_beams=4, max_length=40).decode(SENTENCES)
    assert len({r.token_ids for r in results}) > len(SENTENCES) // 2
    assert any(len(r.token_ids) < 39 and r.token_ids[-1] == 0 for r in results)


def test_batching_follows_batch_size_and_keeps_order(tiny_seq2seq):
    model, tokenizer = tiny_seq2seq
    expected = []
    for start in range(0, len(SENTENCES), 3):
        ids, _ = _generate(model, tokenizer, SENTENCES[start : start + 3], num_beams=3, max_length=30)
        expected += ids
    results = BeamSearchDecoder(model, tokenizer, num_beams=3, max_length=30, batch_size=3).decode(SENTENCES)
    assert [r.token_ids for r in results] == expected


@pytest.mark.parametrize(
    "settings",
    [
        {"repetition_penalty": 1.3},
        {"no_repeat_ngram_size": 2},
        {"min_length": 20},
        {"min_new_tokens": 15, "forced_eos_token_id": None},
        {"suppress_tokens": [5, 6, 7], "begin_suppress_tokens": [8, 9]},
    ],
)
def test_generation_config_rules_match_generate(tiny_seq2seq, settings):
    model, tokenizer = tiny_seq2seq
    expected, _ = _generate(model, tokenizer, SENTENCES, num_beams=4, max_length=30, **settings)
    decoder = BeamSearchDecoder(model, tokenizer, num_beams=4, max_length=30, generation_overrides=settings)
    assert [r.token_ids for r in decoder.decode(SENTENCES)] == expected


def test_multi_token_bad_words_and_forced_bos_match_generate(tiny_seq2seq):
    model, tokenizer = tiny_seq2seq
    plain, _ = _generate(model, tokenizer, SENTENCES, num_beams=4, max_length=30)
    # ban a bigram that the plain output actually uses, next to the pad ban
    bigram = next(list(ids[i : i + 2]) for ids in plain for i in range(len(ids) - 2))
    bad_words = [[tokenizer.pad_token_id], bigram]
    expected, _ = _generate(
        model, tokenizer, SENTENCES, num_beams=4, max_length=30, bad_words_ids=bad_words, forced_bos_token_id=7
    )
    decoder = BeamSearchDecoder(
        model,
        tokenizer,
        num_beams=4,
        max_length=30,
        forced_bos_token_id=7,
        generation_overrides={"bad_words_ids": bad_words},
    )
    results = decoder.decode(SENTENCES)
    assert [r.token_ids for r in results] == expected
    assert all(r.token_ids[0] == 7 for r in results)
    assert expected != plain


def test_decoder_prefix_matches_generate_with_decoder_input_ids(tiny_seq2seq):
    model, tokenizer = tiny_seq2seq
    start = model.generation_config.decoder_start_token_id
    batch = tokenizer(SENTENCES, return_tensors="pt", padding=True)
    prefix = torch.tensor([[start, 11, 12]] * len(SENTENCES))
    with torch.inference_mode():
        out = model.generate(**batch, decoder_input_ids=prefix, num_beams=3, max_length=25)
    expected = []
    for row in out[:, 3:].tolist():
        while row and row[-1] == tokenizer.pad_token_id:
            row.pop()
        expected.append(tuple(row))
    decoder = BeamSearchDecoder(model, tokenizer, num_beams=3, max_length=25, decoder_prefix=[11, 12])
    assert [r.token_ids for r in decoder.decode(SENTENCES)] == expected


def test_unconstrained_sentences_unaffected_by_constrained_neighbours(tiny_seq2seq):
    model, tokenizer = tiny_seq2seq
    expected, _ = _generate(model, tokenizer, SENTENCES, num_beams=5, max_length=40)
    positives = [None] * len(SENTENCES)
    negatives = [None] * len(SENTENCES)
    positives[0] = [PositiveConstraint("t1", ("development",))]
    negatives[3] = [NegativeConstraint("t2", ("zzzq",))]
    decoder = BeamSearchDecoder(model, tokenizer, num_beams=5, max_length=40)
    results = decoder.decode(SENTENCES, positives, negatives)
    assert [r.token_ids for i, r in enumerate(results) if i != 0] == expected[1:]
    assert "development" in results[0].text


def test_rejects_sentence_longer_than_the_model_takes(tiny_seq2seq):
    model, tokenizer = tiny_seq2seq
    decoder = BeamSearchDecoder(model, tokenizer, num_beams=2, max_length=10)
    limit = model.config.max_position_embeddings
    with pytest.raises(TermlockError, match=f"sentence 2 of the batch has .* tokens; the model takes at most {limit}"):
        decoder.decode(["我们", "发展" * (limit + 10)])


def test_rejects_mismatched_constraint_lists(tiny_seq2seq):
    model, tokenizer = tiny_seq2seq
    decoder = BeamSearchDecoder(model, tokenizer)
    with pytest.raises(ValueError, match="positives has 1 entries for 2 sentences"):
        decoder.decode(["我们", "你们"], positives=[[]])


def _other_architecture(name: str, vocab: int, pad: int):
    from transformers import (
        M2M100Config,
        M2M100ForConditionalGeneration,
        MBartConfig,
        MBartForConditionalGeneration,
        T5Config,
        T5ForConditionalGeneration,
    )

    torch.manual_seed(0)
    common = dict(
        vocab_size=vocab, d_model=32, encoder_layers=2, decoder_layers=2, encoder_attention_heads=4,
        decoder_attention_heads=4, encoder_ffn_dim=64, decoder_ffn_dim=64, pad_token_id=pad, eos_token_id=0,
        bos_token_id=2, decoder_start_token_id=0, max_position_embeddings=vocab + 8, init_std=0.1,
    )  # fmt: skip
    if name == "m2m100":
        model = M2M100ForConditionalGeneration(M2M100Config(**common))
    elif name == "mbart":
        model = MBartForConditionalGeneration(MBartConfig(**common))
    else:
        config = T5Config(
            vocab_size=vocab, d_model=32, d_kv=8, d_ff=64, num_layers=2, num_heads=4, pad_token_id=pad,
            eos_token_id=0, decoder_start_token_id=pad, initializer_factor=2.0,
        )  # fmt: skip
        model = T5ForConditionalGeneration(config)
    return model.eval()


@pytest.mark.parametrize("name", ["m2m100", "mbart", "t5"])
def test_other_seq2seq_architectures_equal_generate(tiny_seq2seq, name):
    """Models that need a target-language token get it from generation_config."""
    _, tokenizer = tiny_seq2seq
    model = _other_architecture(name, len(tokenizer), tokenizer.pad_token_id)
    model.generation_config.forced_bos_token_id = 7  # stands in for a language code
    expected, _ = _generate(model, tokenizer, SENTENCES, num_beams=4, max_length=24)
    results = BeamSearchDecoder(model, tokenizer, num_beams=4, max_length=24).decode(SENTENCES)
    assert [r.token_ids for r in results] == expected
    assert all(ids[0] == 7 for ids in expected)
    constrained = BeamSearchDecoder(model, tokenizer, num_beams=4, max_length=24).decode(
        SENTENCES[:3], [[PositiveConstraint("food", ("food security",))]] * 3
    )
    assert all(r.unmet == () and r.token_ids[0] == 7 and "food security" in r.text.lower() for r in constrained)


@pytest.mark.parametrize(
    "beams, settings",
    [
        (4, {"renormalize_logits": True, "repetition_penalty": 1.3}),
        (1, {"repetition_penalty": 1.5}),  # greedy search penalises the logits, not log-probabilities
        (1, {"repetition_penalty": 0.7, "no_repeat_ngram_size": 2}),
    ],
)
def test_more_generation_rules_match_generate(tiny_seq2seq, beams, settings):
    model, tokenizer = tiny_seq2seq
    expected, _ = _generate(model, tokenizer, SENTENCES, num_beams=beams, max_length=30, **settings)
    decoder = BeamSearchDecoder(model, tokenizer, num_beams=beams, max_length=30, generation_overrides=settings)
    assert [r.token_ids for r in decoder.decode(SENTENCES)] == expected


def test_max_new_tokens_from_the_generation_config_matches_generate(tiny_seq2seq):
    model, tokenizer = tiny_seq2seq
    config = copy.deepcopy(model.generation_config)
    try:
        model.generation_config.max_new_tokens = 9
        expected, _ = _generate(model, tokenizer, SENTENCES, num_beams=3)
        results = BeamSearchDecoder(model, tokenizer, num_beams=3).decode(SENTENCES)
    finally:
        model.generation_config = config
    assert [r.token_ids for r in results] == expected
    assert max(len(ids) for ids in expected) == 9


@pytest.mark.parametrize(
    "setting",
    [{"do_sample": True}, {"num_beam_groups": 2, "diversity_penalty": 0.5}, {"sequence_bias": {(5,): -1.0}},
     {"num_return_sequences": 3}, {"encoder_repetition_penalty": 1.2}],
)  # fmt: skip
def test_settings_generate_would_honour_differently_are_refused(tiny_seq2seq, setting):
    from termlock.translate.search.generation_rules import UnsupportedSetting

    model, tokenizer = tiny_seq2seq
    name = next(iter(setting))
    with pytest.raises(UnsupportedSetting, match=f"generation setting {name}="):
        BeamSearchDecoder(model, tokenizer, num_beams=3, generation_overrides=setting)


def test_a_model_without_max_length_gets_a_limit_from_the_source(tiny_seq2seq):
    """transformers would cut every translation at 20 tokens; termlock derives room from the source."""
    from transformers import GenerationConfig

    model, tokenizer = tiny_seq2seq
    config = model.generation_config
    try:
        model.generation_config = GenerationConfig(
            decoder_start_token_id=config.decoder_start_token_id, eos_token_id=config.eos_token_id,
            pad_token_id=config.pad_token_id, bad_words_ids=config.bad_words_ids,
        )  # fmt: skip
        original = model.config.max_length if hasattr(model.config, "max_length") else None
        if original is not None:
            model.config.max_length = 20
        decoder = BeamSearchDecoder(model, tokenizer, num_beams=2)
        assert decoder.derived_length
        [result] = decoder.decode([SENTENCES[0]])
    finally:
        model.generation_config = config
        if original is not None:
            model.config.max_length = original
    source_tokens = len(tokenizer(SENTENCES[0])["input_ids"])
    assert result.max_length == decoder.length_for(source_tokens) > 20
