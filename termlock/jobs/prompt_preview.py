"""``translate --show-prompt``: the exact prompts an LLM gets for a job's first segment, without its weights.

A wrong prompt (template, language names, term hints, a missing BOS) costs
a whole run to notice; this shows it in seconds. The job's input, glossary
or term lists and template are read as a run reads them, the model's
tokenizer and config are loaded without its weights, and the first segment
to translate is cut into sentences and rendered by the same code the
:class:`~termlock.translate.Translator` uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from termlock.errors import TermlockError
from termlock.jobs.translate_job import TranslateJob, unit_locations


@dataclass(frozen=True)
class PromptPreview:
    """The prompts of one segment: one per sentence, as text, and how the tokenizer wraps them.

    ``added_before``/``added_after``: special tokens the tokenizer adds
    around the text (``<s>`` for TowerInstruct); ``tokens``: each prompt's
    length in tokens, those included.
    """

    where: str
    template: str
    term_hints: bool
    prompts: tuple[str, ...]
    tokens: tuple[int, ...]
    added_before: tuple[str, ...] = ()
    added_after: tuple[str, ...] = ()

    def header(self, number: int) -> str:
        """What a reader needs besides the text (printed on stderr, so stdout is the prompt alone)."""
        notes = [f"template {self.template}", f"term hints {'on' if self.term_hints else 'off'}"]
        if self.added_before:
            notes.append(f"the tokenizer adds {' '.join(self.added_before)} before it")
        if self.added_after:
            notes.append(f"the tokenizer adds {' '.join(self.added_after)} after it")
        notes.append(f"{self.tokens[number]} tokens")
        return f"prompt {number + 1} of {len(self.prompts)} for {self.where} ({', '.join(notes)}):"


def _added_tokens(tokenizer: Any, text: str, add_special_tokens: bool) -> tuple[int, tuple[str, ...], tuple[str, ...]]:
    """(token count, special tokens before the text, after it) when ``text`` is tokenized as the decoder does."""
    full = list(tokenizer(text, add_special_tokens=add_special_tokens)["input_ids"])
    plain = list(tokenizer(text, add_special_tokens=False)["input_ids"])
    for start in range(len(full) - len(plain) + 1):
        if full[start : start + len(plain)] == plain:
            before = tokenizer.convert_ids_to_tokens(full[:start])
            after = tokenizer.convert_ids_to_tokens(full[start + len(plain) :])
            return len(full), tuple(before), tuple(after)
    return len(full), (), ()


def _first_unit(units: Sequence[Any], shown: str) -> tuple[int, Any]:
    for index, unit in enumerate(units):
        if unit.translatable and unit.source.strip():
            return index, unit
    raise TermlockError("no segment to translate, so no prompt to show", path=shown, fix="check the input file")


def preview_prompts(job: TranslateJob) -> PromptPreview:
    """The prompts the job's model would get for its first segment to translate (weights never read)."""
    from termlock.documents import detect_format, read_store
    from termlock.glossary import SourceMatcher
    from termlock.jobs.glossaries import load_job_glossaries
    from termlock.translate.models.llm_prompts import CausalPrompts
    from termlock.translate.models.loading import load_tokenizer_and_config
    from termlock.translate.models.prompts import hints_for, resolve_template
    from termlock.translate.translator import sentence_pieces

    import os

    job.validate()  # the template, term lists beside glossaries: refused as a run refuses them
    if job.input != "-" and os.path.isdir(job.input):
        raise TermlockError(
            "--show-prompt shows the prompts of one file's first segment, and this is a directory",
            path=job.input,
            fix="pass one of its files with -i",
        )
    settings = job.settings
    template = resolve_template(settings.prompt_template) if settings.prompt_template is not None else None
    glossary = load_job_glossaries(job.glossaries, exact=job.exact).glossary
    fmt = detect_format(job.input, job.format)
    store = read_store(job.input, fmt)
    shown = "<stdin>" if job.input == "-" else job.input
    index, unit = _first_unit(store.units, shown)
    if job.terms is not None:
        from termlock.jobs.term_inputs import glossaries_by_source

        glossary = glossaries_by_source(job.terms, store.units, exact=job.exact)[1][unit.source]
    loaded = load_tokenizer_and_config(settings.model, src_lang=settings.src_lang, tgt_lang=settings.tgt_lang)
    if loaded.kind != "causal":
        raise TermlockError(
            "--show-prompt shows the prompt of a decoder-only LLM; this is a seq2seq model, which gets the sentence itself",
            path=settings.model,
            fix="pass an LLM with --model, or drop --show-prompt",
        )
    prompts = CausalPrompts.create(loaded, glossary, template=template, term_hints=settings.term_hints)
    matches = SourceMatcher(glossary).find(unit.source)
    texts = tuple(prompts.render(piece.content, hints_for(inside)) for piece, inside in sentence_pieces(loaded, unit.source, matches))
    wrapped = [_added_tokens(loaded.tokenizer, text, prompts.renderer.add_special_tokens) for text in texts]
    return PromptPreview(
        where=unit_locations([store.units[index]], fmt, shown)[0],
        template=prompts.template.name,
        term_hints=prompts.term_hints,
        prompts=texts,
        tokens=tuple(count for count, _, _ in wrapped),
        added_before=wrapped[0][1],
        added_after=wrapped[0][2],
    )
