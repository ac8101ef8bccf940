"""The Word reader reads every word a reader sees, once, and nothing hidden or deleted.

Each container test puts a forbidden rendering only in that container of
the translation: the document check must find it (a container the reader
skipped would pass a 1.0 gate). Hostile packages are one clear line.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import pytest

from docx_builder import build_docx, header_section, note, p, part_xml
from termlock.documents.docx import DocxStore, docx_document
from termlock.documents.paragraphs import read_document
from termlock.errors import TermlockError
from termlock.evaluate.document_check import check_document
from termlock.glossary import Glossary, Term

GLOSSARY = Glossary("t", (Term("dual-cores", ("双核",), "dual cores", forbidden=("double nuclei",)),))
BAD = "double nuclei"

#: the peak resident memory of this process alone (VmHWM starts again at exec, unlike ru_maxrss, inherited from pytest)
PEAK = (
    "def peak_kib():\n"
    "    with open('/proc/self/status') as status:\n"
    "        return next(int(line.split()[1]) for line in status if line.startswith('VmHWM:'))\n"
)



def read(path) -> list[str]:
    return read_document(path).paragraphs


def forbidden_found(target: Path) -> int:
    report = check_document(GLOSSARY, ["双核"], read(target), name=target.name)
    return report.terms[0].forbidden_found.get(BAD, 0)


def run(text: str, rpr: str = "") -> str:
    return f'<w:r>{rpr}<w:t xml:space="preserve">{text}</w:t></w:r>'


CONTAINERS = {
    "tracked insertion": f'<w:p>{run("See ")}<w:ins w:id="1" w:author="A">{run(BAD)}</w:ins></w:p>',
    "tracked move (new place)": f'<w:p><w:moveTo w:id="2" w:author="A">{run(BAD)}</w:moveTo></w:p>',
    "hyperlink": f'<w:p><w:hyperlink w:anchor="x">{run(BAD)}</w:hyperlink></w:p>',
    "simple field": f'<w:p><w:fldSimple w:instr=" DOCPROPERTY Title ">{run(BAD)}</w:fldSimple></w:p>',
    "complex field result": (
        '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> REF x </w:instrText></w:r>'
        f'<w:r><w:fldChar w:fldCharType="separate"/></w:r>{run(BAD)}<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
    ),
    "field result spanning paragraphs": (
        '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> TOC \\o </w:instrText></w:r>'
        f'<w:r><w:fldChar w:fldCharType="separate"/></w:r>{run("1 Intro")}</w:p>'
        f'<w:p>{run(BAD)}<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
    ),
    "block content control": f'<w:sdt><w:sdtPr><w:alias w:val="c"/></w:sdtPr><w:sdtContent>{p(BAD)}</w:sdtContent></w:sdt>',
    "inline content control": f'<w:p><w:sdt><w:sdtPr/><w:sdtContent>{run(BAD)}</w:sdtContent></w:sdt></w:p>',
    "smart tag": f'<w:p><w:smartTag w:uri="urn:x" w:element="place">{run(BAD)}</w:smartTag></w:p>',
    "inline custom XML": f'<w:p><w:customXml w:element="term">{run(BAD)}</w:customXml></w:p>',
    "block custom XML": f'<w:customXml w:element="section">{p(BAD)}</w:customXml>',
    "nested table": (
        f'<w:tbl><w:tr><w:tc>{p("outer")}<w:tbl><w:tr><w:tc>{p(BAD)}</w:tc></w:tr></w:tbl>{p("")}</w:tc></w:tr></w:tbl>'
    ),
    "VML text box": (
        f'<w:p><w:r><w:pict><v:shape id="s1"><v:textbox><w:txbxContent>{p(BAD)}</w:txbxContent></v:textbox>'
        "</v:shape></w:pict></w:r></w:p>"
    ),
    "DrawingML text box": (
        '<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:anchor><a:graphic><a:graphicData>'
        f'<wps:wsp><wps:txbx><w:txbxContent>{p(BAD)}</w:txbxContent></wps:txbx></wps:wsp></a:graphicData></a:graphic>'
        '</wp:anchor></w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent>'
        f'{p(BAD)}</w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>'
    ),
}


@pytest.mark.parametrize("container", sorted(CONTAINERS))
def test_a_forbidden_rendering_in_each_body_container_is_found(tmp_path, container):
    target = build_docx(tmp_path / "t.docx", p("The dual cores.") + CONTAINERS[container])
    assert forbidden_found(target) == 1  # once: a text box's fallback copy is not read twice


@pytest.mark.parametrize("kind", ["footnotes", "endnotes", "comments"])
def test_notes_and_comments_are_read(tmp_path, kind):
    separators = ""
    if kind == "footnotes":
        separators = '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
    target = build_docx(tmp_path / "t.docx", p("The dual cores."), parts={f"{kind}.xml": (kind, part_xml(kind, separators + note(kind, 1, BAD)))})
    assert forbidden_found(target) == 1
    assert read(target)[-1] == BAD


@pytest.mark.parametrize("which", ["default", "first", "even"])
@pytest.mark.parametrize("kind", ["header", "footer"])
def test_every_kind_of_header_and_footer_is_read(tmp_path, which, kind):
    parts = {f"{kind}1.xml": (kind, part_xml(kind, p("plain"))), f"{kind}2.xml": (kind, part_xml(kind, p(BAD)))}
    section = header_section(**{f"default_{kind}": f"{kind}1", f"{which}_{kind}": f"{kind}2"} if which != "default"
                             else {f"default_{kind}": f"{kind}2"})
    target = build_docx(tmp_path / "t.docx", p("The dual cores."), parts=parts, section=section)
    assert forbidden_found(target) == 1


def test_every_table_cell_is_read_once_merged_cells_too(tmp_path):
    document = docx.Document()
    table = document.add_table(rows=5, cols=3)
    for row in range(5):
        for column in range(3):
            table.cell(row, column).text = f"cell {row}.{column}"
    table.cell(4, 2).text = BAD
    document.save(tmp_path / "t.docx")
    assert read(tmp_path / "t.docx") == [f"cell {r}.{c}" if (r, c) != (4, 2) else BAD for r in range(5) for c in range(3)]
    merged = docx.Document()
    grid = merged.add_table(rows=3, cols=3)
    grid.cell(0, 0).merge(grid.cell(0, 1)).text = "across"  # gridSpan
    grid.cell(1, 2).merge(grid.cell(2, 2)).text = "down"  # vMerge
    grid.cell(2, 0).text = BAD
    merged.save(tmp_path / "m.docx")
    texts = read(tmp_path / "m.docx")
    assert texts.count("across") == 1 and texts.count("down") == 1 and texts.count(BAD) == 1


def test_deleted_text_field_instructions_and_hidden_text_are_not_read(tmp_path):
    secret_style = '<w:rPr><w:rStyle w:val="Secret"/></w:rPr>'
    shown_again = '<w:rPr><w:vanish w:val="false"/></w:rPr>'
    body = (
        f'<w:p>{run("kept")}<w:del w:id="1" w:author="A"><w:r><w:delText>{BAD}</w:delText></w:r></w:del></w:p>'
        f'<w:p><w:moveFrom w:id="2" w:author="A">{run(BAD)}</w:moveFrom>{run("moved")}</w:p>'
        f'<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> HYPERLINK "{BAD}" </w:instrText></w:r>'
        f'<w:r><w:fldChar w:fldCharType="separate"/></w:r>{run("link")}<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
        f'<w:p>{run("shown ")}{run(BAD, "<w:rPr><w:vanish/></w:rPr>")}</w:p>'
        f'<w:p>{run("styled ")}{run(BAD, secret_style)}</w:p>'
        f'<w:p>{run("unhidden", shown_again)}</w:p>'
    )
    secret = '<w:style w:type="character" w:styleId="Secret"><w:name w:val="Secret"/><w:rPr><w:vanish/></w:rPr></w:style>'
    target = build_docx(tmp_path / "t.docx", body, styles_extra=secret)
    text = read_document(target)
    assert text.paragraphs == ["kept", "moved", "link", "shown", "styled", "unhidden"]
    assert {item.plural: item.count for item in text.not_read} == {
        "hidden runs (w:vanish)": 2, "tracked deletions": 2,
    }
    assert forbidden_found(target) == 0


def test_equations_are_named_as_not_read(tmp_path):
    body = f'<w:p>{run("Area ")}<m:oMath><m:r><m:t>πr²</m:t></m:r></m:oMath></w:p>'
    text = read_document(build_docx(tmp_path / "t.docx", body))
    assert text.paragraphs == ["Area"]
    assert [item.describe() for item in text.not_read] == ["1 equation"]


def test_tabs_and_breaks_separate_words_formatting_runs_do_not(tmp_path):
    body = f'<w:p>{run("dual")}<w:r><w:tab/></w:r>{run("cores")}</w:p><w:p>{run("du")}{run("al", "<w:rPr><w:b/></w:rPr>")}<w:r><w:br/><w:t>cores</w:t></w:r></w:p>'
    assert read(build_docx(tmp_path / "t.docx", body)) == ["dual cores", "dual cores"]


# ------------------------------------------------------------------ hostile


def test_a_million_empty_paragraphs_are_read_in_bounded_memory(tmp_path):
    """The scanner never builds the part's tree: peak memory stays near the interpreter's own."""
    body = "<w:p/>" * 1_000_000 + p("双核")
    path = build_docx(tmp_path / "big.docx", body)
    script = PEAK + (
        "from termlock.documents.paragraphs import read_document\n"
        "from termlock.documents.docx import DocxStore\n"
        f"assert read_document({str(path)!r}).paragraphs == ['双核']\n"
        f"store = DocxStore.parse(open({str(path)!r}, 'rb').read(), 'big.docx')\n"
        "store.units[0].target = 'dual cores'\n"
        "assert len(store.serialize()) < 200_000\n"
        "print(peak_kib())\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    peak_mib = int(done.stdout.split()[-1]) / 1024
    assert peak_mib < 250, f"peak {peak_mib:.0f} MiB"  # python-docx took 732 MB for this


def _zip_with(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def test_hostile_packages_are_one_clear_error_each(tmp_path):
    good = build_docx(tmp_path / "good.docx", p("双核"))
    members = _members(good)
    cases = {}
    cases["truncated"] = (good.read_bytes()[:300], "not a Word .docx package")
    cases["password"] = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 200 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 64,
                         "password-protected")
    cases["old .doc"] = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500, "old binary Word .doc")
    broken = dict(members, **{"word/document.xml": members["word/document.xml"].replace(b"</w:body>", b"</w:bdy>")})
    cases["bad XML"] = (_zip_with(tmp_path / "x.docx", broken).read_bytes(), "not well-formed XML in word/document.xml")
    doctype = dict(members, **{"word/document.xml": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
                                                     + members["word/document.xml"].split(b"?>", 1)[1]})
    cases["DOCTYPE"] = (_zip_with(tmp_path / "d.docx", doctype).read_bytes(), "DOCTYPE")
    cases["not Word"] = (_zip_with(tmp_path / "z.zip", {"a.txt": b"hello"}).read_bytes(), "not a Word package")
    # a bad CRC: one byte of the document part's compressed data changed
    raw = bytearray(good.read_bytes())
    info = zipfile.ZipFile(good).getinfo("word/document.xml")
    data_start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    raw[data_start + info.compress_size // 2] ^= 0xFF
    cases["bad CRC"] = (bytes(raw), "damaged package")
    # a bomb: the directory says the parts unpack to ~4 GB
    bomb = bytearray(good.read_bytes())
    central = bytes(bomb).rindex(b"PK\x01\x02" + bytes(bomb)[bytes(bomb).rindex(b"PK\x01\x02") + 4 : bytes(bomb).rindex(b"PK\x01\x02") + 8])
    bomb[central + 24 : central + 28] = (0xF0000000).to_bytes(4, "little")
    cases["zip bomb"] = (bytes(bomb), "zip bomb")
    for name, (data, message) in cases.items():
        with pytest.raises(TermlockError, match=message) as caught:
            docx_document(data, f"{name}.docx")
        assert "\n" not in caught.value.message, name
        assert caught.value.fix, name


def test_an_untouched_store_writes_the_original_bytes_and_a_translated_one_keeps_other_members(tmp_path):
    path = build_docx(tmp_path / "t.docx", p("双核") + p("卡脖子"))
    data = path.read_bytes()
    store = DocxStore.parse(data, str(path))
    assert store.serialize() == data
    store.units[0].target = "dual cores"
    out = _members(Path(_write(tmp_path / "o.docx", store.serialize())))
    before = _members(path)
    assert out.keys() == before.keys()
    assert {n for n in out if out[n] != before[n]} == {"word/document.xml"}
    assert [para.text for para in docx.Document(io.BytesIO(store.serialize())).paragraphs] == ["dual cores", "卡脖子"]


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_odd_table_markup_is_read_not_a_traceback(tmp_path):
    """A vertical merge continuing in the first row and a nonsense span: every cell's text, once."""
    body = (
        '<w:tbl><w:tblGrid><w:gridCol/><w:gridCol/></w:tblGrid>'
        f'<w:tr><w:tc><w:tcPr><w:vMerge/></w:tcPr>{p("first")}</w:tc><w:tc><w:tcPr><w:gridSpan w:val="abc"/></w:tcPr>{p(BAD)}</w:tc></w:tr>'
        f'<w:tr><w:tc><w:tcPr><w:gridSpan w:val="0"/></w:tcPr>{p("second")}</w:tc></w:tr></w:tbl>'
    )
    assert read(build_docx(tmp_path / "t.docx", body)) == ["first", BAD, "second"]


def test_characters_xml_cannot_hold_are_dropped_from_a_translation(tmp_path):
    path = build_docx(tmp_path / "t.docx", p("双核"))
    store = DocxStore.parse(path.read_bytes(), str(path))
    store.units[0].target = "dual\x0b cores \x00& <b>"
    assert [para.text for para in docx.Document(io.BytesIO(store.serialize())).paragraphs] == ["dual cores & <b>"]
