"""The prompts of one loaded LLM: its template, renderer and whether term hints go in.

Kept apart from :mod:`termlock.translate.translator` so that the
sentence/term bookkeeping there stays one code path for both kinds of
model: for an LLM only the text handed to the decoder differs (the rendered
prompt, term hints included); its decoder comes from the one factory,
:func:`termlock.translate.search.factory.build_decoder`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from termlock.translate.models.prompts import PromptRenderer, PromptTemplate, TermHint, choose_template, resolve_template


@dataclass
class CausalPrompts:
    """The prompt renderer of one loaded LLM and whether term hints go into it."""

    renderer: PromptRenderer
    term_hints: bool
    loaded: Any

    @classmethod
    def create(
        cls,
        loaded: Any,
        glossary: Any,
        *,
        template: "str | PromptTemplate | None" = None,
        term_hints: bool | None = None,
    ) -> "CausalPrompts":
        """Template given (name, file) or chosen from the model; languages from the glossary unless set.

        ``term_hints`` None takes the template's default: on, except for
        fixed-format families whose authors say the model does nothing but
        translate (Seed-X, ALMA, GemmaX2, Hunyuan-MT).
        """
        chosen = (
            resolve_template(template)
            if template is not None
            else choose_template(loaded.name, loaded.model.config, loaded.tokenizer)
        )
        renderer = PromptRenderer(
            chosen,
            loaded.tokenizer,
            source_code=loaded.src_lang or getattr(glossary, "source_lang", "zh"),
            target_code=loaded.tgt_lang or getattr(glossary, "target_lang", "en"),
        )
        hints = chosen.term_hints if term_hints is None else bool(term_hints)
        return cls(renderer=renderer, term_hints=hints, loaded=loaded)

    @property
    def template(self) -> PromptTemplate:
        return self.renderer.template

    def render(self, source: str, hints: Sequence[TermHint] = ()) -> str:
        """The exact prompt text for one sentence (hints dropped when term hints are off)."""
        return self.renderer.render(source, hints if self.term_hints else ())
