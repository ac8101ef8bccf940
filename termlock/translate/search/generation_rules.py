"""The model's generation settings, applied the way ``model.generate`` does.

termlock runs its own beam search, but unconstrained output must be
identical to ``model.generate(num_beams=k)``.  That means reading the same
``generation_config`` and modifying the log-probabilities with the same
operations, in the same order, as transformers' logits processors.  This
module does exactly that for the settings translation models use, with
whole-batch tensor operations (no per-hypothesis Python), multi-token
``bad_words_ids`` included.

Settings that only make sense for sampling (temperature, top-k/p) are
ignored, as beam search without sampling ignores them in transformers too.
Every other setting either behaves as in ``generate`` or is refused with a
one-line error naming it (:class:`UnsupportedSetting`): output is never
silently different from ``generate``'s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import torch


def _as_id_list(value: Any) -> list[int]:
    if value is None:
        return []
    if isinstance(value, torch.Tensor):
        return [int(v) for v in value.flatten().tolist()]
    if isinstance(value, (list, tuple)):
        return [int(v) for v in value]
    return [int(value)]


#: generation_config fields termlock does not reproduce, with the values that change nothing.
_UNSUPPORTED_NEUTRAL: dict[str, tuple[Any, ...]] = {
    "do_sample": (None, False),
    "num_beam_groups": (None, 1),
    "diversity_penalty": (None, 0.0),
    "penalty_alpha": (None,),
    "num_return_sequences": (None, 1),
    "sequence_bias": (None,),
    "encoder_repetition_penalty": (None, 1.0),
    "encoder_no_repeat_ngram_size": (None, 0),
    "exponential_decay_length_penalty": (None,),
    "remove_invalid_values": (None, False),
    "guidance_scale": (None, 1.0),
    "force_words_ids": (None,),
    "constraints": (None,),
    "forced_decoder_ids": (None,),
    "max_time": (None,),
    "stop_strings": (None,),
    "watermarking_config": (None,),
    "token_healing": (None, False),
    "dola_layers": (None,),
}


class UnsupportedSetting(ValueError):
    """A generation setting termlock's beam search would not reproduce; the message names it."""


@dataclass
class GenerationRules:
    """Everything beam search needs from a model's generation settings."""

    eos_ids: list[int]
    pad_id: int | None
    decoder_start_id: int
    max_length: int
    length_penalty: float
    early_stopping: bool | str
    forced_bos_id: int | None = None
    forced_eos_ids: list[int] = field(default_factory=list)
    bad_single_ids: list[int] = field(default_factory=list)
    bad_sequences: list[tuple[int, ...]] = field(default_factory=list)
    min_length: int = 0
    min_new_tokens: int = 0
    suppress_ids: list[int] = field(default_factory=list)
    begin_suppress_ids: list[int] = field(default_factory=list)
    repetition_penalty: float = 1.0
    no_repeat_ngram_size: int = 0
    renormalize_logits: bool = False
    max_new_tokens: int | None = None
    max_length_explicit: bool = True  # False: neither the caller nor the model set max_length

    #: a decoder-only model's left-padded prompt per row ([rows, P]) and its
    #: padding (True): generate's history rules see the prompt before the
    #: generated tokens (the repetition penalty skips the padding, n-gram
    #: blocking does not). Set per batch by the causal decoder.
    history_prefix: Any = None
    history_padding: Any = None

    @classmethod
    def from_model(
        cls,
        model: Any,
        *,
        max_length: int | None,
        length_penalty: float | None,
        forced_bos_token_id: int | None = None,
        decoder_start_token_id: int | None = None,
        early_stopping: bool | str | None = None,
        overrides: dict[str, Any] | None = None,
    ) -> "GenerationRules":
        """Read ``model.generation_config`` (falling back to ``model.config``).

        Explicit arguments win over the configuration, as keyword arguments
        to ``generate`` do.
        """
        config = getattr(model, "generation_config", None)
        model_config = model.config

        def setting(name: str, default: Any = None) -> Any:
            if overrides and name in overrides:
                return overrides[name]
            value = getattr(config, name, None) if config is not None else None
            if value is None:
                value = getattr(model_config, name, None)
            return default if value is None else value

        for name, neutral in _UNSUPPORTED_NEUTRAL.items():
            value = setting(name, None)
            if value not in neutral and not (isinstance(value, (list, tuple, dict)) and not value):
                raise UnsupportedSetting(
                    f"the model's generation setting {name}={value!r} is not supported by termlock's beam search; "
                    f"remove it from the model's generation_config.json (or set it to {neutral[-1]!r})"
                )

        eos_ids = _as_id_list(setting("eos_token_id"))
        pad_id = setting("pad_token_id")
        start = decoder_start_token_id if decoder_start_token_id is not None else setting("decoder_start_token_id")
        if start is None:
            start = setting("bos_token_id")
        if start is None:
            raise ValueError("the model defines no decoder_start_token_id (nor bos_token_id) to start decoding from")
        if isinstance(start, (list, tuple)):
            raise ValueError("a per-sentence decoder_start_token_id is not supported; pass one id")

        bad_single: list[int] = []
        bad_multi: list[tuple[int, ...]] = []
        for seq in setting("bad_words_ids", None) or []:
            seq = [int(t) for t in seq]
            if len(seq) == 1:
                if seq[0] not in eos_ids:  # as transformers: EOS is never a bad word
                    bad_single.append(seq[0])
            elif seq:
                bad_multi.append(tuple(seq))

        bos = forced_bos_token_id if forced_bos_token_id is not None else setting("forced_bos_token_id")
        stop = setting("early_stopping", False) if early_stopping is None else early_stopping
        new_tokens = setting("max_new_tokens")
        return cls(
            eos_ids=eos_ids,
            pad_id=None if pad_id is None else int(pad_id),
            decoder_start_id=int(start),
            max_length=int(max_length if max_length is not None else setting("max_length", 20)),
            length_penalty=float(length_penalty if length_penalty is not None else setting("length_penalty", 1.0)),
            early_stopping=stop,
            forced_bos_id=None if bos is None else int(bos),
            forced_eos_ids=_as_id_list(setting("forced_eos_token_id")),
            bad_single_ids=bad_single,
            bad_sequences=bad_multi,
            min_length=int(setting("min_length", 0) or 0),
            min_new_tokens=int(setting("min_new_tokens", 0) or 0),
            suppress_ids=_as_id_list(setting("suppress_tokens")),
            begin_suppress_ids=_as_id_list(setting("begin_suppress_tokens")),
            repetition_penalty=float(setting("repetition_penalty", 1.0) or 1.0),
            no_repeat_ngram_size=int(setting("no_repeat_ngram_size", 0) or 0),
            renormalize_logits=bool(setting("renormalize_logits", False)),
            max_new_tokens=None if max_length is not None or new_tokens is None else int(new_tokens),
            max_length_explicit=max_length is not None or _explicitly_set(model, "max_length", overrides),
        )

    @property
    def needs_history(self) -> bool:
        """Whether any rule looks at the tokens generated so far."""
        return self.repetition_penalty != 1.0 or self.no_repeat_ngram_size > 0 or bool(self.bad_sequences)


def _explicitly_set(model: Any, name: str, overrides: dict[str, Any] | None) -> bool:
    """Whether the model (or the caller) chose ``name``, rather than transformers' default."""
    if overrides and name in overrides:
        return True
    for config in (getattr(model, "generation_config", None), getattr(model, "config", None)):
        diff = getattr(config, "to_diff_dict", None)
        if diff is not None:
            try:
                if name in diff():
                    return True
            except Exception:  # a config that cannot diff itself: trust its value
                return getattr(config, name, None) is not None
    return False


class RuleApplier:
    """Applies :class:`GenerationRules` to a step's log-probabilities in place.

    Split in two around the point where transformers applies
    ``bad_words_ids``, because that is where termlock's own bans (forbidden
    renderings, EOS before all constraints are met) belong: a later forced
    BOS/EOS must still override them, exactly as it overrides bad words.
    """

    def __init__(self, rules: GenerationRules, vocab_size: int, device: torch.device, prompt_len: int):
        self.rules = rules
        self.prompt_len = prompt_len
        self.device = device
        self.context = rules.history_prefix
        self.context_padding = rules.history_padding

        def ids(values: Sequence[int]) -> torch.Tensor | None:
            kept = sorted({v for v in values if 0 <= v < vocab_size})
            return torch.tensor(kept, dtype=torch.long, device=device) if kept else None

        self.bad_single = ids(rules.bad_single_ids)
        self.eos = ids(rules.eos_ids)
        self.forced_eos = ids(rules.forced_eos_ids)
        self.suppress = ids(rules.suppress_ids)
        self.begin_suppress = ids(rules.begin_suppress_ids)
        begin_index = prompt_len
        if not (prompt_len > 1 or rules.forced_bos_id is None):
            begin_index += 1
        self.begin_index = begin_index

    def _history(self, sequences: torch.Tensor | None, cur_len: int) -> torch.Tensor | None:
        """The tokens generate's history rules see: a decoder-only prompt (if any), then the generated ones."""
        if sequences is None:
            return None
        seen = sequences[:, :cur_len]
        if self.context is not None:
            seen = torch.cat((self.context, seen), dim=1)
        return seen

    def penalise_repetition(self, scores: torch.Tensor, sequences: torch.Tensor | None, cur_len: int) -> None:
        """The repetition penalty, on logits (greedy search) or log-probabilities (beam search).

        A decoder-only prompt counts, its left padding does not (as generate).
        """
        rules = self.rules
        seen = self._history(sequences, cur_len)
        if seen is None or not seen.shape[1]:
            return
        if self.context_padding is None:
            score = scores.gather(1, seen)
            score = torch.where(score < 0, score * rules.repetition_penalty, score / rules.repetition_penalty)
            scores.scatter_(1, seen, score)
            return
        # padding points at an extra column that is dropped afterwards
        vocab = scores.shape[-1]
        padding = torch.zeros_like(seen, dtype=torch.bool)
        padding[:, : self.context_padding.shape[1]] = self.context_padding
        ids = seen.masked_fill(padding, vocab)
        extended = torch.cat((scores, scores.new_zeros((scores.shape[0], 1))), dim=1)
        score = extended.gather(1, ids)
        score = torch.where(score < 0, score * rules.repetition_penalty, score / rules.repetition_penalty)
        extended.scatter_(1, ids, score)
        scores.copy_(extended[:, :vocab])

    def before_bans(
        self, log_probs: torch.Tensor, sequences: torch.Tensor | None, cur_len: int, *, repetition: bool = True
    ) -> None:
        """Repetition penalty (unless applied to the logits already), n-gram blocking, bad words."""
        rules = self.rules
        if repetition and rules.repetition_penalty != 1.0:
            self.penalise_repetition(log_probs, sequences, cur_len)
        seen = self._history(sequences, cur_len)
        length = seen.shape[1] if seen is not None else 0
        if rules.no_repeat_ngram_size > 0 and seen is not None and length >= rules.no_repeat_ngram_size:
            n = rules.no_repeat_ngram_size
            prefix = seen[:, length + 1 - n :]
            windows = seen.unfold(dimension=1, size=n, step=1)
            matches = (windows[..., :-1] == prefix.unsqueeze(1)).all(dim=-1)
            vocab = log_probs.shape[-1]
            banned = torch.zeros((log_probs.shape[0], vocab + 1), dtype=torch.bool, device=log_probs.device)
            banned.scatter_(1, torch.where(matches, windows[..., -1].clamp(max=vocab), vocab), True)
            log_probs.masked_fill_(banned[:, :vocab], -math.inf)
        if rules.bad_sequences and seen is not None:
            # multi-token bad words: ban the last token where the others were just written
            vocab = log_probs.shape[-1]
            for bad in rules.bad_sequences:
                n = len(bad) - 1
                if length < n or not 0 <= bad[-1] < vocab:
                    continue
                prefix = torch.tensor(bad[:-1], dtype=seen.dtype, device=seen.device)
                rows = (seen[:, length - n : length] == prefix).all(dim=1)
                log_probs[:, bad[-1]] = log_probs[:, bad[-1]].masked_fill(rows, -math.inf)
        if self.bad_single is not None:
            log_probs.index_fill_(1, self.bad_single, -math.inf)

    def after_bans(self, log_probs: torch.Tensor, cur_len: int) -> None:
        """Length limits, forced BOS/EOS and suppressed tokens."""
        rules = self.rules
        if self.eos is not None:
            if cur_len < rules.min_length or cur_len - self.prompt_len < rules.min_new_tokens:
                log_probs.index_fill_(1, self.eos, -math.inf)
        if rules.forced_bos_id is not None and cur_len == 1:
            log_probs.fill_(-math.inf)
            log_probs[:, rules.forced_bos_id] = 0
        if self.forced_eos is not None and cur_len == rules.max_length - 1:
            log_probs.fill_(-math.inf)
            log_probs.index_fill_(1, self.forced_eos, 0.0)
        if self.suppress is not None:
            log_probs.index_fill_(1, self.suppress, -math.inf)
        if self.begin_suppress is not None and cur_len == self.begin_index:
            log_probs.index_fill_(1, self.begin_suppress, -math.inf)
        if rules.renormalize_logits:
            log_probs.copy_(torch.log_softmax(log_probs, dim=-1))
