"""The translation flags ``termlock translate`` and ``termlock serve`` share, and the settings they make.

One argparse definition for everything that shapes a translation (the
lock's mode and variants, ``--exact``, the model, decoding, LLM prompts),
turned into one :class:`~termlock.jobs.TranslatorSettings` by
:func:`translator_settings`: a flag added here reaches the batch command
and the server at once.
"""

from __future__ import annotations

import argparse
from typing import Any, Sequence

from termlock.commands.argtypes import input_path, positive_int
from termlock.translate.models.loading import DEFAULT_MODEL  # cheap: no torch at import


def add_translator_arguments(parser: argparse.ArgumentParser, glossary_group: argparse._ArgumentGroup) -> argparse._ArgumentGroup:
    """``--exact``, ``--constraints``, ``--lock-variants`` (into ``glossary_group``), then the model,
    decoding and LLM groups; returns the LLM group (a command adds its own LLM flags there)."""
    glossary_group.add_argument("--exact", action="store_true", help="no inflection tolerance (plural, possessive) for any term")
    glossary_group.add_argument(
        "--constraints",
        choices=("auto", "always", "off"),
        default="auto",
        help="auto: re-decode with constraints only sentences that miss a term (default); "
        "always: constrain every sentence; off: plain beam search",
    )
    glossary_group.add_argument(
        "--lock-variants",
        action="store_true",
        help="constrained decoding may place a term's variants too (default: the canonical rendering only, "
        "so the document stays consistent)",
    )

    model = parser.add_argument_group("model")
    model.add_argument("--model", default=DEFAULT_MODEL, type=input_path, metavar="M", help=f"hub id or local directory (default {DEFAULT_MODEL})")
    model.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto", help="where to run (default auto)")
    model.add_argument(
        "--dtype",
        choices=("fp32", "fp16", "bf16", "int8"),
        help="weights precision; fp16/bf16 need a GPU; int8 (CPU only) quantizes the Linear layers dynamically, "
        "about 2x faster, approximate: output may differ slightly from fp32, constraints still hold (default fp32)",
    )
    model.add_argument("--src-lang", metavar="CODE", help="source language code for multilingual models (NLLB zho_Hans, M2M100 zh, mBART-50 zh_CN; LLMs: the prompt's, default the glossary's)")
    model.add_argument("--tgt-lang", metavar="CODE", help="target language code for multilingual models (NLLB eng_Latn, M2M100 en, mBART-50 en_XX)")

    decoding = parser.add_argument_group("decoding")
    decoding.add_argument("--beam", type=positive_int, default=5, metavar="K", help="beam width (default 5)")
    decoding.add_argument("--batch-size", type=positive_int, default=16, metavar="N", help="sentences per batch (default 16)")
    decoding.add_argument(
        "--max-length",
        type=positive_int,
        metavar="TOKENS",
        help="longest translation in tokens (default: the model's own; for LLMs: new tokens, default 256)",
    )

    return add_llm_arguments(parser)


class _ListTemplates(argparse.Action):
    """``--list-templates``: print the built-in prompt templates and exit (like --version)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(
        self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any, option_string: str | None = None
    ) -> None:
        from termlock.translate.models.prompts import describe_templates

        print("\n".join(describe_templates()))
        print("A template is chosen from the model's name and config; --prompt-template NAME|FILE overrides it.")
        parser.exit(0)


def add_llm_arguments(parser: argparse.ArgumentParser) -> argparse._ArgumentGroup:
    """Flags for decoder-only LLMs (their own group; they become TranslatorSettings)."""
    llm = parser.add_argument_group("LLMs (decoder-only models)")
    llm.add_argument(
        "--prompt-template",
        type=input_path,
        metavar="NAME|FILE",
        help="prompt template: a built-in name (see --list-templates) or a YAML file "
        "(default: chosen from the model's name and config)",
    )
    llm.add_argument(
        "--term-hints",
        choices=("on", "off"),
        help="list the sentence's glossary terms in the prompt (default: on, except for translation-only "
        "families whose authors document no terminology prompt: Seed-X, ALMA, GemmaX2, Hunyuan-MT)",
    )
    llm.add_argument("--list-templates", action=_ListTemplates, help="list the built-in prompt templates and exit")
    return llm


def translator_settings(args: argparse.Namespace):
    """The :class:`~termlock.jobs.TranslatorSettings` the parsed flags describe."""
    from termlock.jobs import TranslatorSettings

    return TranslatorSettings(
        model=args.model,
        beam=args.beam,
        batch_size=args.batch_size,
        constraints=args.constraints,
        device=args.device,
        dtype=args.dtype,
        max_length=args.max_length,
        lock_variants=args.lock_variants,
        src_lang=args.src_lang,
        tgt_lang=args.tgt_lang,
        prompt_template=args.prompt_template,
        term_hints=None if args.term_hints is None else args.term_hints == "on",
    )
