"""``termlock check --granularity document`` on many documents in one run: directories, a manifest, Ray.

A batch gives exactly the per-document figures of one run per pair; files
on one side only are named; the exit code is the batch's; the Ray engine
(one document per task) gives the same report.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
from pathlib import Path

import docx
import pytest

from termlock.cli import main

GLOSSARY = """\
name: batch terms
terms:
  - id: dual-cores
    source: 双核
    target: dual cores
    forbidden: [double nuclei]
  - id: ndp
    source: 新发展格局
    target: new development pattern
  - id: stuck-neck
    source: 卡脖子
    target: stuck neck
"""

SOURCES = ["坚持双核驱动。", "构建新发展格局。", "破解卡脖子难题。", "双核与新发展格局。"]
GOOD = {"坚持双核驱动。": "Drive the dual cores.", "构建新发展格局。": "Build a new development pattern.",
        "破解卡脖子难题。": "Solve the stuck neck problems.", "双核与新发展格局。": "Dual cores and a new development pattern."}
BAD = {"坚持双核驱动。": "Drive the double nuclei.", "构建新发展格局。": "Build a new pattern.",
       "破解卡脖子难题。": "Solve the chokepoint problems.", "双核与新发展格局。": "Double nuclei and a new pattern."}


def _write(path: Path, paragraphs: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    kind = path.suffix
    if kind == ".docx":
        document = docx.Document()
        for text in paragraphs[:-1]:
            document.add_paragraph(text)
        document.add_table(rows=1, cols=1).cell(0, 0).text = paragraphs[-1]
        document.save(path)
    elif kind == ".md":
        path.write_text("# " + paragraphs[0] + "\n\n" + "\n\n".join(f"- {p}" for p in paragraphs[1:]) + "\n", encoding="utf-8")
    elif kind == ".html":
        path.write_text("<html lang='zh'><body>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</body></html>\n", encoding="utf-8")
    else:
        path.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return path


def twenty_pairs(root: Path) -> list[str]:
    """20 document pairs of four kinds, each translation right or wrong at random (fixed seed)."""
    rng = random.Random(20)
    names = []
    for number in range(20):
        kind = (".docx", ".md", ".html", ".txt")[number % 4]
        name = f"doc{number:02d}{kind}"
        chosen = rng.sample(SOURCES, 3)
        _write(root / "zh" / name, chosen)
        _write(root / "en" / name, [(GOOD if rng.random() < 0.6 else BAD)[text] for text in chosen])
        names.append(name)
    (root / "g.yaml").write_text(GLOSSARY, encoding="utf-8")
    return names


def check(*argv: str) -> int:
    return main(["check", "--granularity", "document", "--no-numbers", *argv])


def test_twenty_pairs_in_one_run_give_the_figures_of_twenty_runs(tmp_path, capsys):
    names = twenty_pairs(tmp_path)
    glossary = str(tmp_path / "g.yaml")
    assert check("--source", str(tmp_path / "zh"), "--target", str(tmp_path / "en"), "--glossary", glossary,
                 "--json", str(tmp_path / "batch.json"), "--csv", str(tmp_path / "batch.csv"),
                 "--html", str(tmp_path / "batch.html")) == 0
    out = capsys.readouterr().out
    batch = json.loads((tmp_path / "batch.json").read_text(encoding="utf-8"))
    assert [d["name"] for d in batch["documents"]] == names
    totals = {"term_occurrences": 0, "ok": 0, "missing": 0, "forbidden": 0, "spelling": 0}
    for number, name in enumerate(names):
        single = tmp_path / f"single{number}.json"
        check("--source", str(tmp_path / "zh" / name), "--target", str(tmp_path / "en" / name), "--glossary", glossary,
              "--json", str(single))
        document = json.loads(single.read_text(encoding="utf-8"))["documents"][0]
        assert batch["documents"][number] == document
        for key in totals:
            totals[key] += document[key]
    assert {key: batch["summary"][key] for key in totals} == totals
    assert batch["unpaired"] == [] and batch["skipped"] == []
    # the per-document table in every report
    table = [line.split() for line in out.splitlines() if re.match(r"\s+doc\d\d\.", line)]
    assert [row[0] for row in table] == names and all(len(row) == 9 for row in table)  # ... success, spelling
    rows = list(csv.DictReader(io.StringIO((tmp_path / "batch.csv").read_text(encoding="utf-8-sig"))))
    documents = [r for r in rows if r["status"] == "document"]
    assert [(r["segment_id"], int(r["occurrences"]), int(r["ok"]), int(r["spelling_findings"])) for r in documents] == [
        (d["name"], d["term_occurrences"], d["ok"], d["spelling"]) for d in batch["documents"]]
    assert [r for r in rows if r["status"] == "total"][0]["occurrences"] == str(totals["term_occurrences"])
    page = (tmp_path / "batch.html").read_text(encoding="utf-8")
    assert page.count('<tr><td><a href="#doc-') == 20 and "all 20 documents" in page
    # the exit code is the batch's
    assert check("--source", str(tmp_path / "zh"), "--target", str(tmp_path / "en"), "--glossary", glossary,
                 "--min-term-success", "1.0") == 1


def test_unpaired_files_are_named_and_a_missing_translation_counts_as_missing(tmp_path, capsys):
    twenty_pairs(tmp_path)
    (tmp_path / "en" / "doc03.txt").unlink()
    _write(tmp_path / "en" / "extra.md", ["Dual cores."])
    (tmp_path / "zh" / "notes.pdf").write_bytes(b"%PDF-1.4")
    assert check("--source", str(tmp_path / "zh"), "--target", str(tmp_path / "en"), "--glossary",
                 str(tmp_path / "g.yaml"), "--json", str(tmp_path / "r.json")) == 0
    out = capsys.readouterr().out
    assert "doc03.txt: no translation (every term occurrence counted as missing)" in out
    assert "extra.md: a translation with no source document (not checked)" in out
    assert "--source notes.pdf" in out
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert [(u["side"], u["name"]) for u in report["unpaired"]] == [("source", "doc03.txt"), ("target", "extra.md")]
    missing = next(d for d in report["documents"] if d["name"] == "doc03.txt")
    assert not missing["paired"] and missing["missing"] == missing["term_occurrences"] > 0


def test_a_manifest_of_pairs_with_terms_per_pair_and_terms_one_line_per_document(tmp_path, capsys):
    twenty_pairs(tmp_path)
    manifest = tmp_path / "pairs.tsv"
    lines = ["source\ttarget\tterms", "zh/doc00.docx\ten/doc00.docx\t" + json.dumps({"terms": {"双核": ["dual cores"]}}),
             "# a comment", "", "zh/doc01.md\ten/doc01.md\t[]",
             "zh/doc02.html\ten/doc02.html\t" + json.dumps([{"src": "新发展格局", "tgt": "new development pattern"}])]
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert check("--pairs", str(manifest), "--json", str(tmp_path / "m.json")) == 0
    report = json.loads((tmp_path / "m.json").read_text(encoding="utf-8"))
    assert [d["name"] for d in report["documents"]] == ["en/doc00.docx", "en/doc01.md", "en/doc02.html"]
    assert [[t["id"] for t in d["terms"]] for d in report["documents"]][1] == []
    # the same term lists as --terms, one line per document in pair order, give the same figures
    terms = tmp_path / "terms.jsonl"
    terms.write_text("\n".join(line.split("\t")[2] for line in lines if line.count("\t") == 2 and not line.startswith("source")) + "\n",
                     encoding="utf-8")
    plain = tmp_path / "plain.tsv"
    plain.write_text("".join("\t".join(line.split("\t")[:2]) + "\n" for line in lines[1:] if "\t" in line), encoding="utf-8")
    assert check("--pairs", str(plain), "--terms", str(terms), "--json", str(tmp_path / "t.json")) == 0
    assert json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))["documents"] == report["documents"]
    capsys.readouterr()
    terms.write_text("[]\n", encoding="utf-8")
    assert check("--pairs", str(plain), "--terms", str(terms)) == 2
    assert "--terms has 1 line but there are 3 documents" in capsys.readouterr().err


@pytest.mark.parametrize(
    "lines, message",
    [
        (["zh/doc00.docx"], "needs a source and a target"),
        (["zh/doc00.docx\ten/missing.docx"], "is not a file"),
        (["zh/doc00.docx\ten/doc00.docx\t[]", "zh/doc01.md\ten/doc01.md"], "line 1 gives the pair's terms but line 2 does not"),
        (["zh/doc00.docx\ten/doc00.docx\t{bad json"], "not JSON"),
    ],
)
def test_a_bad_manifest_is_one_line_naming_its_line(tmp_path, capsys, lines, message):
    twenty_pairs(tmp_path)
    manifest = tmp_path / "pairs.tsv"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert check("--pairs", str(manifest)) == 2
    err = capsys.readouterr().err
    assert message in err and "pairs.tsv:" in err and err.count("\n") == 1


def test_usage_errors_of_batches(tmp_path, capsys):
    twenty_pairs(tmp_path)
    assert main(["check", "--pairs", str(tmp_path / "pairs.tsv")]) == 2
    assert "add --granularity document" in capsys.readouterr().err
    assert check("--source", str(tmp_path / "zh"), "--target", str(tmp_path / "en" / "doc00.docx")) == 2
    assert "--target is a file but the other side is a directory" in capsys.readouterr().err
    (tmp_path / "zh" / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0")
    assert check("--source", str(tmp_path / "zh"), "--target", str(tmp_path / "en")) == 2
    assert "old binary Word .doc" in capsys.readouterr().err


@pytest.mark.ray
def test_the_ray_engine_checks_one_document_per_task_with_the_same_report(tmp_path, local_ray):
    twenty_pairs(tmp_path)
    (tmp_path / "en" / "doc06.html").unlink()
    common = ["--source", str(tmp_path / "zh"), "--target", str(tmp_path / "en"), "--glossary", str(tmp_path / "g.yaml")]
    assert check(*common, "--json", str(tmp_path / "local.json")) == 0
    assert check(*common, "--json", str(tmp_path / "ray.json"), "--engine", "ray", "--num-workers", "2") == 0
    assert (tmp_path / "ray.json").read_bytes() == (tmp_path / "local.json").read_bytes()


def test_a_report_never_overwrites_a_document_of_the_batch(tmp_path, capsys):
    twenty_pairs(tmp_path)
    before = (tmp_path / "en" / "doc01.md").read_bytes()
    assert check("--source", str(tmp_path / "zh"), "--target", str(tmp_path / "en"), "--glossary",
                 str(tmp_path / "g.yaml"), "--json", str(tmp_path / "en" / "doc01.md")) == 2
    assert "--json would overwrite the input --target" in capsys.readouterr().err
    assert (tmp_path / "en" / "doc01.md").read_bytes() == before
