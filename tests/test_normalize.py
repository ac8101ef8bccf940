"""Invisible and look-alike characters never hide a term.

Both matchers search the folded view (NFKC, format characters removed, all
spaces plain) and report offsets into the original text.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from termlock.evaluate import check
from termlock.glossary import Glossary, SourceMatcher, TargetMatcher, Term
from termlock.glossary.normalize import fold_text, fold_view

DUAL = Term(id="dual-cores", sources=("双核",), target="dual cores", forbidden=("double nuclei",))
GLOSSARY = Glossary(name="t", terms=(DUAL,))

INVISIBLE = ["\u200b", "\u00ad", "\ufeff", "\u2060", "\u200d", "\u200c", "\u200e"]


def test_fold_examples():
    assert fold_text("双\u200b核") == "双核"
    assert fold_text("ｄｕａｌ ｃｏｒｅｓ") == "dual cores"
    assert fold_text("dual\u00a0cores\u3000x\u2009y") == "dual cores x y"
    assert fold_text("co\u00adre") == "core"
    assert fold_text("plain") == "plain"


@given(st.text(max_size=40))
@settings(max_examples=300, deadline=None)
def test_every_view_character_maps_back_to_the_original_character_it_came_from(text):
    view = fold_view(text)
    assert view.text == "".join(fold_text(ch) for ch in text)
    for i, ch in enumerate(view.text):
        start, end = view.span(i, i + 1)
        assert end == start + 1
        assert ch in fold_text(text[start:end])
    assert view.span(0, len(view.text))[1] <= len(text)


@given(st.text(alphabet="双核发展 ，", max_size=12), st.lists(st.sampled_from(INVISIBLE), max_size=3), st.data())
@settings(max_examples=200, deadline=None)
def test_invisible_characters_inside_a_source_term_do_not_hide_it(around, junk, data):
    at = data.draw(st.integers(0, 1))
    term = "双" + ("".join(junk) if at == 1 else "") + "核"
    text = around + term + around
    plain_count = len(SourceMatcher(GLOSSARY).find(fold_text(text)))
    found = SourceMatcher(GLOSSARY).find(text)
    assert len(found) == plain_count >= 1
    for match in found:
        assert fold_text(match.text) == "双核"
        assert text[match.start : match.end] == match.text


def test_source_zero_width_space_soft_hyphen_and_full_width():
    for source in ("坚持双\u200b核驱动", "坚持双\u00ad核驱动", "\ufeff双核"):
        (match,) = SourceMatcher(GLOSSARY).find(source)
        assert source[match.start : match.end] == match.text and fold_text(match.text) == "双核"


def test_target_look_alikes_are_accepted_with_original_offsets():
    matcher = TargetMatcher(GLOSSARY)
    for target in ("ｄｕａｌ ｃｏｒｅｓ", "the dual\u00a0cores", "du\u00adal cores", "dual\u200b cores", "dual\u3000cores"):
        (hit,) = matcher.accepted(DUAL, target)
        assert target[hit.start : hit.end] == hit.text
        assert fold_text(hit.text).replace("\u3000", " ") in ("dual cores",)


def test_forbidden_rendering_hidden_by_a_zero_width_space_is_still_forbidden():
    (hit,) = TargetMatcher(GLOSSARY).forbidden(DUAL, "double\u200b nuclei")
    assert hit.text == "double\u200b nuclei"


def test_a_zero_width_space_no_longer_passes_a_gate():
    result = check(GLOSSARY, ["双\u200b核"], ["something else"])
    assert (result.summary.term_occurrences, result.summary.missing) == (1, 1)
    result = check(GLOSSARY, ["双\u200b核"], ["ｄｕａｌ ｃｏｒｅｓ"])
    assert result.summary.ok == 1


def _reference_fold(text: str) -> str:
    """The module docstring's rules, spelled out character by character with unicodedata."""
    import unicodedata

    out = []
    for ch in text:
        if ch.isspace():
            out.append(" ")
        elif unicodedata.category(ch) == "Cf":
            continue
        else:
            folded = unicodedata.normalize("NFKC", ch)
            out.append("".join(" " if c.isspace() else c for c in folded if unicodedata.category(c) != "Cf"))
    return "".join(out)


# Chinese prose with the characters that fold in real files: full-width punctuation
# and letters, odd spaces, format characters, characters NFKC expands (ﬁ, ㈱, ½),
# and astral ones (a compatibility ideograph, an emoji) that take the other path
_MIXED = "双核发展格局，。、：；（）！？ｄｕａｌ\u3000\u00a0\u2009\t\u200b\u00ad\ufeffﬁ㈱½\U0002f800😀ab -"


@given(st.text(alphabet=_MIXED, max_size=60))
@settings(max_examples=400, deadline=None)
def test_fold_view_follows_the_rules_on_mixed_chinese_text(text):
    view = fold_view(text)
    assert view.text == _reference_fold(text)
    for i in range(len(view.text)):
        start, end = view.span(i, i + 1)
        assert view.text[i] in _reference_fold(text[start:end])
