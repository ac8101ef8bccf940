"""The review page for ``--granularity document``: whole documents, per-term findings, editable paragraphs.

A document check does not pair paragraphs: per term it counts the source
occurrences and the renderings found anywhere in the target
(:mod:`termlock.evaluate.document_check`). So a finding here is a term of
the document (missing, forbidden or ok as a whole), accepted with a
``document:`` entry, and what the reviewer edits is a paragraph of the
target; after each edit the whole document is checked again with
:func:`termlock.jobs.check_inputs.document_check`, the function ``termlock
check --granularity document`` runs, so the figures are that command's.
"""

from __future__ import annotations

from typing import Any

from termlock.errors import TermlockError
from termlock.evaluate.accepted import finding_from_entry
from termlock.evaluate.records import OK, CheckResult
from termlock.review.session import ACCEPTED, FILTER_STATUSES, MAX_PAGE, SPELLING, FindingQuery, ReviewSession, clean_name, parts, today


class DocumentSession(ReviewSession):
    """What the page shows and changes for one source/target document pair."""

    def _load(self) -> None:
        from termlock.jobs.glossaries import load_job_glossaries

        record = self.record = self.state.meta("job")
        self.choice = load_job_glossaries(record["glossaries"], exact=record["exact"])
        self.glossary = self.choice.glossary
        if record["terms"] is not None:  # the report names the terms of the list, as check does
            from termlock.jobs.check_inputs import read_term_lists_for

            self.glossary = read_term_lists_for(record["terms"], 1, "documents", exact=record["exact"]).glossary
        self.rows = self.state.segments()
        self.sources: list[str] = self.state.meta("source_paragraphs") or []
        self.references: list[str] | None = self.state.meta("reference_paragraphs")
        self._notes = {term.id: term.note for term in self.glossary.terms}
        self.metrics = None
        self._load_accepted()
        self._seen = self.state.seen()
        self._result = None

    def sync(self) -> None:
        with self.lock:
            if not self.state.changed_elsewhere():
                return
            self.rows = self.state.segments()
            self._load_accepted()
            self._seen = self.state.seen()

    def _apply(self, row) -> None:
        self.rows[row.index] = row
        self._result = None

    def _check(self, findings, accepted_file: str | None, target: str | None = None) -> CheckResult:
        """The document check of the current paragraphs; ``target``: the path the document is named by (default the input's)."""
        from termlock.jobs.check_inputs import document_check

        record = self.record
        result = document_check(
            self.choice, self.sources, [row.target for row in self.rows], source=record["source"],
            target=target or record["target"],
            references=self.references, terms=record["terms"], accepted=tuple(findings), accepted_path=accepted_file,
            numbers=record["numbers"], exact=record["exact"], strict_spelling=record.get("strict_spelling", False),
        )
        return result

    def result(self) -> CheckResult:
        with self.lock:
            if self._result is None:
                self._result = self._check([finding for _, finding in self.accepted], None)
            return self._result

    def result_with(self, findings, *, accepted_file: str | None, target: str | None = None) -> CheckResult:
        with self.lock:
            return self._check(list(findings), accepted_file, target)

    # ------------------------------------------------------------ views

    def _document(self):
        return self.result().documents[0]

    def _filter_counts(self) -> dict[str, int]:
        counts = {status: 0 for status in FILTER_STATUSES}
        for term in self._document().terms:
            counts[self._status(term)] += 1
        return counts

    def _term_ids(self) -> list[str]:
        return sorted(term.id for term in self._document().terms)

    @staticmethod
    def _status(term) -> str:
        if term.accepted is not None:
            return ACCEPTED
        return term.problem_status or (SPELLING if term.misspelled else OK)

    def findings(self, query: FindingQuery) -> dict[str, Any]:
        with self.lock:
            document = self._document()
            ids = self._accepted_ids()
            wanted = set(query.statuses)
            needle = query.text.casefold().strip()
            limit = max(1, min(query.limit, MAX_PAGE))
            matches = []
            for term in document.terms:
                if self._status(term) not in wanted or (query.term and term.id != query.term):
                    continue
                if needle:
                    words = [term.id, term.source, *term.expected, *(s.text for s in term.snippets)]
                    if needle not in "\n".join(words).casefold():
                        continue
                matches.append(term)
            offset = max(0, query.offset)
            if query.around is not None:
                keys = [f"doc:{term.id}" for term in matches]
                if query.around in keys:
                    offset = keys.index(query.around) // limit * limit
            rows = [self._term_row(document, term, ids) for term in matches[offset : offset + limit]]
            return {"rows": rows, "total": len(matches), "offset": offset, "limit": limit}

    def _term_row(self, document, term, ids: dict[int, int]) -> dict[str, Any]:
        accepted = None
        if term.accepted is not None:
            a = term.accepted
            accepted = {"id": ids.get(id(a)), "reason": a.reason, "by": a.by, "date": a.date}
        return {
            "kind": "document",
            "key": f"doc:{term.id}",
            "document": document.name,
            "term": term.id,
            "term_source": term.source,
            "status": term.problem_status or OK,
            "expected": list(term.expected),
            "source_count": term.source_count,
            "renderings": dict(term.renderings),
            "forbidden_found": dict(term.forbidden_found),
            # spelling findings: per paragraph what was written and the glossary's spelling (as check's report)
            "spelling": [{"paragraph": p, "found": f, "expected": e} for p, f, e in term.misspelled] or None,
            "ok": term.ok,
            "missing": term.missing,
            "forbidden": term.forbidden,
            "snippets": [
                {"paragraph": s.paragraph, "kind": s.kind,
                 "parts": parts(s.text, [(s.start, s.end, {"source": "term", "forbidden": "bad"}.get(s.kind, "good"))])}
                for s in term.snippets
            ],
            "note": self._notes.get(term.id),
            "accepted": accepted,
            "seen": False,
            "edited": False,
        }

    def segment(self, index: int) -> dict[str, Any]:
        with self.lock:
            self._require(index)
            row = self.rows[index]
            return {
                "index": index, "line": index + 1, "unit": None, "source": None, "target": row.target,
                "original": row.original, "reference": None, "version": row.version,
                "edited_by": row.edited_by, "edited_at": row.edited_at, "rows": [], "one_line": True,
            }

    def paragraphs(self, text: str, offset: int, limit: int) -> dict[str, Any]:
        """One page of the target's paragraphs (filtered by text), for editing."""
        with self.lock:
            needle = text.casefold().strip()
            chosen = [row for row in self.rows if not needle or needle in row.target.casefold()]
            limit = max(1, min(limit, MAX_PAGE))
            offset = max(0, min(offset, max(0, len(chosen) - 1) // limit * limit))
            rows = [
                {"index": row.index, "text": parts(row.target, []), "edited": row.target != row.original, "version": row.version}
                for row in chosen[offset : offset + limit]
            ]
            return {"rows": rows, "total": len(chosen), "offset": offset}

    def inconsistent(self) -> list[dict[str, Any]]:
        with self.lock:
            return [
                {"id": t.id, "source": t.source, "target": t.target, "note": t.note,
                 "renderings": [{"rendering": r, "count": n, "canonical": r == t.target, "segments": [], "more": 0}
                                for r, n in (t.spellings or t.renderings).items()]}  # by spelling, as check judges
                for t in self.result().inconsistent
            ]

    def accepted_list(self) -> dict[str, Any]:
        with self.lock:
            stale = {id(f) for f in self.result().stale_accepted}
            entries = [{"id": number, "entry": dict(self.entries[number]), "stale": id(finding) in stale, "segments": []}
                       for number, finding in self.accepted]
            return {"entries": entries, "stale": len(stale)}

    def numbers(self) -> list[dict[str, Any]]:
        with self.lock:
            result = self.result()
            if result.numbers is None:
                return []
            return [{"index": None, "line": None, "unit": f"source ¶{f.index + 1}", "figure": f.figure.text,
                     "expected": f.figure.english, "kind": f.figure.kind} for f in result.numbers.missing]

    # ------------------------------------------------------------ actions

    def _clean_target(self, index: int, text: str) -> str:
        if not isinstance(text, str):
            raise TermlockError("the new paragraph must be text", fix="send the corrected paragraph as a string")
        if "\x00" in text:
            raise TermlockError("the new paragraph holds a NUL character", fix="remove it")
        text = " ".join(text.split())  # a paragraph is read back as one line of single spaces
        if not text:
            raise TermlockError("a paragraph cannot be emptied here", fix="type the corrected paragraph")
        return text

    def accept(self, index: int, n: int, reason: str, by: str | None) -> dict[str, Any]:
        raise TermlockError("a document review accepts terms, not segment findings", fix="send the term to accept")

    def accept_term(self, term_id: str, reason: str, by: str | None) -> dict[str, Any]:
        """Accept a term's problem in the whole document (a ``document:`` entry of accepted.yaml)."""
        with self.lock:
            self.sync()
            document = self._document()
            term = next((t for t in document.terms if t.id == term_id), None)
            if term is None:
                raise TermlockError(f"the document has no term {term_id!r}", fix="reload the page")
            if term.accepted is not None:
                raise TermlockError("this finding is already accepted", fix="reload the page")
            if term.problem_status is None:
                raise TermlockError("this term is ok: there is nothing to accept", fix="reload the page")
            who = clean_name(by)
            entry = {"term": term.id, "document": document.name, "status": term.problem_status,
                     "reason": " ".join((reason or "").split()), "by": who, "date": today()}
            finding_from_entry(entry)
            self.state.accept(entry, who)
            self._load_accepted()
            return {"accepted": term.id}

    def set_cursor(self, cursor: dict[str, Any]) -> None:
        with self.lock:
            self.state.set_meta("cursor", {"index": None, "n": None, "key": cursor.get("key")})

