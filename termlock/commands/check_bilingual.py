"""``termlock check --bilingual FILE [--xliff-notes OUT.xlf]``: QA of a CAT file.

A reviewer gets one bilingual XLIFF or TMX from the CAT tool, not two
aligned text files. This module reads its translated units as source/target
pairs with their unit ids (so every report names the unit the reviewer sees
in the CAT tool, not a line number) and writes the findings back into a copy
of the XLIFF as notes. It lives in ``commands`` because it glues the
translate layer's file stores to the evaluate layer's checker, which must
not import each other.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from typing import Any

from termlock.errors import TermlockError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--bilingual",
        metavar="FILE",
        help="check a bilingual XLIFF (.xlf, .xliff, .sdlxliff, .mqxliff) or TMX file instead of "
        "--source/--target; reports name unit ids; untranslated units are skipped",
    )
    parser.add_argument(
        "--xliff-notes",
        metavar="OUT.xlf",
        help="with an XLIFF --bilingual: write a copy with each unit's findings as <note>s for the CAT tool",
    )


def validate_arguments(args: argparse.Namespace) -> None:
    """Either --bilingual or both --source and --target, never a mix."""
    if getattr(args, "bilingual", None):
        mixed = [opt for opt, value in (("--source", args.source), ("--target", args.target), ("--reference", args.reference)) if value]
        if mixed:
            raise TermlockError(
                f"--bilingual cannot be combined with {mixed[0]}",
                fix="the bilingual file holds both sides: drop " + ", ".join(mixed),
            )
        return
    if getattr(args, "xliff_notes", None):
        raise TermlockError("--xliff-notes needs --bilingual FILE.xlf", fix="pass the XLIFF to check with --bilingual")
    missing = [opt for opt, value in (("--source", args.source), ("--target", args.target)) if not value]
    if missing:
        raise TermlockError(
            f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} required",
            fix="give --source SRC --target HYP (aligned text files), or --bilingual FILE (XLIFF/TMX)",
        )


def read_segments(args: argparse.Namespace) -> tuple[list[str], list[str], list[str]]:
    """Sources, targets and unit ids of the translated units of --bilingual."""
    from termlock.documents.bilingual import bilingual_format, read_bilingual

    if getattr(args, "xliff_notes", None) and bilingual_format(args.bilingual) != "xliff":
        raise TermlockError(
            "--xliff-notes needs an XLIFF --bilingual file",
            path=args.bilingual,
            fix="drop --xliff-notes for TMX input",
        )
    units = read_bilingual(args.bilingual)
    return [u.source for u in units], [u.target or "" for u in units], [u.id for u in units]


def findings_by_unit(result: Any) -> dict[str, list[str]]:
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
    ids = [segment.id for segment in result.segments]
    for term in result.inconsistent:
        usual = max(term.renderings, key=lambda r: (term.renderings[r], -list(term.renderings).index(r)))
        for rendering, indexes in term.segments_by_rendering.items():
            if rendering == usual:
                continue
            for index in indexes:
                if ids[index] is not None:
                    findings[ids[index]].append(
                        f'termlock: {term.source} is rendered "{rendering}" here but "{usual}" in '
                        f"{term.renderings[usual]} other unit(s); keep one rendering"
                    )
    return dict(findings)


def write_notes(args: argparse.Namespace, result: Any) -> int:
    """--xliff-notes: annotate a copy of the XLIFF; returns the number of notes."""
    from termlock.documents.xliff import annotate_xliff

    return annotate_xliff(args.bilingual, findings_by_unit(result), args.xliff_notes)
