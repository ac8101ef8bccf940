"""The naive terminology check of issue 14, as a process of its own.

What someone writes first: parse the glossary YAML, then for each segment,
for each term, ``in`` on the source and a whole-word regex per accepted
rendering on the target (regexes compiled once; forbidden renderings only
for terms found in the source, to give them a status). Prints the verdict
counts as JSON. ``bench/check_speed.py`` runs it as a subprocess on the same
files as ``termlock check`` (on the first ``--limit`` segments: it is slow)
to compare whole processes. Imports nothing from termlock.

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
                in_source = any(spelling in source for spelling in sources)
                found = [pattern.search(target) for pattern in accepted]
                if in_source:
                    if any(pattern.search(target) for pattern in forbidden):
                        counts["forbidden"] += 1
                    elif any(found):
                        counts["ok"] += 1
                    else:
                        counts["missing"] += 1
    json.dump(counts, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
