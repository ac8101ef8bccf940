"""The HTML reader: the text a browser shows, paragraph by paragraph; the page written back byte for byte."""

from __future__ import annotations

import pytest

from termlock.documents.html_document import HtmlStore, set_lang
from termlock.documents.html_tree import parse_html
from termlock.errors import TermlockError

PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>双核报告</title>
<style>p::before { content: "双核"; }</style>
<script>var term = "双核";</script></head>
<body>
<h1>构建<b>新发展格局</b></h1>
<p>坚持“双核”驱动，
   避免<a href="x.html" title="提示">卡脖子</a>问题&amp;风险。<br>第二行</p>
<p translate="no">不要翻译的双核</p>
<ul><li>第一项<li>第二项 <code>双核()</code></ul>
<div>直接文本<p>段落</p>尾部<span lang="zh">文本</span></div>
<table><tr><td>单元格<td>dual<br>cores</table>
<p hidden>隐藏的双核</p>
<pre>预格式 双核</pre>
</body>
</html>
"""


def store() -> HtmlStore:
    return HtmlStore.parse(PAGE.encode("utf-8"), "page.html")


def test_units_are_what_a_browser_shows():
    assert [unit.source for unit in store().units] == [
        "双核报告", "构建新发展格局", "坚持“双核”驱动，避免卡脖子问题&风险。第二行", "第一项", "第二项",
        "直接文本", "段落", "尾部文本", "单元格", "dual cores",
    ]
    assert sorted(item.describe() for item in store().not_read) == [
        "1 attribute text (alt, title, placeholder)", '1 element marked translate="no"', "1 hidden element",
        "2 code blocks and spans",
    ]


def test_unit_ids_are_line_and_column():
    assert [unit.id for unit in store().units][:3] == ["3:36", "7:5", "8:4"]


def test_an_identical_translation_changes_only_the_language():
    page = store()
    for unit in page.units:
        unit.target = unit.source
    assert page.serialize().decode("utf-8") == PAGE.replace('<html lang="zh-CN">', '<html lang="en">')


def test_untranslated_page_is_written_back_as_read():
    assert store().serialize() == PAGE.encode("utf-8")


def test_translation_goes_inside_the_same_tags_and_code_script_style_stay():
    page = store()
    english = {
        "双核报告": "Dual cores report", "构建新发展格局": "Build a new development pattern",
        "坚持“双核”驱动，避免卡脖子问题&风险。第二行": "Dual cores <drive> & avoid stuck neck. Second line",
        "尾部文本": "tail text",
    }
    for unit in page.units:
        unit.target = english.get(unit.source, unit.source)
    out = page.serialize().decode("utf-8")
    assert "<title>Dual cores report</title>" in out
    assert '<script>var term = "双核";</script>' in out and 'content: "双核"' in out
    assert '<p translate="no">不要翻译的双核</p>' in out and "<code>双核()</code>" in out and "<pre>预格式 双核</pre>" in out
    assert "Dual cores &lt;drive&gt; &amp; " in out and '<a href="x.html" title="提示">' in out and "<br>" in out
    assert out.count("<b>") == 1 and out.count("</b>") == 1
    assert '<span lang="en">' in out  # translated from the page's language
    reread = HtmlStore.parse(out.encode("utf-8"), "out.html")
    assert [u.source for u in reread.units][:3] == ["Dual cores report", "Build a new development pattern",
                                                     "Dual cores <drive> & avoid stuck neck. Second line"]


@pytest.mark.parametrize(
    "page, message",
    [
        ("<p><b><i>双核</b></i></p>", r"</b> at line 1, column 12 closes <b> \(line 1\) while <i> \(line 1, column 7\)"),
        ("<div>双核</span></div>", "</span> at line 1, column 8 has no open <span>"),
        ("<ul><li><b>一</li></ul>", "</li> at line 1, column 13 closes <li> \\(line 1\\) while <b>"),
    ],
)
def test_broken_nesting_is_one_clear_error(page, message):
    with pytest.raises(TermlockError, match=message) as caught:
        HtmlStore.parse(page.encode("utf-8"), "bad.html")
    assert caught.value.line == 1 and caught.value.fix


def test_optional_end_tags_are_not_broken_nesting():
    tree = parse_html("<ul><li>一<li>二</ul><p>三<div>四</div><table><tr><td>五<td>六<tr><td>七</table>", "ok.html")
    assert tree.children[0].tag == "ul" and len(tree.children[0].children) == 2


def test_set_lang_keeps_quotes_and_adds_when_missing():
    assert set_lang("<html lang='zh'>", "en", add=True) == "<html lang='en'>"
    assert set_lang('<html class="x">', "en", add=True) == '<html lang="en" class="x">'
    assert set_lang('<html xml:lang="zh" lang=zh data-lang="zh">', "en", add=True) == '<html xml:lang="en" lang="en" data-lang="zh">'


def test_a_page_that_is_not_utf8_is_refused():
    with pytest.raises(TermlockError, match="not UTF-8"):
        HtmlStore.parse("<p>双核</p>".encode("gb18030"), "gbk.html")
