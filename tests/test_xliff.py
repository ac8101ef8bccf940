"""XLIFF 1.2 / 2.0 store: which units are translated, how targets are written
back (ids, notes, states, inline tags, locked units) and bad files."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from termlock.errors import TermlockError
from termlock.documents import inline
from termlock.documents.bilingual import read_bilingual
from termlock.documents.tmx import TmxStore
from termlock.documents.xliff import (
    MQ_NS,
    SDL_NS,
    XLIFF12_NS,
    XLIFF20_NS,
    XliffStore,
    annotate_xliff,
)

DATA = Path(__file__).parent / "data" / "formats"
N12 = {"x": XLIFF12_NS, "sdl": SDL_NS, "mq": MQ_NS}
N20 = {"x": XLIFF20_NS}

#: what a fake MT engine returns for the sample sources
FAKE_MT = {
    "省委全会强调，要推动“双核”联动发展。": "The plenary session stressed promoting the coordinated development of the dual cores.",
    "全面落实三篇大文章。": "Fully implement the three big articles.",
    "破解“卡脖子”难题。": "Solve the stuck neck problems.",
    "推进供给侧结构性改革。": "Advance supply-side structural reform.",
    "坚持问题导向和结果导向。": "Adhere to problem orientation and result orientation.",
    "大力发展县域经济，推动“一带一路”建设。": "Develop the county economy and promote the Belt and Road.",
    "中国共产党辽宁省第十三届委员会全体会议": "Plenary Session of the 13th CPC Liaoning Provincial Committee",
    "推动“双核”联动，打好三篇大文章攻坚战。": "Promote the dual cores and win the battle of the three big articles.",
    "深化供给侧结构性改革。": "Deepen supply-side structural reform.",
    "推动“双核”联动发展。": "Promote the coordinated development of the dual cores.",
    "打好三篇大文章攻坚战。": "Win the battle of the three big articles.",
    "破解“卡脖子”难题，推进供给侧结构性改革。": "Solve stuck neck problems and advance supply-side structural reform.",
    "卡脖子技术攻关取得突破": "Breakthroughs in stuck neck technologies",
    "构建新发展格局。": "Build a new development pattern.",
    "构建新发展格局": "build a new development pattern",
}


def load(name: str, **kwargs) -> tuple[bytes, XliffStore]:
    data = (DATA / name).read_bytes()
    return data, XliffStore.parse(data, str(DATA / name), **kwargs)


def translate_all(store: XliffStore) -> dict[str, str]:
    """What the batch runner does: fill every translatable unit."""
    done = {}
    for unit in store.units:
        if unit.translatable:
            unit.target = FAKE_MT[unit.source]
            done[unit.id] = unit.target
    return done


def c14n(element: etree._Element) -> bytes:
    """Serialised element (not real C14N: memoQ's relative namespace URI
    "MQXliff" is rejected by C14N)."""
    return etree.tostring(element, with_tail=False)


def code_signature(element: etree._Element) -> list[tuple[str, str, tuple]]:
    """The inline codes of a container in order, ignoring text."""
    return [
        (tok.kind, etree.QName(tok.element).localname if tok.element is not None else "", tuple(sorted(tok.element.attrib.items())) if tok.element is not None else ())
        for tok in inline.codes_of(inline.tokenize(element))
    ]


# ------------------------------------------------------------------- parsing


def test_trados_units_ids_and_statuses():
    _, store = load("trados.sdlxliff")
    by_id = {u.id: u for u in store.units}
    assert store.flavour == "sdl"
    assert by_id["5f1d2c3b-7e8a-4d9c-a1b2-c3d4e5f60718:1"].source == "省委全会强调，要推动“双核”联动发展。"
    assert by_id["5f1d2c3b-7e8a-4d9c-a1b2-c3d4e5f60718:2"].source == "全面落实三篇大文章。"
    translated = by_id["6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d"]
    assert (translated.translatable, translated.target) == (False, "Build the new development pattern.")
    assert translated.meta["sdl_conf"] == "Translated"
    locked = by_id["7b8c9d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e"]
    assert (locked.translatable, locked.meta["status"]) == (False, "locked")
    structure = by_id["a2c7a0b6-0f3f-4c11-8d6e-3cbb1e3a6c00"]
    assert structure.translatable is False
    assert [u.id for u in store.units if u.translatable] == [
        "5f1d2c3b-7e8a-4d9c-a1b2-c3d4e5f60718:1",
        "5f1d2c3b-7e8a-4d9c-a1b2-c3d4e5f60718:2",
        "8c9d0e1f-2a3b-4c4d-9e5f-6a7b8c9d0e1f:5",
        "8c9d0e1f-2a3b-4c4d-9e5f-6a7b8c9d0e1f:6",
    ]


def test_plain_12_states_locks_and_notes():
    _, store = load("okapi12.xlf")
    by_id = {u.id: u for u in store.units}
    assert by_id["t1"].meta["notes"] == ["Title of the communiqué"]
    assert by_id["t2"].source == "推动“双核”联动，打好三篇大文章攻坚战。"  # mrk text kept, ph code dropped
    assert by_id["t3"].meta["status"] == "confirmed"  # approved="yes", signed-off: only --overwrite-confirmed replaces it
    assert by_id["t4"].meta["status"] == "locked"  # group translate="no"
    assert by_id["t6"].meta["status"] == "locked"  # trans-unit translate="no"
    assert by_id["t5"].target == "Breakthroughs in stuck neck technologies"
    assert by_id["t7"].translatable  # state="needs-translation" although a target exists
    assert by_id["t7"].source == "深化供给侧结构性改革。"


def test_xliff20_segments_and_locks():
    _, store = load("sample20.xlf")
    by_id = {u.id: u for u in store.units}
    assert [u.id for u in store.units] == ["u1:s1", "u1:s2", "u2", "u3", "u4", "u5"]
    assert by_id["u1:s1"].meta["notes"] == ["Heading of the first section"]
    assert by_id["u2"].target == "build the new development pattern" and not by_id["u2"].translatable
    assert by_id["u3"].meta["status"] == "locked"  # translate="no"
    assert by_id["u4"].meta["status"] == "confirmed"  # state="final": only --overwrite-confirmed replaces it
    assert by_id["u5"].source == "破解“卡脖子”难题，推进供给侧结构性改革。"


# --------------------------------------------------------------------- fill


def test_trados_fill_keeps_structure_and_marks_segments_as_mt(tmp_path):
    original, store = load("trados.sdlxliff")
    done = translate_all(store)
    out = tmp_path / "out.sdlxliff"
    store.write(str(out))
    data = out.read_bytes()
    assert data.startswith(codecs.BOM_UTF8 + b'<?xml version="1.0" encoding="utf-8"?>')

    before = etree.fromstring(original)
    after = etree.fromstring(data)
    # header, doc-info and untouched units are identical
    assert c14n(before.find("x:file/x:header", N12)) == c14n(after.find("x:file/x:header", N12))
    for tu_id in ("a2c7a0b6-0f3f-4c11-8d6e-3cbb1e3a6c00", "6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d", "7b8c9d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e"):
        xpath = f".//x:trans-unit[@id='{tu_id}']"
        assert c14n(before.find(xpath, N12)) == c14n(after.find(xpath, N12)), tu_id

    reread = XliffStore.parse(data, "out.sdlxliff")
    by_id = {u.id: u for u in reread.units}
    for uid, text in done.items():
        assert by_id[uid].target == text
        assert by_id[uid].meta["sdl_conf"] == "Draft" and by_id[uid].meta["sdl_origin"] == "mt"
        assert not by_id[uid].translatable
    tu = after.find(".//x:trans-unit[@id='5f1d2c3b-7e8a-4d9c-a1b2-c3d4e5f60718']", N12)
    for mid in ("1", "2"):
        src = tu.find(f"x:seg-source/x:mrk[@mid='{mid}']", N12)
        tgt = tu.find(f"x:target/x:mrk[@mid='{mid}']", N12)
        assert code_signature(src) == code_signature(tgt)
        seg = tu.find(f"sdl:seg-defs/sdl:seg[@id='{mid}']", N12)
        assert seg.get("origin-system") == "termlock"
    # a unit with no <target> gets one shaped like its <seg-source> (g around mrk 5)
    created = after.find(".//x:trans-unit[@id='8c9d0e1f-2a3b-4c4d-9e5f-6a7b8c9d0e1f']/x:target", N12)
    assert created.find("x:g[@id='pt1']/x:mrk[@mid='5']", N12).text == FAKE_MT["破解“卡脖子”难题。"]
    assert created.find("x:mrk[@mid='6']", N12).text == FAKE_MT["推进供给侧结构性改革。"]
    # the locked segment stays empty and unmarked
    locked = after.find(".//x:trans-unit[@id='7b8c9d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e']", N12)
    assert locked.find("x:target/x:mrk", N12).text is None
    assert locked.find("sdl:seg-defs/sdl:seg", N12).get("conf") is None


def test_memoq_fill_sets_memoq_status_and_keeps_tags():
    original, store = load("memoq.mqxliff")
    translate_all(store)
    data = store.serialize()
    after = etree.fromstring(data)
    before = etree.fromstring(original)
    unit1 = after.find(".//x:trans-unit[@id='1']", N12)
    assert unit1.get(f"{{{MQ_NS}}}status") == "MachineTranslated"
    target = unit1.find("x:target", N12)
    assert code_signature(target) == code_signature(unit1.find("x:source", N12))
    assert target.get("{http://www.w3.org/XML/1998/namespace}space") == "preserve"
    assert unit1.find("x:note", N12).text == "Heading 2"
    unit2 = after.find(".//x:trans-unit[@id='2']/x:target", N12)
    assert [e.tag for e in unit2] == [f"{{{XLIFF12_NS}}}ph"]
    for tu_id in ("3", "4"):  # confirmed and locked: untouched
        xpath = f".//x:trans-unit[@id='{tu_id}']"
        assert c14n(before.find(xpath, N12)) == c14n(after.find(xpath, N12))


def test_phrase_mxliff_locks_and_marks():
    xml = """<?xml version="1.0" encoding="UTF-8"?>
<xliff xmlns="urn:oasis:names:tc:xliff:document:1.2" xmlns:m="http://www.memsource.com/mxlf/2.0" version="1.2" m:version="2.16">
  <file original="report.docx" source-language="zh-cn" target-language="en-us" m:file-format="DOCX">
    <body>
      <group id="1" m:para-id="1">
        <trans-unit id="job:1" m:para-id="1" m:locked="false" m:confirmed="0"><source>推动<bpt id="1">&lt;b&gt;</bpt>双核<ept id="1">&lt;/b&gt;</ept>联动</source><target/></trans-unit>
        <trans-unit id="job:2" m:para-id="1" m:locked="true" m:confirmed="1"><source>辽宁日报</source><target/></trans-unit>
      </group>
    </body>
  </file>
</xliff>
"""
    store = XliffStore.parse(xml.encode(), "job.mxliff")
    assert store.flavour == "phrase"
    assert [(u.id, u.translatable) for u in store.units] == [("job:1", True), ("job:2", False)]
    store.units[0].target = "Promote the dual cores"
    store.units[1].target = "never written"
    root = etree.fromstring(store.serialize())
    m = "{http://www.memsource.com/mxlf/2.0}"
    first, second = root.iter(f"{{{XLIFF12_NS}}}trans-unit")
    assert (first.get(f"{m}trans-origin"), first.get(f"{m}confirmed")) == ("mt", "0")
    assert code_signature(first.find("x:target", N12)) == code_signature(first.find("x:source", N12))
    assert second.get(f"{m}trans-origin") is None and second.find("x:target", N12).text is None


def test_plain_12_fill_marks_state_and_keeps_inline_codes():
    original, store = load("okapi12.xlf")
    translate_all(store)
    after = etree.fromstring(store.serialize())
    before = etree.fromstring(original)
    t2 = after.find(".//x:trans-unit[@id='t2']", N12)
    target = t2.find("x:target", N12)
    assert target.get("state") == "needs-review-translation"
    assert target.get("state-qualifier") == "leveraged-mt"
    assert code_signature(target) == code_signature(t2.find("x:source", N12))
    assert target[0].tag == f"{{{XLIFF12_NS}}}bx" and (target.text or "") == ""  # boundary code first
    assert inline.plain_text(inline.tokenize(target)) == FAKE_MT["推动“双核”联动，打好三篇大文章攻坚战。"]
    # a new target comes right after the source, in the target language, notes stay
    t1 = after.find(".//x:trans-unit[@id='t1']", N12)
    assert [etree.QName(c).localname for c in t1] == ["source", "target", "note"]
    assert t1.find("x:target", N12).get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    # leading/trailing spaces of the source survive around the translation
    assert after.find(".//x:trans-unit[@id='t7']/x:target", N12).text == "  Deepen supply-side structural reform. "
    for tu_id in ("t3", "t4", "t5", "t6"):
        xpath = f".//x:trans-unit[@id='{tu_id}']"
        assert c14n(before.find(xpath, N12)) == c14n(after.find(xpath, N12)), tu_id
    assert c14n(before.find("x:file/x:header", N12)) == c14n(after.find("x:file/x:header", N12))


def test_xliff20_fill_marks_segment_state():
    original, store = load("sample20.xlf")
    translate_all(store)
    after = etree.fromstring(store.serialize())
    before = etree.fromstring(original)
    for seg_xpath in (".//x:unit[@id='u1']/x:segment[@id='s1']", ".//x:unit[@id='u1']/x:segment[@id='s2']", ".//x:unit[@id='u5']/x:segment"):
        segment = after.find(seg_xpath, N20)
        assert segment.get("state") == "translated"
        assert segment.get("subState") == "termlock:mt"
        assert code_signature(segment.find("x:target", N20)) == code_signature(segment.find("x:source", N20))
    u5 = after.find(".//x:unit[@id='u5']/x:segment/x:target", N20)
    assert etree.QName(u5[0]).localname == "sc" and not u5.text  # boundary code stays first
    u1 = after.find(".//x:unit[@id='u1']", N20)
    assert c14n(u1.find("x:originalData", N20)) == c14n(before.find(".//x:unit[@id='u1']/x:originalData", N20))
    assert u1.find("x:ignorable", N20) is not None
    for unit_id in ("u2", "u3", "u4"):
        xpath = f".//x:unit[@id='{unit_id}']"
        assert c14n(before.find(xpath, N20)) == c14n(after.find(xpath, N20)), unit_id


# ------------------------------------------------------------ inline policy


@st.composite
def token_streams(draw):
    """Well-formed inline content: text and codes, properly nested."""
    tokens: list[inline.Token] = []
    depth = 0
    next_id = 1
    for _ in range(draw(st.integers(0, 12))):
        choice = draw(st.sampled_from(["text", "text", "open", "close", "ph"]))
        if choice == "text":
            tokens.append(inline.Text(draw(st.text(alphabet="双核经济 ab", min_size=1, max_size=6))))
        elif choice == "open":
            tokens.append(inline.Code("open", etree.Element("g", id=str(next_id))))
            next_id += 1
            depth += 1
        elif choice == "close" and depth:
            tokens.append(inline.Code("close", None))
            depth -= 1
        elif choice == "ph":
            tokens.append(inline.Code("standalone", etree.Element("x", id=str(next_id))))
            next_id += 1
    tokens.extend(inline.Code("close", None) for _ in range(depth))
    container = etree.Element("source")
    inline.fill(container, tokens)
    return container


@settings(max_examples=150, deadline=None)
@given(token_streams(), st.text(alphabet="abc de,.", max_size=40))
def test_reinserted_codes_are_complete_ordered_and_well_formed(source, translation):
    tokens = inline.tokenize(source)
    placed = inline.place_codes(tokens, translation)
    target = etree.Element("target")
    inline.fill(target, placed)
    reparsed = etree.fromstring(etree.tostring(target))  # well-formed
    assert code_signature(reparsed) == code_signature(source)
    # the file's own text (a space standing for a placeholder between words is not in the file)
    text = "".join(t.text for t in inline.tokenize(reparsed) if isinstance(t, inline.Text) and not t.separator)
    assert text.strip() == translation.strip()
    source_text = inline.plain_text(tokens)
    if source_text.strip() and translation.strip():
        # codes before any source text come before any target text
        lead_codes = 0
        for tok in tokens:
            if isinstance(tok, inline.Text) and tok.text.strip():
                break
            if isinstance(tok, inline.Code):
                lead_codes += 1
        out_lead = 0
        for tok in inline.tokenize(reparsed):
            if isinstance(tok, inline.Text) and tok.text.strip():
                break
            if isinstance(tok, inline.Code):
                out_lead += 1
        assert out_lead >= lead_codes


def test_paired_code_around_words_wraps_a_word_in_the_target():
    source = etree.fromstring('<source xmlns="urn:oasis:names:tc:xliff:document:1.2">推动<g id="1">双核</g>联动发展</source>')
    target = etree.Element(f"{{{XLIFF12_NS}}}target")
    inline.fill(target, inline.place_codes(inline.tokenize(source), "Promote the coordinated development of the dual cores"))
    g = target.find("x:g", N12)
    assert g.text and g.text.strip()
    assert etree.tostring(target).count(b"xmlns") == 1  # copied codes add no namespace declarations


# ----------------------------------------------------------------- annotate


def test_annotate_adds_notes_and_replaces_earlier_ones(tmp_path):
    src = DATA / "okapi12.xlf"
    out = tmp_path / "review.xlf"
    findings = {"t5": ["forbidden rendering 'choke point' for 卡脖子 (use: stuck neck)"], "t3": ["ok: 1 term"]}
    assert annotate_xliff(str(src), findings, str(out)) == 2
    once = etree.fromstring(out.read_bytes())
    notes = once.findall(".//x:trans-unit[@id='t5']/x:note", N12)
    assert [(n.get("from"), n.text) for n in notes] == [("termlock", findings["t5"][0])]
    # annotating the annotated copy again does not pile up notes
    again = tmp_path / "review2.xlf"
    annotate_xliff(str(out), {"t5": ["second run"]}, str(again))
    twice = etree.fromstring(again.read_bytes())
    assert [n.text for n in twice.findall(".//x:trans-unit[@id='t5']/x:note", N12)] == ["second run"]
    assert twice.findall(".//x:trans-unit[@id='t3']/x:note", N12) == []
    # the pm's note on t1 is untouched
    assert twice.find(".//x:trans-unit[@id='t1']/x:note", N12).get("from") == "pm"
    # and the source file itself is unchanged
    assert src.read_bytes() == (DATA / "okapi12.xlf").read_bytes()


def test_annotate_xliff20_and_multi_segment_labels(tmp_path):
    out = tmp_path / "review.xlf"
    annotate_xliff(str(DATA / "sample20.xlf"), {"u1:s2": ["missing: 三篇大文章"], "u5": ["ok"]}, str(out))
    root = etree.fromstring(out.read_bytes())
    notes = root.findall(".//x:unit[@id='u1']/x:notes/x:note", N20)
    assert [(n.get("category"), n.text) for n in notes] == [
        ("context", "Heading of the first section"),
        ("termlock", "segment s2: missing: 三篇大文章"),
    ]
    u5 = root.find(".//x:unit[@id='u5']", N20)
    assert etree.QName(u5[0]).localname == "notes"  # <notes> must come first in a 2.0 unit
    with pytest.raises(TermlockError, match="no unit with id 'nope'"):
        annotate_xliff(str(DATA / "sample20.xlf"), {"nope": ["x"]}, str(out))


# --------------------------------------------------------------- bilingual


def test_read_bilingual_gives_translated_pairs_with_unit_ids(tmp_path):
    units = read_bilingual(str(DATA / "memoq.mqxliff"))
    assert [(u.id, u.source, u.target) for u in units] == [
        ("3", "全面振兴新突破三年行动", "three-year action plan for achieving new breakthroughs in comprehensive revitalization"),
    ]
    everything = read_bilingual(str(DATA / "memoq.mqxliff"), include_untranslated=True)
    assert [u.id for u in everything] == ["1", "2", "3", "4"]
    assert everything[0].target == ""
    renamed = tmp_path / "export.xml"  # unknown extension: recognised by content
    renamed.write_bytes((DATA / "sample20.xlf").read_bytes())
    assert [u.id for u in read_bilingual(str(renamed))] == ["u2", "u4"]


# --------------------------------------------------------------- bad files


def test_malformed_xliff_names_file_and_line(tmp_path):
    bad = tmp_path / "broken.xlf"
    bad.write_text('<?xml version="1.0"?>\n<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">\n<file>\n<body>\n<trans-unit id="1"><source>双核</trans-unit>\n</body></file></xliff>\n', encoding="utf-8")
    with pytest.raises(TermlockError) as info:
        XliffStore.parse(bad.read_bytes(), str(bad))
    assert info.value.path == str(bad) and info.value.line == 5
    assert "not well-formed XLIFF" in str(info.value)


@pytest.mark.parametrize(
    ("xml", "message", "line"),
    [
        ('<tmx version="1.4"/>', "root element is <tmx>, not <xliff>", 1),
        ('<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2"><file>\n<body>\n<trans-unit><source>a</source></trans-unit></body></file></xliff>', "<trans-unit> without an id", 3),
        ('<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2"><file><body>\n<trans-unit id="a"><target>a</target></trans-unit></body></file></xliff>', "has no <source>", 2),
        ('<xliff version="2.0" xmlns="urn:oasis:names:tc:xliff:document:2.0"><file id="f">\n<unit id="a"><segment><source>x</source></segment></unit>\n<unit id="a"><segment><source>y</source></segment></unit></file></xliff>', "duplicate unit id 'a'", 3),
        ('<xliff version="3.0" xmlns="urn:example"/>', "unsupported XLIFF version", 1),
        ("", "empty file", None),
    ],
)
def test_invalid_xliff_errors(xml, message, line):
    with pytest.raises(TermlockError) as info:
        XliffStore.parse(xml.encode(), "bad.xlf")
    assert message in str(info.value)
    assert info.value.line == line
    assert info.value.fix


def test_external_entities_are_not_expanded(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET", encoding="utf-8")
    xml = (
        f'<?xml version="1.0"?>\n<!DOCTYPE xliff [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
        '<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2"><file><body>'
        '<trans-unit id="1"><source>双核&xxe;</source></trans-unit></body></file></xliff>'
    )
    # never expanded: the reference would silently vanish from the segment, so the file is refused
    with pytest.raises(TermlockError) as info:
        XliffStore.parse(xml.encode(), "evil.xlf")
    assert "&xxe;" in str(info.value) and "evil.xlf:3" in str(info.value)
    assert "TOP-SECRET" not in str(info.value)


def test_entity_expansion_bombs_are_refused():
    entities = '<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "' + f"&{chr(97 + i)};" * 10 + '">' for i in range(8)
    )
    xml = (
        f'<?xml version="1.0"?><!DOCTYPE xliff [{entities}]>'
        '<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2"><file><body>'
        '<trans-unit id="1"><source>双核&i;</source></trans-unit></body></file></xliff>'
    )
    try:
        store = XliffStore.parse(xml.encode(), "lol.xlf")
    except TermlockError as exc:  # libxml2's amplification guard
        assert exc.path == "lol.xlf" and exc.line == 1
    else:  # or the reference is simply left unexpanded
        assert len(store.units[0].source) < 100


# ---------------------------------------------------------- CLI: check / translate

_QA_GLOSSARY = """name: QA test terms
source_lang: zh
target_lang: en
terms:
  - id: dual-cores
    source: 双核
    target: dual cores
    forbidden: [double nuclei]
  - id: three-big-articles
    source: 三篇大文章
    target: three big articles
    variants: [three major tasks]
"""

_QA_XLIFF = """<?xml version="1.0" encoding="UTF-8"?>
<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">
  <file original="qa.txt" source-language="zh-CN" target-language="en" datatype="plaintext">
    <body>
      <trans-unit id="ok-1"><source>推动<g id="1">双核</g>联动。</source><target state="translated">Promote the <g id="1">dual cores</g>.</target></trans-unit>
      <trans-unit id="bad-2"><source>双核城市</source><target state="translated">double nuclei cities</target></trans-unit>
      <trans-unit id="miss-3"><source>三篇大文章</source><target state="translated">three essays</target></trans-unit>
      <trans-unit id="var-4"><source>做好三篇大文章</source><target state="translated">do the three major tasks well</target></trans-unit>
      <trans-unit id="var-5"><source>三篇大文章很重要</source><target state="translated">the three major tasks matter</target></trans-unit>
      <trans-unit id="can-6"><source>三篇大文章</source><target state="translated">three big articles</target></trans-unit>
      <trans-unit id="todo-7"><source>双核</source></trans-unit>
    </body>
  </file>
</xliff>
"""


def test_cli_check_bilingual_xliff_reports_unit_ids_and_writes_notes(tmp_path, capsys):
    import json

    from termlock.cli import main

    glossary = tmp_path / "g.yaml"
    glossary.write_text(_QA_GLOSSARY, encoding="utf-8")
    xlf = tmp_path / "qa.xlf"
    xlf.write_text(_QA_XLIFF, encoding="utf-8")
    report, notes = tmp_path / "r.json", tmp_path / "review.xlf"
    code = main(["check", "--glossary", str(glossary), "--bilingual", str(xlf), "--json", str(report),
                 "--xliff-notes", str(notes), "--min-term-success", "1"])
    assert code == 1  # below the gate
    result = json.loads(report.read_text(encoding="utf-8"))
    assert [s["id"] for s in result["segments"]] == ["ok-1", "bad-2", "miss-3", "var-4", "var-5", "can-6"]  # todo-7 skipped
    statuses = {s["id"]: [t["status"] for t in s["terms"]] for s in result["segments"]}
    assert statuses == {"ok-1": ["ok"], "bad-2": ["forbidden"], "miss-3": ["missing"], "var-4": ["ok"], "var-5": ["ok"], "can-6": ["ok"]}
    root = etree.fromstring(notes.read_bytes())
    def termlock_notes(uid):
        return [n.text for n in root.findall(f".//x:trans-unit[@id='{uid}']/x:note[@from='termlock']", N12)]
    assert "forbidden" in termlock_notes("bad-2")[0] and '"double nuclei"' in termlock_notes("bad-2")[0]
    assert '"three big articles"' in termlock_notes("miss-3")[0]
    # three big articles: "three major tasks" twice, canonical once -> the odd one out is flagged
    assert any("keep one rendering" in n for n in termlock_notes("can-6"))
    assert termlock_notes("ok-1") == [] and termlock_notes("var-4") == []
    assert xlf.read_text(encoding="utf-8") == _QA_XLIFF  # the input is never modified
    assert "wrote XLIFF with" in capsys.readouterr().out


def test_cli_check_bilingual_tmx_and_argument_errors(tmp_path, capsys):
    from termlock.cli import main

    glossary = tmp_path / "g.yaml"
    glossary.write_text(_QA_GLOSSARY, encoding="utf-8")
    assert main(["check", "--glossary", str(glossary), "--bilingual", str(DATA / "omegat.tmx")]) == 0
    assert "segments            3" in capsys.readouterr().out
    for args, message in (
        (["--bilingual", str(DATA / "omegat.tmx"), "--source", "x.txt"], "cannot be combined with --source"),
        (["--bilingual", str(DATA / "omegat.tmx"), "--xliff-notes", str(tmp_path / "n.xlf")], "needs an XLIFF"),
        (["--source", "x.txt"], "--target is required"),
        (["--source", "x.txt", "--target", "y.txt", "--xliff-notes", "n.xlf"], "needs --bilingual"),
    ):
        assert main(["check", "--glossary", str(glossary), *args]) == 2
        assert message in capsys.readouterr().err


def test_cli_translate_xliff_end_to_end(tmp_path, tiny_model_dir):
    from termlock.cli import main

    source = DATA / "trados.sdlxliff"
    out, tmx = tmp_path / "out.sdlxliff", tmp_path / "done.tmx"
    common = ["--model", str(tiny_model_dir), "--beam", "2", "--max-length", "16", "--constraints", "off", "--glossary", "bundled"]
    assert main(["translate", "-i", str(source), "-o", str(out), "--tmx", str(tmx), *common]) == 0
    before = {u.id: u for u in XliffStore.parse(source.read_bytes(), "in").units}
    after = {u.id: u for u in XliffStore.parse(out.read_bytes(), "out").units}
    assert before.keys() == after.keys()
    filled = [uid for uid, u in before.items() if u.translatable]
    for uid in filled:
        assert after[uid].target and after[uid].meta["sdl_origin"] == "mt"
    for uid, unit in before.items():
        if not unit.translatable:  # locked, structure and translated units are untouched
            assert after[uid].target == unit.target
            assert {k: v for k, v in after[uid].meta.items() if k != "line"} == {k: v for k, v in unit.meta.items() if k != "line"}
    pairs = TmxStore.parse(tmx.read_bytes(), "done.tmx").units
    assert [(u.id, u.source, u.target) for u in pairs] == [(uid, before[uid].source, after[uid].target) for uid in filled]

    # --overwrite keeps the ManuallyConfirmed memoQ unit; --overwrite-confirmed retranslates it; the locked one never
    mq_out = tmp_path / "out.mqxliff"
    assert main(["translate", "-i", str(DATA / "memoq.mqxliff"), "-o", str(mq_out), "--overwrite", *common]) == 0
    units = {u.id: u for u in XliffStore.parse(mq_out.read_bytes(), "mq").units}
    assert units["3"].meta["mq_status"] == "ManuallyConfirmed"
    assert main(["translate", "-i", str(DATA / "memoq.mqxliff"), "-o", str(mq_out), "--overwrite-confirmed",
                 "--restart", *common]) == 0
    units = {u.id: u for u in XliffStore.parse(mq_out.read_bytes(), "mq").units}
    assert units["3"].meta["mq_status"] == "MachineTranslated"
    assert units["4"].meta["status"] == "locked" and units["4"].target is None
    with pytest.raises(TermlockError, match="--overwrite applies to input with translations in it"):
        from termlock.engines.local import allow_overwrite as _allow_overwrite
        from termlock.documents import read_store

        text = tmp_path / "in.txt"
        text.write_text("双核\n", encoding="utf-8")
        _allow_overwrite(read_store(str(text)), str(text))
