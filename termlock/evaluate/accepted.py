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
from pathlib import Path
from typing import Any, Iterable, Sequence

import yaml

from termlock.errors import TermlockError
from termlock.evaluate.records import AcceptedFinding, CheckResult, SegmentReport

KEYS = ("term", "segment", "source", "document", "status", "reason", "by", "date", "found")
_FIX = "each entry needs term, one of segment/source/document, a reason and who accepted it (by)"


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    text = str(value).strip()
    return text or None


def parse_accepted(text: str, path: str = "<accepted>") -> tuple[AcceptedFinding, ...]:
    """The entries of an accepted-findings YAML text; every problem names its line."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise TermlockError(f"not valid YAML: {exc.problem or exc.context}", path=path,
                            line=mark.line + 1 if mark else None, fix="fix the YAML syntax at this line") from None
    if root is None:
        return ()
    entries_node = root
    if isinstance(root, yaml.MappingNode):
        found = [value for key, value in root.value if isinstance(key, yaml.ScalarNode) and key.value == "accepted"]
        if not found:
            raise TermlockError("no 'accepted' list", path=path, line=1, fix="write 'accepted:' followed by a list of entries")
        entries_node = found[0]
    if isinstance(entries_node, yaml.ScalarNode) and entries_node.value in ("", "null", "~"):
        return ()
    if not isinstance(entries_node, yaml.SequenceNode):
        raise TermlockError("'accepted' must be a list", path=path, line=entries_node.start_mark.line + 1, fix=_FIX)
    constructor = yaml.constructor.SafeConstructor()
    findings = []
    for node in entries_node.value:
        line = node.start_mark.line + 1
        try:
            value = constructor.construct_object(node, deep=True)
        except yaml.YAMLError:
            raise TermlockError("unsupported YAML in this entry", path=path, line=line, fix="write plain values") from None
        if not isinstance(value, dict):
            raise TermlockError("an entry must be a mapping (term: ..., reason: ...)", path=path, line=line, fix=_FIX)
        unknown = [key for key in value if key not in KEYS]
        if unknown:
            raise TermlockError(f"unknown key {unknown[0]!r}", path=path, line=line, fix=f"use only: {', '.join(KEYS)}")
        fields = {key: _text(value.get(key)) for key in KEYS}
        if fields["term"] is None:
            raise TermlockError("entry without a term id", path=path, line=line, fix=_FIX)
        if fields["segment"] is None and fields["source"] is None and fields["document"] is None:
            raise TermlockError(f"entry for {fields['term']!r} names no segment, source or document", path=path, line=line, fix=_FIX)
        if fields["reason"] is None:
            raise TermlockError(f"entry for {fields['term']!r} has no reason", path=path, line=line,
                                fix="write why this finding is accepted, or delete the entry")
        if fields["by"] is None:
            raise TermlockError(f"entry for {fields['term']!r} does not say who accepted it", path=path, line=line,
                                fix="add 'by: NAME'")
        if fields["status"] is not None and fields["status"] not in ("missing", "forbidden"):
            raise TermlockError(f"status {fields['status']!r} cannot be accepted", path=path, line=line,
                                fix="use missing or forbidden, or leave status out")
        findings.append(
            AcceptedFinding(
                term=fields["term"], reason=fields["reason"], by=fields["by"], date=fields["date"],
                segment=fields["segment"], source=fields["source"], document=fields["document"],
                status=fields["status"], path=path, line=line,
            )
        )
    return tuple(findings)


def load_accepted(path: str | Path) -> tuple[AcceptedFinding, ...]:
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise TermlockError("--accept: no such file", path=name, fix="check the path, or create it with --write-accepted") from None
    except OSError as exc:
        raise TermlockError(f"--accept: cannot read: {exc.strerror}", path=name, fix="check the path") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TermlockError("--accept: not UTF-8", path=name, fix="save the file as UTF-8") from None
    return parse_accepted(text, name)


def mark_accepted(
    reports: Iterable[SegmentReport], findings: Sequence[AcceptedFinding]
) -> tuple[list[SegmentReport], tuple[AcceptedFinding, ...]]:
    """Segment reports with accepted problems marked, and the entries that matched nothing.

    Only problems (``missing``/``forbidden``) can be accepted. One entry may
    cover several occurrences (the same term twice in one segment).
    """
    segment_findings = [f for f in findings if f.document is None]
    used: set[int] = set()
    out = []
    for report in reports:
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


def accepted_template(result: CheckResult, *, by: str, date: str | None = None) -> str:
    """YAML for ``--write-accepted``: every open finding, reason left for the reviewer."""
    day = date or _dt.date.today().isoformat()
    lines = [
        "# termlock accepted findings. Keep the entries you accept, write each one's reason,",
        "# delete the others; then run termlock check ... --accept THIS_FILE.",
        "# An entry matches a finding by term id and segment (its id, or its line number).",
        "accepted:",
    ]
    entries = []
    for segment, occ in result.problems():
        entries.append(
            {
                "term": occ.term_id,
                "segment": segment.id if segment.id is not None else segment.index + 1,
                "source": segment.source,
                "status": occ.status,
                **({"found": occ.forbidden_found or occ.found} if (occ.forbidden_found or occ.found) else {}),
                "reason": "",
                "by": by,
                "date": day,
            }
        )
    for document in getattr(result, "documents", None) or ():
        for term in document.terms:
            if term.problem_status is not None and term.accepted is None:
                entries.append(
                    {"term": term.id, "document": document.name, "status": term.problem_status,
                     "reason": "", "by": by, "date": day}
                )
    if not entries:
        lines[-1] = "accepted: []"
        return "\n".join(lines) + "\n"
    body = yaml.safe_dump(entries, allow_unicode=True, sort_keys=False, width=4096, default_flow_style=False)
    lines.extend("  " + line for line in body.rstrip("\n").split("\n"))
    return "\n".join(lines) + "\n"
