"""Decoder-only (causal) LLMs as translation models, under termlock's beam search.

An LLM translates by continuing a prompt (see :mod:`termlock.translate.models.prompts`): the
"source" a decoding batch receives is the rendered prompt, and the
translation is the continuation up to the end token. Everything after the
model call is shared with encoder-decoder models: :class:`CausalBeamSearchDecoder`
is the :class:`~termlock.translate.search.seq2seq_decoder.BeamSearchDecoder` with another
model step, which

* left-pads the prompts of a batch (every row's last prompt token sits in
  the same column, so one forward extends all rows), with the attention
  mask and the position ids ``generate`` derives from it;
* prefills each prompt once (``generate`` runs k copies of it) keeping only
  the last position's logits, copies its KV cache to the k beams, then feeds
  one token per hypothesis per step, growing the mask and positions;
* reorders the KV cache to the surviving beams after every step.

So the token sequence of each hypothesis starts empty (the prompt is not
part of it), constraints see only the generated continuation, lengths and
the length penalty count generated tokens as ``generate`` counts them for
decoder-only models, and without constraints the output is token for token
``model.generate(num_beams=k, max_new_tokens=N)`` on the same prompts.

torch and transformers are imported lazily.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Sequence

from termlock.errors import TermlockError
from termlock.translate.models.causal_lm import prepare_tokenizer
from termlock.translate.search.seq2seq_decoder import BeamSearchDecoder

#: translation length cap, in new tokens, when neither --max-length nor the model's generation config sets one
DEFAULT_MAX_NEW_TOKENS = 256


class CausalBeamSearchDecoder(BeamSearchDecoder):
    """Beam search over a decoder-only model; ``decode`` takes rendered prompts.

    ``max_new_tokens`` bounds the continuation (default: the generation
    config's ``max_new_tokens``, else :data:`DEFAULT_MAX_NEW_TOKENS`);
    ``add_special_tokens`` is how prompts are tokenized (False for chat
    templates, which write their own BOS); ``end_token_ids`` end the answer
    besides the generation config's EOS ids (a chat template's turn end).
    ``length_penalty``/``early_stopping``/``generation_overrides`` as for
    :class:`BeamSearchDecoder`. A generation config's ``do_sample`` (chat
    models set it, with temperature/top-p/top-k) is overridden: translation
    is beam search; its repetition penalty and n-gram rules still apply.
    """

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        num_beams: int = 5,
        max_new_tokens: int | None = None,
        length_penalty: float | None = None,
        batch_size: int = 16,
        *,
        early_stopping: bool | str | None = None,
        add_special_tokens: bool = True,
        end_token_ids: Sequence[int] = (),
        generation_overrides: dict[str, Any] | None = None,
    ):
        if max_new_tokens is None:
            configured = getattr(getattr(model, "generation_config", None), "max_new_tokens", None)
            max_new_tokens = int(configured) if configured else DEFAULT_MAX_NEW_TOKENS
        if max_new_tokens < 1:
            raise ValueError("max_new_tokens must be at least 1")
        # chat models ship sampling defaults (do_sample, temperature, top_p/top_k) for chatting;
        # a translation is decoded by beam search, as generate(do_sample=False, num_beams=k)
        overrides = {
            "forced_bos_token_id": None,
            "decoder_start_token_id": 0,
            "do_sample": False,
            **(generation_overrides or {}),
        }
        super().__init__(
            model,
            tokenizer,
            num_beams=num_beams,
            # the search counts generated tokens only: its max_length is the new tokens
            max_length=max_new_tokens + 1,
            length_penalty=length_penalty,
            batch_size=batch_size,
            early_stopping=early_stopping,
            generation_overrides=overrides,
        )
        self.rules.max_length = max_new_tokens
        self.rules.forced_bos_id = None
        self.rules.eos_ids = list(dict.fromkeys([*self.rules.eos_ids, *(int(t) for t in end_token_ids)]))
        if self.rules.pad_id is None and tokenizer.pad_token_id is not None:
            self.rules.pad_id = int(tokenizer.pad_token_id)
        self.prompt = []  # nothing before the continuation: the prompt is the model's input
        self.add_special_tokens = add_special_tokens
        self.max_new_tokens = max_new_tokens
        #: prefill each prompt once and copy its cache to the beams (generate
        #: prefills k copies); the same numbers, k times less prompt work
        self.prefill_once = True
        prepare_tokenizer(tokenizer)
        self._logits_arg = "logits_to_keep" in self._forward_params()

    def _forward_params(self) -> set[str]:
        import inspect

        return set(inspect.signature(self.model.forward).parameters)

    # ------------------------------------------------------------ internals

    def _encode(self, sentences: list[str]) -> tuple[Any, Any]:
        encoded = self.tokenizer(
            sentences, return_tensors="pt", padding=True, add_special_tokens=self.add_special_tokens
        )
        self._check_lengths(encoded["attention_mask"])
        return encoded["input_ids"], encoded["attention_mask"]

    def _check_lengths(self, attention_mask: Any) -> None:
        """Prompt plus answer must fit the model's positions (never a silent truncation)."""
        limit = getattr(self.model.config, "max_position_embeddings", None)
        if not limit:
            return
        width = int(attention_mask.shape[1])
        if width + self.max_new_tokens > limit:
            raise TermlockError(
                f"a prompt of {width} tokens plus up to {self.max_new_tokens} new tokens exceeds the model's "
                f"{limit} positions",
                fix="split the sentence before decoding, or lower --max-length",
            )

    def _search(self, input_ids: Any, attention_mask: Any, automaton: Any, rules: Any = None) -> Any:
        import torch

        from termlock.translate.search.beam_search import search

        k = self.num_beams
        batch, width = input_ids.shape
        rows = input_ids.repeat_interleave(k, dim=0)
        mask = attention_mask.repeat_interleave(k, dim=0)
        # generate's positions: count real tokens only, padding at 0
        positions = (mask.long().cumsum(-1) - 1).masked_fill(mask == 0, 0)
        # generate drops an all-ones mask (no padding), which changes the
        # attention kernel's path; do the same for identical numbers
        state: dict[str, Any] = {"mask": None if bool(mask.all()) else mask, "last": positions[:, -1:]}
        extra = {"logits_to_keep": 1} if self._logits_arg else {}
        model = self.model
        # caches that cannot copy rows (legacy tuples) get k prompt copies instead
        from transformers.cache_utils import Cache

        repeatable = hasattr(Cache, "batch_repeat_interleave")
        cache_arg = self._cache_arg

        def forward(step_input: torch.Tensor, cache: Any) -> tuple[torch.Tensor, Any]:
            if cache is None and self.prefill_once and repeatable:
                # every beam of a sentence has the same prompt: run it once
                # per sentence, then copy its KV cache to the k beams
                once = model(
                    input_ids=input_ids,
                    attention_mask=None if state["mask"] is None else attention_mask,
                    position_ids=positions[::k],
                    use_cache=True,
                    return_dict=True,
                    **extra,
                )
                new_cache = getattr(once, "cache", None)
                if new_cache is None:
                    new_cache = getattr(once, "past_key_values", None)
                new_cache.batch_repeat_interleave(k)
                return once.logits.repeat_interleave(k, dim=0), new_cache
            if cache is None:
                out = model(
                    input_ids=rows,
                    attention_mask=state["mask"],
                    position_ids=positions,
                    use_cache=True,
                    return_dict=True,
                    **extra,
                )
            else:
                if state["mask"] is not None:
                    state["mask"] = torch.cat((state["mask"], state["mask"].new_ones((state["mask"].shape[0], 1))), dim=1)
                state["last"] = state["last"] + 1
                out = model(
                    input_ids=step_input,
                    attention_mask=state["mask"],
                    position_ids=state["last"],
                    use_cache=True,
                    return_dict=True,
                    **{cache_arg: cache},
                    **extra,
                )
            new_cache = getattr(out, "cache", None)
            if new_cache is None:
                new_cache = getattr(out, "past_key_values", None)
            return out.logits, new_cache

        rules = rules or self.rules
        if rules.min_length:
            # generate's min_length counts the (padded) prompt of a decoder-only model
            rules = dataclasses.replace(rules, min_length=max(0, rules.min_length - width))
        if rules.needs_history:
            rules = dataclasses.replace(rules, history_prefix=rows, history_padding=mask == 0)
        return search(forward, self._reorder, rules, self.prompt, batch, k, input_ids.device, automaton)
