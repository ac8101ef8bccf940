"""The reviewer's inputs to a check job, read and combined.

Several glossaries merged in order, per-segment term lists, accepted
findings, whole documents at document granularity, the numbers category:
this module turns file paths and plain options into what
:mod:`termlock.evaluate` checks, and adds the extras to a result. It takes
plain values, so every engine that runs a :class:`CheckJob` on one machine
reads them the same way; it glues the document stores, the glossary and the
evaluator, which do not import each other.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from termlock.documents.paragraphs import DOCUMENT_EXTENSIONS
from termlock.errors import TermlockError
from termlock.evaluate.records import AcceptedFinding, CheckResult
from termlock.glossary.term_lists import TermLists
from termlock.inputs import SegmentReader, read_segments
from termlock.jobs.glossaries import GlossaryChoice
from termlock.wording import counted, noun

SEGMENT, DOCUMENT = "segment", "document"
#: formats --bilingual reads (as --source/--target their XML would be checked line by line as text)
BILINGUAL = {"xliff": "an XLIFF", "tmx": "a TMX"}
GRANULARITIES = (SEGMENT, DOCUMENT)
#: extensions that are documents, never one-segment-per-line files
DOCUMENT_ONLY = DOCUMENT_EXTENSIONS


def choose_granularity(requested: str | None, *paths: str | None) -> str:
    """``segment`` or ``document``; documents (.docx, .md, .html) cannot be checked segment by segment.

    An XLIFF or TMX file as ``--source``/``--target`` is refused at either
    granularity: it is checked with ``--bilingual``. Every engine asks here
    (the Ray engine for each shard file too), so a Word file at segment
    granularity is told to add ``--granularity document`` whichever engine
    reads it, not that it is not UTF-8.
    """
    if requested is not None and requested not in GRANULARITIES:
        raise TermlockError(f"unknown granularity {requested!r}", fix="use --granularity segment or --granularity document")
    from termlock.documents import bilingual_kind_of

    for path in paths:
        kind = bilingual_kind_of(path) if path else None  # by content: a .txlf is XLIFF; a .txml is refused
        if kind in BILINGUAL:  # its lines are XML, not segments
            raise TermlockError(
                f"{BILINGUAL[kind]} file holds both sides, not one segment per line",
                path=path,
                fix=f"check it with --bilingual {path}",
            )
    documents = [p for p in paths if p and Path(p).suffix.lower() in DOCUMENT_ONLY]
    if documents and requested != DOCUMENT:
        raise TermlockError(
            f"{documents[0]} is a document, not one segment per line",
            fix="add --granularity document (paragraphs need not line up)",
        )
    return requested or SEGMENT


def read_term_lists_for(path: str, count: int, what: str, *, exact: bool = False) -> TermLists:
    """Per-segment term lists with exactly ``count`` lines (one per segment or document)."""
    from termlock.glossary.merge import exact_glossary
    from termlock.glossary.term_lists import read_term_lists

    lists = read_term_lists(path)
    if exact:
        lists = TermLists(exact_glossary(lists.glossary), lists.per_segment, lists.path)
    if len(lists) != count:
        singular = what.rstrip("s")
        raise TermlockError(
            f"--terms has {counted(len(lists), 'line')} but there {noun(count, 'is', 'are')} {counted(count, singular)}",
            path=path,
            fix=f"give one JSON line per {singular} (an empty list [] for one without terms)",
        )
    return lists


def load_accepted_findings(path: str | None, glossary) -> tuple[AcceptedFinding, ...] | None:  # noqa: ANN001
    """The ``--accept`` entries; every entry must name a term of ``glossary`` (the run's, or the term lists' union)."""
    if path is None:
        return None
    from termlock.evaluate.accepted import load_accepted, refuse_unknown_terms

    findings = load_accepted(path)
    refuse_unknown_terms(findings, (term.id for term in glossary.terms))
    return findings


def document_pairs_of(job) -> "DocumentPairs":
    """The document pairs a check job names: one pair, two directories, or a ``--pairs`` manifest."""
    from termlock.jobs.document_batch import DocumentPair, DocumentPairs, pairs_from_directories, read_pairs_manifest

    if job.pairs is not None:
        return read_pairs_manifest(job.pairs)
    directories = [os.path.isdir(p) for p in (job.source, job.target)]
    if any(directories):
        if not all(directories):
            file_side = "--source" if not directories[0] else "--target"
            raise TermlockError(
                f"{file_side} is a file but the other side is a directory",
                fix="give two directories (documents paired by relative path), two files, or --pairs pairs.tsv",
            )
        return pairs_from_directories(job.source, job.target)
    return DocumentPairs([DocumentPair(os.path.basename(job.target), job.source, job.target)], [], [])


def check_documents(choice: GlossaryChoice, job, run=None) -> CheckResult:
    """``--granularity document``: every pair of the job checked (``run`` runs the tasks; default: here, in order).

    The result is the same whoever runs the tasks: reports are put together
    in pair order. ``--terms`` has one line per pair, in pair order.
    """
    from termlock.jobs.document_batch import document_tasks, manifest_terms, run_locally

    batch = document_pairs_of(job)
    pairs = batch.pairs
    _refuse_reports_over_documents(job, pairs)
    if job.terms is not None and job.pairs is not None and pairs[0].terms is not None:
        raise TermlockError("the --pairs manifest gives each pair's terms, and so does --terms",
                            path=job.terms, fix="drop --terms, or the manifest's third column")
    lists = None
    if job.terms is None and job.pairs is not None:
        lists = manifest_terms(job.pairs, pairs)
        if lists is not None and job.exact:
            from termlock.glossary.merge import exact_glossary

            lists = TermLists(exact_glossary(lists.glossary), lists.per_segment, lists.path)
    glossary, glossary_of = document_glossaries(choice, job.terms, len(pairs), exact=job.exact, lists=lists)
    references = _reference_texts(job, pairs)
    tasks = document_tasks(pairs, glossary_of, numbers=job.numbers, keep_text=references is not None)
    outcomes = {}
    for outcome in (run or run_locally)(tasks):
        outcomes.setdefault(outcome.index, outcome)  # a retried worker's second answer is dropped
    missing = [pair.name for index, pair in enumerate(pairs) if index not in outcomes]
    if missing:
        raise TermlockError(f"{counted(len(missing), 'document')} did not come back from the workers (first: {missing[0]})",
                            fix="run the check again")
    ordered = [outcomes[index] for index in range(len(pairs))]
    return documents_result(
        choice, glossary, [o.report for o in ordered],
        target_texts=[o.target_text or "" for o in ordered] if references is not None else None, references=references,
        accepted=load_accepted_findings(job.accept, glossary), accepted_file=job.accept,
        unpaired=batch.unpaired, skipped=batch.skipped, strict_spelling=job.strict_spelling,
    )


def document_glossaries(choice: GlossaryChoice, terms: str | None, count: int, *, exact: bool = False,
                        lists: TermLists | None = None):  # noqa: ANN201
    """``(glossary of the report, glossary of document i)`` for ``count`` documents.

    The run's glossary for every document, or with ``--terms`` (one line per
    document, or a manifest's ``lists``) the union and each document's own.
    """
    if terms is not None:
        lists = read_term_lists_for(terms, count, "documents", exact=exact)
    if lists is None:
        glossary = choice.glossary
        return glossary, lambda index: glossary
    return lists.glossary, lists.segment_glossary


def documents_result(
    choice: GlossaryChoice,
    glossary,  # noqa: ANN001
    reports: list,
    *,
    target_texts: list[str] | None = None,
    references: list[str] | None = None,
    accepted: tuple[AcceptedFinding, ...] | None = None,
    accepted_file: str | None = None,
    unpaired=(),  # noqa: ANN001
    skipped=(),  # noqa: ANN001
    strict_spelling: bool = False,
) -> CheckResult:
    """The result of checked document reports: metrics over whole documents, accepted findings, the run's extras."""
    from termlock.evaluate.document_check import document_result

    metrics = None
    if references is not None:
        from termlock.evaluate import corpus_metrics

        # each document is one segment: paragraphs need not line up
        metrics = corpus_metrics(target_texts or [], references, target_lang=glossary.target_lang)
    result = document_result(glossary, reports, accepted=accepted, metrics=metrics, unpaired=list(unpaired),
                             strict_spelling=strict_spelling)
    return replace(result, accepted_file=accepted_file, glossary_conflicts=choice.conflicts, skipped=tuple(skipped))


def document_check(
    choice: GlossaryChoice,
    sources: list[str],
    targets: list[str],
    *,
    source: str,
    target: str,
    references: list[str] | None = None,
    terms: str | None = None,
    accepted: tuple[AcceptedFinding, ...] | None = None,
    accepted_path: str | None = None,
    numbers: bool = True,
    exact: bool = False,
    strict_spelling: bool = False,
) -> CheckResult:
    """One document pair's check from paragraphs already read (the review page passes the edited ones).

    The same pieces as :func:`check_documents` on that pair: the glossary
    (or the one line of ``--terms``), :func:`~termlock.evaluate.document_check.check_document`,
    :func:`documents_result`.
    """
    from termlock.evaluate.document_check import check_document

    glossary, glossary_of = document_glossaries(choice, terms, 1, exact=exact)
    report = check_document(glossary_of(0), sources, targets, name=os.path.basename(target),
                            source_path=source, target_path=target, numbers=numbers)
    return documents_result(
        choice, glossary, [report], target_texts=[" ".join(targets)],
        references=[" ".join(references)] if references is not None else None,
        accepted=accepted, accepted_file=accepted_path, strict_spelling=strict_spelling,
    )


def _refuse_reports_over_documents(job, pairs) -> None:
    """No report may overwrite a document of the batch (one in a directory, or listed in --pairs)."""
    if job.pairs is None and len(pairs) == 1:
        return  # one pair: CheckJob.validate() compared the files themselves
    from termlock.outputs import refuse_clobbering

    inputs = [("--source", pair.source) for pair in pairs] + [("--target", pair.target) for pair in pairs]
    outputs = job.outputs
    refuse_clobbering(inputs, [("--json", outputs.json), ("--csv", outputs.csv), ("--html", outputs.html),
                               ("--write-accepted", outputs.write_accepted)])


def _reference_texts(job, pairs) -> list[str] | None:
    """Each pair's reference translation as one text (``--reference``: a file, or a directory like --target)."""
    if job.reference is None:
        return None
    from termlock.documents.paragraphs import read_paragraphs

    if not os.path.isdir(job.reference):
        if len(pairs) != 1:
            raise TermlockError("--reference must be a directory when --source and --target are",
                                path=job.reference, fix="give the reference translations' directory (same relative paths)")
        return [" ".join(read_paragraphs(job.reference))]
    if job.pairs is not None:
        raise TermlockError("--reference cannot be paired with a --pairs manifest", fix="check with --reference one pair at a time")
    texts = []
    for pair in pairs:
        path = Path(job.reference) / pair.name
        if not path.is_file():
            raise TermlockError(f"no reference translation {pair.name}", path=str(path),
                                fix="give a reference for every source document, at the same relative path")
        texts.append(" ".join(read_paragraphs(path)))
    return texts


def check_segments(
    choice: GlossaryChoice,
    sources: list[str],
    targets: list[str],
    references: list[str] | None = None,
    segment_ids: list[str] | None = None,
    *,
    terms: str | None = None,
    accepted_path: str | None = None,
    numbers: bool = True,
    exact: bool = False,
    strict_spelling: bool = False,
) -> CheckResult:
    """Aligned segments: the glossary (or per-segment term lists), accepted findings, numbers."""
    from termlock.evaluate import check

    union, segment_glossaries = segment_term_lists(terms, len(sources), exact=exact)
    glossary = union if union is not None else choice.glossary
    accepted = load_accepted_findings(accepted_path, glossary)
    result = check(glossary, sources, targets, references, segment_ids=segment_ids,
                   accepted=accepted, segment_glossaries=segment_glossaries, numbers=numbers,
                   strict_spelling=strict_spelling)
    return replace(result, accepted_file=accepted_path, glossary_conflicts=choice.conflicts)


def segment_term_lists(terms: str | None, count: int, *, exact: bool = False):  # noqa: ANN201
    """``--terms``: the union glossary and one glossary per segment, or ``(None, None)`` without term lists."""
    if terms is None:
        return None, None
    lists = read_term_lists_for(terms, count, "segments", exact=exact)
    return lists.glossary, [lists.segment_glossary(i) for i in range(len(lists))]


def streamable(job) -> bool:
    """Whether a segment-granularity job can be checked in one streamed pass (:func:`check_streamed`).

    Everything that needs the segments after the check keeps the whole
    result: accepted findings (matched against all segments), per-segment
    term lists, ``--write-accepted`` and ``--xliff-notes`` (findings per
    unit), a bilingual file (read whole by its parser anyway).
    """
    outputs = job.outputs
    return not (job.bilingual or job.terms is not None or job.accept or outputs.write_accepted or outputs.xliff_notes)


def check_streamed(choice: GlossaryChoice, job, pool=None) -> CheckResult:  # noqa: ANN001
    """Aligned text files checked in one pass, the reports written as it goes (memory flat in segments).

    Lines are read as the checker consumes them and each segment's report
    goes straight to the JSON/CSV/HTML writers and the running totals, so
    memory stays flat in the number of segments; the result carries no
    segments and says which reports it wrote (``reports_written``). With a
    reference, BLEU/chrF need every line, so the three files are read whole
    first, as before (the reports still stream). ``pool``: where runs of
    segments are checked (the engine's worker processes; None: here), the
    lines still read here and the reports the same bytes
    (:func:`~termlock.evaluate.stream.check_stream`).
    """
    from termlock.documents.lines import aligned
    from termlock.documents.segment_fields import role_pairs
    from termlock.evaluate.stream import ReportFiles, check_stream, glossary_notes

    glossary = choice.glossary
    metrics = None
    if job.reference is not None:
        from termlock.evaluate import corpus_metrics

        sources, targets, ids, references = aligned_segments(job)
        metrics = corpus_metrics(targets, references, target_lang=glossary.target_lang)
        pairs = zip(sources, targets, ids)
    else:  # opened now (missing file, permissions), read as checked
        pairs = role_pairs(aligned(SegmentReader(job.source, "--source"), SegmentReader(job.target, "--target")),
                           ("--source", job.source), ("--target", job.target))
    outputs = job.outputs
    reports = ReportFiles(json=outputs.json, csv=outputs.csv, html=outputs.html,
                          html_inputs=job.input_names(), min_term_success=job.min_term_success)
    result = check_stream(glossary, pairs, reports.open(glossary_notes(glossary)), metrics=metrics, numbers=job.numbers,
                          keep_segments=job.keep_segments, glossary_conflicts=choice.conflicts,
                          strict_spelling=job.strict_spelling, pool=pool)
    return result


@dataclass(frozen=True)
class SegmentInputs:
    """The aligned text of a segment job, read whole: what the local engine checks and the review page shows.

    ``ids``: the segments' ids (a bilingual file's unit ids, a JSONL side's
    ``id`` fields; None: segments are named by line number);
    ``references`` only with ``--reference``.
    """

    sources: list[str]
    targets: list[str]
    references: list[str] | None = None
    ids: list[str | None] | None = None


def read_segment_inputs(job) -> SegmentInputs:  # noqa: ANN001
    """A segment job's inputs: a bilingual file's translated units, or the aligned files (:func:`aligned_segments`)."""
    if job.bilingual:
        return SegmentInputs(*read_bilingual_pairs(job.bilingual, xliff_notes=bool(job.outputs.xliff_notes)))
    sources, targets, ids, references = aligned_segments(job)
    return SegmentInputs(sources, targets, references, ids if any(i is not None for i in ids) else None)


def read_bilingual_pairs(path: str, *, xliff_notes: bool = False) -> tuple[list[str], list[str], None, list[str]]:
    """``(sources, targets, no references, unit ids)`` of the translated units of a bilingual file.

    ``xliff_notes``: the job writes the findings back as XLIFF notes, so the
    file must be XLIFF (a TMX, JSONL or TSV has nowhere to put them).
    """
    from termlock.documents.bilingual import bilingual_format, read_bilingual

    if xliff_notes and bilingual_format(path) != "xliff":
        raise TermlockError("--xliff-notes needs an XLIFF --bilingual file", path=path,
                            fix="drop --xliff-notes for TMX, JSONL or TSV input")
    units = read_bilingual(path)
    return [u.source for u in units], [u.target or "" for u in units], None, [u.id for u in units]


def aligned_segments(job) -> tuple[list[str], list[str], list[str | None] | None, list[str] | None]:  # noqa: ANN001
    """``(sources, targets, segment ids, references)`` of a segment job's aligned files, read whole.

    A ``.jsonl``/``.tsv`` side is read by its role
    (:mod:`termlock.documents.segment_fields`: the target field or column 2
    of a translated file), its JSONL ``id`` fields becoming the segment ids
    (None: line numbers).
    """
    from termlock.documents.lines import require_aligned
    from termlock.documents.segment_fields import REFERENCE, field_format, role_pairs, role_values

    sources = read_segments(job.source, "--source")
    targets = read_segments(job.target, "--target")
    require_aligned(("--source", job.source, sources), ("--target", job.target, targets))
    ids = None
    if field_format(job.source) or field_format(job.target):
        triples = list(role_pairs(zip(sources, targets), ("--source", job.source), ("--target", job.target)))
        sources, targets = [t[0] for t in triples], [t[1] for t in triples]
        found = [t[2] for t in triples]
        ids = found if any(i is not None for i in found) else None
    references = None
    if job.reference is not None:
        references = read_segments(job.reference, "--reference")
        require_aligned(("--source", job.source, sources), ("--reference", job.reference, references))
        fmt = field_format(job.reference)
        if fmt is not None:
            references = [text for text, _ in role_values(references, fmt, REFERENCE, job.reference, "--reference")]
    return sources, targets, ids if ids is not None else [None] * len(sources), references


def write_accepted_template(result: CheckResult, path: str, *, by: str | None = None) -> int:
    """``--write-accepted``: every open finding as an entry to edit; returns how many.

    Who: ``by``, else ``$TERMLOCK_REVIEWER``, else the login name.
    """
    from termlock.evaluate.accepted import accepted_template
    from termlock.fileio import write_text_atomically

    text = accepted_template(result, by=by or default_reviewer())
    write_text_atomically(path, text)
    return (len(result.problems()) + len(result.open_inconsistent())
            + sum(len(document.problems()) for document in result.documents))


def default_reviewer() -> str:
    """Who accepts findings when nobody says: ``$TERMLOCK_REVIEWER``, else the login name."""
    return os.environ.get("TERMLOCK_REVIEWER") or _login_name()


def _login_name() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in a bare container
        return "reviewer"
