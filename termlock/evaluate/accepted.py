"""Accepted findings: problems a reviewer has looked at and let stand.

A quotation must keep the rendering of its time, a name is spelt as its
owner spells it: a reviewer accepts such findings once, with a reason, and
later runs show them apart instead of failing the gate on them again. The
file (``--accept accepted.yaml``) is YAML, safe-loaded:

.. code-block:: yaml

    accepted:
      - term: dual-cores          # glossary term id
        segment: 12               # the segment: its id (XLIFF unit, JSONL id) or its line number
        # source: 沈阳、大连"双核"…  # ... or the segment's source text instead of segment
        # document: report.docx   # ... or, for --granularity document, the document
        status: forbidden         # optional: only this status is accepted
        reason: quotation from the 2003 plan keeps its wording
        by: Li Wei
        date: 2026-11-30

An accepted finding does not count as a problem, nor against the term
success rate (it counts as done), nor in the exit code; an entry that no
longer matches anything is *stale* and listed as such, so the file does not
silently accumulate exemptions for text that has changed. ``--write-accepted``
writes every current finding in this form, with an empty reason the
reviewer must fill in (an empty reason is refused on load).
"""

from __future__ import annotations

import datetime as _dt
import difflib
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import yaml

from termlock import yamlsafe
from termlock.errors import Problem, ProblemsError, TermlockError
from termlock.evaluate.records import AcceptedFinding, CheckResult, SegmentReport, TermOccurrence
from termlock.inputs import decode_utf8, read_input

KEYS = ("term", "segment", "source", "document", "status", "reason", "by", "date", "found")
#: an inconsistent rendering is a finding about a term across the document, not about one segment
INCONSISTENT = "inconsistent"
ACCEPTABLE_STATUSES = ("missing", "forbidden", INCONSISTENT)
_FIX = "each entry needs term, one of segment/source/document, a reason and who accepted it (by)"


_YAML = "tag:yaml.org,2002:"
#: the scalar tags a plain entry may carry (what YAML resolves by itself)
_PLAIN_TAGS = frozenset(_YAML + name for name in ("str", "int", "float", "bool", "null", "timestamp"))
#: fields whose value is an identifier or the text itself, kept exactly as written (an XLIFF unit id " 7 ")
_EXACT = ("segment", "source", "document", "found")


def _value(key: str, node: yaml.ScalarNode) -> str | None:
    """A field's text as written: ``reason: no`` is the reason "no", ``segment: 012`` the id "012".

    YAML would make the first ``False`` and the second the octal number 10;
    an accepted-findings file is text a reviewer typed, so a value is its
    characters. Only an empty value or an explicit null (``~``, ``null``)
    is no value.
    """
    if node.tag == _YAML + "null":
        return None
    text = node.value if key in _EXACT else node.value.strip()
    return text if text.strip() else None


def _did_you_mean(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f"did you mean {close[0]!r}?" if close else f"use only: {', '.join(choices)}"


def parse_accepted(text: str, path: str = "<accepted>") -> tuple[AcceptedFinding, ...]:
    """The entries of an accepted-findings YAML text.

    Every problem of the file is found and listed at once
    (:class:`ProblemsError`), each with its line; the YAML is composed with
    :mod:`termlock.yamlsafe`'s guards (no aliases, no deep nesting, no NUL).
    """
    root = yamlsafe.compose(text, path, what="accepted-findings file", needs="an accepted-findings file needs three")
    if root is None:
        return ()
    entries_node = root
    if isinstance(root, yaml.MappingNode):
        found = [value for key, value in root.value if isinstance(key, yaml.ScalarNode) and key.value == "accepted"]
        if not found:
            raise TermlockError("no 'accepted' list", path=path, line=1, fix="write 'accepted:' followed by a list of entries")
        entries_node = found[0]
    if isinstance(entries_node, yaml.ScalarNode) and entries_node.tag == _YAML + "null":
        return ()
    if not isinstance(entries_node, yaml.SequenceNode):
        raise TermlockError("'accepted' must be a list", path=path, line=entries_node.start_mark.line + 1, fix=_FIX)
    problems: list[Problem] = []
    findings = []
    for node in entries_node.value:
        line = node.start_mark.line + 1

        def problem(message: str, fix: str, at: int = line) -> None:
            problems.append(Problem(path, at, message, fix))

        if not isinstance(node, yaml.MappingNode):
            problem("an entry must be a mapping (term: ..., reason: ...)", _FIX)
            continue
        fields: dict[str, str | None] = {}
        for key_node, value_node in node.value:
            at = key_node.start_mark.line + 1
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key not in KEYS:
                shown = key if key is not None else "a key that is not text"
                problem(f"unknown key {shown!r}", _did_you_mean(str(key), KEYS), at)
                continue
            if key in fields:
                problem(f"key {key!r} appears twice in this entry", "keep one of them", at)
                continue
            if not isinstance(value_node, yaml.ScalarNode):
                kind = "list" if isinstance(value_node, yaml.SequenceNode) else "mapping"
                problem(f"{key!r} must be a single value, not a {kind}", f"write {key}: VALUE on one line", at)
                fields[key] = None
                continue
            if value_node.tag not in _PLAIN_TAGS:
                problem(f"unsupported YAML tag {value_node.tag} on {key!r}", "remove the tag and write plain text", at)
                fields[key] = None
                continue
            if value_node.tag == yamlsafe.TIMESTAMP_TAG and not yamlsafe.valid_date(value_node):
                bad = yamlsafe.date_problem(value_node, path)
                problem(bad.message, bad.fix or "", at)
            fields[key] = _value(key, value_node)
        for message, fix in _entry_problems(fields):
            problem(message, fix)
        if fields.get("term") is not None:
            findings.append(_finding(fields, path, line))
    if problems:
        raise ProblemsError(problems, "accepted findings")
    return tuple(findings)


def _entry_problems(fields: Mapping[str, str | None]) -> list[tuple[str, str]]:
    """What is wrong with one entry's fields (message, fix): the file's rules, entry by entry."""
    get = fields.get
    term = get("term")
    if term is None:
        return [("entry without a term id", _FIX)]
    problems = []
    if get("segment") is None and get("source") is None and get("document") is None and get("status") != INCONSISTENT:
        problems.append((f"entry for {term!r} names no segment, source or document", _FIX))
    if get("reason") is None:
        problems.append((f"entry for {term!r} has no reason", "write why this finding is accepted, or delete the entry"))
    if get("by") is None:
        problems.append((f"entry for {term!r} does not say who accepted it", "add 'by: NAME'"))
    status = get("status")
    if status is not None and status not in ACCEPTABLE_STATUSES:
        problems.append((f"status {status!r} cannot be accepted", f"use {', '.join(ACCEPTABLE_STATUSES)}, or leave status out"))
    return problems


def _finding(fields: Mapping[str, str | None], path: str, line: int | None) -> AcceptedFinding:
    get = fields.get
    return AcceptedFinding(
        term=get("term") or "", reason=get("reason") or "", by=get("by") or "", date=get("date"),
        segment=get("segment"), source=get("source"), document=get("document"),
        status=get("status"), path=path, line=line, found=get("found"),
    )


def _entry_text(key: str, value: Any) -> str | None:
    """A field of an entry built in code (the review page's), read by the file's rule: the value as written."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if not isinstance(value, (str, int, float)):
        return None
    text = str(value) if key in _EXACT else str(value).strip()
    return text if text.strip() else None


def finding_from_entry(value: Mapping[str, Any], *, path: str = "<accepted>", line: int | None = None) -> AcceptedFinding:
    """One entry (a mapping with the keys of :data:`KEYS`) as an :class:`AcceptedFinding`; every problem of it raised.

    The rules of the file, entry by entry: :func:`parse_accepted` applies
    them to each entry it reads, the review page to each finding it accepts
    and to each entry it stores, so a finding accepted on the page matches
    what the exported file does.
    """
    if not isinstance(value, Mapping):
        raise TermlockError("an entry must be a mapping (term: ..., reason: ...)", path=path, line=line, fix=_FIX)
    problems = [Problem(path, line, f"unknown key {key!r}", _did_you_mean(str(key), KEYS)) for key in value if key not in KEYS]
    fields = {key: _entry_text(key, value.get(key)) for key in KEYS}
    problems += [Problem(path, line, message, fix) for message, fix in _entry_problems(fields)]
    if problems:
        raise ProblemsError(problems, "accepted findings")
    return _finding(fields, path, line)


def refuse_unknown_terms(findings: Sequence[AcceptedFinding], term_ids: Iterable[str]) -> None:
    """Every entry must name a term of the run's glossary: a typo is an error, not a "stale" entry.

    A stale entry is one whose finding went away (the translation was
    fixed); an entry for a term the glossary does not have can never match
    and would hide the reviewer's mistake behind that word.
    """
    known = list(dict.fromkeys(term_ids))
    known_set = set(known)
    problems = [
        Problem(finding.path or "<accepted>", finding.line, f"term {finding.term!r} is not in the glossary",
                f"{_did_you_mean(finding.term, known)} (term ids are listed by termlock glossary show)"
                if known else "check the term id")
        for finding in findings
        if finding.term not in known_set
    ]
    if problems:
        raise ProblemsError(problems, "accepted findings")


def load_accepted(path: str | Path) -> tuple[AcceptedFinding, ...]:
    name = str(path)
    data = read_input(name, "--accept", stdin=False, missing_fix="check the path, or create it with --write-accepted")
    return parse_accepted(decode_utf8(data, name, "--accept"), name)


def mark_accepted(
    reports: Iterable[SegmentReport], findings: Sequence[AcceptedFinding], *, replace_marks: bool = False
) -> tuple[list[SegmentReport], tuple[AcceptedFinding, ...]]:
    """Segment reports with accepted problems marked, and the entries that matched nothing.

    Only problems (``missing``/``forbidden``) can be accepted. One entry may
    cover several occurrences (the same term twice in one segment).
    ``replace_marks``: clear the marks of an earlier call first (reports
    that are marked again, as the review page does when a finding is no
    longer accepted); fresh reports carry none.
    """
    segment_findings = [f for f in findings if f.document is None and f.status != INCONSISTENT]
    used: set[int] = set()
    out = []
    for report in reports:
        if replace_marks:
            for occ in report.terms:
                occ.accepted = None
        if segment_findings and any(occ.status != "ok" for occ in report.terms):
            for occ in report.terms:
                if occ.status == "ok":
                    continue
                for number, finding in enumerate(segment_findings):
                    if finding.matches_segment(report, occ):
                        occ.accepted = finding
                        used.add(number)
                        break
        out.append(report)
    stale = tuple(f for n, f in enumerate(segment_findings) if n not in used)
    return out, stale


class _TemplateDumper(yaml.SafeDumper):
    """The safe dumper, writing text with a line-break character YAML would fold as a double-quoted escape.

    PyYAML writes U+0085 (NEL), U+2028 and U+2029 raw inside a plain or
    single-quoted scalar, where a YAML reader folds them into a space: the
    entry would then match no segment. Double quotes escape them (``\\N``,
    ``\\L``, ``\\P``), so every string reads back as written.
    """


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = '"' if any(ch in text for ch in "\x85\u2028\u2029") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_TemplateDumper.add_representer(str, _represent_text)


def accept_inconsistencies(result: CheckResult, findings: Sequence[AcceptedFinding]) -> CheckResult:
    """``result`` with its ``status: inconsistent`` entries applied.

    Such an entry accepts a term rendered in several accepted ways across
    the document (a quotation keeps an older rendering); it matches while
    the term is inconsistent and is stale once the term is consistent.
    """
    wanted = [finding for finding in findings if finding.status == INCONSISTENT]
    if not wanted:
        return result
    open_terms = {term.id for term in result.inconsistent}
    taken: dict[str, AcceptedFinding] = {}
    stale = []
    for finding in wanted:
        if finding.term in open_terms and finding.term not in taken:
            taken[finding.term] = finding
        else:
            stale.append(finding)
    return replace(result, accepted_inconsistent=tuple(taken.values()), stale_accepted=result.stale_accepted + tuple(stale))


def _renderings(term) -> str:  # noqa: ANN001 - a TermSummary
    """The renderings of an inconsistent term as consistency counts them: by spelling."""
    return "; ".join(f"{rendering} x{count}" for rendering, count in (term.spellings or term.renderings).items())


#: the comment lines an accepted-findings file starts with
HEADER = (
    "# termlock accepted findings. Keep the entries you accept, write each one's reason,",
    "# delete the others; then run termlock check ... --accept THIS_FILE.",
    "# An entry matches a finding by term id and segment (its id, or its line number).",
)


def segment_key(segment: SegmentReport) -> str | int:
    """How an entry names a segment: its id (XLIFF unit, JSONL id), else its 1-based line number."""
    return segment.id if segment.id is not None else segment.index + 1


def finding_entry(segment: SegmentReport, occurrence: TermOccurrence, *, reason: str, by: str, date: str) -> dict[str, Any]:
    """One segment finding as an accepted-findings entry (keys in the file's order)."""
    found = occurrence.forbidden_found or occurrence.found
    return {
        "term": occurrence.term_id,
        "segment": segment_key(segment),
        "source": segment.source,
        "status": occurrence.status,
        **({"found": found} if found else {}),
        "reason": reason,
        "by": by,
        "date": date,
    }


def accepted_text(entries: Sequence[Mapping[str, Any]], header: Sequence[str] = HEADER) -> str:
    """An accepted-findings file holding ``entries`` (mappings with the keys of :data:`KEYS`).

    The one writer of the format: ``--write-accepted`` and the review page's
    export both go through it, and :func:`parse_accepted` reads it back.
    """
    lines = [*header, "accepted:"]
    if not entries:
        lines[-1] = "accepted: []"
        return "\n".join(lines) + "\n"
    body = yaml.dump([dict(entry) for entry in entries], Dumper=_TemplateDumper, allow_unicode=True, sort_keys=False,
                     width=4096, default_flow_style=False)
    lines.extend("  " + line for line in body.rstrip("\n").split("\n"))
    return "\n".join(lines) + "\n"


def accepted_template(result: CheckResult, *, by: str, date: str | None = None) -> str:
    """YAML for ``--write-accepted``: every open finding, reason left for the reviewer."""
    day = date or _dt.date.today().isoformat()
    entries = [finding_entry(segment, occ, reason="", by=by, date=day) for segment, occ in result.problems()]
    for term in result.open_inconsistent():
        entries.append(
            {"term": term.id, "status": INCONSISTENT, "found": _renderings(term), "reason": "", "by": by, "date": day}
        )
    for document in getattr(result, "documents", None) or ():
        for term in document.terms:
            if term.problem_status is not None and term.accepted is None:
                entries.append(
                    {"term": term.id, "document": document.name, "status": term.problem_status,
                     "reason": "", "by": by, "date": day}
                )
    return accepted_text(entries)
