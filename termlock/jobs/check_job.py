"""``CheckJob``: one terminology check, what it reads and where its reports go.

Built by ``termlock check`` from its flags, or by a library caller; run by
any engine (``engine.check(job) -> CheckResult``). After the run,
:func:`finish_check` writes the reports the job asks for and decides the
exit status, identically whatever engine produced the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING

from termlock.inputs import STDIN
from termlock.errors import TermlockError
from termlock.jobs.engine_options import EngineOptions
from termlock.wording import counted

if TYPE_CHECKING:  # pragma: no cover - translate imports the jobs package, not the evaluator
    from termlock.evaluate.records import CheckResult

EXIT_PASS = 0
EXIT_BELOW_MINIMUM = 1


@dataclass(frozen=True)
class CheckOutputs:
    """Report files to write (None: not asked for)."""

    json: str | None = None
    csv: str | None = None
    html: str | None = None
    #: a copy of an XLIFF ``bilingual`` input with each unit's findings as notes
    xliff_notes: str | None = None
    #: an accepted-findings file listing every open finding, for the reviewer to edit
    write_accepted: str | None = None

    def paths(self) -> tuple[str, ...]:
        """Every report path asked for (``-`` = standard output)."""
        return tuple(p for p in (self.json, self.csv, self.html, self.xliff_notes, self.write_accepted) if p)


@dataclass(frozen=True)
class CheckJob:
    """Check ``target`` against ``source`` (aligned lines), or the pairs of a ``bilingual`` file.

    ``glossaries``: glossary files (none: the bundled glossary), merged in
    order, the later winning for a source both define.
    ``min_term_success``: the gate, a rate from 0 to 1 (0: always pass); give
    a ``Fraction`` (the CLI does) to have "0.95" mean exactly 19/20.
    ``granularity``: ``segment`` (aligned lines; the default) or ``document``
    (whole documents, .docx/.md/.html/.txt, paragraphs need not line up;
    ``source`` and ``target`` may then be directories, paired by relative
    path, or ``pairs`` a manifest of pairs).
    ``terms``: per-segment term lists (WMT23/WMT25 JSONL, one line per
    segment, or per document) instead of a glossary.
    ``accept``: the reviewer's accepted findings (YAML).
    ``exact``: no inflection tolerance for any term.
    ``numbers``: the numbers category (figures missing from the target).
    ``strict_spelling``: spelling findings (an accepted rendering not in the
    glossary's spelling) count against the term success rate and the gate;
    by default they are a category of their own.
    ``keep_segments``: the result carries every segment report (a library
    caller's default); the command line sets it False, so a plain segment
    check streams with memory flat in the number of segments and the
    result holds the figures and tables only.
    """

    source: str | None = None
    target: str | None = None
    reference: str | None = None
    bilingual: str | None = None
    glossaries: tuple[str, ...] = ()
    min_term_success: Fraction | float = 0.0
    outputs: CheckOutputs = field(default_factory=CheckOutputs)
    engine: EngineOptions = field(default_factory=EngineOptions)
    granularity: str | None = None
    terms: str | None = None
    accept: str | None = None
    exact: bool = False
    numbers: bool = True
    keep_segments: bool = True
    #: a manifest of document pairs (``--pairs``: source, target, optional terms per line)
    pairs: str | None = None
    strict_spelling: bool = False

    def validate(self) -> None:
        """No output over an input (first: nothing else matters then); either ``bilingual``, ``pairs`` or
        both ``source`` and ``target``; only ``target`` may be stdin."""
        self.refuse_unsafe_outputs()
        if self.pairs is not None:
            mixed = [opt for opt, value in (("--source", self.source), ("--target", self.target), ("--bilingual", self.bilingual)) if value]
            if mixed:
                raise TermlockError(f"--pairs cannot be combined with {mixed[0]}",
                                    fix="the manifest names every source and target: drop " + ", ".join(mixed))
            if self.granularity != "document":
                raise TermlockError("--pairs lists whole documents", fix="add --granularity document")
        elif self.bilingual:
            mixed = [opt for opt, value in (("--source", self.source), ("--target", self.target), ("--reference", self.reference)) if value]
            if mixed:
                raise TermlockError(
                    f"--bilingual cannot be combined with {mixed[0]}",
                    fix="the bilingual file holds both sides: drop " + ", ".join(mixed),
                )
        else:
            if self.outputs.xliff_notes:
                raise TermlockError("--xliff-notes needs --bilingual FILE.xlf", fix="pass the XLIFF to check with --bilingual")
            missing = [opt for opt, value in (("--source", self.source), ("--target", self.target)) if not value]
            if missing:
                raise TermlockError(
                    f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} required",
                    fix="give --source SRC --target HYP (aligned text files), or --bilingual FILE (XLIFF/TMX)",
                )
        for option, value in (("--source", self.source), ("--reference", self.reference)):
            if value == STDIN:
                raise TermlockError(f"{option} cannot read stdin", fix="only --target may be '-'; give a file")
        if self.granularity not in (None, "segment", "document"):
            raise TermlockError(f"unknown granularity {self.granularity!r}", fix="use --granularity segment or --granularity document")
        if self.granularity == "document":
            if self.bilingual:
                raise TermlockError("--granularity document needs --source and --target documents",
                                    fix="a bilingual file is checked unit by unit: drop --granularity document")
            if self.target == STDIN:
                raise TermlockError("--granularity document cannot read the target from stdin", fix="give the target document's path")
        if self.terms is not None and self.glossaries:
            raise TermlockError("--terms replaces --glossary", fix="give either per-segment --terms or --glossary files, not both")

    def refuse_unsafe_outputs(self) -> None:
        """No report may overwrite an input or another report; --xliff-notes must be named as XLIFF."""
        from termlock.documents import known_format_of
        from termlock.outputs import refuse_clobbering

        outputs = self.outputs
        refuse_clobbering(
            self.input_paths(),
            [("--json", outputs.json), ("--csv", outputs.csv), ("--html", outputs.html),
             ("--xliff-notes", outputs.xliff_notes), ("--write-accepted", outputs.write_accepted)],
        )
        notes = self.outputs.xliff_notes
        if notes and notes != STDIN:
            named = known_format_of(notes)
            if named is not None and named != "xliff":
                raise TermlockError(
                    f"--xliff-notes writes XLIFF, but the name says {named}",
                    path=notes,
                    fix="give --xliff-notes an XLIFF name (.xlf, .xliff, .sdlxliff, .mqxliff)",
                )

    def input_paths(self) -> list[tuple[str, str | None]]:
        """``(option, path)`` of every file the job reads (None: not given): what no output may name."""
        from termlock.jobs.glossaries import BUNDLED_GLOSSARY, glossary_files

        inputs = [("--source", self.source), ("--target", self.target), ("--reference", self.reference), ("--bilingual", self.bilingual)]
        # no --glossary (and no --terms) reads the bundled glossary: an input like any other
        named = self.glossaries or (() if self.terms is not None else (BUNDLED_GLOSSARY,))
        inputs += [("--glossary", path) for path in glossary_files(named)]
        inputs += [("--terms", self.terms), ("--accept", self.accept), ("--pairs", self.pairs)]
        return inputs

    def input_names(self) -> dict[str, str | None]:
        """The inputs as a report shows them."""
        return {
            "source": self.bilingual or self.source,
            "target": self.bilingual or ("<stdin>" if self.target == STDIN else self.target),
            "reference": self.reference,
            "pairs": self.pairs,
        }


@dataclass
class CheckOutcome:
    """What a finished check says and how the process should exit."""

    lines: list[str]
    exit_code: int
    #: for stderr: e.g. a gate that had nothing to judge
    warnings: list[str] = field(default_factory=list)


def _shown(path: str) -> str:
    return "standard output" if path == STDIN else path


def write_reports(job: CheckJob, result: CheckResult) -> list[str]:
    """Write every report the job asks for; one "wrote ..." line per file, in that order."""
    outputs = job.outputs
    done = {kind for kind, _ in result.reports_written}  # a streamed check wrote these as it ran
    if outputs.json and "json" not in done:
        from termlock.evaluate.reports.json_report import write_json

        write_json(result, outputs.json)
    if outputs.csv and "csv" not in done:
        from termlock.evaluate.reports.csv_report import write_csv

        write_csv(result, outputs.csv)
    if outputs.html and "html" not in done:
        from termlock.evaluate.reports.html_report import write_html

        write_html(result, outputs.html, inputs=job.input_names(), min_term_success=job.min_term_success)
    lines = [f"wrote {label} report: {_shown(path)}" for label, path in (("JSON", outputs.json), ("CSV", outputs.csv), ("HTML", outputs.html)) if path]
    if outputs.write_accepted:
        from termlock.jobs.check_inputs import write_accepted_template

        entries = write_accepted_template(result, outputs.write_accepted)
        lines.append(f"wrote {counted(entries, 'finding')} to accept or delete, each needing a reason: {_shown(outputs.write_accepted)}")
    if outputs.xliff_notes:
        from termlock.documents.xliff import annotate_xliff
        from termlock.evaluate.unit_findings import findings_by_unit

        notes = annotate_xliff(job.bilingual, findings_by_unit(result), outputs.xliff_notes)
        lines.append(f"wrote XLIFF with {counted(notes, 'termlock note')}: {_shown(outputs.xliff_notes)}")
    return lines


def finish_check(job: CheckJob, result: CheckResult) -> CheckOutcome:
    """Reports written, the summary and the gate's verdict as lines, and the exit code."""
    from termlock.evaluate.gate import decide
    from termlock.evaluate.reports.terminal_report import render_summary

    lines = render_summary(result).splitlines()
    lines += write_reports(job, result)
    summary = result.summary
    gate = decide(
        summary.ok, summary.term_occurrences, Fraction(job.min_term_success),
        glossary_terms=result.glossary_terms, accepted=summary.accepted,
        misspelled=summary.spelling if summary.strict_spelling else 0,
    )
    if gate.applies:
        lines.append(gate.describe())
    return CheckOutcome(lines, EXIT_PASS if gate.passed else EXIT_BELOW_MINIMUM, [gate.warning] if gate.warning else [])
