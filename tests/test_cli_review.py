"""The reviewer's workflow end to end through ``termlock check`` (and ``translate --terms``).

Whole .docx documents at document granularity, WMT-style term lists, two
glossaries at once, accepted findings (write, edit, accept, rerun, stale),
--exact and the numbers category, with the JSON contract kept.
"""

from __future__ import annotations

import json

import docx
import pytest

from termlock.cli import main

BUREAU = """\
name: bureau
terms:
  - id: dual-cores
    source: 双核
    target: dual cores
    forbidden: [double nuclei]
  - id: stuck-neck
    source: 卡脖子
    target: stuck neck
"""
PROJECT = """\
name: project
terms:
  - id: chokepoint
    source: 卡脖子
    target: chokepoint
"""
SOURCES = ["发挥沈阳、大连双核作用。", "突破一批卡脖子难题，投资681亿元。", "引用原文：双核"]
TARGETS = [
    "Shenyang and Dalian play their role as dual cores.",
    "We will solve a number of chokepoint problems, investing 681 billion yuan.",
    "As the plan said: double nuclei",
]


@pytest.fixture
def files(tmp_path):
    (tmp_path / "bureau.yaml").write_text(BUREAU, encoding="utf-8")
    (tmp_path / "project.yaml").write_text(PROJECT, encoding="utf-8")
    (tmp_path / "src.zh").write_text("\n".join(SOURCES) + "\n", encoding="utf-8")
    (tmp_path / "hyp.en").write_text("\n".join(TARGETS) + "\n", encoding="utf-8")
    return tmp_path


def run(tmp_path, *argv):
    out = tmp_path / "report.json"
    code = main(["check", *argv, "--json", str(out)])
    return code, json.loads(out.read_text(encoding="utf-8"))


def test_two_glossaries_accept_round_trip_and_numbers(files, capsys):
    base = ["--glossary", str(files / "bureau.yaml"), "--glossary", str(files / "project.yaml"),
            "--source", str(files / "src.zh"), "--target", str(files / "hyp.en")]
    template = files / "accepted.yaml"
    code, report = run(files, *base, "--min-term-success", "1", "--write-accepted", str(template), "--html", str(files / "r.html"))
    printed = capsys.readouterr().out
    assert code == 1
    # the conflict is listed once, with both files and lines
    assert report["glossary_conflicts"] == [
        {"source": "卡脖子",
         "earlier": {"path": str(files / "bureau.yaml"), "line": 7, "id": "stuck-neck", "target": "stuck neck"},
         "later": {"path": str(files / "project.yaml"), "line": 3, "id": "chokepoint", "target": "chokepoint"}}
    ]
    assert "bureau.yaml:7" in printed and "project.yaml:3" in printed
    # the later glossary won: chokepoint is ok; the quotation keeps a forbidden rendering
    statuses = [(s["index"], t["id"], t["status"]) for s in report["segments"] for t in s["terms"]]
    assert statuses == [(0, "dual-cores", "ok"), (1, "chokepoint", "ok"), (2, "dual-cores", "forbidden")]
    # numbers: 681亿 is 68.1 billion, not 681 billion
    assert report["numbers"]["checked"] == 1 and report["numbers"]["missing"][0]["expected"] == "68.1 billion"
    assert "681亿" in printed
    # the JSON contract: old keys kept, new ones added
    assert {"glossary", "summary", "segments", "terms", "inconsistent"} <= set(report)
    assert {"chrf_pp", "accepted"} <= set(report["summary"])

    # the reviewer accepts the quotation: fills in the reason of the one entry written
    text = template.read_text(encoding="utf-8")
    assert "term: dual-cores" in text and "segment: 3" in text
    template.write_text(text.replace("reason: ''", "reason: quotation of the 2003 plan"), encoding="utf-8")
    code, report = run(files, *base, "--min-term-success", "1", "--accept", str(template), "--html", str(files / "r.html"))
    assert code == 0  # accepted findings are not in the exit code
    assert report["summary"]["accepted"] == 1 and report["summary"]["forbidden"] == 0
    assert report["accepted"]["findings"][0]["reason"] == "quotation of the 2003 plan"
    html = (files / "r.html").read_text(encoding="utf-8")
    assert 'id="accepted"' in html and "quotation of the 2003 plan" in html and "Problems (0)" in html

    # the quotation is corrected later: the entry is stale
    (files / "hyp.en").write_text("\n".join(TARGETS[:2] + ["As the plan said: dual cores"]) + "\n", encoding="utf-8")
    code, report = run(files, *base, "--accept", str(template))
    assert report["accepted"]["stale"][0]["term"] == "dual-cores"
    assert "stale accepted findings (1" in capsys.readouterr().out

    # --no-numbers turns the category off
    code, report = run(files, *base, "--no-numbers")
    assert report["numbers"] is None


def test_exact_turns_off_inflection(files):
    (files / "hyp.en").write_text("\n".join(["the dual core", TARGETS[1], "dual cores"]) + "\n", encoding="utf-8")
    argv = ["--glossary", str(files / "bureau.yaml"), "--source", str(files / "src.zh"), "--target", str(files / "hyp.en")]
    _, loose = run(files, *argv)
    _, exact = run(files, *argv, "--exact")
    assert loose["segments"][0]["terms"][0]["status"] == "ok"
    assert exact["segments"][0]["terms"][0]["status"] == "missing"


def _docx(path, paragraphs):
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(path)
    return path


def test_docx_documents_at_document_granularity(files, capsys):
    source = _docx(files / "report.docx", ["会议强调，发挥双核作用。", "突破卡脖子难题。", "双核联动。"])
    target = _docx(files / "report.en.docx", ["The meeting stressed the role of the dual cores and solving chokepoint problems; the dual cores act together."])
    # a document cannot be checked segment by segment: the choice is explicit
    assert main(["check", "--source", str(source), "--target", str(target)]) == 2
    assert "--granularity document" in capsys.readouterr().err
    code, report = run(files, "--glossary", str(files / "bureau.yaml"), "--glossary", str(files / "project.yaml"),
                       "--source", str(source), "--target", str(target), "--granularity", "document",
                       "--html", str(files / "doc.html"))
    assert code == 0
    [document] = report["documents"]
    assert (document["source_paragraphs"], document["target_paragraphs"]) == (3, 1)
    terms = {t["id"]: t for t in document["terms"]}
    assert (terms["dual-cores"]["source_count"], terms["dual-cores"]["renderings"], terms["dual-cores"]["success"]) == (2, {"dual cores": 2}, 1.0)
    assert terms["chokepoint"]["status"] == "ok"
    assert report["segments"] == [] and report["summary"]["term_success_rate"] == 1.0
    html = (files / "doc.html").read_text(encoding="utf-8")
    assert 'id="documents"' in html and "report.en.docx" in html and 'class="snippet accepted"' in html


def test_text_files_with_different_counts_need_document_granularity(files, capsys):
    (files / "hyp.en").write_text(" ".join(TARGETS) + "\n", encoding="utf-8")
    argv = ["--glossary", str(files / "bureau.yaml"), "--source", str(files / "src.zh"), "--target", str(files / "hyp.en")]
    assert main(["check", *argv]) == 2
    assert "--granularity document" in capsys.readouterr().err
    code, report = run(files, *argv, "--granularity", "document")
    assert report["documents"][0]["terms"][0]["forbidden_found"] == {"double nuclei": 1}


def test_wmt_term_lists_for_segments_and_documents(files):
    wmt23 = files / "terms23.jsonl"
    wmt23.write_text('[{"src": "双核", "tgt": "dual cores"}]\n[{"src": "卡脖子", "tgt": "stranglehold"}]\n[]\n', encoding="utf-8")
    code, report = run(files, "--terms", str(wmt23), "--source", str(files / "src.zh"), "--target", str(files / "hyp.en"))
    statuses = [[(t["source"], t["status"]) for t in s["terms"]] for s in report["segments"]]
    assert statuses == [[("双核", "ok")], [("卡脖子", "missing")], []]  # segment 3 has no terms listed
    wmt25 = files / "terms25.jsonl"
    wmt25.write_text('{"terms": {"卡脖子": ["chokepoint", "stranglehold"], "双核": ["dual cores"]}}\n', encoding="utf-8")
    code, report = run(files, "--terms", str(wmt25), "--source", str(files / "src.zh"), "--target", str(files / "hyp.en"),
                       "--granularity", "document")
    assert report["summary"]["term_occurrences"] == 3 and report["summary"]["ok"] == 2 and report["summary"]["forbidden"] == 0
    # a term list with the wrong number of lines is a one-line error
    assert main(["check", "--terms", str(wmt25), "--source", str(files / "src.zh"), "--target", str(files / "hyp.en")]) == 2


def test_translate_locks_each_segment_to_its_own_terms(tiny_model_dir, tmp_path):
    source = tmp_path / "in.txt"
    source.write_text("粮食安全是国家安全的重要基础。\n\n粮食安全很重要。\n", encoding="utf-8")
    terms = tmp_path / "terms.jsonl"
    terms.write_text('[{"src": "粮食安全", "tgt": "food security"}]\n[]\n{"terms": {"粮食安全": ["grain security"]}}\n', encoding="utf-8")
    out, report = tmp_path / "out.txt", tmp_path / "report.json"
    code = main(["translate", "-i", str(source), "-o", str(out), "--model", str(tiny_model_dir), "--beam", "2",
                 "--max-length", "24", "--constraints", "always", "--terms", str(terms), "--report", str(report)])
    assert code == 0
    lines = out.read_text(encoding="utf-8").split("\n")
    assert "food security" in lines[0].lower() and "grain security" in lines[2].lower()
    assert "grain security" not in lines[0].lower()


def test_exact_applies_to_term_lists_too(files):
    terms = files / "terms.jsonl"
    terms.write_text('[{"src": "双核", "tgt": "dual core"}]\n[]\n[]\n', encoding="utf-8")
    argv = ["--terms", str(terms), "--source", str(files / "src.zh"), "--target", str(files / "hyp.en")]
    _, loose = run(files, *argv)
    _, exact = run(files, *argv, "--exact")
    assert loose["segments"][0]["terms"][0]["status"] == "ok"  # "dual cores" inflects "dual core"
    assert exact["segments"][0]["terms"][0]["status"] == "missing"


def test_translate_merges_glossaries_and_says_so(tiny_model_dir, tmp_path, capsys):
    (tmp_path / "a.yaml").write_text("name: a\nterms:\n  - source: 粮食安全\n    target: food security\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("name: b\nterms:\n  - source: 粮食安全\n    target: grain security\n", encoding="utf-8")
    source = tmp_path / "in.txt"
    source.write_text("粮食安全是国家安全的重要基础。\n", encoding="utf-8")
    out = tmp_path / "out.txt"
    code = main(["translate", "-i", str(source), "-o", str(out), "--model", str(tiny_model_dir), "--beam", "2",
                 "--max-length", "24", "--constraints", "always",
                 "--glossary", str(tmp_path / "a.yaml"), "--glossary", str(tmp_path / "b.yaml")])
    assert code == 0
    assert "grain security" in out.read_text(encoding="utf-8").lower()
    printed = capsys.readouterr()
    assert "a.yaml:3" in printed.out + printed.err and "b.yaml:3" in printed.out + printed.err


def test_glossary_import_of_a_json_dictionary(tmp_path):
    from termlock.glossary import load_glossary

    source = tmp_path / "terms.json"
    source.write_text('{"双核": ["dual cores", "twin cores"], "卡脖子": "chokepoint"}', encoding="utf-8")
    assert main(["glossary", "import", str(source), "-o", str(tmp_path / "terms.yaml")]) == 0
    glossary = load_glossary(tmp_path / "terms.yaml")
    assert [(t.source, t.target, t.variants) for t in glossary] == [
        ("双核", "dual cores", ("twin cores",)),
        ("卡脖子", "chokepoint", ()),
    ]
