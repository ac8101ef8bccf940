"""Target-side rendering matching: the rules a reviewer applies, and the spans reported."""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from termlock.glossary import Glossary, TargetMatcher, Term
from termlock.glossary.target_match import inflections

DUAL = Term("dual-cores", ("双核",), "dual cores", variants=("dual-core hubs",), forbidden=("double nuclei",))
STUCK = Term("stuck-neck", ("卡脖子",), "stuck neck")
ARTICLES = Term("three-articles", ("三篇大文章",), "three big articles")
ECONOMY = Term("county-economy", ("县域经济",), "county economy")
BRI = Term("bri", ("一带一路",), "Belt and Road", variants=("Belt and Road Initiative",), case_sensitive=True)
EXACT = Term("exact", ("放管服",), "streamline administration", exact=True)
CPC = Term("cpc", ("中共",), "Communist Party of China (CPC)")
DOC = Term("doc1", ("一号文件",), "No. 1 Central Document")
GLOSSARY = Glossary(name="t", terms=(DUAL, STUCK, ARTICLES, ECONOMY, BRI, EXACT, CPC, DOC))
TM = TargetMatcher(GLOSSARY)


def surfaces(found) -> list[str]:
    return [m.text for m in found]


def test_spaces_hyphens_dashes_and_nbsp_are_one_separator():
    for text in ["stuck-neck", "Stuck-Neck", "stuck neck", "stuck\u00a0neck", "stuck\u2011neck", "stuck \u2013 neck", "stuck  neck", "stuck\tneck"]:
        found = TM.accepted(STUCK, f"solve the {text} problems")
        assert surfaces(found) == [text], text
        assert found[0].rendering == "stuck neck"


def test_offsets_after_collapsed_separator_runs_point_into_the_original():
    text = "a  b   stuck -  neck and  dual   cores"
    stuck, = TM.accepted(STUCK, text)
    dual, = TM.accepted(DUAL, text)
    assert text[stuck.start:stuck.end] == stuck.text == "stuck -  neck"
    assert text[dual.start:dual.end] == dual.text == "dual   cores"


def test_whole_words_only():
    assert TM.accepted(DUAL, "individual cores") == []
    assert TM.accepted(DUAL, "dual coresets") == []
    assert TM.accepted(DUAL, "residual cores and dual_cores and dual cores2") == []
    assert surfaces(TM.accepted(DUAL, "(dual cores), 'dual cores'.")) == ["dual cores", "dual cores"]


def test_last_word_inflects_unless_exact():
    for text in ["three big articles", "three big article", "three big article's", "three big articles'", "three big article\u2019s", "Three-Big-Articles"]:
        found = TM.accepted(ARTICLES, f"write the {text} well")
        assert surfaces(found) == [text], text
        assert found[0].rendering == "three big articles"
    assert surfaces(TM.accepted(ECONOMY, "county economies grew")) == ["county economies"]
    assert surfaces(TM.accepted(STUCK, "stuck necks")) == ["stuck necks"]
    assert TM.accepted(EXACT, "streamline administrations") == []
    # exact: no possessive either, though the bare rendering before it still counts
    assert surfaces(TM.accepted(EXACT, "streamline administration's")) == ["streamline administration"]
    assert surfaces(TM.accepted(EXACT, "streamline administration")) == ["streamline administration"]


def test_only_the_last_word_inflects():
    assert TM.accepted(ARTICLES, "threes big articles") == []
    assert TM.accepted(ARTICLES, "three bigs article") == []


def test_a_closing_quote_is_not_taken_for_a_possessive():
    text = "the 'three big articles' were written; the three big articles' authors"
    first, second = TM.accepted(ARTICLES, text)
    assert first.text == "three big articles"
    assert second.text == "three big articles'"
    assert surfaces(TM.accepted(ARTICLES, "\u2018three big articles\u2019 done")) == ["three big articles"]


def test_case_sensitive_terms():
    assert surfaces(TM.accepted(BRI, "the Belt and Road projects")) == ["Belt and Road"]
    assert surfaces(TM.accepted(BRI, "the Belt-and-Road countries")) == ["Belt-and-Road"]
    assert TM.accepted(BRI, "the belt and road") == []
    assert TM.accepted(BRI, "the BELT AND ROAD") == []


def test_longest_rendering_wins_at_a_position():
    found = TM.accepted(BRI, "the Belt and Road Initiative and the Belt and Road")
    assert [(m.rendering, m.text) for m in found] == [
        ("Belt and Road Initiative", "Belt and Road Initiative"),
        ("Belt and Road", "Belt and Road"),
    ]


def test_variants_and_forbidden_report_the_glossary_entry():
    found = TM.accepted(DUAL, "the Dual-Core Hubs of Shenyang and Dalian")
    assert found[0].rendering == "dual-core hubs" and found[0].text == "Dual-Core Hubs"
    bad = TM.forbidden(DUAL, "the double nuclei strategy")
    assert bad[0].rendering == "double nuclei" and bad[0].text == "double nuclei"
    assert TM.forbidden(STUCK, "stuck neck") == []  # a term without forbidden renderings


def test_renderings_with_punctuation():
    text = "the Communist Party of China (CPC) issued the No. 1 Central Document"
    assert surfaces(TM.accepted(CPC, text)) == ["Communist Party of China (CPC)"]
    assert surfaces(TM.accepted(DOC, text)) == ["No. 1 Central Document"]


def test_offsets_with_non_ascii_text_before_the_match():
    text = "\u201cİstanbul\u201d \u2014 the \u201cstuck-neck\u201d problem\u2019s roots"
    found, = TM.accepted(STUCK, text)
    assert text[found.start:found.end] == found.text == "stuck-neck"


def test_honours_combines_forbidden_and_accepted():
    assert TM.honours(DUAL, "dual cores")
    assert not TM.honours(DUAL, "dual cores and double nuclei")
    assert not TM.honours(DUAL, "twin hubs")


def test_terms_outside_the_glossary_and_equal_copies():
    other = Term("other", ("x",), "green finance")
    assert surfaces(TargetMatcher().accepted(other, "Green-Finance rules")) == ["Green-Finance"]
    copy = Term("stuck-neck", ("卡脖子",), "stuck neck")
    assert copy is not STUCK and surfaces(TM.accepted(copy, "stuck necks")) == ["stuck necks"]


def test_same_matcher_many_texts_and_terms():
    texts = ["dual cores here", "no term", "stuck neck there", "dual cores again"]
    assert [bool(TM.accepted(DUAL, t)) for t in texts] == [True, False, False, True]
    assert [bool(TM.accepted(STUCK, t)) for t in texts] == [False, False, True, False]


def test_inflections():
    assert inflections("article") == ["article", "articles"]
    assert inflections("economies") == ["economies", "economy"]
    assert inflections("economy") == ["economy", "economies"]
    assert inflections("key") == ["key", "keys"]
    assert inflections("taxes") == ["taxes", "tax", "taxe"]
    assert inflections("process") == ["process", "processes"]
    assert inflections("CPC") == ["CPC", "CPCs"]
    assert inflections("1") == ["1"]
    assert inflections("people's") == ["people's"]


# ---- properties --------------------------------------------------------------

words = st.text(alphabet="abcdefghijklmnopqrtuvw", min_size=3, max_size=7)
any_words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=7)
separators = st.sampled_from([" ", "-", "  ", " - ", "\u00a0", "\u2010", "\u2014", "\t", " \u2013 "])
prefixes = st.sampled_from(["", "the ", "(", '"', "\u201c", "x, "])
suffixes = st.sampled_from(["", " now", ".", ")", '"', "\u201d", ", y"])


def _render(data, rendering_words: list[str]) -> str:
    seps = [data.draw(separators) for _ in rendering_words[1:]]
    surface = rendering_words[0] + "".join(s + w for s, w in zip(seps, rendering_words[1:]))
    return "".join(c.upper() if data.draw(st.booleans()) else c for c in surface)


@settings(max_examples=200, deadline=None)
@given(st.lists(words, min_size=1, max_size=4), st.data())
def test_a_rendering_is_found_with_any_separators_and_case(rendering_words, data):
    term = Term("t", ("术语",), " ".join(rendering_words), exact=data.draw(st.booleans()))
    surface = _render(data, rendering_words)
    text = data.draw(prefixes) + surface + data.draw(suffixes)
    found = TargetMatcher().accepted(term, text)
    assert surfaces(found) == [surface]
    assert text[found[0].start:found[0].end] == surface


@settings(max_examples=300, deadline=None)
@given(st.lists(any_words, min_size=1, max_size=3), st.data())
def test_inflected_and_possessive_last_words_are_found_unless_exact(rendering_words, data):
    *head, last = rendering_words
    form = data.draw(st.sampled_from(inflections(last)))
    ending = data.draw(st.sampled_from(["", "'s", "\u2019s"] + (["'"] if form.endswith("s") else [])))
    bare = " ".join([*head, form])
    text = f"see {bare}{ending} today"
    loose = Term("t", ("术语",), " ".join(rendering_words))
    assert surfaces(TargetMatcher().accepted(loose, text)) == [bare + ending]
    # an exact term takes neither inflection nor possessive (the bare word
    # before a possessive still stands as a whole word)
    strict = Term("t", ("术语",), " ".join(rendering_words), exact=True)
    assert surfaces(TargetMatcher().accepted(strict, text)) == ([bare] if form == last else [])


@settings(max_examples=200, deadline=None)
@given(st.lists(words, min_size=1, max_size=3), words, st.sampled_from(["before", "after", "both"]), st.data())
def test_a_rendering_glued_inside_a_longer_word_is_not_found(rendering_words, glue, where, data):
    term = Term("t", ("术语",), " ".join(rendering_words), exact=True)
    surface = _render(data, rendering_words)
    glued = (glue if where != "after" else "") + surface + (glue if where != "before" else "")
    assume(glued.lower() != surface.lower())
    assert TargetMatcher().accepted(term, f"a {glued} b") == []
    assert TargetMatcher().accepted(term, f"{surface}_x 9{surface}") == []


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="abcdstuck nedul-\u00a0\u2019'sA", max_size=40))
def test_matches_are_ordered_non_overlapping_and_slice_to_their_text(text):
    for term in (DUAL, STUCK, ARTICLES):
        found = TM.accepted(term, text)
        for before, after in zip(found, found[1:]):
            assert before.end <= after.start
        for match in found:
            assert text[match.start:match.end] == match.text
            assert match.rendering in term.accepted


def _reference(term: Term, renderings: tuple[str, ...]):
    """The rules written as one plain regular expression, to check the matcher against."""
    import re

    sep = r"[\s\-\u2010-\u2015]+"
    alternatives = []
    for rendering in renderings:
        *head, last = rendering.replace("-", " ").split()
        forms = [last] if term.exact else inflections(last)
        tail = "|".join(re.escape(f) for f in forms)
        possessive = "" if term.exact else r"(?:['\u2019]s?)?"
        alternatives.append(sep.join([*(re.escape(w) for w in head), f"(?:{tail}){possessive}"]))
    flags = 0 if term.case_sensitive else re.IGNORECASE
    return re.compile(rf"(?<!\w)(?:{'|'.join(alternatives)})(?!\w)", flags)


PIECE_TERMS = (DUAL, STUCK, ARTICLES, ECONOMY, EXACT, BRI)
PIECE_WORDS = sorted({w for t in PIECE_TERMS for r in (*t.accepted, *t.forbidden) for w in r.replace("-", " ").split()})
text_pieces = st.sampled_from(
    PIECE_WORDS + [w.upper() for w in PIECE_WORDS] + ["s", "'s", "\u2019s", "'", "ies", "es", "x", "(", ")", ".", ","]
)
joiners = st.sampled_from(["", " ", " ", "-", "\u00a0", "  ", "\u2014", "\n"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(text_pieces, joiners), max_size=12))
def test_presence_agrees_with_a_plain_regex_reading_of_the_rules(pieces):
    text = "".join(piece + joiner for piece, joiner in pieces)
    for term in PIECE_TERMS:
        assert bool(TM.accepted(term, text)) == bool(_reference(term, term.accepted).search(text)), (term.id, text)
        if term.forbidden:
            assert bool(TM.forbidden(term, text)) == bool(_reference(term, term.forbidden).search(text)), (term.id, text)
