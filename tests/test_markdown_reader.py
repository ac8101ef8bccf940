"""The Markdown reader: what a reader of the rendered page sees, and the same document written back."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from termlock.documents.markdown import MAX_NESTING, MarkdownStore, escape_text, markdown_document, markdown_paragraphs
from termlock.evaluate.document_check import check_document
from termlock.glossary import Glossary, Term

GLOSSARY = Glossary("t", (
    Term("ndp", ("新发展格局",), "new development pattern"),
    Term("development", ("发展格局",), "development pattern"),
    Term("dual-cores", ("双核",), "dual cores", forbidden=("double nuclei",)),
))

#: the peak resident memory of this process alone (VmHWM starts again at exec, unlike ru_maxrss, inherited from pytest)
PEAK = (
    "def peak_kib():\n"
    "    with open('/proc/self/status') as status:\n"
    "        return next(int(line.split()[1]) for line in status if line.startswith('VmHWM:'))\n"
)



def texts(markdown: str) -> list[str]:
    return markdown_document(markdown.encode("utf-8"), "t.md").paragraphs


def test_hard_wrapped_chinese_joins_without_a_space_so_a_term_cut_by_the_wrap_is_found():
    assert texts("我们要构建新\n发展格局，发挥双\n核作用。\n\nwrapped English\nline\n") == [
        "我们要构建新发展格局，发挥双核作用。", "wrapped English line"]
    report = check_document(GLOSSARY, texts("构建新\n发展格局"), ["a new development pattern"], name="t")
    assert [(t.id, t.source_count, t.ok) for t in report.terms] == [("ndp", 1, 1)]  # not the shorter 发展格局


def test_footnote_definitions_are_read_and_references_are_not_text():
    assert texts("双核[^1]驱动。\n\n[^1]: 脚注里的 double nuclei。\n") == ["双核驱动。", "脚注里的 double nuclei。"]


def test_a_br_tag_separates_words():
    assert texts("dual<br>cores and dual<br/>cores\n") == ["dual cores and dual cores"]


def test_raw_html_blocks_are_read():
    source = "<p>段落 <b>双核</b></p>\n\n<table><tr><td>单元格 double nuclei</td></tr></table>\n\n<details>\n<summary>摘要</summary>\n\n正文\n\n</details>\n"
    assert texts(source) == ["段落 双核", "单元格 double nuclei", "摘要", "正文"]


def test_text_nested_deeply_is_read_and_deeper_than_the_limit_is_named():
    twenty = "> " * 20 + "深处的双核\n"
    assert texts(twenty) == ["深处的双核"]
    lists = "".join("  " * depth + "- 第" + str(depth) + "层\n" for depth in range(25))
    assert len(texts(lists)) == 25
    too_deep = markdown_document(("> " * (MAX_NESTING + 5) + "双核\n").encode("utf-8"), "t.md")
    assert too_deep.paragraphs == []
    assert [item.describe() for item in too_deep.not_read] == ["1 line nested too deeply to read"]


def test_code_front_matter_and_links_are_not_read_but_named():
    source = "---\ntitle: 双核\n---\n\n见[文件](http://x.cn/双核 \"双核\")和 `双核` ![双核](a.png)\n\n```\n双核\n```\n"
    text = markdown_document(source.encode("utf-8"), "t.md")
    assert text.paragraphs == ["见文件和"]
    assert sorted(item.describe() for item in text.not_read) == ["1 image description (alt text)", "2 code blocks and spans"]


def test_tables_cell_by_cell_with_escaped_pipes():
    source = "| 甲 | 乙 |\n|:--|--:|\n| 双核 | a \\| b |\n| 只有一格 |\n\n| not | a table\n"
    assert texts(source) == ["甲", "乙", "双核", "a | b", "只有一格", "| not | a table"]


def test_a_wide_table_is_read_in_bounded_memory(tmp_path):
    """20,000 columns: markdown-it's own table rule made three tokens per cell (1.4 GB for 7 MB); rows are split one at a time."""
    columns = 20_000
    rows = ["| " + " | ".join(f"c{i}" for i in range(columns)) + " |", "|" + "---|" * columns]
    rows += ["| " + " | ".join("双核" for _ in range(columns)) + " |" for _ in range(8)]
    path = tmp_path / "wide.md"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    script = PEAK + (
        "from termlock.documents.paragraphs import read_document\n"
        f"assert len(read_document({str(path)!r}).paragraphs) == {columns * 9}\n"
        "print(peak_kib())\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    assert int(done.stdout.split()[-1]) / 1024 < 300  # MiB, for 1.2 MB of Markdown


def test_an_untranslated_store_writes_the_original_bytes():
    source = "# 标题\r\n\r\n段落**双核**。\r\n\r\n| a | b |\r\n|---|---|\r\n| 1 | 2 |\r\n"
    data = ("\ufeff" + source).encode("utf-8")
    store = MarkdownStore.parse(data, "t.md")
    for unit in store.units:
        unit.target = unit.source
    assert store.serialize() == data


def test_translated_units_keep_their_markup_and_line_prefixes():
    source = "# 标题 #\n\n> 引用**双核**\n> 继续\n\n- 项目 [链接](http://x.cn)\n\n| 甲 | 乙 |\n|---|---|\n| 丙 | 丁 |\n\n```\n代码\n```\n"
    store = MarkdownStore.parse(source.encode("utf-8"), "t.md")
    english = {"标题": "Title", "引用双核继续": "quoted dual cores go on", "项目 链接": "item link",
               "甲": "A|B", "乙": "B", "丙": "*C*", "丁": "D"}
    for unit in store.units:
        unit.target = english[unit.source]
    out = store.serialize().decode("utf-8")
    assert out.startswith("# Title #\n\n> quoted **dual cores** go on\n\n- item [link](http://x.cn)\n")
    assert "| A\\|B | B |\n|---|---|\n| \\*C\\* | D |\n\n```\n代码\n```\n" in out
    assert markdown_paragraphs(out) == ["Title", "quoted dual cores go on", "item link", "A|B", "B", "*C*", "D"]


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="ab *_[]`<>#|\\&!~-1.双核", min_size=1, max_size=20).filter(lambda t: t.strip()))
def test_escaped_text_reads_back_as_itself(text):
    written = escape_text(text.strip(), line_start=True)
    assert markdown_paragraphs(written) == [" ".join(text.split())]
