"""The terminology check a competent user writes in ten minutes, as a process of its own.

The baseline ``bench/check_speed.py`` times ``termlock check`` against:
parse the glossary YAML, compile one whole-word regex per accepted and per
forbidden rendering (once), then for each segment and each term, ``in`` on
the source for each spelling, and only for a term found there, search the
target: forbidden first (it wins), else accepted, else missing. Prints the
verdict counts as JSON. Imports nothing from termlock.

It is the baseline, not a straw man: it skips the target for terms absent
from the source, as anyone would. What it does not do (folding full-width
or traditional characters, inflections, hyphen/space equivalence,
longest-match of nested terms, numbers, reports) makes it faster than a
check with termlock's rules would be, never slower.

    python bench/naive_check.py GLOSSARY.yaml SOURCE TARGET [--limit N]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from itertools import islice

import yaml


def _patterns(renderings: list[str], case_sensitive: bool) -> list[re.Pattern[str]]:
    flags = 0 if case_sensitive else re.IGNORECASE
    return [re.compile(rf"(?<!\w){re.escape(r)}(?!\w)", flags) for r in renderings]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("glossary")
    parser.add_argument("source")
    parser.add_argument("target")
    parser.add_argument("--limit", type=int, default=None, help="check only the first N segments")
    args = parser.parse_args(argv)

    with open(args.glossary, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    terms = []
    for entry in data["terms"]:
        sources = entry["source"] if isinstance(entry["source"], list) else [entry["source"]]
        accepted = [entry["target"], *entry.get("variants", [])]
        case = bool(entry.get("case_sensitive", False))
        terms.append((sources, _patterns(accepted, case), _patterns(entry.get("forbidden", []), case)))

    counts = {"segments": 0, "ok": 0, "missing": 0, "forbidden": 0}
    with open(args.source, encoding="utf-8") as src, open(args.target, encoding="utf-8") as tgt:
        for source, target in islice(zip(src, tgt), args.limit):
            counts["segments"] += 1
            for sources, accepted, forbidden in terms:
                if not any(spelling in source for spelling in sources):
                    continue
                if any(pattern.search(target) for pattern in forbidden):
                    counts["forbidden"] += 1
                elif any(pattern.search(target) for pattern in accepted):
                    counts["ok"] += 1
                else:
                    counts["missing"] += 1
    json.dump(counts, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
