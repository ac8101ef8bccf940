"""The verdict pass's containment rules, checked against the plain pairwise definition."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from termlock.glossary.target_match import TargetMatch
from termlock.glossary import verdicts
from termlock.glossary.verdicts import _drop_claimed, _outside


def _pairwise_drop(accepted):
    spans = [(tid, hit.start, hit.end) for tid, hits in accepted.items() for hit in hits]
    return {
        tid: [
            hit
            for hit in hits
            if not any(o != tid and s <= hit.start and hit.end <= e and e - s > hit.end - hit.start for o, s, e in spans)
        ]
        for tid, hits in accepted.items()
    }


spans = st.tuples(st.integers(0, 30), st.integers(1, 8)).map(lambda p: TargetMatch("r", p[0], p[0] + p[1], "x"))


@given(st.dictionaries(st.sampled_from("abcd"), st.lists(spans, max_size=6), max_size=4))
@settings(max_examples=500, deadline=None)
def test_sweep_drops_exactly_what_the_pairwise_rule_drops(accepted):
    expected = _pairwise_drop(accepted)
    got = {tid: list(hits) for tid, hits in accepted.items()}
    _drop_claimed(got)  # few matches: the pairwise path
    assert got == expected
    swept = {tid: list(hits) for tid, hits in accepted.items()}
    limit = verdicts._PAIRWISE_LIMIT
    verdicts._PAIRWISE_LIMIT = -1  # force the sweep
    try:
        _drop_claimed(swept)
    finally:
        verdicts._PAIRWISE_LIMIT = limit
    assert swept == expected


@given(st.lists(spans, max_size=8), st.lists(st.tuples(st.integers(0, 30), st.integers(0, 8)), max_size=8))
@settings(max_examples=500, deadline=None)
def test_outside_keeps_exactly_the_hits_no_guard_contains(hits, raw_guard):
    guard = [(s, s + n) for s, n in raw_guard]
    expected = [h for h in hits if not any(s <= h.start and h.end <= e for s, e in guard)]
    assert _outside(hits, guard) == expected

