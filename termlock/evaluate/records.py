"""Typed results of a terminology check, and their JSON form.

The records are plain data (strings, ints, tuples) with no reference back to
the glossary or its compiled matchers, so segment reports pickle cheaply
between Ray workers and the driver, and every report writer (JSON, CSV,
HTML, terminal) reads the same fields. ``to_dict()`` is the JSON report's
contract (docs/reference/json-report.md and its JSON Schema); its keys must not change (adding
keys is fine).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from termlock.evaluate.numbers import Figure, NumbersReport
from termlock.glossary.merge import MergeConflict
from termlock.glossary.spelling import Misspelling
from termlock.glossary.verdicts import FORBIDDEN, MISSING, OK, STATUSES  # noqa: F401  (statuses live with the rules)

# TermOccurrence and SegmentReport are built once per segment on the hot path
# of a million-segment check; frozen dataclasses cost ~5x more to construct
# (every field goes through object.__setattr__), so these two are plain
# slotted dataclasses. Treat them as read-only all the same.


Span = tuple[int, int]


@dataclass(frozen=True)
class AcceptedFinding:
    """One entry of an accepted-findings file (``line``: where it starts, 1-based).

    Read and written by :mod:`termlock.evaluate.accepted`; a record here because
    term occurrences carry it.
    """

    term: str
    reason: str
    by: str
    date: str | None = None
    segment: str | None = None
    source: str | None = None
    document: str | None = None
    status: str | None = None
    path: str | None = None
    line: int | None = None
    #: the rendering the entry says was found (informational; matching ignores it)
    found: str | None = None

    def entry(self) -> dict[str, Any]:
        """The entry as the accepted-findings file writes it (keys in the file's order, empty ones left out)."""
        values = {
            "term": self.term, "segment": self.segment, "source": self.source, "document": self.document,
            "status": self.status, "found": self.found, "reason": self.reason, "by": self.by, "date": self.date,
        }
        return {key: value for key, value in values.items() if value is not None}

    def matches_segment(self, segment: "SegmentReport", occurrence: "TermOccurrence") -> bool:
        if self.term != occurrence.term_id or self.document is not None:
            return False
        if self.status is not None and self.status != occurrence.status:
            return False
        if self.segment is not None:
            wanted = segment.id if segment.id is not None else str(segment.index + 1)
            if self.segment != wanted:
                return False
        if self.source is not None and self.source.strip() != segment.source.strip():
            return False
        return True

    def matches_document(self, document: str, term_id: str, status: str) -> bool:
        if self.document is None or self.term != term_id:
            return False
        if self.status is not None and self.status != status:
            return False
        return self.document == document or Path(self.document).name == Path(document).name

    def where(self) -> str:
        if self.document is not None:
            return f"document {self.document}"
        if self.segment is not None:
            return f"segment {self.segment}"
        return f"source {self.source!r}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "term": self.term,
            "segment": self.segment,
            "source": self.source,
            "document": self.document,
            "status": self.status,
            "reason": self.reason,
            "by": self.by,
            "date": self.date,
            "line": self.line,
        }


@dataclass(slots=True)
class TermOccurrence:
    """One occurrence of a glossary term in a source segment and its verdict.

    ``source`` is the spelling found in the source (it may be a traditional
    or alternative spelling, not the glossary's first one). ``found`` and
    ``forbidden_found`` are the surface text in the target, ``rendering`` and
    ``forbidden_rendering`` the glossary entries they matched. ``spelling``:
    for an ``ok`` occurrence found only in the checker's folded view ("State
    owned enterprise"), a spelling finding (:mod:`termlock.glossary.spelling`:
    ``expected``, the glossary's spelling of it, and ``written``, the surface
    as consistency compares it); None when spelled as the glossary.
    Consistency is judged on the spelling: the glossary entry when spelled
    as the glossary (so "article's" and "articles" count as one), else
    ``spelling.written``. Spans are ``(start, end)`` character offsets for
    highlighting.
    """

    term_id: str
    source: str
    status: str
    expected: tuple[str, ...]
    source_span: Span
    found: str | None = None
    rendering: str | None = None
    found_span: Span | None = None
    forbidden_found: str | None = None
    forbidden_rendering: str | None = None
    forbidden_span: Span | None = None
    #: the reviewer's acceptance of this problem (``--accept``), else None
    accepted: AcceptedFinding | None = None
    spelling: Misspelling | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.term_id,
            "source": self.source,
            "status": self.status,
            "expected": list(self.expected),
            "found": self.found,
            "forbidden_found": self.forbidden_found,
            "rendering": self.rendering,
            "forbidden_rendering": self.forbidden_rendering,
            "source_span": list(self.source_span),
            "found_span": list(self.found_span) if self.found_span is not None else None,
            "forbidden_span": list(self.forbidden_span) if self.forbidden_span is not None else None,
            "accepted": _acceptance(self.accepted),
            "spelling": self.spelling.expected if self.spelling is not None else None,
        }


@dataclass(slots=True)
class SegmentReport:
    """All term occurrences of one aligned source/target pair.

    ``index`` is the 0-based position in the document (the line number for
    plain-text input); ``id`` is the store's own segment id when there is one
    (XLIFF trans-unit id, JSONL id), else None.
    """

    index: int
    source: str
    target: str
    terms: tuple[TermOccurrence, ...] = ()
    id: str | None = None
    #: the numbers category, when checked: figures found in the source, and those missing from the target
    figures: int = 0
    missing_figures: tuple[Figure, ...] = ()

    @property
    def problems(self) -> tuple[TermOccurrence, ...]:
        """Occurrences that are not ``ok`` and not accepted by the reviewer."""
        return tuple(occ for occ in self.terms if occ.status != OK and occ.accepted is None)

    @property
    def misspelled(self) -> tuple[TermOccurrence, ...]:
        """``ok`` occurrences not in the glossary's spelling (spelling findings)."""
        return tuple(occ for occ in self.terms if occ.spelling is not None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "id": self.id,
            "source": self.source,
            "target": self.target,
            "terms": [occ.to_dict() for occ in self.terms],
        }


@dataclass(frozen=True)
class TermSummary:
    """Document-level figures for one glossary term.

    ``renderings`` counts, per accepted glossary rendering, the ``ok``
    occurrences that used it (glossary order). ``spellings`` counts the same
    occurrences by how they are spelled (the glossary rendering when spelled
    as the glossary, else the spelling written: "State owned enterprises");
    two or more keys make the term inconsistent. ``segments_by_rendering``
    and ``segments_by_spelling`` list the segment indexes behind each count
    so a reviewer can go and look. ``spelling``: the spelling findings.
    """

    id: str
    source: str
    target: str
    occurrences: int = 0
    ok: int = 0
    missing: int = 0
    forbidden: int = 0
    renderings: dict[str, int] = field(default_factory=dict)
    segments_by_rendering: dict[str, tuple[int, ...]] = field(default_factory=dict)
    note: str | None = None
    #: problems the reviewer accepted: not in ``missing``/``forbidden``, counted as done
    accepted: int = 0
    spellings: dict[str, int] = field(default_factory=dict)
    segments_by_spelling: dict[str, tuple[int, ...]] = field(default_factory=dict)
    spelling: int = 0

    @property
    def consistent(self) -> bool:
        return len(self.spellings or self.renderings) < 2

    @property
    def problems(self) -> int:
        return self.missing + self.forbidden

    @property
    def success_rate(self) -> float:
        return success_rate(self.ok + self.accepted, self.occurrences)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "target": self.target,
            "occurrences": self.occurrences,
            "ok": self.ok,
            "missing": self.missing,
            "forbidden": self.forbidden,
            "renderings": dict(self.renderings),
            "consistent": self.consistent,
            "note": self.note,
            "accepted": self.accepted,
            "spellings": dict(self.spellings),
            "spelling": self.spelling,
        }


@dataclass(frozen=True)
class SpellingFinding:
    """An ``ok`` occurrence not in the glossary's spelling, for the report's ``spelling`` section.

    ``index``/``segment_id`` name the segment (``document`` the document at
    document granularity, where ``index`` is the paragraph); ``found`` is
    the surface, ``expected`` the glossary's spelling of it.
    """

    index: int
    segment_id: str | None
    term: str
    source: str
    found: str
    expected: str
    document: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"index": self.index, "segment_id": self.segment_id}
        if self.document is not None:
            out["document"] = self.document
        out.update(term=self.term, source=self.source, found=self.found, expected=self.expected)
        return out


@dataclass(frozen=True)
class Metrics:
    """Corpus BLEU and chrF against a reference, with sacrebleu's signatures.

    ``signature`` is the one string the JSON summary carries (both metrics'
    signatures joined); the separate ones are kept for tools that want them.
    """

    bleu: float
    chrf: float
    signature: str
    bleu_signature: str | None = None
    chrf_signature: str | None = None
    #: chrF++ (chrF with word bigrams, word_order=2): the WMT terminology tasks report it
    chrf_pp: float | None = None
    chrf_pp_signature: str | None = None


@dataclass(frozen=True)
class Summary:
    segments: int
    term_occurrences: int
    ok: int
    missing: int
    forbidden: int
    term_success_rate: float
    inconsistent_terms: int
    bleu: float | None = None
    chrf: float | None = None
    signature: str | None = None
    chrf_pp: float | None = None
    chrf_pp_signature: str | None = None
    #: findings the reviewer accepted (``--accept``): counted as done, not as problems
    accepted: int = 0
    #: ``ok`` occurrences not in the glossary's spelling (a category of their own)
    spelling: int = 0
    #: spelling findings count against the rate and the gate (``--strict-spelling``)
    strict_spelling: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "segments": self.segments,
            "term_occurrences": self.term_occurrences,
            "ok": self.ok,
            "missing": self.missing,
            "forbidden": self.forbidden,
            "term_success_rate": self.term_success_rate,
            "inconsistent_terms": self.inconsistent_terms,
            "bleu": self.bleu,
            "chrf": self.chrf,
            "signature": self.signature,
            "chrf_pp": self.chrf_pp,
            "chrf_pp_signature": self.chrf_pp_signature,
            "accepted": self.accepted,
            "spelling": self.spelling,
            "strict_spelling": self.strict_spelling,
        }


@dataclass(frozen=True)
class CheckResult:
    """A whole check: summary, every segment, and the per-term table.

    ``terms`` holds every glossary term in glossary order, used or not, so a
    JSON consumer can also see which terms the document never exercised.
    """

    glossary_name: str
    glossary_terms: int
    summary: Summary
    segments: tuple[SegmentReport, ...]
    terms: tuple[TermSummary, ...]
    #: accepted-findings entries that matched nothing this run (``--accept``)
    stale_accepted: tuple[AcceptedFinding, ...] = ()
    #: the accepted-findings file, when one was given
    accepted_file: str | None = None
    #: ``status: inconsistent`` entries that accepted a term's inconsistent renderings (one per term)
    accepted_inconsistent: tuple[AcceptedFinding, ...] = ()
    #: the numbers category (figures missing from the target); None when not checked
    numbers: NumbersReport | None = None
    #: ``--granularity document``: one :class:`~termlock.evaluate.document_check.DocumentReport`
    #: per source/target document pair (that module builds on this one, so not typed here)
    documents: tuple[Any, ...] = ()
    #: sources two ``--glossary`` files defined differently (the later one won)
    glossary_conflicts: tuple[MergeConflict, ...] = ()
    #: a batch of documents: files found on one side only (:class:`UnpairedDocument`)
    unpaired: tuple["UnpairedDocument", ...] = ()
    #: a batch of documents: files in the directories that are not documents termlock reads
    skipped: tuple[str, ...] = ()
    #: the spelling category: accepted renderings not in the glossary's spelling, in document order
    spelling: tuple[SpellingFinding, ...] = ()
    #: report files already written while the check ran (a streamed check:
    #: :mod:`termlock.evaluate.stream`), as ``("json", path)`` pairs; such a
    #: result carries no segments, and the reports must not be written again
    reports_written: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    @property
    def inconsistent(self) -> tuple[TermSummary, ...]:
        return tuple(term for term in self.terms if not term.consistent)

    def inconsistency_accepted(self, term_id: str) -> AcceptedFinding | None:
        """The entry that accepted ``term_id``'s inconsistent renderings, if any."""
        return next((finding for finding in self.accepted_inconsistent if finding.term == term_id), None)

    def open_inconsistent(self) -> tuple[TermSummary, ...]:
        """Inconsistent terms the reviewer has not accepted: findings still to look at."""
        return tuple(term for term in self.inconsistent if self.inconsistency_accepted(term.id) is None)

    @property
    def used_terms(self) -> tuple[TermSummary, ...]:
        """Terms that occur at least once in the source."""
        return tuple(term for term in self.terms if term.occurrences)

    def term(self, term_id: str) -> TermSummary:
        for term in self.terms:
            if term.id == term_id:
                return term
        raise KeyError(term_id)

    def problems(self) -> list[tuple[SegmentReport, TermOccurrence]]:
        """Every non-``ok`` occurrence the reviewer has not accepted, with its segment, in document order."""
        return [(seg, occ) for seg in self.segments for occ in seg.terms if occ.status != OK and occ.accepted is None]

    def accepted_count(self) -> int:
        """Findings the reviewer accepted: one per segment occurrence, one per document term, one per inconsistent term."""
        return len(self.accepted_findings()) + len(self.accepted_inconsistent) + sum(
            1 for document in self.documents for term in document.terms if term.accepted is not None
        )

    def accepted_findings(self) -> list[tuple[SegmentReport, TermOccurrence]]:
        """Every problem the reviewer accepted (``--accept``), in document order."""
        return [(seg, occ) for seg in self.segments for occ in seg.terms if occ.accepted is not None]

    def worst_terms(self, limit: int = 10) -> list[TermSummary]:
        """Terms with the most problems (missing + forbidden), most first."""
        ranked = [term for term in self.terms if term.problems]
        ranked.sort(key=lambda t: (-t.problems, -t.forbidden, t.success_rate, t.id))
        return ranked[:limit]

    def to_dict(self, *, segments: bool = True) -> dict[str, Any]:
        """The JSON report; ``segments=False`` leaves the segment list empty (the streaming writer fills it)."""
        return {
            "glossary": {"name": self.glossary_name, "terms": self.glossary_terms},
            "summary": self.summary.to_dict(),
            "segments": [seg.to_dict() for seg in self.segments] if segments else [],
            "terms": [term.to_dict() for term in self.terms],
            "inconsistent": self.inconsistent_to_dict(),
            "accepted": {
                "file": self.accepted_file,
                "findings": [
                    {"index": seg.index, "segment_id": seg.id, "term": occ.term_id, "status": occ.status,
                     **_acceptance(occ.accepted)}
                    for seg, occ in self.accepted_findings()
                ]
                + [
                    {"document": doc.name, "term": term.id, "status": term.problem_status, **_acceptance(term.accepted)}
                    for doc in self.documents
                    for term in doc.terms
                    if term.accepted is not None
                ]
                + [
                    {"term": finding.term, "status": "inconsistent", **_acceptance(finding)}
                    for finding in self.accepted_inconsistent
                ],
                "stale": [finding.to_dict() for finding in self.stale_accepted],
            },
            "numbers": self.numbers.to_dict() if self.numbers is not None else None,
            "documents": [document.to_dict() for document in self.documents],
            "glossary_conflicts": [conflict.to_dict() for conflict in self.glossary_conflicts],
            "unpaired": [item.to_dict() for item in self.unpaired],
            "skipped": list(self.skipped),
            "spelling": {
                "count": len(self.spelling),
                "strict": self.summary.strict_spelling,
                "findings": [finding.to_dict() for finding in self.spelling],
            },
        }

    def inconsistent_to_dict(self) -> list[dict[str, Any]]:
        """The ``inconsistent`` list of the JSON report."""
        return [
            {
                "id": term.id,
                "source": term.source,
                "renderings": dict(term.renderings),
                "segments": {r: list(ix) for r, ix in term.segments_by_rendering.items()},
                "accepted": _acceptance(self.inconsistency_accepted(term.id)),
                "spellings": dict(term.spellings),
                "segments_by_spelling": {r: list(ix) for r, ix in term.segments_by_spelling.items()},
            }
            for term in self.inconsistent
        ]


@dataclass(frozen=True)
class UnpairedDocument:
    """A file of a batch of documents with no counterpart on the other side.

    ``side`` is where it was found: ``source`` (no translation: it is also
    checked, against nothing) or ``target`` (a translation of no source).
    """

    side: str
    name: str
    path: str

    def describe(self) -> str:
        if self.side == "source":
            return f"{self.name}: no translation (every term occurrence counted as missing)"
        return f"{self.name}: a translation with no source document (not checked)"

    def to_dict(self) -> dict[str, Any]:
        return {"side": self.side, "name": self.name, "path": self.path}


def _acceptance(finding: AcceptedFinding | None) -> dict[str, Any] | None:
    if finding is None:
        return None
    return {"reason": finding.reason, "by": finding.by, "date": finding.date, "line": finding.line}


def summarize_terms(
    terms: "Sequence[TermSummary]", segments: int, metrics: "Metrics | None", *, strict_spelling: bool = False
) -> "Summary":
    """The summary figures of a term table: one rule for segment and document checks alike.

    ``strict_spelling``: spelling findings are not done (the rate leaves them out of ``ok``).
    """
    total = sum(t.occurrences for t in terms)
    ok_total = sum(t.ok for t in terms)
    accepted_total = sum(t.accepted for t in terms)
    spelling_total = sum(t.spelling for t in terms)
    done = ok_total + accepted_total - (spelling_total if strict_spelling else 0)
    return Summary(
        segments=segments,
        term_occurrences=total,
        ok=ok_total,
        missing=sum(t.missing for t in terms),
        forbidden=sum(t.forbidden for t in terms),
        term_success_rate=success_rate(done, total),
        inconsistent_terms=sum(1 for t in terms if not t.consistent),
        bleu=metrics.bleu if metrics else None,
        chrf=metrics.chrf if metrics else None,
        signature=metrics.signature if metrics else None,
        chrf_pp=metrics.chrf_pp if metrics else None,
        chrf_pp_signature=metrics.chrf_pp_signature if metrics else None,
        accepted=accepted_total,
        spelling=spelling_total,
        strict_spelling=strict_spelling,
    )


def success_rate(ok: int, occurrences: int) -> float:
    """``ok / occurrences`` at full float precision; 1.0 when nothing was due.

    Never rounded here: the JSON keeps every digit (0.99995 is not 1.0) and
    reports round only what they display. Gates do not use this float at
    all but the counts (:mod:`termlock.evaluate.gate`).
    """
    if occurrences == 0:
        return 1.0
    return ok / occurrences
