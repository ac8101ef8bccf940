"""Paragraphs of a Markdown document, markup removed, read with markdown-it-py.

Headings, paragraphs, list items, block quotes and table cells become one
paragraph each, as plain text: emphasis, links (their text) and inline code
kept as words, markup characters dropped, so that ``**双核**`` is checked as
双核 and a link's URL never looks like a rendering. Code blocks and raw HTML
are not prose and are skipped.
"""

from __future__ import annotations


def markdown_paragraphs(text: str) -> list[str]:
    """The plain-text paragraphs of Markdown ``text`` in document order."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark").enable("table")
    paragraphs = []
    for token in parser.parse(text):
        if token.type != "inline" or not token.children:
            continue
        parts = []
        for child in token.children:
            if child.type in ("text", "code_inline"):
                parts.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                parts.append(" ")
            elif child.type == "image":
                parts.append(child.content)
        plain = " ".join("".join(parts).split())
        if plain:
            paragraphs.append(plain)
    return paragraphs
