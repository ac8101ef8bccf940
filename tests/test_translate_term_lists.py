"""translate with per-segment term lists: each line is locked to its own terms only."""

from __future__ import annotations

import json

import pytest

from termlock.errors import TermlockError
from termlock.glossary import Glossary
from termlock.glossary.term_lists import parse_term_lists
from termlock.translate.models.loading import load_model
from termlock.translate.translator import Translator

FOOD = "粮食安全是国家安全的重要基础。"
MAX_LENGTH = 24


@pytest.fixture(scope="module")
def loaded(tiny_model_dir):
    return load_model(str(tiny_model_dir), device="cpu")


def test_each_line_is_locked_to_its_own_terms(loaded):
    lists = parse_term_lists(
        json.dumps([{"src": "粮食安全", "tgt": "food security"}]) + "\n"
        + json.dumps({"terms": {}}) + "\n"
        + json.dumps({"terms": {"粮食安全": ["grain security"]}}) + "\n",
        "terms.jsonl",
    )
    lines = [FOOD, FOOD, FOOD]
    translator = Translator(loaded, Glossary("none", ()), beam=3, constraints="always", max_length=MAX_LENGTH)
    segments = translator.translate_segments(lines, [lists.segment_glossary(i) for i in range(3)])
    first, second, third = segments
    assert first.required == (lists.per_segment[0][0],)
    assert second.required == ()  # the same sentence, no terms listed for this line: nothing locked
    assert third.required == (lists.per_segment[2][0],) and third.required != first.required
    # constrained decoding places each line's own rendering, and only there
    assert "food security" in first.target.lower() and first.unsatisfied == ()
    assert "grain security" in third.target.lower() and third.unsatisfied == ()
    assert "grain security" not in first.target.lower() and "security" not in second.target.lower()


def test_term_lists_must_cover_every_line(loaded):
    translator = Translator(loaded, Glossary("none", ()), beam=2, max_length=MAX_LENGTH)
    with pytest.raises(TermlockError, match="2 lines but 1 term lists"):
        translator.translate_segments([FOOD, FOOD], [Glossary("none", ())])
