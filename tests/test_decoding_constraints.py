"""Constrained decoding on the tiny random model: terms placed, bans honoured.

A random-weight model never produces a glossary term by itself, so every
satisfied constraint here was placed by the decoder.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from termlock.glossary import Glossary, Term
from termlock.translate.lock.constraints import NegativeConstraint, PositiveConstraint, constraints_for
from termlock.translate.search.seq2seq_decoder import BeamSearchDecoder
from tiny_model import _FALLBACK_PAIRS

SENTENCES = [zh for zh, _ in _FALLBACK_PAIRS]

#: Used until the bundled glossary exists (termlock.corpora.load_bundled_glossary).
_IN_TEST_GLOSSARY = Glossary(
    name="in-test",
    terms=(
        Term("belt-road", ("一带一路",), "Belt and Road Initiative", variants=("BRI",)),
        Term("dual-core", ("双核",), "dual cores", forbidden=("double cores",)),
        Term("hq-dev", ("高质量发展",), "high-quality development"),
        Term("common-prosperity", ("共同富裕",), "common prosperity"),
        Term("rural", ("乡村振兴",), "rural revitalization", variants=("rural revitalisation",)),
        Term("people", ("以人民为中心",), "people-centered", variants=("people-centred",)),
        Term("dual-circ", ("双循环",), "dual circulation"),
        Term("multilateral", ("多边主义",), "multilateralism", forbidden=("multi-polarism",)),
        Term("security", ("粮食安全",), "food security"),
        Term("modern", ("中国式现代化",), "Chinese modernization", case_sensitive=True),
        Term("digital", ("数字经济",), "digital economy"),
        Term("opening", ("对外开放",), "opening up"),
    ),
)


def _glossary() -> Glossary:
    try:
        from termlock.corpora import load_bundled_glossary
    except ImportError:
        return _IN_TEST_GLOSSARY
    return load_bundled_glossary()


def _accepted_in(term: Term, text: str) -> bool:
    """The checker's verdict when it exists, else a whole-word search."""
    try:
        from termlock.glossary import TargetMatcher
    except ImportError:
        flags = 0 if term.case_sensitive else re.IGNORECASE
        for rendering in term.accepted:
            words = re.split(r"[\s-]+", rendering)
            w = words[-1]  # regular inflection of the last word, both ways
            forms = {w, w + "s", w + "es", w[:-1] + "ies", w[:-1], w[:-2], w[:-3] + "y"}
            last = "(?:" + "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True) if f) + ")(?:'s)?"
            pattern = r"[\s-]+".join([re.escape(x) for x in words[:-1]] + [last])
            if re.search(rf"(?<!\w){pattern}(?!\w)", text, flags):
                return True
        return False
    return bool(TargetMatcher(Glossary("one", (term,))).accepted(term, text))


@pytest.fixture(scope="module")
def writable_terms(tiny_seq2seq):
    """Glossary terms the tiny target vocabulary can spell without <unk>."""
    model, tokenizer = tiny_seq2seq
    decoder = BeamSearchDecoder(model, tokenizer, num_beams=2, max_length=8)
    terms = [t for t in _glossary() if decoder.writable(t.target)]
    assert len(terms) >= 5
    return terms


class _Match:
    def __init__(self, term: Term):
        self.term = term


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_every_positive_constraint_appears(tiny_seq2seq, writable_terms, data):
    model, tokenizer = tiny_seq2seq
    beams = data.draw(st.sampled_from([2, 4, 5]), label="beams")
    batch = data.draw(st.integers(1, 3), label="sentences")
    chosen = [
        data.draw(st.lists(st.sampled_from(writable_terms), min_size=1, max_size=3, unique_by=lambda t: t.id))
        for _ in range(batch)
    ]
    sources = data.draw(st.lists(st.sampled_from(SENTENCES), min_size=batch, max_size=batch), label="sources")
    positives = [constraints_for(src, [_Match(t) for t in terms])[0] for src, terms in zip(sources, chosen)]
    # room for every rendering, however the tiny vocabulary splits it
    def pieces(text: str) -> int:
        return len(tokenizer(text_target=f'"{text}', add_special_tokens=False)["input_ids"])

    needed = max(sum(pieces(c.alternatives[0]) for c in pos) for pos in positives)
    decoder = BeamSearchDecoder(model, tokenizer, num_beams=beams, max_length=needed + 16, batch_size=2)
    results = decoder.decode(sources, positives)
    assert len(results) == batch
    for terms, result in zip(chosen, results):
        assert result.unmet == ()
        for term in terms:
            assert _accepted_in(term, result.text), (term.target, result.text)


def _word_slices(tokenizer, ids: tuple[int, ...]) -> list[tuple[int, int]]:
    """(start, end) token spans that are whole space-separated words."""
    pieces = tokenizer.convert_ids_to_tokens(list(ids))

    def letters(piece: str) -> bool:  # English letters: what the target vocabulary writes
        return piece.isascii() and piece.isalpha()

    starts = [i for i, p in enumerate(pieces) if p.startswith("▁") and letters(p[1:])]
    spans = []
    for i in starts:
        end = i + 1
        while end < len(pieces) and not pieces[end].startswith("▁") and letters(pieces[end]):
            end += 1
        if end == len(pieces) or pieces[end].startswith("▁"):
            spans.append((i, end))
    return spans


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sentence=st.sampled_from(SENTENCES), pick=st.integers(0, 50), beams=st.sampled_from([3, 5]))
def test_forbidden_rendering_is_never_produced(tiny_seq2seq, sentence, pick, beams):
    from termlock.glossary import TargetMatcher

    model, tokenizer = tiny_seq2seq
    decoder = BeamSearchDecoder(model, tokenizer, num_beams=beams, max_length=40)
    plain = decoder.decode([sentence])[0]
    spans = _word_slices(tokenizer, plain.token_ids)
    if not spans:
        return
    start, end = spans[pick % len(spans)]
    word = tokenizer.decode(list(plain.token_ids[start:end]), skip_special_tokens=True).strip()
    term = Term("banned", ("甲",), "zzzq", forbidden=(word.upper(),))
    result = decoder.decode([sentence], negatives=[[NegativeConstraint("banned", (word.upper(),))]])[0]
    assert result.token_ids != plain.token_ids
    # in no casing, split or inflection the checker would flag
    assert TargetMatcher(Glossary("g", (term,))).forbidden(term, result.text) == [], (word, result.text)
    assert result.unmet == ()


def test_forbidden_and_required_together(tiny_seq2seq):
    model, tokenizer = tiny_seq2seq
    term = Term("dual-core", ("双核",), "dual cores", forbidden=("double cores",))
    positives, negatives = constraints_for("", [_Match(term)])
    results = BeamSearchDecoder(model, tokenizer, num_beams=4, max_length=40).decode(
        SENTENCES[:4], [positives] * 4, [negatives] * 4
    )
    for result in results:
        assert result.unmet == ()
        assert _accepted_in(term, result.text)
        assert "double core" not in result.text.lower()


def test_forbidden_word_inside_a_required_rendering_is_excused(tiny_seq2seq):
    """The checker does not count "dual" inside "dual cores": it stays writable there, never alone."""
    from termlock.glossary import TargetMatcher

    model, tokenizer = tiny_seq2seq
    required = PositiveConstraint("dual-core", ("dual cores",))
    banned = NegativeConstraint("other", ("dual",), exact=True)
    result = BeamSearchDecoder(model, tokenizer, num_beams=4, max_length=40).decode(
        ["这款处理器采用双核设计。"], [[required]], [[banned]]
    )[0]
    assert result.unmet == ()
    term = Term("other", ("甲",), "x", forbidden=("dual",), exact=True)
    found = TargetMatcher(Glossary("g", (term,))).forbidden(term, result.text)
    assert all(result.text.lower()[m.start : m.start + 10] == "dual cores" for m in found), result.text


def test_impossible_term_is_reported_not_dropped(tiny_seq2seq):
    model, tokenizer = tiny_seq2seq
    required = PositiveConstraint("dual-core", ("dual cores and the Belt and Road Initiative",))
    result = BeamSearchDecoder(model, tokenizer, num_beams=4, max_length=5).decode(["这款处理器采用双核设计。"], [[required]])[0]
    assert result.unmet == ("dual-core",)
    assert result.truncated and result.text


def test_unmet_reported_when_max_length_is_too_short(tiny_seq2seq):
    model, tokenizer = tiny_seq2seq
    long = PositiveConstraint("long", ("the Belt and Road Initiative for common prosperity",))
    short = PositiveConstraint("short", ("up",))
    decoder = BeamSearchDecoder(model, tokenizer, num_beams=4, max_length=6)
    results = decoder.decode(SENTENCES[:3], [[long, short], [short], []])
    assert len(results) == 3
    assert results[0].unmet == ("long",)
    assert results[1].unmet == ()
    assert re.search(r"\bup\b", results[1].text)
    assert all(r.text and len(r.token_ids) <= 5 for r in results)


def test_unwritable_constraint_reported(tiny_seq2seq):
    model, tokenizer = tiny_seq2seq
    impossible = PositiveConstraint("emoji", ("☃☃☃",))
    result = BeamSearchDecoder(model, tokenizer, num_beams=3, max_length=20).decode(["数字经济蓬勃发展。"], [[impossible]])
    assert result[0].unmet == ("emoji",)


def test_batch_results_equal_single_sentence_results(tiny_seq2seq, writable_terms):
    model, tokenizer = tiny_seq2seq
    sources = SENTENCES[:5]
    positives = [
        constraints_for(src, [_Match(writable_terms[i % len(writable_terms)])])[0] if i != 2 else []
        for i, src in enumerate(sources)
    ]
    negatives = [[], [NegativeConstraint("x", ("development",))], [], [], []]
    batched = BeamSearchDecoder(model, tokenizer, num_beams=4, max_length=50, batch_size=5)
    single = BeamSearchDecoder(model, tokenizer, num_beams=4, max_length=50, batch_size=1)
    together = batched.decode(sources, positives, negatives)
    alone = single.decode(sources, positives, negatives)
    assert [r.token_ids for r in together] == [r.token_ids for r in alone]
    assert [r.unmet for r in together] == [r.unmet for r in alone]


def test_term_in_quotes_is_a_whole_word(tiny_seq2seq):
    """Whatever context the decoder places a term in, the checker must see it."""
    model, tokenizer = tiny_seq2seq
    term = Term("dual-core", ("双核",), "dual cores")
    positives, _ = constraints_for("", [_Match(term)])
    decoder = BeamSearchDecoder(model, tokenizer, num_beams=5, max_length=50)
    for result in decoder.decode(SENTENCES[:8], [positives] * 8):
        assert result.unmet == ()
        assert _accepted_in(term, result.text), result.text
