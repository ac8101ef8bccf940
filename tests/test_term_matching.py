"""Source- and target-side term matching: the rules reviewers rely on."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from termlock.glossary import Glossary, SourceMatcher, TargetMatcher, Term
from termlock.glossary.chinese import fold_script


def make_glossary(*terms: Term) -> Glossary:
    return Glossary(name="t", terms=terms)


DUAL = Term("dual-cores", ("双核",), "dual cores", variants=("dual-core hubs",), forbidden=("double nuclei",))
STUCK = Term("stuck-neck", ("卡脖子",), "stuck neck")
ARTICLES = Term("three-articles", ("三篇大文章",), "three big articles")
NDP = Term("ndp", ("新发展格局",), "new development pattern")
DP = Term("dp", ("发展格局",), "development pattern")
BRI = Term("bri", ("一带一路",), "Belt and Road", case_sensitive=True)
EXACT = Term("exact", ("放管服",), "streamline administration", exact=True)
GLOSSARY = make_glossary(DUAL, STUCK, ARTICLES, NDP, DP, BRI, EXACT)


# ---- source side -----------------------------------------------------------

def test_longest_leftmost_wins():
    matches = SourceMatcher(GLOSSARY).find("加快构建新发展格局，优化发展格局")
    assert [(m.term.id, m.text) for m in matches] == [("ndp", "新发展格局"), ("dp", "发展格局")]
    assert all("加快构建新发展格局，优化发展格局"[m.start:m.end] == m.text for m in matches)


def test_traditional_equals_simplified_and_offsets_point_into_original():
    text = "推動「雙核」聯動，破解卡脖子難題"
    matches = SourceMatcher(GLOSSARY).find(text)
    assert [m.term.id for m in matches] == ["dual-cores", "stuck-neck"]
    assert matches[0].text == "雙核" and text[matches[0].start:matches[0].end] == "雙核"


def test_fold_keeps_length():
    text = "發展格局與雙核聯動"
    assert len(fold_script(text)) == len(text) and fold_script(text) == "发展格局与双核联动"


SPELLINGS = ["双核", "卡脖子", "新发展格局", "发展格局", "一带一路", "发展", "格局新"]
sp_terms = tuple(Term(f"t{i}", (s,), f"x{i}") for i, s in enumerate(SPELLINGS))
SP_MATCHER = SourceMatcher(make_glossary(*sp_terms))


def oracle(text: str) -> list[tuple[int, int]]:
    """Brute force longest-leftmost: at each position take the longest spelling."""
    out, i = [], 0
    while i < len(text):
        best = max((len(s) for s in SPELLINGS if text.startswith(s, i)), default=0)
        if best:
            out.append((i, i + best))
            i += best
        else:
            i += 1
    return out


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(SPELLINGS + ["，", "的", "新", "局", "a", "核"]), max_size=12).map("".join))
def test_source_matches_equal_brute_force_oracle(text):
    matches = SP_MATCHER.find(text)
    assert [(m.start, m.end) for m in matches] == oracle(text)
    for a, b in zip(matches, matches[1:]):
        assert a.end <= b.start
    for m in matches:
        assert m.text in m.term.sources


# ---- target side -----------------------------------------------------------

def test_hyphens_spaces_and_case_are_equivalent():
    tm = TargetMatcher(GLOSSARY)
    assert tm.accepted(STUCK, 'solve the "Stuck-Neck" problems')[0].text == "Stuck-Neck"
    assert tm.accepted(STUCK, "stuck \u2011 neck")  # unicode hyphen and spaces


def test_whole_words_only():
    tm = TargetMatcher(GLOSSARY)
    assert tm.accepted(DUAL, "individual cores") == []
    assert tm.accepted(DUAL, "dual coresets") == []
    assert tm.accepted(DUAL, "dual cores.")[0].rendering == "dual cores"


def test_inflection_of_last_word_unless_exact():
    tm = TargetMatcher(GLOSSARY)
    for text in ["three big articles", "three big article", "three big article's", "three big articles'", "three big article\u2019s"]:
        found = tm.accepted(ARTICLES, f"write the {text} well")
        assert found and found[0].text == text, text
    assert tm.accepted(STUCK, "stuck necks")
    assert tm.accepted(EXACT, "streamline administrations") == []
    assert tm.accepted(EXACT, "streamline administration")


def test_case_sensitive_terms():
    tm = TargetMatcher(GLOSSARY)
    assert tm.accepted(BRI, "the Belt and Road")
    assert tm.accepted(BRI, "the belt and road") == []


def test_variant_and_forbidden_report_the_glossary_rendering():
    tm = TargetMatcher(GLOSSARY)
    found = tm.accepted(DUAL, "the Dual-Core Hubs of Shenyang and Dalian")
    assert found[0].rendering == "dual-core hubs" and found[0].text == "Dual-Core Hubs"
    bad = tm.forbidden(DUAL, "the double nuclei strategy")
    assert bad[0].rendering == "double nuclei" and not tm.honours(DUAL, "dual cores and double nuclei")


words = st.text(alphabet="abcdefghij", min_size=1, max_size=6)


@settings(max_examples=150, deadline=None)
@given(st.lists(words, min_size=1, max_size=4), st.data())
def test_rendering_found_with_any_separator_and_case(rendering_words, data):
    rendering = " ".join(rendering_words)
    term = Term("t", ("术语",), rendering, exact=True)
    seps = [data.draw(st.sampled_from([" ", "-", "  ", " - ", "\u00a0", "\u2010"])) for _ in rendering_words[1:]]
    surface = rendering_words[0] + "".join(s + w for s, w in zip(seps, rendering_words[1:]))
    surface = "".join(c.upper() if data.draw(st.booleans()) else c for c in surface)
    prefix = data.draw(st.sampled_from(["", "the ", "(", '"']))
    text = f"{prefix}{surface} now"
    found = TargetMatcher().accepted(term, text)
    assert found and text[found[0].start:found[0].end] == found[0].text == surface


@settings(max_examples=150, deadline=None)
@given(st.lists(words, min_size=1, max_size=3), words)
def test_rendering_inside_longer_word_is_not_found(rendering_words, glue):
    rendering = " ".join(rendering_words)
    term = Term("t", ("术语",), rendering, exact=True)
    assert TargetMatcher().accepted(term, f"x{rendering}") == []
    assert TargetMatcher().accepted(term, f"{rendering}z9") == []
