"""Inline markup in server requests: codes kept as sent, never translated, never inside a term.

The markup goes through the XLIFF inline-code handling
(:mod:`termlock.documents.inline`); these tests pin what the server adds:
raw tags written back byte for byte, strict XML, lenient HTML and chat codes
with the repairs listed, ``ignore_tags`` content untouched, and (property
tests) whatever the translation, the output's tags are the input's in order
and none lands strictly inside a rendering the judge found (codes are
placed by the request glossary's terms, as every store places them).
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from termlock.documents import inline
from termlock.glossary import Glossary, Term
from termlock.glossary.verdicts import SegmentJudge
from termlock.server import markup
from termlock.web.errors import HttpError

JUDGE = SegmentJudge(Glossary("t", (Term("dual-cores", ("双核",), "dual cores"),)))


def render(marked, translation: str) -> str:
    return markup.render(marked, markup.place(marked, translation, JUDGE))

_TAGS = re.compile(r"<[^>]*>|\[X\d+X\]|@@PH\d+@@")


def tags(text: str) -> list[str]:
    return _TAGS.findall(text)


def test_xml_placeholders_and_attributes_come_back_as_sent():
    marked = markup.parse("坚持<x id='3'></x>双核<b  class=\"k\">驱动</b>。", markup.XML)
    assert marked.plain == "坚持双核驱动。"
    out = render(marked, "Uphold dual-core drive.")
    assert tags(out) == ["<x id='3'>", "</x>", '<b  class="k">', "</b>"]
    assert "<x id='3'></x>" in out


def test_ignore_tags_content_is_copied_untouched():
    marked = markup.parse('坚持<code lang="zh">不要翻译</code>双核。', markup.XML, ignore_tags=["code"])
    assert "不要翻译" not in marked.plain
    assert '<code lang="zh">不要翻译</code>' in render(marked, "Uphold dual cores.")


def test_entities_are_decoded_for_the_model_and_escaped_again():
    marked = markup.parse("A &amp; B &lt;双核&gt;", markup.XML)
    assert marked.plain == "A & B <双核>"
    assert render(marked, "A & B <dual cores>") == "A &amp; B &lt;dual cores&gt;"


def test_unbalanced_xml_is_refused_naming_the_field():
    with pytest.raises(HttpError) as caught:
        markup.parse("坚持<b>双核", markup.XML, field_name="text[2]")
    assert caught.value.status == 400 and caught.value.message.startswith("text[2]: not well-formed XML")


def test_html_and_chat_repairs_are_listed_and_tags_kept():
    marked = markup.parse("<p>坚持<b>双核</i>", markup.HTML)
    assert marked.repairs == ["</i> has no opening tag: kept in place as a standalone code",
                              "<p> is never closed: kept in place as a standalone code",
                              "<b> is never closed: kept in place as a standalone code"]
    assert tags(render(marked, "Uphold dual cores")) == ["<p>", "<b>", "</i>"]
    chat = markup.parse('坚持<t1>双核 [X0X] @@PH1@@ a < b', markup.CHAT)
    assert chat.repairs == []  # a lone <t1> is a placeholder, and "a < b" is text
    assert tags(render(chat, "Uphold dual cores a < b")) == ["<t1>", "[X0X]", "@@PH1@@"]


def test_a_code_inside_a_term_goes_to_the_edge_of_its_rendering():
    marked = markup.parse('坚持双<x id="1"/>核驱动', markup.CHAT)
    out = render(marked, "uphold dual cores drive")
    assert "dual cores" in out and '<x id="1"/>' in out
    pair = markup.parse('坚持<g id="1">双核</g>驱动', markup.CHAT)
    assert '<g id="1">dual cores</g>' in render(pair, "uphold the dual cores drive")


@st.composite
def marked_up(draw):
    words = draw(st.lists(st.sampled_from(["坚持", "双核", "驱动", "发展", "。", " "]), min_size=1, max_size=8))
    pieces: list[str] = []
    opened: list[int] = []
    counter = 0
    for word in words:
        action = draw(st.sampled_from(["text", "open", "close", "empty"]))
        if action == "open":
            counter += 1
            opened.append(counter)
            pieces.append(f'<g id="{counter}">')
        elif action == "close" and opened:
            pieces.append("</g>")
            opened.pop()
        elif action == "empty":
            counter += 1
            pieces.append(f'<x id="{counter}"/>')
        pieces.append(word)
    pieces += ["</g>"] * len(opened)
    return "".join(pieces)


@settings(max_examples=150, deadline=None)
@given(source=marked_up(), translation=st.text(alphabet="abc dual cores", max_size=40))
def test_output_tags_are_the_inputs_in_order_and_never_inside_a_term(source, translation):
    for mode in (markup.XML, markup.CHAT):
        marked = markup.parse(source, mode)
        placed = markup.place(marked, translation, JUDGE)
        assert tags(markup.render(marked, placed)) == tags(source)
        plain = inline.plain_text(placed)
        spans = [(v.found.start, v.found.end) for v in JUDGE.judge(marked.plain, plain) if v.found is not None]
        offset = 0
        for token in placed:
            if isinstance(token, inline.Text):
                offset += len(token.text)
            else:
                assert not any(start < offset < end for start, end in spans), (source, translation)
