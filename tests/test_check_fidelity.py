"""Term fidelity: per-occurrence statuses, document-level aggregation, consistency."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from termlock.errors import TermlockError
from termlock.evaluate import (
    FORBIDDEN,
    MISSING,
    OK,
    CheckResult,
    SegmentChecker,
    SegmentReport,
    aggregate,
    check,
)
from termlock.glossary import Glossary, Term, load_glossary

DATA = Path(__file__).parent / "data" / "check"


@pytest.fixture(scope="module")
def glossary() -> Glossary:
    return load_glossary(str(DATA / "glossary.yaml"))


@pytest.fixture(scope="module")
def checker(glossary: Glossary) -> SegmentChecker:
    return SegmentChecker(glossary)


def only(report: SegmentReport, term_id: str):
    found = [occ for occ in report.terms if occ.term_id == term_id]
    assert len(found) == 1, report.terms
    return found[0]


# ------------------------------------------------------------------ statuses


def test_accepted_rendering_is_ok_with_surface_text_and_span(checker):
    report = checker.check(0, "推动双核联动发展。", "Promote the linked development of the Dual Cores.")
    occ = only(report, "dual-cores")
    assert occ.status == OK
    assert occ.source == "双核"
    assert occ.expected == ("dual cores", "dual-core hubs")
    assert occ.found == "Dual Cores"
    assert occ.rendering == "dual cores"
    start, end = occ.found_span
    assert report.target[start:end] == "Dual Cores"
    assert report.source[occ.source_span[0] : occ.source_span[1]] == "双核"
    assert occ.forbidden_found is None


def test_variant_is_ok_and_named_as_the_variant(checker):
    occ = only(checker.check(0, "双核", "the dual-core hubs"), "dual-cores")
    assert (occ.status, occ.rendering) == (OK, "dual-core hubs")


def test_no_accepted_rendering_is_missing(checker):
    occ = only(checker.check(3, "双核", "the two centres"), "dual-cores")
    assert occ.status == MISSING
    assert occ.found is None and occ.forbidden_found is None and occ.found_span is None


def test_forbidden_rendering_wins_over_an_accepted_one(checker):
    target = "The dual cores, once called double nuclei, lead."
    occ = only(checker.check(0, "双核引领", target), "dual-cores")
    assert occ.status == FORBIDDEN
    assert occ.found == "dual cores"
    assert occ.forbidden_found == "double nuclei"
    assert target[occ.forbidden_span[0] : occ.forbidden_span[1]] == "double nuclei"


def test_forbidden_alone(checker):
    occ = only(checker.check(0, "破解卡脖子难题", "Solve the choke point problems"), "stuck-neck")
    assert (occ.status, occ.found, occ.forbidden_found) == (FORBIDDEN, None, "choke point")


def test_forbidden_word_inside_another_terms_accepted_rendering_is_not_a_violation(checker):
    source = "推动东北振兴，实现中华民族伟大复兴。"
    target = "Promote the revitalization of the Northeast and realize the great rejuvenation of the Chinese nation."
    report = checker.check(0, source, target)
    assert only(report, "revitalization").status == OK
    assert only(report, "national-rejuvenation").status == OK
    # ... but the same word on its own is a violation
    alone = checker.check(1, "推动东北振兴", "Promote the rejuvenation of the Northeast")
    assert only(alone, "revitalization").status == FORBIDDEN


def test_rendering_inside_another_terms_longer_rendering_does_not_count(checker):
    source = "省委常委会研究省委工作。"
    inside_only = checker.check(0, source, "The Standing Committee of the Provincial Party Committee met.")
    assert only(inside_only, "provincial-standing-committee").status == OK
    assert only(inside_only, "provincial-party-committee").status == MISSING
    both = checker.check(1, source, "The Standing Committee of the Provincial Party Committee studied the work of the Provincial Party Committee.")
    occ = only(both, "provincial-party-committee")
    assert occ.status == OK and occ.found_span[0] > 60


def test_longest_source_term_wins(checker):
    report = checker.check(0, "构建新发展格局", "Build a new development pattern")
    assert [occ.term_id for occ in report.terms] == ["new-development-pattern"]


def test_overlapping_variant_inside_canonical_counts_once(checker):
    occ = only(checker.check(0, "共建一带一路", "Jointly build the Belt and Road Initiative"), "belt-and-road")
    assert (occ.status, occ.rendering, occ.found) == (OK, "Belt and Road Initiative", "Belt and Road Initiative")


def test_segment_without_terms_has_empty_report(checker):
    report = checker.check(7, "这一句没有术语。", "No term here.", segment_id="u7")
    assert report == SegmentReport(7, "这一句没有术语。", "No term here.", (), "u7")


def test_each_occurrence_of_a_repeated_term_gets_a_status(checker):
    report = checker.check(0, "双核一，双核二", "the dual cores and again the dual-core hubs")
    assert [(o.status, o.rendering) for o in report.terms] == [(OK, "dual cores"), (OK, "dual-core hubs")]
    spans = [o.source_span for o in report.terms]
    assert spans[0][0] < spans[1][0]


# ------------------------------------------------------------------ aggregation


SOURCES = [
    "推动双核联动发展。",  # 0 ok canonical
    "双核引领。",  # 1 ok variant
    "做好三篇大文章。",  # 2 ok, inflected
    "做好三篇大文章。",  # 3 ok, possessive
    "破解卡脖子难题。",  # 4 forbidden
    "这一句没有术语。",  # 5 no term
    "双核带动。",  # 6 missing
]
TARGETS = [
    "Promote the linked development of the dual cores.",
    "The dual-core hubs lead.",
    "Do well in the three big articles.",
    "The three big article's goals.",
    "Solve the choke point problems.",
    "This sentence has no term.",
    "The two centres drive growth.",
]


def test_aggregate_counts_and_rate(glossary):
    result = check(glossary, SOURCES, TARGETS)
    s = result.summary
    assert (s.segments, s.term_occurrences, s.ok, s.missing, s.forbidden) == (7, 6, 4, 1, 1)
    assert s.term_success_rate == 4 / 6  # full precision: only displays round
    assert s.bleu is None and s.chrf is None and s.signature is None
    dual = result.term("dual-cores")
    assert (dual.occurrences, dual.ok, dual.missing, dual.forbidden) == (3, 2, 1, 0)
    assert dual.renderings == {"dual cores": 1, "dual-core hubs": 1}
    assert dual.segments_by_rendering == {"dual cores": (0,), "dual-core hubs": (1,)}
    assert not dual.consistent
    articles = result.term("three-big-articles")
    assert articles.renderings == {"three big articles": 2}
    assert articles.consistent
    assert result.term("stuck-neck").renderings == {}
    assert s.inconsistent_terms == 1
    assert [t.id for t in result.inconsistent] == ["dual-cores"]


def test_term_table_lists_every_glossary_term_in_glossary_order(glossary):
    result = check(glossary, SOURCES, TARGETS)
    assert [t.id for t in result.terms] == [t.id for t in glossary.terms]
    unused = result.term("belt-and-road")
    assert (unused.occurrences, unused.consistent, unused.success_rate) == (0, True, 1.0)
    assert result.glossary_terms == len(glossary)
    assert result.glossary_name == "Check test terms"


def test_success_rate_is_one_without_occurrences(glossary):
    result = check(glossary, ["没有术语", ""], ["no term", ""])
    assert result.summary.term_occurrences == 0
    assert result.summary.term_success_rate == 1.0
    empty = check(glossary, [], [])
    assert (empty.summary.segments, empty.summary.term_success_rate) == (0, 1.0)


def test_success_rate_zero_and_full_precision(glossary):
    result = check(glossary, ["双核", "双核", "双核"], ["no", "no", "no"])
    assert result.summary.term_success_rate == 0.0
    result = check(glossary, ["双核", "双核", "双核"], ["dual cores", "dual cores", "no"])
    assert result.summary.term_success_rate == 2 / 3


def test_aggregate_is_independent_of_report_order_and_sharding(glossary, checker):
    whole = check(glossary, SOURCES, TARGETS)
    reports = [checker.check(i, s, t) for i, (s, t) in enumerate(zip(SOURCES, TARGETS))]
    shuffled = reports[:]
    random.Random(1).shuffle(shuffled)
    assert aggregate(glossary, shuffled) == whole
    # two shards checked by two checkers, concatenated on the "driver"
    other = SegmentChecker(glossary)
    shard_a = [checker.check(i, SOURCES[i], TARGETS[i]) for i in range(0, 7, 2)]
    shard_b = [other.check(i, SOURCES[i], TARGETS[i]) for i in range(1, 7, 2)]
    assert aggregate(glossary, iter(shard_b + shard_a)) == whole


def test_aggregate_rejects_duplicate_indexes_and_foreign_terms(glossary, checker):
    report = checker.check(0, "双核", "dual cores")
    with pytest.raises(ValueError, match="index 0"):
        aggregate(glossary, [report, report])
    foreign = Glossary(name="other", terms=(Term(id="x", sources=("双核",), target="dual cores"),))
    with pytest.raises(ValueError, match="dual-cores"):
        aggregate(foreign, [report])


def test_segment_ids_are_kept(glossary):
    result = check(glossary, ["双核", "无"], ["dual cores", "none"], segment_ids=["a1", "b2"])
    assert [seg.id for seg in result.segments] == ["a1", "b2"]
    assert [seg.index for seg in result.segments] == [0, 1]


def test_misaligned_input_is_a_termlock_error(glossary):
    with pytest.raises(TermlockError, match="2 source segments but 1 target"):
        check(glossary, ["a", "b"], ["a"])
    with pytest.raises(TermlockError, match="reference"):
        check(glossary, ["a"], ["a"], references=["a", "b"])
    with pytest.raises(TermlockError, match="segment id"):
        check(glossary, ["a"], ["a"], segment_ids=[])


def test_result_is_typed(glossary):
    result = check(glossary, SOURCES, TARGETS)
    assert isinstance(result, CheckResult)
    assert all(isinstance(seg, SegmentReport) for seg in result.segments)
    assert [seg.index for seg in result.segments] == list(range(len(SOURCES)))


# ------------------------------------------------------------------ properties

_TERMS = [
    ("双核", "dual cores", "double nuclei"),
    ("卡脖子", "stuck neck", "choke point"),
    ("三篇大文章", "three big articles", "three big essays"),
]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 2), st.sampled_from(["none", "ok", "forbidden", "both"])),
        min_size=0,
        max_size=8,
    )
)
def test_status_follows_what_the_target_contains(glossary, plan):
    """Generated segments: the status is exactly what was put in the target."""
    checker = SegmentChecker(glossary)
    sources, targets, expected = [], [], []
    for which, put in plan:
        zh, good, bad = _TERMS[which]
        words = {"none": "something else", "ok": good, "forbidden": bad, "both": f"{good} not {bad}"}[put]
        sources.append(f"关于{zh}的论述")
        targets.append(f"On the {words}, briefly.")
        expected.append({"none": MISSING, "ok": OK, "forbidden": FORBIDDEN, "both": FORBIDDEN}[put])
    reports = [checker.check(i, s, t) for i, (s, t) in enumerate(zip(sources, targets))]
    assert [r.terms[0].status for r in reports] == expected
    result = aggregate(glossary, reports)
    assert result.summary.ok == expected.count(OK)
    assert result.summary.ok + result.summary.missing + result.summary.forbidden == len(plan)
    assert result.summary.term_success_rate == (expected.count(OK) / len(plan) if plan else 1.0)
    assert all(t.consistent for t in result.terms)

