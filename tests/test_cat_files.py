"""Real files from real CAT tools come back as the tool wrote them, with only the targets changed (issue 24).

Each test here failed before its fix: ``--xliff-notes`` breaking the
XLIFF 2.0 schema order, the nearest ``translate`` attribute, UTF-16 and
CRLF files written back as UTF-8/LF, a large embedded original refused,
TMX and SDLXLIFF history credited to the wrong author, the one overwrite
rule (drafts with ``--overwrite``, a person's finished work only with
``--overwrite-confirmed``) and memoQ's stale match percentage.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from lxml import etree

from termlock.documents.tmx import TmxStore
from termlock.documents.xliff import MQ_NS, SDL_NS, XLIFF12_NS, XLIFF20_NS, XliffStore
from termlock.errors import TermlockError

DATA = Path(__file__).parent / "data" / "formats"
N12 = {"x": XLIFF12_NS, "sdl": SDL_NS, "mq": MQ_NS}
N20 = {"x": XLIFF20_NS}


def filled(store, text: str = "dual cores"):
    for unit in store.units:
        if unit.translatable:
            unit.target = text
    return store


def local(element) -> str:
    return etree.QName(element).localname


# ------------------------------------------------------------- XLIFF 2.0 notes in schema order


def test_xliff20_notes_go_after_extensions_and_before_original_data(tmp_path):
    data = (DATA / "sample20.xlf").read_bytes()
    start = data.index(b"      <notes>\n        <note category=\"context\">")
    end = data.index(b"</notes>\n", start) + len(b"</notes>\n")
    data = data[:start] + data[end:]  # unit u1: mda:metadata, originalData, segments, no notes yet
    store = XliffStore.parse(data, "s.xlf")
    assert store.annotate({"u1:s1": ["missing: dual cores"], "u2": ["forbidden: double nuclei"]}) == 2
    root = etree.fromstring(store.original)
    u1 = root.find(".//x:unit[@id='u1']", N20)
    assert [local(c) for c in u1 if isinstance(c.tag, str)] == ["metadata", "notes", "originalData", "segment", "ignorable", "segment"]
    u2 = root.find(".//x:unit[@id='u2']", N20)
    assert [local(c) for c in u2 if isinstance(c.tag, str)] == ["notes", "segment"]
    text = store.original.decode()
    # indented like their siblings: the notes at the unit's children's indent, the note one level deeper
    assert "\n      </mda:metadata>\n      <notes>\n        <note category=\"termlock\"" in text
    assert "</note>\n      </notes>\n      <originalData>" in text


def test_xliff20_a_note_added_to_existing_notes_is_indented_like_them():
    store = XliffStore.parse((DATA / "sample20.xlf").read_bytes(), "s.xlf")
    store.annotate({"u1:s1": ["missing: dual cores"]})
    assert (
        '        <note category="context">Heading of the first section</note>\n'
        '        <note category="termlock" priority="1">segment s1: missing: dual cores</note>\n'
        "      </notes>\n"
    ) in store.original.decode()


# ------------------------------------------------------------- the nearest translate attribute


XLIFF20_NESTED = """<?xml version="1.0" encoding="UTF-8"?>
<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="zh" trgLang="en">
 <file id="f" translate="no">
  <group id="g" translate="yes">
   <unit id="open"><segment><source>双核驱动</source></segment></unit>
   <unit id="closed" translate="no"><segment><source>辽宁日报</source></segment></unit>
  </group>
  <unit id="file-level"><segment><source>卡脖子</source></segment></unit>
 </file>
</xliff>"""


def test_xliff20_the_nearest_translate_attribute_wins():
    units = {u.id: u for u in XliffStore.parse(XLIFF20_NESTED.encode(), "n.xlf").units}
    assert units["open"].translatable and units["open"].meta["status"] == "untranslated"
    assert units["closed"].meta["status"] == "locked"
    assert units["file-level"].meta["status"] == "locked"


def test_xliff12_a_unit_saying_yes_inside_a_group_saying_no_is_translated():
    data = (DATA / "okapi12.xlf").read_bytes().replace(b'<trans-unit id="t4">', b'<trans-unit id="t4" translate="yes">')
    units = {u.id: u for u in XliffStore.parse(data, "o.xlf").units}
    assert units["t4"].translatable


# ------------------------------------------------------------- encodings, prologs and line ends

TMX_UTF16 = (
    '<?xml version="1.0" encoding="UTF-16"?>\r\n'
    '<!DOCTYPE tmx SYSTEM "tmx14.dtd">\r\n'
    "<!-- exported by a CAT tool -->\r\n"
    '<tmx version="1.4">\r\n'
    '  <header creationtool="X" creationtoolversion="1" segtype="sentence" o-tmf="X" adminlang="en" srclang="zh-CN" datatype="plaintext"/>\r\n'
    "  <body>\r\n"
    "    <tu>\r\n"
    '      <tuv xml:lang="zh-CN">\r\n'
    "        <seg>推动双核联动</seg>\r\n"
    "      </tuv>\r\n"
    "    </tu>\r\n"
    "  </body>\r\n"
    "</tmx>\r\n\r\n"
)


@pytest.mark.parametrize("bom, codec", [(b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")])
def test_a_utf16_tmx_comes_back_in_utf16_with_its_prolog_line_ends_and_trailing_newlines(bom, codec):
    original = bom + TMX_UTF16.encode(codec)
    store = filled(TmxStore.parse(original, "m.tmx"))
    written = store.serialize()
    assert written.startswith(bom)
    text = written[len(bom):].decode(codec)
    prolog = TMX_UTF16[: TMX_UTF16.index("<tmx")]
    assert text.startswith(prolog)  # declaration, DOCTYPE, comment as they were
    assert text.endswith("</tmx>\r\n\r\n")
    assert text.count("\n") == text.count("\r\n")  # CRLF throughout, none bare
    assert '        <seg>dual cores</seg>\r\n' in text  # the new <tuv> is laid out like its sibling
    assert [u.target for u in TmxStore.parse(written, "again.tmx").units] == ["dual cores"]


def test_a_crlf_xliff_keeps_crlf_in_its_body_and_indents_a_new_target_like_its_source():
    original = (DATA / "okapi12.xlf").read_bytes().replace(b"\n", b"\r\n")
    written = filled(XliffStore.parse(original, "o.xlf")).serialize()
    assert written.count(b"\n") == written.count(b"\r\n")
    lines = written.decode().split("\r\n")
    source_line = next(i for i, line in enumerate(lines) if "中国共产党辽宁省第十三届委员会全体会议" in line)
    target, note = lines[source_line + 1], lines[source_line + 2]
    indent = lines[source_line][: len(lines[source_line]) - len(lines[source_line].lstrip())]
    assert target.startswith(indent + "<target") and note.startswith(indent + "<note")


def test_a_latin1_xliff_keeps_its_encoding_and_escapes_what_it_cannot_hold():
    original = (DATA / "okapi12.xlf").read_bytes().decode().replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')
    original = original.encode("latin-1", errors="xmlcharrefreplace")
    store = XliffStore.parse(original, "o.xlf")
    written = filled(store, "Zwei Kerne – «dual»").serialize()
    assert written.startswith(b'<?xml version="1.0" encoding="ISO-8859-1"?>')
    assert "Zwei Kerne &#8211; «dual»".encode("latin-1") in written
    again = XliffStore.parse(written, "again.xlf")
    assert {u.target for u in again.units if u.meta["status"] == "translated"} == {"Zwei Kerne – «dual»"}


# ------------------------------------------------------------- a large embedded original, no entity expansion


def sdlxliff_with_internal_file(megabytes: int, doctype: str = "") -> bytes:
    payload = base64.b64encode(b"PK\x03\x04" + bytes(range(256)) * (megabytes * 4096)).decode()
    head = (DATA / "trados.sdlxliff").read_text(encoding="utf-8-sig")
    head = head.replace(
        "<header><file-info",
        f'<header><reference><internal-file form="base64">{payload}</internal-file></reference><file-info',
    )
    if doctype:
        head = head.replace('<?xml version="1.0" encoding="utf-8"?>', '<?xml version="1.0" encoding="utf-8"?>' + doctype)
    return head.encode()


def test_an_sdlxliff_with_an_11_mb_embedded_original_parses_and_round_trips():
    data = sdlxliff_with_internal_file(11)
    assert len(data) > 11_000_000
    store = XliffStore.parse(data, "big.sdlxliff")
    assert [u.id for u in store.units] == [u.id for u in XliffStore.parse((DATA / "trados.sdlxliff").read_bytes(), "t").units]
    written = filled(store).serialize()
    root = etree.fromstring(written, etree.XMLParser(huge_tree=True))
    internal = root.find(".//x:internal-file", N12)
    assert len(internal.text) == len(base64.b64encode(b"PK\x03\x04" + bytes(range(256)) * (11 * 4096)))


def test_a_large_text_node_never_opens_the_door_to_entities():
    laughs = '<!DOCTYPE xliff [<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "' + f"&{chr(97 + i)};" * 10 + '">' for i in range(8)) + "]>"
    with pytest.raises(TermlockError) as refused:
        XliffStore.parse(sdlxliff_with_internal_file(11, laughs), "laughs.sdlxliff")
    assert "declares entities" in str(refused.value) and "laughs.sdlxliff" in str(refused.value)
    small_laughs = sdlxliff_with_internal_file(0, laughs).replace(b"\xe6\x9e\x84\xe5\xbb\xba", b"&i;")
    with pytest.raises(TermlockError, match="not well-formed XLIFF|entity reference &i;"):
        XliffStore.parse(small_laughs, "small.sdlxliff")


# ------------------------------------------------------------- one overwrite rule for every tool

SDL_LEVELS = {
    "Draft": False, "RejectedTranslation": False, "RejectedSignOff": False,
    "Translated": True, "ApprovedTranslation": True, "ApprovedSignOff": True,
}


def sdl_segment(conf: str) -> bytes:
    return (DATA / "trados.sdlxliff").read_bytes().replace(
        b'<sdl:seg id="3" conf="Translated" origin="interactive">',
        f'<sdl:seg id="3" conf="{conf}" origin="tm" origin-system="Main TM" percent="87" text-match="SourceAndTarget">'.encode(),
    )


@pytest.mark.parametrize("conf, finished", list(SDL_LEVELS.items()))
def test_trados_confirmation_levels(conf, finished):
    uid = "6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d"
    drafts = {u.id: u for u in XliffStore.parse(sdl_segment(conf), "t.sdlxliff", overwrite=True).units}
    assert drafts[uid].translatable is not finished
    assert drafts[uid].meta["status"] == ("confirmed" if finished else "translated")
    everything = {u.id: u for u in XliffStore.parse(sdl_segment(conf), "t.sdlxliff", overwrite_confirmed=True).units}
    assert everything[uid].translatable
    assert not everything["7b8c9d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e"].translatable  # sdl:seg locked="true": never


def test_a_replaced_trados_draft_keeps_its_origin_history_as_studio_does():
    store = XliffStore.parse(sdl_segment("Draft"), "t.sdlxliff", overwrite=True)
    written = etree.fromstring(filled(store).serialize())
    seg = written.find(".//sdl:seg[@id='3']", N12)
    assert (seg.get("conf"), seg.get("origin"), seg.get("origin-system")) == ("Draft", "mt", "termlock")
    assert seg.get("percent") is None and seg.get("text-match") is None
    previous = seg.find("sdl:prev-origin", N12)
    assert previous is not None and seg[0] is previous
    assert (previous.get("origin"), previous.get("origin-system"), previous.get("percent"), previous.get("text-match")) == (
        "tm", "Main TM", "87", "SourceAndTarget")
    # the translator's record moves with the translation it describes
    assert previous.find("sdl:value[@key='created_by']", N12).text == "translator01"
    assert seg.find("sdl:value", N12) is None


MEMOQ_STATUSES = {
    "Pretranslated": False, "MachineTranslated": False, "PartiallyEdited": False, "AssembledFromFragments": False,
    "Rejected": False, "Confirmed": True, "ManuallyConfirmed": True, "Proofread": True, "ConfirmedTranslator": True,
    "Reviewer1Confirmed": True, "Reviewer2Confirmed": True,
}


@pytest.mark.parametrize("status, finished", list(MEMOQ_STATUSES.items()))
def test_memoq_statuses(status, finished):
    data = (DATA / "memoq.mqxliff").read_bytes().replace(b'mq:status="ManuallyConfirmed"', f'mq:status="{status}"'.encode())
    unit = {u.id: u for u in XliffStore.parse(data, "m.mqxliff", overwrite=True).units}["3"]
    assert unit.translatable is not finished
    assert {u.id: u for u in XliffStore.parse(data, "m.mqxliff", overwrite_confirmed=True).units}["3"].translatable


def test_a_memoq_unit_replaced_by_mt_drops_its_match_percentage():
    data = (DATA / "memoq.mqxliff").read_bytes().replace(
        b'mq:status="ManuallyConfirmed" mq:percent="100"', b'mq:status="Pretranslated" mq:percent="87"')
    written = etree.fromstring(filled(XliffStore.parse(data, "m.mqxliff", overwrite=True)).serialize())
    tu = written.find(".//x:trans-unit[@id='3']", N12)
    assert tu.get(f"{{{MQ_NS}}}status") == "MachineTranslated"
    assert tu.get(f"{{{MQ_NS}}}percent") is None


XLIFF12_STATES = {
    '<target state="needs-review-translation">': False,
    '<target state="translated" state-qualifier="leveraged-mt">': False,
    '<target state="translated" state-qualifier="exact-match">': False,
    '<target state="needs-l10n">': False,
    '<target state="translated">': True,
    "<target>": True,  # no state: a translation of unknown origin is taken for a person's
    '<target state="final">': True,
    '<target state="signed-off">': True,
}


@pytest.mark.parametrize("target, finished", list(XLIFF12_STATES.items()))
def test_xliff12_states(target, finished):
    data = (
        '<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2"><file original="a" source-language="zh" '
        f'target-language="en" datatype="plaintext"><body><trans-unit id="1"><source>双核</source>{target}double nuclei</target>'
        "</trans-unit></body></file></xliff>"
    ).encode()
    assert XliffStore.parse(data, "a.xlf", overwrite=True).units[0].translatable is not finished
    assert XliffStore.parse(data, "a.xlf", overwrite_confirmed=True).units[0].translatable


XLIFF20_STATES = {
    'state="initial"': False, "": False, 'state="translated" subState="termlock:mt"': False,
    'state="translated"': True, 'state="reviewed"': True, 'state="final"': True,
}


@pytest.mark.parametrize("state, finished", list(XLIFF20_STATES.items()))
def test_xliff20_states(state, finished):
    data = (
        '<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="zh" trgLang="en"><file id="f">'
        f'<unit id="u"><segment {state}><source>双核</source><target>double nuclei</target></segment></unit></file></xliff>'
    ).encode()
    assert XliffStore.parse(data, "a.xlf", overwrite=True).units[0].translatable is not finished
    assert XliffStore.parse(data, "a.xlf", overwrite_confirmed=True).units[0].translatable


def test_phrase_confirmed_segments_need_overwrite_confirmed():
    data = (
        '<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2" xmlns:m="http://www.memsource.com/mxlf/2.0">'
        '<file original="a" source-language="zh" target-language="en" datatype="plaintext"><body>'
        '<trans-unit id="1" m:confirmed="1"><source>双核</source><target>dual cores</target></trans-unit>'
        '<trans-unit id="2" m:confirmed="0" m:trans-origin="mt"><source>卡脖子</source><target>stuck neck</target></trans-unit>'
        "</body></file></xliff>"
    ).encode()
    assert [u.translatable for u in XliffStore.parse(data, "p.mxliff", overwrite=True).units] == [False, True]


# ------------------------------------------------------------- TMX: a person's work, and who made the MT


def test_tmx_targets_are_a_persons_unless_marked_as_machine_translation():
    omegat = (DATA / "omegat.tmx").read_bytes()
    assert not any(u.translatable for u in TmxStore.parse(omegat, "o.tmx", overwrite=True).units if u.target)
    marked = omegat.replace(b'changeid="translator01" changedate="20240514T093544Z" creationid="translator01"',
                            b'changeid="MT!" changedate="20240514T093544Z" creationid="MT!"')
    units = TmxStore.parse(marked, "o.tmx", overwrite=True).units
    assert [u.translatable for u in units if u.target] == [False, True, False]


def test_tmx_overwrite_confirmed_does_not_credit_the_machine_translation_to_the_translator():
    store = filled(TmxStore.parse((DATA / "omegat.tmx").read_bytes(), "o.tmx", overwrite_confirmed=True))
    root = etree.fromstring(store.serialize())
    for tu in root.iter("tu"):
        target = [t for t in tu.findall("tuv") if t.get("{http://www.w3.org/XML/1998/namespace}lang").startswith("EN")][-1]
        for name in ("changeid", "creationid", "changedate", "creationdate"):
            assert target.get(name) is None, (name, etree.tostring(target))
        assert target.get("creationtool") == "termlock"
        assert tu.get("changeid") is None
    # and a replaced target is machine translation to the next --overwrite
    again = TmxStore.parse(store.serialize(), "again.tmx", overwrite=True)
    assert all(u.translatable for u in again.units if u.target)


def test_translate_overwrite_keeps_confirmed_work_and_overwrite_confirmed_replaces_it(tmp_path, tiny_model_dir, capsys):
    from termlock.cli import main

    source = tmp_path / "job.sdlxliff"
    source.write_bytes(sdl_segment("ApprovedTranslation").replace(
        b'<sdl:seg id="1"/>', b'<sdl:seg id="1" conf="Draft" origin="mt"/>').replace(
        b'<target><mrk mtype="seg" mid="1"/>', b'<target><mrk mtype="seg" mid="1">old machine translation</mrk>'))
    common = ["--model", str(tiny_model_dir), "--beam", "1", "--max-length", "8", "--constraints", "off",
              "--glossary", str(Path(__file__).parent / "data" / "check" / "glossary.yaml")]
    out = tmp_path / "out.sdlxliff"
    assert main(["translate", "-i", str(source), "-o", str(out), "--overwrite", *common]) == 0, capsys.readouterr().err
    after = {u.id: u for u in XliffStore.parse(out.read_bytes(), "out").units}
    approved = "6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d"
    assert after[approved].target == "Build the new development pattern." and after[approved].meta["sdl_conf"] == "ApprovedTranslation"
    first = "5f1d2c3b-7e8a-4d9c-a1b2-c3d4e5f60718:1"
    assert after[first].target != "old machine translation" and after[first].meta["sdl_origin"] == "mt"
    out2 = tmp_path / "out2.sdlxliff"
    assert main(["translate", "-i", str(source), "-o", str(out2), "--overwrite-confirmed", *common]) == 0
    after = {u.id: u for u in XliffStore.parse(out2.read_bytes(), "out").units}
    assert after[approved].meta["sdl_conf"] == "Draft" and after[approved].meta["sdl_origin"] == "mt"


# ------------------------------------------------------------- --xliff-notes in each tool's own comment element


def test_xliff_notes_in_sdlxliff_are_trados_segment_comments():
    uid = "6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d"
    data = (DATA / "trados.sdlxliff").read_bytes()
    store = XliffStore.parse(data, "t.sdlxliff")
    assert store.annotate({uid: ["missing: new development pattern", "forbidden: x"]}) == 2
    root = etree.fromstring(store.original)
    assert not root.findall(".//x:note", N12)  # no plain notes: Studio does not show them
    (definition,) = root.findall("sdl:doc-info/sdl:cmt-defs/sdl:cmt-def", N12)
    comments = definition.findall("sdl:Comments/sdl:Comment", N12)
    assert [c.text for c in comments] == ["missing: new development pattern", "forbidden: x"]
    assert {(c.get("user"), c.get("severity"), c.get("version")) for c in comments} == {("termlock", "Medium", "1.0")}
    marker = root.find(".//x:target/x:mrk[@mid='3']/x:mrk", N12)
    assert marker.get("mtype") == "x-sdl-comment" and marker.get(f"{{{SDL_NS}}}cid") == definition.get("id")
    assert marker.text == "Build the new development pattern."
    # the file still reads the same, and annotating again replaces the comment instead of adding one
    again = XliffStore.parse(store.original, "t.sdlxliff")
    assert [(u.id, u.target) for u in again.units] == [(u.id, u.target) for u in XliffStore.parse(data, "t").units]
    again.annotate({uid: ["only this"]})
    root = etree.fromstring(again.original)
    assert [c.text for c in root.iter(f"{{{SDL_NS}}}Comment")] == ["only this"]
    assert len(root.findall(".//x:mrk[@mtype='x-sdl-comment']", N12)) == 1
    assert again.annotate({}) == 0 and b"x-sdl-comment" not in again.original and b"cmt-def" not in again.original


def test_xliff_notes_in_mqxliff_are_memoq_row_comments():
    data = (DATA / "memoq.mqxliff").read_bytes()
    store = XliffStore.parse(data, "m.mqxliff")
    assert store.annotate({"3": ["inconsistent: revitalization"]}) == 1
    root = etree.fromstring(store.original)
    tu = root.find(".//x:trans-unit[@id='3']", N12)
    assert tu.find("x:note", N12) is None
    (comment,) = tu.findall("mq:comments/mq:comment", N12)
    assert comment.text == "inconsistent: revitalization"
    assert (comment.get("creatoruser"), comment.get("appliesto"), comment.get("deleted")) == ("termlock", "Target", "false")
    assert "      </target>\n        <mq:comments>" not in store.original.decode()  # laid out like its siblings
    assert "\n        <mq:comments>\n          <mq:comment " in store.original.decode()
    again = XliffStore.parse(store.original, "m.mqxliff")
    assert again.annotate({}) == 0 and b"mq:comment" not in again.original


def test_a_reviewers_correction_of_termlocks_tmx_translation_is_a_persons_work():
    store = filled(TmxStore.parse((DATA / "omegat.tmx").read_bytes(), "o.tmx"))
    machine = TmxStore.parse(store.serialize(), "mt.tmx")
    (added,) = [u for u in machine.units if u.meta["status"] == "translated"]  # termlock's own MT: a draft
    machine.revise(added.id, "three-year action for comprehensive revitalization", by="Li Wei")
    reviewed = TmxStore.parse(machine.serialize(), "reviewed.tmx", overwrite=True)
    assert not {u.id: u for u in reviewed.units}[added.id].translatable  # only --overwrite-confirmed replaces it


def test_approved_units_stay_closed_to_a_reviewers_edit_but_not_to_overwrite_confirmed():
    store = XliffStore.parse((DATA / "okapi12.xlf").read_bytes(), "o.xlf", overwrite_confirmed=True)
    assert {u.id: u for u in store.units}["t3"].translatable
    with pytest.raises(TermlockError, match="is locked in this file"):
        store.revise("t3", "a new development pattern")
