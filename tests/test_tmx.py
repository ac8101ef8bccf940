"""TMX: reading bilingual pairs (ids for check), filling missing targets,
writing a TMX of translated pairs, and bad files."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from termlock.errors import TermlockError
from termlock.documents.base import Unit
from termlock.documents.bilingual import read_bilingual
from termlock.documents.tmx import TmxStore, read_tmx, tmx_bytes, write_tmx

DATA = Path(__file__).parent / "data" / "formats"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def test_omegat_tmx_pairs_ids_and_languages():
    store = read_tmx(str(DATA / "omegat.tmx"))
    assert (store.source_lang, store.target_lang) == ("ZH-CN", "EN-GB")
    assert [(u.id, u.source, u.target, u.translatable) for u in store.units] == [
        ("1", "推动“双核”联动发展。", "Promote the coordinated development of the dual cores.", False),
        ("2", "破解“卡脖子”难题", 'Solve the "choke point" problem', False),
        ("plan-3", "全面振兴新突破三年行动", "three-year action plan for new breakthroughs in comprehensive revitalization", False),
        ("4", "坚持问题导向", None, True),
    ]
    assert store.units[2].meta["notes"] == ["checked by reviewer"]
    assert store.units[2].meta["props"] == {"file": "report.docx"}


def test_languages_match_by_primary_subtag_and_can_be_chosen():
    store = read_tmx(str(DATA / "omegat.tmx"), source_lang="zh", target_lang="en")
    assert store.units[0].target.startswith("Promote")
    reversed_store = read_tmx(str(DATA / "omegat.tmx"), source_lang="en", target_lang="zh")
    assert reversed_store.units[0].source.startswith("Promote")
    assert [u.id for u in reversed_store.units] == ["1", "2", "plan-3"]  # unit 4 has no English


def test_fill_adds_a_target_tuv_in_the_files_layout():
    data = (DATA / "omegat.tmx").read_bytes()
    store = TmxStore.parse(data, "omegat.tmx")
    store.units[3].target = "Adhere to problem orientation"
    out = store.serialize()
    root = etree.fromstring(out)
    tus = root.findall("body/tu")
    new = tus[3].findall("tuv")[1]
    assert new.get(XML_LANG) == "EN-GB" and new.get("creationtool") == "termlock"
    assert new.find("seg").text == "Adhere to problem orientation"
    before = etree.fromstring(data)
    for i in range(3):
        assert etree.tostring(before.findall("body/tu")[i]) == etree.tostring(tus[i])
    assert out.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE tmx SYSTEM "tmx11.dtd">\n')


def test_write_tmx_of_translated_units(tmp_path):
    units = [
        Unit("u1", "推动“双核”联动发展。", "Promote the dual cores & <more>."),
        Unit("u2", "坚持问题导向", None),  # not translated: left out
        Unit("u3", "   ", "blank source: left out"),
        Unit("u4", "三篇大文章\x07", "three big\ud800 articles\x0b"),  # control characters, lone surrogates: not XML
    ]
    out = tmp_path / "done.tmx"
    assert write_tmx(str(out), units) == 2
    root = etree.fromstring(out.read_bytes())
    header = root.find("header")
    assert root.get("version") == "1.4"
    assert (header.get("creationtool"), header.get("srclang"), header.get("datatype")) == ("termlock", "zh", "plaintext")
    tus = root.findall("body/tu")
    assert [tu.get("tuid") for tu in tus] == ["u1", "u4"]
    assert [tuv.get(XML_LANG) for tuv in tus[0]] == ["zh", "en"]
    reread = read_tmx(str(out))
    assert [(u.id, u.source, u.target) for u in reread.units] == [
        ("u1", "推动“双核”联动发展。", "Promote the dual cores & <more>."),
        ("u4", "三篇大文章", "three big articles"),
    ]


_xml_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"),
    min_size=1,
    max_size=30,
).map(str.strip).filter(bool)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_xml_text, _xml_text), min_size=1, max_size=5))
def test_tmx_round_trip_of_arbitrary_text(pairs):
    units = [Unit(f"id-{i}", src, tgt) for i, (src, tgt) in enumerate(pairs)]
    store = TmxStore.parse(tmx_bytes(units, source_lang="zh-CN", target_lang="en-US"), "mem.tmx")
    assert [(u.id, u.source, u.target) for u in store.units] == [(u.id, u.source, u.target) for u in units]


def test_read_bilingual_tmx():
    units = read_bilingual(str(DATA / "omegat.tmx"))
    assert [u.id for u in units] == ["1", "2", "plan-3"]
    assert units[1].target == 'Solve the "choke point" problem'


@pytest.mark.parametrize(
    ("xml", "message", "line"),
    [
        ('<tmx version="1.4"><header srclang="zh"/>\n<body>\n<tu><tuv><seg>双核</seg></tuv></tu></body></tmx>', "<tuv> without xml:lang", 3),
        ('<tmx version="1.4"><header srclang="zh"/><body>\n<tu><tuv xml:lang="zh">双核</tuv></tu></body></tmx>', "<tuv> without <seg>", 2),
        ('<tmx version="1.4"><header srclang="zh"/></tmx>', "<tmx> has no <body>", 1),
        ('<xliff version="1.2"/>', "root element is <xliff>, not <tmx>", 1),
        ('<tmx version="1.4"><header srclang="zh"/><body>\n<tu><tuv xml:lang="zh"><seg>双核</tuv></tu></body></tmx>', "not well-formed TMX", 2),
    ],
)
def test_bad_tmx_errors_name_file_and_line(xml, message, line):
    with pytest.raises(TermlockError) as info:
        TmxStore.parse(xml.encode(), "bad.tmx")
    assert message in str(info.value)
    assert info.value.path == "bad.tmx" and info.value.line == line and info.value.fix


def test_missing_tmx(tmp_path):
    with pytest.raises(TermlockError, match="no such file"):
        read_tmx(str(tmp_path / "missing.tmx"))
