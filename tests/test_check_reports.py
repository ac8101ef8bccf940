"""JSON schema, CSV rows, terminal summary and sacrebleu metrics of a check."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from termlock.errors import TermlockError
from termlock.evaluate import check, corpus_metrics
from termlock.evaluate.reports.csv_report import COLUMNS, csv_text, write_csv
from termlock.evaluate.reports.json_report import to_json, write_json
from termlock.evaluate.reports.terminal_report import render_summary
from termlock.glossary import load_glossary

DATA = Path(__file__).parent / "data" / "check"

SOURCES = ["推动双核联动发展。", "双核引领。", "破解卡脖子难题。", "没有术语。", "双核带动，做好三篇大文章。"]
TARGETS = [
    "Promote the dual cores.",
    "The dual-core hubs lead.",
    'Solve the "choke point" problems, A & B.',
    "No term.",
    "The centres drive growth and write the three big articles.",
]
REFERENCES = [
    "Promote the dual cores.",
    "The dual cores lead.",
    "Solve the stuck neck problems.",
    "No term.",
    "The dual cores drive growth and write the three big articles.",
]


@pytest.fixture(scope="module")
def glossary():
    return load_glossary(str(DATA / "glossary.yaml"))


@pytest.fixture(scope="module")
def result(glossary):
    return check(glossary, SOURCES, TARGETS, references=REFERENCES, segment_ids=["s1", "s2", "s3", "s4", "s5"])


# ------------------------------------------------------------------ JSON


def test_json_has_exactly_the_contract_keys_and_types(result):
    data = json.loads(to_json(result))
    assert {"glossary", "summary", "segments", "terms"} <= data.keys()
    assert data["glossary"] == {"name": "Check test terms", "terms": 10}
    summary = data["summary"]
    contract = {
        "segments": int,
        "term_occurrences": int,
        "ok": int,
        "missing": int,
        "forbidden": int,
        "term_success_rate": float,
        "inconsistent_terms": int,
        "bleu": float,
        "chrf": float,
        "signature": str,
    }
    assert contract.keys() <= summary.keys()
    for key, kind in contract.items():
        assert isinstance(summary[key], kind), key
    assert (summary["segments"], summary["term_occurrences"], summary["ok"]) == (5, 5, 3)
    assert (summary["missing"], summary["forbidden"], summary["inconsistent_terms"]) == (1, 1, 1)
    assert summary["term_success_rate"] == 0.6

    assert [seg["index"] for seg in data["segments"]] == [0, 1, 2, 3, 4]
    for seg in data["segments"]:
        assert {"index", "source", "target", "terms"} <= seg.keys()
        for occ in seg["terms"]:
            assert {"id", "source", "status", "expected", "found", "forbidden_found"} <= occ.keys()
            assert occ["status"] in {"ok", "missing", "forbidden"}
            assert isinstance(occ["expected"], list)
    first = data["segments"][0]["terms"][0]
    assert first == {
        **first,
        "id": "dual-cores",
        "source": "双核",
        "status": "ok",
        "expected": ["dual cores", "dual-core hubs"],
        "found": "dual cores",
        "forbidden_found": None,
    }
    stuck = data["segments"][2]["terms"][0]
    assert (stuck["status"], stuck["found"], stuck["forbidden_found"]) == ("forbidden", None, "choke point")
    assert data["segments"][3]["terms"] == []

    terms = {t["id"]: t for t in data["terms"]}
    for term in data["terms"]:
        assert {"id", "source", "occurrences", "ok", "missing", "forbidden", "renderings", "consistent"} <= term.keys()
        assert isinstance(term["renderings"], dict) and isinstance(term["consistent"], bool)
    dual = terms["dual-cores"]
    assert (dual["occurrences"], dual["ok"], dual["missing"], dual["forbidden"]) == (3, 2, 1, 0)
    assert dual["renderings"] == {"dual cores": 1, "dual-core hubs": 1}
    assert dual["consistent"] is False
    assert dual["note"] == "Shenyang and Dalian"
    assert terms["three-big-articles"]["renderings"] == {"three big articles": 1}
    assert data["inconsistent"][0]["segments"] == {"dual cores": [0], "dual-core hubs": [1]}


def test_json_without_reference_has_null_metrics(glossary, tmp_path):
    out = tmp_path / "r.json"
    write_json(check(glossary, SOURCES, TARGETS), out)
    summary = json.loads(out.read_text(encoding="utf-8"))["summary"]
    assert summary["bleu"] is None and summary["chrf"] is None and summary["signature"] is None
    assert "推动双核" in out.read_text(encoding="utf-8")  # not \u-escaped


# ------------------------------------------------------------------ metrics


def test_metrics_with_reference_carry_sacrebleu_signature():
    perfect = corpus_metrics(["the dual cores lead the way"], ["the dual cores lead the way"])
    assert perfect.bleu == 100.0 and perfect.chrf == 100.0
    assert "nrefs:1" in perfect.bleu_signature and "tok:13a" in perfect.bleu_signature
    assert "nc:6" in perfect.chrf_signature
    assert perfect.bleu_signature in perfect.signature and perfect.chrf_signature in perfect.signature
    worse = corpus_metrics(["the two centres lead"], ["the dual cores lead the way"])
    assert 0.0 <= worse.bleu < 100.0 and 0.0 < worse.chrf < 100.0


def test_metrics_in_summary_match_corpus_metrics(result):
    expected = corpus_metrics(TARGETS, REFERENCES)
    assert (result.summary.bleu, result.summary.chrf, result.summary.signature) == (
        expected.bleu,
        expected.chrf,
        expected.signature,
    )


def test_metrics_of_empty_document_and_misaligned_reference():
    empty = corpus_metrics([], [])
    assert (empty.bleu, empty.chrf) == (0.0, 0.0) and "nrefs:1" in empty.signature
    with pytest.raises(TermlockError, match="2 target segments but 1 reference"):
        corpus_metrics(["a", "b"], ["a"])


def test_chinese_target_uses_chinese_tokenizer():
    assert "tok:zh" in corpus_metrics(["双核引领"], ["双核引领"], target_lang="zh").bleu_signature


# ------------------------------------------------------------------ CSV


def test_csv_has_one_row_per_problem_and_a_bom(result, tmp_path):
    out = tmp_path / "p.csv"
    write_csv(result, out)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert tuple(rows[0].keys()) == COLUMNS
    assert [(r["line"], r["index"], r["segment_id"], r["term_id"], r["status"]) for r in rows] == [
        ("3", "2", "s3", "stuck-neck", "forbidden"),
        ("5", "4", "s5", "dual-cores", "missing"),
        ("", "", "", "dual-cores", "inconsistent"),  # after the occurrences: one row per inconsistent term
    ]
    assert rows[2]["found"] == "dual cores x1; dual-core hubs x1"
    forbidden = rows[0]
    assert forbidden["forbidden_found"] == "choke point" and forbidden["found"] == ""
    assert forbidden["target"] == TARGETS[2]  # quotes, commas and & survive
    assert forbidden["expected"] == "stuck neck"
    missing = rows[1]
    assert missing["expected"] == "dual cores | dual-core hubs"
    assert missing["note"] == "Shenyang and Dalian"
    assert missing["source"] == SOURCES[4] and missing["term_source"] == "双核"


def test_csv_of_a_clean_check_is_only_the_header(glossary):
    text = csv_text(check(glossary, ["双核"], ["dual cores"]))
    assert text == ",".join(COLUMNS) + "\r\n"


def test_csv_cells_never_start_a_spreadsheet_formula(glossary):
    # a target (or id) a spreadsheet would run as a formula is shown as text
    target = '=HYPERLINK("http://example.invalid","twin kernels")'
    result = check(glossary, ["双核"], [target], segment_ids=["@unit"])
    [row] = list(csv.DictReader(io.StringIO(csv_text(result), newline="")))
    assert row["target"] == "'" + target
    assert row["segment_id"] == "'@unit"
    assert row["source"] == "双核" and row["status"] == "missing"
    assert result.segments[0].target == target  # the JSON keeps the exact text


# ------------------------------------------------------------------ terminal


def test_terminal_summary_shows_figures_worst_and_inconsistent_terms(result):
    text = render_summary(result)
    for needle in (
        "Check test terms",
        "segments",
        "term occurrences",
        "0.6000 (60.00%)",
        "inconsistent terms",
        "nrefs:1",
        "worst terms",
        "stuck-neck",
        "dual-cores (双核): 'dual cores' x1, 'dual-core hubs' x1",
    ):
        assert needle in text, needle
    lines = text.splitlines()
    assert any(line.split()[:2] == ["missing", "1"] for line in lines)
    assert any(line.split()[:2] == ["forbidden", "1"] for line in lines)


def test_terminal_summary_without_reference_or_problems(glossary):
    text = render_summary(check(glossary, ["双核"], ["dual cores"]))
    assert "no --reference" in text
    assert "worst terms" not in text and "inconsistent terms (" not in text
