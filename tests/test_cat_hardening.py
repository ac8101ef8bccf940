"""CAT round trips and bilingual reading that no longer lose or invent anything (issue 13)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from termlock.documents.bilingual import read_bilingual
from termlock.documents.tmx import TmxStore, tmx_bytes
from termlock.documents.xliff import MQ_NS, XLIFF12_NS, XliffStore
from termlock.errors import TermlockError
from termlock.evaluate import check
from termlock.glossary import Glossary, Term

DATA = Path(__file__).parent / "data" / "formats"
DUAL = Term(id="dual-cores", sources=("双核",), target="dual cores", forbidden=("double nuclei",))
GLOSSARY = Glossary(name="t", terms=(DUAL,))


def xliff12(source: str, target: str, extra: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{extra}\n'
        '<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">'
        '<file original="a" source-language="zh" target-language="en" datatype="plaintext"><body>'
        f'<trans-unit id="1"><source>{source}</source><target state="translated">{target}</target></trans-unit>'
        "</body></file></xliff>"
    ).encode()


def checked(tmp_path, data: bytes):
    path = tmp_path / "job.xlf"
    path.write_bytes(data)
    units = read_bilingual(str(path))
    return check(GLOSSARY, [u.source for u in units], [u.target for u in units])


# ------------------------------------------------------------- inline codes separate words


@pytest.mark.parametrize(
    "target",
    ['Adhere to<x id="1"/>dual cores.', "Adhere to<ph id=\"1\">&lt;br/&gt;</ph>dual cores.", 'dual<x id="1"/> cores'],
)
def test_a_placeholder_between_words_is_a_word_boundary(tmp_path, target):
    result = checked(tmp_path, xliff12('坚持<x id="1"/>双核', target))
    assert (result.summary.ok, result.summary.missing) == (1, 0)


def test_a_zero_width_joiner_placeholder_joins_and_formatting_codes_do_not_split(tmp_path):
    joined = checked(tmp_path, xliff12("双核", 'in<ph id="1">&#x200D;</ph>dividual cores'))
    assert joined.summary.missing == 1  # "individual cores": still one word, not "dual cores"
    bold = checked(tmp_path, xliff12("双核", 'in<g id="1">dividual</g> cores'))
    assert bold.summary.missing == 1


# ------------------------------------------------------------- entities


def test_an_internal_entity_in_an_xliff_source_is_refused(tmp_path):
    data = xliff12("坚持&term;驱动", "double nuclei drive", '\n<!DOCTYPE xliff [ <!ENTITY term "双核"> ]>')
    path = tmp_path / "ent.xlf"
    path.write_bytes(data)
    with pytest.raises(TermlockError) as info:
        read_bilingual(str(path))
    assert "&term;" in str(info.value) and str(path) in str(info.value)


def test_a_tbx_with_an_entity_reference_is_refused(tmp_path):
    from termlock.glossary.formats import import_glossary

    tbx = tmp_path / "t.tbx"
    tbx.write_text(
        '<?xml version="1.0"?><!DOCTYPE martif [ <!ENTITY dc "dual cores"> ]>'
        '<martif type="TBX" xml:lang="en"><text><body><termEntry id="1">'
        '<langSet xml:lang="zh"><tig><term>双核</term></tig></langSet>'
        '<langSet xml:lang="en"><tig><term>&dc;</term></tig></langSet>'
        "</termEntry></body></text></martif>",
        encoding="utf-8",
    )
    with pytest.raises(TermlockError, match="&dc;"):
        import_glossary(str(tbx))


# ------------------------------------------------------------- XLIFF 2.0 translate="no"

XLIFF20_PROTECTED = """<?xml version="1.0" encoding="UTF-8"?>
<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="zh" trgLang="en">
 <file id="f1"><unit id="u1"><segment><source>坚持<mrk id="m1" translate="no">双核</mrk>驱动</source></segment></unit></file>
</xliff>"""


def test_xliff20_mrk_translate_no_is_kept_and_its_term_not_required():
    store = XliffStore.parse(XLIFF20_PROTECTED.encode(), "p.xlf")
    (unit,) = store.units
    assert "双核" not in unit.source  # never sent to the model, never required
    unit.target = "Adhere to the drive"
    written = etree.fromstring(store.serialize())
    mrk = written.find(".//{urn:oasis:names:tc:xliff:document:2.0}target/{urn:oasis:names:tc:xliff:document:2.0}mrk")
    assert mrk is not None and mrk.text == "双核" and mrk.get("translate") == "no"


# ------------------------------------------------------------- memoQ state


def test_memoq_units_filled_by_termlock_are_read_back_as_translated(tmp_path):
    data = (DATA / "memoq.mqxliff").read_bytes().replace(
        b'<target xml:space="preserve"></target>', b'<target xml:space="preserve" state="new"></target>'
    )
    store = XliffStore.parse(data, "m.mqxliff")
    filled = [u.id for u in store.units if u.translatable]
    for unit in store.units:
        if unit.translatable:
            unit.target = "dual cores"
    written = store.serialize()
    root = etree.fromstring(written)
    for uid in filled:
        tu = root.find(f".//{{{XLIFF12_NS}}}trans-unit[@id='{uid}']")
        assert tu.get(f"{{{MQ_NS}}}status") == "MachineTranslated"
        assert tu.find(f"{{{XLIFF12_NS}}}target").get("state") == "needs-review-translation"
    path = tmp_path / "m.mqxliff"
    path.write_bytes(written)
    checked_ids = {u.id for u in read_bilingual(str(path))}
    assert set(filled) <= checked_ids


def test_memoq_status_wins_over_a_stale_new_state_when_reading(tmp_path):
    data = (DATA / "memoq.mqxliff").read_bytes().replace(
        b'mq:status="NotStarted" mq:percent="0" mq:locked="no">',
        b'mq:status="MachineTranslated" mq:percent="0" mq:locked="no">',
    ).replace(
        b'<target xml:space="preserve"></target>\n        <note>',
        b'<target xml:space="preserve" state="new">Adhere to problem orientation</target>\n        <note>',
    )
    path = tmp_path / "m.mqxliff"
    path.write_bytes(data)
    assert "1" in {u.id for u in read_bilingual(str(path))}


# ------------------------------------------------------------- --tmx keeps inline codes


def test_tmx_of_translated_xliff_units_keeps_inline_codes_as_tmx_elements():
    source = '增长<ph id="1">{1}</ph>，推动<g id="2">双核</g>联动'
    data = xliff12(source, "").replace(b'<target state="translated"></target>', b"")
    store = XliffStore.parse(data, "j.xlf")
    (unit,) = store.units
    unit.target = "growth, promote the dual cores together"
    store.serialize()
    tmx = etree.fromstring(tmx_bytes([unit], source_lang="zh", target_lang="en", tokens_of=store.inline_tokens))
    source_seg, target_seg = tmx.findall(".//seg")
    for seg in (source_seg, target_seg):
        assert [e.tag for e in seg] == ["ph", "bpt", "ept"]
        assert seg[0].text == "{1}" and seg[1].get("i") == seg[2].get("i")
    assert "".join(source_seg.itertext()) == "增长{1}，推动双核联动"
    # and a CAT tool reading it back gets the same plain text
    reread = TmxStore.parse(etree.tostring(tmx), "r.tmx")
    assert reread.units[0].source == "增长，推动双核联动"


def test_translate_tmx_of_an_xliff_keeps_its_inline_codes(tmp_path, tiny_model_dir, capsys):
    from termlock.cli import main

    job = tmp_path / "job.xlf"
    job.write_bytes(xliff12('增长<ph id="1">{1}</ph>，推动<g id="2">双核</g>联动', "").replace(b'<target state="translated"></target>', b""))
    code = main(["translate", "-i", str(job), "-o", str(tmp_path / "out.xlf"), "--tmx", str(tmp_path / "out.tmx"),
                 "--model", str(tiny_model_dir), "--beam", "1", "--max-length", "8", "--glossary", "bundled"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    tmx = etree.parse(str(tmp_path / "out.tmx"))
    for seg in tmx.findall(".//seg"):
        assert [e.tag for e in seg] == ["ph", "bpt", "ept"] and seg[0].text == "{1}"
