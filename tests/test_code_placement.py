"""Inline codes are placed by the glossary's terms, never through them (documents/inline.py).

The judge says where each term is in the source and where its rendering is
in the translation; a pair around a term wraps the rendering whole, a code
right after a term follows the rendering, no code splits a rendering or a
word, and protected text keeps the spaces English needs.
"""

from __future__ import annotations

import pytest
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
    # the rendering moved to the end: its pair stays inside the larger pair, which stretches to hold it
    assert placed(xml, "solve the stuck neck problem with the dual cores") == (
        'solve <g id="0">the stuck neck problem with the <g id="1">dual cores</g></g>'
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


def _enclosing_elements(tokens) -> dict[int, int | None]:
    """For each opening or standalone code (by its element's identity), the element of the pair around it."""
    stack, around = [], {}
    for token in tokens:
        if not isinstance(token, inline.Code):
            continue
        if token.kind == "close":
            stack.pop()
            continue
        around[id(token.element)] = id(stack[-1]) if stack else None
        if token.kind == "open":
            stack.append(token.element)
    return around


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
    # every code is inside the same pair as in the source (a reordered term takes its codes along only so)
    assert _enclosing_elements(out) == _enclosing_elements(tokens)
    # the checker reads the same terms from the placed target as from the translation
    back = inline.plain_text(inline.tokenize(reparsed)).strip()
    assert JUDGE.verdicts(inline.plain_text(tokens), back) == JUDGE.verdicts(inline.plain_text(tokens), translation)


# ---------------------------------------------------------------- every CAT format, end to end

BOLD = "推动<{open}>双核<{close}>联动发展。"
AFTER = "加快构建新发展格局<{code}>，推动发展。"


def _xliff12(bold: str, after: str) -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><xliff version="1.2" xmlns="{X12}"><file original="a" source-language="zh" '
        'target-language="en" datatype="plaintext"><body>'
        f'<trans-unit id="1"><source>{bold}</source></trans-unit><trans-unit id="2"><source>{after}</source></trans-unit>'
        "</body></file></xliff>"
    )


def _units(kind: str, *pairs: tuple[str, str]) -> str:
    """The two units of a file of ``kind``, each given as (source content, unit id)."""
    out = []
    for content, uid in pairs:
        if kind == "xliff12":
            out.append('<trans-unit id="%s"><source>%s</source></trans-unit>' % (uid, content))
        elif kind == "xliff20":
            out.append('<unit id="%s"><segment><source>%s</source></segment></unit>' % (uid, content))
        elif kind == "sdlxliff":
            out.append(
                '<trans-unit id="u%s"><source>%s</source><seg-source><mrk mtype="seg" mid="%s">%s</mrk></seg-source>'
                '<target><mrk mtype="seg" mid="%s"/></target><sdl:seg-defs><sdl:seg id="%s"/></sdl:seg-defs></trans-unit>'
                % (uid, content, uid, content, uid, uid)
            )
        elif kind == "mqxliff":
            out.append(
                '<trans-unit id="%s" mq:status="NotStarted"><source xml:space="preserve">%s</source>'
                '<target xml:space="preserve"></target></trans-unit>' % (uid, content)
            )
        else:
            out.append('<tu tuid="%s"><tuv xml:lang="zh"><seg>%s</seg></tuv></tu>' % (uid, content))
    return "".join(out)


CAT_FILES = {
    "job.xlf": (
        '<?xml version="1.0" encoding="UTF-8"?><xliff version="1.2" xmlns="%s"><file original="a" source-language="zh" '
        'target-language="en" datatype="plaintext"><body>%s</body></file></xliff>'
        % (X12, _units("xliff12", (BOLD.format(open='g id="1"', close="/g"), "1"), (AFTER.format(code='x id="2"/'), "2")))
    ),
    "job20.xlf": (
        '<?xml version="1.0" encoding="UTF-8"?><xliff version="2.0" xmlns="%s" srcLang="zh" trgLang="en"><file id="f">%s'
        "</file></xliff>"
        % (X20, _units("xliff20", (BOLD.format(open='pc id="1"', close="/pc"), "1"), (AFTER.format(code='ph id="2"/'), "2")))
    ),
    "job.sdlxliff": (
        '<?xml version="1.0" encoding="utf-8"?><xliff xmlns:sdl="http://sdl.com/FileTypes/SdlXliff/1.0" xmlns="%s" '
        'version="1.2" sdl:version="1.0"><file original="r.docx" datatype="x-sdlfilterframework2" source-language="zh-CN" '
        'target-language="en-US"><body>%s</body></file></xliff>'
        % (X12, _units("sdlxliff", (BOLD.format(open='g id="pt1"', close="/g"), "1"), (AFTER.format(code='x id="pt2"/'), "2")))
    ),
    "job.mqxliff": (
        '<?xml version="1.0" encoding="utf-8"?><xliff xmlns="%s" xmlns:mq="MQXliff" version="1.2"><file original="r.docx" '
        'source-language="zh-CN" target-language="en-GB" datatype="x-docx"><body>%s</body></file></xliff>'
        % (X12, _units(
            "mqxliff",
            (BOLD.format(open='bpt id="1" ctype="bold">{}</bpt', close='ept id="1">{}</ept'), "1"),
            (AFTER.format(code='ph id="1">&lt;mq:rxt displaytext="[1]" val="[1]" /&gt;</ph'), "2"),
        ))
    ),
    "job.tmx": (
        '<?xml version="1.0" encoding="UTF-8"?><tmx version="1.4"><header srclang="zh" datatype="plaintext" '
        'segtype="sentence" adminlang="en" o-tmf="x" creationtool="x" creationtoolversion="1"/><body>%s</body></tmx>'
        % _units(
            "tmx",
            (BOLD.format(open='bpt i="1">&lt;b&gt;</bpt', close='ept i="1">&lt;/b&gt;</ept'), "1"),
            (AFTER.format(code="ph>&lt;br/&gt;</ph"), "2"),
        )
    ),
}


def _targets(path) -> list:
    """Each unit's target element (the segment marker's in SDLXLIFF, the second tuv's seg in TMX), in file order."""
    tree = etree.parse(str(path))
    if str(path).endswith(".tmx"):
        return [tu.findall("tuv")[1].find("seg") for tu in tree.iter("tu")]
    targets = [t for t in tree.iter() if isinstance(t.tag, str) and etree.QName(t).localname == "target"]
    return [t.find(f"{{{X12}}}mrk") if t.find(f"{{{X12}}}mrk") is not None else t for t in targets]


def _text_before(element) -> str:
    """The target text right before ``element`` (its parent's text or the previous sibling's tail)."""
    previous = element.getprevious()
    return (previous.tail if previous is not None else element.getparent().text) or ""


@pytest.mark.parametrize("name", sorted(CAT_FILES))
def test_codes_around_and_after_terms_in_every_cat_format(tmp_path, tiny_model_dir, name, capsys):
    """A bold pair around a term wraps its rendering whole; a footnote or line break after a term follows it;
    ``check`` on the file and on its ``--tmx`` agree."""
    import json

    from termlock.cli import main
    from termlock.glossary.writer import dump_glossary

    glossary = tmp_path / "g.yaml"
    dump_glossary(Glossary("codes", TERMS), glossary)
    job = tmp_path / name
    job.write_text(CAT_FILES[name], encoding="utf-8")
    out, tmx = tmp_path / f"out{job.suffix}", tmp_path / "pairs.tmx"
    code = main(["translate", "-i", str(job), "-o", str(out), "--tmx", str(tmx), "--glossary", str(glossary),
                 "--model", str(tiny_model_dir), "--beam", "2", "--max-length", "48", "--constraints", "always"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    for written in (out, tmx):
        bold_target, after_target = _targets(written)
        pairs = [e for e in bold_target if etree.QName(e).localname in ("g", "pc")]
        if pairs:  # a pair element: its text is the rendering, whole
            assert "".join(pairs[0].itertext()).lower() == "dual cores", etree.tostring(bold_target)
        else:  # begin/end codes (bpt/ept): the rendering between them
            begin, end = (e for e in bold_target if etree.QName(e).localname in ("bpt", "ept"))
            assert (begin.tail or "").lower() == "dual cores" and end.getprevious() is begin, etree.tostring(bold_target)
        (after_code,) = [e for e in after_target if etree.QName(e).localname in ("x", "ph")]
        assert _text_before(after_code).lower().endswith("new development pattern"), etree.tostring(after_target)
    reports = []
    for written in (out, tmx):
        report = tmp_path / f"{written.name}.json"
        assert main(["check", "--bilingual", str(written), "--glossary", str(glossary), "--json", str(report)]) == 0
        data = json.loads(report.read_text(encoding="utf-8"))
        reports.append(([[t["status"] for t in s["terms"]] for s in data["segments"]], data["summary"]["ok"]))
    assert reports[0] == reports[1] == ([["ok"], ["ok"]], 2)


# ---------------------------------------------------------------- whole documents reuse the same placement

BOLD_SENTENCE = "Promote the coordinated development of the dual cores."


def _translated(path, translations: dict[str, str], judged: bool = True) -> bytes:
    from termlock.documents import read_store
    from termlock.jobs.term_inputs import unit_judges

    store = read_store(str(path))
    if judged:
        store.judge_of = unit_judges(Glossary("codes", TERMS))
    for unit in store.units:
        unit.target = translations.get(unit.source, unit.target)
    return store.serialize()


def test_markdown_bold_and_footnote_reference_keep_to_the_terms(tmp_path):
    page = tmp_path / "a.md"
    page.write_text("推动**双核**联动发展。\n\n加快构建新发展格局[^1]，推动发展。\n\n[^1]: 注释。\n", encoding="utf-8")
    translations = {
        "推动双核联动发展。": BOLD_SENTENCE,
        "加快构建新发展格局，推动发展。": "Accelerate building the new development pattern and promote development.",
    }
    out = _translated(page, translations).decode("utf-8")
    assert "the **dual cores**." in out and "new development pattern[^1] and" in out
    # by relative position only, the bold and the reference land inside other words or the term
    blind = _translated(page, translations, judged=False).decode("utf-8")
    assert "**dual cores**" not in blind and "pattern[^1]" not in blind


def test_a_word_bold_run_around_a_term_holds_its_rendering(tmp_path):
    import docx

    document = docx.Document()
    paragraph = document.add_paragraph()
    paragraph.add_run("推动")
    paragraph.add_run("双核").bold = True
    paragraph.add_run("联动发展。")
    path = tmp_path / "a.docx"
    document.save(str(path))
    out = tmp_path / "out.docx"
    out.write_bytes(_translated(path, {"推动双核联动发展。": BOLD_SENTENCE}))
    runs = docx.Document(str(out)).paragraphs[0].runs
    # the bold run holds the rendering whole (text between runs joins the run before it: the final stop here)
    assert [r.text.rstrip(".") for r in runs if r.bold] == ["dual cores"]
    assert "".join(r.text for r in runs) == BOLD_SENTENCE
