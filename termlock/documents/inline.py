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

Codes are placed by the glossary's terms, never through them. Given the
glossary's judge, :func:`place_codes` knows the source span of every term
and, from the judge's own target matching (the rules ``termlock check``
applies), the target span of its rendering. A code that touches a term in
the source keeps to its rendering: a pair that wraps the term wraps the
rendering whole, a code right before or after the term goes right before or
after the rendering, a code inside the term goes to the rendering's nearer
edge. No code lands inside a rendering or inside a word. When the
translation reorders terms, codes tied to them move along with their
renderings as long as every code stays inside the same pair as in the
source; otherwise source order wins and codes are pushed out of any
rendering they would split. Protected text
(``translate="no"``, ``mtype="protected"``) placed between words of a
spaced target gets the spaces around it that the target needs ("Liaoning
Daily revitalization", not "Liaoning Dailyrevitalization").

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
from typing import TYPE_CHECKING, Any, Iterable, NamedTuple, Sequence

from lxml import etree

from termlock.xmlsafe import local_name

if TYPE_CHECKING:  # pragma: no cover
    from termlock.glossary.verdicts import SegmentJudge

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


def _joints(text: str) -> list[int]:
    """Positions of a text without spaces where a code may go: not between two letters of a spaced script."""
    return [
        i for i in range(len(text) + 1) if i in (0, len(text)) or not (_spaced_letter(text[i - 1]) and _spaced_letter(text[i]))
    ]


def _spaced_letter(ch: str) -> bool:
    return ch.isalnum() and unicodedata.east_asian_width(ch) not in "WF"


def _nearest(candidates: Sequence[int], value: float) -> int:
    return min(candidates, key=lambda c: (abs(c - value), c))


class Rendering(NamedTuple):
    """A glossary term's span in the source plain text and its rendering's span in the target body."""

    source_start: int
    source_end: int
    target_start: int
    target_end: int


def renderings(judge: "SegmentJudge", source: str, body: str) -> list[Rendering]:
    """Every term of ``source`` whose rendering the judge finds in ``body``, with both spans.

    The judge's own pairing (n-th occurrence, n-th rendering) and target
    matching: where ``termlock check`` sees a rendering, codes keep out of it.
    """
    return [
        Rendering(v.match.start, v.match.end, v.found.start, v.found.end)
        for v in judge.judge(source, body)
        if v.found is not None and v.found.end > v.found.start
    ]


def place_codes(source_tokens: Sequence[Token], translation: str, judge: "SegmentJudge | None" = None) -> list[Token]:
    """Tokens for the target: ``translation`` with the source's codes inserted.

    Leading and trailing whitespace of the source text is kept around the
    translation, so a unit that began with a space still does. ``judge``
    (the glossary's :class:`~termlock.glossary.verdicts.SegmentJudge`)
    places codes by the terms (see the module docstring); without one they
    go by relative position only.
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
    found = renderings(judge, source, body) if judge is not None and body else []
    # target spans no code may split, in text coordinates
    blocked = [(lead + r.target_start, lead + r.target_end) for r in found]
    inside = bytearray(len(body) + 1)
    for r in found:
        inside[r.target_start + 1 : r.target_end] = b"\x01" * (r.target_end - r.target_start - 1)
    joints = None if spaced else _joints(body)  # unspaced text (Chinese): anywhere but inside a Latin word
    starts = [lead + p for p in (_word_starts(body) if spaced else joints) if not inside[p]]
    ends = [lead + p for p in (_word_ends(body) if spaced else joints) if not inside[p]]

    positions: list[int] = []
    tied: list[bool] = []
    for code in codes:
        rendering = _touching(found, code, codes)
        at_edge = code.offset <= lead or code.offset >= len(source) - trail
        if rendering is not None and not (at_edge and code.kind == "standalone"):
            pos = lead + _edge(rendering, code)  # a pair around a term, a code next to or inside one
        elif code.offset <= lead:
            pos = code.offset
        elif code.offset >= len(source) - trail:
            pos = len(text) - (len(source) - code.offset)
        else:
            raw = lead + (code.offset - lead) / max(core_len, 1) * len(body)
            pos = _nearest(ends if code.kind == "close" else starts, raw)
        positions.append(pos)
        tied.append(rendering is not None and not (at_edge and code.kind == "standalone"))
    order = list(range(len(codes)))  # source order, unless terms moved and their codes can follow them
    if any(tied):
        around = _enclosing(codes, order)
        _hold_contents(codes, positions, tied, around)
        moved_positions = _clear_islands(codes, positions, tied, around)
        moved = sorted(order, key=_position_key(codes, moved_positions))
        if _enclosing(codes, moved) == around:
            order, positions = moved, moved_positions
    _keep_order(positions, order, blocked)
    _widen_empty_pairs(codes, positions, order, lead, lead + len(body), ends, blocked)
    _keep_order(positions, order, blocked)

    out: list[Token] = []
    cursor = 0
    for index in order:
        code, pos = codes[index], positions[index]
        if pos > cursor:
            out.append(Text(text[cursor:pos]))
            cursor = pos
        out.append(Code(code.kind, code.element, offset=pos, partner=code.partner, boundary=code.boundary))
    if cursor < len(text):
        out.append(Text(text[cursor:]))
    return _space_protected(out) if spaced else out


def _copy_tokens(tokens: Sequence[Token]) -> list[Token]:
    return [
        Text(t.text, t.separator) if isinstance(t, Text) else Code(t.kind, t.element, t.offset, t.partner, t.boundary)
        for t in tokens
    ]


def _touching(found: Sequence[Rendering], code: Code, codes: Sequence[Code]) -> Rendering | None:
    """The term a code keeps to: a pair within or exactly around it, a placeholder next to or inside it.

    A pair that wraps more than the term (a whole bold sentence) keeps to no
    term; a placeholder right after one term and before the next keeps to
    the first.
    """
    if code.kind != "standalone":
        other = codes[code.partner].offset if code.partner is not None else code.offset
        first, last = min(code.offset, other), max(code.offset, other)
        for rendering in found:
            if rendering.source_start <= first and last <= rendering.source_end:
                return rendering
        return None
    touching = [r for r in found if r.source_start <= code.offset <= r.source_end]
    return next((r for r in touching if code.offset == r.source_end), touching[0] if touching else None)


def _edge(rendering: Rendering, code: Code) -> int:
    """Where in the target body a code touching ``rendering`` goes: one of its two edges."""
    if code.offset <= rendering.source_start:
        return rendering.target_start
    if code.offset >= rendering.source_end:
        return rendering.target_end
    if code.kind == "open":
        return rendering.target_start
    if code.kind == "close":
        return rendering.target_end
    nearer_start = code.offset - rendering.source_start <= rendering.source_end - code.offset
    return rendering.target_start if nearer_start else rendering.target_end


def _enclosing(codes: Sequence[Code], order: Sequence[int]) -> dict[int, int | None] | None:
    """The pair around each code when the codes come in ``order`` (None if the pairs do not nest).

    Codes may follow their terms to new places only where every code keeps
    the pair it was in: a Word run never lands inside another run's text, a
    ``<g>`` never inside a ``<g>`` it was beside.
    """
    stack: list[int] = []
    around: dict[int, int | None] = {}
    for index in order:
        code = codes[index]
        if code.kind == "close":
            if not stack or stack[-1] != code.partner:
                return None
            stack.pop()
            continue
        around[index] = stack[-1] if stack else None
        if code.kind == "open":
            stack.append(index)
    return around if not stack else None


def _hold_contents(codes: Sequence[Code], positions: list[int], tied: list[bool], around: dict[int, int | None] | None) -> None:
    """A code inside a pair kept to a term stays inside it (a Word run holding only a footnote reference)."""
    if around is None:
        return
    for index, parent in around.items():  # in source order: an outer pair is settled before what it holds
        if parent is None or not tied[parent] or tied[index]:
            continue
        low, high = positions[parent], positions[codes[parent].partner]
        for member in (index, codes[index].partner) if codes[index].kind == "open" else (index,):
            positions[member] = min(max(positions[member], low), high)
            tied[member] = True


def _clear_islands(
    codes: Sequence[Code], positions: Sequence[int], tied: Sequence[bool], around: dict[int, int | None] | None
) -> list[int]:
    """Positions where no other pair swallows or crosses the codes kept to a term.

    A term's codes (a pair around it, a placeholder next to it) are islands
    at their rendering; a pair placed by relative position that overlaps an
    island it did not hold in the source is moved off it, to whichever side
    moves it less (a run before a term that moved to the front of the
    sentence now starts after it).
    """
    moved = list(positions)
    if around is None:
        return moved
    islands = []
    for index, code in enumerate(codes):
        if tied[index] and code.kind != "close":
            end = positions[code.partner] if code.kind == "open" and code.partner is not None else positions[index]
            islands.append((positions[index], end, index))
    for index, code in enumerate(codes):
        if tied[index] or code.kind != "open" or code.partner is None:
            continue
        close = code.partner
        for start, end, owner in islands:
            if _descends(owner, index, around):
                continue  # the pair held this term in the source too
            p, q = moved[index], moved[close]
            if not (p < end and start < q) and not (start == end and p < start < q):
                continue
            after, before = end, start  # move the pair's start after the island, or its end before it
            if after < q and (before <= p or after - p <= q - before):
                moved[index] = after
            elif before > p:
                moved[close] = before
    return moved


def _descends(index: int, ancestor: int, around: dict[int, int | None]) -> bool:
    parent = around.get(index)
    while parent is not None:
        if parent == ancestor:
            return True
        parent = around.get(parent)
    return False


def _position_key(codes: Sequence[Code], positions: Sequence[int]):
    """Sort key for codes by target position; at one position, pairs that end there close before new ones open."""

    def key(index: int) -> tuple:
        code = codes[index]
        if code.kind == "close" and code.partner is not None:
            opened = (positions[code.partner], code.partner)
            if opened[0] < positions[index]:
                return (positions[index], 0, -opened[0], -opened[1])  # inner pairs (opened later) close first
            return (positions[index], 2, -opened[1], 0)  # an empty pair closes after what opened at its place
        return (positions[index], 1, index, 0)

    return key


def _keep_order(positions: list[int], order: Sequence[int], blocked: Sequence[tuple[int, int]] = ()) -> None:
    """Positions that never decrease along ``order``; a code pushed forward never stops inside a rendering."""
    for previous, index in zip(order, order[1:]):
        if positions[index] < positions[previous]:
            positions[index] = _out_of(positions[previous], blocked)


def _out_of(position: int, blocked: Sequence[tuple[int, int]]) -> int:
    """``position``, or the end of the rendering it would split."""
    for start, end in blocked:
        if start < position < end:
            return end
    return position


def _widen_empty_pairs(
    codes: Sequence[Code],
    positions: list[int],
    order: Sequence[int],
    body_start: int,
    body_end: int,
    ends: Sequence[int],
    blocked: Sequence[tuple[int, int]] = (),
) -> None:
    """A pair that wrapped text in the source should wrap a word in the target."""
    rank = {index: place for place, index in enumerate(order)}
    for i, code in enumerate(codes):
        if code.kind != "open" or code.partner is None:
            continue
        j = code.partner
        wrapped_text = codes[j].offset > code.offset
        if not wrapped_text or positions[j] > positions[i]:
            continue
        if not (body_start <= positions[i] < body_end):
            continue
        later = [e for e in ends if e > positions[i]]
        if not later:
            continue
        positions[j] = min(later[0], body_end)
        for k in order[rank[j] + 1 :]:
            positions[k] = _out_of(max(positions[k], positions[j]), blocked)


#: characters after which protected text needs no space before it, and before which none after it
_NO_SPACE_AFTER = frozenset("([{“‘\"'/-–—")
_NO_SPACE_BEFORE = frozenset(")]}.,;:!?”’\"'/-–—%")


def _space_protected(tokens: list[Token]) -> list[Token]:
    """Spaces around protected text that now stands between words of a spaced target."""
    out = list(tokens)
    for index, token in enumerate(out):
        if not (isinstance(token, Code) and token.kind == "standalone" and isinstance(token.element, etree._Element)):
            continue
        if not protected(token.element):
            continue
        content = "".join(token.element.itertext())
        if not content.strip():
            continue
        previous = out[index - 1] if index else None
        if isinstance(previous, Text) and previous.text and not content[0].isspace():
            last = previous.text[-1]
            if not last.isspace() and last not in _NO_SPACE_AFTER:
                out[index - 1] = Text(previous.text + " ")
        following = out[index + 1] if index + 1 < len(out) else None
        if isinstance(following, Text) and following.text and not content[-1].isspace():
            first = following.text[0]
            if not first.isspace() and first not in _NO_SPACE_BEFORE:
                out[index + 1] = Text(" " + following.text)
    return out


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
