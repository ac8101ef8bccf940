"""A short plain-text summary for the terminal and CI logs.

Plain text on purpose (no colours, no box drawing): it ends up in CI logs
and e-mails. Columns are aligned by display width, since Chinese characters
take two terminal columns.
"""

from __future__ import annotations

from termlock.evaluate.records import CheckResult
from termlock.textwidth import clip, display_width, pad
from termlock.wording import counted


def render_table(header: list[str], rows: list[list[str]], numeric: set[int]) -> list[str]:
    widths = [max([display_width(h)] + [display_width(r[i]) for r in rows]) for i, h in enumerate(header)]
    lines = []
    for row in [header, *rows]:
        cells = [pad(cell, widths[i], right=i in numeric) for i, cell in enumerate(row)]
        lines.append("  " + "  ".join(cells).rstrip())
    return lines


def render_summary(result: CheckResult, *, worst: int = 5) -> str:
    """The summary figures, the worst terms and the inconsistent terms."""
    s = result.summary
    figures = [
        *([("documents", str(len(result.documents)))] if result.documents else []),
        ("segments", str(s.segments)),
        ("term occurrences", str(s.term_occurrences)),
        ("ok", str(s.ok)),
        ("missing", str(s.missing)),
        ("forbidden", str(s.forbidden)),
        ("term success rate", f"{s.term_success_rate:.4f} ({s.term_success_rate * 100:.2f}%)"),
        ("inconsistent terms", str(s.inconsistent_terms)),
        ("spelling findings", f"{s.spelling} ({'counted as problems: --strict-spelling' if s.strict_spelling else 'not in the rate'})"),
        ("BLEU", f"{s.bleu:.2f}" if s.bleu is not None else "- (no --reference)"),
        ("chrF", f"{s.chrf:.2f}" if s.chrf is not None else "- (no --reference)"),
    ]
    if s.chrf_pp is not None:
        figures.append(("chrF++", f"{s.chrf_pp:.2f}"))
    if s.accepted or result.stale_accepted or result.accepted_file:
        figures.append(
            ("accepted findings", f"{result.accepted_count()} ({counted(s.accepted, 'occurrence')}; {counted(len(result.stale_accepted), 'stale entry', 'stale entries')})")
        )
    if result.numbers is not None:
        figures.append(("figures missing", f"{len(result.numbers.missing)} of {result.numbers.checked} (numbers)"))
    if s.signature:
        figures.append(("signature", s.signature))
    if s.chrf_pp_signature:
        figures.append(("chrF++ signature", s.chrf_pp_signature))
    label = max(len(name) for name, _ in figures)
    lines = [f"termlock check: glossary {result.glossary_name!r} ({counted(result.glossary_terms, 'term')})"]
    lines.extend(f"  {name.ljust(label)}  {value}" for name, value in figures)

    if result.glossary_conflicts:
        lines.append("")
        lines.append(f"glossary conflicts ({len(result.glossary_conflicts)}; the later --glossary wins)")
        lines.extend(f"  {conflict.describe()}" for conflict in result.glossary_conflicts)

    if result.documents:
        lines.append("")
        lines.append(f"documents ({len(result.documents)})")
        rows = [
            [clip(d.name, 40), str(d.source_paragraphs), str(d.target_paragraphs) if d.paired else "-", str(d.occurrences),
             str(d.ok), str(d.missing), str(d.forbidden), f"{d.term_success_rate:.4f}", str(d.spelling)]
            for d in result.documents
        ]
        lines.extend(render_table(["document", "src ¶", "tgt ¶", "occ", "ok", "missing", "forbidden", "success", "spelling"],
                                  rows, {1, 2, 3, 4, 5, 6, 7, 8}))
        unread = [(d.name, line) for d in result.documents for line in d.not_read()]
        if unread:
            lines.append("")
            lines.append("not read (neither checked nor translated)")
            lines.extend(f"  {name}: {line}" for name, line in unread)
    if result.unpaired:
        lines.append("")
        lines.append(f"unpaired ({counted(len(result.unpaired), 'file')})")
        lines.extend(f"  {item.describe()}" for item in result.unpaired)
    if result.skipped:
        lines.append("")
        lines.append(f"not documents termlock reads, skipped ({counted(len(result.skipped), 'file')})")
        lines.extend(f"  {name}" for name in result.skipped[:worst])
        if len(result.skipped) > worst:
            lines.append(f"  ... and {len(result.skipped) - worst} more (see the JSON report)")

    bad = result.worst_terms(worst)
    if bad:
        lines.append("")
        lines.append(f"worst terms (top {len(bad)} by missing + forbidden)")
        rows = [
            [
                clip(t.id, 28),
                clip(t.source, 16),
                clip(t.target, 32),
                str(t.occurrences),
                str(t.missing),
                str(t.forbidden),
                f"{t.success_rate:.2f}",
            ]
            for t in bad
        ]
        lines.extend(
            render_table(["term", "source", "expected", "occ", "missing", "forbidden", "rate"], rows, {3, 4, 5, 6})
        )

    mixed = result.inconsistent
    if mixed:
        lines.append("")
        lines.append(f"inconsistent terms ({len(mixed)})")
        for t in mixed[:worst]:
            counts = ", ".join(f"{r!r} x{n}" for r, n in (t.spellings or t.renderings).items())
            accepted = result.inconsistency_accepted(t.id)
            lines.append(f"  {t.id} ({t.source}): {counts}" + (f" (accepted: {accepted.reason})" if accepted else ""))
        if len(mixed) > worst:
            lines.append(f"  ... and {len(mixed) - worst} more (see the JSON/HTML report)")
    if result.stale_accepted:
        lines.append("")
        lines.append(f"stale accepted findings ({len(result.stale_accepted)}: they match nothing now, remove them)")
        for finding in result.stale_accepted[:worst]:
            where = f"{finding.path}:{finding.line}" if finding.line else (finding.path or "")
            lines.append(f"  {finding.term} at {finding.where()} ({where})")
        if len(result.stale_accepted) > worst:
            lines.append(f"  ... and {len(result.stale_accepted) - worst} more (see the JSON/HTML report)")
    if result.spelling:
        lines.append("")
        lines.append(f"spelling: renderings not in the glossary's spelling ({len(result.spelling)})")
        for finding in result.spelling[:worst]:
            where = f"line {finding.index + 1}" if finding.document is None else f"{finding.document} ¶{finding.index + 1}"
            lines.append(f"  {where}: {finding.term} {finding.found!r}, the glossary spells it {finding.expected!r}")
        if len(result.spelling) > worst:
            lines.append(f"  ... and {len(result.spelling) - worst} more (see the JSON/HTML report)")
    if result.numbers is not None and result.numbers.missing:
        lines.append("")
        lines.append(f"figures missing from the target ({len(result.numbers.missing)})")
        for finding in result.numbers.missing[:worst]:
            where = f"line {finding.index + 1}" if not result.documents else f"{finding.segment_id} ¶{finding.index + 1}"
            lines.append(f"  {where}: {finding.figure.text} (e.g. {finding.figure.english})")
        if len(result.numbers.missing) > worst:
            lines.append(f"  ... and {len(result.numbers.missing) - worst} more (see the JSON/HTML report)")
    return "\n".join(lines) + "\n"
