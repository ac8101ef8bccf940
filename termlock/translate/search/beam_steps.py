"""The pieces of one beam-search step, each small enough to test on a few hand-made numbers.

:func:`termlock.translate.search.beam_search.search` is a loop of labelled
steps calling these (as transformers' ``_beam_search`` calls its
``_get_top_k_continuations``, ``_update_finished_beams``, ...):

* :class:`NextTokenScores`: the model's logits as log-probabilities, with
  the generation rules (:mod:`termlock.translate.search.generation_rules`) and the lock's bans
  applied in ``generate``'s order;
* :func:`plain_step`: plain beam search, transformers' operations in its
  order, so the token ids equal ``generate``'s;
* :func:`constrained_candidates`: with constraints, the candidates of
  every sentence: its top sums, each hypothesis's own best token, the
  tokens writing a missing rendering, EOS once every term is met;
* :func:`constrained_step`: the survivors among them, by dynamic beam
  allocation over constraint-progress banks (:mod:`termlock.translate.search.beam_allocation`),
  never one holding a forbidden rendering;
* :func:`early_stop`: transformers' stopping heuristic, per sentence;
* :class:`FinishedHypotheses`: the ``k`` best finished hypotheses of each
  sentence (hypotheses missing fewer terms first, with constraints).

The search state is a handful of ``[sentences, beams, ...]`` tensors, laid
out as transformers lays them out. Importing this module imports torch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch

from termlock.translate.search.beam_allocation import allocate
from termlock.translate.search.generation_rules import GenerationRules, RuleApplier

DEAD = -1.0e9  # transformers' score for "not a usable beam"
#: ranking weight that puts the constraints before scores: progress on a rendering among running
#: candidates, fewer missing terms among finished ones (one unit outweighs any log-probability)
TERM_WEIGHT = 1.0e6


@dataclass
class SearchSetup:
    """What stays the same during one batch's search: sizes, rules, EOS ids and index offsets."""

    rules: GenerationRules
    prompt_len: int
    batch: int
    k: int
    device: torch.device

    def __post_init__(self) -> None:
        rules = self.rules
        self.rows = self.batch * self.k
        self.max_length = rules.max_length
        self.eos = torch.tensor(rules.eos_ids, dtype=torch.long, device=self.device)
        #: candidates per sentence: 2k as transformers takes them (more when several EOS ids may take slots)
        self.keep = max(2, 1 + len(rules.eos_ids)) * self.k
        #: candidate slots that may finish a hypothesis (transformers: the first k of the 2k)
        self.top_slots = torch.arange(self.keep, device=self.device) < self.k
        #: first flat row of each sentence, to turn a beam into a row of the model's cache
        self.row_offset = torch.arange(self.batch, device=self.device).unsqueeze(1) * self.k
        self._bases: tuple[int, torch.Tensor, torch.Tensor] | None = None

    @property
    def fill(self) -> int:
        """The token that fills a sequence past its end (pad, else EOS, else 0)."""
        rules = self.rules
        return rules.pad_id if rules.pad_id is not None else (rules.eos_ids[0] if rules.eos_ids else 0)

    def bases(self, vocab: int) -> tuple[torch.Tensor, torch.Tensor]:
        """``(beam_base [1, k, 1], row_base [batch, 1])``: flat offsets of a beam's and a sentence's scores."""
        if self._bases is None or self._bases[0] != vocab:
            beam_base = (torch.arange(self.k, device=self.device) * vocab).view(1, self.k, 1)
            row_base = torch.arange(self.batch, device=self.device).view(self.batch, 1) * (self.k * vocab)
            self._bases = (vocab, beam_base, row_base)
        return self._bases[1], self._bases[2]


def initial_beams(setup: SearchSetup, prompt: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
    """``(seqs [batch, k, max_length], scores [batch, k])``: every sentence at its prompt, one live beam each.

    The other beams start dead (``DEAD``), so the first step's candidates
    all come from the one prompt, as in ``generate``.
    """
    seqs = torch.full((setup.batch, setup.k, setup.max_length), setup.fill, dtype=torch.long, device=setup.device)
    seqs[:, :, : setup.prompt_len] = torch.tensor(prompt, dtype=torch.long, device=setup.device)
    scores = torch.zeros((setup.batch, setup.k), dtype=torch.float, device=setup.device)
    scores[:, 1:] = DEAD
    return seqs, scores


class FinishedHypotheses:
    """The ``k`` best finished hypotheses of each sentence."""

    def __init__(self, seqs: torch.Tensor, k: int):
        batch, _, max_length = seqs.shape
        device = seqs.device
        self.k = k
        self.seqs = seqs.clone()
        self.scores = torch.full((batch, k), DEAD, dtype=torch.float, device=device)
        self.flag = torch.zeros((batch, k), dtype=torch.bool, device=device)
        self.length = torch.full((batch, k), max_length, dtype=torch.long, device=device)
        self.missing = torch.zeros((batch, k), dtype=torch.long, device=device)

    def add(
        self,
        seqs: torch.Tensor,
        scores: torch.Tensor,
        finishing: torch.Tensor,
        length: int,
        unsatisfied: torch.Tensor,
        rules: GenerationRules,
        prompt_len: int,
        missing: torch.Tensor | None = None,
    ) -> None:
        """Merge candidates ending here (transformers' ``_update_finished_beams``).

        ``scores`` are running sums, length-normalised here; only
        ``finishing`` candidates of sentences still ``unsatisfied`` (not
        stopped early) enter. With ``missing`` (constraints: terms each
        candidate lacks), hypotheses missing fewer terms rank first, then by
        score.
        """
        normalised = scores / ((length - prompt_len) ** rules.length_penalty)
        beams_full = torch.all(self.flag, dim=-1, keepdim=True) & (rules.early_stopping is True)
        normalised += beams_full.to(torch.float32) * DEAD
        normalised += (~unsatisfied).to(torch.float32) * DEAD
        normalised += (~finishing) * DEAD
        merged = torch.cat((self.scores, normalised), dim=1)
        if missing is None:
            best = torch.topk(merged, self.k).indices
        else:
            merged_missing = torch.cat((self.missing, missing), dim=1)
            best = torch.topk(merged.double() - TERM_WEIGHT * merged_missing.double(), self.k).indices
            self.missing = merged_missing.gather(1, best)
        self.scores = merged.gather(1, best)
        self.seqs = torch.cat((self.seqs, seqs), dim=1).gather(1, best.unsqueeze(-1).expand_as(self.seqs))
        self.flag = torch.cat((self.flag, finishing), dim=1).gather(1, best)
        ended = torch.full_like(finishing, length, dtype=torch.long)
        self.length = torch.cat((self.length, ended), dim=1).gather(1, best)


def extend(seqs: torch.Tensor, beam: torch.Tensor, token: torch.Tensor, position: int) -> torch.Tensor:
    """Copies of the chosen beams' sequences with ``token`` at ``position``."""
    out = seqs.gather(1, beam.unsqueeze(-1).expand(*beam.shape, seqs.shape[-1]))
    out[:, :, position] = token
    return out


def ends_here(token: torch.Tensor, eos: torch.Tensor, last: bool) -> torch.Tensor:
    """Which candidates end their hypothesis: EOS, or any token at the length limit."""
    if last:
        return torch.ones_like(token, dtype=torch.bool)
    return torch.isin(token, eos) if eos.numel() else torch.zeros_like(token, dtype=torch.bool)


class NextTokenScores:
    """A step's logits as log-probabilities, the generation rules and the lock's bans applied.

    The rules act in ``generate``'s order, split around the point where
    transformers applies ``bad_words_ids``: that is where the lock's bans
    go, so a forced BOS/EOS still overrides them. The log-probabilities go
    into one buffer kept for the batch (the same values as a fresh tensor a
    step, without its page faults).
    """

    def __init__(self, setup: SearchSetup):
        self.setup = setup
        self.applier: RuleApplier | None = None
        self.buffer: torch.Tensor | None = None

    def __call__(self, logits: torch.Tensor, seqs: torch.Tensor, cur_len: int, tracker: Any) -> torch.Tensor:
        """``[rows, vocab]`` log-probabilities of the next token (``logits``: ``[rows, n, vocab]``, the last used)."""
        setup, rules = self.setup, self.setup.rules
        logits = logits[:, -1, :]
        if logits.dtype != torch.float32 or not logits.is_contiguous():
            logits = logits.to(dtype=torch.float32).contiguous()
        if self.applier is None:
            self.applier = RuleApplier(rules, logits.shape[-1], setup.device, setup.prompt_len)
        history = seqs.view(setup.rows, setup.max_length) if rules.needs_history else None
        # one beam is generate's greedy search, whose rules act on the logits:
        # the repetition penalty (the one rule that is not a mask) must too
        greedy_penalty = setup.k == 1 and rules.repetition_penalty != 1.0
        if greedy_penalty:
            self.applier.penalise_repetition(logits, history, cur_len)
        if self.buffer is None or self.buffer.shape != logits.shape:
            self.buffer = torch.empty_like(logits)
        log_probs = torch.log_softmax(logits, dim=-1, out=self.buffer)
        self.applier.before_bans(log_probs, history, cur_len, repetition=not greedy_penalty)
        if tracker is not None:
            tracker.apply_bans(log_probs, setup.eos)
        self.applier.after_bans(log_probs, cur_len)
        return log_probs


@dataclass
class Survivors:
    """The hypotheses a step keeps running, and what the stopping test needs from them.

    ``parent``: the beam each came from (``[sentences, k]``), for the model's
    cache; ``best``: each sentence's best running score (``[sentences, 1]``);
    ``all_ended``: plain search only, every candidate of the step ended (a
    0-dim bool tensor: checked with the stopping test, one sync a step).
    """

    seqs: torch.Tensor
    scores: torch.Tensor
    parent: torch.Tensor
    best: torch.Tensor
    all_ended: torch.Tensor | None = None


def plain_step(
    setup: SearchSetup,
    seqs: torch.Tensor,
    top: tuple[torch.Tensor, torch.Tensor, torch.Tensor],
    finished: FinishedHypotheses,
    unsatisfied: torch.Tensor,
    cur_len: int,
    last: bool,
) -> Survivors | None:
    """Plain beam search: transformers' operations, in its order.

    ``top``: ``(scores, beam, token)`` of each sentence's best ``keep``
    continuations. Candidates ending here (EOS; all of them at the length
    limit) among the first ``k`` go to ``finished``; the best ``k`` that do
    not end run on. None at the length limit: nothing runs on.
    """
    top_scores, beam, token = top
    k = setup.k
    hits = ends_here(token, setup.eos, last)
    cand_seqs = extend(seqs, beam, token, cur_len)
    run_candidates = top_scores + hits.to(torch.float32) * DEAD
    chosen = torch.topk(run_candidates, k).indices
    new_seqs = cand_seqs.gather(1, chosen.unsqueeze(-1).expand(setup.batch, k, setup.max_length))
    new_scores = run_candidates.gather(1, chosen)
    parent = beam.gather(1, chosen)
    finished.add(cand_seqs, top_scores, hits & setup.top_slots, cur_len + 1, unsatisfied, setup.rules, setup.prompt_len)
    if last:
        return None
    return Survivors(new_seqs, new_scores, parent, new_scores[:, :1], all_ended=hits.all())


@dataclass
class Candidates:
    """A constrained step's candidates per sentence, ``[sentences, n]``: beam, token, running score, usable."""

    beam: torch.Tensor
    token: torch.Tensor
    scores: torch.Tensor
    valid: torch.Tensor


def constrained_candidates(
    setup: SearchSetup,
    tracker: Any,
    log_probs: torch.Tensor,
    run_scores: torch.Tensor,
    top: tuple[torch.Tensor, torch.Tensor, torch.Tensor],
    row_token: torch.Tensor,
) -> Candidates:
    """Every candidate a constrained step considers, each ``(beam, token)`` once.

    The sentence's top sums (``top``), each hypothesis's own best
    continuation (``row_token[:, :, 0]``: a constrained hypothesis scoring
    below the others must still be able to continue), the tokens the
    tracker proposes for a missing rendering, and EOS (usable once every
    term is met). Only usable candidates go on, each sentence's in their
    order (ranks and ties unchanged), at least the top ``keep``; a
    candidate's score is its log-probability plus its beam's running
    score (the same sums as over whole rows), ``-inf`` when not usable.
    """
    batch, k, keep, eos = setup.batch, setup.k, setup.keep, setup.eos
    _, beam, token = top
    vocab = log_probs.shape[-1]
    beam_base, row_base = setup.bases(vocab)
    ext_token, useful = tracker.proposals()
    parts = [
        beam * vocab + token,
        (beam_base + ext_token).view(batch, -1),
        (beam_base + row_token[:, :, :1]).view(batch, -1),
    ]
    ok = [
        torch.ones((batch, keep), dtype=torch.bool, device=setup.device),
        useful.view(batch, -1),
        torch.ones((batch, k), dtype=torch.bool, device=setup.device),
    ]
    if eos.numel():
        parts.append((beam_base + eos.view(1, 1, -1)).expand(batch, k, eos.numel()).reshape(batch, -1))
        ok.append(tracker.all_met.unsqueeze(-1).expand(batch, k, eos.numel()).reshape(batch, -1))
    cand = torch.cat(parts, dim=1)
    valid = torch.cat(ok, dim=1)
    # the same (beam, token) may be proposed twice: keep one, a valid one first
    order = torch.sort(cand * 2 + (~valid).long(), dim=1, stable=True).indices
    sorted_cand = cand.gather(1, order)
    repeat = torch.zeros_like(valid)
    repeat[:, 1:] = sorted_cand[:, 1:] == sorted_cand[:, :-1]
    valid &= ~torch.zeros_like(valid).scatter_(1, order, repeat)
    # most proposal slots are padding or serve a term already met: drop them
    usable = int(valid.sum(dim=1).max())
    if usable < valid.shape[1]:
        kept = torch.sort((~valid).to(torch.uint8), dim=1, stable=True).indices[:, :usable]
        cand = cand.gather(1, kept)
        valid = valid.gather(1, kept)
    flat = log_probs.view(-1).gather(0, (cand + row_base).view(-1)).view(batch, -1)
    scores = torch.where(valid, flat + run_scores.gather(1, cand // vocab), -math.inf)
    return Candidates(beam=cand // vocab, token=cand % vocab, scores=scores, valid=valid)


def constrained_step(
    setup: SearchSetup,
    tracker: Any,
    seqs: torch.Tensor,
    candidates: Candidates,
    finished: FinishedHypotheses,
    unsatisfied: torch.Tensor,
    cur_len: int,
    last: bool,
) -> Survivors | None:
    """Survivors by dynamic beam allocation across constraint-progress banks.

    A candidate's bank is 2 x (terms met as judged + terms written at all)
    + writing a missing one (the tracker's :meth:`expand`); within the
    "writing one" bank, the candidate nearest the end of its rendering
    ranks first (else freshly started ones, which score better, push it out
    and nothing ever completes). A candidate that writes a forbidden
    rendering, or completes one by ending, is never chosen. The candidates
    winning a beam slot that end here go to ``finished`` (missing terms
    ranked first); the rest run on and the tracker keeps their state. None
    at the length limit.
    """
    k = setup.k
    beam, token, scores, valid = candidates.beam, candidates.token, candidates.scores, candidates.valid
    hits = ends_here(token, setup.eos, last)
    grown = tracker.expand(beam, token, final=last)
    alive = valid & (scores > DEAD / 10) & ~grown.forbidden & ~(hits & grown.ends_forbidden)
    banks = 2 * grown.met + grown.in_progress.long()
    progress = torch.where(grown.in_progress, grown.progress, 0)
    rank_scores = scores.double() + TERM_WEIGHT * progress.double()

    won = allocate(rank_scores, banks, alive, k, tracker.num_banks)
    finishing = hits.gather(1, won) & alive.gather(1, won)
    finished.add(
        extend(seqs, beam.gather(1, won), token.gather(1, won), cur_len),
        scores.gather(1, won),
        finishing,
        cur_len + 1,
        unsatisfied,
        setup.rules,
        setup.prompt_len,
        missing=grown.missing.gather(1, won),
    )
    if last:
        return None
    running = allocate(rank_scores, banks, alive & ~hits, k, tracker.num_banks)
    parent = beam.gather(1, running)
    # a slot no live candidate could fill holds a dead hypothesis (never a forbidden one that lives on)
    new_scores = torch.where(alive & ~hits, scores, scores + DEAD).gather(1, running)
    new_seqs = extend(seqs, parent, token.gather(1, running), cur_len)
    tracker.keep(grown, running)
    return Survivors(new_seqs, new_scores, parent, new_scores.max(dim=1, keepdim=True).values)


def early_stop(
    setup: SearchSetup,
    survivors: Survivors,
    finished: FinishedHypotheses,
    unsatisfied: torch.Tensor,
    cur_len: int,
) -> tuple[torch.Tensor, bool]:
    """transformers' stopping heuristic: ``(sentences still improvable [batch, 1], stop now)``.

    A sentence is done once its best running hypothesis, length-normalised
    at the best length it could still reach, cannot beat its worst finished
    one; with ``early_stopping=True`` once it has ``k`` finished ones; plain
    search also stops when every candidate of the step ended.
    """
    rules = setup.rules
    length_penalty = rules.length_penalty
    if rules.early_stopping == "never" and length_penalty > 0.0:
        best_length = setup.max_length - setup.prompt_len
    else:
        best_length = cur_len - setup.prompt_len
    best_possible = survivors.best / (best_length**length_penalty)
    worst_finished = torch.where(finished.flag, torch.min(finished.scores, dim=1, keepdim=True)[0], DEAD)
    unsatisfied = unsatisfied & torch.any(best_possible > worst_finished, dim=-1, keepdim=True)
    done = ~unsatisfied.any()
    if rules.early_stopping is True:
        done = done | finished.flag.all()
    if survivors.all_ended is not None:
        done = done | survivors.all_ended
    return unsatisfied, bool(done)
