"""One decoder step of an encoder-decoder model, without work the beam search does not need.

``model(...)`` of a Hugging Face encoder-decoder does two things a beam
search pays for at every step and does not need:

* **The output bias add.** BART-family models (Marian, mBART, Pegasus, ...)
  add ``final_logits_bias`` to the logits out of place: a fresh
  ``[rows, vocabulary]`` tensor a step (20 MB at 80 rows and 65,001 words)
  for a bias that is all zeros in Marian's published models.
  :class:`DecoderStep` runs the decoder stack and the output layer itself
  and adds the bias in place, only when it is not all zeros (``x + 0`` is
  ``x``: the logits are the same numbers).
* **Cross-attention keys and values per beam.** ``generate`` repeats the
  encoder output once per beam, so every step's cross-attention reads ``k``
  copies of the same keys and values. :func:`beams_share_cross_attention`
  keeps one copy per sentence and attends with the ``k`` beams' queries
  together (one ``[sentences, heads, k, head_dim]`` query block against
  the sentence's keys): about 3x cheaper per call at beam 5. It changes
  how the attention products are blocked, so scores move at float
  rounding (1e-7): it is used where the model is approximate anyway
  (``--dtype int8``), never where the decoder promises ``generate``'s
  exact output (float32 without constraints).

Both apply to models whose decoder layers use transformers' attention
interface for their cross-attention (``layer.encoder_attn``: the BART
family); anything else goes through ``model(...)`` as before.
"""

from __future__ import annotations

import contextlib
import copy
import threading
from typing import Any, Iterator

import torch

#: the name the shared-beam cross-attention is registered under in transformers' attention interface
SHARED_BEAMS = "termlock_shared_beams"


def _cross_attention_modules(model: Any) -> list[Any]:
    """The decoder layers' cross-attention modules, or [] where they are not BART-style (``encoder_attn``)."""
    get_decoder = getattr(model, "get_decoder", None)
    layers = getattr(get_decoder(), "layers", None) if callable(get_decoder) else None
    if not layers:
        return []
    modules = [getattr(layer, "encoder_attn", None) for layer in layers]
    if any(m is None or not hasattr(m, "config") for m in modules):
        return []
    return modules


def can_share_cross_attention(model: Any) -> bool:
    """Whether the beams of a sentence can share its cross-attention keys/values in ``model``'s decoder."""
    config = getattr(model, "config", None)
    return (
        bool(getattr(config, "is_encoder_decoder", False))
        and getattr(config, "_attn_implementation", None) == "sdpa"
        and bool(_cross_attention_modules(model))
    )


def shared_beams_attention(
    module: Any,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: torch.Tensor | None,
    dropout: float = 0.0,
    scaling: float | None = None,
    **kwargs: Any,
) -> tuple[torch.Tensor, None]:
    """Cross-attention of ``k`` beams per sentence against one copy of the sentence's keys/values.

    ``query``: ``[sentences * k, heads, q, head_dim]`` (a sentence's beams
    together); ``key``/``value``: ``[sentences, heads, source, head_dim]``;
    ``attention_mask``: ``[sentences, 1 | heads, 1 | q, source]`` or None.
    Returns ``[sentences * k, q, heads, head_dim]`` as transformers' sdpa
    attention does. Where the query and the keys have the same batch (a
    call that is not a shared one), it is plain sdpa.
    """
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    rows, heads, q_len, head_dim = query.shape
    sentences = key.shape[0]
    if rows == sentences or rows % sentences:
        return sdpa_attention_forward(module, query, key, value, attention_mask, dropout=dropout, scaling=scaling, **kwargs)
    k = rows // sentences
    # [sentences, k, heads, q, d] -> [sentences, heads, k * q, d]: the beams' queries as one block
    grouped = query.view(sentences, k, heads, q_len, head_dim).transpose(1, 2).reshape(sentences, heads, k * q_len, head_dim)
    mask = attention_mask
    if mask is not None and mask.shape[-2] != 1:  # a mask per query position: the same for every beam
        mask = mask.repeat(1, 1, k, 1)
    out = torch.nn.functional.scaled_dot_product_attention(
        grouped, key, value, attn_mask=mask, dropout_p=0.0, scale=scaling, is_causal=False
    )
    # [sentences, heads, k * q, d] -> [sentences * k, q, heads, d]
    out = out.view(sentences, heads, k, q_len, head_dim).permute(0, 2, 3, 1, 4)
    return out.reshape(rows, q_len, heads, head_dim), None


#: models whose cross-attention is switched to the shared-beam function: model -> [users, their own configs]
_SWITCHED: dict[int, list[Any]] = {}
_SWITCH_LOCK = threading.Lock()


@contextlib.contextmanager
def beams_share_cross_attention(model: Any) -> Iterator[None]:
    """For the duration: the cross-attention of ``model``'s decoder layers takes one key/value copy per sentence.

    Each cross-attention module gets a copy of the config naming
    :func:`shared_beams_attention`; nothing else in the model changes. That
    function is plain sdpa for any call whose keys are not shared, so
    another user of the model meanwhile (``generate``, a float32 decoder, a
    second thread) computes exactly what it would have; the first block to
    enter switches the modules, the last to leave gives them their config back.
    """
    from transformers import AttentionInterface

    modules = _cross_attention_modules(model)
    with _SWITCH_LOCK:
        if SHARED_BEAMS not in AttentionInterface._global_mapping:
            AttentionInterface.register(SHARED_BEAMS, shared_beams_attention)
        entry = _SWITCHED.get(id(model))
        if entry is None:
            originals = [m.config for m in modules]
            shared = copy.copy(originals[0])
            shared._attn_implementation_internal = SHARED_BEAMS  # this copy only (the setter would recurse into sub-configs)
            for module in modules:
                module.config = shared
            entry = _SWITCHED[id(model)] = [0, originals]
        entry[0] += 1
    try:
        yield
    finally:
        with _SWITCH_LOCK:
            entry[0] -= 1
            if not entry[0]:
                for module, config in zip(modules, entry[1]):
                    module.config = config
                del _SWITCHED[id(model)]


class DecoderStep:
    """One decoder step of an encoder-decoder model: ``(logits [rows, positions, vocab], cache)``.

    For a model whose forward is ``lm_head(decoder(...)) + final_logits_bias``
    (the BART family), the decoder stack and the head are run here and the
    bias is added in place when it is not all zeros; any other model is
    called whole.
    """

    def __init__(self, model: Any, cache_arg: str):
        self.model = model
        self.cache_arg = cache_arg
        bias = getattr(model, "final_logits_bias", None)
        base = getattr(model, "model", None)
        self.own_head = (
            isinstance(bias, torch.Tensor)
            and getattr(base, "decoder", None) is not None
            and getattr(model, "lm_head", None) is not None
            and model.get_output_embeddings() is model.lm_head
        )
        self.bias = bias if self.own_head and bool(bias.any()) else None

    def __call__(self, encoder_outputs: Any, attention_mask: torch.Tensor, step_input: torch.Tensor, cache: Any):
        kwargs = {self.cache_arg: cache}
        if not self.own_head:
            out = self.model(
                encoder_outputs=encoder_outputs,
                attention_mask=attention_mask,
                decoder_input_ids=step_input,
                use_cache=True,
                return_dict=True,
                **kwargs,
            )
            logits = out.logits
            new_cache = getattr(out, "cache", None)
        else:
            out = self.model.model.decoder(
                input_ids=step_input,
                encoder_hidden_states=encoder_outputs.last_hidden_state,
                encoder_attention_mask=attention_mask,
                use_cache=True,
                return_dict=True,
                **kwargs,
            )
            # every position, as the model projects them: a prompt's first step is then the same
            # matrix product too (projecting the last position alone rounds differently)
            logits = self.model.lm_head(out.last_hidden_state)
            if self.bias is not None:
                logits += self.bias.to(logits.dtype)  # in place: the same sums as generate's out-of-place add
            new_cache = getattr(out, "cache", None)
        if new_cache is None:
            new_cache = getattr(out, "past_key_values", None)
        return logits, new_cache
