"""Glossary import/export: TBX 2008 and 2019, CSV/TSV, XLSX, the YAML
round trips, the `termlock glossary` command and bad files."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from termlock.cli import main
from termlock.errors import TermlockError
from termlock.glossary import Glossary, GlossaryError, Term, load_glossary
from termlock.glossary.formats import export_glossary, glossary_bytes, import_glossary
from termlock.glossary.formats.tabular import read_table, table_bytes
from termlock.glossary.formats.tbx import read_tbx, tbx_bytes
from termlock.glossary.formats.xlsx import read_xlsx, xlsx_bytes

DATA = Path(__file__).parent / "data" / "formats"

RICH = Glossary(
    name="Liaoning political terms, 2024 \"plenary\" edition",
    source_lang="zh",
    target_lang="en",
    terms=(
        Term("dual-cores", ("双核",), "dual cores", ("dual-core hubs",), ("double nuclei",), note="Shenyang and Dalian"),
        Term("stuck-neck", ("卡脖子", "卡脖子技术"), "stuck neck", (), ("chokehold", "choke point"), exact=True),
        Term("14th-five-year-plan", ("十四五",), "14th Five-Year Plan", ("14th FYP",), case_sensitive=True,
             note="Capitalised: a proper name.\nSecond line, with a comma, \"quotes\" & <angle brackets>."),
        Term("bri", ("一带一路", "一帶一路"), "Belt and Road", (), ("One Belt, One Road",), case_sensitive=True, exact=True),
        Term("new-development-pattern", ("新发展格局",), "new development pattern"),
    ),
)


def same_terms(a: Glossary, b: Glossary) -> None:
    assert (a.name, a.source_lang, a.target_lang) == (b.name, b.source_lang, b.target_lang)
    assert list(a.terms) == list(b.terms)


# ---------------------------------------------------------------------- TBX


def test_tbx_basic_2008_import_maps_statuses():
    glossary = import_glossary(DATA / "tbx_basic_2008.tbx")
    assert glossary.name == "辽宁省委全会术语库 Liaoning plenary termbase"
    assert (glossary.source_lang, glossary.target_lang) == ("zh-CN", "en-US")
    dual, neck, articles = glossary.terms
    assert dual.id == "c1001" and dual.sources == ("双核",)
    assert (dual.target, dual.variants, dual.forbidden) == ("dual cores", ("dual-core hubs",), ("double nuclei",))
    assert dual.note.startswith("Shenyang and Dalian as the two growth poles of Liaoning")
    assert "Doppelkern" not in (dual.target, *dual.variants, *dual.forbidden)  # German ignored
    assert neck.sources == ("卡脖子", "卡脖子技术")  # ntig/termGrp, every source spelling
    assert (neck.target, neck.forbidden) == ("stuck neck", ("chokehold",))  # superseded -> forbidden
    # data the schema has no field for is kept in the note (nothing dropped silently), after the definition
    assert neck.note.split("\n") == [
        "Technology bottlenecks imposed from outside",
        'context (stuck neck): Tackle the "stuck neck" problems in key technologies.',
    ]
    assert (articles.target, articles.variants, articles.note) == ("three big articles", ("three major tasks",), None)
    assert dual.line == 19 and glossary.path == str(DATA / "tbx_basic_2008.tbx")


def test_tbx_2019_import_maps_statuses():
    glossary = import_glossary(DATA / "tbx_basic_2019.tbx")
    assert glossary.name == "Party and government terms"
    pattern, bri, reform = glossary.terms
    assert pattern.id == "new-development-pattern"
    assert (pattern.target, pattern.variants, pattern.forbidden) == (
        "new development pattern", ("new development paradigm",), ("new pattern of development",))
    assert pattern.note.startswith("Domestic circulation as the mainstay")
    assert bri.sources == ("一带一路", "一帶一路") and bri.forbidden == ("One Belt, One Road",)
    assert bri.note == "Use the full name at first mention."
    assert (reform.target, reform.variants, reform.forbidden) == ("supply-side structural reform", (), ())


def test_tbx_core_and_dct_style():
    core = """<?xml version="1.0"?>
<tbx type="TBX-Core" style="dct" xml:lang="en" xmlns="urn:iso:std:iso:30042:ed-2" xmlns:basic="http://www.tbxinfo.net/ns/basic">
<tbxHeader><fileDesc><sourceDesc><p>x</p></sourceDesc></fileDesc></tbxHeader>
<text><body>
<conceptEntry id="c1"><langSec xml:lang="zh-Hans"><termSec><term>县域经济</term></termSec></langSec>
<langSec xml:lang="en-GB"><termSec><term>county economy</term></termSec><termSec><term>county-level economy</term></termSec></langSec></conceptEntry>
<conceptEntry id="c2"><basic:definition>Targeting problems first</basic:definition>
<langSec xml:lang="zh-Hans"><termSec><term>问题导向</term></termSec></langSec>
<langSec xml:lang="en-GB"><termSec><term>problem orientation</term><basic:administrativeStatus>deprecatedTerm-admn-sts</basic:administrativeStatus></termSec>
<termSec><term>problem-oriented approach</term><basic:administrativeStatus>preferredTerm-admn-sts</basic:administrativeStatus></termSec></langSec></conceptEntry>
</body></text></tbx>""".encode()
    glossary = read_tbx(core, "core.tbx")
    county, problem = glossary.terms
    assert (county.target, county.variants) == ("county economy", ("county-level economy",))
    assert (problem.target, problem.forbidden, problem.note) == (
        "problem-oriented approach", ("problem orientation",), "Targeting problems first")
    assert glossary.name == "core"  # no title: the file name


@pytest.mark.parametrize("version", ["2008", "2019"])
def test_tbx_round_trip_loses_nothing(version):
    data = tbx_bytes(RICH, version=version)
    root = etree.fromstring(data)
    assert etree.QName(root).localname == ("martif" if version == "2008" else "tbx")
    back = read_tbx(data, f"rich.{version}.tbx")
    same_terms(RICH, back)


def test_tbx_ids_that_are_not_xml_ids_survive():
    data = tbx_bytes(RICH, version="2019")
    root = etree.fromstring(data)
    ids = [e.get("id") for e in root.iter("{urn:iso:std:iso:30042:ed-2}conceptEntry")]
    assert ids[2] != "14th-five-year-plan" and ids[2][0].isalpha()  # an XML ID cannot start with a digit
    assert read_tbx(data, "x.tbx").terms[2].id == "14th-five-year-plan"


def test_tbx_languages_can_be_chosen():
    data = (DATA / "tbx_basic_2008.tbx").read_bytes()
    with pytest.raises(GlossaryError) as info:  # only the first entry has German
        read_tbx(data, "t.tbx", source_lang="zh", target_lang="de")
    assert [p.line for p in info.value.problems] == [59, 90]
    assert "no preferred or admitted de-DE term" in info.value.problems[0].message
    reverse = read_tbx(data, "t.tbx", source_lang="en", target_lang="zh")
    assert reverse.terms[0].sources == ("dual cores", "dual-core hubs", "double nuclei")
    assert reverse.terms[0].target == "双核"


@pytest.mark.parametrize(
    ("xml", "message", "line"),
    [
        (b"<martif><text><body>\n<termEntry id='a'><langSet xml:lang='zh'><tig><term>x</term></tig></langSet>\n</body></text></martif>",
         "not well-formed TBX", 3),
        (b"<xliff version='1.2'/>", "not <martif> (TBX 2008) or <tbx> (TBX 2019)", 1),
        (b"<martif><text>\n<body>\n</body></text></martif>", "without any <termEntry>", 2),
        (b"<martif><text><body><termEntry><langSet xml:lang='en'><tig><term>x</term></tig></langSet></termEntry></body></text></martif>",
         "no terms in source language 'zh'", None),
    ],
)
def test_bad_tbx_errors(xml, message, line):
    with pytest.raises(TermlockError) as info:
        read_tbx(xml, "bad.tbx")
    assert message in str(info.value) and info.value.line == line and info.value.fix
    assert str(info.value).startswith("bad.tbx")


def test_tbx_entry_without_target_names_entry_and_line():
    xml = """<martif type="TBX-Basic"><text><body>
<termEntry id="ok"><langSet xml:lang="zh"><tig><term>双核</term></tig></langSet><langSet xml:lang="en"><tig><term>dual cores</term></tig></langSet></termEntry>
<termEntry id="only-deprecated">
<langSet xml:lang="zh"><tig><term>卡脖子</term></tig></langSet>
<langSet xml:lang="en"><tig><term>chokehold</term><termNote type="administrativeStatus">deprecatedTerm-admn-sts</termNote></tig></langSet>
</termEntry></body></text></martif>""".encode()
    with pytest.raises(GlossaryError) as info:
        read_tbx(xml, "t.tbx")
    (problem,) = info.value.problems
    assert problem.line == 3 and "only-deprecated" in problem.message and problem.fix


# ------------------------------------------------------------------ CSV/TSV


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_table_round_trip_loses_nothing(fmt):
    same_terms(RICH, read_table(table_bytes(RICH, fmt=fmt), f"rich.{fmt}", fmt=fmt))


# any text but '|', weighted towards what breaks tables: commas, quotes, tabs, CJK
_chars = st.one_of(
    st.sampled_from(list(',"\'\t ;，“”双核卡脖子一帶一路')),
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="|"),
)
_cell = st.text(alphabet=_chars, min_size=1, max_size=20).map(str.strip).filter(lambda s: s and not s.startswith("#"))
_note = st.one_of(st.none(), st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\x00"),
                                     min_size=1, max_size=40).map(str.strip).filter(bool))
_terms = st.builds(
    Term,
    id=_cell,
    sources=st.lists(_cell, min_size=1, max_size=3).map(tuple),
    target=st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20).map(str.strip).filter(bool),
    variants=st.lists(_cell, max_size=3).map(tuple),
    forbidden=st.lists(_cell, max_size=3).map(tuple),
    case_sensitive=st.booleans(),
    exact=st.booleans(),
    note=_note,
).filter(
    # what a valid glossary holds: no repeats, nothing both accepted and forbidden
    lambda t: len(set(t.sources)) == len(t.sources)
    and len(set(t.accepted)) == len(t.accepted)
    and len(set(t.forbidden)) == len(t.forbidden)
    and not set(t.forbidden) & set(t.accepted)
)
_glossaries = st.builds(
    Glossary,
    name=st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30).map(str.strip).filter(bool),
    terms=st.lists(_terms, max_size=5).map(tuple),
    source_lang=st.sampled_from(["zh", "zh-CN", "zh-Hant"]),
    target_lang=st.sampled_from(["en", "en-US"]),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_glossaries, st.sampled_from(["csv", "tsv"]))
def test_table_round_trip_of_arbitrary_text(glossary, fmt):
    """Commas, quotes, tabs, newlines in notes, CJK: all survive a table."""
    same_terms(glossary, read_table(table_bytes(glossary, fmt=fmt), f"g.{fmt}", fmt=fmt))


def _xml_safe(text: str | None) -> bool:
    return all(ch in "\t\n" or 32 <= ord(ch) for ch in text or "")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(_glossaries.filter(lambda g: g.terms and all(_xml_safe(t.note) for t in g.terms)))
def test_tbx_round_trip_of_arbitrary_text(glossary):
    for version in ("2008", "2019"):
        same_terms(glossary, read_tbx(tbx_bytes(glossary, version=version), "g.tbx"))


def test_table_from_a_spreadsheet_user():
    """Header in another order and case, BOM, blank lines, aliases of booleans."""
    csv_text = (
        "\ufeffSource,Target,Note,Variants,Case Sensitive\n"
        "\n"
        "双核,dual cores,\"Shenyang, Dalian\",dual-core hubs | dual core hubs,no\n"
        "一带一路|一帶一路,Belt and Road,,,YES\n"
    )
    glossary = read_table(csv_text.encode("utf-8"), "qa.csv", fmt="csv")
    assert glossary.name == "qa" and (glossary.source_lang, glossary.target_lang) == ("zh", "en")
    dual, bri = glossary.terms
    assert dual.variants == ("dual-core hubs", "dual core hubs") and dual.note == "Shenyang, Dalian"
    assert bri.sources == ("一带一路", "一帶一路") and bri.case_sensitive and not bri.exact
    assert (dual.line, bri.line) == (3, 4)


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("source,target,colour\n双核,dual cores,red\n", "unknown column 'colour'", 1),
        ("# name: x\nsource,variants\n双核,dual cores\n", "no 'target' column", 2),
        ("source,target\n", None, None),
        ("", "no header row", None),
        ("source,target,exact\n双核,dual cores,maybe\n", "exact must be true or false", 2),
        ("source,target\n双核,\n", "empty target", 2),
        ("source,target\n双核,dual cores,extra\n", "has 3 cells but the header has 2 columns", 2),
        ("source,source,target\n双核,双核,dual cores\n", "appears twice", 1),
    ],
)
def test_bad_tables(text, message, line):
    if message is None:  # a header and no terms is an empty glossary, not an error
        assert read_table(text.encode(), "g.csv", fmt="csv").terms == ()
        return
    with pytest.raises(TermlockError) as info:
        read_table(text.encode(), "g.csv", fmt="csv")
    assert message in str(info.value)
    problems = getattr(info.value, "problems", None)
    if problems:
        assert problems[0].line == line and problems[0].path == "g.csv"
    else:
        assert info.value.line == line and info.value.path == "g.csv"


def test_table_not_utf8_names_line():
    data = "source,target\n双核,dual cores\n".encode("gb18030")
    with pytest.raises(TermlockError) as info:
        read_table(data, "gbk.csv", fmt="csv")
    assert info.value.line == 2 and "UTF-8" in str(info.value)


def test_table_export_refuses_separator_inside_a_value(tmp_path):
    glossary = Glossary("g", (Term("a", ("双核",), "dual cores", ("dual|core",)),))
    with pytest.raises(TermlockError, match="contains '\\|'"):
        export_glossary(glossary, tmp_path / "g.csv")
    assert not (tmp_path / "g.csv").exists()


# --------------------------------------------------------------------- XLSX


def test_xlsx_round_trip_loses_nothing(tmp_path):
    path = tmp_path / "rich.xlsx"
    export_glossary(RICH, path)
    same_terms(RICH, import_glossary(path))


def test_xlsx_text_starting_with_equals_is_not_a_formula():
    glossary = Glossary("g", (Term("eq", ("等于",), "=SUM(A1)", note="=1+1"),))
    back = read_xlsx(xlsx_bytes(glossary), "g.xlsx")
    assert back.terms[0].target == "=SUM(A1)" and back.terms[0].note == "=1+1"


def test_xlsx_as_qa_staff_keep_it(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    sheet.append(["Liaoning terms, reviewed 2024-05"])  # a title row above the table
    sheet.append([])
    sheet.append(["ID", "Source", "Target", "Forbidden", "Exact"])
    sheet.append([101, "双核", "dual cores", "double nuclei", True])
    sheet.append([102.0, "十四五", "14th Five-Year Plan", None, False])
    path = tmp_path / "qa.xlsx"
    book.save(path)
    with pytest.raises(TermlockError, match="no sheet with a header row"):
        import_glossary(path)  # the title row hides the header ...
    sheet.delete_rows(1, 2)
    book.save(path)
    glossary = import_glossary(path)  # ... without it the first sheet is found
    first, second = glossary.terms
    assert (first.id, first.forbidden, first.exact) == ("101", ("double nuclei",), True)
    assert (second.id, second.exact) == ("102", False)


def test_xlsx_bad_file(tmp_path):
    path = tmp_path / "g.xlsx"
    path.write_bytes(b"not a zip")
    with pytest.raises(TermlockError, match="not a readable XLSX") as info:
        import_glossary(path)
    assert info.value.path == str(path)


def test_xlsx_problem_names_sheet_and_row(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "terms"
    book.active.append(["source", "target"])
    book.active.append(["双核", None])
    path = tmp_path / "g.xlsx"
    book.save(path)
    with pytest.raises(GlossaryError) as info:
        import_glossary(path)
    assert info.value.problems[0].line == 2
    assert info.value.problems[0].path == f"{path}[terms]"


# ------------------------------------------------------------- YAML and CLI


@pytest.mark.parametrize("suffix", [".tbx", ".csv", ".tsv", ".xlsx"])
def test_yaml_to_format_to_yaml(tmp_path, suffix):
    yaml_path = tmp_path / "g.yaml"
    export_glossary(RICH, yaml_path)
    original = load_glossary(str(yaml_path))
    same_terms(RICH, original)
    converted = tmp_path / f"g{suffix}"
    export_glossary(original, converted)
    back_yaml = tmp_path / "back.yaml"
    export_glossary(import_glossary(converted), back_yaml)
    same_terms(original, load_glossary(str(back_yaml)))


@pytest.mark.parametrize("fmt", ["tbx2008", "tbx2019", "csv", "tsv", "xlsx"])
def test_bundled_glossary_round_trips(tmp_path, fmt):
    from termlock.corpora import load_bundled_glossary

    bundled = load_bundled_glossary()
    suffix = {"tbx2008": ".tbx", "tbx2019": ".tbx"}.get(fmt, f".{fmt}")
    path = tmp_path / f"bundled{suffix}"
    export_glossary(bundled, path, fmt)
    same_terms(bundled, import_glossary(path))


def test_import_validates_like_yaml(tmp_path):
    path = tmp_path / "dupes.csv"
    path.write_text("id,source,target,forbidden\na,双核,dual cores,\na,卡脖子,stuck neck,stuck neck\n", encoding="utf-8")
    with pytest.raises(GlossaryError) as info:
        import_glossary(path)
    lines = sorted(p.line for p in info.value.problems)
    assert lines and set(lines) <= {2, 3} and 3 in lines
    assert all(p.path == str(path) for p in info.value.problems)


def test_missing_ids_are_derived(tmp_path):
    path = tmp_path / "noid.csv"
    path.write_text("source,target\n双核,dual cores\n卡脖子,stuck neck\n", encoding="utf-8")
    ids = [t.id for t in import_glossary(path).terms]
    assert all(ids) and len(set(ids)) == 2


def test_format_from_extension_or_flag(tmp_path):
    (tmp_path / "g.docx").write_bytes(b"PK")
    with pytest.raises(TermlockError, match="cannot tell the glossary format"):
        import_glossary(tmp_path / "g.docx")
    with pytest.raises(TermlockError, match="unknown glossary format"):
        glossary_bytes(RICH, "pdf")
    path = tmp_path / "terms.dat"
    path.write_bytes(table_bytes(RICH, fmt="tsv"))
    same_terms(RICH, import_glossary(path, "tsv"))
    assert etree.fromstring(glossary_bytes(RICH, "tbx2019")).tag == "{urn:iso:std:iso:30042:ed-2}tbx"


def test_cli_import_export_show(tmp_path, capsys, monkeypatch):
    out_yaml = tmp_path / "g.yaml"
    assert main(["glossary", "import", str(DATA / "tbx_basic_2019.tbx"), "-o", str(out_yaml)]) == 0
    assert [t.id for t in load_glossary(str(out_yaml)).terms] == ["new-development-pattern", "bri", "supply-side-reform"]
    for suffix in (".tbx", ".csv", ".tsv", ".xlsx"):
        out = tmp_path / f"export{suffix}"
        assert main(["glossary", "export", str(out_yaml), "-o", str(out)]) == 0
        same_terms(load_glossary(str(out_yaml)), import_glossary(out))
    assert main(["glossary", "export", str(out_yaml), "-o", str(tmp_path / "new.tbx"), "--format", "tbx2019"]) == 0
    assert b"urn:iso:std:iso:30042:ed-2" in (tmp_path / "new.tbx").read_bytes()
    capsys.readouterr()
    monkeypatch.setenv("COLUMNS", "1000")  # wide enough for every cell on one line (the table wraps to the terminal)
    assert main(["glossary", "show", str(out_yaml)]) == 0
    shown = capsys.readouterr().out
    assert "Party and government terms" in shown and "一带一路 | 一帶一路" in shown and "One Belt, One Road" in shown


def test_cli_validate(tmp_path, capsys):
    good = tmp_path / "good.yaml"
    export_glossary(RICH, good)
    assert main(["glossary", "validate", str(good)]) == 0
    assert capsys.readouterr().out == ""
    bad = tmp_path / "bad.csv"
    bad.write_text("id,source,target,forbidden\na,双核,dual cores,dual cores\n", encoding="utf-8")
    assert main(["glossary", "validate", str(bad)]) == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert out and all(line.startswith(f"{bad}:2: ") for line in out) and "(fix: " in out[0]
    assert main(["glossary", "validate", str(tmp_path / "missing.yaml")]) == 2


def test_cli_import_bad_file_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.tbx"
    bad.write_text("<martif><text><body>\n<termEntry>\n</body></text></martif>", encoding="utf-8")
    assert main(["glossary", "import", str(bad), "-o", str(tmp_path / "g.yaml")]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:3:" in err and "not well-formed TBX" in err
    assert not (tmp_path / "g.yaml").exists()
