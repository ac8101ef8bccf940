"""Source-side term matching: longest-leftmost, both scripts, offsets into the original."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from termlock.glossary import Glossary, SourceMatcher, Term
from termlock.glossary.chinese import fold_script


def glossary_of(*spellings: str | tuple[str, ...]) -> Glossary:
    terms = []
    for number, spelling in enumerate(spellings):
        sources = spelling if isinstance(spelling, tuple) else (spelling,)
        terms.append(Term(f"t{number}", sources, f"rendering {number}"))
    return Glossary(name="t", terms=tuple(terms))


def found(matcher: SourceMatcher, text: str) -> list[tuple[str, int, int, str]]:
    return [(m.term.id, m.start, m.end, m.text) for m in matcher.find(text)]


def test_longer_term_wins_over_the_term_inside_it():
    matcher = SourceMatcher(glossary_of("新发展格局", "发展格局", "构建"))
    text = "加快构建新发展格局，优化区域发展格局"
    assert found(matcher, text) == [
        ("t2", 2, 4, "构建"),
        ("t0", 4, 9, "新发展格局"),
        ("t1", 14, 18, "发展格局"),
    ]


def test_leftmost_wins_over_longer_overlapping_term_to_its_right():
    # 发展 starts before 展格局 even though the latter is longer
    matcher = SourceMatcher(glossary_of("发展", "展格局新"))
    assert found(matcher, "发展格局新") == [("t0", 0, 2, "发展")]


def test_traditional_text_matches_simplified_spelling_with_original_offsets():
    matcher = SourceMatcher(glossary_of("双核", "卡脖子", "县域经济"))
    text = "推動「雙核」聯動，破解卡脖子難題，壯大縣域經濟"
    result = found(matcher, text)
    assert [r[0] for r in result] == ["t0", "t1", "t2"]
    assert result[0][3] == "雙核" and result[2][3] == "縣域經濟"
    for _, start, end, surface in result:
        assert text[start:end] == surface


def test_traditional_spelling_in_glossary_matches_simplified_text():
    matcher = SourceMatcher(glossary_of("一帶一路"))
    assert found(matcher, "共建一带一路") == [("t0", 2, 6, "一带一路")]


def test_mixed_scripts_inside_one_term():
    matcher = SourceMatcher(glossary_of("振兴发展"))
    assert found(matcher, "全面振興发展") == [("t0", 2, 6, "振興发展")]


def test_every_spelling_of_a_term_is_found():
    matcher = SourceMatcher(glossary_of(("问题导向", "问题为导向")))
    assert [m.text for m in matcher.find("坚持问题导向和以问题为导向")] == ["问题导向", "问题为导向"]


def test_offsets_stay_right_around_ascii_digits_and_astral_characters():
    matcher = SourceMatcher(glossary_of("双核", "三年行动"))
    text = "2023年𠀀，Liaoning「雙核」🙂三年行动 OK"
    result = found(matcher, text)
    assert [(r[0], text[r[1]:r[2]]) for r in result] == [("t0", "雙核"), ("t1", "三年行动")]


def test_ascii_source_terms_work_too():
    matcher = SourceMatcher(glossary_of("5G", "GDP"))
    assert [m.text for m in matcher.find("5G and GDP growth")] == ["5G", "GDP"]


def test_lone_surrogates_do_not_break_matching():
    matcher = SourceMatcher(glossary_of("双核"))
    text = "\udcff双核"
    assert found(matcher, text) == [("t0", 1, 3, "双核")]


def test_empty_glossary_and_empty_text():
    assert SourceMatcher(Glossary(name="empty", terms=())).find("双核") == []
    assert SourceMatcher(glossary_of("双核")).find("") == []


def test_fold_script_keeps_length_and_plain_text():
    text = "發展格局與雙核聯動"
    assert fold_script(text) == "发展格局与双核联动"
    assert len(fold_script(text)) == len(text)
    assert fold_script("plain ascii") == "plain ascii"
    simplified = "新发展格局"
    assert fold_script(simplified) is simplified  # nothing to fold: no copy


def test_thousands_of_terms_are_all_found():
    base = 0x4E00
    spellings = [chr(base + 2 * i) + chr(base + 2 * i + 1) + chr(0x6000 + i % 50) for i in range(3000)]
    matcher = SourceMatcher(glossary_of(*spellings))
    text = "，".join(spellings[::7])
    assert [m.text for m in matcher.find(text)] == spellings[::7]


# ---- properties --------------------------------------------------------------

SPELLINGS = ["双核", "卡脖子", "新发展格局", "发展格局", "发展", "格局新", "一带一路", "带一", "A股", "县域经济"]
TERMS = glossary_of(*SPELLINGS)
MATCHER = SourceMatcher(TERMS)
#: pieces that build texts: spellings, parts of them, traditional forms, other scripts
PIECES = SPELLINGS + ["，", "的", "新", "局", "核", "發展", "雙核", "縣域經濟", "帶", "a", "A", "股", "𠀀", "🙂", " "]


def oracle(text: str) -> list[tuple[int, int, str]]:
    """Brute force: fold, then at each position take the longest spelling that stands alone (A股 not inside aA股)."""
    from termlock.glossary.source_match import spaced_word_char

    folded = fold_script(text)

    def alone(s: str, i: int) -> bool:
        before = not (spaced_word_char(s[0]) and i > 0 and spaced_word_char(folded[i - 1]))
        end = i + len(s)
        return before and not (spaced_word_char(s[-1]) and end < len(folded) and spaced_word_char(folded[end]))

    out, i = [], 0
    while i < len(folded):
        best = max((s for s in SPELLINGS if folded.startswith(s, i) and alone(s, i)), key=len, default=None)
        if best:
            out.append((i, i + len(best), best))
            i += len(best)
        else:
            i += 1
    return out


texts = st.lists(st.sampled_from(PIECES), max_size=14).map("".join)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_matches_equal_the_brute_force_oracle(text):
    matches = MATCHER.find(text)
    assert [(m.start, m.end, m.term.source) for m in matches] == oracle(text)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_matches_are_ordered_non_overlapping_and_slice_back_to_a_spelling(text):
    matches = MATCHER.find(text)
    for before, after in zip(matches, matches[1:]):
        assert before.end <= after.start
    for match in matches:
        assert text[match.start:match.end] == match.text
        assert fold_script(match.text) in {fold_script(s) for s in match.term.sources}


@settings(max_examples=100, deadline=None)
@given(texts, texts)
def test_a_planted_term_is_found_where_nothing_overlaps_it(left, right):
    text = f"{left}。县域经济。{right}"
    start = len(left) + 1
    assert any(m.start == start and m.end == start + 4 for m in MATCHER.find(text))


#: what real lines carry around terms: full-width punctuation and letters, odd
#: spaces, format characters, expansions (ﬁ), traditional characters, and 薴,
#: whose simplified form 苧 folds on again (a chain a single fold must not follow)
FOLDING = PIECES + ["\u200b", "\u00ad", "ｄ", "Ａ股", "\u3000", "\u00a0", "ﬁ", "薴", "苧", "苎", "：", "（", "）"]
CHAINED = SourceMatcher(glossary_of(*SPELLINGS, "苧麻", "苎"))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(FOLDING + ["麻"]), max_size=14).map("".join))
def test_the_one_scan_fast_path_finds_what_the_general_path_finds(text):
    from unittest import mock

    from termlock.glossary import source_match

    fast = CHAINED.find(text)
    with mock.patch.object(source_match, "in_bmp", lambda _: False):
        general = CHAINED.find(text)
    assert fast == general
    for match in fast:
        assert text[match.start : match.end] == match.text


def test_a_matcher_and_a_checker_survive_pickling():
    # worker processes receive them pickled; the automaton is rebuilt on the way
    import pickle

    from termlock.evaluate.checker import SegmentChecker

    copy = pickle.loads(pickle.dumps(MATCHER))
    assert copy.find("新发展格局的双核") == MATCHER.find("新发展格局的双核")
    checker = pickle.loads(pickle.dumps(SegmentChecker(TERMS)))
    assert [occ.term_id for occ in checker.check(0, "双核", "dual cores").terms] == [TERMS.terms[0].id]


# ------------------------------------------------------------------ Latin-script source terms stand on word boundaries (issue 24)

from termlock.glossary.source_match import spaced_word_char  # noqa: E402


@pytest.mark.parametrize(
    "text, found",
    [
        ("我们升级了EMAIL系统。", []),  # was reported as AI, missing
        ("我们升级了AI系统。", ["AI"]),
        ("send a notification", []),
        ("the Context menu", []),
        ("a cat food bowl", ["cat"]),
        ("推进5G网络和15G试验", ["5G"]),
        ("ＡＩ系统", ["ＡＩ"]),  # full-width: the folded view is AI, Chinese around it
        ("EMAIL AI", ["AI"]),
    ],
)
def test_latin_source_terms_match_whole_words_only(text, found):
    glossary = Glossary("g", (Term("ai", ("AI",), "AI"), Term("cat", ("cat",), "cat"), Term("text", ("text",), "text"),
                              Term("5g", ("5G",), "5G")))  # fmt: skip
    assert [m.text for m in SourceMatcher(glossary).find(text)] == found


def test_a_rejected_longer_spelling_leaves_a_shorter_one_that_stands_alone():
    glossary = Glossary("g", (Term("cat", ("cat",), "cat"), Term("cat-food", ("cat food",), "cat food")))
    assert [(m.term.id, m.text) for m in SourceMatcher(glossary).find("cat foods 猫粮")] == [("cat", "cat")]
    assert [(m.term.id, m.text) for m in SourceMatcher(glossary).find("cat food 猫粮")] == [("cat-food", "cat food")]


def _reference(spellings: list[str], text: str) -> list[tuple[int, int, int]]:
    """Every occurrence that stands on boundaries at its Latin edges, then leftmost-longest: by hand."""

    def stands(spelling: str, start: int, end: int) -> bool:
        if spaced_word_char(spelling[0]) and start > 0 and spaced_word_char(text[start - 1]):
            return False
        return not (spaced_word_char(spelling[-1]) and end < len(text) and spaced_word_char(text[end]))

    occurrences = []
    for index, spelling in enumerate(spellings):
        start = text.find(spelling)
        while start >= 0:
            if stands(spelling, start, start + len(spelling)):
                occurrences.append((start, -(start + len(spelling)), index))
            start = text.find(spelling, start + 1)
    chosen, reached = [], 0
    for start, negative_end, index in sorted(occurrences):
        if start >= reached:
            chosen.append((index, start, -negative_end))
            reached = -negative_end
    return chosen


_letters = st.sampled_from(list("abAB5 双核卡脖"))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(_letters, min_size=1, max_size=4).map(str.strip).filter(bool), min_size=1, max_size=5, unique=True),
       st.text(_letters, max_size=30))
def test_matches_are_leftmost_longest_over_occurrences_on_word_boundaries(spellings, text):
    glossary = Glossary("g", tuple(Term(f"t{i}", (s,), f"x{i}") for i, s in enumerate(spellings)))
    found = [(int(m.term.id[1:]), m.start, m.end) for m in SourceMatcher(glossary).find(text)]
    assert found == _reference(spellings, text)
