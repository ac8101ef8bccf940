"""termlock's beam search over a Hugging Face encoder-decoder model.

transformers 5.x no longer ships constrained beam search, so termlock runs
its own: the encoder once per batch, then the decoder one step at a time
with the model's KV cache, for ``batch_size`` sentences x ``num_beams``
hypotheses at once.

Without constraints every operation mirrors ``model.generate(num_beams=k)``
(same log-softmax, logits rules, top-k, finishing rule, length penalty and
early-stopping heuristic), so the token ids are identical.  With
constraints, each step also offers every hypothesis the tokens that advance
its constraints (see :mod:`constraint_state`) and shares the beam among
constraint-progress banks (see :mod:`beam_allocation`); EOS is banned until
all positive constraints are met and forbidden sequences are banned
outright.  When a constraint cannot be placed within ``max_length`` the
best hypothesis is returned anyway and the term ids are listed in
``DecodeResult.unmet``: a sentence is never dropped.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Sequence

import torch

from termlock.errors import TermlockError
from termlock.translate.beam_search import SearchResult, search
from termlock.translate.constraint_state import MAX_CONSTRAINTS, ConstraintAutomaton, TokenClasses
from termlock.translate.constraints import NegativeConstraint, PhraseTokenizer, PositiveConstraint
from termlock.translate.generation_rules import GenerationRules


@dataclass(frozen=True)
class DecodeResult:
    """The best hypothesis for one sentence.

    ``token_ids`` are the generated ids after the decoder prompt, up to and
    including EOS when the hypothesis finished with one; ``score`` is the
    length-normalised log-probability (``generate``'s ``sequences_scores``);
    ``unmet`` lists the term ids of positive constraints it does not satisfy.
    """

    text: str
    token_ids: tuple[int, ...]
    score: float
    unmet: tuple[str, ...] = ()


@dataclass
class _Prepared:
    """Constraints of one batch, as token sequences, plus bookkeeping."""

    positives: list[list[tuple[tuple[int, ...], ...]]]
    forbidden: list[list[tuple[int, ...]]]
    term_ids: list[list[str]]  # tracked constraint index -> term id
    never: list[list[str]]  # term ids that cannot be placed at all


class BeamSearchDecoder:
    """Batched beam search with lexical constraints.

    ``max_length``, ``length_penalty``, ``early_stopping``,
    ``forced_bos_token_id`` and ``decoder_start_token_id`` default to the
    model's ``generation_config`` (as ``generate`` does); ``decoder_prefix``
    adds fixed target tokens after the start token (models that expect a
    target-language token as a prefix rather than a forced BOS).
    ``generation_overrides`` replaces other generation_config settings.
    """

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        num_beams: int = 5,
        max_length: int | None = None,
        length_penalty: float | None = None,
        batch_size: int = 16,
        *,
        early_stopping: bool | str | None = None,
        forced_bos_token_id: int | None = None,
        decoder_start_token_id: int | None = None,
        decoder_prefix: Sequence[int] = (),
        generation_overrides: dict[str, Any] | None = None,
    ):
        if num_beams < 1:
            raise ValueError("num_beams must be at least 1")
        if num_beams == 1:
            # generate() runs greedy search for one beam: a sentence ends at its
            # first EOS, which is beam search with early_stopping=True.
            early_stopping = True
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.model = model
        self.tokenizer = tokenizer
        self.num_beams = num_beams
        self.batch_size = batch_size
        self.rules = GenerationRules.from_model(
            model,
            max_length=max_length,
            length_penalty=length_penalty,
            forced_bos_token_id=forced_bos_token_id,
            decoder_start_token_id=decoder_start_token_id,
            early_stopping=early_stopping,
            overrides=generation_overrides,
        )
        self.prompt = [self.rules.decoder_start_id, *[int(t) for t in decoder_prefix]]
        if self.rules.max_length <= len(self.prompt):
            raise ValueError(f"max_length={self.rules.max_length} leaves no room to generate")
        self.phrases = PhraseTokenizer(tokenizer)
        self._classes: TokenClasses | None = None
        params = inspect.signature(model.forward).parameters
        self._cache_arg = "cache" if "cache" in params else "past_key_values"

    @property
    def max_length(self) -> int:
        return self.rules.max_length

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def _token_classes(self) -> TokenClasses:
        if self._classes is None:
            from termlock.translate.quantization import output_size

            # output_size: an int8 (--dtype int8) head has weight() as a method, not a tensor
            vocab = output_size(self.model.get_output_embeddings()) or int(self.model.config.vocab_size)
            self._classes = TokenClasses.from_tokenizer(self.tokenizer, vocab, self.device, self.rules.eos_ids)
        return self._classes

    # ------------------------------------------------------------------ API

    def decode(
        self,
        sentences: Sequence[str],
        positives: Sequence[Sequence[PositiveConstraint] | None] | None = None,
        negatives: Sequence[Sequence[NegativeConstraint] | None] | None = None,
    ) -> list[DecodeResult]:
        """Translate ``sentences`` in order, ``batch_size`` at a time."""
        count = len(sentences)
        pos = _per_sentence(positives, count, "positives")
        neg = _per_sentence(negatives, count, "negatives")
        results: list[DecodeResult] = []
        for start in range(0, count, self.batch_size):
            stop = start + self.batch_size
            results.extend(self._decode_batch(list(sentences[start:stop]), pos[start:stop], neg[start:stop]))
        return results

    # ------------------------------------------------------------ internals

    def _prepare(
        self, positives: list[Sequence[PositiveConstraint]], negatives: list[Sequence[NegativeConstraint]]
    ) -> _Prepared:
        prepared = _Prepared([], [], [], [])
        global_bans = list(self.rules.bad_sequences)
        for pos, neg in zip(positives, negatives):
            seqs: list[tuple[tuple[int, ...], ...]] = []
            ids: list[str] = []
            never: list[str] = []
            for constraint in pos:
                variants = self.phrases.positive_variants(constraint)
                if variants and len(seqs) < MAX_CONSTRAINTS:
                    seqs.append(variants)
                    ids.append(constraint.term_id)
                else:
                    never.append(constraint.term_id)
            forbidden = list(global_bans)
            for constraint in neg:
                forbidden.extend(self.phrases.negative_variants(constraint))
            prepared.positives.append(seqs)
            prepared.forbidden.append(forbidden)
            prepared.term_ids.append(ids)
            prepared.never.append(never)
        return prepared

    def _decode_batch(
        self,
        sentences: list[str],
        positives: list[Sequence[PositiveConstraint]],
        negatives: list[Sequence[NegativeConstraint]],
    ) -> list[DecodeResult]:
        device = self.device
        prepared = self._prepare(positives, negatives)
        needs_automaton = any(prepared.positives) or any(prepared.forbidden)
        with torch.inference_mode():
            automaton = (
                ConstraintAutomaton(prepared.positives, prepared.forbidden, self._token_classes())
                if needs_automaton
                else None
            )
            encoded = self.tokenizer(sentences, return_tensors="pt", padding=True)
            self._check_lengths(encoded["attention_mask"])
            input_ids = encoded["input_ids"].to(device)
            attention_mask = encoded["attention_mask"].to(device)
            found = self._search(input_ids, attention_mask, automaton)
        texts = self.tokenizer.batch_decode(found.tokens, skip_special_tokens=True)
        results = []
        for b, text in enumerate(texts):
            unmet = [term for c, term in enumerate(prepared.term_ids[b]) if not (found.met[b] >> c) & 1]
            results.append(
                DecodeResult(
                    text=text,
                    token_ids=tuple(found.tokens[b]),
                    score=found.scores[b],
                    unmet=tuple(dict.fromkeys(prepared.never[b] + unmet)),
                )
            )
        return results

    def _check_lengths(self, attention_mask: torch.Tensor) -> None:
        """Refuse sentences the encoder cannot take instead of failing inside it.

        The caller splits long sentences first (at clause punctuation); this
        is the last guard, never a silent truncation.
        """
        limit = getattr(self.model.config, "max_position_embeddings", None)
        if not limit:
            return
        lengths = attention_mask.sum(dim=1).tolist()
        for index, length in enumerate(lengths):
            if length > limit:
                raise TermlockError(
                    f"sentence {index + 1} of the batch has {length} tokens; the model takes at most {limit}",
                    fix="split the sentence (e.g. at clause punctuation) before decoding",
                )

    def _forward(self, encoder_outputs: Any, attention_mask: torch.Tensor, step_input: torch.Tensor, cache: Any):
        kwargs = {self._cache_arg: cache}
        out = self.model(
            encoder_outputs=encoder_outputs,
            attention_mask=attention_mask,
            decoder_input_ids=step_input,
            use_cache=True,
            return_dict=True,
            **kwargs,
        )
        new_cache = getattr(out, "cache", None)
        if new_cache is None:
            new_cache = getattr(out, "past_key_values", None)
        return out.logits, new_cache

    @staticmethod
    def _reorder(cache: Any, rows: torch.Tensor) -> None:
        """Reorder the self-attention cache to the surviving beams.

        Beams only move within their own sentence, and every beam of a
        sentence has the same cross-attention keys/values, so the
        cross-attention cache needs no reordering.
        """
        self_cache = getattr(cache, "self_attention_cache", None)
        (self_cache if self_cache is not None else cache).reorder_cache(rows)

    def _search(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, automaton: ConstraintAutomaton | None
    ) -> SearchResult:
        from transformers.modeling_outputs import BaseModelOutput

        k = self.num_beams
        encoder = self.model.get_encoder()
        encoded = encoder(input_ids=input_ids, attention_mask=attention_mask, return_dict=True)
        # one encoder row per beam, as generate() expands them
        encoder_outputs = BaseModelOutput(last_hidden_state=encoded.last_hidden_state.repeat_interleave(k, dim=0))
        mask = attention_mask.repeat_interleave(k, dim=0)

        def forward(step_input: torch.Tensor, cache: Any) -> tuple[torch.Tensor, Any]:
            return self._forward(encoder_outputs, mask, step_input, cache)

        return search(
            forward, self._reorder, self.rules, self.prompt, input_ids.shape[0], k, input_ids.device, automaton
        )


def _per_sentence(values: Sequence[Any] | None, count: int, name: str) -> list[Sequence[Any]]:
    if values is None:
        return [()] * count
    if len(values) != count:
        raise ValueError(f"{name} has {len(values)} entries for {count} sentences")
    return [v or () for v in values]
