"""Document-level terminology check: whole documents, paragraphs not aligned.

A translated Word file rarely keeps the source's paragraph breaks (merged,
split, reordered paragraphs), and terminology does not need alignment: the
WMT25 terminology task's document-level measure counts, per term, the
target renderings in the whole translation against the source occurrences
in the whole source, capped at 1. This module does that, per document and
per term:

* ``source_count``: occurrences of the term in the source document (the
  same longest-leftmost source matcher as segment checking);
* ``renderings``: each accepted rendering found in the target, with counts,
  and ``forbidden_found``: each forbidden rendering found, with counts (the
  target-side rules of :func:`termlock.glossary.verdicts.target_renderings`,
  the ones segment checking applies);
* occurrences are then accounted as segment checking would: forbidden
  renderings take source occurrences first (a forbidden rendering wins),
  accepted renderings the rest, up to the source count; what is left is
  missing. ``success`` = ok / source count, which without forbidden
  renderings is exactly min(1, renderings found / source count);
* ``consistent``: one accepted rendering used, in one spelling, not two or more;
* ``misspelled``: accepted renderings not in the glossary's spelling (the
  spelling category, :mod:`termlock.glossary.spelling`), and ``spellings``
  each spelling used with its count;
* short context snippets for the HTML report.

The document's ``term_success_rate`` is ok / source occurrences over all its
terms (terms weighted by how often they occur), as in segment mode.

The counts follow termlock's matching rules, not plain substring counts:
whole words only, regular inflection of the last word, a source term found
only inside a longer listed term is not counted on its own (新发展格局, not
also 发展格局), and a target rendering inside a longer term's rendering
belongs to that term. So the figures differ slightly from the WMT25
script's substring counts, always in the direction a reviewer would count.

A report also says what the document readers did not read on either side
(``not_read``: equations, code blocks, ...), and whether the pair had a
translation at all (``paired``: a source document with no translation is
checked against nothing, every occurrence missing).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Sequence

from termlock.evaluate.accepted import INCONSISTENT, AcceptedFinding, accept_inconsistencies
from termlock.evaluate.numbers import NumbersReport, document_numbers
from termlock.evaluate.records import (
    FORBIDDEN,
    MISSING,
    OK,
    CheckResult,
    Metrics,
    SpellingFinding,
    TermSummary,
    success_rate,
    summarize_terms,
)
from termlock.glossary import Glossary, SegmentJudge, SourceMatcher
from termlock.glossary.verdicts import target_renderings

#: characters of context on each side of a snippet's match
CONTEXT = 60
#: snippets kept per term and side
SNIPPETS = 3


@dataclass(frozen=True)
class Snippet:
    """A match in context: ``text[start:end]`` is the match, ``paragraph`` 0-based."""

    paragraph: int
    text: str
    start: int
    end: int
    kind: str  # "source", "accepted" or "forbidden"

    def to_dict(self) -> dict[str, Any]:
        return {"paragraph": self.paragraph, "text": self.text, "span": [self.start, self.end], "kind": self.kind}


def snippet(paragraph: int, text: str, start: int, end: int, kind: str, context: int = CONTEXT) -> Snippet:
    """The match ``text[start:end]`` with up to ``context`` characters each side, cut at spaces."""
    left = max(0, start - context)
    right = min(len(text), end + context)
    if left > 0 and " " in text[left:start]:
        left = text.index(" ", left, start) + 1
    if right < len(text) and " " in text[end:right]:
        right = text.rindex(" ", end, right)
    prefix = "…" if left > 0 else ""
    suffix = "…" if right < len(text) else ""
    body = text[left:right]
    return Snippet(paragraph, prefix + body + suffix, len(prefix) + start - left, len(prefix) + end - left, kind)


@dataclass(frozen=True)
class DocumentTerm:
    """One glossary term in one document pair."""

    id: str
    source: str
    target: str
    expected: tuple[str, ...]
    source_count: int
    renderings: dict[str, int]
    forbidden_found: dict[str, int]
    ok: int
    missing: int
    forbidden: int
    note: str | None = None
    snippets: tuple[Snippet, ...] = ()
    accepted: AcceptedFinding | None = None
    #: the renderings found by spelling (glossary rendering when spelled as the glossary, else as written)
    spellings: dict[str, int] = field(default_factory=dict)
    #: accepted renderings not in the glossary's spelling: (paragraph, found, glossary spelling)
    misspelled: tuple[tuple[int, str, str], ...] = ()

    @property
    def spelling(self) -> int:
        """Spelling findings among the ``ok`` occurrences (never more than them)."""
        return min(len(self.misspelled), self.ok)

    @property
    def found(self) -> int:
        """Accepted renderings found in the target, all of them (not capped)."""
        return sum(self.renderings.values())

    @property
    def success(self) -> float:
        """ok / source count: min(1, found / source count) when nothing forbidden was found."""
        return success_rate(self.ok, self.source_count)

    @property
    def consistent(self) -> bool:
        return len(self.spellings or self.renderings) < 2

    @property
    def problem_status(self) -> str | None:
        """``forbidden``, ``missing`` or None (no problem) for the term as a whole."""
        if self.forbidden_found:
            return FORBIDDEN
        if self.missing:
            return MISSING
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "target": self.target,
            "expected": list(self.expected),
            "source_count": self.source_count,
            "renderings": dict(self.renderings),
            "found": self.found,
            "forbidden_found": dict(self.forbidden_found),
            "ok": self.ok,
            "missing": self.missing,
            "forbidden": self.forbidden,
            "success": self.success,
            "status": self.problem_status or OK,
            "consistent": self.consistent,
            "note": self.note,
            "accepted": None if self.accepted is None else {
                "reason": self.accepted.reason, "by": self.accepted.by, "date": self.accepted.date, "line": self.accepted.line,
            },
            "snippets": [s.to_dict() for s in self.snippets],
            "spellings": dict(self.spellings),
            "spelling": [{"paragraph": p, "found": f, "expected": e} for p, f, e in self.misspelled],
        }


@dataclass(frozen=True)
class DocumentReport:
    """The terms of one source document and its translation."""

    name: str
    source_path: str | None
    target_path: str | None
    source_paragraphs: int
    target_paragraphs: int
    terms: tuple[DocumentTerm, ...]
    numbers: NumbersReport | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    #: what the readers did not read, per side (records with ``describe()`` and ``to_dict()``)
    source_not_read: tuple[Any, ...] = ()
    target_not_read: tuple[Any, ...] = ()
    #: False when no translation was found for the source document (every occurrence missing)
    paired: bool = True
    #: spelling findings count against the rate (``--strict-spelling``; set by :func:`document_result`)
    strict_spelling: bool = False

    @property
    def occurrences(self) -> int:
        return sum(t.source_count for t in self.terms)

    def _open(self, attribute: str) -> int:
        return sum(getattr(t, attribute) for t in self.terms if t.accepted is None)

    @property
    def term_success_rate(self) -> float:
        """Done / occurrences, as the summary counts: accepted terms done, spelling findings not under strict spelling."""
        done = sum(t.ok if t.accepted is None else t.source_count for t in self.terms)
        if self.strict_spelling:
            done -= self.spelling
        return success_rate(done, self.occurrences)

    @property
    def spelling(self) -> int:
        """Spelling findings: accepted renderings not in the glossary's spelling (every term, as the summary counts)."""
        return sum(t.spelling for t in self.terms)

    @property
    def ok(self) -> int:
        return self._open("ok")

    @property
    def missing(self) -> int:
        return self._open("missing")

    @property
    def forbidden(self) -> int:
        return self._open("forbidden")

    def not_read(self) -> list[str]:
        """What was not read, as lines: ``"source: 2 equations"``."""
        return [f"{side}: {item.describe()}" for side, items in (("source", self.source_not_read), ("target", self.target_not_read))
                for item in items]

    def problems(self) -> list[DocumentTerm]:
        return [t for t in self.terms if t.problem_status is not None and t.accepted is None]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "source": self.source_path,
            "target": self.target_path,
            "source_paragraphs": self.source_paragraphs,
            "target_paragraphs": self.target_paragraphs,
            "term_occurrences": self.occurrences,
            "ok": self._open("ok"),
            "missing": self._open("missing"),
            "forbidden": self._open("forbidden"),
            "term_success_rate": self.term_success_rate,
            "inconsistent_terms": sum(1 for t in self.terms if not t.consistent),
            "spelling": self.spelling,
            "terms": [t.to_dict() for t in self.terms],
            "numbers": self.numbers.to_dict() if self.numbers is not None else None,
            "paired": self.paired,
            "not_read": {"source": [item.to_dict() for item in self.source_not_read],
                         "target": [item.to_dict() for item in self.target_not_read]},
        }


def check_document(
    glossary: Glossary,
    source_paragraphs: Sequence[str],
    target_paragraphs: Sequence[str],
    *,
    name: str,
    source_path: str | None = None,
    target_path: str | None = None,
    numbers: bool = True,
    source_not_read: Sequence[Any] = (),
    target_not_read: Sequence[Any] = (),
    paired: bool = True,
) -> DocumentReport:
    """Per-term document-level figures for one source/target document pair."""
    finder = SourceMatcher(glossary)
    counts: dict[str, int] = {}
    source_snips: dict[str, list[Snippet]] = {}
    terms_by_id = {}
    for number, paragraph in enumerate(source_paragraphs):
        for match in finder.find(paragraph):
            tid = match.term.id
            terms_by_id[tid] = match.term
            counts[tid] = counts.get(tid, 0) + 1
            snips = source_snips.setdefault(tid, [])
            if len(snips) < SNIPPETS:
                snips.append(snippet(number, paragraph, match.start, match.end, "source", CONTEXT // 3))

    ordered = [term for term in glossary.terms if term.id in counts]
    judge = SegmentJudge(glossary)
    found: dict[str, dict[str, int]] = {tid: {} for tid in counts}
    wrong: dict[str, dict[str, int]] = {tid: {} for tid in counts}
    spelled: dict[str, dict[str, int]] = {tid: {} for tid in counts}
    misspelled: dict[str, list[tuple[int, str, str]]] = {tid: [] for tid in counts}
    target_snips: dict[str, list[Snippet]] = {tid: [] for tid in counts}
    if ordered:
        for number, paragraph in enumerate(target_paragraphs):
            accepted, forbidden = target_renderings(judge, ordered, paragraph)
            for kind, by_term, tally in (("forbidden", forbidden, wrong), ("accepted", accepted, found)):
                for tid, hits in by_term.items():
                    for hit in hits:
                        tally[tid][hit.rendering] = tally[tid].get(hit.rendering, 0) + 1
                        snips = target_snips[tid]
                        if kind == "forbidden" or len(snips) < SNIPPETS:
                            snips.append(snippet(number, paragraph, hit.start, hit.end, kind))
                        if kind == "accepted":
                            wrongly = judge.misspelling(terms_by_id[tid], hit)
                            key = hit.rendering if wrongly is None else wrongly.written
                            spelled[tid][key] = spelled[tid].get(key, 0) + 1
                            if wrongly is not None:
                                misspelled[tid].append((number, hit.text, wrongly.expected))

    terms = []
    for term in ordered:
        count = counts[term.id]
        renderings = found[term.id]
        order = [r for r in term.accepted if r in renderings]
        bad_total = sum(wrong[term.id].values())
        forbidden_n = min(bad_total, count)
        ok_n = min(sum(renderings.values()), count - forbidden_n)
        # forbidden snippets first, then at most SNIPPETS in all
        target_side = sorted(target_snips[term.id], key=lambda s: s.kind != "forbidden")[:SNIPPETS]
        terms.append(
            DocumentTerm(
                id=term.id,
                source=term.source,
                target=term.target,
                expected=term.accepted,
                source_count=count,
                renderings={r: renderings[r] for r in order},
                forbidden_found=dict(wrong[term.id]),
                ok=ok_n,
                missing=count - ok_n - forbidden_n,
                forbidden=forbidden_n,
                note=term.note,
                snippets=tuple(source_snips[term.id]) + tuple(target_side),
                spellings=_ordered_spellings(spelled[term.id], term.accepted),
                misspelled=tuple(misspelled[term.id]),
            )
        )
    figures = document_numbers(source_paragraphs, target_paragraphs, name=name) if numbers else None
    return DocumentReport(
        name=name,
        source_path=source_path,
        target_path=target_path,
        source_paragraphs=len(source_paragraphs),
        target_paragraphs=len(target_paragraphs),
        terms=tuple(terms),
        numbers=figures,
        source_not_read=tuple(source_not_read),
        target_not_read=tuple(target_not_read),
        paired=paired,
    )


def _ordered_spellings(spellings: dict[str, int], renderings: Sequence[str]) -> dict[str, int]:
    """Glossary renderings first (glossary order), then the other spellings as they came."""
    order = [r for r in renderings if r in spellings] + [s for s in spellings if s not in renderings]
    return {s: spellings[s] for s in order}


def mark_document_accepted(
    documents: Sequence[DocumentReport], findings: Sequence[AcceptedFinding]
) -> tuple[list[DocumentReport], tuple[AcceptedFinding, ...]]:
    """Documents with accepted term findings marked, and the document entries that matched nothing."""
    wanted = [f for f in findings if f.document is not None and f.status != INCONSISTENT]
    used: set[int] = set()
    out = []
    for document in documents:
        terms = []
        for term in document.terms:
            status = term.problem_status
            if status is not None:
                for number, finding in enumerate(wanted):
                    if finding.matches_document(document.name, term.id, status):
                        term = replace(term, accepted=finding)
                        used.add(number)
                        break
            terms.append(term)
        out.append(replace(document, terms=tuple(terms)))
    return out, tuple(f for n, f in enumerate(wanted) if n not in used)


def document_result(
    glossary: Glossary,
    documents: Sequence[DocumentReport],
    *,
    accepted: Sequence[AcceptedFinding] | None = None,
    metrics: Metrics | None = None,
    unpaired: Sequence[Any] = (),
    strict_spelling: bool = False,
) -> CheckResult:
    """A :class:`CheckResult` for ``--granularity document``: no segments, a ``documents`` section.

    The summary and the term table add up the documents, accepted findings
    counted apart, so the exit code gates on the same figures as in segment
    mode; ``summary.segments`` is the number of source paragraphs. A term
    rendered one way in one document and another way in the next is
    inconsistent across the set. ``unpaired``: the translations that had no
    source document (a source without a translation is one of ``documents``).
    ``strict_spelling``: spelling findings count against the term success rate.
    """
    stale: tuple[AcceptedFinding, ...] = ()
    if strict_spelling:
        documents = [replace(document, strict_spelling=True) for document in documents]
    if accepted is not None:
        documents, stale = mark_document_accepted(documents, accepted)
        stale = stale + tuple(f for f in accepted if f.document is None and f.status != INCONSISTENT)
    tally: dict[str, list[int]] = {}
    used: dict[str, dict[str, int]] = {}
    spelled: dict[str, dict[str, int]] = {}
    findings: list[SpellingFinding] = []
    for document in documents:
        for term in document.terms:
            row = tally.setdefault(term.id, [0, 0, 0, 0, 0, 0])
            row[0] += term.source_count
            if term.accepted is None:
                row[1] += term.ok
                row[2] += term.missing
                row[3] += term.forbidden
            else:
                row[1] += term.ok
                row[4] += term.missing + term.forbidden
            row[5] += term.spelling
            counted = used.setdefault(term.id, {})
            for rendering, n in term.renderings.items():
                counted[rendering] = counted.get(rendering, 0) + n
            spelled_as = spelled.setdefault(term.id, {})
            for spelling, n in term.spellings.items():
                spelled_as[spelling] = spelled_as.get(spelling, 0) + n
            findings.extend(
                SpellingFinding(paragraph, None, term.id, term.source, text, expected, document=document.name)
                for paragraph, text, expected in term.misspelled
            )
    summaries = []
    for term in glossary.terms:
        occurrences, ok, missing, bad, accepted_n, misspelled = tally.get(term.id, (0, 0, 0, 0, 0, 0))
        seen = used.get(term.id, {})
        summaries.append(
            TermSummary(
                id=term.id, source=term.source, target=term.target, occurrences=occurrences, ok=ok,
                missing=missing, forbidden=bad, renderings={r: seen[r] for r in term.accepted if r in seen},
                note=term.note, accepted=accepted_n,
                spellings=_ordered_spellings(spelled.get(term.id, {}), term.accepted), spelling=misspelled,
            )
        )
    summary = summarize_terms(
        summaries, sum(d.source_paragraphs for d in documents), metrics, strict_spelling=strict_spelling
    )
    numbers = [d.numbers for d in documents if d.numbers is not None]
    merged_numbers = (
        NumbersReport(sum(n.checked for n in numbers), tuple(f for n in numbers for f in n.missing)) if numbers else None
    )
    result = CheckResult(
        glossary_name=glossary.name,
        glossary_terms=len(glossary),
        summary=summary,
        segments=(),
        terms=tuple(summaries),
        stale_accepted=stale,
        numbers=merged_numbers,
        documents=tuple(documents),
        unpaired=tuple(unpaired),
        spelling=tuple(findings),
    )
    return accept_inconsistencies(result, accepted) if accepted is not None else result
