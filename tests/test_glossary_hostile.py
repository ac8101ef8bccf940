"""Hostile glossary files get one precise message each."""

from __future__ import annotations

import pytest

from termlock.glossary import GlossaryError
from termlock.glossary.loader import load_glossary_text, parse_glossary

LAUGHS = """\
name: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
terms: [*c]
"""


def only_problem(text: str):
    glossary, problems = parse_glossary(text, "g.yaml")
    assert glossary is None
    assert len(problems) == 1, problems
    return problems[0]


def test_billion_laughs_is_refused_at_the_first_alias():
    problem = only_problem(LAUGHS)
    assert problem.line == 2
    assert "YAML alias *a is not allowed" in problem.message


def test_python_object_tag_is_named_as_a_tag_not_as_a_list():
    problem = only_problem('name: x\nterms:\n  - source: 双核\n    target: !!python/object/apply:os.system ["echo hi"]\n')
    assert problem.line == 4
    assert "unsupported YAML tag !!python/object/apply:os.system" in problem.message
    assert "must be text" not in problem.message


def test_nul_byte_in_the_file_is_one_line_with_its_line():
    problem = only_problem('name: x\nterms:\n  - source: "\x00"\n    target: dual cores\n')
    assert problem.line == 3 and "NUL byte" in problem.message


def test_escaped_nul_in_a_term_is_refused():
    problem = only_problem('name: x\nterms:\n  - source: "双\\0核"\n    target: dual cores\n')
    assert problem.line == 3 and "NUL character" in problem.message


@pytest.mark.parametrize("invisible", ["\\u200b", "\\u00ad", "\\ufeff\\u200b", "\\u2060"])
def test_a_term_of_invisible_characters_only_is_refused(invisible):
    problem = only_problem(f'name: x\nterms:\n  - source: "{invisible}"\n    target: x\n')
    assert problem.line == 3 and "empty once invisible characters are removed" in problem.message


def test_an_invisible_only_rendering_is_refused_too():
    with pytest.raises(GlossaryError, match="the target of term #1 is empty once invisible"):
        load_glossary_text('name: x\nterms:\n  - source: 双核\n    target: "\\u200b"\n', "g.yaml")


def test_absurdly_deep_nesting_is_a_problem_not_a_recursion_error():
    problem = only_problem("name: x\nterms: " + "[" * 5000 + "]" * 5000 + "\n")
    assert problem.line == 2 and "nests more than" in problem.message


def test_sources_that_differ_only_by_invisible_or_full_width_characters_are_the_same_source():
    glossary, problems = parse_glossary(
        'name: x\nterms:\n  - source: 双核\n    target: dual cores\n  - source: "双\\u00ad核"\n    target: twin cores\n',
        "g.yaml",
    )
    assert glossary is None and problems[0].line == 5
    assert "is mapped to 'twin cores' here and to 'dual cores' on line 3" in problems[0].message
