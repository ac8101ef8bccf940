"""Sentence splitting of paragraph lines and fitting sentences to the model's input limit."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from termlock.translate.segmentation import join_translations, needs_translation, segment_line, split_sentences

# characters that exercise every rule: enders, clause marks, quotes, brackets, spaces
_ALPHABET = st.sampled_from(
    list("我们要坚持和平发展道路中国abc XYZ12") + list("。｡！？；!?;，、：,:“”‘’「」（）()【】《》\"' \t\u3000")
)
lines = st.text(_ALPHABET, max_size=80)


def texts(pieces):
    return [p.text for p in pieces]


def test_splits_on_chinese_and_halfwidth_sentence_punctuation():
    line = "我们要坚持和平发展道路。中国坚定奉行独立自主的和平外交政策！要统筹发展和安全？是的；好!下一句"
    assert texts(split_sentences(line)) == [
        "我们要坚持和平发展道路。",
        "中国坚定奉行独立自主的和平外交政策！",
        "要统筹发展和安全？",
        "是的；",
        "好!",
        "下一句",
    ]


def test_closing_quotes_and_brackets_stay_with_their_sentence():
    assert texts(split_sentences("他说：“我们要加强国际合作。”然后离开了。")) == [
        "他说：“我们要加强国际合作。”",
        "然后离开了。",
    ]
    assert texts(split_sentences("（见附件。）下一句？")) == ["（见附件。）", "下一句？"]
    assert texts(split_sentences('他说:"好。"然后')) == ['他说:"好。"', "然后"]


def test_an_opening_straight_quote_starts_the_next_sentence():
    assert texts(split_sentences('第一句。"第二句。"')) == ["第一句。", '"第二句。"']


def test_runs_of_enders_and_trailing_spaces_stay_together():
    assert texts(split_sentences("真的吗？！  好。 ")) == ["真的吗？！  ", "好。 "]


def test_halfwidth_enders_inside_urls_do_not_split():
    assert texts(split_sentences("见 http://a.cn/?x=1;y=2 网站。")) == ["见 http://a.cn/?x=1;y=2 网站。"]


def test_punctuation_only_pieces_merge_into_a_neighbour():
    assert texts(split_sentences("。开头")) == ["。开头"]
    assert texts(split_sentences("好。。。")) == ["好。。。"]


def test_empty_and_blank_lines():
    assert split_sentences("") == []
    assert texts(split_sentences("   ")) == ["   "]


@settings(max_examples=300, deadline=None)
@given(lines)
def test_pieces_rejoin_to_the_line_and_are_never_empty(line):
    pieces = split_sentences(line)
    assert "".join(texts(pieces)) == line
    assert all(p.text for p in pieces)
    assert all(line[p.start : p.end] == p.text for p in pieces)
    if line.strip():
        # only a line with nothing but spaces has a piece without content
        assert all(p.content for p in pieces)


def test_long_sentence_is_cut_at_clause_punctuation():
    line = "我们要坚持和平发展道路，扩大高水平对外开放，全面深化改革，推动共同富裕。"
    pieces = segment_line(line, len, 14)
    assert texts(pieces) == ["我们要坚持和平发展道路，", "扩大高水平对外开放，", "全面深化改革，推动共同富裕。"]
    assert all(p.split == "clause" for p in pieces)
    assert all(len(p.content) <= 14 for p in pieces)


def test_clause_without_punctuation_is_cut_and_flagged_not_dropped():
    line = "一二三四五六七八九十一二三四五六七八九十。短句。"
    pieces = segment_line(line, len, 6)
    assert "".join(texts(pieces)) == line
    forced = [p for p in pieces if p.split == "forced"]
    assert forced and all(len(p.content) <= 6 and p.fits for p in forced)
    assert pieces[-1].text == "短句。" and pieces[-1].split is None


def test_a_piece_that_cannot_fit_at_all_is_kept_and_marked():
    pieces = segment_line("好的。", lambda text: len(text) + 10, 5)
    assert "".join(texts(pieces)) == "好的。"
    assert pieces and not any(p.fits for p in pieces)


def test_forced_cut_prefers_a_space():
    pieces = segment_line("alpha beta gamma delta", len, 12)
    assert texts(pieces) == ["alpha beta ", "gamma delta"]


@settings(max_examples=200, deadline=None)
@given(lines, st.integers(min_value=1, max_value=12))
def test_fitting_keeps_every_character_and_respects_the_limit(line, limit):
    pieces = segment_line(line, len, limit)
    assert "".join(texts(pieces)) == line
    assert all(p.text for p in pieces)
    for p in pieces:
        assert len(p.content) <= limit or not p.fits


def test_join_uses_single_spaces_and_skips_empty_parts():
    assert join_translations(["We must. ", "", " It works!"]) == "We must. It works!"
    assert join_translations([]) == ""


# ------------------------------------------------------------------ what needs the model at all

@pytest.mark.parametrize(
    "text, needed",
    [("2024", False), ("GDP", False), ("5G", False), ("（1）", False), ("3.5%", False), ("https://www.gov.cn", False),
     ('Xi said: "OK".', False), ("２０２４", False), ("ＧＤＰ", False), ("——", False), ("①", False), ("café", False),
     ("", False), ("GDP增长5%", True), ("二〇二三", True), ("〇", True), ("2024年", True), ("Привет", True),
     ("カタカナ", True), ("한국", True)],
)
def test_what_needs_translation(text, needed):
    assert needs_translation(text) is needed


@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E)))
def test_printable_ascii_never_needs_the_model(text):
    assert not needs_translation(text)


@given(st.text(), st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), st.text())
def test_one_han_character_anywhere_needs_the_model(before, han, after):
    assert needs_translation(before + han + after)
