"""A check's problems phrased per unit, for a CAT tool's reviewer.

A reviewer working in the CAT tool sees units, not line numbers; this turns
a :class:`CheckResult` into one message per problem (and per spelling
finding and inconsistent rendering), keyed by unit id, which the document layer writes back into the
bilingual file as notes.
"""

from __future__ import annotations

from collections import defaultdict

from termlock.evaluate.records import CheckResult


def findings_by_unit(result: CheckResult) -> dict[str, list[str]]:
    """One message per problem, keyed by unit id, phrased for a reviewer."""
    findings: dict[str, list[str]] = defaultdict(list)
    for segment, occurrence in result.problems():
        if segment.id is None:
            continue
        expected = " / ".join(f'"{e}"' for e in occurrence.expected)
        if occurrence.status == "forbidden":
            message = f'termlock: {occurrence.source} is rendered with the forbidden "{occurrence.forbidden_found}"; use {expected}'
        else:
            message = f"termlock: {occurrence.source} is not rendered as the glossary says; expected {expected}"
        findings[segment.id].append(message)
    for segment in result.segments:
        if segment.id is None:
            continue
        for occurrence in segment.misspelled:
            findings[segment.id].append(
                f'termlock: {occurrence.source} is written "{occurrence.found}"; the glossary spells it "{occurrence.spelling.expected}"'
            )
    ids = [segment.id for segment in result.segments]
    for term in result.inconsistent:
        counts = term.spellings or term.renderings
        by_segment = term.segments_by_spelling if term.spellings else term.segments_by_rendering
        usual = max(counts, key=lambda r: (counts[r], -list(counts).index(r)))
        for rendering, indexes in by_segment.items():
            if rendering == usual:
                continue
            for index in indexes:
                if ids[index] is not None:
                    findings[ids[index]].append(
                        f'termlock: {term.source} is rendered "{rendering}" here but "{usual}" in '
                        f"{counts[usual]} other unit(s); keep one rendering"
                    )
    return dict(findings)
