"""One batch of beam search, one decoder step at a time: the loop, each step labelled.

Without constraints every operation -- log-softmax, logits rules, the top
``2k`` candidates, which candidates finish, the length penalty, the
early-stopping heuristic -- is the one ``generate`` performs, in its order,
so the token ids come out identical. With constraints a step differs in
three ways: bans (forbidden renderings, EOS before every term is met, a word
that must go on), extra candidates (each hypothesis's best token, the tokens
that write a missing rendering, EOS once all are met), and the choice of
survivors by dynamic beam allocation across constraint-progress banks
instead of by score alone. Finished hypotheses are ranked by missing terms
first, then score, so an impossible term still yields the best hypothesis.
The steps themselves are in :mod:`termlock.translate.search.beam_steps`.

The loop only knows the model through ``forward`` (one step: input ids and
cache in, logits and cache out) and ``reorder`` (the cache follows the
surviving beams), and the constraints through the
:class:`~termlock.translate.lock.tracker.ConstraintTracker` interface
(``start``, ``apply_bans``, ``proposals``, ``expand``, ``keep``), which
sees only the generated continuation: a causal LM's step plugs in the same
way as an encoder-decoder's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import torch

from termlock.translate.lock.tracker import ConstraintTracker
from termlock.translate.search.beam_steps import (
    FinishedHypotheses,
    NextTokenScores,
    SearchSetup,
    constrained_candidates,
    constrained_step,
    early_stop,
    initial_beams,
    plain_step,
)
from termlock.translate.search.generation_rules import GenerationRules
from termlock.translate.search.top_k import beam_top

#: model step: (decoder input ids, cache) -> (logits [rows, n, vocab], cache)
Forward = Callable[[torch.Tensor, Any], tuple[torch.Tensor, Any]]
#: reorder the model cache to the given flat row indices
Reorder = Callable[[Any, torch.Tensor], None]


@dataclass
class SearchResult:
    tokens: list[list[int]]  # generated ids after the prompt, per sentence
    scores: list[float]
    truncated: list[bool]  # the best hypothesis was cut at max_length (no EOS)


def search(
    forward: Forward,
    reorder: Reorder,
    rules: GenerationRules,
    prompt: list[int],
    batch: int,
    k: int,
    device: torch.device,
    tracker: ConstraintTracker | None,
) -> SearchResult:
    """Run beam search for ``batch`` sentences whose model state ``forward`` holds.

    ``forward`` is the only model-specific part (an encoder-decoder's decoder
    step, or a causal LM's step); ``tracker`` sees only the generated
    continuation: the step's log-probabilities (bans) and candidates.
    """
    setup = SearchSetup(rules, len(prompt), batch, k, device)
    seqs, run_scores = initial_beams(setup, prompt)
    finished = FinishedHypotheses(seqs, k)
    unsatisfied = torch.ones((batch, 1), dtype=torch.bool, device=device)  # sentences that may still improve
    if tracker is not None:
        tracker.start(k)
    next_token_scores = NextTokenScores(setup)
    step_input = seqs[:, :, : setup.prompt_len].reshape(setup.rows, setup.prompt_len)
    cache = None
    cur_len = setup.prompt_len
    while True:
        # 1. model: the logits of every hypothesis's next token
        logits, cache = forward(step_input, cache)
        # 2. scores: log-probabilities, generation rules and the lock's bans applied
        log_probs = next_token_scores(logits, seqs, cur_len, tracker)
        del logits
        last = cur_len + 1 >= setup.max_length
        # 3. top-k: each sentence's best `keep` sums of running score + log-probability
        #    (transformers' top-k over k x vocab sums, from each row's own best few)
        top_scores, beam, token, _, row_token = beam_top(log_probs, run_scores, setup.keep)
        # 4. choose: hypotheses ending here are recorded as finished, the best others run on
        if tracker is None:
            kept = plain_step(setup, seqs, (top_scores, beam, token), finished, unsatisfied, cur_len, last)
        else:
            candidates = constrained_candidates(setup, tracker, log_probs, run_scores, (top_scores, beam, token), row_token)
            kept = constrained_step(setup, tracker, seqs, candidates, finished, unsatisfied, cur_len, last)
        if kept is None:  # the length limit: every hypothesis ended at this step
            break
        # 5. advance: the cache follows the survivors, whose new token is the next input
        seqs, run_scores = kept.seqs, kept.scores
        reorder(cache, (kept.parent + setup.row_offset).view(-1))
        step_input = seqs[:, :, cur_len].reshape(setup.rows, 1)
        cur_len += 1
        # 6. early stop: no sentence can improve on its finished hypotheses
        unsatisfied, done = early_stop(setup, kept, finished, unsatisfied, cur_len)
        if done:
            break

    lengths = finished.length[:, 0].tolist()
    best = finished.seqs[:, 0, :].tolist()
    return SearchResult(
        tokens=[seq[setup.prompt_len : length] for seq, length in zip(best, lengths)],
        scores=finished.scores[:, 0].tolist(),
        truncated=[length >= setup.max_length for length in lengths],
    )
