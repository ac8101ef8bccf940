"""What a review hands back: the corrected target in its own format, accepted.yaml, the reports.

The target goes through the document stores that read it
(:mod:`termlock.documents`): a line file keeps its line endings and every
line the reviewer did not touch; an XLIFF (plain, Trados SDLXLIFF, memoQ,
2.0) gets each corrected unit marked the way its tool marks a human edit
(:meth:`~termlock.documents.xliff.XliffStore.revise`) and the findings that
remain as notes; a TMX gets the corrected ``<tuv>``s with who and when.

``accepted.yaml`` is written by the one writer of the ``--accept`` format
(:func:`termlock.evaluate.accepted.accepted_text`), and the reports are
computed from the exported files themselves: the accepted findings are
read back from the exported text with :func:`parse_accepted`, so the JSON,
CSV and HTML reports are those ``termlock check --accept accepted.yaml`` gives
on the exported target.

Outputs follow ``check``'s rules: none may be an input (or the state, or
another output), all are written atomically.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path

from termlock.errors import TermlockError
from termlock.evaluate.records import CheckResult
from termlock.review.setup import DOCUMENT, TEXT, TMX, XLIFF, stored_target_store
from termlock.wording import counted


@dataclass(frozen=True)
class ExportOutputs:
    """Files to write (None: not asked for)."""

    target: str | None = None
    accepted: str | None = None
    json: str | None = None
    html: str | None = None
    csv: str | None = None
    additions: str | None = None

    def named(self) -> list[tuple[str, str | None]]:
        return [("-o", self.target), ("--accepted", self.accepted), ("--json", self.json), ("--html", self.html),
                ("--csv", self.csv), ("--additions", self.additions)]


def _when(stamp: str | None) -> _dt.datetime | None:
    if not stamp:
        return None
    try:
        return _dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None


def target_bytes(session) -> bytes:
    """The corrected target, in the format it was read from."""
    state, record = session.state, session.record
    stored = state.file("target")
    if stored is None:
        raise TermlockError("the review state holds no target file", path=state.path, fix="start the review again")
    path, data = stored
    name = path or "<target>"
    edited = [row for row in session.rows if row.target != row.original]
    fmt = record["format"]
    if fmt == TEXT:
        from termlock.documents.text import revise_lines

        return revise_lines(data, name, {row.index: row.target for row in edited})
    if fmt == DOCUMENT:
        from termlock.documents.paragraphs import revise_paragraphs

        return revise_paragraphs(name, data, {row.index: row.target for row in edited})
    store = stored_target_store(state, record)
    for row in edited:
        store.revise(row.unit_id, row.target, by=row.edited_by, when=_when(row.edited_at))
    if fmt == XLIFF:
        from termlock.evaluate.unit_findings import findings_by_unit

        store.annotate(findings_by_unit(session.result()))
        return store.original
    return store.serialize()


def accepted_bytes(session, target_name: str | None = None) -> bytes:
    """``accepted.yaml``: every accepted finding of the review, in exactly the ``--accept`` format.

    A whole-document review names the document by its file name, as
    ``check`` does; ``target_name`` is the corrected document's name, which
    the entries then name (they are for the exported document).
    """
    from termlock.evaluate.accepted import accepted_text

    header = (
        "# termlock accepted findings, exported by termlock review.",
        "# Use with: termlock check ... --accept THIS_FILE",
    )
    entries = [dict(session.entries[number]) for number, _ in session.accepted]
    if target_name is not None and session.record["kind"] == "document":
        original = Path(session.record["target"]).name
        for entry in entries:
            if entry.get("document") is not None and Path(str(entry["document"])).name == original:
                entry["document"] = Path(target_name).name
    return accepted_text(entries, header).encode("utf-8")


def exported_result(session, accepted_path: str, target_path: str | None = None) -> CheckResult:
    """The review's result as ``check --accept ACCEPTED_PATH [--target TARGET_PATH]`` reports it.

    The accepted findings are read back from the exported file, so the
    report is the one ``check`` gives on the exported files.
    """
    from termlock.evaluate.accepted import parse_accepted

    findings = parse_accepted(accepted_bytes(session, target_path).decode("utf-8"), accepted_path)
    return session.result_with(findings, accepted_file=accepted_path, target=target_path)


def report_inputs(session, target_name: str | None) -> dict[str, str | None]:
    record = session.record
    if record["bilingual"]:
        shown = target_name or record["bilingual"]
        return {"source": shown, "target": shown, "reference": None}
    return {"source": record["source"], "target": target_name or record["target"], "reference": record["reference"]}


def json_report(result: CheckResult) -> bytes:
    from termlock.evaluate.reports.json_report import json_bytes

    return json_bytes(result)


def html_report(session, result: CheckResult, target_name: str | None) -> bytes:
    from fractions import Fraction

    from termlock.evaluate.reports.html_report import render_html

    minimum = Fraction(session.record["min_term_success"])
    page = render_html(result, inputs=report_inputs(session, target_name), min_term_success=minimum if minimum else None)
    return page.encode("utf-8")


def csv_report(result: CheckResult) -> bytes:
    import codecs

    from termlock.evaluate.reports.csv_report import csv_text

    return codecs.BOM_UTF8 + csv_text(result).encode("utf-8")


def additions_bytes(session) -> bytes:
    from termlock.review.additions import additions_text

    return additions_text(session.plain_glossary(), session.state.proposals()).encode("utf-8")


def exported_name(session) -> str:
    """The corrected target's file name: the target's, with ``.reviewed`` before its extension."""
    record = session.record
    original = Path(record["bilingual"] or record["target"] or "target.txt").name
    stem, dot, suffix = original.rpartition(".")
    if not dot or not stem:
        return original + ".reviewed"
    return f"{stem}.reviewed.{suffix}"


def refuse_unsafe_outputs(session, outputs: ExportOutputs) -> None:
    """No export may overwrite an input, the state or another export; -o must name the target's format."""
    from termlock.documents import known_format_of
    from termlock.outputs import refuse_clobbering

    named = [(option, path) for option, path in outputs.named() if path]
    if not named:
        raise TermlockError("nothing to export", fix="give -o OUT (the corrected target), --accepted, --json, --html, --csv or --additions")
    record = session.record
    inputs = [("--source", record["source"]), ("--target", record["target"]), ("--reference", record["reference"]),
              ("--bilingual", record["bilingual"]), ("--terms", record["terms"]), ("--accept", record["accept"]),
              ("STATE", session.state.path)]
    inputs += [("--glossary", path) for path in record["glossaries"]]
    refuse_clobbering(inputs, named)
    if outputs.target:
        fmt = record["format"]
        said = known_format_of(outputs.target)
        expected = {TEXT: ("text", None), XLIFF: ("xliff",), TMX: ("tmx",)}.get(fmt)
        if expected is not None and said not in expected and said is not None:
            raise TermlockError(
                f"-o's extension means {said}, but the target is {fmt} and is exported as {fmt}",
                path=outputs.target, fix=f"give -o a name that fits {fmt} (the target's own format)",
            )
        if fmt == DOCUMENT:
            wanted = Path(record["target"]).suffix.lower()
            if Path(outputs.target).suffix.lower() != wanted:
                raise TermlockError(f"-o must keep the target document's extension {wanted}", path=outputs.target,
                                    fix=f"name the corrected document ...{wanted}")


def export(session, outputs: ExportOutputs) -> list[str]:
    """Write every export asked for; one line per file written."""
    from termlock.fileio import write_atomically

    refuse_unsafe_outputs(session, outputs)
    with session.lock:
        session.sync()
        lines = []
        if outputs.target:
            write_atomically(outputs.target, target_bytes(session))
            edited = sum(1 for row in session.rows if row.target != row.original)
            lines.append(f"wrote the corrected target ({counted(edited, 'segment')} edited): {outputs.target}")
        if outputs.accepted:
            write_atomically(outputs.accepted, accepted_bytes(session, outputs.target))
            lines.append(f"wrote {counted(len(session.accepted), 'accepted finding')}: {outputs.accepted}")
        if outputs.json or outputs.html or outputs.csv:
            accepted_name = outputs.accepted or "accepted.yaml"
            result = exported_result(session, accepted_name, outputs.target)
            if outputs.json:
                write_atomically(outputs.json, json_report(result))
                lines.append(f"wrote JSON report: {outputs.json}")
            if outputs.html:
                write_atomically(outputs.html, html_report(session, result, outputs.target))
                lines.append(f"wrote HTML report: {outputs.html}")
            if outputs.csv:
                write_atomically(outputs.csv, csv_report(result))
                lines.append(f"wrote CSV report: {outputs.csv}")
        if outputs.additions:
            write_atomically(outputs.additions, additions_bytes(session))
            lines.append(f"wrote {counted(len(session.state.proposals()), 'proposed variant')}: {outputs.additions}")
        return lines

