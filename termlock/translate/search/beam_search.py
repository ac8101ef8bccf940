"""One batch of beam search, one decoder step at a time (see decoding.py).

The search state is a handful of ``[sentences, beams, ...]`` tensors, laid
out as transformers lays them out, so that without constraints every
operation -- log-softmax, logits rules, the top ``2k`` candidates, which
candidates finish, the length penalty, the early-stopping heuristic -- is
the one ``generate`` performs and the token ids come out identical.

With constraints a step differs in three ways: bans (forbidden renderings,
EOS before every term is met, a word that must go on), extra candidates
(each hypothesis's best token, the tokens that write a missing rendering,
EOS once all are met), and the choice of survivors by dynamic beam
allocation across constraint-progress banks instead of by score alone.
Finished hypotheses are ranked by missing terms first, then score, so an
impossible term still yields the best hypothesis.

The loop only knows the model through ``forward`` (one step: input ids and
cache in, logits and cache out) and ``reorder`` (the cache follows the
surviving beams), and the constraints through the
:class:`~termlock.translate.lock.tracker.ConstraintTracker` interface
(``start``, ``apply_bans``, ``proposals``, ``expand``, ``keep``), which
sees only the generated continuation: a causal LM's step plugs in the same
way as an encoder-decoder's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import torch

from termlock.translate.search.beam_allocation import allocate
from termlock.translate.search.top_k import beam_top
from termlock.translate.lock.tracker import ConstraintTracker
from termlock.translate.search.generation_rules import GenerationRules, RuleApplier

DEAD = -1.0e9  # transformers' score for "not a usable beam"

#: model step: (decoder input ids, cache) -> (logits [rows, n, vocab], cache)
Forward = Callable[[torch.Tensor, Any], tuple[torch.Tensor, Any]]
#: reorder the model cache to the given flat row indices
Reorder = Callable[[Any, torch.Tensor], None]


@dataclass
class SearchResult:
    tokens: list[list[int]]  # generated ids after the prompt, per sentence
    scores: list[float]
    truncated: list[bool]  # the best hypothesis was cut at max_length (no EOS)


class _Finished:
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

        With ``missing`` (constraints: terms each candidate lacks), hypotheses
        missing fewer terms rank first, then by score.
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
            best = torch.topk(merged.double() - 1.0e6 * merged_missing.double(), self.k).indices
            self.missing = merged_missing.gather(1, best)
        self.scores = merged.gather(1, best)
        self.seqs = torch.cat((self.seqs, seqs), dim=1).gather(1, best.unsqueeze(-1).expand_as(self.seqs))
        self.flag = torch.cat((self.flag, finishing), dim=1).gather(1, best)
        ended = torch.full_like(finishing, length, dtype=torch.long)
        self.length = torch.cat((self.length, ended), dim=1).gather(1, best)


def _extend(seqs: torch.Tensor, beam: torch.Tensor, token: torch.Tensor, position: int) -> torch.Tensor:
    """Copies of the chosen beams' sequences with ``token`` at ``position``."""
    out = seqs.gather(1, beam.unsqueeze(-1).expand(*beam.shape, seqs.shape[-1]))
    out[:, :, position] = token
    return out


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
    rows = batch * k
    prompt_len = len(prompt)
    max_length = rules.max_length
    length_penalty = rules.length_penalty
    early_stopping = rules.early_stopping
    eos = torch.tensor(rules.eos_ids, dtype=torch.long, device=device)
    keep = max(2, 1 + len(rules.eos_ids)) * k
    top_slots = torch.arange(keep, device=device) < k
    fill = rules.pad_id if rules.pad_id is not None else (rules.eos_ids[0] if rules.eos_ids else 0)

    seqs = torch.full((batch, k, max_length), fill, dtype=torch.long, device=device)
    seqs[:, :, :prompt_len] = torch.tensor(prompt, dtype=torch.long, device=device)
    run_scores = torch.zeros((batch, k), dtype=torch.float, device=device)
    run_scores[:, 1:] = DEAD
    finished = _Finished(seqs, k)
    unsatisfied = torch.ones((batch, 1), dtype=torch.bool, device=device)
    row_offset = torch.arange(batch, device=device).unsqueeze(1) * k
    if tracker is not None:
        tracker.start(k)
        num_banks = tracker.num_banks
        beam_base = None

    applier: RuleApplier | None = None
    lp_buffer: torch.Tensor | None = None
    step_input = seqs[:, :, :prompt_len].reshape(rows, prompt_len)
    cache = None
    cur_len = prompt_len
    while True:
        logits, cache = forward(step_input, cache)
        logits = logits[:, -1, :]
        if logits.dtype != torch.float32 or not logits.is_contiguous():
            logits = logits.to(dtype=torch.float32).contiguous()
        vocab = logits.shape[-1]
        if applier is None:
            applier = RuleApplier(rules, vocab, device, prompt_len)
        history = seqs.view(rows, max_length) if rules.needs_history else None
        # one beam is generate's greedy search, whose rules act on the logits:
        # the repetition penalty (the one rule that is not a mask) must too
        greedy_penalty = k == 1 and rules.repetition_penalty != 1.0
        if greedy_penalty:
            applier.penalise_repetition(logits, history, cur_len)
        # into one buffer kept for the batch: a fresh 20 MB tensor a step costs
        # as much again in page faults as the log-softmax itself (same values)
        if lp_buffer is None or lp_buffer.shape != logits.shape:
            lp_buffer = torch.empty_like(logits)
        log_probs = torch.log_softmax(logits, dim=-1, out=lp_buffer)
        del logits
        applier.before_bans(log_probs, history, cur_len, repetition=not greedy_penalty)
        if tracker is not None:
            tracker.apply_bans(log_probs, eos)
        applier.after_bans(log_probs, cur_len)

        last = cur_len + 1 >= max_length
        # transformers adds the running scores to every log-probability and
        # takes the top `keep` of each sentence's k x vocab sums; beam_top
        # gives the same sums and candidates from each row's best few
        top_scores, beam, token, row_scores, row_token = beam_top(log_probs, run_scores, keep)

        if tracker is None:
            # ---- plain beam search: transformers' operations, in its order
            hits = torch.isin(token, eos) if eos.numel() else torch.zeros_like(token, dtype=torch.bool)
            if last:
                hits = torch.ones_like(hits)
            cand_seqs = _extend(seqs, beam, token, cur_len)
            run_candidates = top_scores + hits.to(torch.float32) * DEAD
            chosen = torch.topk(run_candidates, k).indices
            new_seqs = cand_seqs.gather(1, chosen.unsqueeze(-1).expand(batch, k, max_length))
            new_scores = run_candidates.gather(1, chosen)
            parent = beam.gather(1, chosen)
            finished.add(cand_seqs, top_scores, hits & top_slots, cur_len + 1, unsatisfied, rules, prompt_len)
            best_running = new_scores[:, :1]
            if last:
                break
            all_hit = hits.all()  # checked with the stopping test below: one sync per step
        else:
            # ---- constrained: candidates from every source, then banks
            if beam_base is None:
                beam_base = (torch.arange(k, device=device) * vocab).view(1, k, 1)
                row_base = torch.arange(batch, device=device).view(batch, 1) * (k * vocab)
            # The sentence's top candidates, each hypothesis's own best
            # continuation (a constrained hypothesis scoring below the others
            # must still be able to continue), the proposals, EOS.
            ext_token, useful = tracker.proposals()
            parts = [
                beam * vocab + token,
                (beam_base + ext_token).view(batch, -1),
                (beam_base + row_token[:, :, :1]).view(batch, -1),
            ]
            ok = [
                torch.ones((batch, keep), dtype=torch.bool, device=device),
                useful.view(batch, -1),
                torch.ones((batch, k), dtype=torch.bool, device=device),
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
            # Most proposal slots are padding or serve a term already met:
            # only the usable candidates go on (each sentence's in their
            # order, so ranks and ties are unchanged), at least the top `keep`.
            usable = int(valid.sum(dim=1).max())
            if usable < valid.shape[1]:
                kept = torch.sort((~valid).to(torch.uint8), dim=1, stable=True).indices[:, :usable]
                cand = cand.gather(1, kept)
                valid = valid.gather(1, kept)
            # log-probability + running score of each candidate: the same sums as over the whole rows
            flat = log_probs.view(-1).gather(0, (cand + row_base).view(-1)).view(batch, -1)
            cand_scores = torch.where(valid, flat + run_scores.gather(1, cand // vocab), -math.inf)

            beam = cand // vocab
            token = cand % vocab
            hits = torch.isin(token, eos) if eos.numel() else torch.zeros_like(token, dtype=torch.bool)
            if last:
                hits = torch.ones_like(hits)
            grown = tracker.expand(beam, token, final=last)
            # a forbidden rendering is never chosen: not written, nor completed by ending the text
            alive = valid & (cand_scores > DEAD / 10) & ~grown.forbidden & ~(hits & grown.ends_forbidden)
            banks = 2 * grown.met + grown.in_progress.long()
            # Within the "started a rendering" bank, the hypothesis furthest
            # into it comes first: otherwise freshly started ones (which
            # score better) push it out and nothing ever completes.
            progress = torch.where(grown.in_progress, grown.progress, 0)
            rank_scores = cand_scores.double() + 1.0e6 * progress.double()

            # finishing: the candidates that win a beam slot and end here
            won = allocate(rank_scores, banks, alive, k, num_banks)
            finishing = hits.gather(1, won) & alive.gather(1, won)
            finished.add(
                _extend(seqs, beam.gather(1, won), token.gather(1, won), cur_len),
                cand_scores.gather(1, won),
                finishing,
                cur_len + 1,
                unsatisfied,
                rules,
                prompt_len,
                missing=grown.missing.gather(1, won),
            )
            if last:
                break
            running = allocate(rank_scores, banks, alive & ~hits, k, num_banks)
            parent = beam.gather(1, running)
            # a slot no live candidate could fill holds a dead hypothesis (never a forbidden one that lives on)
            new_scores = torch.where(alive & ~hits, cand_scores, cand_scores + DEAD).gather(1, running)
            new_seqs = _extend(seqs, parent, token.gather(1, running), cur_len)
            tracker.keep(grown, running)
            best_running = new_scores.max(dim=1, keepdim=True).values
            all_hit = None

        seqs = new_seqs
        run_scores = new_scores
        reorder(cache, (parent + row_offset).view(-1))
        step_input = seqs[:, :, cur_len].reshape(rows, 1)
        cur_len += 1

        # transformers' early-stopping heuristic, per sentence
        if early_stopping == "never" and length_penalty > 0.0:
            best_length = max_length - prompt_len
        else:
            best_length = cur_len - prompt_len
        best_possible = best_running / (best_length**length_penalty)
        worst_finished = torch.where(finished.flag, torch.min(finished.scores, dim=1, keepdim=True)[0], DEAD)
        unsatisfied = unsatisfied & torch.any(best_possible > worst_finished, dim=-1, keepdim=True)
        done = ~unsatisfied.any()
        if early_stopping is True:
            done = done | finished.flag.all()
        if all_hit is not None:
            done = done | all_hit
        if bool(done):
            break

    lengths = finished.length[:, 0].tolist()
    best = finished.seqs[:, 0, :].tolist()
    tokens = [seq[prompt_len:length] for seq, length in zip(best, lengths)]
    return SearchResult(
        tokens=tokens,
        scores=finished.scores[:, 0].tolist(),
        truncated=[length >= max_length for length in lengths],
    )
