"""Dynamic beam allocation across constraint-progress banks, batched.

Post & Vilar (2018) observed that plain beam search with constraints fails
because hypotheses that have just been forced to emit a constraint token
score worse than unconstrained ones and fall off the beam.  They group
candidates into *banks* by how much of the constraints they have covered
and share the beam among banks.  Hu et al. (2019) made it vectorisable:
rank every candidate within its bank by score, then fill the beam in
"stripes" -- the best of every bank first (most progress first), then the
second best of every bank, and so on.  A bank with too few candidates
simply leaves its slots to the others.

With a single bank (no constraints) the stripes are the plain score order,
so this reduces exactly to ordinary beam search.
"""

from __future__ import annotations

import torch


def allocate(scores: torch.Tensor, banks: torch.Tensor, valid: torch.Tensor, k: int, num_banks: int) -> torch.Tensor:
    """Choose ``k`` candidates per row; returns their positions ``[rows, k]``.

    ``scores``/``banks``/``valid``: ``[rows, candidates]``; banks are
    ``0 .. num_banks - 1``, a higher bank meaning more constraint progress;
    ``scores`` order candidates within a bank (any dtype).  Invalid candidates come last, in position
    order, and are only used when a row has fewer than ``k`` valid ones.
    Ties in score keep the candidates' original order.
    """
    rows, width = scores.shape
    order = torch.sort(scores, dim=1, descending=True, stable=True).indices
    bank = torch.where(valid, banks, -1).gather(1, order)
    grouped = torch.sort(bank, dim=1, descending=True, stable=True).indices
    bank = bank.gather(1, grouped)
    position = torch.arange(width, device=scores.device).expand(rows, width)
    starts = torch.ones_like(bank, dtype=torch.bool)
    starts[:, 1:] = bank[:, 1:] != bank[:, :-1]
    first = torch.cummax(torch.where(starts, position, 0), dim=1).values
    rank = position - first
    span = num_banks + 1
    key = torch.where(bank >= 0, rank * span + (span - 1 - bank), span * (width + 1) + position)
    chosen = torch.topk(key, k, dim=1, largest=False, sorted=True).indices
    return order.gather(1, grouped.gather(1, chosen))
