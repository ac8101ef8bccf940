"""The beam loop's steps one at a time, on a few hand-made numbers (as Sockeye tests its step modules).

Each helper of :mod:`termlock.translate.search.beam_steps` gets tensors
small enough to work out by hand; a stand-in tracker plays the lock, so the
search's own rules (what finishes, what runs on, what is never chosen, when
to stop) are tested apart from the automata. The whole loop is tested
against ``generate`` in test_decoding_equivalence.py.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest
import torch

from termlock.translate.search.beam_steps import (
    DEAD,
    Candidates,
    FinishedHypotheses,
    NextTokenScores,
    SearchSetup,
    Survivors,
    constrained_candidates,
    constrained_step,
    early_stop,
    ends_here,
    initial_beams,
    plain_step,
)
from termlock.translate.search.generation_rules import GenerationRules

EOS, PAD = 2, 9
CPU = torch.device("cpu")


def make_setup(k: int = 2, *, max_length: int = 6, length_penalty: float = 1.0, early_stopping=False, **rules) -> SearchSetup:
    generation = GenerationRules(
        eos_ids=[EOS], pad_id=PAD, decoder_start_id=0, max_length=max_length, length_penalty=length_penalty,
        early_stopping=early_stopping, **rules,
    )  # fmt: skip
    return SearchSetup(generation, prompt_len=1, batch=1, k=k, device=CPU)


def start(setup: SearchSetup) -> tuple[torch.Tensor, torch.Tensor, FinishedHypotheses]:
    seqs, scores = initial_beams(setup, [0])
    return seqs, scores, FinishedHypotheses(seqs, setup.k)


def still_open() -> torch.Tensor:
    return torch.ones((1, 1), dtype=torch.bool)


# ------------------------------------------------------------------ set-up


def test_the_search_starts_from_the_prompt_with_one_live_beam():
    setup = make_setup(k=3)
    assert setup.keep == 6 and setup.top_slots.tolist() == [True] * 3 + [False] * 3
    seqs, scores = initial_beams(setup, [0])
    assert seqs.tolist() == [[[0, PAD, PAD, PAD, PAD, PAD]] * 3]
    assert scores.tolist() == [[0.0, DEAD, DEAD]]  # the first step's candidates all come from one prompt


def test_a_candidate_ends_at_eos_or_at_the_length_limit():
    token = torch.tensor([[5, EOS, 6]])
    eos = torch.tensor([EOS])
    assert ends_here(token, eos, last=False).tolist() == [[False, True, False]]
    assert ends_here(token, eos, last=True).tolist() == [[True, True, True]]
    assert ends_here(token, torch.tensor([], dtype=torch.long), last=False).tolist() == [[False] * 3]


# ---------------------------------------------------------------- finished


def test_finished_hypotheses_are_length_normalised_and_the_best_k_kept():
    setup = make_setup(length_penalty=2.0)
    seqs, _, finished = start(setup)
    candidates = torch.tensor([[[0, 5, EOS, PAD, PAD, PAD], [0, 6, EOS, PAD, PAD, PAD], [0, 7, EOS, PAD, PAD, PAD]]])
    scores = torch.tensor([[-8.0, -4.0, -2.0]])
    finishing = torch.tensor([[True, True, False]])
    finished.add(candidates, scores, finishing, 3, still_open(), setup.rules, setup.prompt_len)
    # two generated tokens, length penalty 2: scores / 4; the third did not finish
    assert finished.scores.tolist() == [[-1.0, -2.0]]
    assert finished.seqs[0, :, 1].tolist() == [6, 5] and finished.length.tolist() == [[3, 3]]
    assert finished.flag.tolist() == [[True, True]]


def test_with_constraints_fewer_missing_terms_rank_before_a_better_score():
    setup = make_setup()
    seqs, _, finished = start(setup)
    candidates = seqs.clone()
    finished.add(candidates, torch.tensor([[-0.5, -3.0]]), torch.tensor([[True, True]]), 2, still_open(),
                 setup.rules, setup.prompt_len, missing=torch.tensor([[1, 0]]))  # fmt: skip
    assert finished.scores.tolist() == [[-3.0, -0.5]] and finished.missing.tolist() == [[0, 1]]


def test_a_sentence_stopped_early_keeps_its_finished_hypotheses():
    setup = make_setup()
    seqs, _, finished = start(setup)
    finished.add(seqs.clone(), torch.tensor([[-1.0, -2.0]]), torch.tensor([[True, True]]), 2, still_open(),
                 setup.rules, setup.prompt_len)  # fmt: skip
    stopped = torch.zeros((1, 1), dtype=torch.bool)
    finished.add(seqs.clone(), torch.tensor([[-0.1, -0.2]]), torch.tensor([[True, True]]), 3, stopped,
                 setup.rules, setup.prompt_len)  # fmt: skip
    assert finished.scores.tolist() == [[-1.0, -2.0]] and finished.length.tolist() == [[2, 2]]


# -------------------------------------------------------------- plain step


def test_plain_step_finishes_eos_among_the_top_k_and_runs_the_best_others():
    setup = make_setup()
    seqs, _, finished = start(setup)
    top = (torch.tensor([[-1.0, -2.0, -3.0, -4.0]]), torch.tensor([[0, 1, 0, 1]]), torch.tensor([[5, EOS, 6, EOS]]))
    kept = plain_step(setup, seqs, top, finished, still_open(), cur_len=1, last=False)
    assert kept.seqs[0, :, :2].tolist() == [[0, 5], [0, 6]]
    assert kept.scores.tolist() == [[-1.0, -3.0]] and kept.parent.tolist() == [[0, 0]]
    assert kept.best.tolist() == [[-1.0]] and not bool(kept.all_ended)
    # EOS in slot 2 of 4 finishes; EOS in slot 4 is beyond the first k, as in transformers
    assert finished.scores[0, 0].item() == -2.0 and finished.seqs[0, 0, :2].tolist() == [0, EOS]
    assert finished.flag.tolist() == [[True, False]]


def test_plain_step_at_the_length_limit_finishes_the_top_k_and_runs_nothing():
    setup = make_setup()
    seqs, _, finished = start(setup)
    top = (torch.tensor([[-1.0, -2.0, -3.0, -4.0]]), torch.tensor([[0, 1, 0, 1]]), torch.tensor([[5, 6, 7, 8]]))
    assert plain_step(setup, seqs, top, finished, still_open(), cur_len=1, last=True) is None
    assert finished.scores.tolist() == [[-1.0, -2.0]] and finished.seqs[0, :, 1].tolist() == [5, 6]


# ---------------------------------------------------------- the step's scores


class BansTokens:
    """A stand-in tracker that bans some tokens (and records that it was asked)."""

    def __init__(self, *tokens: int):
        self.tokens = list(tokens)
        self.asked = 0

    def apply_bans(self, log_probs: torch.Tensor, eos: torch.Tensor) -> None:
        self.asked += 1
        log_probs[:, self.tokens] = -math.inf


def test_next_token_scores_are_log_probabilities_with_the_locks_bans():
    setup = make_setup(k=1)
    seqs, _, _ = start(setup)
    logits = torch.tensor([[[1.0, 2.0, 3.0, 4.0]]])
    tracker = BansTokens(3)
    scores = NextTokenScores(setup)(logits, seqs, 2, tracker)
    expected = torch.log_softmax(logits[:, -1, :], dim=-1)
    assert tracker.asked == 1
    assert scores[0, 3] == -math.inf and torch.allclose(scores[0, :3], expected[0, :3])


def test_a_forced_bos_overrides_the_locks_bans_as_it_overrides_bad_words():
    setup = make_setup(k=1, forced_bos_id=3)
    seqs, _, _ = start(setup)
    scores = NextTokenScores(setup)(torch.zeros((1, 1, 4)), seqs, 1, BansTokens(3))
    assert scores.tolist() == [[-math.inf, -math.inf, -math.inf, 0.0]]


# -------------------------------------------------------- constrained step


class Proposes:
    """A stand-in tracker: fixed proposals, and whether every term is met."""

    num_banks = 4

    def __init__(self, tokens, usable, all_met):
        self.tokens, self.usable = torch.tensor(tokens), torch.tensor(usable)
        self.all_met = torch.tensor(all_met)

    def proposals(self):
        return self.tokens, self.usable


def test_constrained_candidates_take_every_source_once_with_their_sums():
    setup = make_setup()
    log_probs = torch.log_softmax(torch.arange(16, dtype=torch.float).view(2, 8) / 4, dim=-1)
    run_scores = torch.tensor([[0.0, -1.0]])
    top = (torch.zeros((1, 4)), torch.tensor([[0, 0, 1, 1]]), torch.tensor([[4, 3, 4, 6]]))
    row_token = torch.tensor([[[4, 3], [6, 4]]])  # each hypothesis's own best: already among the top
    tracker = Proposes([[[3, 0], [5, 0]]], [[[True, False], [True, False]]], [[False, False]])
    found = constrained_candidates(setup, tracker, log_probs, run_scores, top, row_token)
    # (0, 3) proposed twice, padding proposals dropped, EOS not usable before every term is met
    assert found.beam.tolist() == [[0, 0, 1, 1, 1]] and found.token.tolist() == [[4, 3, 4, 6, 5]]
    assert found.valid.all()
    expected = [log_probs[b, t].item() + run_scores[0, b].item() for b, t in zip([0, 0, 1, 1, 1], [4, 3, 4, 6, 5])]
    assert found.scores[0].tolist() == pytest.approx(expected)

    tracker.all_met = torch.tensor([[True, False]])  # the first hypothesis has every term: it may end
    found = constrained_candidates(setup, tracker, log_probs, run_scores, top, row_token)
    pairs = list(zip(found.beam[0].tolist(), found.token[0].tolist(), found.valid[0].tolist()))
    assert (0, EOS, True) in pairs and (1, EOS, True) not in pairs


class Grows:
    """A stand-in tracker whose ``expand`` gives fixed states, and which records what it keeps."""

    num_banks = 4

    def __init__(self, **state):
        self.state = {name: torch.tensor([values]) for name, values in state.items()}
        self.kept = None

    def expand(self, beam, token, *, final=False):
        return SimpleNamespace(**self.state)

    def keep(self, expansion, chosen):
        self.kept = chosen.tolist()


def test_constrained_step_allocates_by_progress_and_never_keeps_a_forbidden_candidate():
    setup = make_setup()
    seqs, _, finished = start(setup)
    candidates = Candidates(
        beam=torch.tensor([[0, 0, 1, 1, 1]]),
        token=torch.tensor([[4, 3, EOS, 6, 5]]),
        scores=torch.tensor([[-0.5, -1.0, -1.5, -2.0, -3.0]]),
        valid=torch.ones((1, 5), dtype=torch.bool),
    )
    tracker = Grows(
        forbidden=[True, False, False, False, False],  # the best score writes a forbidden rendering
        ends_forbidden=[False] * 5,
        met=[0, 0, 1, 0, 1],
        in_progress=[False, True, False, False, False],
        progress=[0, 5, 0, 0, 0],
        missing=[1, 1, 0, 1, 0],
    )
    kept = constrained_step(setup, tracker, seqs, candidates, finished, still_open(), cur_len=1, last=False)
    # banks 2 x met + writing: [0, 1, 2, 0, 2]; the best of the highest bank first, then the next bank's
    # beam slots: EOS (bank 2) ends there and is finished, with no term missing
    assert finished.flag.tolist() == [[True, False]] and finished.scores[0, 0].item() == -1.5
    assert finished.missing[0, 0].item() == 0 and finished.seqs[0, 0, :2].tolist() == [0, EOS]
    # running: the best of bank 2 that goes on (candidate 4), then bank 1's (candidate 1)
    assert tracker.kept == [[4, 1]]
    assert kept.parent.tolist() == [[1, 0]] and kept.scores.tolist() == [[-3.0, -1.0]]
    assert kept.seqs[0, :, 1].tolist() == [5, 3] and kept.best.tolist() == [[-1.0]]
    assert kept.all_ended is None


def test_constrained_step_never_ends_on_a_forbidden_rendering_at_the_limit():
    setup = make_setup()
    seqs, _, finished = start(setup)
    candidates = Candidates(torch.tensor([[0, 1]]), torch.tensor([[4, 5]]), torch.tensor([[-1.0, -2.0]]),
                            torch.ones((1, 2), dtype=torch.bool))  # fmt: skip
    tracker = Grows(forbidden=[False, False], ends_forbidden=[True, False], met=[0, 0], in_progress=[False, False],
                    progress=[0, 0], missing=[1, 1])  # fmt: skip
    assert constrained_step(setup, tracker, seqs, candidates, finished, still_open(), cur_len=1, last=True) is None
    assert finished.flag.tolist() == [[True, False]] and finished.seqs[0, 0, 1].item() == 5


# -------------------------------------------------------------- early stop


def finished_with(setup: SearchSetup, scores: list[float], flags: list[bool]) -> FinishedHypotheses:
    seqs, _, finished = start(setup)
    finished.scores = torch.tensor([scores])
    finished.flag = torch.tensor([flags])
    return finished


def running(best: float, all_ended: bool | None = None) -> Survivors:
    ended = None if all_ended is None else torch.tensor(all_ended)
    return Survivors(torch.zeros(1), torch.zeros(1), torch.zeros(1), torch.tensor([[best]]), ended)


def test_a_sentence_stops_once_its_best_running_hypothesis_cannot_win():
    setup = make_setup()
    finished = finished_with(setup, [-1.0, -2.0], [True, True])
    # two generated tokens: -3.0 / 2 = -1.5 beats the worst finished (-2.0): go on
    open_, done = early_stop(setup, running(-3.0), finished, still_open(), cur_len=3)
    assert open_.tolist() == [[True]] and not done
    # -5.0 / 2 = -2.5 cannot: stop
    open_, done = early_stop(setup, running(-5.0), finished, still_open(), cur_len=3)
    assert open_.tolist() == [[False]] and done


def test_fewer_than_k_finished_never_stops_unless_early_stopping_is_true():
    setup = make_setup()
    finished = finished_with(setup, [-1.0, DEAD], [True, False])
    assert not early_stop(setup, running(-100.0), finished, still_open(), cur_len=3)[1]
    eager = make_setup(early_stopping=True)
    assert early_stop(eager, running(0.0), finished_with(eager, [-1.0, -2.0], [True, True]), still_open(), 3)[1]


def test_early_stopping_never_measures_the_best_possible_at_the_longest_length():
    setup = make_setup(early_stopping="never", max_length=11)
    finished = finished_with(setup, [-1.0, -2.0], [True, True])
    # at the longest length (10 generated tokens) -5.0 / 10 = -0.5 could still win
    assert not early_stop(setup, running(-5.0), finished, still_open(), cur_len=3)[1]


def test_plain_search_stops_when_every_candidate_ended():
    setup = make_setup()
    finished = finished_with(setup, [-1.0, DEAD], [True, False])
    assert early_stop(setup, running(-1.0, all_ended=True), finished, still_open(), cur_len=3)[1]
