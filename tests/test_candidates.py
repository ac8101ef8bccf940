"""The narrowed top-k of a beam step (candidates.py) gives what the full-vocabulary top-k gives."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from termlock.translate.search.top_k import beam_top, row_top


def _rows(seed: int, rows: int, width: int, *, ties: bool = False) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    values = torch.randn((rows, width), generator=generator) * 4
    if ties:  # coarse values: many equal ones, as after rounding
        values = values.round()
    return values


@pytest.mark.parametrize("width", [65001, 4096, 800, 163, 40])
@pytest.mark.parametrize("count", [1, 2, 10, 15])
def test_row_top_equals_torch_topk(width, count):
    if count > width:
        pytest.skip("fewer columns than asked for")
    values = torch.log_softmax(_rows(width + count, 7, width), dim=-1)
    expected_values, expected_columns = torch.topk(values, count)
    got_values, got_columns = row_top(values, count)
    assert torch.equal(got_values, expected_values)
    assert torch.equal(got_columns, expected_columns)  # no ties in continuous values


@given(
    seed=st.integers(0, 2**16),
    width=st.integers(1, 3000),
    count=st.integers(1, 12),
    ties=st.booleans(),
    banned=st.floats(0.0, 1.0),
)
@settings(max_examples=60, deadline=None)
def test_row_top_same_values_and_columns_that_hold_them(seed, width, count, ties, banned):
    count = min(count, width)
    values = _rows(seed, 5, width, ties=ties)
    generator = torch.Generator().manual_seed(seed + 1)
    values[torch.rand(values.shape, generator=generator) < banned] = -math.inf  # bans, even whole rows
    got_values, got_columns = row_top(values, count)
    assert torch.equal(got_values, torch.topk(values, count).values)
    # each named column holds its value, and no column is named twice (ties may name other equal ones)
    assert torch.equal(values.gather(1, got_columns), got_values)
    assert all(len(set(row)) == count for row in got_columns.tolist())


def test_row_top_handles_a_view_that_is_not_contiguous():
    values = _rows(3, 6, 2000).t()  # columns strided
    got_values, got_columns = row_top(values, 4)
    expected = torch.topk(values, 4)
    assert torch.equal(got_values, expected.values) and torch.equal(got_columns, expected.indices)


@pytest.mark.parametrize("vocab", [65001, 900])
def test_beam_top_equals_generate_style_full_sum_and_topk(vocab):
    batch, k, keep = 4, 5, 10
    log_probs = torch.log_softmax(_rows(vocab, batch * k, vocab), dim=-1)
    run_scores = torch.randn((batch, k), generator=torch.Generator().manual_seed(1)) * 3
    run_scores[0, 1:] = -1.0e9  # the first step: one live beam per sentence
    full = (log_probs.view(batch, k, vocab) + run_scores[:, :, None]).view(batch, k * vocab)
    expected_scores, expected_index = torch.topk(full, keep)
    scores, beam, token, row_scores, row_token = beam_top(log_probs, run_scores, keep)
    assert torch.equal(scores, expected_scores)
    assert torch.equal(beam * vocab + token, expected_index)
    per_row_scores, per_row_token = torch.topk(full.view(batch, k, vocab), keep)
    assert torch.equal(row_scores, per_row_scores)
    # a dead beam's sums round to ties (-1e9 + x): there any equal token may be named
    assert torch.equal(row_token[1:], per_row_token[1:]) and torch.equal(row_token[0, 0], per_row_token[0, 0])
    assert torch.equal(full.view(batch, k, vocab).gather(2, row_token), row_scores)


def test_beam_top_with_fewer_words_than_candidates():
    batch, k, vocab, keep = 2, 5, 6, 10  # 2k candidates from 6 words a row: every word counts
    log_probs = torch.log_softmax(_rows(5, batch * k, vocab), dim=-1)
    run_scores = torch.randn((batch, k), generator=torch.Generator().manual_seed(2))
    full = (log_probs.view(batch, k, vocab) + run_scores[:, :, None]).view(batch, k * vocab)
    expected_scores, expected_index = torch.topk(full, keep)
    scores, beam, token, row_scores, row_token = beam_top(log_probs, run_scores, keep)
    assert torch.equal(scores, expected_scores)
    assert torch.equal(beam * vocab + token, expected_index)
    assert row_token.shape == (batch, k, vocab)
