"""The glossary's verdict rules: one judge for the checker and the translator."""

from __future__ import annotations

import pytest

from termlock.corpora import bundled_corpus, load_bundled_glossary
from termlock.evaluate import check
from termlock.glossary import FORBIDDEN, MISSING, OK, Glossary, SegmentJudge, Term


@pytest.fixture(scope="module")
def glossary() -> Glossary:
    return load_bundled_glossary()


def test_worst_verdict_per_term_is_what_the_checker_reports(glossary):
    corpus = bundled_corpus()
    sources, flawed = corpus.sources(), corpus.flawed()
    judge = SegmentJudge(glossary)
    severity = {OK: 0, MISSING: 1, FORBIDDEN: 2}
    compared = 0
    for report in check(glossary, sources, flawed).segments:
        expected: dict[str, str] = {}
        for occ in report.terms:
            if occ.term_id not in expected or severity[occ.status] > severity[expected[occ.term_id]]:
                expected[occ.term_id] = occ.status
        assert judge.verdicts(report.source, report.target) == expected
        compared += len(expected)
    assert compared > 300  # the whole bundled corpus, with its planted problems


def test_verdicts_pair_each_occurrence_with_its_own_rendering():
    term = Term("dual-cores", ("双核",), "dual cores", variants=("dual-core hubs",), forbidden=("double nuclei",))
    judge = SegmentJudge(Glossary("g", (term,)))
    verdicts = judge.judge("双核，双核，双核", "dual cores, dual-core hubs and double nuclei")
    assert [v.status for v in verdicts] == [FORBIDDEN, FORBIDDEN, FORBIDDEN]
    assert [v.found.rendering for v in verdicts] == ["dual cores", "dual-core hubs", "dual-core hubs"]
    assert verdicts[0].forbidden.text == "double nuclei"
    assert [v.match.start for v in verdicts] == [0, 3, 6]
    assert judge.verdicts("双核", "dual-core hubs") == {"dual-cores": OK}
    assert judge.verdicts("双核", "individual cores") == {"dual-cores": MISSING}


def test_no_term_in_the_source_means_no_verdict():
    judge = SegmentJudge(Glossary("g", (Term("t", ("双核",), "dual cores"),)))
    assert judge.judge("没有术语", "double nuclei") == []
    assert judge.verdicts("没有术语", "double nuclei") == {}
