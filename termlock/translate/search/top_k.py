"""The best few candidates of a beam step, without sorting the whole vocabulary.

Every decoder step, beam search needs the top ``2k`` of ``k`` hypotheses x
the whole target vocabulary (65,001 words for opus-mt-zh-en: 325,005 values
per sentence). ``torch.topk`` on a CPU copies every value of a row into a
(value, index) buffer before its partial sort, which at a 65,001-word
vocabulary costs as much as a layer of the model (bench/README.md). Only
a handful of values can win, so :func:`row_top` narrows the search first:
the maximum of each block of 64 columns (one vectorised reduction), the
best ``count`` blocks per row, and ``torch.topk`` over just their columns.
A value in a row's top ``count`` lies in one of that row's ``count`` best
blocks (a block holding it whose maximum is beaten by ``count`` others
would mean ``count`` larger values), so the values come out exactly as
``torch.topk`` gives them; only which of several *equal* values is named
may differ, as ``torch.topk`` itself leaves open.

:func:`beam_top` then adds each hypothesis's running score to its row's
candidates only (the same float additions as over the whole row, so the
same sums) and picks the sentence's best among ``k x count``: the best
``count`` of a sentence's ``k x vocabulary`` scores are among the union of
its hypotheses' own best ``count``, since adding one number to a row keeps
the row's order.
"""

from __future__ import annotations

import torch

#: columns per block; 65,001 words make 1,015 blocks and a tail of 41
BLOCK = 64


def row_top(values: torch.Tensor, count: int, block: int = BLOCK) -> tuple[torch.Tensor, torch.Tensor]:
    """``torch.topk(values, count)`` for a 2-D ``values`` (largest first): ``(values, columns)``.

    Blocks shrink for a small vocabulary (at least ``4 * count`` of them);
    below 4 columns a block, for a row not laid out contiguously, or off
    the CPU (a GPU's top-k is a radix select, with no such copy),
    ``torch.topk`` itself does it.
    """
    rows, width = values.shape
    block = min(block, width // (4 * count)) if count else 0
    if block < 4 or values.stride(1) != 1 or values.device.type != "cpu":
        return torch.topk(values, count)
    blocks = width // block
    full = blocks * block
    # a view: each row's first `full` columns as [blocks, block]
    maxima = values[:, :full].reshape(rows, blocks, block).amax(dim=-1)
    best_blocks = torch.topk(maxima, count).indices
    offsets = torch.arange(block, device=values.device)
    columns = (best_blocks.unsqueeze(-1) * block + offsets).view(rows, count * block)
    if full < width:  # the last columns, fewer than a block: always candidates
        tail = torch.arange(full, width, device=values.device).expand(rows, width - full)
        columns = torch.cat((columns, tail), dim=1)
    found, at = torch.topk(values.gather(1, columns), count)
    return found, columns.gather(1, at)


def beam_top(
    log_probs: torch.Tensor, run_scores: torch.Tensor, count: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """The ``count`` best continuations of each sentence, and each hypothesis's own best.

    ``log_probs``: ``[sentences * k, vocab]``; ``run_scores``: ``[sentences, k]``.
    Returns ``(scores, beam, token)`` ``[sentences, count]`` -- what
    ``torch.topk((log_probs + run_scores).view(sentences, k * vocab), count)``
    gives, split into beam and token -- and ``(row_scores, row_token)``
    ``[sentences, k, min(count, vocab)]``: each hypothesis's best with its
    running score added, best first.
    """
    batch, k = run_scores.shape
    per_row = min(count, log_probs.shape[-1])  # a vocabulary smaller than 2k: every word of every row
    row_values, row_token = row_top(log_probs, per_row)
    row_scores = row_values.view(batch, k, per_row) + run_scores.unsqueeze(-1)
    scores, picked = torch.topk(row_scores.view(batch, k * per_row), count)
    beam = torch.div(picked, per_row, rounding_mode="floor")
    token = row_token.view(batch, k * per_row).gather(1, picked)
    return scores, beam, token, row_scores, row_token.view(batch, k, per_row)
