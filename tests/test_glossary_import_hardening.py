"""Spreadsheet and TBX glossaries: injection-safe export, lossless import, nothing dropped silently."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from termlock.errors import TermlockError
from termlock.glossary import Glossary, Term
from termlock.glossary.formats import export_glossary, import_glossary
from termlock.glossary.formats.notices import ImportNotice
from termlock.glossary.formats.tabular import escape_cell, unescape_cell

DATA = Path(__file__).parent / "data" / "formats"
HOSTILE = "=cmd|' /C calc'!A0"


def hostile_glossary() -> Glossary:
    return Glossary(
        name=HOSTILE,
        terms=(
            Term(id="t1", sources=("双核",), target="dual cores", variants=("+1 cores",), forbidden=("@SUM(A1)",), note="-2 notes"),
            Term(id="t2", sources=("卡脖子",), target="'=already quoted", note="'plain apostrophe"),
        ),
    )


@given(st.text(alphabet="'=+-@\t\rab", max_size=8))
@settings(max_examples=300, deadline=None)
def test_escaping_is_lossless_and_never_starts_a_formula(value):
    escaped = escape_cell(value)
    assert unescape_cell(escaped) == value
    assert not escaped.startswith(("=", "+", "-", "@", "\t", "\r"))


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_csv_and_tsv_export_escape_formula_cells_and_import_them_back(tmp_path, fmt):
    path = tmp_path / f"g.{fmt}"
    export_glossary(hostile_glossary(), str(path))
    text = path.read_text(encoding="utf-8")
    assert "'+1 cores" in text and "'@SUM(A1)" in text and "'-2 notes" in text and "''=already quoted" in text
    back = import_glossary(str(path))
    assert back.terms[0].variants == ("+1 cores",) and back.terms[0].forbidden == ("@SUM(A1)",)
    assert back.terms[0].note == "-2 notes"
    assert back.terms[1].target == "'=already quoted" and back.terms[1].note == "'plain apostrophe"


def test_xlsx_export_writes_text_cells_never_formulas(tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "g.xlsx"
    export_glossary(hostile_glossary(), str(path))
    book = load_workbook(path)
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    assert HOSTILE in [cell.value for cell in cells]
    back = import_glossary(str(path))
    assert back.name == HOSTILE and back.terms[0].forbidden == ("@SUM(A1)",)


def test_an_unclosed_quote_is_refused_with_its_line(tmp_path):
    path = tmp_path / "g.csv"
    path.write_text('source,target,note\n双核,dual cores,x\n卡脖子,stuck neck,"open\n三篇大文章,three big articles,y\n', encoding="utf-8")
    with pytest.raises(TermlockError) as info:
        import_glossary(str(path))
    assert f"{path}:3:" in str(info.value) and "never closed" in str(info.value)


def test_a_quote_closed_rows_later_is_refused_too(tmp_path):
    path = tmp_path / "g.csv"
    path.write_text('source,target,note\n双核,dual cores,"open\n卡脖子,stuck neck,x\n三篇大文章,three big articles,y"\n', encoding="utf-8")
    with pytest.raises(TermlockError, match=r"g\.csv:2: a quoted cell on this line runs over the following rows"):
        import_glossary(str(path))


def test_a_multiline_note_is_still_fine(tmp_path):
    path = tmp_path / "g.csv"
    path.write_text('source,target,note\n双核,dual cores,"Shenyang\nand Dalian"\n', encoding="utf-8")
    assert import_glossary(str(path)).terms[0].note == "Shenyang\nand Dalian"


@pytest.mark.parametrize("header", ["Chinese,English", "zh,en", "source,target", "中文,英文"])
def test_common_headers_are_understood(tmp_path, header):
    path = tmp_path / "g.csv"
    path.write_text(f"{header}\n双核,dual cores\n", encoding="utf-8")
    (term,) = import_glossary(str(path)).terms
    assert (term.sources, term.target) == (("双核",), "dual cores")


@pytest.mark.parametrize("delimiter, name", [(";", "semicolon"), ("\t", "tab")])
def test_semicolon_and_tab_delimiters_are_detected_and_said(tmp_path, delimiter, name):
    path = tmp_path / "g.csv"
    path.write_text(f"source{delimiter}target{delimiter}note\n双核{delimiter}dual cores{delimiter}a, b\n", encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        (term,) = import_glossary(str(path)).terms
    assert (term.target, term.note) == ("dual cores", "a, b")
    notices = [str(w.message) for w in caught if issubclass(w.category, ImportNotice)]
    assert notices == [f"{path}: read as {name}-separated ({delimiter!r} in the header line)"]


def test_tbx_import_keeps_descriptive_data_in_notes_and_lists_what_it_dropped():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        glossary = import_glossary(str(DATA / "tbx_basic_2019.tbx"))
    pattern = glossary.terms[0]
    assert "subjectField: economic policy" in pattern.note.split("\n")
    assert "partOfSpeech (新发展格局): noun" in pattern.note.split("\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        import_glossary(str(DATA / "tbx_basic_2008.tbx"))
    (message,) = [str(w.message) for w in caught if issubclass(w.category, ImportNotice)]
    assert "terms in other languages (de-DE)" in message and "transaction data" in message


def test_cli_prints_import_notes_as_one_line_each(tmp_path, capsys):
    from termlock.cli import main

    path = tmp_path / "g.csv"
    path.write_text("Chinese;English\n双核;dual cores\n", encoding="utf-8")
    assert main(["glossary", "import", str(path), "-o", str(tmp_path / "g.yaml")]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"termlock glossary: note: {path}: read as semicolon-separated (';' in the header line)"
    assert err[1].startswith("imported 1 term ")
