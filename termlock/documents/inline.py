"""Inline markup of bilingual formats: plain text out, tags back in.

An MT model sees plain text only: placeholders such as ``{1}`` or ``<g1>``
are mangled, dropped or translated by a seq2seq model that never saw them in
training. So termlock strips inline codes (XLIFF ``g``/``x``/``bx``/``ex``/
``ph``/``bpt``/``ept``/``it``/``mrk``, ``pc``/``sc``/``ec``/``sm``/``em``/
``cp``, TMX ``bpt``/``ept``/``it``/``ph``/``ut``/``hi``) before translation
and re-inserts them into the translation:

* every code of the source is present in the target, in source order, so
  paired codes stay balanced and nested exactly as in the source and the
  target is always well-formed;
* codes at the start or end of the source text (only whitespace before or
  after them) stay at the start or end of the target;
* inner codes go to the same relative position in the target text, moved to
  the nearest word boundary (opening codes before a word, closing codes
  after one); a paired code that wrapped text in the source wraps at least
  one word in the target.

The text of ``g``/``mrk``/``pc``/``hi`` is translatable text; the content of
the other codes is native markup and is neither translated nor counted. A
``mrk`` marked not to be translated (XLIFF 2.0 ``translate="no"``, 1.2
``mtype="protected"``) is handled like a code: its content is copied to the
target as it is, never sent to the model, and a glossary term inside it is
not required in the translation.

The same tokens serve the whole-document formats (Word runs, Markdown and
HTML markup, :mod:`termlock.documents.docx` and friends): they build
:class:`Code` tokens of their own (``element`` is whatever the format needs
to write the code back, ``boundary`` says whether it separates words) and
call :func:`prepare`, then :func:`place_codes` for the translation.

A translation that is the source text itself (a model that copied a name or
a figure) gets every code exactly where it was, separators included, so
writing it back changes nothing.

A placeholder between two words (``to<x id="1"/>dual``, a ``<ph>`` for a
line break) separates them: the plain text gets a space there, or "to" and
"dual" would run together into "todual" and a term next to a code would be
missed. Codes that only format (``g``, ``bpt``/``ept``, ``bx``/``ex``) do not
separate (``in<g>divid</g>ual`` stays one word), nor does a placeholder
that stands for a zero-width joiner, word joiner or soft hyphen.
"""

from __future__ import annotations

import copy
import unicodedata
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from lxml import etree

from termlock.xmlsafe import local_name

#: Inline elements whose content is text of the segment (they wrap words).
PAIRED_TEXT_TAGS = frozenset({"g", "mrk", "pc", "hi"})
#: Standalone codes that stand for content of their own and so separate words.
BOUNDARY_TAGS = frozenset({"x", "ph", "mrk"})
#: What a placeholder may stand for and still join the words around it.
_JOINERS = frozenset("\u200d\u2060\u00ad\ufeff")


def protected(element: etree._Element) -> bool:
    """A marker whose content must not be translated (2.0 translate="no", 1.2 mtype="protected")."""
    return local_name(element) == "mrk" and (element.get("translate") == "no" or element.get("mtype") == "protected")


@dataclass
class Text:
    text: str
    separator: bool = False  # a space standing for a placeholder between words, not file text


@dataclass
class Code:
    """One inline element; ``kind`` is 'open', 'close' or 'standalone'.

    ``element`` (bilingual XML) is a detached copy: for 'open' the element
    without children, for 'standalone' the whole element (its content is
    native code); a document format stores what it writes back instead.
    ``offset`` is the character offset of the code in the plain text.
    ``boundary``: whether a standalone code separates the words around it
    (None: decided by its XML tag, see :data:`BOUNDARY_TAGS`).
    """

    kind: str
    element: Any
    offset: int = 0
    partner: int | None = None  # index (in codes) of the matching open/close
    boundary: bool | None = None


Token = Text | Code


def _shallow_copy(element: etree._Element) -> etree._Element:
    clone = copy.copy(element)
    for child in list(clone):
        clone.remove(child)
    clone.text = None
    clone.tail = None
    return clone


def _detached(element: etree._Element) -> etree._Element:
    clone = copy.deepcopy(element)
    clone.tail = None
    return clone


def tokenize(container: etree._Element, paired: Iterable[str] = PAIRED_TEXT_TAGS) -> list[Token]:
    """The content of ``container`` as text and inline-code tokens."""
    paired_set = frozenset(paired)
    tokens: list[Token] = []

    def walk(element: etree._Element) -> None:
        if element.text:
            tokens.append(Text(element.text))
        for child in element:
            if not isinstance(child.tag, str):
                pass  # comments and processing instructions inside a segment are dropped
            elif local_name(child) in paired_set and not protected(child):
                tokens.append(Code("open", _shallow_copy(child)))
                walk(child)
                tokens.append(Code("close", None))
            else:
                tokens.append(Code("standalone", _detached(child)))
            if child.tail:
                tokens.append(Text(child.tail))

    walk(container)
    return prepare(tokens)


def prepare(tokens: list[Token]) -> list[Token]:
    """Finish a token list a format built: separator spaces at word boundaries, offsets, pairs."""
    tokens = _separate_words(tokens)
    _link_pairs(tokens)
    return tokens


def _is_boundary(code: Code) -> bool:
    if code.boundary is not None:
        return code.kind == "standalone" and code.boundary
    element = code.element
    if code.kind != "standalone" or element is None or local_name(element) not in BOUNDARY_TAGS:
        return False
    content = "".join(element.itertext())
    return not (content and set(content) <= _JOINERS)


def _separate_words(tokens: list[Token]) -> list[Token]:
    """A space after each placeholder that sits between two non-space characters."""
    if not any(isinstance(token, Code) and _is_boundary(token) for token in tokens):
        return tokens
    before: list[str] = []  # last text character before each token ('' if none)
    last = ""
    for token in tokens:
        before.append(last)
        if isinstance(token, Text) and token.text:
            last = token.text[-1]
    after: list[str] = [""] * len(tokens)  # first text character after each token
    following = ""
    for index in range(len(tokens) - 1, -1, -1):
        after[index] = following
        token = tokens[index]
        if isinstance(token, Text) and token.text:
            following = token.text[0]
    out: list[Token] = []
    for index, token in enumerate(tokens):
        out.append(token)
        if isinstance(token, Code) and _is_boundary(token) and _spaced_between(before[index], after[index]):
            out.append(Text(" ", separator=True))
    return out


def _spaced_between(left: str, right: str) -> bool:
    """Whether a space belongs between these neighbours: both text, neither a space,
    and not both East Asian wide characters (Chinese and Japanese put no spaces between words)."""
    if not left or not right or left.isspace() or right.isspace():
        return False
    return not (unicodedata.east_asian_width(left) in "WF" and unicodedata.east_asian_width(right) in "WF")


def _link_pairs(tokens: Sequence[Token]) -> None:
    codes = [token for token in tokens if isinstance(token, Code)]
    stack: list[int] = []
    offset = 0
    index = 0
    for token in tokens:
        if isinstance(token, Text):
            offset += len(token.text)
            continue
        token.offset = offset
        if token.kind == "open":
            stack.append(index)
        elif token.kind == "close":
            opener = stack.pop()
            token.partner = opener
            codes[opener].partner = index
        index += 1


def plain_text(tokens: Iterable[Token]) -> str:
    return "".join(token.text for token in tokens if isinstance(token, Text))


def codes_of(tokens: Iterable[Token]) -> list[Code]:
    return [token for token in tokens if isinstance(token, Code)]


def _word_starts(text: str) -> list[int]:
    return [i for i in range(len(text) + 1) if i == len(text) or (not text[i].isspace() and (i == 0 or text[i - 1].isspace()))]


def _word_ends(text: str) -> list[int]:
    return [i for i in range(len(text) + 1) if i == 0 or (not text[i - 1].isspace() and (i == len(text) or text[i].isspace()))]


def _nearest(candidates: Sequence[int], value: float) -> int:
    return min(candidates, key=lambda c: (abs(c - value), c))


def place_codes(source_tokens: Sequence[Token], translation: str) -> list[Token]:
    """Tokens for the target: ``translation`` with the source's codes inserted.

    Leading and trailing whitespace of the source text is kept around the
    translation, so a unit that began with a space still does.
    """
    codes = codes_of(source_tokens)
    source = plain_text(source_tokens)
    lead = len(source) - len(source.lstrip())
    trail = len(source) - len(source.rstrip())
    core_len = len(source) - lead - trail
    body = translation.strip()
    if codes and body == source[lead : len(source) - trail]:
        return _copy_tokens(source_tokens)  # the text itself: every code where it was
    text = source[:lead] + body + (source[len(source) - trail:] if trail else "")
    if not codes:
        return [Text(text)] if text else []

    spaced = any(ch.isspace() for ch in body)
    all_positions = list(range(len(body) + 1))
    starts = _word_starts(body) if spaced else all_positions
    ends = _word_ends(body) if spaced else all_positions

    positions: list[int] = []
    for code in codes:
        if code.offset <= lead:
            pos = code.offset
        elif code.offset >= len(source) - trail:
            pos = len(text) - (len(source) - code.offset)
        else:
            raw = (code.offset - lead) / max(core_len, 1) * len(body)
            candidates = ends if code.kind == "close" else starts
            pos = lead + _nearest(candidates, raw)
        positions.append(pos)
    _keep_order(positions)
    _widen_empty_pairs(codes, positions, source_tokens, lead, lead + len(body), ends)

    out: list[Token] = []
    cursor = 0
    for code, pos in zip(codes, positions):
        if pos > cursor:
            out.append(Text(text[cursor:pos]))
            cursor = pos
        out.append(Code(code.kind, code.element, offset=pos, partner=code.partner))
    if cursor < len(text):
        out.append(Text(text[cursor:]))
    return out


def _copy_tokens(tokens: Sequence[Token]) -> list[Token]:
    return [
        Text(t.text, t.separator) if isinstance(t, Text) else Code(t.kind, t.element, t.offset, t.partner, t.boundary)
        for t in tokens
    ]


def _keep_order(positions: list[int]) -> None:
    for i in range(1, len(positions)):
        if positions[i] < positions[i - 1]:
            positions[i] = positions[i - 1]


def _widen_empty_pairs(
    codes: Sequence[Code],
    positions: list[int],
    source_tokens: Sequence[Token],
    body_start: int,
    body_end: int,
    ends: Sequence[int],
) -> None:
    """A pair that wrapped text in the source should wrap a word in the target."""
    for i, code in enumerate(codes):
        if code.kind != "open" or code.partner is None:
            continue
        j = code.partner
        wrapped_text = codes[j].offset > code.offset
        if not wrapped_text or positions[j] > positions[i]:
            continue
        if not (body_start <= positions[i] < body_end):
            continue
        later = [body_start + e for e in ends if body_start + e > positions[i]]
        if not later:
            continue
        positions[j] = min(later[0], body_end)
        for k in range(j + 1, len(positions)):
            positions[k] = max(positions[k], positions[j])


def fill(container: etree._Element, tokens: Sequence[Token]) -> None:
    """Replace the content of ``container`` (keeping its attributes and tail)."""
    for child in list(container):
        container.remove(child)
    container.text = None
    stack: list[etree._Element] = [container]

    def append_text(value: str) -> None:
        parent = stack[-1]
        if len(parent):
            last = parent[-1]
            last.tail = (last.tail or "") + value
        else:
            parent.text = (parent.text or "") + value

    for token in tokens:
        if isinstance(token, Text):
            if token.text and not token.separator:
                append_text(token.text)
        elif token.kind == "open":
            element = copy.copy(token.element)
            stack[-1].append(element)
            stack.append(element)
        elif token.kind == "close":
            stack.pop()
        else:
            stack[-1].append(copy.deepcopy(token.element))
