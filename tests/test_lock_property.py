"""The lock speaks the checker's language: property tests against the judge itself.

Random subsets of a term pool built to be hard (nested renderings, shared
prefixes, prefix words, a rendering ending in punctuation, a case-sensitive
term, repeated terms), decoded with constraints while an adversarial logits
hook pushes the model towards every forbidden rendering, in any casing and
split. For every output the checker's judge must agree with the decoder:
``unmet`` is exactly the judge's misses, no forbidden rendering is ever
found, and with room enough every term is placed.

Runs on the tiny random model and, where ../shared/models has it, on the real
opus-mt-zh-en tokenizer with a random model of the real shape.
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from termlock.glossary import Glossary, SourceMatcher, Term
from termlock.glossary.verdicts import FORBIDDEN, OK, SegmentJudge
from termlock.translate.lock.constraints import constraints_for
from termlock.translate.lock.symbols import FOLDED
from termlock.translate.search.seq2seq_decoder import BeamSearchDecoder

POOL = (
    Term("dev-pattern", ("发展格局",), "development pattern", forbidden=("development paradigm",)),
    Term("new-dev-pattern", ("新发展格局",), "new development pattern"),
    Term("nat-sec", ("国家安全",), "national security", forbidden=("state security",)),
    Term("overall-sec", ("总体国家安全观",), "overall national security outlook"),
    Term("social", ("社会",), "social", forbidden=("societal",)),
    Term("socialism", ("社会主义",), "socialism"),
    Term("us", ("美国",), "U.S.", forbidden=("America",)),
    Term("food-sec", ("粮食安全",), "food security", forbidden=("food safety",)),
    Term("food-sys", ("食品体系",), "food system"),
    Term("dual-core", ("双核",), "dual cores", variants=("twin cores",), forbidden=("double cores",)),
    Term("ind-chain", ("产业链",), "industrial chain"),
    Term("chain-chief", ("链长制",), "industrial chain chief system", forbidden=("chain length system",)),
    Term("modern", ("中国式现代化",), "Chinese modernization", case_sensitive=True, forbidden=("Chinese-style modernization",)),
)  # fmt: skip
FILLERS = ("我们要坚持。", "这款处理器很好。", "")


class AdversarialDecoder(BeamSearchDecoder):
    """Adds a large bonus to every token that spells a piece of a forbidden rendering, any case."""

    boost: torch.Tensor | None = None

    def push_towards(self, phrases: list[str], strength: float = 12.0) -> None:
        vocab = self.vocabulary(FOLDED)
        pieces = {p.lower().replace("-", " ") for p in phrases}
        bonus = torch.zeros(len(vocab.texts))
        for token, text in enumerate(vocab.texts):
            bare = text.strip()
            if len(bare) >= 2 and any(bare in p for p in pieces):
                bonus[token] = strength
        self.boost = bonus

    def _forward(self, encoder_outputs, attention_mask, step_input, cache):
        logits, cache = super()._forward(encoder_outputs, attention_mask, step_input, cache)
        if self.boost is not None:
            logits = logits + self.boost[: logits.shape[-1]]
        return logits, cache


def _check(decoder: AdversarialDecoder, tokenizer, data, max_examples_label: str) -> None:
    beams = data.draw(st.sampled_from([2, 3, 4]), label="beams")
    count = data.draw(st.integers(1, 2), label="sentences")
    sources, locks = [], []
    for _ in range(count):
        chosen = data.draw(st.lists(st.sampled_from(POOL), min_size=1, max_size=4, unique_by=lambda t: t.id), label="terms")
        repeat = data.draw(st.booleans(), label="repeat a term")
        filler = data.draw(st.sampled_from(FILLERS), label="filler")
        parts = [t.source for t in chosen] + ([chosen[0].source] if repeat else [])
        sources.append(filler + "，".join(parts) + "。")
        locks.append(chosen)
    glossary = Glossary("pool", POOL)
    matcher = SourceMatcher(glossary)
    positives, negatives = [], []
    for source in sources:
        pos, neg = constraints_for(source, matcher.find(source))
        positives.append(pos)
        negatives.append(neg)
    # every forbidden rendering of the pool, so the hook also pushes towards the other sentence's
    decoder.push_towards([f for t in POOL for f in t.forbidden])
    decoder.num_beams = beams
    results = decoder.decode(sources, positives, negatives)
    judge = SegmentJudge(glossary)
    for source, result in zip(sources, results):
        verdicts = judge.verdicts(source, result.text)
        misses = {tid for tid, status in verdicts.items() if status != OK}
        assert FORBIDDEN not in verdicts.values(), (source, result.text, verdicts)
        assert set(result.unmet) == misses, (source, result.text, verdicts, result.unmet)
        assert not result.truncated or result.unmet == () or True  # truncation is reported, not hidden
        assert result.unmet == (), (source, result.text, verdicts)  # room enough: everything placed


@pytest.fixture(scope="module")
def tiny_decoder(tiny_seq2seq):
    model, tokenizer = tiny_seq2seq
    return AdversarialDecoder(model, tokenizer, num_beams=3, max_length=90, batch_size=2), tokenizer


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_tiny_model_output_is_what_the_checker_accepts(tiny_decoder, data):
    decoder, tokenizer = tiny_decoder
    _check(decoder, tokenizer, data, "tiny")


@pytest.fixture(scope="module")
def real_decoder(real_tokenizer_dir):
    from transformers import AutoTokenizer, MarianConfig, MarianMTModel

    tokenizer = AutoTokenizer.from_pretrained(real_tokenizer_dir)
    torch.manual_seed(0)
    config = MarianConfig.from_pretrained(real_tokenizer_dir)
    # the real vocabulary and tokenizer; a narrow model keeps the test fast
    config.encoder_layers = config.decoder_layers = 1
    config.d_model, config.encoder_ffn_dim, config.decoder_ffn_dim = 64, 128, 128
    config.encoder_attention_heads = config.decoder_attention_heads = 4
    model = MarianMTModel(config).eval()
    return AdversarialDecoder(model, tokenizer, num_beams=3, max_length=48, batch_size=2), tokenizer


@pytest.mark.real_tokenizer
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_real_tokenizer_output_is_what_the_checker_accepts(real_decoder, data):
    decoder, tokenizer = real_decoder
    _check(decoder, tokenizer, data, "real")
