"""``termlock translate`` on whole documents: Word, Markdown and HTML in, the same document out.

Round trips on the tiny random-weight model with ``--constraints always``
and a glossary: the output has the input's structure and formatting, and
``termlock check --granularity document`` on it meets every term. With a
model stub that copies its input, the output is the input.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import docx
import pytest
from lxml import etree

from docx_builder import real_looking_docx
from termlock.cli import main

GLOSSARY = """\
name: test terms
source_lang: zh
target_lang: en
terms:
  - id: food-security
    source: 粮食安全
    target: food security
  - id: digital-economy
    source: 数字经济
    target: digital economy
    forbidden: [numerical economy]
  - id: hq-development
    source: 高质量发展
    target: high-quality development
  - id: dual-cores
    source: 双核
    target: dual cores
"""

MARKDOWN = """---
title: 粮食安全报告
---

# 推进**高质量发展**

我们将继续推进
高质量发展。

- 数字经济蓬勃发展[^1]。
- 见[粮食安全](https://example.org/ "粮食安全")的说明。

> 这款处理器采用*双核*设计。

| 项目 | 说明 |
|---|---|
| 粮食安全 | 数字经济 |

```
代码 粮食安全
```

[^1]: 高质量发展的脚注。
"""

HTML = """<!DOCTYPE html>
<html lang="zh">
<head><meta charset="utf-8"><title>粮食安全</title><style>p { color: #333 }</style></head>
<body>
<h1>推进<b>高质量发展</b></h1>
<p>数字经济蓬勃发展。<br>这款处理器采用<em>双核</em>设计。</p>
<ul><li>粮食安全<li><a href="https://example.org/">数字经济</a></ul>
<p translate="no">粮食安全 stays</p>
<pre><code>代码 双核</code></pre>
<script>var x = "数字经济";</script>
</body>
</html>
"""


@pytest.fixture
def glossary(tmp_path) -> Path:
    path = tmp_path / "g.yaml"
    path.write_text(GLOSSARY, encoding="utf-8")
    return path


def report_docx(path: Path) -> Path:
    return real_looking_docx(
        path,
        footnote="数字经济蓬勃发展。",
        header="粮食安全",
        footer="高质量发展",
        paragraphs=[
            [("我们将继续推进", {}), ("高质量发展", {"bold": True}), ("。", {})],
            [("数字经济", {"italic": True}), ("蓬勃发展", {"underline": True}), ("，", {}), ("双核", {"font": "SimSun"}),
             ("设计", {"superscript": True}), ("。", {})],
        ],
        table=[["粮食安全", "双核"], ["数字经济", "高质量发展"]],
        link=("数字经济", "https://example.org/report"),
    )


def translate(model, source: Path, out: Path, glossary: Path, *extra: str) -> int:
    return main(["translate", "-i", str(source), "-o", str(out), "--model", str(model), "--glossary", str(glossary),
                 "--constraints", "always", "--beam", "2", "--max-length", "32", *extra])


def check(source: Path, target: Path, glossary: Path, *extra: str) -> int:
    """The check on a translation: every term, in the glossary's spelling (the lock writes it; issue 26)."""
    return main(["check", "--granularity", "document", "--source", str(source), "--target", str(target),
                 "--glossary", str(glossary), "--min-term-success", "1.0", "--strict-spelling", "--no-numbers", *extra])


def has(text: str, rendering: str) -> bool:
    """``rendering`` in ``text``, hyphens and spaces alike (as the checker reads them)."""
    return rendering.replace("-", " ") in text.replace("-", " ")


def runs_of(paragraph) -> list[tuple]:
    return [(r.bold, r.italic, r.underline, r.font.superscript, r.font.name) for r in paragraph.runs]


def parts_of(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist()}


# ------------------------------------------------------------------ round trips on the tiny model


def test_word_round_trip_keeps_structure_and_formatting_and_meets_every_term(tiny_model_dir, glossary, tmp_path, capsys):
    source = report_docx(tmp_path / "report.docx")
    out = tmp_path / "report.en.docx"
    assert translate(tiny_model_dir, source, out, glossary, "--report", str(tmp_path / "r.json")) == 0
    before, after = docx.Document(source), docx.Document(out)
    assert len(after.paragraphs) == len(before.paragraphs)
    # every run's formatting is kept; a run around a term goes where its rendering went (issue 26)
    assert [sorted(runs_of(p), key=repr) for p in after.paragraphs] == [sorted(runs_of(p), key=repr) for p in before.paragraphs]
    assert [r.text.strip() for r in after.paragraphs[2].runs if r.font.name == "SimSun"] == ["dual cores"]
    assert [[len(row.cells) for row in t.rows] for t in after.tables] == [[len(row.cells) for row in t.rows] for t in before.tables]
    assert has(after.sections[0].header.paragraphs[0].text, "food security")
    assert has(after.sections[0].footer.paragraphs[0].text, "high-quality development")
    assert has(after.tables[0].cell(1, 0).text, "digital economy")
    (bold,) = [r.text for r in after.paragraphs[1].runs if r.bold]
    assert has(bold.strip(), "high-quality development") and len(bold.strip()) == len("high-quality development")
    document = etree.fromstring(parts_of(out)["word/document.xml"])
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    assert len(document.findall(f".//{w}hyperlink")) == 1 and len(document.findall(f".//{w}footnoteReference")) == 1
    footnotes = parts_of(out)["word/footnotes.xml"].decode("utf-8")
    assert has(footnotes, "digital economy") and 'w:type="separator"' in footnotes
    assert parts_of(out).keys() == parts_of(source).keys()
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["summary"]["impossible"] == [] and report["not_read"] == []
    assert {s["id"].split(":")[0] for s in report["segments"]} == {"body", "header1", "footer1", "footnotes"}
    capsys.readouterr()
    assert check(source, out, glossary) == 0
    assert "PASS" in capsys.readouterr().out


def test_markdown_round_trip_keeps_markup_and_meets_every_term(tiny_model_dir, glossary, tmp_path, capsys):
    from markdown_it import MarkdownIt
    from mdit_py_plugins.footnote import footnote_plugin
    from mdit_py_plugins.front_matter import front_matter_plugin

    source = tmp_path / "report.md"
    source.write_text(MARKDOWN, encoding="utf-8")
    out = tmp_path / "report.en.md"
    assert translate(tiny_model_dir, source, out, glossary) == 0
    text = out.read_text(encoding="utf-8")
    parser = MarkdownIt("commonmark").enable("table").use(footnote_plugin).use(front_matter_plugin)

    def shape(markdown: str) -> list[str]:
        tokens = parser.parse(markdown)
        inline = [c.type for t in tokens if t.type == "inline" for c in t.children or () if not c.type.startswith("text")]
        return [t.type for t in tokens if t.type != "inline"] + sorted(i for i in inline if i != "softbreak")

    assert shape(text) == shape(MARKDOWN)
    assert text.startswith("---\ntitle: 粮食安全报告\n---\n") and "```\n代码 粮食安全\n```\n" in text
    assert "](https://example.org/ \"粮食安全\")" in text and "[^1]" in text and "\n[^1]: " in text
    capsys.readouterr()
    assert check(source, out, glossary) == 0


def test_html_round_trip_keeps_tags_and_meets_every_term(tiny_model_dir, glossary, tmp_path, capsys):
    import re

    source = tmp_path / "page.html"
    source.write_text(HTML, encoding="utf-8")
    out = tmp_path / "page.en.html"
    assert translate(tiny_model_dir, source, out, glossary) == 0
    text = out.read_text(encoding="utf-8")

    def tags(page: str) -> list[str]:
        return re.findall(r"</?[a-z0-9]+", page)

    assert tags(text) == tags(HTML)
    assert '<html lang="en">' in text and '<p translate="no">粮食安全 stays</p>' in text
    assert '<script>var x = "数字经济";</script>' in text and "<pre><code>代码 双核</code></pre>" in text
    capsys.readouterr()
    assert check(source, out, glossary) == 0


# ------------------------------------------------------------------ identity: a model that copies its input


@dataclass
class _Copied:
    target: str

    def to_dict(self) -> dict:
        return {"source": self.target, "target": self.target, "required": [], "satisfied_first_pass": [], "redecoded": [],
                "unsatisfied": [], "sentences": [], "warnings": []}  # a whole segment record, as the translate report's schema wants


class CopyModel:
    """Stands in for :class:`Translator`: the translation of a segment is the segment."""

    calls: list[list[str]] = []

    def __init__(self, model, glossary=None, **options) -> None:
        pass

    def translate_segments(self, lines, glossaries=None):
        CopyModel.calls.append(list(lines))
        return [_Copied(line) for line in lines]

    def run_settings(self) -> dict:
        return {"dtype": "fp32", "max_length": None, "prompt_template": None, "term_hints": None}

    def unspellable(self, lines, glossaries=None) -> list:
        return []  # a copy spells anything


@pytest.fixture
def copy_model(monkeypatch):
    import termlock.translate.translator as translator

    CopyModel.calls = []
    monkeypatch.setattr(translator, "Translator", CopyModel)
    return CopyModel


def test_identity_word_markdown_html(copy_model, glossary, tmp_path):
    word = report_docx(tmp_path / "report.docx")
    markdown = tmp_path / "report.md"
    markdown.write_bytes(MARKDOWN.replace("\n", "\r\n").encode("utf-8"))
    page = tmp_path / "page.htm"
    page.write_text(HTML, encoding="utf-8")
    for source in (word, markdown, page):
        out = tmp_path / ("copy-" + source.name)
        assert main(["translate", "-i", str(source), "-o", str(out), "--model", "stub", "--glossary", str(glossary)]) == 0
        if source is word:
            assert parts_of(out) == parts_of(source)
        elif source is page:
            assert out.read_text(encoding="utf-8") == HTML.replace('<html lang="zh">', '<html lang="en">')
        else:
            assert out.read_bytes() == source.read_bytes()
    assert copy_model.calls  # the documents did go through the model


def test_word_writer_puts_an_unchanged_text_back_into_the_same_runs(tmp_path):
    """Without the shortcut for unchanged units: tokens -> runs reproduces every paragraph exactly."""
    from termlock.documents.docx import DocxStore, _wrap
    from termlock.documents.wordruns import ParagraphReader, fill_paragraph

    source = report_docx(tmp_path / "report.docx")
    store = DocxStore.parse(source.read_bytes(), str(source))
    reading = store._reading
    checked = 0
    for span in reading.spans:
        wrapper = _wrap(span.paragraph, str(source), span.part)
        before = etree.tostring(wrapper, method="c14n")
        namespace = wrapper[0].tag[1:].partition("}")[0]
        reader = ParagraphReader(reading.hidden[namespace], None, list(span.fields))
        for item in reader.read(wrapper[0]):
            fill_paragraph(item, item.text)
            checked += 1
        assert etree.tostring(wrapper, method="c14n") == before
    assert checked == len(store.units)


# ------------------------------------------------------------------ directories


def test_a_directory_is_translated_into_a_mirrored_tree_with_one_report(copy_model, glossary, tmp_path, capsys):
    source = tmp_path / "in"
    (source / "sub").mkdir(parents=True)
    report_docx(source / "a.docx")
    (source / "sub" / "b.md").write_text(MARKDOWN, encoding="utf-8")
    (source / "c.html").write_text(HTML, encoding="utf-8")
    (source / "d.txt").write_text("粮食安全\n\n双核\n", encoding="utf-8")
    (source / "figure.png").write_bytes(b"\x89PNG\r\n")
    out = tmp_path / "out"
    assert main(["translate", "-i", str(source), "-o", str(out), "--model", "stub", "--glossary", str(glossary),
                 "--report", str(tmp_path / "r.json")]) == 0
    err = capsys.readouterr().err
    assert "of 4 documents" in err and "skipped 1 file of other programs (not translated): figure.png" in err
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        "a.docx", "c.html", "d.txt", "manifest.json", "sub/b.md"]
    assert parts_of(out / "a.docx") == parts_of(source / "a.docx")
    assert (out / "sub" / "b.md").read_text(encoding="utf-8") == MARKDOWN
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert [(d["name"], d["format"]) for d in report["documents"]] == [
        ("a.docx", "docx"), ("c.html", "html"), ("d.txt", "text"), ("sub/b.md", "markdown")]
    assert sum(d["translated"] for d in report["documents"]) == report["summary"]["translated"]
    # a second run has nothing to do
    assert main(["translate", "-i", str(source), "-o", str(out), "--model", "stub", "--glossary", str(glossary)]) == 0
    assert "nothing to do" in capsys.readouterr().err


def test_a_directory_report_gives_each_document_the_figures_check_gives(tiny_model_dir, glossary, tmp_path, capsys):
    source = tmp_path / "in"
    source.mkdir()
    # one occurrence of a term per segment: the document check counts renderings against occurrences
    (source / "a.txt").write_text("粮食安全和数字经济。\n\n双核设计。\n", encoding="utf-8")
    (source / "b.md").write_text("# 高质量发展\n\n数字经济。\n", encoding="utf-8")
    out = tmp_path / "out"
    assert translate(tiny_model_dir, source, out, glossary, "--report", str(tmp_path / "r.json")) == 0
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    capsys.readouterr()
    assert check(source, out, glossary, "--json", str(tmp_path / "c.json")) == 0
    checked = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
    keys = ("term_occurrences", "ok", "missing", "forbidden", "spelling")
    assert [(d["name"], *(d[k] for k in keys)) for d in report["documents"]] == [
        (d["name"], *(d[k] for k in keys)) for d in checked["documents"]] == [("a.txt", 3, 3, 0, 0, 0), ("b.md", 2, 2, 0, 0, 0)]
    assert {k: report["summary"][k] for k in keys} == {k: checked["summary"][k] for k in keys}


def test_an_interrupted_directory_job_resumes_without_redoing_documents(monkeypatch, glossary, tmp_path, capsys):
    import termlock.translate.translator as translator

    source = tmp_path / "in"
    source.mkdir()
    for name in ("a.md", "b.md", "c.md"):
        (source / name).write_text(f"# {name} 粮食安全\n\n{name} 双核\n", encoding="utf-8")
    seen: list[str] = []

    class Interrupted(CopyModel):
        def translate_segments(self, lines, glossaries=None):
            if any("b.md" in line for line in lines):
                raise KeyboardInterrupt
            seen.extend(lines)
            return super().translate_segments(lines, glossaries)

    monkeypatch.setattr(translator, "Translator", Interrupted)
    argv = ["translate", "-i", str(source), "-o", str(tmp_path / "out"), "--model", "stub", "--glossary", str(glossary)]
    assert main(argv) == 130
    assert "run the same command again to continue" in capsys.readouterr().err
    first = list(seen)
    monkeypatch.setattr(translator, "Translator", CopyModel)
    CopyModel.calls = []
    assert main(argv) == 0
    redone = [line for call in CopyModel.calls for line in call]
    assert not set(redone) & set(first) and any("b.md" in line for line in redone)
    assert (tmp_path / "out" / "c.md").read_text(encoding="utf-8") == (source / "c.md").read_text(encoding="utf-8")


def test_an_interrupted_document_resumes_from_its_journal(monkeypatch, glossary, tmp_path, capsys):
    import termlock.translate.translator as translator

    source = tmp_path / "report.md"
    source.write_text(MARKDOWN, encoding="utf-8")
    done: list[str] = []

    class Interrupted(CopyModel):
        def translate_segments(self, lines, glossaries=None):
            if len(done) >= 3:
                raise KeyboardInterrupt
            done.extend(lines)
            return [_Copied(line.upper()) for line in lines]

    monkeypatch.setattr(translator, "Translator", Interrupted)
    argv = ["translate", "-i", str(source), "-o", str(tmp_path / "out.md"), "--model", "stub", "--glossary", str(glossary),
            "--batch-size", "1"]
    assert main(argv) == 130 and not (tmp_path / "out.md").exists()
    assert "run the same command again to continue" in capsys.readouterr().err

    class Rest(CopyModel):
        def translate_segments(self, lines, glossaries=None):
            assert not set(lines) & set(done)  # nothing translated twice
            return [_Copied(line.upper()) for line in lines]

    monkeypatch.setattr(translator, "Translator", Rest)
    assert main(argv) == 0
    assert "resuming: 3 of" in capsys.readouterr().err
    assert not (tmp_path / "out.md.termlock-journal").exists()
    assert (tmp_path / "out.md").read_text(encoding="utf-8").startswith("---\ntitle: 粮食安全报告\n---\n")


def test_terms_hold_one_list_per_document_of_a_directory(monkeypatch, tmp_path):
    import termlock.translate.translator as translator

    source = tmp_path / "in"
    source.mkdir()
    (source / "a.md").write_text("粮食安全\n", encoding="utf-8")
    (source / "b.html").write_text("<p>双核</p>\n", encoding="utf-8")
    terms = tmp_path / "terms.jsonl"
    terms.write_text('{"terms": {"粮食安全": ["food security"]}}\n{"terms": {"双核": ["dual cores"]}}\n', encoding="utf-8")
    given: dict[str, list[str]] = {}

    class Recording(CopyModel):
        def translate_segments(self, lines, glossaries=None):
            for line, own in zip(lines, glossaries or [None] * len(lines)):
                given[line] = [t.target for t in own.terms] if own is not None else None
            return super().translate_segments(lines)

    monkeypatch.setattr(translator, "Translator", Recording)
    assert main(["translate", "-i", str(source), "-o", str(tmp_path / "out"), "--model", "stub", "--terms", str(terms)]) == 0
    assert given == {"粮食安全": ["food security"], "双核": ["dual cores"]}
    terms.write_text('{"terms": {"粮食安全": ["food security"]}}\n', encoding="utf-8")
    assert main(["translate", "-i", str(source), "-o", str(tmp_path / "out2"), "--model", "stub", "--terms", str(terms)]) == 2


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("cut.docx", b"PK\x03\x04" + b"\0" * 40, "not a Word .docx package"),
        ("locked.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100 + "EncryptedPackage".encode("utf-16-le"), "password-protected"),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old binary Word .doc"),
        ("broken.html", "<p><b>粮食<i>安全</b></i></p>".encode("utf-8"), "closes <b>"),
    ],
)
def test_bad_documents_are_one_line_exit_2_and_nothing_written(copy_model, glossary, tmp_path, capsys, name, data, message):
    source = tmp_path / name
    source.write_bytes(data)
    out = tmp_path / ("out" + Path(name).suffix)
    assert main(["translate", "-i", str(source), "-o", str(out), "--model", "stub", "--glossary", str(glossary)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, "g.yaml"])
    assert check(source, source, glossary) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


@pytest.mark.ray
def test_the_ray_engine_translates_one_document_per_task_as_the_local_engine_does(tiny_model_dir, glossary, tmp_path, local_ray):
    source = tmp_path / "in"
    (source / "sub").mkdir(parents=True)
    report_docx(source / "a.docx")
    (source / "sub" / "b.md").write_text(MARKDOWN, encoding="utf-8")
    (source / "c.html").write_text(HTML, encoding="utf-8")
    outputs = {}
    for engine in ("local", "ray"):
        out = tmp_path / engine
        extra = ["--engine", "ray", "--num-workers", "2"] if engine == "ray" else []
        assert translate(tiny_model_dir, source, out, glossary, "--max-length", "16", "--report",
                         str(tmp_path / f"{engine}.json"), *extra) == 0
        outputs[engine] = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert outputs["ray"] == outputs["local"]
    reports = {engine: json.loads((tmp_path / f"{engine}.json").read_text(encoding="utf-8")) for engine in ("local", "ray")}
    assert reports["ray"].pop("output").endswith("ray") and reports["local"].pop("output").endswith("local")
    assert reports["ray"] == reports["local"]
    manifest = json.loads(outputs["ray"]["manifest.json"])
    assert [entry["output"] for entry in manifest["shards"]] == ["a.docx", "c.html", "sub/b.md"]
    assert manifest["totals"]["shards"] == 3  # one work shard (task) per document


def test_a_directory_report_never_overwrites_one_of_its_files(copy_model, glossary, tmp_path, capsys):
    source = tmp_path / "in"
    source.mkdir()
    (source / "a.md").write_text("粮食安全\n", encoding="utf-8")
    assert main(["translate", "-i", str(source), "-o", str(tmp_path / "out"), "--model", "stub", "--glossary",
                 str(glossary), "--report", str(source / "a.md")]) == 2
    assert "--report would overwrite the input -i" in capsys.readouterr().err
    assert (source / "a.md").read_text(encoding="utf-8") == "粮食安全\n" and not (tmp_path / "out").exists()
