"""What the lock would have to place that a model's vocabulary cannot spell, asked before decoding.

A SentencePiece vocabulary without byte fallback writes only what its
pieces hold ("Shuānghé" needs a piece with "ā"); no length or beam will
place such a rendering. Every translate job says so once, before its first
batch: a :class:`~termlock.translate.translator.Translator` asks with its
decoder's tokens (:meth:`Translator.unspellable`), and a driver that builds
no model (the Ray engine: models live in the workers) asks with the
tokenizer alone (:func:`tokenizer_speller`), reading no weights. Both go
through :func:`unspellable_terms`, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

from termlock.glossary.spelling import glossary_spelling

if TYPE_CHECKING:  # pragma: no cover
    from termlock.glossary import Glossary
    from termlock.translate.lock.vocabulary import TokenSpeller


@dataclass(frozen=True)
class Unspellable:
    """A rendering the lock must place that the model's tokens cannot write exactly.

    ``unwritten``: its characters no token holds ("" when every one exists,
    but not in pieces that write this string). ``segments``: how many of
    the segments asked about need it.
    """

    term_id: str
    rendering: str
    unwritten: str
    segments: int = 0

    @property
    def reason(self) -> str:
        what = (
            f"no token writes {', '.join(map(repr, self.unwritten))}" if self.unwritten else "its tokens cannot write it exactly"
        )
        return (
            f"the model's vocabulary cannot spell {self.rendering!r} (term {self.term_id}: {what}); "
            "no length or beam will place it: change the rendering or the model"
        )


def placed_renderings(term: Any, lock_variants: bool) -> tuple[str, ...]:
    """The renderings the lock may place for ``term``: the canonical one, or every accepted one with ``lock_variants``."""
    accepted = tuple(a for a in term.accepted if a.strip())
    return accepted if lock_variants else accepted[:1]


def unspellable_terms(
    lines: Iterable[str],
    finder_of: Callable[[int], Any],
    speller: "TokenSpeller",
    *,
    lock_variants: bool = False,
) -> list[Unspellable]:
    """The terms found in ``lines`` none of whose placeable renderings ``speller``'s tokens write exactly.

    ``finder_of(i)``: the source matcher of line *i* (its own glossary with
    ``--terms``, else the job's); ``segments`` counts the lines needing each.
    """
    needed: dict[str, tuple[Any, int]] = {}
    for number, line in enumerate(lines):
        seen: set[str] = set()
        for match in finder_of(number).find(line):
            term = match.term
            if term.id in seen:
                continue
            seen.add(term.id)
            known = needed.get(term.id)
            needed[term.id] = (known[0] if known else term, 1 + (known[1] if known else 0))
    found = []
    for term, segments in needed.values():
        placed = placed_renderings(term, lock_variants)
        if placed and not any(speller.spells(glossary_spelling(r)) for r in placed):
            first = placed[0]
            found.append(Unspellable(term.id, first, speller.unwritten(glossary_spelling(first)), segments))
    return found


def tokenizer_speller(model: str, *, src_lang: str | None = None, tgt_lang: str | None = None) -> "TokenSpeller":
    """The speller of ``model``'s output tokens from its tokenizer and config alone (no weights read).

    The same token texts the decoder spells with
    (:func:`~termlock.translate.lock.vocabulary.token_texts`): every id of
    the config's vocabulary, special tokens written as nothing.
    """
    from termlock.translate.lock.vocabulary import TokenSpeller, token_texts
    from termlock.translate.models.loading import load_tokenizer_and_config

    loaded = load_tokenizer_and_config(model, src_lang=src_lang, tgt_lang=tgt_lang)
    config = loaded.model.config
    vocab = getattr(config, "vocab_size", None) or getattr(getattr(config, "text_config", None), "vocab_size", None)
    return TokenSpeller(token_texts(loaded.tokenizer, int(vocab or len(loaded.tokenizer))))


def job_unspellable(
    settings: Any, glossary: "Glossary", lines: Sequence[str], glossaries: "Sequence[Glossary] | None" = None
) -> list[Unspellable]:
    """:func:`unspellable_terms` for a job's translator settings (``TranslatorSettings``), on a driver with no model.

    Nothing is placed with constraints ``off``.
    """
    from termlock.glossary import SourceMatcher

    if settings.constraints == "off" or not lines:
        return []
    matchers: dict[int, Any] = {}

    def finder_of(number: int) -> Any:
        chosen = glossaries[number] if glossaries is not None else glossary
        if id(chosen) not in matchers:
            matchers[id(chosen)] = SourceMatcher(chosen)
        return matchers[id(chosen)]

    speller = tokenizer_speller(settings.model, src_lang=settings.src_lang, tgt_lang=settings.tgt_lang)
    return unspellable_terms(lines, finder_of, speller, lock_variants=settings.lock_variants)
