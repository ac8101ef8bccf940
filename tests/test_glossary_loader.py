"""Glossary loading: the schema, and errors that name file, line and fix."""

from __future__ import annotations

import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from termlock.glossary import (
    GlossaryError,
    dump_glossary,
    glossary_to_yaml,
    load_glossary,
    load_glossary_text,
    parse_glossary,
    validate_glossary,
)
from termlock.glossary.model import Glossary, Term

VALID = textwrap.dedent(
    """\
    name: Test terms
    source_lang: zh
    target_lang: en
    terms:
      - id: dual-cores
        source: 双核
        target: dual cores
        variants: [dual-core hubs]
        forbidden: [double nuclei]
        note: Shenyang and Dalian
      - source: [卡脖子, 卡脖子的]
        target: stuck neck
        exact: true
      - source: 一带一路
        target: Belt and Road Initiative
        case_sensitive: true
    """
)


def problems_of(text: str, tmp_path) -> list:
    path = tmp_path / "g.yaml"
    path.write_text(text, encoding="utf-8")
    return validate_glossary(path)


def load_problems(text: str) -> list:
    glossary, problems = parse_glossary(text, "g.yaml")
    assert glossary is None
    return problems


def test_valid_glossary_loads_with_defaults_and_derived_ids():
    g = load_glossary_text(VALID, "g.yaml")
    assert g.name == "Test terms" and len(g) == 3
    dual = g.term("dual-cores")
    assert dual.accepted == ("dual cores", "dual-core hubs")
    assert dual.forbidden == ("double nuclei",) and dual.note == "Shenyang and Dalian"
    assert dual.line == 5
    stuck = g.terms[1]
    assert stuck.id == "stuck-neck" and stuck.sources == ("卡脖子", "卡脖子的") and stuck.exact
    assert g.terms[2].case_sensitive and not g.terms[2].exact


@pytest.mark.parametrize(
    "snippet, line, words",
    [
        ("  - source: 双核\n    target: dual cores\n    colour: red\n", 5, ["unknown key 'colour'"]),
        ("  - source: 双核\n    target: dual cores\n    variant: [x]\n", 5, ["did you mean 'variants'"]),
        ("  - source: 双核\n    target: ''\n", 4, ["target", "empty"]),
        ("  - source: 双核\n    target: dual cores\n    exact: maybe\n", 5, ["true or false"]),
        ("  - source: 双核\n    target: [dual cores]\n", 4, ["must be text"]),
        ("  - source: 双核\n", 3, ["no 'target'"]),
        ("  - source: 双核\n    target: dual cores\n    forbidden: [Dual-Cores]\n", 5, ["also an accepted"]),
        ("  - source: 双核\n    target: dual cores\n    variants: dual hubs\n", 5, ["list of strings"]),
    ],
)
def test_schema_errors_name_the_line_and_fix(tmp_path, snippet, line, words):
    problems = problems_of("name: t\nterms:\n" + snippet, tmp_path)
    assert problems, "expected a problem"
    first = problems[0]
    assert first.line == line
    for word in words:
        assert word in first.message + str(first.fix)
    assert first.fix
    assert str(first).startswith(f"{tmp_path / 'g.yaml'}:{line}:")


def test_duplicate_ids_and_conflicting_sources_are_all_reported(tmp_path):
    text = (
        "name: t\nterms:\n"
        "  - id: a\n    source: 双核\n    target: dual cores\n"
        "  - id: a\n    source: 雙核\n    target: twin cores\n"
        "  - source: 县域经济\n    target: county economy\n"
        "  - source: 县域经济\n    target: county economy\n"
    )
    problems = problems_of(text, tmp_path)
    messages = [p.message for p in problems]
    assert any("duplicate id 'a'" in m for m in messages)
    # traditional 雙核 is the same source as 双核, mapped to another target
    assert any("雙核" in m and "dual cores" in m for m in messages)
    assert any("listed twice" in m for m in messages)
    assert [p.line for p in problems if "duplicate id" in p.message] == [6]


def test_same_term_may_list_both_scripts():
    g = load_glossary_text("name: t\nterms:\n  - source: [一带一路, 一帶一路]\n    target: Belt and Road\n")
    assert g.terms[0].sources == ("一带一路", "一帶一路")


def test_non_utf8_file_reports_line(tmp_path):
    path = tmp_path / "g.yaml"
    path.write_bytes("name: t\nterms:\n  - source: ".encode() + "双核".encode("gbk") + b"\n    target: x\n")
    with pytest.raises(GlossaryError) as info:
        load_glossary(path)
    assert info.value.line == 3 and "UTF-8" in str(info.value)


def test_yaml_syntax_error_and_missing_file(tmp_path):
    problems = problems_of("name: t\nterms:\n  - source: [双核\n    target: x\n", tmp_path)
    assert problems and "YAML" in problems[0].message and problems[0].line is not None
    with pytest.raises(GlossaryError, match="no such file"):
        load_glossary(tmp_path / "missing.yaml")


def test_yaml_is_loaded_safely(tmp_path):
    problems = problems_of("name: !!python/object/apply:os.system ['echo hi']\nterms: []\n", tmp_path)
    assert problems  # a python tag is refused, never executed


def test_error_lists_every_problem():
    text = "name: t\nterms:\n  - source: 双核\n  - target: x\n  - source: 卡\n    target: y\n    nope: 1\n"
    with pytest.raises(GlossaryError) as info:
        load_glossary_text(text, "g.yaml")
    assert len(info.value.problems) == 3
    assert "3 problems" in str(info.value)


def test_dump_round_trips(tmp_path):
    g = load_glossary_text(VALID, "g.yaml")
    out = tmp_path / "out.yaml"
    dump_glossary(g, out)
    again = load_glossary(out)
    assert again.terms == g.terms and again.name == g.name


def test_bundled_glossary_is_valid():
    from termlock.corpora import bundled_glossary_path

    assert validate_glossary(bundled_glossary_path()) == []
    assert isinstance(load_glossary(bundled_glossary_path()), Glossary)
    assert all(isinstance(t, Term) for t in load_glossary(bundled_glossary_path()))


def test_unknown_or_unsafe_tags_are_problems_not_crashes():
    text = "name: t\nterms:\n  - source: 双核\n    target: !foo dual cores\n  - source: !!binary aGVsbG8=\n    target: x\n"
    problems = load_problems(text)
    assert [(p.line, "tag" in p.message or "bytes" in p.message) for p in problems] == [(4, True), (5, True)]


def test_forbidden_that_is_an_inflection_of_an_accepted_rendering():
    base = "name: t\nterms:\n  - source: 双核\n    target: dual core\n"
    problems = load_problems(base + "    forbidden: [dual-cores]\n")
    assert problems[0].line == 5 and "singular or plural" in problems[0].message and "exact" in problems[0].fix
    # with exact: true the two are different renderings
    assert len(load_glossary_text(base + "    exact: true\n    forbidden: [dual-cores]\n")) == 1


def test_derived_ids_are_unique_and_respect_explicit_ones():
    text = (
        "name: t\nterms:\n"
        "  - source: 甲\n    target: Dual Cores\n"
        "  - source: 乙\n    target: dual-cores\n"
        "  - id: dual-cores-3\n    source: 丙\n    target: other\n"
        "  - source: 丁\n    target: dual cores!\n"
    )
    ids = [t.id for t in load_glossary_text(text)]
    assert ids == ["dual-cores", "dual-cores-2", "dual-cores-3", "dual-cores-4"]


@pytest.mark.parametrize(
    "text, line, words",
    [
        ("", 1, "empty"),
        ("- a\n- b\n", 1, "mapping"),
        ("name: t\n", 1, "no 'terms'"),
        ("terms: []\n", 1, "no 'name'"),
        ("name: t\nterms:\n  - source: 双核\n    source: 双\n    target: x\n", 4, "appears twice"),
        ("name: t\nterms: {a: b}\n", 2, "must be a list"),
        ("name: t\nterms:\n  - 双核\n", 3, "mapping"),
        ("name: t\nterms:\n  - source: []\n    target: x\n", 3, "empty list"),
        ("name: t\nterms:\n  - source: 双核\n    target: x\n    variants: ['', y]\n", 5, "empty"),
        ("name: t\nsource_language: zh\nterms: []\n", 2, "did you mean 'source_lang'"),
    ],
)
def test_more_schema_problems(text, line, words):
    problems = load_problems(text)
    assert problems[0].line == line
    assert words in problems[0].message + (problems[0].fix or "")


def test_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "g.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + VALID.encode("utf-8"))
    assert len(load_glossary(path)) == 3


def test_utf16_file_is_reported_as_utf16_with_its_conversion(tmp_path):
    path = tmp_path / "g.yaml"
    path.write_bytes(VALID.encode("utf-16"))
    problems = validate_glossary(path)
    assert problems[0].message == "UTF-16 text, not UTF-8"
    assert problems[0].fix == "convert it: iconv -f UTF-16 -t UTF-8 FILE > FILE.utf8"


# ---- round trip ----------------------------------------------------------------

english = st.lists(st.text(alphabet="abcdefgh", min_size=1, max_size=6), min_size=1, max_size=3).map(" ".join)
odd_text = st.sampled_from(["yes", "null", "1.5", "#x", "a: b", "'q'", "- item", "~", "\u201cquoted\u201d"])


@st.composite
def glossaries(draw) -> Glossary:
    count = draw(st.integers(min_value=1, max_value=6))
    sources = draw(st.lists(st.text(alphabet="双核卡脖子县域经济振兴", min_size=2, max_size=5), min_size=count, max_size=count, unique=True))
    terms = []
    for number, source in enumerate(sources):
        target = draw(english) + f" t{number}"
        terms.append(
            Term(
                id=draw(st.sampled_from([f"id-{number}", f"term {number}"])),
                sources=(source,),
                target=target,
                variants=tuple(draw(st.lists(english | odd_text, max_size=2, unique=True).filter(lambda vs: target not in vs))),
                forbidden=(f"wrong {number}",) if draw(st.booleans()) else (),
                case_sensitive=draw(st.booleans()),
                exact=draw(st.booleans()),
                note=draw(st.none() | odd_text),
            )
        )
    return Glossary(name=draw(english | odd_text), terms=tuple(terms), source_lang="zh", target_lang=draw(st.sampled_from(["en", "en-GB"])))


@settings(max_examples=60, deadline=None)
@given(glossaries())
def test_written_yaml_loads_back_to_the_same_glossary(glossary):
    again = load_glossary_text(glossary_to_yaml(glossary), "round.yaml")
    assert again == glossary
    assert [t.line for t in again.terms] == sorted(t.line for t in again.terms)
