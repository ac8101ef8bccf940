"""The models room: loading a translation model and what it needs before the first step.

``loading`` (:func:`load_model`: seq2seq or decoder-only, offline-first,
never remote code), ``quantization`` (``--dtype int8``), ``memory`` (will an
LLM fit, from its config, before any weight is read), ``causal_lm`` (what a
decoder-only LLM needs at load time), ``prompts`` (prompt templates, the
built-ins in ``templates/``) and ``llm_prompts`` (the prompt renderer of one
loaded LLM). Nothing here searches or constrains: it imports no other room
of :mod:`termlock.translate`.
"""
