"""Glossary-locked translation of lines: the library entry point.

``Translator(model, glossary).translate(lines)`` returns one English line per
input line, with a seq2seq model or a decoder-only LLM alike. Each line is
cut into sentences (:mod:`termlock.translate.segmentation`); the glossary
terms found in a sentence become lexical constraints
(:mod:`termlock.translate.lock`) for the decoder the one factory builds
(:func:`termlock.translate.search.factory.build_decoder`); an LLM gets each
sentence inside its prompt (:mod:`termlock.translate.models.llm_prompts`).

Constrained beam search costs more and can hurt fluency, so by default
(``constraints="auto"``) every sentence is first decoded freely and checked
with the glossary's own target matcher (the same rules ``termlock check``
applies); only the sentences that miss a term, or contain a forbidden
rendering, are decoded again with constraints. ``"always"`` constrains
every sentence that has terms, ``"off"`` never constrains.

Per segment the result says which terms were required, which the first pass
already satisfied, which needed constrained (re-)decoding and which could
not be satisfied at all; the batch runner saves these records and the CLI
turns them into the ``--report``.

torch/transformers are only imported when a model is loaded.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Protocol, Sequence

from termlock.errors import TermlockError
from termlock.glossary.verdicts import FORBIDDEN, OK, SegmentJudge, Verdict, worst_statuses
from termlock.translate.segmentation import Piece, join_translations, needs_translation, segment_line
from termlock.translate.spellable import Unspellable, placed_renderings, unspellable_terms

if TYPE_CHECKING:  # pragma: no cover
    from termlock.glossary import Glossary
    from termlock.translate.models.llm_prompts import CausalPrompts
    from termlock.translate.models.loading import LoadedModel
    from termlock.translate.models.prompts import PromptTemplate

CONSTRAINT_MODES = ("auto", "always", "off")
#: compiled (matcher, judge) pairs kept for per-line glossaries
_PER_LINE_TOOLS = 256


class Judge(Protocol):
    """Decides whether a translation honours the glossary terms of its source.

    ``verdicts(source, target)`` maps the id of every term found in
    ``source`` to "ok", "missing" or "forbidden" (the worst over its
    occurrences). The default is the glossary's :class:`SegmentJudge`,
    the very rules ``termlock check`` counts by, so a translation with
    nothing reported impossible checks at a term success rate of 1.0.
    """

    def verdicts(self, source: str, target: str) -> dict[str, str]: ...


def _ids(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


@dataclass
class SentenceTranslation:
    """One sentence (or over-long sentence part) and what happened to its terms.

    ``required``: ids of glossary terms found in this sentence's source.
    ``satisfied_first_pass``: those the unconstrained first pass rendered.
    ``constrained``: whether the sentence was decoded with constraints (its
    target is still the free translation in the rare case that one fails fewer terms).
    ``unsatisfied``: ids still missing (or with a forbidden rendering) in
    the final text. ``split``: how the sentence was cut to fit the model
    (None, "clause", "forced"); ``fits`` False if even that failed.
    ``truncated``: the translation was cut at the length limit, ``length_limit`` (in tokens).
    ``reason``: why constrained decoding left terms unsatisfied, and what to try.
    ``copied``: the source was kept as its own translation (only figures or
    Latin text, which the judge accepts as they are), never sent to the model.
    """

    source: str
    target: str
    required: tuple[str, ...] = ()
    satisfied_first_pass: tuple[str, ...] = ()
    constrained: bool = False
    unsatisfied: tuple[str, ...] = ()
    split: str | None = None
    fits: bool = True
    truncated: bool = False
    reason: str | None = None
    length_limit: int | None = None
    copied: bool = False

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "source": self.source,
            "target": self.target,
            "required": list(self.required),
            "satisfied_first_pass": list(self.satisfied_first_pass),
            "constrained": self.constrained,
            "unsatisfied": list(self.unsatisfied),
        }
        if self.split:
            out["split"] = self.split
        if not self.fits:
            out["fits"] = False
        if self.truncated:
            out["truncated"] = True
            if self.length_limit is not None:
                out["length_limit"] = self.length_limit
        if self.reason:
            out["reason"] = self.reason
        if self.copied:
            out["copied"] = True
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "SentenceTranslation":
        return cls(
            source=data["source"],
            target=data["target"],
            required=tuple(data.get("required", ())),
            satisfied_first_pass=tuple(data.get("satisfied_first_pass", ())),
            constrained=bool(data.get("constrained", False)),
            unsatisfied=tuple(data.get("unsatisfied", ())),
            split=data.get("split"),
            fits=bool(data.get("fits", True)),
            truncated=bool(data.get("truncated", False)),
            reason=data.get("reason"),
            length_limit=data.get("length_limit"),
            copied=bool(data.get("copied", False)),
        )


@dataclass
class SegmentTranslation:
    """One input line translated, with its per-term report.

    Term ids are judged on the whole segment, as ``termlock check`` judges
    them: ``satisfied_first_pass`` (the free decoding already had them),
    ``redecoded`` (satisfied only thanks to constrained decoding),
    ``unsatisfied`` (missing or forbidden in the final text: with
    constraints on, these are the impossible ones). ``warnings`` are
    human-readable notes (over-long sentences).

    In the checker's own terms (source occurrences, as ``termlock check``
    counts them on the output): ``occurrences`` (term id -> occurrences in
    the source), ``unmet`` (one entry per occurrence that is not ``ok``:
    ``id``, ``source``, ``status``, ``source_span``, ``found``,
    ``forbidden_found``, exactly the check's problems of this segment) and
    ``spelling`` (one per ``ok`` occurrence not in the glossary's spelling:
    ``id``, ``source``, ``found``, ``expected``, the check's spelling findings).
    """

    source: str
    target: str
    sentences: list[SentenceTranslation] = field(default_factory=list)
    required: tuple[str, ...] = ()
    satisfied_first_pass: tuple[str, ...] = ()
    redecoded: tuple[str, ...] = ()
    unsatisfied: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    occurrences: dict[str, int] = field(default_factory=dict)
    unmet: tuple[dict[str, Any], ...] = ()
    spelling: tuple[dict[str, Any], ...] = ()

    @property
    def constrained_sentences(self) -> int:
        return sum(1 for s in self.sentences if s.constrained)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "target": self.target,
            "required": list(self.required),
            "satisfied_first_pass": list(self.satisfied_first_pass),
            "redecoded": list(self.redecoded),
            "unsatisfied": list(self.unsatisfied),
            "sentences": [s.to_dict() for s in self.sentences],
            "warnings": list(self.warnings),
            "occurrences": dict(self.occurrences),
            "unmet": [dict(finding) for finding in self.unmet],
            "spelling": [dict(finding) for finding in self.spelling],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "SegmentTranslation":
        return cls(
            source=data["source"],
            target=data["target"],
            sentences=[SentenceTranslation.from_dict(s) for s in data.get("sentences", ())],
            required=tuple(data.get("required", ())),
            satisfied_first_pass=tuple(data.get("satisfied_first_pass", ())),
            redecoded=tuple(data.get("redecoded", ())),
            unsatisfied=tuple(data.get("unsatisfied", ())),
            warnings=tuple(data.get("warnings", ())),
            occurrences=dict(data.get("occurrences", {})),
            unmet=tuple(data.get("unmet", ())),
            spelling=tuple(data.get("spelling", ())),
        )


#: the JSON types of a saved segment record (``SegmentTranslation.to_dict()``) and of its sentences;
#: "ids": a list of strings, "text?": a string or null; a field may be absent unless it is "source"/"target"
_SEGMENT_FIELDS = {"source": "text", "target": "text", "required": "ids", "satisfied_first_pass": "ids",
                   "redecoded": "ids", "unsatisfied": "ids", "warnings": "ids",
                   "occurrences": "counts", "unmet": "objects", "spelling": "objects"}  # fmt: skip
_SENTENCE_FIELDS = {"source": "text", "target": "text", "required": "ids", "satisfied_first_pass": "ids",
                    "constrained": "flag", "unsatisfied": "ids", "split": "text?", "fits": "flag",
                    "truncated": "flag", "reason": "text?", "copied": "flag", "length_limit": "count"}  # fmt: skip
_KINDS = {
    "text": (lambda v: isinstance(v, str), "a string"),
    "text?": (lambda v: v is None or isinstance(v, str), "a string or null"),
    "ids": (lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v), "a list of strings"),
    "flag": (lambda v: isinstance(v, bool), "true or false"),
    "count": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0, "a whole number"),
    "counts": (lambda v: isinstance(v, dict) and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0
                                                     for n in v.values()), "an object of whole numbers"),
    "objects": (lambda v: isinstance(v, list) and all(isinstance(x, dict) for x in v), "a list of objects"),
}


def _fields_problem(data: Any, fields: Mapping[str, str]) -> str | None:
    if not isinstance(data, dict):
        return "not a JSON object"
    for name, kind in fields.items():
        if name not in data:
            if name in ("source", "target"):
                return f"no {name!r}"
            continue
        valid, expected = _KINDS[kind]
        if not valid(data[name]):
            return f"{name!r} is not {expected}"
    return None


def record_problem(data: Any) -> str | None:
    """What makes a saved segment record unusable (a hand-edited journal), or None when it is sound.

    The batch runner keeps these records between runs; a resumed run reads
    them back into the output and the report, so a wrong type must be a
    one-line refusal naming the field, not a crash later on.
    """
    problem = _fields_problem(data, _SEGMENT_FIELDS)
    if problem is not None:
        return problem
    sentences = data.get("sentences", [])
    if not isinstance(sentences, list):
        return "'sentences' is not a list"
    for number, sentence in enumerate(sentences, start=1):
        problem = _fields_problem(sentence, _SENTENCE_FIELDS)
        if problem is not None:
            return f"sentence {number}: {problem}"
    return None


@dataclass
class _Sentence:
    """Working state of one sentence during :meth:`Translator.translate_segments`."""

    line: int
    piece: Piece
    terms: list[Any]  # Term objects found in this sentence (one per id)
    line_terms: list[Any]  # Term objects found anywhere in its line
    hints: tuple[Any, ...] = ()  # TermHint per distinct term of the sentence (LLM prompts)
    positives: list[Any] = field(default_factory=list)
    negatives: list[Any] = field(default_factory=list)
    first: str | None = None
    first_failures: tuple[str, ...] = ()
    final: str = ""
    constrained: bool = False
    failures: tuple[str, ...] = ()
    judge: Any = None  # the judge of this sentence's glossary (per-segment term lists)
    truncated: bool = False
    limit: int = 0  # the length limit it was decoded under
    copied: bool = False  # kept as it is: nothing to translate, and the judge agrees
    written: dict[str, tuple[str, ...]] = field(default_factory=dict)  # what the free pass wrote for its ok terms


def load_glossary_arg(glossary: Any) -> "Glossary":
    """A Glossary from a Glossary, a path (``"bundled"``: the bundled glossary), or None (the bundled glossary)."""
    if glossary is None:
        from termlock.corpora import load_bundled_glossary

        return load_bundled_glossary()
    if isinstance(glossary, (str, os.PathLike)):
        from termlock.corpora import glossary_path
        from termlock.glossary.formats import import_glossary  # YAML, TBX, CSV/TSV, XLSX

        return import_glossary(glossary_path(os.fspath(glossary)))
    return glossary


class Translator:
    """Translate lines with a Hugging Face seq2seq model or decoder-only LLM under a glossary.

    ``model``: a hub id, a local directory, or a :class:`LoadedModel`.
    ``glossary``: a :class:`Glossary`, a path to one, or None for the
    bundled glossary. ``beam``/``batch_size``: beam width and sentences per
    decoder batch. ``constraints``: "auto", "always" or "off" (see module
    docs). ``max_length``/``length_penalty``: as for ``model.generate``
    (None = the model's generation config): ``max_length`` is the total
    output length for a seq2seq model, the new tokens for an LLM. ``device``/``dtype``/
    ``src_lang``/``tgt_lang`` are used only when ``model`` is loaded here.
    ``judge`` decides which terms a translation satisfies (default: the
    glossary's :class:`SegmentJudge`, the rules ``termlock check`` applies).
    ``lock_variants``: constrained decoding may place any accepted rendering
    of a term; by default it places the canonical one only, so that a
    document stays consistent.

    Decoder-only LLMs (see :mod:`termlock.translate.search.causal_decoder`) are driven the same way:
    each sentence goes into the model family's prompt (``prompt_template``:
    a built-in name, a YAML file or a :class:`PromptTemplate`; default chosen
    from the model's name and config), with the sentence's glossary terms
    listed in it when ``term_hints`` (default on for LLMs); ``max_length``
    then bounds the new tokens, and constraints act on the continuation only.
    """

    def __init__(
        self,
        model: "str | os.PathLike[str] | LoadedModel",
        glossary: "Glossary | str | os.PathLike[str] | None" = None,
        *,
        beam: int = 5,
        batch_size: int = 16,
        constraints: str = "auto",
        device: str = "auto",
        dtype: str | None = None,
        max_length: int | None = None,
        length_penalty: float | None = None,
        src_lang: str | None = None,
        tgt_lang: str | None = None,
        judge: Judge | None = None,
        lock_variants: bool = False,
        prompt_template: "str | PromptTemplate | None" = None,
        term_hints: bool | None = None,
    ) -> None:
        if constraints not in CONSTRAINT_MODES:
            raise TermlockError(
                f"unknown constraints mode {constraints!r}", fix=f"use one of: {', '.join(CONSTRAINT_MODES)}"
            )
        if beam < 1:
            raise TermlockError(f"beam must be at least 1, got {beam}", fix="pass --beam 1 or more")
        if batch_size < 1:
            raise TermlockError(f"batch size must be at least 1, got {batch_size}", fix="pass --batch-size 1 or more")
        from termlock.glossary import SourceMatcher
        from termlock.translate.models.loading import LoadedModel, load_model
        from termlock.translate.models.prompts import resolve_template

        if prompt_template is not None:  # a missing or bad template is said before any weight is read
            prompt_template = resolve_template(prompt_template)
        self.glossary = load_glossary_arg(glossary)
        if isinstance(model, LoadedModel):
            self.loaded = model
        else:
            self.loaded = load_model(
                model,
                device=device,
                dtype=dtype,
                src_lang=src_lang,
                tgt_lang=tgt_lang,
                batch_size=batch_size,
                num_beams=beam,
            )
        self.mode = constraints
        self.lock_variants = lock_variants
        self.beam = beam
        self.batch_size = batch_size
        self.source_matcher = SourceMatcher(self.glossary)
        self.judge: Judge = judge if judge is not None else SegmentJudge(self.glossary)
        #: (source matcher, judge) per distinct per-line glossary (``translate_segments(glossaries=)``)
        self._per_line_tools: dict[tuple, tuple[Any, Any]] = {}

        from termlock.translate.search.factory import build_decoder

        #: prompts of a decoder-only model (None for seq2seq models)
        self.prompts: "CausalPrompts | None" = None
        if self.loaded.kind != "causal" and (prompt_template is not None or term_hints):
            raise TermlockError(
                "prompt templates and term hints apply to decoder-only LLMs; this is a seq2seq model",
                path=self.loaded.name,
                fix="drop --prompt-template/--term-hints, or pass an LLM with --model",
            )
        if self.loaded.kind == "causal":
            from termlock.translate.models.llm_prompts import CausalPrompts

            self.prompts = CausalPrompts.create(self.loaded, self.glossary, template=prompt_template, term_hints=term_hints)
        # max_length: total output length for a seq2seq model, new tokens for an LLM (see build_decoder)
        self.decoder = build_decoder(
            self.loaded,
            beam=beam,
            batch_size=batch_size,
            max_length=max_length,
            length_penalty=length_penalty,
            renderer=self.prompts.renderer if self.prompts is not None else None,
        )

    # ------------------------------------------------------------------ API

    def translate(self, lines: Iterable[str]) -> list[str]:
        """One translation per line, in order; blank lines give blank lines."""
        return [segment.target for segment in self.translate_segments(lines)]

    def translate_segments(
        self, lines: Iterable[str], glossaries: "Sequence[Glossary] | None" = None
    ) -> list[SegmentTranslation]:
        """Translate ``lines`` and report, per line, what happened to each glossary term.

        ``glossaries``: one glossary per line (per-segment term lists,
        ``translate --terms``): line *i* is locked to ``glossaries[i]`` only,
        instead of the translator's glossary. Lines are still decoded
        together in batches; only matching and judging are per line.
        """
        lines = list(lines)
        if glossaries is not None and len(glossaries) != len(lines):
            raise TermlockError(
                f"{len(lines)} lines but {len(glossaries)} term lists",
                fix="give exactly one term list per line (an empty list for a line without terms)",
            )
        sentences: list[_Sentence] = []
        per_line: list[list[_Sentence]] = [[] for _ in lines]
        judges: list[Any] = [self.judge] * len(lines)
        for number, line in enumerate(lines):
            if not line.strip():
                continue
            finder = None
            if glossaries is not None:
                finder, judges[number] = self._tools(glossaries[number])
            for sentence in self._sentences(number, line, finder, judges[number]):
                sentences.append(sentence)
                per_line[number].append(sentence)

        sentences = [s for s in sentences if not self._copied(s)]
        if self.mode == "always":
            self._decode_constrained([s for s in sentences if s.positives or s.negatives])
            self._decode_plain([s for s in sentences if not (s.positives or s.negatives)])
        else:
            self._decode_plain(sentences)
            for s in sentences:
                s.first = s.final
                s.first_failures = s.failures
            if self.mode == "auto":
                again = [s for s in sentences if s.failures]
                for s in again:  # what the model wrote right on its own stays as it wrote it
                    s.written = self._written(s, s.final)
                self._decode_constrained(again)

        return [self._segment(line, per_line[number], judges[number]) for number, line in enumerate(lines)]

    def run_settings(self) -> dict[str, Any]:
        """What this translator decodes with, for the run's report.

        ``max_length``: new tokens for an LLM, the output length for a
        seq2seq model, None where it is derived per batch from the source
        length; ``prompt_template``/``term_hints``: None for seq2seq models.
        """
        decoder = self.decoder
        if self.prompts is not None:
            max_length: int | None = decoder.max_new_tokens
        else:
            max_length = None if decoder.derived_length else decoder.max_length
        return {
            "dtype": self.loaded.dtype,
            "max_length": max_length,
            "prompt_template": self.prompts.template.name if self.prompts is not None else None,
            "term_hints": self.prompts.term_hints if self.prompts is not None else None,
        }

    # ------------------------------------------------------------ internals

    def _tools(self, glossary: "Glossary") -> tuple[Any, Any]:
        """(source matcher, judge) of a per-line glossary, compiled once per distinct glossary."""
        from termlock.glossary import SourceMatcher

        key = tuple(glossary.terms)
        tools = self._per_line_tools.pop(key, None)
        if tools is None:
            tools = (SourceMatcher(glossary), SegmentJudge(glossary))
        # most recently used last; a long-lived translator (termlock serve: a glossary per request)
        # keeps the compiled tools of a bounded number of glossaries
        self._per_line_tools[key] = tools
        while len(self._per_line_tools) > _PER_LINE_TOOLS:
            del self._per_line_tools[next(iter(self._per_line_tools))]
        return tools

    def _sentences(self, number: int, line: str, finder: Any = None, judge: Any = None) -> list[_Sentence]:
        from termlock.translate.lock.constraints import constraints_for
        from termlock.translate.models.prompts import hints_for

        matches = (finder or self.source_matcher).find(line)
        line_terms = _unique_terms(m.term for m in matches)
        _, line_negatives = constraints_for(line, matches, variants=self.lock_variants)
        out: list[_Sentence] = []
        for piece, inside in sentence_pieces(self.loaded, line, matches):
            positives, _ = constraints_for(piece.content, inside, variants=self.lock_variants)
            out.append(
                _Sentence(
                    line=number,
                    piece=piece,
                    terms=_unique_terms(m.term for m in inside),
                    line_terms=line_terms,
                    hints=hints_for(inside),
                    positives=positives,
                    # a forbidden rendering anywhere in the line's translation
                    # fails the term, so every sentence of the line avoids it
                    negatives=line_negatives,
                    judge=judge,
                )
            )
        return out

    def _copied(self, sentence: _Sentence) -> bool:
        """Keep a sentence with nothing to translate as it is, when the judge accepts it as its own translation.

        Only figures, punctuation and Latin text ("2024", "GDP"): a model
        would invent words around them. A Latin glossary term whose
        rendering differs ("AI" -> "artificial intelligence") makes the copy
        fail the judge, so that sentence is translated (and locked) as usual.
        """
        text = sentence.piece.content
        if needs_translation(text) or self._failures(sentence, text):
            return False
        sentence.final = sentence.first = text
        sentence.copied = True
        return True

    def _failures(self, sentence: _Sentence, text: str) -> tuple[str, ...]:
        """Terms of the sentence not satisfied, and forbidden renderings of its line's terms."""
        judge = sentence.judge or self.judge
        verdicts = judge.verdicts(sentence.piece.content, text)
        failed = [tid for tid, verdict in verdicts.items() if verdict != OK]
        others = [t for t in sentence.line_terms if t.forbidden and t.id not in verdicts]
        if others:
            # a term of another sentence of the line: only its forbidden renderings matter here
            elsewhere = judge.verdicts("\n".join(t.source for t in others), text)
            failed += [tid for tid, verdict in elsewhere.items() if verdict == FORBIDDEN]
        return _ids(failed)

    def _written(self, sentence: _Sentence, text: str) -> dict[str, tuple[str, ...]]:
        """The renderings ``text`` holds for each term of the sentence the judge finds ``ok`` (as written)."""
        judge = sentence.judge or self.judge
        if not hasattr(judge, "judge"):  # a judge of verdicts only: nothing to leave as written
            return {}
        written: dict[str, list[str]] = {}
        for verdict in judge.judge(sentence.piece.content, text):
            if verdict.status == OK and verdict.found is not None:
                written.setdefault(verdict.match.term.id, []).append(verdict.found.text)
        return {tid: tuple(dict.fromkeys(texts)) for tid, texts in written.items()}

    def unspellable(self, lines: Iterable[str], glossaries: "Sequence[Glossary] | None" = None) -> list[Unspellable]:
        """The renderings the lock would have to place in ``lines`` that the model's tokens cannot write exactly.

        Asked before decoding (``glossaries``: one per line, as for
        :meth:`translate_segments`), so a term no length or beam will place is
        said once, with why, instead of surfacing as a length problem. A term
        counts when none of the renderings the lock may place (the canonical
        one, or any variant with ``lock_variants``) can be spelled;
        ``segments`` says how many lines need it.
        """
        if self.mode == "off":  # nothing is placed
            return []

        def finder_of(number: int) -> Any:
            return self._tools(glossaries[number])[0] if glossaries is not None else self.source_matcher

        return unspellable_terms(lines, finder_of, self.decoder.speller(), lock_variants=self.lock_variants)

    def _placed(self, term: Any) -> tuple[str, ...]:
        """The renderings the lock may place for ``term``."""
        return placed_renderings(term, self.lock_variants)

    def _inputs(self, batch: Sequence[_Sentence]) -> list[str]:
        if self.prompts is not None:  # an LLM: the sentence inside its prompt, with its term hints
            return [self.prompts.render(s.piece.content, s.hints) for s in batch]
        return [self.loaded.source_prefix + s.piece.content for s in batch]

    @staticmethod
    def _longest_first(batch: Sequence[_Sentence]) -> list[_Sentence]:
        # similar lengths share a decoder batch: less padding, same results
        return sorted(batch, key=lambda s: -len(s.piece.content))

    def _text(self, result: Any) -> str:
        """The decoded sentence, without a forced target-language token.

        Some multilingual tokenizers (M2M100 under transformers 5) do not
        mark their language tokens special, so ``skip_special_tokens`` keeps
        ``__en__`` in the text; the token is a decoding instruction, not output.
        """
        forced = self.loaded.forced_bos_token_id
        if forced is None or forced not in result.token_ids:
            return result.text.strip()
        ids = [t for t in result.token_ids if t != forced]
        return self.loaded.tokenizer.decode(ids, skip_special_tokens=True).strip()

    def _decode_plain(self, batch: Sequence[_Sentence]) -> None:
        if not batch:
            return
        ordered = self._longest_first(batch)
        results = self.decoder.decode(self._inputs(ordered), None, None)
        for sentence, result in zip(ordered, results):
            sentence.final = self._text(result)
            sentence.failures = self._failures(sentence, sentence.final)
            sentence.truncated, sentence.limit = result.truncated, result.max_length

    def _decode_constrained(self, batch: Sequence[_Sentence]) -> None:
        if not batch:
            return
        ordered = self._longest_first(batch)
        positives = [
            [replace(p, written=s.written[p.term_id]) if p.term_id in s.written else p for p in s.positives]
            for s in ordered
        ]
        results = self.decoder.decode(self._inputs(ordered), positives, [s.negatives for s in ordered])
        for sentence, result in zip(ordered, results):
            text = self._text(result)
            failures = self._failures(sentence, text)
            sentence.constrained = True
            if sentence.first is not None and len(failures) > len(sentence.first_failures):
                continue  # the free translation was closer to the glossary: keep it
            sentence.final = text
            sentence.failures = failures
            sentence.truncated, sentence.limit = result.truncated, result.max_length

    def _segment(self, line: str, sentences: list[_Sentence], judge: Any = None) -> SegmentTranslation:
        if not sentences:
            return SegmentTranslation(source=line, target="")
        judge = judge or self.judge
        target = join_translations(s.final for s in sentences)
        judged = judge.judge(line, target) if hasattr(judge, "judge") else None
        final = worst_statuses(judged) if judged is not None else judge.verdicts(line, target)
        occurrences, unmet, spelling = _findings(judged, final)
        required = tuple(final)
        final_ok = {tid for tid, verdict in final.items() if verdict == OK}
        if self.mode == "always":
            first_ok: set[str] = set()
        else:
            first_target = join_translations(s.first or "" for s in sentences)
            first_ok = {tid for tid, verdict in judge.verdicts(line, first_target).items() if verdict == OK}
        warnings = []
        for s in sentences:
            if s.piece.split == "forced":
                note = "does not fit the model even cut at a character" if not s.piece.fits else "was cut without punctuation"
                warnings.append(
                    f"a sentence longer than the model's limit of {self.loaded.max_input_tokens} tokens "
                    f"{note}: {sentence_excerpt(s.piece.content)}"
                )
        for s in sentences:
            if s.truncated:
                warnings.append(
                    f"the translation hit the length limit of {s.limit} tokens and may be cut short "
                    f"(try --max-length {2 * s.limit}): {sentence_excerpt(s.piece.content)}"
                )
        return SegmentTranslation(
            source=line,
            target=target,
            sentences=[
                SentenceTranslation(
                    source=s.piece.content,
                    target=s.final,
                    required=_ids(t.id for t in s.terms),
                    satisfied_first_pass=(
                        _ids(t.id for t in s.terms if t.id not in s.first_failures) if s.first is not None else ()
                    ),
                    constrained=s.constrained,
                    unsatisfied=s.failures,
                    split=s.piece.split,
                    fits=s.piece.fits,
                    truncated=s.truncated,
                    length_limit=s.limit if s.truncated else None,
                    copied=s.copied,
                    reason=self._reason(s) if s.constrained and s.failures else None,
                )
                for s in sentences
            ],
            required=required,
            satisfied_first_pass=_ids(i for i in required if i in first_ok and i in final_ok),
            redecoded=_ids(i for i in required if i in final_ok and i not in first_ok),
            unsatisfied=_ids(i for i in required if i not in final_ok),
            warnings=tuple(warnings),
            occurrences=occurrences,
            unmet=unmet,
            spelling=spelling,
        )

    def _reason(self, sentence: _Sentence) -> str:
        """Why constrained decoding left a sentence's terms unsatisfied, and what to try.

        A rendering the tokens cannot spell comes first: no length or beam
        would fix it, so "raise --max-length" would send the user the wrong way.
        """
        terms = {t.id: t for t in sentence.terms}
        for tid in sentence.failures:
            renderings = self._placed(terms[tid]) if tid in terms else ()
            if renderings and not any(self.decoder.writable(r) for r in renderings):
                return Unspellable(tid, renderings[0], self.decoder.unwritten(renderings[0])).reason
        if sentence.truncated:
            return f"the translation reached the length limit of {sentence.limit} tokens; try --max-length {2 * sentence.limit}"
        return (
            f"no translation within {sentence.limit} tokens and beam {self.beam} held every term; "
            f"try --max-length {2 * sentence.limit} or a larger --beam"
        )


def sentence_pieces(loaded: "LoadedModel", line: str, matches: Sequence[Any]) -> list[tuple[Piece, list[Any]]]:
    """The sentences of a line, cut to fit the model, each with the glossary matches that start in it.

    What :class:`Translator` decodes, one prompt per piece for an LLM; also
    what ``translate --show-prompt`` shows, from a tokenizer without weights.
    """
    pieces = segment_line(line, loaded.count_tokens, loaded.max_input_tokens)
    return [(p, [m for m in matches if p.start <= m.start < p.end]) for p in pieces if p.content]
def _findings(
    judged: "list[Verdict] | None", worst: Mapping[str, str]
) -> tuple[dict[str, int], tuple[dict[str, Any], ...], tuple[dict[str, Any], ...]]:
    """Occurrences per term, the occurrences not ``ok`` and the spelling findings, as ``termlock check`` lists them.

    ``judged``: the judge's verdicts on the segment (None for a judge that
    only gives statuses: one occurrence per term, then).
    """
    if judged is None:
        unmet = tuple({"id": tid, "status": status} for tid, status in worst.items() if status != OK)
        return dict.fromkeys(worst, 1), unmet, ()
    occurrences: dict[str, int] = {}
    unmet_list: list[dict[str, Any]] = []
    spelling: list[dict[str, Any]] = []
    for verdict in judged:
        match, tid = verdict.match, verdict.match.term.id
        occurrences[tid] = occurrences.get(tid, 0) + 1
        if verdict.status != OK:
            unmet_list.append({
                "id": tid,
                "source": match.text,
                "status": verdict.status,
                "source_span": [match.start, match.end],
                "found": verdict.found.text if verdict.found is not None else None,
                "forbidden_found": verdict.forbidden.text if verdict.forbidden is not None else None,
            })  # fmt: skip
        elif verdict.spelling is not None and verdict.found is not None:
            spelling.append({"id": tid, "source": match.text, "found": verdict.found.text, "expected": verdict.spelling.expected})
    return occurrences, tuple(unmet_list), tuple(spelling)


def _unique_terms(terms: Iterable[Any]) -> list[Any]:
    seen: dict[str, Any] = {}
    for term in terms:
        seen.setdefault(term.id, term)
    return list(seen.values())


def sentence_excerpt(text: str, width: int = 40) -> str:
    """A sentence as a warning line quotes it: whole up to ``width`` characters, else cut with "…"."""
    return text if len(text) <= width else text[: width - 1] + "…"


# ---------------------------------------------------------------- reporting


def summarize(records: Sequence[Mapping[str, Any] | None], mode: str) -> dict[str, Any]:
    """Counts over segment records (``SegmentTranslation.to_dict()``, None = untranslated).

    ``impossible`` lists segments whose terms constrained decoding could
    not satisfy; with constraints off nothing is enforced, so misses are
    only counted under ``unsatisfied``. ``too_long``: sentences longer than
    the model accepts (cut to fit); ``truncated``: sentences whose
    translation reached the length limit (each with its ``length_limit``);
    ``copied_sentences``: sentences kept as they were (nothing to translate).
    ``required_terms``, ``satisfied_first_pass``, ``redecoded`` and
    ``unsatisfied`` count terms per segment; ``term_occurrences``, ``ok``
    (``ok_first_pass`` + ``ok_redecoded``), ``missing``, ``forbidden`` and
    ``spelling`` count source occurrences, the figures ``termlock check``
    gives on the output.
    """
    summary: dict[str, Any] = {
        "segments": len(records),
        "translated": 0,
        "sentences": 0,
        "constrained_sentences": 0,
        "redecoded_sentences": 0,
        "required_terms": 0,
        "satisfied_first_pass": 0,
        "redecoded": 0,
        "unsatisfied": 0,
        "impossible": [],
        "too_long": [],
        "truncated": [],
        "copied_sentences": 0,
        "term_occurrences": 0,
        "ok": 0,
        "ok_first_pass": 0,
        "ok_redecoded": 0,
        "missing": 0,
        "forbidden": 0,
        "spelling": 0,
    }
    for index, record in enumerate(records):
        if record is None:
            continue
        summary["translated"] += 1
        sentences = record.get("sentences", [])
        summary["sentences"] += len(sentences)
        constrained = [k for k, s in enumerate(sentences) if s.get("constrained")]
        summary["copied_sentences"] += sum(1 for s in sentences if s.get("copied"))
        summary["constrained_sentences"] += len(constrained)
        if mode == "auto":
            summary["redecoded_sentences"] += len(constrained)
        summary["required_terms"] += len(record.get("required", ()))
        for key in ("satisfied_first_pass", "redecoded", "unsatisfied"):
            summary[key] += len(record.get(key, ()))
        # occurrences: every occurrence of a term in a segment has the term's status (the judge pairs them so)
        occurrences = record.get("occurrences") or dict.fromkeys(record.get("required", ()), 1)  # an older journal: one each
        unsatisfied = set(record.get("unsatisfied", ()))
        summary["term_occurrences"] += sum(occurrences.values())
        summary["ok"] += sum(n for tid, n in occurrences.items() if tid not in unsatisfied)
        summary["ok_first_pass"] += sum(occurrences.get(tid, 0) for tid in record.get("satisfied_first_pass", ()))
        summary["ok_redecoded"] += sum(occurrences.get(tid, 0) for tid in record.get("redecoded", ()))
        unmet = record.get("unmet")
        if unmet is None:  # an older journal: statuses were not kept
            summary["missing"] += sum(occurrences.get(tid, 0) for tid in unsatisfied)
        else:
            summary["missing"] += sum(1 for finding in unmet if finding.get("status") != FORBIDDEN)
            summary["forbidden"] += sum(1 for finding in unmet if finding.get("status") == FORBIDDEN)
        summary["spelling"] += len(record.get("spelling", ()))
        if mode != "off" and record.get("unsatisfied"):
            summary["impossible"].append(
                {
                    "index": index,
                    "terms": list(record["unsatisfied"]),
                    "sentences": [s["source"] for s in sentences if s.get("unsatisfied")] or [record["source"]],
                    **({"reason": reason} if (reason := next((s["reason"] for s in sentences if s.get("reason")), None)) else {}),
                }
            )
        for s in sentences:
            if s.get("split") == "forced":
                summary["too_long"].append({"index": index, "sentence": s["source"], "fits": s.get("fits", True)})
            if s.get("truncated"):
                summary["truncated"].append({"index": index, "sentence": s["source"], "length_limit": s.get("length_limit")})
    return summary
