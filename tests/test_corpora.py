"""The bundled glossary and corpus: loadable, aligned, and what they claim.

The demo and the end-to-end tests rely on two facts about the data: the
reference translation satisfies the glossary (no false alarms), and the
flawed translation breaks it in exactly the planted places. Both are checked
here with the glossary matchers themselves, so an edit to the data that
breaks either fails before it reaches a report.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from termlock.corpora import (
    BundledCorpus,
    FlawPlan,
    PlannedInconsistency,
    PlannedProblem,
    bundled_corpus,
    bundled_glossary_path,
    load_bundled_glossary,
    read_plan,
)
from termlock.errors import TermlockError
from termlock.glossary import Glossary, SourceMatcher, TargetMatcher


@pytest.fixture(scope="module")
def glossary() -> Glossary:
    return load_bundled_glossary()


@pytest.fixture(scope="module")
def corpus() -> BundledCorpus:
    return bundled_corpus()


@pytest.fixture(scope="module")
def matchers(glossary: Glossary) -> tuple[SourceMatcher, TargetMatcher]:
    return SourceMatcher(glossary), TargetMatcher(glossary)


def _longest_leftmost(hits: list) -> list:
    """Drop accepted matches nested in a longer one (a variant inside the canonical)."""
    kept: list = []
    end = -1
    for hit in sorted(hits, key=lambda h: (h.start, -h.end)):
        if hit.start >= end:
            kept.append(hit)
            end = hit.end
    return kept


def _verdicts(matchers, sources: list[str], targets: list[str]):
    """Per (segment, term): status, and per term: renderings used per segment.

    Stricter than the checker on purpose: any forbidden rendering of a term
    in the segment counts, even inside an accepted one, so the data cannot
    lean on the checker's tolerance.
    """
    source_matcher, target_matcher = matchers
    statuses: dict[tuple[int, str], str] = {}
    renderings: dict[str, Counter] = defaultdict(Counter)
    occurrences = 0
    for index, (source, target) in enumerate(zip(sources, targets)):
        matches = source_matcher.find(source)
        occurrences += len(matches)
        for term in {match.term.id: match.term for match in matches}.values():
            accepted = _longest_leftmost(target_matcher.accepted(term, target))
            if target_matcher.forbidden(term, target):
                statuses[index, term.id] = "forbidden"
            elif accepted:
                statuses[index, term.id] = "ok"
                for rendering in {hit.rendering for hit in accepted}:
                    renderings[term.id][rendering] += 1
            else:
                statuses[index, term.id] = "missing"
    return statuses, renderings, occurrences


# --- files and loaders -------------------------------------------------------


def test_bundled_files_are_aligned_and_have_no_blank_segments(corpus: BundledCorpus) -> None:
    sources, references, flawed = corpus.sources(), corpus.references(), corpus.flawed()
    assert len(sources) >= 150
    assert len(sources) == len(references) == len(flawed)
    for lines in (sources, references, flawed):
        assert all(line.strip() and line == line.strip() for line in lines)


def test_source_segments_are_news_length(corpus: BundledCorpus) -> None:
    lengths = [len(line) for line in corpus.sources()]
    assert min(lengths) >= 20 and max(lengths) <= 90


def test_bundled_glossary_loads_with_enough_real_terms(glossary: Glossary) -> None:
    assert bundled_glossary_path().name == "glossary.yaml"
    assert (glossary.source_lang, glossary.target_lang) == ("zh", "en")
    assert len(glossary) >= 100
    ids = [term.id for term in glossary]
    assert len(set(ids)) == len(ids)
    # the terms the issue names, with the renderings it names
    assert glossary.term("dual-cores").target == "dual cores"
    assert "double nuclei" in glossary.term("dual-cores").forbidden
    assert glossary.term("stuck-neck").target == "stuck neck"
    assert glossary.term("three-big-articles").target == "three big articles"
    assert "One Belt One Road" in glossary.term("belt-and-road").forbidden
    assert glossary.term("three-year-action-plan").source == "全面振兴新突破三年行动"
    # enough of the interesting cases for a report to be worth reading
    assert sum(bool(term.variants) for term in glossary) >= 40
    assert sum(bool(term.forbidden) for term in glossary) >= 40
    assert sum(bool(term.note) for term in glossary) >= 40


def test_bundled_paths_are_readable_files(corpus: BundledCorpus) -> None:
    for path in (bundled_glossary_path(), corpus.source_path, corpus.reference_path, corpus.flawed_path, corpus.plan_path):
        assert Path(path).is_file()
    readme = bundled_glossary_path().with_name("README.md").read_text(encoding="utf-8")
    assert "CC-BY-4.0" in readme


# --- the source side ---------------------------------------------------------


def test_every_glossary_term_occurs_in_the_source(glossary: Glossary, corpus: BundledCorpus, matchers) -> None:
    source_matcher, _ = matchers
    found = Counter(match.term.id for line in corpus.sources() for match in source_matcher.find(line))
    assert [term.id for term in glossary if found[term.id] == 0] == []
    # many segments carry several terms, as real reports do
    per_segment = [len(source_matcher.find(line)) for line in corpus.sources()]
    assert sum(count >= 2 for count in per_segment) >= len(per_segment) // 2


# --- the reference translation ----------------------------------------------


def test_reference_renders_every_term_occurrence_acceptably(corpus: BundledCorpus, matchers) -> None:
    statuses, _, occurrences = _verdicts(matchers, corpus.sources(), corpus.references())
    assert occurrences >= 300
    assert {key: status for key, status in statuses.items() if status != "ok"} == {}


def test_reference_uses_one_rendering_per_term(corpus: BundledCorpus, matchers) -> None:
    _, renderings, _ = _verdicts(matchers, corpus.sources(), corpus.references())
    assert {term: dict(used) for term, used in renderings.items() if len(used) > 1} == {}


# --- the flawed translation -------------------------------------------------


def test_flawed_translation_has_exactly_the_planted_problems(corpus: BundledCorpus, matchers) -> None:
    plan = corpus.plan()
    statuses, _, _ = _verdicts(matchers, corpus.sources(), corpus.flawed())
    found = {key: status for key, status in statuses.items() if status != "ok"}
    planted = {(problem.index, problem.term): problem.status for problem in plan.problems}
    assert found == planted


def test_flawed_translation_has_exactly_the_planted_inconsistencies(corpus: BundledCorpus, matchers) -> None:
    plan = corpus.plan()
    _, renderings, _ = _verdicts(matchers, corpus.sources(), corpus.flawed())
    found = {term: set(used) for term, used in renderings.items() if len(used) > 1}
    assert found == {item.term: set(item.renderings) for item in plan.inconsistencies}


def test_plan_is_a_demo_worth_running(glossary: Glossary, corpus: BundledCorpus) -> None:
    plan = corpus.plan()
    statuses = Counter(problem.status for problem in plan.problems)
    assert 15 <= statuses["missing"] <= 25
    assert 8 <= statuses["forbidden"] <= 12
    assert 2 <= len(plan.inconsistencies) <= 4
    assert all(0 <= problem.index < len(corpus.sources()) for problem in plan.problems)
    for item in plan.inconsistencies:
        assert set(item.renderings) <= set(glossary.term(item.term).accepted)


def test_check_reports_the_plan_and_nothing_on_the_reference(glossary: Glossary, corpus: BundledCorpus) -> None:
    """The public checker agrees: the demo report finds exactly what was planted."""
    from termlock.evaluate import check

    plan = corpus.plan()
    clean = check(glossary, corpus.sources(), corpus.references()).to_dict()
    assert (clean["summary"]["missing"], clean["summary"]["forbidden"], clean["summary"]["inconsistent_terms"]) == (0, 0, 0)

    flawed = check(glossary, corpus.sources(), corpus.flawed(), references=corpus.references()).to_dict()
    reported = {
        (segment["index"], term["id"]): term["status"]
        for segment in flawed["segments"]
        for term in segment["terms"]
        if term["status"] != "ok"
    }
    assert reported == {(p.index, p.term): p.status for p in plan.problems}
    inconsistent = {row["id"] for row in flawed["terms"] if not row["consistent"]}
    assert inconsistent == {item.term for item in plan.inconsistencies}
    assert flawed["summary"]["bleu"] is not None


# --- the plan parser -------------------------------------------------------


_term_ids = st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True)
_problems = st.builds(PlannedProblem, st.integers(0, 10_000), _term_ids, st.sampled_from(["missing", "forbidden"]))
_inconsistencies = st.builds(
    PlannedInconsistency,
    _term_ids,
    st.lists(st.text(min_size=1, max_size=20), min_size=2, max_size=4).map(tuple),
)


@given(problems=st.lists(_problems, max_size=8), inconsistencies=st.lists(_inconsistencies, max_size=4))
def test_read_plan_round_trips(tmp_path_factory: pytest.TempPathFactory, problems, inconsistencies) -> None:
    path = tmp_path_factory.mktemp("plan") / "plan.jsonl"
    lines = [json.dumps({"index": p.index, "term": p.term, "status": p.status}, ensure_ascii=False) for p in problems]
    lines += [
        json.dumps({"term": i.term, "inconsistent": True, "renderings": list(i.renderings)}, ensure_ascii=False)
        for i in inconsistencies
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert read_plan(path) == FlawPlan(tuple(problems), tuple(inconsistencies))


@pytest.mark.parametrize(
    "bad_line",
    [
        "{not json",
        '["a list"]',
        '{"index": 3, "status": "missing"}',
        '{"index": -1, "term": "x", "status": "missing"}',
        '{"index": true, "term": "x", "status": "missing"}',
        '{"index": 3, "term": "x", "status": "wrong"}',
        '{"index": 3, "term": "x", "status": "missing", "extra": 1}',
        '{"term": "x", "inconsistent": true, "renderings": ["only one"]}',
    ],
)
def test_read_plan_names_file_and_line_of_a_bad_entry(tmp_path: Path, bad_line: str) -> None:
    path = tmp_path / "plan.jsonl"
    path.write_text('{"index": 0, "term": "ok-term", "status": "missing"}\n\n' + bad_line + "\n", encoding="utf-8")
    with pytest.raises(TermlockError) as raised:
        read_plan(path)
    assert (raised.value.path, raised.value.line) == (str(path), 3)
    assert raised.value.fix


def test_read_plan_rejects_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "plan.jsonl"
    path.write_bytes('{"index": 0, "term": "é", "status": "missing"}\n'.encode("latin-1"))
    with pytest.raises(TermlockError, match="UTF-8"):
        read_plan(path)
