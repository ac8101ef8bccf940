"""The search room: termlock's own beam search over a loaded model.

``beam_search`` (the loop of labelled steps) and ``beam_steps`` (its
unit-tested pieces), the model steps of ``seq2seq_decoder`` (encoder-decoder)
and ``causal_decoder`` (decoder-only LLM), ``top_k`` (the best candidates
without sorting the vocabulary), ``beam_allocation`` (constraint-progress
banks), ``generation_rules`` (the model's generation settings, as
``generate`` applies them), ``kv_cache`` (self-attention keys/values written
in place) and ``factory`` (the one place a decoder is built for a model).
It reads the constraints through the :mod:`termlock.translate.lock`
tracker's interface and the model through :mod:`termlock.translate.models`.
"""
