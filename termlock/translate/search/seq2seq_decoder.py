"""The decoder: batches of sentences through termlock's beam search; the encoder-decoder model step.

transformers 5.x no longer ships constrained beam search, so termlock runs
its own (:mod:`termlock.translate.search.beam_search`): for an
encoder-decoder model the encoder once per batch, then the decoder one step
at a time with the model's KV cache, for ``batch_size`` sentences x
``num_beams`` hypotheses at once. :class:`BeamSearchDecoder` also holds what
every model shares (batching, the lock's tracker, the judge's ``unmet``):
the decoder-only subclass
(:mod:`termlock.translate.search.causal_decoder`) replaces only the model
step.

Without constraints every operation mirrors ``model.generate(num_beams=k)``
(same log-softmax, logits rules, top-k, finishing rule, length penalty and
early-stopping heuristic), so the token ids are identical.  With
constraints, hypotheses are followed in the checker's normalised character
space (see :mod:`termlock.translate.lock`): each step offers every hypothesis the
tokens that write a missing rendering, shares the beam among
constraint-progress banks (see :mod:`termlock.translate.search.beam_allocation`), bans EOS until all
terms are met and bans every token that would write a forbidden rendering.
When a term cannot be placed within ``max_length`` the best hypothesis is
returned anyway and ``DecodeResult.unmet`` lists what the checker's judge
finds missing in it: a sentence is never dropped, and ``unmet`` is never
the decoder's opinion.
"""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
from dataclasses import dataclass
from typing import Any, Sequence

import torch

from termlock.errors import TermlockError
from termlock.translate.search.beam_search import SearchResult, search
from termlock.glossary.model import Glossary, Term
from termlock.glossary.source_match import SourceMatch
from termlock.glossary.verdicts import FORBIDDEN, OK, SegmentJudge
from termlock.translate.lock.sentence_lock import SentenceLock
from termlock.glossary.spelling import glossary_spelling
from termlock.translate.lock.tracker import ConstraintTracker
from termlock.translate.lock.vocabulary import TokenSpeller, VocabularyText, token_texts
from termlock.translate.lock.constraints import NegativeConstraint, PositiveConstraint
from termlock.translate.models.quantization import is_quantized
from termlock.translate.search.generation_rules import GenerationRules
from termlock.translate.search.model_step import DecoderStep, beams_share_cross_attention, can_share_cross_attention


@dataclass(frozen=True)
class DecodeResult:
    """The best hypothesis for one sentence.

    ``token_ids`` are the generated ids after the decoder prompt, up to and
    including EOS when the hypothesis finished with one; ``score`` is the
    length-normalised log-probability (``generate``'s ``sequences_scores``);
    ``unmet`` lists the term ids the checker's judge does not find satisfied
    in ``text`` (positive constraints missing or with a forbidden rendering,
    negative constraints with a forbidden rendering); ``truncated``: the
    hypothesis was cut at ``max_length`` instead of ending with EOS.
    """

    text: str
    token_ids: tuple[int, ...]
    score: float
    unmet: tuple[str, ...] = ()
    truncated: bool = False
    max_length: int = 0  # the limit it was decoded under (prompt included, as generate counts)


#: self-attention positions each cache layer holds before it first grows (see kv_cache.py)
INITIAL_CACHE_POSITIONS = 64


class BeamSearchDecoder:
    """Batched beam search with lexical constraints.

    ``max_length``, ``length_penalty``, ``early_stopping``,
    ``forced_bos_token_id`` and ``decoder_start_token_id`` default to the
    model's ``generation_config`` (as ``generate`` does); ``decoder_prefix``
    adds fixed target tokens after the start token (models that expect a
    target-language token as a prefix rather than a forced BOS).
    ``generation_overrides`` replaces other generation_config settings.
    ``share_cross_attention``: the beams of a sentence attend to one copy of
    its encoder output (float rounding differs from ``generate``'s, so the
    default is on for int8 models only; see ``model_step.py``).
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
        share_cross_attention: bool | None = None,
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
        if self.rules.max_new_tokens is not None:  # as generate: new tokens after the decoder prompt
            self.rules.max_length = self.rules.max_new_tokens + len(self.prompt)
        #: no limit from the caller nor the model: one is derived per batch from the source length
        self.derived_length = not self.rules.max_length_explicit and self.rules.max_new_tokens is None
        if self.rules.max_length <= len(self.prompt):
            raise ValueError(f"max_length={self.rules.max_length} leaves no room to generate")
        self._vocabularies: dict[str, VocabularyText] = {}
        self._token_texts: list[str] | None = None
        self._speller: TokenSpeller | None = None
        self._judge = SegmentJudge(Glossary("lock", ()))
        params = inspect.signature(model.forward).parameters
        self._cache_arg = "cache" if "cache" in params else "past_key_values"
        self._step = DecoderStep(model, self._cache_arg)
        if share_cross_attention is None:  # only where the output is approximate anyway (model_step.py)
            share_cross_attention = is_quantized(model)
        #: the beams of a sentence attend to one copy of its encoder output (model_step.py)
        self.share_cross_attention = bool(share_cross_attention) and can_share_cross_attention(model)

    @property
    def max_length(self) -> int:
        return self.rules.max_length

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def vocabulary(self, channel: str) -> VocabularyText:
        """The target vocabulary in one of the lock's views (``symbols.EXACT``, ``FOLDED``, ``CASED``), built once each."""
        if channel not in self._vocabularies:
            texts = self.token_texts()
            self._vocabularies[channel] = VocabularyText(
                self.tokenizer, len(texts), self.device, channel=channel, eos_ids=self.rules.eos_ids, texts=texts
            )
        return self._vocabularies[channel]

    def token_texts(self) -> list[str]:
        """Every output token's text (once per decoder; each view of the vocabulary starts from it)."""
        if self._token_texts is None:
            from termlock.translate.models.quantization import output_size

            # output_size: an int8 (--dtype int8) head has weight() as a method, not a tensor
            vocab = output_size(self.model.get_output_embeddings()) or int(self.model.config.vocab_size)
            self._token_texts = token_texts(self.tokenizer, vocab, self.rules.eos_ids)
        return self._token_texts

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

    def _decode_batch(
        self,
        sentences: list[str],
        positives: list[Sequence[PositiveConstraint]],
        negatives: list[Sequence[NegativeConstraint]],
    ) -> list[DecodeResult]:
        device = self.device
        with torch.inference_mode():
            tracker = None
            if any(positives) or any(negatives):
                # a rendering the vocabulary cannot spell would keep EOS banned to the length limit
                writable = [[p for p in pos if any(self.writable(a) for a in p.alternatives)] for pos in positives]
                locks = [SentenceLock.compile(pos, neg) for pos, neg in zip(writable, negatives)]
                tracker = ConstraintTracker(locks, self.vocabulary, device)
            input_ids, attention_mask = self._encode(sentences)
            input_ids = input_ids.to(device)
            attention_mask = attention_mask.to(device)
            rules = self.rules
            if self.derived_length:
                rules = dataclasses.replace(rules, max_length=self.length_for(int(attention_mask.sum(1).max())))
            found = self._search(input_ids, attention_mask, tracker, rules)
        texts = self.tokenizer.batch_decode(found.tokens, skip_special_tokens=True)
        results = []
        for b, text in enumerate(texts):
            results.append(
                DecodeResult(
                    text=text,
                    token_ids=tuple(found.tokens[b]),
                    score=found.scores[b],
                    unmet=self.unmet(text, positives[b], negatives[b]),
                    truncated=found.truncated[b],
                    max_length=rules.max_length,
                )
            )
        return results

    def unmet(
        self, text: str, positives: Sequence[PositiveConstraint], negatives: Sequence[NegativeConstraint]
    ) -> tuple[str, ...]:
        """Term ids the checker's judge finds not satisfied in ``text`` (the truth, not the automaton's view)."""
        if not positives and not negatives:
            return ()
        forbidden = {n.term_id: n for n in negatives}
        terms: list[Term] = []
        for p in positives:
            neg = forbidden.pop(p.term_id, None)
            judged = p.judged
            terms.append(
                Term(p.term_id, (p.term_id,), judged[0], judged[1:], neg.phrases if neg else (), p.case_sensitive, p.exact)
            )
        required = len(terms)
        for n in forbidden.values():
            terms.append(Term(n.term_id, (n.term_id,), n.phrases[0], (), n.phrases, n.case_sensitive, n.exact))
        verdicts = self._judge.judge_matches([SourceMatch(t, 0, 0, t.id) for t in terms], text.strip())
        failed = [
            v.match.term.id
            for i, v in enumerate(verdicts)
            if (v.status != OK if i < required else v.status == FORBIDDEN)
        ]
        return tuple(dict.fromkeys(failed))

    def writable(self, rendering: str) -> bool:
        """Whether the output tokens can write ``rendering`` exactly as the glossary spells it (what the lock places)."""
        return self.speller().spells(glossary_spelling(rendering))

    def unwritten(self, rendering: str) -> str:
        """The characters of ``rendering``'s glossary spelling that no output token holds."""
        return self.speller().unwritten(glossary_spelling(rendering))

    def speller(self) -> TokenSpeller:
        if self._speller is None:
            self._speller = TokenSpeller(self.token_texts())
        return self._speller

    def length_for(self, source_tokens: int) -> int:
        """A limit for a model that sets none: room for a translation 3x the source, within the positions.

        transformers would stop at 20 tokens, cutting most sentences short.
        """
        positions = getattr(self.model.config, "max_position_embeddings", None) or 1024
        return max(len(self.prompt) + 1, min(int(positions), len(self.prompt) + 3 * source_tokens + 10))

    def _encode(self, sentences: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """Input ids and attention mask of one batch (the model's input side)."""
        encoded = self.tokenizer(sentences, return_tensors="pt", padding=True)
        self._check_lengths(encoded["attention_mask"])
        return encoded["input_ids"], encoded["attention_mask"]

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
        """One decoder step: ``(logits [rows, n, vocab], cache)`` (model_step.DecoderStep)."""
        return self._step(encoder_outputs, attention_mask, step_input, cache)

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
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        tracker: ConstraintTracker | None,
        rules: GenerationRules | None = None,
    ) -> SearchResult:
        from transformers.modeling_outputs import BaseModelOutput

        from termlock.translate.search.kv_cache import in_place_cache  # imports transformers

        k = self.num_beams
        encoder = self.model.get_encoder()
        encoded = encoder(input_ids=input_ids, attention_mask=attention_mask, return_dict=True)
        if self.share_cross_attention:
            # one encoder row per sentence: its beams share the cross-attention keys/values
            encoder_outputs = BaseModelOutput(last_hidden_state=encoded.last_hidden_state)
            mask = attention_mask
            sharing = beams_share_cross_attention(self.model)
        else:
            # one encoder row per beam, as generate() expands them
            encoder_outputs = BaseModelOutput(last_hidden_state=encoded.last_hidden_state.repeat_interleave(k, dim=0))
            mask = attention_mask.repeat_interleave(k, dim=0)
            sharing = contextlib.nullcontext()

        rules = rules or self.rules

        def forward(step_input: torch.Tensor, cache: Any) -> tuple[torch.Tensor, Any]:
            if cache is None:
                # self-attention keys/values written in place, not concatenated (kv_cache.py); room
                # for 64 positions first, doubled when a batch runs longer (a model's max_length is
                # often 512: reserving it all would hold GPU memory no sentence uses)
                cache = in_place_cache(min(rules.max_length, INITIAL_CACHE_POSITIONS))
            return self._forward(encoder_outputs, mask, step_input, cache)

        with sharing:
            return search(forward, self._reorder, rules, self.prompt, input_ids.shape[0], k, input_ids.device, tracker)


def _per_sentence(values: Sequence[Any] | None, count: int, name: str) -> list[Sequence[Any]]:
    if values is None:
        return [()] * count
    if len(values) != count:
        raise ValueError(f"{name} has {len(values)} entries for {count} sentences")
    return [v or () for v in values]
