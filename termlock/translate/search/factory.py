"""The one place a decoder is built for a loaded model, seq2seq or decoder-only.

:class:`~termlock.translate.translator.Translator` (and through it every
engine and the library) gets its decoder here, so both kinds of model are
set up from the same few settings, and a setting the model cannot decode
with is refused with the same one-line error whichever kind it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from termlock.errors import TermlockError

if TYPE_CHECKING:  # pragma: no cover
    from termlock.translate.models.loading import LoadedModel
    from termlock.translate.models.prompts import PromptRenderer
    from termlock.translate.search.seq2seq_decoder import BeamSearchDecoder


def build_decoder(
    loaded: "LoadedModel",
    *,
    beam: int,
    batch_size: int,
    max_length: int | None = None,
    length_penalty: float | None = None,
    renderer: "PromptRenderer | None" = None,
) -> "BeamSearchDecoder":
    """The beam-search decoder for ``loaded``, ``batch_size`` sentences x ``beam`` hypotheses at a time.

    ``max_length`` means what ``generate`` means for the kind of model: for
    a seq2seq model the total length of the output (the decoder's start
    token included), for a decoder-only LLM the number of new tokens after
    the prompt (whose length varies with the sentence); None takes the
    model's generation config. ``renderer``: the prompt renderer of an LLM
    (how its prompts are tokenized, which tokens end its answer); required
    for a decoder-only model, unused otherwise.

    Raises :class:`TermlockError` naming the model for a generation setting
    termlock's search does not reproduce, or settings it cannot decode with.
    """
    from termlock.translate.search.generation_rules import UnsupportedSetting

    if loaded.kind == "causal" and renderer is None:
        raise TypeError("a decoder-only model needs its prompt renderer (renderer=)")
    # the same search either way: only the model step and what max_length counts differ
    shared = {"num_beams": beam, "length_penalty": length_penalty, "batch_size": batch_size}
    try:
        if loaded.kind == "causal":
            from termlock.translate.search.causal_decoder import CausalBeamSearchDecoder

            return CausalBeamSearchDecoder(
                loaded.model,
                loaded.tokenizer,
                max_new_tokens=max_length,
                add_special_tokens=renderer.add_special_tokens,
                end_token_ids=renderer.end_token_ids(),
                **shared,
            )
        from termlock.translate.search.seq2seq_decoder import BeamSearchDecoder

        return BeamSearchDecoder(
            loaded.model, loaded.tokenizer, max_length=max_length, forced_bos_token_id=loaded.forced_bos_token_id, **shared
        )
    except UnsupportedSetting as exc:
        raise TermlockError(str(exc), path=loaded.name) from None
    except ValueError as exc:  # settings the model cannot decode with (e.g. max_length too small)
        raise TermlockError(
            f"cannot decode with these settings: {exc}",
            path=loaded.name,
            fix="raise --max-length, or leave it to the model's default",
        ) from None
