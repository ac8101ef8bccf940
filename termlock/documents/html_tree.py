"""HTML as a tree whose every node knows its place in the source text.

Translating a web page must leave every byte that is not translated as it
was (attribute quoting, entities, indentation, comments), so the tree is
built from the standard library's HTML tokenizer (``html.parser``, which
gives each tag's, text's and comment's position), not re-serialised by a
parser that normalises. The tree construction is the part of HTML's that
matters here: void elements (``<br>``), raw-text elements (``<script>``,
``<style>``), and the end tags HTML lets an author leave out (``</p>``
before a block, ``</li>`` before the next item, ``</td>``, ``</tr>``, ...).

Broken nesting -- an end tag that closes an element while another one
inside it is still open (``<b><i>x</b></i>``), or an end tag with nothing
to close -- has no single meaning (browsers repair it each their own way),
so in a whole page it is refused with its line and column. A fragment (a
raw HTML block inside Markdown, which may open an element in one block and
close it in another) is read leniently instead: a stray end tag is kept as
it is, and an element left open ends with the fragment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

from termlock.errors import TermlockError

VOID = frozenset(
    "area base br col embed hr img input keygen link meta param source track wbr".split()
)
#: elements whose end tag HTML lets an author leave out
OPTIONAL_END = frozenset(
    "p li dt dd tr td th thead tbody tfoot option optgroup rt rp rb rtc colgroup caption head body html".split()
)
_BLOCKS_CLOSING_P = frozenset(
    "address article aside blockquote details dialog div dl fieldset figcaption figure footer form h1 h2 h3 h4 "
    "h5 h6 header hgroup hr main menu nav ol p pre section table ul".split()
)
#: start tag -> open elements it closes first (innermost first, while they are the current element)
_CLOSED_BY = {
    **{tag: frozenset({"p"}) for tag in _BLOCKS_CLOSING_P},
    "li": frozenset({"li", "p"}),
    "dt": frozenset({"dt", "dd", "p"}),
    "dd": frozenset({"dt", "dd", "p"}),
    "tr": frozenset({"tr", "td", "th", "p"}),
    "td": frozenset({"td", "th", "p"}),
    "th": frozenset({"td", "th", "p"}),
    "thead": frozenset({"tbody", "thead", "tfoot", "tr", "td", "th", "p", "caption", "colgroup"}),
    "tbody": frozenset({"tbody", "thead", "tfoot", "tr", "td", "th", "p", "caption", "colgroup"}),
    "tfoot": frozenset({"tbody", "thead", "tfoot", "tr", "td", "th", "p", "caption", "colgroup"}),
    "option": frozenset({"option"}),
    "optgroup": frozenset({"option", "optgroup"}),
    "rt": frozenset({"rt", "rp", "rb"}),
    "rp": frozenset({"rt", "rp", "rb"}),
    "body": frozenset({"head"}),
}

_FIX = "repair the HTML nesting (a validator such as validator.w3.org names each error), then run again"


@dataclass
class Node:
    """A piece of the source: ``text[start:end]``."""

    start: int
    end: int


@dataclass
class TextNode(Node):
    """Character data, entities decoded (``text``)."""

    text: str = ""


@dataclass
class Markup(Node):
    """A comment, declaration, processing instruction or (in a fragment) a stray end tag."""

    kind: str = "comment"


@dataclass
class Element(Node):
    """An element: its start tag is ``[start, start_tag_end)``, its end tag ``[end_tag_start, end)`` when written."""

    tag: str = ""
    attrs: dict[str, str | None] = field(default_factory=dict)
    start_tag_end: int = 0
    end_tag_start: int | None = None
    children: list[Node] = field(default_factory=list)
    parent: "Element | None" = None
    line: int = 0
    column: int = 0


class _Builder(HTMLParser):
    def __init__(self, text: str, path: str, strict: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.source = text
        self.path = path
        self.strict = strict
        self.starts = [0]
        position = text.find("\n")
        while position != -1:
            self.starts.append(position + 1)
            position = text.find("\n", position + 1)
        self.root = Element(0, len(text), tag="#document")
        self.stack: list[Element] = [self.root]
        self.last: Node | None = None  # the node whose end is the next event's start

    # positions ----------------------------------------------------------------

    def _here(self) -> int:
        line, column = self.getpos()
        return self.starts[line - 1] + column

    def _close_last(self, at: int) -> None:
        if self.last is not None:
            if isinstance(self.last, Element):
                if self.last.end_tag_start is None:
                    self.last.start_tag_end = at
                else:
                    self.last.end = at
            else:
                self.last.end = at
            self.last = None

    def _add(self, node: Node) -> None:
        self.stack[-1].children.append(node)
        if isinstance(node, Element):
            node.parent = self.stack[-1]

    # events -------------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, self_closing=False)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, self_closing=True)

    def _start(self, tag: str, attrs: list[tuple[str, str | None]], self_closing: bool) -> None:
        at = self._here()
        self._close_last(at)
        closes = _CLOSED_BY.get(tag)
        if closes:
            while self.stack[-1].tag in closes and self.stack[-1].tag in OPTIONAL_END:
                self._pop(at)
        line, column = self.getpos()
        element = Element(at, at, tag=tag, attrs=dict(attrs), start_tag_end=at, line=line, column=column + 1)
        self._add(element)
        if tag in VOID or self_closing:
            element.end_tag_start = None
            self.last = element
            element.end = -1  # the start tag's end, once known (_fix_void_ends)
        else:
            self.stack.append(element)
            self.last = element

    def _pop(self, at: int) -> None:
        """Close the current element where the next thing begins (an end tag left out)."""
        element = self.stack.pop()
        element.end = max(at, element.start_tag_end)

    def handle_endtag(self, tag: str) -> None:
        at = self._here()
        self._close_last(at)
        depth = next((i for i in range(len(self.stack) - 1, 0, -1) if self.stack[i].tag == tag), None)
        line, column = self.getpos()
        if depth is None:
            if self.strict:
                raise TermlockError(f"</{tag}> at line {line}, column {column + 1} has no open <{tag}> to close",
                                    path=self.path, line=line, fix=_FIX)
            stray = Markup(at, at, kind="stray end tag")
            self._add(stray)
            self.last = stray
            return
        inner = [element for element in self.stack[depth + 1 :] if element.tag not in OPTIONAL_END]
        if inner and self.strict:
            open_one = inner[-1]
            raise TermlockError(
                f"</{tag}> at line {line}, column {column + 1} closes <{tag}> (line {self.stack[depth].line}) "
                f"while <{open_one.tag}> (line {open_one.line}, column {open_one.column}) inside it is still open",
                path=self.path, line=line, fix=_FIX,
            )
        while len(self.stack) > depth + 1:
            self._pop(at)
        element = self.stack.pop()
        element.end_tag_start = at
        element.end = at
        self.last = element

    def handle_data(self, data: str) -> None:
        at = self._here()
        self._close_last(at)
        node = TextNode(at, at, text=data)
        self._add(node)
        self.last = node

    def _markup(self, kind: str) -> None:
        at = self._here()
        self._close_last(at)
        node = Markup(at, at, kind=kind)
        self._add(node)
        self.last = node

    def handle_comment(self, data: str) -> None:
        self._markup("comment")

    def handle_decl(self, decl: str) -> None:
        self._markup("declaration")

    def unknown_decl(self, data: str) -> None:
        self._markup("declaration")

    def handle_pi(self, data: str) -> None:
        self._markup("processing instruction")

    def finish(self) -> Element:
        self.close()
        end = len(self.source)
        self._close_last(end)
        while len(self.stack) > 1:
            self._pop(end)
        _fix_void_ends(self.root)
        return self.root


def _fix_void_ends(root: Element) -> None:
    """Void and self-closed elements end where their start tag does."""
    pending = [root]
    while pending:
        element = pending.pop()
        for child in element.children:
            if isinstance(child, Element):
                if child.end == -1:
                    child.end = child.start_tag_end
                pending.append(child)


def parse_html(text: str, path: str, *, strict: bool = True) -> Element:
    """The tree of ``text`` (see the module docstring); ``strict``: refuse broken nesting."""
    builder = _Builder(text, path, strict)
    builder.feed(text)
    return builder.finish()


def iter_elements(root: Element):
    """Every element under ``root``, in document order."""
    pending = list(reversed(root.children))
    while pending:
        node = pending.pop()
        if isinstance(node, Element):
            yield node
            pending.extend(reversed(node.children))
