"""Markdown documents, read with markdown-it-py: every paragraph a reader sees, translated in place.

Units: paragraphs, headings (ATX and setext), list items, block quotes,
table cells (GFM tables, :mod:`termlock.documents.markdown_tables`),
footnote definitions (mdit-py-plugins), and the text of raw HTML blocks
(``<p>``, ``<table>``, ``<details>``: read as HTML fragments by
:mod:`termlock.documents.html_document`). Text nested up to
:data:`MAX_NESTING` levels deep is read; deeper lines are named as not read.

Inline markup is made of codes (:mod:`termlock.documents.inline`):
emphasis, strong, strikethrough and links are pairs around their text; a
code span, an image, an autolink, a footnote reference and inline HTML are
kept as they are (``<br>`` separates words). Whitespace reads as rendered
(:mod:`termlock.documents.prose`): a hard-wrapped Chinese line joins the
next without a space.

Not read and written back untouched: front matter, code blocks and code
spans, link destinations, image descriptions (counted in the report).

Writing a translated unit replaces its source span with the translation,
its markup put back (emphasis as ``*``/``**``, links inline as
``[text](url "title")``) and Markdown's special characters escaped; a
hard line break keeps the line prefix (``> ``, list indentation) of the
line it led to. Every other byte stays as it was.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterator

from termlock.documents import inline
from termlock.documents.base import Unit, register
from termlock.documents.document_base import (
    DocumentStore,
    DocumentText,
    apply_edits,
    decode_document,
    encode_document,
    not_read_from,
)
from termlock.documents.markdown_tables import find_table, row_cells
from termlock.documents.prose import collapse
from termlock.errors import TermlockError

#: deepest nesting of block quotes and lists read (markdown-it's own default is 20 for CommonMark)
MAX_NESTING = 100

CODE = ("code block or span", "code blocks and spans")
IMAGES = ("image description (alt text)", "image descriptions (alt text)")
TOO_DEEP = ("line nested too deeply to read", "lines nested too deeply to read")
UNPLACEABLE = ("paragraph whose source could not be located (read, not translated)",
               "paragraphs whose source could not be located (read, not translated)")

_EOL = re.compile(r"\r\n|\r|\n")
_INLINE_SPECIAL = re.compile(r"[\\`*_\[\]<>!&~^\n]")
_ESCAPE = re.compile(r"([\\`*_\[\]<>~])")
_ENTITY_LIKE = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_LINE_START = re.compile(r"^(?:[#>+=\-]|\d+[.)])")
_BREAK_TAG = re.compile(r"<br\b", re.IGNORECASE)
_MARKER_ONLY = re.compile(r"^[\s>*+\-]*(?:\d+[.)])?[\s>]*$")


def _parser() -> Any:
    from markdown_it import MarkdownIt
    from mdit_py_plugins.footnote import footnote_plugin
    from mdit_py_plugins.front_matter import front_matter_plugin

    md = MarkdownIt("commonmark", {"maxNesting": MAX_NESTING})
    md.use(front_matter_plugin).use(footnote_plugin, inline=False)
    md.enable("strikethrough")
    md.disable("table", ignoreInvalid=True)  # tables: markdown_tables, a row at a time
    return md


@dataclass(frozen=True)
class Markup:
    """What a code writes back when a unit is rewritten."""

    raw: str


@dataclass
class MarkdownUnit:
    """A unit: its span in the source, tokens and text, and how it is written back."""

    start: int
    end: int
    tokens: list[inline.Token]
    text: str
    kind: str  # "paragraph", "heading", "cell", "html"
    html: Any = None  # the HtmlUnit of a raw HTML block's paragraph


def escape_text(text: str, *, cell: bool = False, line_start: bool = False) -> str:
    """Plain text as Markdown that shows exactly it."""
    out = _ESCAPE.sub(r"\\\1", text)
    out = _ENTITY_LIKE.sub(r"\\&", out)
    if cell:
        out = out.replace("|", "\\|")
    if line_start:
        out = _LINE_START.sub(lambda m: "\\" + m.group() if not m.group()[0].isdigit() else m.group()[:-1] + "\\" + m.group()[-1], out)
    return out


def _link_destination(href: str, title: str | None) -> str:
    dest = f"<{href}>" if re.search(r"[\s()<>]", href) or not href else href
    if title:
        dest += ' "' + title.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return dest


def _code_span(content: str, markup: str) -> str:
    pad = " " if content.startswith(("`", " ")) or content.endswith(("`", " ")) else ""
    return f"{markup}{pad}{content}{pad}{markup}"


class _Lines:
    """The source's lines: offsets of each line's start and of its end (before the line break)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0]
        self.ends = []
        for match in _EOL.finditer(text):
            self.ends.append(match.start())
            self.starts.append(match.end())
        self.ends.append(len(text))

    def __len__(self) -> int:
        return len(self.starts)

    def line(self, number: int) -> str:
        return self.text[self.starts[number] : self.ends[number]]


def _locate(line: str, content: str) -> int | None:
    """Column where ``content`` (a line of a block's content) begins in the source ``line``."""
    if line.endswith(content):
        return len(line) - len(content)
    trimmed, wanted = line.rstrip(), content.strip()
    if wanted and trimmed.endswith(wanted):
        return len(trimmed) - len(wanted)
    return None


class MarkdownReader:
    """Reads a Markdown text into units (a generator) and counts what it does not read."""

    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.path = path
        self.lines = _Lines(text)
        self.notes: Counter = Counter()
        self.md = _parser()
        self.env: dict[str, Any] = {}

    def units(self) -> Iterator[MarkdownUnit]:
        normalized = _EOL.sub("\n", self.text).replace("\0", "\ufffd")
        tokens: list[Any] = []
        try:
            self.md.block.parse(normalized, self.md, self.env, tokens)
        except RecursionError:
            raise TermlockError("the Markdown nests too deeply to read", path=self.path,
                                fix=f"keep block quotes and lists under {MAX_NESTING} levels deep") from None
        covered = bytearray(len(self.lines))
        for token in tokens:
            if token.map and token.type in ("paragraph_open", "heading_open", "fence", "code_block", "html_block",
                                            "hr", "front_matter", "footnote_reference_open"):
                covered[token.map[0] : token.map[1]] = b"\x01" * (token.map[1] - token.map[0])
        for reference in (self.env.get("references") or {}).values():
            span = reference.get("map") if isinstance(reference, dict) else None
            if span:
                covered[span[0] : span[1]] = b"\x01" * (span[1] - span[0])
        uncovered = sum(1 for n in range(len(self.lines)) if not covered[n] and not _MARKER_ONLY.match(self.lines.line(n)))
        if uncovered:
            self.notes[TOO_DEEP] += uncovered
        parent = None
        for token in tokens:
            if token.type == "inline":
                yield from self._block(parent, token)
            elif token.type in ("fence", "code_block"):
                if token.content.strip():
                    self.notes[CODE] += 1
            elif token.type == "html_block":
                yield from self._html_block(token)
            parent = token

    # ----------------------------------------------------------------- blocks

    def _block(self, parent: Any, token: Any) -> Iterator[MarkdownUnit]:
        first, stop = parent.map
        content_lines = token.content.split("\n")
        if parent.type == "heading_open" and parent.markup.startswith("#"):
            line = self.lines.line(first)
            hashes = len(line) - len(line.lstrip(" ")) + len(parent.markup)
            column = line.find(token.content, hashes) if token.content else -1
            if column < 0:
                self.notes[UNPLACEABLE] += 1
                unit = self._unit(token.content, 0, 0, "heading", [], translatable=False)
            else:
                start = self.lines.starts[first] + column
                unit = self._unit(token.content, start, start + len(token.content), "heading", [])
            if unit is not None:
                yield unit
            return
        if parent.type == "paragraph_open":
            header = find_table(content_lines)
            if header is not None:
                if header:
                    yield from self._paragraph(content_lines[:header], first)
                yield from self._table(content_lines[header:], first + header)
                return
        yield from self._paragraph(content_lines, first)

    def _columns(self, content_lines: list[str], first: int) -> list[int] | None:
        columns = []
        for offset, content in enumerate(content_lines):
            column = _locate(self.lines.line(first + offset), content)
            if column is None:
                return None
            columns.append(column)
        return columns

    def _paragraph(self, content_lines: list[str], first: int) -> Iterator[MarkdownUnit]:
        content = "\n".join(content_lines).strip()
        if not content:
            return
        columns = self._columns(content_lines, first)
        prefixes = []
        if columns is None:
            self.notes[UNPLACEABLE] += 1
            start = end = 0
            translatable = False
        else:
            last = first + len(content_lines) - 1
            start = self.lines.starts[first] + columns[0] + (len(content_lines[0]) - len(content_lines[0].lstrip()))
            end = self.lines.starts[last] + columns[-1] + len(content_lines[-1].rstrip())
            prefixes = [self.lines.line(first + n)[: columns[n]] for n in range(len(content_lines))]
            translatable = True
        unit = self._unit(content, start, end, "paragraph", prefixes, translatable=translatable)
        if unit is not None:
            yield unit

    def _table(self, rows: list[str], first: int) -> Iterator[MarkdownUnit]:
        columns = self._columns(rows, first)
        width = len(list(row_cells(rows[0], 10**9)))
        for offset, row in enumerate(rows):
            if offset == 1:
                continue  # the delimiter row
            base = self.lines.starts[first + offset] + columns[offset] if columns is not None else None
            for cell in row_cells(row, width):
                if not cell.text.strip():
                    continue
                if base is None:
                    self.notes[UNPLACEABLE] += 1
                    unit = self._unit(cell.text, 0, 0, "cell", [], translatable=False)
                else:
                    unit = self._unit(cell.text, base + cell.start, base + cell.end, "cell", [])
                if unit is not None:
                    yield unit

    def _html_block(self, token: Any) -> Iterator[MarkdownUnit]:
        from termlock.documents.html_document import read_html_units

        first, stop = token.map
        start = self.lines.starts[first]
        end = self.lines.ends[stop - 1]
        units, _, _ = read_html_units(self.text[start:end], self.path, self.notes, strict=False)
        for item in units:
            yield MarkdownUnit(start + item.start, start + item.end, item.tokens, item.text, "html", item)

    # ----------------------------------------------------------------- inline

    def _unit(self, content: str, start: int, end: int, kind: str, prefixes: list[str], *,
              translatable: bool = True) -> MarkdownUnit | None:
        tokens = self._inline(content, prefixes)
        texts = [t for t in tokens if isinstance(t, inline.Text)]
        for token, value in zip(texts, collapse([t.text for t in texts])):
            token.text = value
        tokens = inline.prepare(tokens)
        text = inline.plain_text(tokens).strip()
        if not text:
            return None
        unit = MarkdownUnit(start, end, tokens, text, kind)
        if not translatable:
            unit.start = unit.end = -1
        return unit

    def _inline(self, content: str, prefixes: list[str]) -> list[inline.Token]:
        if not _INLINE_SPECIAL.search(content):
            return [inline.Text(content)]
        children: list[Any] = []
        self.md.inline.parse(content, self.md, self.env, children)
        tokens: list[inline.Token] = []
        breaks = 0
        index = 0
        while index < len(children):
            child = children[index]
            kind = child.type
            if kind in ("text", "text_special"):
                tokens.append(inline.Text(child.content))
            elif kind == "softbreak":
                breaks += 1
                tokens.append(inline.Text("\n"))
            elif kind == "hardbreak":
                breaks += 1
                prefix = prefixes[breaks] if breaks < len(prefixes) else ""
                tokens.append(inline.Code("standalone", Markup("\\\n" + prefix), boundary=True))
            elif kind in ("em_open", "strong_open", "s_open"):
                tokens.append(inline.Code("open", Markup(child.markup.replace("_", "*"))))
            elif kind in ("em_close", "strong_close", "s_close"):
                tokens.append(inline.Code("close", Markup(child.markup.replace("_", "*"))))
            elif kind == "link_open" and child.markup == "autolink":
                written = []
                index += 1
                while index < len(children) and children[index].type != "link_close":
                    written.append(children[index].content)
                    index += 1
                tokens.append(inline.Code("standalone", Markup("<" + "".join(written) + ">"), boundary=True))
            elif kind == "link_open":
                tokens.append(inline.Code("open", Markup("[")))
                tokens.append(_LinkEnd(child.attrGet("href") or "", child.attrGet("title")))
            elif kind == "link_close":
                pending = next(t for t in reversed(tokens) if isinstance(t, _LinkEnd) and not t.used)
                pending.used = True
                tokens.append(inline.Code("close", Markup("](" + _link_destination(pending.href, pending.title) + ")")))
            elif kind == "image":
                self.notes[IMAGES] += 1 if child.content.strip() else 0
                alt = escape_text(child.content)
                raw = f"![{alt}](" + _link_destination(child.attrGet("src") or "", child.attrGet("title")) + ")"
                tokens.append(inline.Code("standalone", Markup(raw), boundary=True))
            elif kind == "code_inline":
                self.notes[CODE] += 1
                tokens.append(inline.Code("standalone", Markup(_code_span(child.content, child.markup)), boundary=True))
            elif kind == "html_inline":
                tokens.append(inline.Code("standalone", Markup(child.content), boundary=bool(_BREAK_TAG.match(child.content))))
            elif kind == "footnote_ref":
                label = (child.meta or {}).get("label") or ""
                tokens.append(inline.Code("standalone", Markup(f"[^{label}]"), boundary=False))
            else:
                tokens.append(inline.Code("standalone", Markup(child.content or child.markup), boundary=False))
            index += 1
        return [t for t in tokens if not isinstance(t, _LinkEnd)]


@dataclass
class _LinkEnd:
    """A link's destination, kept until its closing token (not a token of the result)."""

    href: str
    title: str | None
    used: bool = False


def render_unit(unit: MarkdownUnit, translation: str, target_lang: str = "en", judge: Any = None) -> str:
    """The unit's new source text: the translation escaped, its markup put back (by the terms, given ``judge``)."""
    if unit.kind == "html":
        from termlock.documents.html_document import render_unit as render_html

        return render_html(unit.html, translation, target_lang=target_lang, source_lang="", judge=judge)
    parts = []
    at_start = unit.kind == "paragraph"
    for token in inline.place_codes(unit.tokens, translation, judge):
        if isinstance(token, inline.Text):
            if token.separator or not token.text:
                continue
            parts.append(escape_text(token.text, cell=unit.kind == "cell", line_start=at_start))
        else:
            parts.append(token.element.raw)
        at_start = False
    return "".join(parts)


def read_markdown(data: bytes, path: str) -> tuple[str, bool, list[MarkdownUnit], MarkdownReader]:
    text, bom = decode_document(data, path)
    reader = MarkdownReader(text, path)
    return text, bom, list(reader.units()), reader


def markdown_document(data: bytes, path: str) -> DocumentText:
    """The paragraphs a checker reads from Markdown, and what it did not read (units' text only kept)."""
    text, _ = decode_document(data, path)
    reader = MarkdownReader(text, path)
    paragraphs = [unit.text for unit in reader.units()]
    return DocumentText(paragraphs, not_read_from(sorted(reader.notes.items(), key=lambda kv: kv[0][1])))


def markdown_paragraphs(text: str) -> list[str]:
    """The plain-text paragraphs of Markdown ``text`` in document order."""
    return [unit.text for unit in MarkdownReader(text, "<markdown>").units()]


@register
class MarkdownStore(DocumentStore):
    """A Markdown document: one unit per paragraph, heading, list item, table cell (see the module docstring)."""

    name = "markdown"
    extensions = (".md", ".markdown")

    def __init__(self, units: list[Unit], path: str, *, data: bytes, text: str, bom: bool,
                 slots: list[MarkdownUnit], not_read=()) -> None:
        super().__init__(units, path, not_read)
        self._data = data
        self._text = text
        self._bom = bom
        self._slots = slots

    @classmethod
    def parse(cls, data: bytes, path: str) -> "MarkdownStore":
        text, bom, slots, reader = read_markdown(data, path)
        starts = reader.lines.starts
        units = []
        for slot in slots:
            where = max(slot.start, 0)
            line = bisect.bisect_right(starts, where)
            units.append(Unit(id=f"{line}:{where - starts[line - 1] + 1}" if slot.start >= 0 else f"{len(units) + 1}",
                              source=slot.text, translatable=slot.start >= 0, meta={"format": "markdown", "kind": slot.kind}))
        seen: Counter = Counter()
        for unit in units:  # ids unique even where two cells share a column (unplaceable ones)
            seen[unit.id] += 1
            if seen[unit.id] > 1:
                unit.id = f"{unit.id}.{seen[unit.id]}"
        return cls(units, path, data=data, text=text, bom=bom, slots=slots,
                   not_read=not_read_from(sorted(reader.notes.items(), key=lambda kv: kv[0][1])))

    def serialize(self) -> bytes:
        edits = [
            (slot.start, slot.end, render_unit(slot, unit.target, self.target_lang, self.term_judge(unit)))
            for unit, slot in zip(self.units, self._slots)
            if slot.start >= 0 and self.changed(unit)
        ]
        if not edits:
            return self._data
        return encode_document(apply_edits(self._text, edits), self._bom)
