"""Inline codes are placed by the glossary's terms, never through them (documents/inline.py).

The judge says where each term is in the source and where its rendering is
in the translation; a pair around a term wraps the rendering whole, a code
right after a term follows the rendering, no code splits a rendering or a
word, and protected text keeps the spaces English needs.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from termlock.documents import inline
from termlock.glossary import Glossary, Term
from termlock.glossary.verdicts import SegmentJudge

TERMS = (
    Term("three-big-articles", ("三篇大文章",), "three big articles"),
    Term("dual-cores", ("双核",), "dual cores"),
    Term("new-development-pattern", ("新发展格局",), "new development pattern"),
    Term("stuck-neck", ("卡脖子",), "stuck neck"),
)
JUDGE = SegmentJudge(Glossary("codes", TERMS))
X12 = "urn:oasis:names:tc:xliff:document:1.2"
X20 = "urn:oasis:names:tc:xliff:document:2.0"


def placed(source_xml: str, translation: str, judge=JUDGE) -> str:
    """The target element's content after placing the source's codes (namespace prefixes dropped)."""
    source = etree.fromstring(source_xml)
    target = etree.Element(source.tag.replace("source", "target"), nsmap=source.nsmap)
    inline.fill(target, inline.place_codes(inline.tokenize(source), translation, judge))
    content = etree.tostring(target, encoding="unicode")
    content = content[content.index(">") + 1 : content.rindex("<")]
    for ns in (X12, X20):
        content = content.replace(f' xmlns="{ns}"', "")
    return content


def test_a_bold_pair_around_a_term_wraps_its_rendering_whole():
    xml = f'<source xmlns="{X12}">推动<g id="1">双核</g>联动发展</source>'
    translation = "Promote the coordinated development of the dual cores"
    assert placed(xml, translation) == 'Promote the coordinated development of the <g id="1">dual cores</g>'
    # without the judge the pair lands by relative position, inside the term (the defect of issue 26)
    assert placed(xml, translation, None) != placed(xml, translation)


def test_xliff2_start_and_end_codes_around_a_term():
    # issue 26: `three <sc id="5"/>big arTicles <ec/>`
    xml = f'<source xmlns="{X20}">写好<sc id="5"/>三篇大文章<ec startRef="5"/>。</source>'
    assert placed(xml, "Write the three big articles well.") == (
        'Write the <sc id="5"/>three big articles<ec startRef="5"/> well.'
    )


def test_bpt_ept_around_a_term():
    # issue 26: `dual <bpt>cores…<ept>`
    xml = f'<source xmlns="{X12}">坚持<bpt id="1">&lt;b&gt;</bpt>双核<ept id="1">&lt;/b&gt;</ept>驱动战略</source>'
    assert placed(xml, "Adhere to the dual cores driving strategy") == (
        'Adhere to the <bpt id="1">&lt;b&gt;</bpt>dual cores<ept id="1">&lt;/b&gt;</ept> driving strategy'
    )


def test_a_footnote_right_after_a_term_follows_its_rendering():
    # issue 26: `new development <x id="pt2"/>pattern`
    xml = f'<source xmlns="{X12}">加快构建新发展格局<x id="pt2"/>，推动高质量发展</source>'
    assert placed(xml, "Accelerate building the new development pattern and promote growth") == (
        'Accelerate building the new development pattern<x id="pt2"/> and promote growth'
    )


def test_a_line_break_after_a_term():
    # issue 26: `Stuck <ph dataRef="d3"/>neck`
    xml = f'<source xmlns="{X20}">卡脖子<ph id="3" dataRef="d3"/>问题要解决</source>'
    assert placed(xml, "Stuck neck problems must be solved") == 'Stuck neck<ph id="3" dataRef="d3"/> problems must be solved'


def test_a_code_inside_a_term_goes_to_the_nearer_edge_of_the_rendering():
    xml = f'<source xmlns="{X12}">发展新<x id="1"/>发展格局</source>'
    out = placed(xml, "Develop the new development pattern")
    assert "new development pattern" in out.replace('<x id="1"/>', "") and out.count("<x") == 1
    assert 'new development pattern<x id="1"/>' in out or '<x id="1"/>new development pattern' in out


def test_pairs_follow_their_renderings_when_the_translation_reorders_terms():
    xml = f'<source xmlns="{X12}"><g id="1">双核</g>破解<g id="2">卡脖子</g></source>'
    assert placed(xml, "Solve the stuck neck with the dual cores") == (
        'Solve the <g id="2">stuck neck</g> with the <g id="1">dual cores</g>'
    )


def test_a_pair_around_a_term_inside_a_larger_pair_still_wraps_its_rendering():
    xml = f'<source xmlns="{X12}">推动<g id="0">发展<g id="1">双核</g></g>解决卡脖子问题</source>'
    assert placed(xml, "the dual cores drive the stuck neck problem") == (
        'the <g id="0"><g id="1">dual cores</g> drive</g> the stuck neck problem'
    )
    # the rendering moved to the end: its pair goes with it, the larger pair stays where it was (both balanced)
    assert placed(xml, "solve the stuck neck problem with the dual cores") == (
        'solve <g id="0">the stuck neck</g> problem with the <g id="1">dual cores</g>'
    )


def test_protected_text_keeps_the_spaces_english_needs():
    # issue 26: "Liaoning Dailyrevitalization"
    xml = f'<source xmlns="{X12}"><mrk mtype="protected">Liaoning Daily</mrk>报道振兴东北</source>'
    assert placed(xml, "reports the revitalization of the Northeast") == (
        '<mrk mtype="protected">Liaoning Daily</mrk> reports the revitalization of the Northeast'
    )
    xml = f'<source xmlns="{X20}">据<mrk id="m1" translate="no">Liaoning Daily</mrk>报道，振兴东北。</source>'
    out = placed(xml, "According to the report, the revitalization of the Northeast.")
    assert '</mrk> ' in out and ' <mrk' in out
    # a Chinese target has no spaces to keep
    assert " " not in placed(xml, "据报道，振兴东北。").replace("Liaoning Daily", "").replace('mrk id="m1" translate="no"', "")


# ---------------------------------------------------------------- properties

SOURCE_PIECES = ["双核", "卡脖子", "新发展格局", "驱动", "问题", "，"]


@st.composite
def coded_sources(draw):
    """A Chinese source of terms and filler with codes anywhere: pairs (g, bpt/ept) and placeholders (x, ph)."""
    parts = draw(st.lists(st.sampled_from(SOURCE_PIECES), min_size=1, max_size=6))
    chars = "".join(parts)
    cuts = sorted(draw(st.lists(st.integers(0, len(chars)), max_size=4)))
    xml, open_pairs, last = [], 0, 0
    for n, cut in enumerate(cuts):
        xml.append(chars[last:cut])
        last = cut
        kind = draw(st.sampled_from(["x", "ph", "open", "close"]))
        if kind == "open":
            xml.append(f'<g id="g{n}">')
            open_pairs += 1
        elif kind == "close" and open_pairs:
            xml.append("</g>")
            open_pairs -= 1
        elif kind == "x":
            xml.append(f'<x id="x{n}"/>')
        elif kind == "ph":
            xml.append(f'<ph id="p{n}">&lt;br/&gt;</ph>')
    xml.append(chars[last:] + "</g>" * open_pairs)
    return f'<source xmlns="{X12}">{"".join(xml)}</source>'


TARGET_WORDS = ["the", "dual cores", "stuck neck", "new development pattern", "drive", "problem", "and"]


@settings(max_examples=200, deadline=None)
@given(coded_sources(), st.lists(st.sampled_from(TARGET_WORDS), min_size=1, max_size=7))
def test_no_code_splits_a_rendering_or_a_word(source_xml, words):
    translation = " ".join(words)
    source = etree.fromstring(source_xml)
    tokens = inline.tokenize(source)
    out = inline.place_codes(tokens, translation, JUDGE)
    target = etree.Element(f"{{{X12}}}target")
    inline.fill(target, out)
    reparsed = etree.fromstring(etree.tostring(target))  # well-formed: pairs balanced and nested
    assert sorted(etree.tostring(e) for e in reparsed.iter() if e is not reparsed) is not None
    assert len([t for t in out if isinstance(t, inline.Code)]) == len(inline.codes_of(tokens))
    text = "".join(t.text for t in out if isinstance(t, inline.Text))
    assert text == translation  # no protected text here: the translation itself, untouched
    spans = [(r.target_start, r.target_end) for r in inline.renderings(JUDGE, inline.plain_text(tokens), translation)]
    position = 0
    for token in out:
        if isinstance(token, inline.Text):
            position += len(token.text)
            continue
        assert not any(start < position < end for start, end in spans), (source_xml, translation, position)
        inside_word = 0 < position < len(text) and text[position - 1].isalnum() and text[position].isalnum()
        assert not inside_word, (source_xml, translation, position)
    # the checker reads the same terms from the placed target as from the translation
    back = inline.plain_text(inline.tokenize(reparsed)).strip()
    assert JUDGE.verdicts(inline.plain_text(tokens), back) == JUDGE.verdicts(inline.plain_text(tokens), translation)
