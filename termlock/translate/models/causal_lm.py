"""What loading a decoder-only LLM needs: is the checkpoint one, and its tokenizer padded on the left.

Kept apart from the decoder (:mod:`termlock.translate.search.causal_decoder`)
so that loading a model never imports the search. torch and transformers are
imported lazily.
"""

from __future__ import annotations

from typing import Any


def is_causal_lm(config: Any) -> bool:
    """Whether this is a decoder-only LM that ``AutoModelForCausalLM`` loads natively (no custom code).

    The model type must be in transformers' causal-LM mapping and the
    checkpoint must declare a causal-LM architecture: encoders such as BERT
    are in that mapping too (as decoders to be), but are no translators.
    """
    from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING_NAMES

    if getattr(config, "is_encoder_decoder", False):
        return False
    if getattr(config, "model_type", None) not in MODEL_FOR_CAUSAL_LM_MAPPING_NAMES:
        return False
    architectures = getattr(config, "architectures", None) or ()
    return any(str(a).endswith(("ForCausalLM", "LMHeadModel")) for a in architectures)


def prepare_tokenizer(tokenizer: Any) -> None:
    """Left padding (prompts end in the same column), and a pad token if the model has none."""
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token if tokenizer.eos_token is not None else tokenizer.unk_token
