"""What every ``--help`` shares: example lines, the docs link, the glossary formats, the formatter.

Each command's help ends with examples a user can adapt and the page of
the docs that teaches it; tests/test_cli_help.py parses every example with
the real parser (so an example cannot name a flag that does not exist)
and checks that each linked page (and anchor) exists in the repository.
"""

from __future__ import annotations

import argparse
import textwrap
from typing import Sequence

#: the repository's files as a browser shows them (the same address as pyproject's Homepage)
REPOSITORY_URL = "https://github.com/termlock/termlock/blob/main"

#: command -> the page (a path in the repository, with an optional #anchor) its --help links: one table,
#: so a page that moves is one edit here; tests/test_cli_help.py fails when a page or an anchor does not exist
DOCS_PAGES = {
    "termlock": "README.md",
    "check": "docs/tutorials/first-check.md",
    "translate": "docs/how-to/translate.md",
    "glossary": "docs/how-to/cat-tools.md#glossaries",
    "serve": "docs/how-to/server.md",
    "review": "docs/tutorials/review.md#in-the-browser",
}

#: metavar of an option or argument that takes a glossary in any format termlock reads
GLOSSARY_METAVAR = "GLOSSARY"
#: the glossary formats termlock reads, as help texts name them
GLOSSARY_FORMATS = "termlock YAML, TBX 2008/2019, CSV/TSV, XLSX or a JSON term dictionary"


def docs_link(page: str) -> str:
    """The URL of ``page`` (a path in the repository, with an optional #anchor)."""
    return f"{REPOSITORY_URL}/{page}"


def epilog(examples: Sequence[str], page: str) -> str:
    """``examples:`` (one command line each, kept as written) and ``docs: URL``, for a parser's epilog."""
    lines = ["examples:", *(f"  {example}" for example in examples), "", f"docs: {docs_link(page)}"]
    return "\n".join(lines)


class HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, except that indented lines of a description or epilog stay as written.

    Prose lines are wrapped to the terminal as argparse does; an example
    command line (indented by two spaces) is never broken, so it can be
    copied whole. Paragraph breaks (blank lines) are kept.
    """

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        out = []
        for line in text.splitlines():
            if not line.strip():
                out.append("")
            elif line.startswith(("  ", "docs: ")):  # an example or a link: whole, to be copied
                out.append(indent + line)
            else:
                out.append(textwrap.fill(line, width, initial_indent=indent, subsequent_indent=indent,
                                         break_long_words=False, break_on_hyphens=False))  # URLs stay whole
        return "\n".join(out)
