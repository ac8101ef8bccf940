"""Per-segment term lists (WMT23 and WMT25 layouts) and plain JSON term dictionaries."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from termlock.errors import TermlockError
from termlock.glossary import SegmentJudge
from termlock.glossary.formats import import_glossary
from termlock.glossary.term_lists import parse_term_lists, read_term_dict, read_term_lists

WMT23 = "\n".join(
    json.dumps(line, ensure_ascii=False)
    for line in (
        [{"src": "双核", "tgt": "dual cores"}, {"src": "卡脖子", "tgt": "chokepoint"}],
        [],
        [{"src": "双核", "tgt": "twin engines"}],
        [{"src": "双核", "tgt": "dual cores"}, {"src": "雙核", "tgt": "twin cores"}],
    )
) + "\n"

WMT25 = "\n".join(
    json.dumps(line, ensure_ascii=False)
    for line in (
        {"doc_id": "a", "terms": {"新发展格局": ["new development pattern", "new pattern of development"]}},
        {"doc_id": "b", "terms": {}},
        {"doc_id": "c", "terms": {"新发展格局": "new development paradigm", "一带一路": ["Belt and Road Initiative"]}},
    )
) + "\n"


def test_wmt23_lines_give_each_segment_its_own_terms(tmp_path):
    path = tmp_path / "terms.jsonl"
    path.write_text(WMT23, encoding="utf-8")
    lists = read_term_lists(path)
    assert len(lists) == 4
    assert lists.per_segment[1] == ()
    first, third = lists.segment_glossary(0), lists.segment_glossary(2)
    assert [t.target for t in first] == ["dual cores", "chokepoint"]
    # the same source maps to a different target in another segment: a different term
    assert [t.target for t in third] == ["twin engines"]
    assert first.terms[0].id != third.terms[0].id
    # traditional and simplified spellings in one segment are one term with a variant
    fourth = lists.segment_glossary(3)
    assert len(fourth) == 1 and fourth.terms[0].accepted == ("dual cores", "twin cores")
    # the segment glossary is judged like any glossary
    assert SegmentJudge(third).verdicts("双核城市", "the dual cores") == {third.terms[0].id: "missing"}
    assert SegmentJudge(first).verdicts("双核城市", "the dual cores") == {first.terms[0].id: "ok"}


def test_wmt25_objects_keep_first_target_canonical_and_ignore_other_keys(tmp_path):
    lists = parse_term_lists(WMT25, "t.jsonl")
    doc_a, doc_b, doc_c = (lists.segment_glossary(i) for i in range(3))
    assert doc_a.terms[0].target == "new development pattern"
    assert doc_a.terms[0].variants == ("new pattern of development",)
    assert len(doc_b) == 0
    assert {t.target for t in doc_c} == {"new development paradigm", "Belt and Road Initiative"}


def test_identical_pairs_in_different_segments_share_one_term():
    lists = parse_term_lists(WMT23, "t.jsonl")
    assert len(lists.glossary) == 4  # dual cores, chokepoint, twin engines, dual cores|twin cores
    assert lists.per_segment[0][0] != lists.per_segment[3][0]  # same source, other renderings
    same = parse_term_lists('[{"src": "双核", "tgt": "dual cores"}]\n{"terms": {"双核": ["dual cores"]}}\n', "t.jsonl")
    assert same.per_segment[0] == same.per_segment[1] and len(same.glossary) == 1


@pytest.mark.parametrize(
    "line, message",
    [
        ("{not json", "not JSON"),
        ('{"src": "x", "tgt": "y"}', "without a 'terms' key"),
        ('[{"src": "x"}]', "not {'src'"),
        ('{"terms": {"x": []}}', "non-empty list"),
        ('{"terms": {"x": [""]}}', "not a non-empty string"),
        ("42", "must be a JSON list or object"),
    ],
)
def test_bad_lines_name_file_and_line(line, message):
    with pytest.raises(TermlockError) as err:
        parse_term_lists(f"[]\n{line}\n", "terms.jsonl")
    assert err.value.path == "terms.jsonl" and err.value.line == 2
    assert message in str(err.value)


_term = st.text(alphabet="双核卡脖子新发展格局abc ", min_size=1, max_size=6).filter(str.strip)
_line = st.dictionaries(_term, st.lists(_term, min_size=1, max_size=3), max_size=4)


@settings(max_examples=60, deadline=None)
@given(st.lists(_line, max_size=6))
def test_every_listed_pair_is_honoured_by_its_own_segment_glossary(lines):
    text = "".join(json.dumps({"terms": line}, ensure_ascii=False) + "\n" for line in lines)
    lists = parse_term_lists(text, "p.jsonl")
    assert len(lists) == len(lines)
    for index, line in enumerate(lines):
        glossary = lists.segment_glossary(index)
        by_source = {term.source: term for term in glossary}
        for source, targets in line.items():
            assert targets[0].strip() in by_source[source.strip()].accepted
        assert len({t.id for t in glossary}) == len(glossary)


def test_glossary_import_reads_a_plain_json_dictionary(tmp_path):
    path = tmp_path / "terms.json"
    path.write_text('{\n  "双核": ["dual cores", "twin cores"],\n  "卡脖子": "chokepoint"\n}\n', encoding="utf-8")
    glossary = import_glossary(path)
    assert [(t.source, t.accepted) for t in glossary] == [("双核", ("dual cores", "twin cores")), ("卡脖子", ("chokepoint",))]
    assert glossary.terms[1].line == 3


def test_json_dictionary_problems_point_at_the_line(tmp_path):
    path = tmp_path / "terms.json"
    path.write_text('{\n  "双核": ["dual cores"],\n  "卡脖子": ["\u200b"]\n}\n', encoding="utf-8")
    with pytest.raises(TermlockError) as err:
        import_glossary(path)
    assert "terms.json:3" in str(err.value) and "key '卡脖子'" in str(err.value)
    bad = tmp_path / "bad.json"
    bad.write_text('["双核"]', encoding="utf-8")
    with pytest.raises(TermlockError, match="must be a JSON object"):
        read_term_dict(bad)


def test_check_with_wmt23_term_lists_judges_each_segment_by_its_own_terms(tmp_path):
    from termlock.evaluate import check

    lists = parse_term_lists(WMT23, "t.jsonl")
    sources = ["双核城市，卡脖子", "双核城市", "双核城市", "雙核城市"]
    targets = ["the dual cores overcome chokepoints", "dual cores", "the twin engines", "the twin cores"]
    result = check(lists.glossary, sources, targets, segment_glossaries=[lists.segment_glossary(i) for i in range(4)])
    statuses = [[(occ.term_id, occ.status) for occ in seg.terms] for seg in result.segments]
    first_id, chokepoint_id = lists.per_segment[0]
    assert statuses == [
        [(first_id, "ok"), (chokepoint_id, "ok")],
        [],  # no terms listed for this segment: nothing is checked
        [(lists.per_segment[2][0], "ok")],
        [(lists.per_segment[3][0], "ok")],
    ]
    assert result.summary.term_occurrences == 4 and result.summary.term_success_rate == 1.0
