"""``TranslateJob``: one batch translation, its model settings, outputs and report.

Built by ``termlock translate`` from its flags, or by a library caller; run
by any engine (``engine.translate(job) -> TranslateOutcome``). The settings
that shape the output are one record, :class:`TranslatorSettings`: the
engines build their :class:`~termlock.translate.Translator` from it and a
resumable job's fingerprint lists it, so a setting added there reaches every
engine and a resumed run with a different value is refused.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

from termlock.jobs.engine_options import EngineOptions
from termlock.translate.models.loading import DEFAULT_MODEL  # cheap: no torch at import
from termlock.wording import counted

if TYPE_CHECKING:  # pragma: no cover
    from typing import TextIO

#: formats whose units are lines, so messages name ``FILE:LINE``
LINE_FORMATS = ("text", "jsonl", "tsv")
#: formats whose unit ids are ``LINE:COLUMN``, so messages name ``FILE:LINE:COLUMN``
LINE_COLUMN_FORMATS = ("markdown", "html")


@dataclass(frozen=True)
class TranslatorSettings:
    """Everything the :class:`Translator` is built with, besides the glossary."""

    model: str = DEFAULT_MODEL
    beam: int = 5
    batch_size: int = 16
    constraints: str = "auto"
    device: str = "auto"
    dtype: str | None = None
    #: new tokens for a decoder-only LLM, total output length for a seq2seq model (None: the model's own)
    max_length: int | None = None
    src_lang: str | None = None
    tgt_lang: str | None = None
    #: constrained decoding may place a term's variants (default: the canonical rendering only)
    lock_variants: bool = False
    #: decoder-only LLMs only: template name or YAML file (None: chosen from the model), term hints (None: on)
    prompt_template: str | None = None
    term_hints: bool | None = None

    def translator_options(self) -> dict[str, Any]:
        """The keyword arguments of ``Translator(model, glossary, **options)``."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "model"}

    def check(self, *, device: str | None = None, model_here: bool = True) -> None:
        """Refuse, before anything starts, what would fail on every worker once its model loads.

        Nothing heavy is imported and no model is read: a precision
        ``device`` cannot run (when the caller knows where the model will
        run), and, when ``model_here``, a model folder that cannot hold a
        model (the prompt template is resolved by :meth:`TranslateJob.validate`).
        The Ray engine calls this before it starts a cluster, so a typo is
        one line, not a cluster start-up and a worker's error.
        """
        from termlock.translate.models.loading import check_model_folder, resolve_dtype

        if device is not None:
            resolve_dtype(self.dtype, device)
        if model_here:
            check_model_folder(self.model)

    def files_read(self) -> list[tuple[str, str]]:
        """``(option, path)`` for every file loading the translator reads: a prompt template file, and every
        file of a local model folder or of a hub id's cached snapshots (what no output of a run may name)."""
        return [*_template_file(self.prompt_template), *_model_files(self.model)]


@dataclass(frozen=True)
class TranslateJob:
    """Translate ``input`` into ``output`` (``-``: stdin/stdout, or directories of shards on Ray).

    ``format``: the document format (None: by extension); ``report``: the
    per-segment term report (JSON); ``tmx``: a TMX of the pairs translated;
    ``overwrite``: retranslate drafts, machine and TM pre-translations of
    bilingual files (and JSONL targets); ``overwrite_confirmed``: a person's
    confirmed, reviewed, approved and signed-off units as well (implies
    ``overwrite``; see docs/how-to/cat-tools.md for each tool's states);
    ``restart``: discard work saved by an interrupted run.
    """

    input: str
    output: str
    settings: TranslatorSettings = field(default_factory=TranslatorSettings)
    glossaries: tuple[str, ...] = ()
    format: str | None = None
    report: str | None = None
    tmx: str | None = None
    overwrite: bool = False
    overwrite_confirmed: bool = False
    restart: bool = False
    engine: EngineOptions = field(default_factory=EngineOptions)
    #: per-segment term lists (WMT23/WMT25 JSONL, one line per unit): each unit is locked to its own terms only
    terms: str | None = None
    #: no inflection tolerance for any term
    exact: bool = False
    #: nothing on stderr but errors: no progress bar, resume lines, warnings or summary
    quiet: bool = False

    def messages(self) -> "TextIO":
        """Where the engines write progress, resume lines and warnings: stderr, or nowhere with ``quiet``."""
        import io
        import sys

        return io.StringIO() if self.quiet else sys.stderr

    def validate(self) -> None:
        """Refuse a job without terms, outputs that would overwrite a file the run reads or each other,
        term lists beside glossaries, and a bad prompt template, before any work (a missing template is
        not hidden behind a model or cluster error).

        A job names its terms: glossary files (or
        ``bundled``) or per-segment term lists; the bundled glossary forced
        on a text it was not written for ("stuck neck" in a chip report)
        would be wrong without a word. What the run reads: the input, the
        glossaries, the term lists, a prompt template file, and every file of
        a local model folder (``-o model/config.json`` would leave a model
        that no longer loads).
        """
        from termlock.errors import TermlockError
        from termlock.jobs.glossaries import BUNDLED_GLOSSARY, glossary_files
        from termlock.outputs import refuse_clobbering

        refuse_clobbering(
            [("-i", self.input), *(("--glossary", path) for path in glossary_files(self.glossaries)), ("--terms", self.terms),
             *self.settings.files_read()],
            [("-o", self.output), ("--report", self.report), ("--tmx", self.tmx)],
        )
        if self.terms is not None and self.glossaries:
            raise TermlockError("--terms replaces --glossary", fix="give either --terms (term lists) or --glossary files, not both")
        if self.settings.prompt_template is not None:
            from termlock.translate.models.prompts import resolve_template

            resolve_template(self.settings.prompt_template)
        if not self.glossaries and self.terms is None:
            raise TermlockError(
                "no glossary: translate locks the terms of a glossary you name",
                fix=f"pass --glossary FILE (repeatable), --glossary {BUNDLED_GLOSSARY} for the bundled glossary of "
                "Liaoning political terms, or --terms TERMS.jsonl for per-segment term lists",
            )

    def fingerprint_settings(self, fmt: str, glossary: Any) -> dict[str, Any]:
        """Settings that shape the output; a resumed job must match them all."""
        settings = self.settings
        return {
            "format": fmt,
            "model": settings.model,
            "src_lang": settings.src_lang,
            "tgt_lang": settings.tgt_lang,
            "dtype": settings.dtype or "fp32",
            "glossary_sha256": glossary_digest(glossary),
            "beam": settings.beam,
            "batch_size": settings.batch_size,
            "constraints": settings.constraints,
            "max_length": settings.max_length,
            "overwrite": self.overwrite or self.overwrite_confirmed,
            **({"overwrite_confirmed": True} if self.overwrite_confirmed else {}),
            "terms_sha256": _file_digest(self.terms) if self.terms is not None else None,
            "exact": self.exact,
            # only when set, so that journals of earlier runs stay resumable
            **({"lock_variants": True} if settings.lock_variants else {}),
            **_prompt_fingerprint(settings),
        }


#: a model folder holds a dozen files; a folder with far more is no model folder, and is not walked
_MODEL_FILES_LIMIT = 10_000


def _hub_cache_folder(model: str) -> str | None:
    """Where the Hugging Face cache keeps the snapshots of a hub id (``org/name``), without importing the hub library."""
    import os

    if model.count("/") != 1 or model.startswith((".", "/")) or os.path.exists(model):
        return None
    cache = os.environ.get("HF_HUB_CACHE") or os.path.join(
        os.environ.get("HF_HOME") or os.path.join(os.path.expanduser("~"), ".cache", "huggingface"), "hub"
    )
    folder = os.path.join(cache, "models--" + model.replace("/", "--"), "snapshots")
    return folder if os.path.isdir(folder) else None


def _model_files(model: str) -> list[tuple[str, str]]:
    """``("--model", file)`` for every file of a local model folder, or of a hub id's cached snapshots."""
    import os

    if not os.path.isdir(model):
        model = _hub_cache_folder(model) or ""
        if not model:
            return []
    found: list[tuple[str, str]] = []
    for folder, subfolders, files in os.walk(model):
        subfolders[:] = [name for name in subfolders if not name.startswith(".")]
        found.extend(("--model", os.path.join(folder, name)) for name in files)
        if len(found) > _MODEL_FILES_LIMIT:
            break
    return found


def _template_file(template: str | None) -> list[tuple[str, str]]:
    """``("--prompt-template", file)`` when the template is a file (not a built-in name)."""
    import os

    return [("--prompt-template", template)] if template and os.path.isfile(template) else []


def _file_digest(path: str) -> str | None:
    """Hash of a file's bytes (None when unreadable: the engine reports that itself)."""
    try:
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return None


def _prompt_fingerprint(settings: TranslatorSettings) -> dict[str, Any]:
    """LLM prompt settings, a template file by its content; only those set, so older journals still match."""
    out: dict[str, Any] = {}
    if settings.term_hints is not None:
        out["term_hints"] = settings.term_hints
    template = settings.prompt_template
    if template is not None:
        from pathlib import Path

        out["prompt_template"] = (
            {"file": template, "sha256": _file_digest(template)} if Path(template).is_file() else template
        )
    return out


def glossary_digest(glossary: Any) -> str:
    """Hash of what a glossary means (terms and languages), not of its file's formatting."""
    terms = [{k: v for k, v in dataclasses.asdict(t).items() if k != "line"} for t in glossary.terms]
    payload = json.dumps(
        {"source_lang": glossary.source_lang, "target_lang": glossary.target_lang, "terms": terms},
        ensure_ascii=False,
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass
class TranslateOutcome:
    """What a translation run reports, whatever engine ran it.

    ``report``: the ``--report`` document (None when nothing ran because the
    job had finished before); ``where``: how messages name each segment, by
    report index; ``notes``: the engine's own lines, printed after the summary.
    """

    report: dict[str, Any] | None
    where: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def unit_locations(units: Iterable[Any], fmt: str, shown: str) -> list[str]:
    """How messages name each unit: ``IN:LINE`` for line formats (``IN:LINE:COLUMN`` in Markdown, HTML), else the unit id."""
    if fmt in LINE_FORMATS or fmt in LINE_COLUMN_FORMATS:
        return [f"{shown}:{unit.id}" for unit in units]
    return [f"{shown} (unit {unit.id})" for unit in units]


def run_settings(settings: TranslatorSettings, used: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The dtype, length limit, prompt template and term hints of a run, as its report records them.

    ``used`` is what the translator decoded with (``Translator.run_settings()``,
    on Ray from the workers' answers: the template it chose, hints on or
    off, the model's own length limit); without one (a resumed run with
    nothing left to decode) the settings as given, None meaning "the default".
    """
    if used is not None:
        return dict(used)
    template = settings.prompt_template
    if template is not None:
        from termlock.translate.models.prompts import resolve_template

        template = resolve_template(template).name
    return {
        "dtype": settings.dtype or "fp32",
        "max_length": settings.max_length,
        "prompt_template": template,
        "term_hints": settings.term_hints,
    }


def build_report(
    job: TranslateJob,
    glossary: Any,
    store: Any,
    records: Sequence[dict[str, Any] | None],
    used: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``--report`` JSON of one document: settings, summary, one entry per translated segment.

    A whole document (Word, Markdown, HTML) also lists what its reader did
    not read, so did not translate (``not_read``). ``used``: see :func:`run_settings`.
    """
    rows = ((report_id(unit), record["report"] if record is not None else None, {}) for unit, record in zip(store.units, records))
    report = report_from_rows(job, glossary, rows, used)
    if hasattr(store, "not_read"):
        report["not_read"] = [item.to_dict() for item in store.not_read]
    return report


def batch_report(
    job: TranslateJob,
    glossary: Any,
    documents: Sequence[tuple[str, Any, Sequence[dict[str, Any] | None]]],
    used: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``--report`` of a directory job: every segment with its document (``shard``), and a table per document.

    ``documents``: ``(name, store, records)`` in input order. ``documents``
    in the report: per document its name, format, segments, translated
    segments, required and unsatisfied terms, impossible segments, what
    was not read, and the checker's figures (``term_occurrences``, ``ok``,
    ``missing``, ``forbidden``, ``spelling``). ``used``: see :func:`run_settings`.
    """
    from termlock.translate.translator import summarize

    rows = (
        (report_id(unit), record["report"] if record is not None else None, {"shard": name})
        for name, store, records in documents
        for unit, record in zip(store.units, records)
    )
    report = report_from_rows(job, glossary, rows, used)
    table = []
    for name, store, records in documents:
        summary = summarize([record["report"] if record is not None else None for record in records], job.settings.constraints)
        table.append({
            "name": name,
            "format": store.name,
            "segments": summary["segments"],
            "translated": summary["translated"],
            "required_terms": summary["required_terms"],
            "unsatisfied": summary["unsatisfied"],
            "impossible": len(summary["impossible"]),
            "not_read": [item.to_dict() for item in getattr(store, "not_read", ())],
            # the checker's figures for the document (source occurrences), as `termlock check` gives them
            **{key: summary[key] for key in ("term_occurrences", "ok", "missing", "forbidden", "spelling")},
        })
    report["documents"] = table
    return report


def not_read_lines(name: str, store: Any) -> list[str]:
    """One line per kind of content a document's reader did not read (so did not translate)."""
    return [f"{name}: not translated (not read): {item.describe()}" for item in getattr(store, "not_read", ())]


def report_id(unit: Any) -> str:
    """A unit's id as reports give it: the file's own id where it has one (a JSONL object's ``id``), else the unit's."""
    meta = getattr(unit, "meta", None)
    own = meta.get("id") if isinstance(meta, dict) else None
    return own if own is not None else unit.id


def report_from_rows(
    job: TranslateJob,
    glossary: Any,
    rows: Iterable[tuple[str | None, dict[str, Any] | None, dict[str, Any]]],
    used: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``--report`` JSON from ``(unit id, segment report, extra keys)`` per segment, in document order.

    A segment that was not translated (blank, or already translated in a
    bilingual file) has no report: it keeps its index but gets no entry.
    The extra keys (the Ray engine's shard name) go before the unit id.
    ``used``: see :func:`run_settings`.
    """
    from termlock.translate.translator import summarize

    reports: list[dict[str, Any] | None] = []
    segments = []
    for unit_id, report, extra in rows:
        if report is not None:
            segments.append({"index": len(reports), **extra, "id": unit_id, **report})
        reports.append(report)
    return {
        "input": job.input,
        "output": job.output,
        "model": job.settings.model,
        "glossary": {"name": glossary.name, "terms": len(glossary)},
        "constraints": job.settings.constraints,
        "beam": job.settings.beam,
        **run_settings(job.settings, used),
        "summary": summarize(reports, job.settings.constraints),
        "segments": segments,
    }


def report_json_bytes(report: dict[str, Any]) -> bytes:
    """The ``--report`` file's bytes."""
    return (json.dumps(report, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def warning_lines(job: TranslateJob, summary: dict[str, Any], where: Sequence[str]) -> list[str]:
    """One line per kind of warning, however many segments it concerns; each segment is in ``--report``.

    A kind that concerns one sentence names it (where, and what to do);
    more are counted, the first named, and the report lists every one
    (200 lines around the progress bar helped nobody).
    """
    from termlock.translate.translator import sentence_excerpt

    listed = "--report lists each" if job.report else "pass --report FILE to list each"
    lines = []
    truncated = summary.get("truncated", [])
    limits = sorted({item["length_limit"] for item in truncated if item.get("length_limit")})
    try_more = f"try --max-length {2 * limits[-1]}" if limits else "try a higher --max-length"
    if len(truncated) == 1:
        item = truncated[0]
        limit = f" of {limits[0]} tokens" if limits else ""
        lines.append(f"{where[item['index']]}: warning: the translation hit the length limit{limit} and may be cut short "
                     f"({try_more}): {sentence_excerpt(item['sentence'])}")  # fmt: skip
    elif truncated:
        span = f" of {limits[0]} tokens" if len(limits) == 1 else f" ({limits[0]} to {limits[-1]} tokens)" if limits else ""
        lines.append(f"warning: {len(truncated)} sentences hit the length limit{span} and may be cut short, the first at "
                     f"{where[truncated[0]['index']]} ({try_more}; {listed})")  # fmt: skip
    too_long = summary.get("too_long", [])
    unfit = sum(1 for item in too_long if not item.get("fits", True))
    if len(too_long) == 1:
        item = too_long[0]
        how = "does not fit the model even cut at a character" if unfit else "was cut without punctuation to fit"
        lines.append(f"{where[item['index']]}: warning: a sentence longer than the model accepts {how}: "
                     f"{sentence_excerpt(item['sentence'])}")  # fmt: skip
    elif too_long:
        worse = f", {unfit} of them do not fit even cut at a character" if unfit else ""
        lines.append(f"warning: {len(too_long)} sentences longer than the model accepts were cut without punctuation "
                     f"to fit{worse}, the first at {where[too_long[0]['index']]} ({listed})")  # fmt: skip
    impossible = summary.get("impossible", [])
    if impossible:
        first = impossible[0]
        because = f": {first['reason']}" if first.get("reason") else ""
        if len(impossible) == 1:
            lines.append(f"{where[first['index']]}: warning: could not satisfy term(s) {', '.join(first['terms'])} "
                         f"even with constrained decoding{because}")  # fmt: skip
        else:
            lines.append(f"warning: {len(impossible)} segments could not satisfy every term even with constrained decoding, "
                         f"the first at {where[first['index']]} ({', '.join(first['terms'])}{because}; {listed})")  # fmt: skip
    return lines


def outcome_lines(job: TranslateJob, outcome: TranslateOutcome) -> list[str]:
    """The warnings (one line per kind), the one-line summary, then the engine's notes."""
    report = outcome.report
    if report is None:
        return list(outcome.notes)
    summary = report["summary"]
    lines = warning_lines(job, summary, outcome.where)
    constraints = job.settings.constraints
    documents = report.get("documents")
    # the checker's figures (source occurrences), so `termlock check` on the output says the same
    line = (
        f"translated {counted(summary['translated'], 'segment')} ({counted(summary['sentences'], 'sentence')})"
        + (f" of {counted(len(documents), 'document')}" if documents else "")
        + f" with {job.settings.model}; "
        f"term occurrences: {summary['term_occurrences']}, {summary['ok']} ok ({summary['ok_first_pass']} by the first pass, "
        f"{summary['ok_redecoded']} by constrained decoding), {summary['missing']} missing, {summary['forbidden']} forbidden"
    )
    if summary["spelling"]:
        line += f", {summary['spelling']} not in the glossary's spelling"
    if constraints == "auto":
        line += f"; {counted(summary['redecoded_sentences'], 'sentence')} re-decoded"
    if constraints != "off":
        line += f"; {counted(len(summary['impossible']), 'segment')} impossible"
    if summary.get("copied_sentences"):
        line += f"; {counted(summary['copied_sentences'], 'sentence')} of figures or Latin text kept as they were"
    lines.append(line)
    return lines + list(outcome.notes)
