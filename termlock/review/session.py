"""The review page's live check: the checker ``termlock check`` runs, kept warm between edits.

A session holds one :class:`~termlock.evaluate.SegmentReport` per segment,
made by :class:`~termlock.evaluate.SegmentChecker` (the judge of
:mod:`termlock.glossary.verdicts`). An edit re-checks that one segment;
the figures are then :func:`termlock.evaluate.checker.result_of` over all
reports, the accepted findings marked by the code ``--accept`` uses, so
the page shows exactly what ``termlock check --accept`` reports for the
same text. BLEU/chrF follow edits through
:class:`~termlock.evaluate.metrics.SegmentMetrics`.

Every action goes to the state file first (:mod:`termlock.review.state`),
then into memory; a session that sees another connection changed the file
reloads it. One lock serialises the actions of all browsers on a server.
"""

from __future__ import annotations

import datetime as _dt
import threading
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any, Iterable

from termlock.errors import TermlockError
from termlock.evaluate.accepted import finding_entry, finding_from_entry
from termlock.evaluate.reports.excerpt import excerpt, shift
from termlock.evaluate.records import OK, AcceptedFinding, CheckResult, SegmentReport, TermOccurrence
from termlock.glossary import Glossary
from termlock.review.setup import ReviewPaths, TEXT
from termlock.review.state import ReviewState, SegmentRow
from termlock.xmlsafe import NOT_XML_CHARS

#: rows a findings page holds at most
MAX_PAGE = 500
#: segment lines listed per rendering in the inconsistency view
MAX_LINES = 60
#: a row's filter status: the occurrence's status, "accepted", or "spelling" for an ``ok`` occurrence not in the
#: glossary's spelling (the report's spelling category: ok for the rate, listed with the glossary spelling beside it)
ACCEPTED = "accepted"
SPELLING = "spelling"
FILTER_STATUSES = ("missing", "forbidden", SPELLING, ACCEPTED, OK)


def filter_status(occ: TermOccurrence) -> str:
    """The filter box an occurrence is counted and listed under (each in exactly one)."""
    if occ.accepted is not None:
        return ACCEPTED
    if occ.status == OK and occ.spelling is not None:
        return SPELLING
    return occ.status


@dataclass(frozen=True)
class FindingQuery:
    """Which findings a page of the table shows."""

    statuses: tuple[str, ...] = ("missing", "forbidden")
    term: str | None = None
    text: str = ""
    segment: int | None = None
    offset: int = 0
    limit: int = 100
    #: a row key (``index:n``): show the page that holds it (``offset`` ignored)
    around: str | None = None


def parts(text: str, marks: Iterable[tuple[int, int, str]]) -> list[list[str | None]]:
    """``text`` cut into ``[piece, mark class or None]`` pieces: the page inserts each as text.

    Offsets are Python (code point) offsets; sending pieces instead of
    offsets spares the browser from UTF-16 arithmetic on astral characters.
    Overlapping marks keep the first one.
    """
    out: list[list[str | None]] = []
    pos = 0
    for start, end, css in sorted(marks):
        if start < pos or end <= start or end > len(text):
            continue
        if start > pos:
            out.append([text[pos:start], None])
        out.append([text[start:end], css])
        pos = end
    if pos < len(text) or not out:
        out.append([text[pos:], None])
    return out


def today() -> str:
    return _dt.date.today().isoformat()


def clean_name(name: str | None, what: str = "reviewer") -> str:
    text = " ".join((name or "").split())
    if not text:
        raise TermlockError(f"no {what} name", fix="type your name in the Reviewer box at the top of the page")
    if len(text) > 200:
        raise TermlockError(f"the {what} name is longer than 200 characters", fix="give a shorter name")
    return text


class ReviewSession:
    """What the page shows and changes, for a segment job (aligned lines or a bilingual file)."""

    def __init__(self, state: ReviewState, paths: ReviewPaths) -> None:
        self.state = state
        self.paths = paths
        self.lock = threading.RLock()
        self._plain_glossary: Glossary | None = None
        self._load()

    # ------------------------------------------------------------ loading

    def _load(self) -> None:
        from termlock.jobs.check_inputs import segment_term_lists
        from termlock.jobs.glossaries import load_job_glossaries

        record = self.state.meta("job")
        self.record = record
        self.choice = load_job_glossaries(record["glossaries"], exact=record["exact"])
        self.rows: list[SegmentRow] = self.state.segments()
        union, per_segment = segment_term_lists(record["terms"], len(self.rows), exact=record["exact"])
        self.glossary: Glossary = union if union is not None else self.choice.glossary
        self._segment_glossaries = per_segment
        self._checkers: dict[int, Any] = {}
        self._notes = {term.id: term.note for term in self.glossary.terms}
        self.reports: list[SegmentReport] = [self._check(row) for row in self.rows]
        self.metrics = None
        if record["reference"] is not None:
            from termlock.evaluate.metrics import SegmentMetrics

            self.metrics = SegmentMetrics(
                [row.target for row in self.rows], [row.reference or "" for row in self.rows], target_lang=self.glossary.target_lang
            )
        self._load_accepted()
        self._seen = self.state.seen()
        self._haystacks: dict[int, str] = {}
        self._result: CheckResult | None = None

    def _checker(self, index: int):
        """The checker of segment ``index``: the job's glossary, or its own term list (one checker per list)."""
        from termlock.evaluate import SegmentChecker

        own = self._segment_glossaries[index] if self._segment_glossaries is not None else self.glossary
        checker = self._checkers.get(id(own))  # the glossaries live as long as the session: ids are stable
        if checker is None:
            checker = self._checkers[id(own)] = SegmentChecker(own, numbers=self.record["numbers"])
        return checker

    def _check(self, row: SegmentRow) -> SegmentReport:
        return self._checker(row.index).check(row.index, row.source, row.target, row.unit_id)

    def _load_accepted(self) -> None:
        #: ``(id, finding)`` per accepted entry, oldest first; ``entries`` keeps each as it was written
        self.accepted: list[tuple[int, AcceptedFinding]] = []
        self.entries: dict[int, dict[str, Any]] = {}
        for number, entry in self.state.accepted():
            self.accepted.append((number, finding_from_entry(entry, path=self.state.path)))
            self.entries[number] = entry
        self._result = None

    def sync(self) -> None:
        """Catch up with changes another connection (a second server) committed to the state file."""
        with self.lock:
            if not self.state.changed_elsewhere():
                return
            for row in self.state.segments():
                if row.version != self.rows[row.index].version:
                    self._apply(row)
            self._load_accepted()
            self._seen = self.state.seen()

    def _apply(self, row: SegmentRow) -> None:
        self.rows[row.index] = row
        self.reports[row.index] = self._check(row)
        if self.metrics is not None:
            self.metrics.update(row.index, row.target)
        self._haystacks.pop(row.index, None)
        self._result = None

    # ------------------------------------------------------------ the result

    def result(self) -> CheckResult:
        """The check of the current text, with the accepted findings: what ``check --accept`` gives."""
        from termlock.evaluate.checker import result_of

        with self.lock:
            if self._result is None:
                metrics = self.metrics.metrics() if self.metrics is not None else None
                findings = [finding for _, finding in self.accepted]
                result = result_of(self.glossary, self.reports, metrics, accepted=findings, numbers=self.record["numbers"],
                                   strict_spelling=self.record.get("strict_spelling", False))
                self._result = replace(result, glossary_conflicts=self.choice.conflicts)
            return self._result

    def result_with(self, findings, *, accepted_file: str | None, target: str | None = None) -> CheckResult:
        """The result with other accepted findings (an exported file read back); hold :attr:`lock` while using it."""
        from termlock.evaluate.checker import result_of

        with self.lock:
            metrics = self.metrics.metrics() if self.metrics is not None else None
            result = result_of(self.glossary, self.reports, metrics, accepted=list(findings), numbers=self.record["numbers"],
                               strict_spelling=self.record.get("strict_spelling", False))
            self._result = None  # the reports now carry these marks; the page's own are made again when asked
            return replace(result, accepted_file=accepted_file, glossary_conflicts=self.choice.conflicts)

    def _accepted_ids(self) -> dict[int, int]:
        return {id(finding): number for number, finding in self.accepted}

    # ------------------------------------------------------------ views

    def overview(self) -> dict[str, Any]:
        """Everything above the table: figures, gate, worst terms, the job, counts for the filters."""
        from termlock.evaluate.gate import decide

        with self.lock:
            result = self.result()
            s = result.summary
            minimum = Fraction(self.record["min_term_success"])
            gate = decide(s.ok, s.term_occurrences, minimum, glossary_terms=result.glossary_terms, accepted=s.accepted,
                          misspelled=s.spelling if s.strict_spelling else 0)  # as check's gate (--strict-spelling)
            return {
                "kind": self.record["kind"],
                "summary": s.to_dict(),
                "accepted_findings": result.accepted_count(),
                "stale": len(result.stale_accepted),
                "numbers": None if result.numbers is None else {"checked": result.numbers.checked, "missing": len(result.numbers.missing)},
                "gate": {"applies": gate.applies, "passed": gate.passed, "text": gate.describe() if gate.applies else None,
                         "warning": gate.warning},
                "worst": [
                    {"id": t.id, "source": t.source, "ok": t.ok, "missing": t.missing, "forbidden": t.forbidden,
                     "accepted": t.accepted, "occurrences": t.occurrences}
                    for t in result.worst_terms(12)
                ],
                "counts": self._filter_counts(),
                "terms": self._term_ids(),
                "glossary": {"name": result.glossary_name, "terms": result.glossary_terms},
                "inputs": self.inputs(),
                "edited": sum(1 for row in self.rows if row.target != row.original),
                "proposals": len(self.state.proposals()),
                "cursor": self.state.meta("cursor"),
                "format": self.record["format"],
            }

    def _filter_counts(self) -> dict[str, int]:
        """Findings per filter status (accepted ones apart), for the filter boxes."""
        counts = {status: 0 for status in FILTER_STATUSES}
        for report in self.reports:
            for occ in report.terms:
                counts[filter_status(occ)] += 1
        return counts

    def _term_ids(self) -> list[str]:
        return sorted({occ.term_id for report in self.reports for occ in report.terms})

    def inputs(self) -> dict[str, str | None]:
        record = self.record
        return {
            "source": record["bilingual"] or record["source"],
            "target": record["bilingual"] or record["target"],
            "reference": record["reference"],
            "glossaries": ", ".join(record["glossaries"]) or "bundled glossary",
            "state": self.state.path,
            "additions": self.paths.additions,
        }

    def findings(self, query: FindingQuery) -> dict[str, Any]:
        """One page of the findings table and how many rows the filters let through."""
        with self.lock:
            self.result()  # accepted marks up to date
            wanted = set(query.statuses)
            needle = query.text.casefold().strip()
            limit = max(1, min(query.limit, MAX_PAGE))
            offset = max(0, query.offset)
            ids = self._accepted_ids()
            matches: list[tuple[SegmentReport, int, TermOccurrence]] = []
            reports = self.reports if query.segment is None else self.reports[query.segment : query.segment + 1]
            for report in reports:
                if not report.terms:
                    continue
                if needle and needle not in self._haystack(report):
                    continue
                for number, occ in enumerate(report.terms):
                    if query.segment is None and filter_status(occ) not in wanted:
                        continue
                    if query.term and occ.term_id != query.term:
                        continue
                    matches.append((report, number, occ))
            if query.around is not None:
                keys = [f"{report.index}:{number}" for report, number, _ in matches]
                if query.around in keys:
                    offset = keys.index(query.around) // limit * limit
            if offset >= len(matches) and matches:
                offset = (len(matches) - 1) // limit * limit
            page = [self._row(report, number, occ, ids) for report, number, occ in matches[offset : offset + limit]]
            return {"rows": page, "total": len(matches), "offset": offset, "limit": limit}

    def _haystack(self, report: SegmentReport) -> str:
        text = self._haystacks.get(report.index)
        if text is None:
            row = self.rows[report.index]
            words = [report.source, report.target, row.unit_id or "", str(report.index + 1)]
            for occ in report.terms:
                words += [occ.term_id, *occ.expected]
            text = self._haystacks[report.index] = "\n".join(words).casefold()
        return text

    def _row(self, report: SegmentReport, number: int, occ: TermOccurrence, ids: dict[int, int]) -> dict[str, Any]:
        source_text, source_at = excerpt(report.source, [occ.source_span])
        target_text, target_at = excerpt(report.target, [occ.forbidden_span, occ.found_span])
        target_marks = []
        if occ.forbidden_span is not None:
            target_marks.append((*shift(occ.forbidden_span, target_at), "bad"))
        if occ.found_span is not None:
            target_marks.append((*shift(occ.found_span, target_at), "good"))
        row = self.rows[report.index]
        accepted = None
        if occ.accepted is not None:
            a = occ.accepted
            accepted = {"id": ids.get(id(a)), "reason": a.reason, "by": a.by, "date": a.date}
        return {
            "key": f"{report.index}:{number}",
            "index": report.index,
            "n": number,
            "line": report.index + 1,
            "unit": report.id,
            "term": occ.term_id,
            "term_source": occ.source,
            "status": occ.status,
            "expected": list(occ.expected),
            "found": occ.found,
            "forbidden_found": occ.forbidden_found,
            # a spelling finding: what was written, and the glossary's spelling of it (as check's report lists it)
            "spelling": None if occ.spelling is None else {"found": occ.found, "expected": occ.spelling.expected},
            "source": parts(source_text, [(*shift(occ.source_span, source_at), "term")]),
            "target": parts(target_text, target_marks),
            "note": self._notes.get(occ.term_id),
            "accepted": accepted,
            "edited": row.target != row.original,
            "seen": report.index in self._seen,
            "version": row.version,
        }

    def segment(self, index: int) -> dict[str, Any]:
        """A whole segment for the editor: full texts, version, who changed it last, its findings."""
        with self.lock:
            self._require(index)
            self.result()
            row = self.rows[index]
            report = self.reports[index]
            ids = self._accepted_ids()
            return {
                "index": index,
                "line": index + 1,
                "unit": row.unit_id,
                "source": row.source,
                "target": row.target,
                "original": row.original,
                "reference": row.reference,
                "version": row.version,
                "edited_by": row.edited_by,
                "edited_at": row.edited_at,
                "rows": [self._row(report, n, occ, ids) for n, occ in enumerate(report.terms)],
                "one_line": self.record["format"] == TEXT,
            }

    def paragraphs(self, text: str, offset: int, limit: int) -> dict[str, Any]:
        raise TermlockError("paragraphs belong to a review of whole documents", fix="use the findings table")

    def _require(self, index: int) -> None:
        if not isinstance(index, int) or not 0 <= index < len(self.rows):
            raise TermlockError(f"no segment {index}", fix=f"give a segment from 0 to {len(self.rows) - 1}")

    def terms(self) -> list[dict[str, Any]]:
        with self.lock:
            return [
                {"id": t.id, "source": t.source, "target": t.target, "occurrences": t.occurrences, "ok": t.ok,
                 "missing": t.missing, "forbidden": t.forbidden, "accepted": t.accepted,
                 "success": t.success_rate, "renderings": dict(t.renderings), "note": t.note}
                for t in self.result().used_terms
            ]

    def inconsistent(self) -> list[dict[str, Any]]:
        """The whole-document view: terms rendered or spelled in two or more accepted ways, with where each is used.

        By spelling, as the check judges consistency: "State owned enterprises"
        beside the glossary's "state-owned enterprise" is a rendering of its own.
        """
        with self.lock:
            out = []
            for t in self.result().inconsistent:
                counts = t.spellings or t.renderings
                lines = t.segments_by_spelling if t.spellings else t.segments_by_rendering
                out.append({
                    "id": t.id, "source": t.source, "target": t.target, "note": t.note,
                    "renderings": [
                        {"rendering": r, "count": n, "canonical": r == t.target,
                         "segments": list(lines.get(r, ())[:MAX_LINES]),
                         "more": max(0, len(lines.get(r, ())) - MAX_LINES)}
                        for r, n in counts.items()
                    ],
                })
            return out

    def accepted_list(self) -> dict[str, Any]:
        """Every accepted entry: what it accepts now, and the stale ones that match nothing."""
        with self.lock:
            result = self.result()
            stale = {id(f) for f in result.stale_accepted}
            matched: dict[int, list[int]] = {}
            for segment, occ in result.accepted_findings():
                matched.setdefault(id(occ.accepted), []).append(segment.index)
            entries = []
            for number, finding in self.accepted:
                entry = dict(self.entries[number])
                entry.pop("source", None)  # the segment is named; a 100 KB source would bury the list
                entries.append({"id": number, "entry": entry, "stale": id(finding) in stale,
                                "segments": sorted(set(matched.get(id(finding), [])))[:MAX_LINES]})
            return {"entries": entries, "stale": len(stale)}

    def numbers(self) -> list[dict[str, Any]]:
        with self.lock:
            result = self.result()
            if result.numbers is None:
                return []
            return [
                {"index": f.index, "line": f.index + 1, "unit": f.segment_id, "figure": f.figure.text,
                 "expected": f.figure.english, "kind": f.figure.kind}
                for f in result.numbers.missing
            ]

    def proposals(self) -> list[dict[str, Any]]:
        return self.state.proposals()

    # ------------------------------------------------------------ actions

    def edit(self, index: int, text: str, version: int, by: str | None) -> dict[str, Any]:
        """Save a corrected target if nobody changed it since ``version``; it is re-checked at once."""
        with self.lock:
            self.sync()
            self._require(index)
            text = self._clean_target(index, text)
            row = self.state.edit(index, text, version, clean_name(by))
            self._apply(row)
            return self.segment(index)

    def _clean_target(self, index: int, text: str) -> str:
        """The text as the exported file will hold it (and ``check`` will read it back)."""
        from termlock.documents.text import single_line

        if not isinstance(text, str):
            raise TermlockError("the new target must be text", fix="send the corrected translation as a string")
        if "\x00" in text:
            raise TermlockError("the new target holds a NUL character", fix="remove it")
        if self.record["format"] == TEXT:
            # one segment per line: a line break would shift every segment after it
            return single_line(text)
        bad = NOT_XML_CHARS.search(text)  # a bilingual target is XML
        if bad:
            raise TermlockError(f"the new target holds the control character U+{ord(bad.group()):04X}, which XML cannot hold",
                                fix="remove it")
        text = text.strip()  # a bilingual file's target is read back trimmed
        if not text:
            raise TermlockError("a unit's translation cannot be emptied here", fix="type the corrected translation")
        self._refuse_locked(index)
        return text

    def _refuse_locked(self, index: int) -> None:
        locked = getattr(self, "_locked_units", None)
        if locked is None:
            from termlock.review.setup import stored_target_store

            store = stored_target_store(self.state, self.record)
            locked = self._locked_units = {unit.id for unit in store.units
                                           if unit.meta.get("status") == "locked" or unit.meta.get("approved")}
        row = self.rows[index]
        if row.unit_id in locked:
            raise TermlockError(
                f"unit {row.unit_id} is locked in the CAT file (approved, final or not to be translated)",
                fix="unlock it in the CAT tool to change it; its findings can still be accepted",
            )

    def accept(self, index: int, n: int, reason: str, by: str | None) -> dict[str, Any]:
        """Accept the problem ``n`` of segment ``index`` with a reason; it leaves the problem list."""
        with self.lock:
            self.sync()
            self._require(index)
            self.result()
            report = self.reports[index]
            if not isinstance(n, int) or not 0 <= n < len(report.terms):
                raise TermlockError(f"segment {index + 1} has no finding {n}", fix="reload the page")
            occ = report.terms[n]
            if occ.status == OK:
                raise TermlockError("this finding is ok: there is nothing to accept", fix="reload the page")
            if occ.accepted is not None:
                raise TermlockError("this finding is already accepted", fix="reload the page")
            who = clean_name(by)
            entry = finding_entry(report, occ, reason=" ".join((reason or "").split()), by=who, date=today())
            finding_from_entry(entry)  # the file's rules: a reason and a name are required
            self.state.accept(entry, who)
            self._load_accepted()
            return self.segment(index)

    def withdraw(self, accepted_id: int, by: str | None) -> dict[str, Any]:
        """An accepted finding becomes a problem again (or a stale entry is dropped)."""
        with self.lock:
            self.sync()
            self.state.withdraw(accepted_id, clean_name(by))
            self._load_accepted()
            return {"withdrawn": accepted_id}

    def undo(self, by: str | None) -> dict[str, Any]:
        """Take back the reviewer's latest edit, acceptance, withdrawal or proposal."""
        with self.lock:
            self.sync()
            undone = self.state.undo(clean_name(by))
            if undone["kind"] == "edit":
                self._apply(self.state.segment(undone["index"]))
            elif undone["kind"] in ("accept", "withdraw"):
                self._load_accepted()
            elif undone["kind"] == "propose":
                self._write_additions()
            return undone

    def propose(self, term_id: str, rendering: str, reason: str, by: str | None, index: int | None) -> dict[str, Any]:
        """Record "this rendering is acceptable" for the terminologist (glossary-additions file, never the glossary)."""
        from termlock.review.additions import build_additions

        with self.lock:
            self.sync()
            who = clean_name(by)
            rendering = " ".join((rendering or "").split())
            reason = " ".join((reason or "").split())
            if not rendering:
                raise TermlockError("no rendering to propose", fix="type the rendering that should be accepted")
            if not reason:
                raise TermlockError("a proposal needs a reason", fix="say why this rendering is acceptable")
            term = next((t for t in self.plain_glossary().terms if t.id == term_id), None)
            if term is None:
                raise TermlockError(f"no term {term_id!r} in the glossary", fix="propose a variant of a term of this review")
            if index is not None:
                self._require(index)
            proposal = {"term": term_id, "rendering": rendering, "reason": reason, "by": who, "date": today(), "index": index}
            build_additions(self.plain_glossary(), [*self.state.proposals(), proposal])  # refuses what the glossary rules refuse
            number = self.state.propose(term_id, rendering, reason, who, index)
            self._write_additions()
            return {"id": number, "additions": self.paths.additions}

    def plain_glossary(self) -> Glossary:
        """The glossary as its files define it (no --exact rewrite): what proposals extend."""
        if self._plain_glossary is None:
            if self.record["terms"] is not None or not self.record["exact"]:
                self._plain_glossary = self.glossary
            else:
                from termlock.jobs.glossaries import load_job_glossaries

                self._plain_glossary = load_job_glossaries(self.record["glossaries"]).glossary
        return self._plain_glossary

    def _write_additions(self) -> None:
        from termlock.review.additions import write_additions

        write_additions(self.paths.additions, self.plain_glossary(), self.state.proposals())

    def set_cursor(self, cursor: dict[str, Any]) -> None:
        """Where the reviewer is (restored when the page opens again); the segment counts as seen."""
        with self.lock:
            index = cursor.get("index")
            self._require(index)
            self.state.set_meta("cursor", {"index": index, "n": cursor.get("n"), "key": cursor.get("key")})
            if index not in self._seen:
                self.state.mark_seen(index)
                self._seen.add(index)

