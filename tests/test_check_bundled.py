"""End to end: ``termlock check`` on the bundled corpus finds what was planted, nothing else."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from termlock.cli import main
from termlock.corpora import bundled_corpus, load_bundled_glossary


@pytest.fixture(scope="module")
def corpus():
    return bundled_corpus()


def run_check(tmp_path: Path, target: Path, reference: Path, source: Path, *extra: str) -> tuple[int, dict, list[dict], str]:
    out = {kind: tmp_path / f"report.{kind}" for kind in ("json", "csv", "html")}
    code = main(
        [
            "check",  # no --glossary: the bundled one
            "--source", str(source), "--target", str(target), "--reference", str(reference),
            "--json", str(out["json"]), "--csv", str(out["csv"]), "--html", str(out["html"]),
            *extra,
        ]
    )  # fmt: skip
    report = json.loads(out["json"].read_text(encoding="utf-8"))
    rows = list(csv.DictReader(io.StringIO(out["csv"].read_text(encoding="utf-8-sig"), newline="")))
    return code, report, rows, out["html"].read_text(encoding="utf-8")


def test_flawed_translation_report_finds_exactly_the_planted_problems(corpus, tmp_path, capsys):
    plan = corpus.plan()
    code, report, rows, html = run_check(
        tmp_path, corpus.flawed_path, corpus.reference_path, corpus.source_path, "--min-term-success", "0.99"
    )
    assert code == 1  # the flawed translation fails a strict gate
    assert "FAIL" in capsys.readouterr().out

    found = {
        (seg["index"], occ["id"], occ["status"])
        for seg in report["segments"]
        for occ in seg["terms"]
        if occ["status"] != "ok"
    }
    planted = {(p.index, p.term, p.status) for p in plan.problems}
    assert planted - found == set(), "planted problems the report missed"
    assert found - planted == set(), "false alarms in the flawed translation"
    occurrence_rows = [r for r in rows if r["status"] != "inconsistent"]
    assert {(int(r["index"]), r["term_id"], r["status"]) for r in occurrence_rows} == planted
    assert len(occurrence_rows) == len(plan.problems)
    # then one row per inconsistent term
    assert {r["term_id"] for r in rows if r["status"] == "inconsistent"} == {p.term for p in plan.inconsistencies}

    inconsistent = {t["id"]: t["renderings"] for t in report["terms"] if not t["consistent"]}
    assert set(inconsistent) == {p.term for p in plan.inconsistencies}
    for planned in plan.inconsistencies:
        assert set(inconsistent[planned.term]) == set(planned.renderings)
    summary = report["summary"]
    assert summary["inconsistent_terms"] == len(plan.inconsistencies)
    assert summary["missing"] == sum(p.status == "missing" for p in plan.problems)
    assert summary["forbidden"] == sum(p.status == "forbidden" for p in plan.problems)
    assert summary["segments"] == len(corpus.sources())
    assert summary["bleu"] is not None and "nrefs:1" in summary["signature"]
    # chrF++ (word bigrams) beside chrF, with its own sacrebleu signature
    assert summary["chrf_pp"] is not None and "nw:2" in summary["chrf_pp_signature"]
    # the numbers category: every figure of the source is in the flawed translation too
    assert (report["numbers"]["checked"], report["numbers"]["missing_count"]) == (24, 0)
    assert report["glossary"]["terms"] == len(load_bundled_glossary())

    # every planted problem is a row of the HTML report, and every inconsistent term is listed
    assert html.count('<tr data-status="') == len(plan.problems)
    section = html.split('id="inconsistent"')[1]
    for planned in plan.inconsistencies:
        assert f"<code>{planned.term}</code>" in section


def test_reference_translation_has_no_problems_and_no_inconsistencies(corpus, tmp_path, capsys):
    code, report, rows, html = run_check(
        tmp_path, corpus.reference_path, corpus.reference_path, corpus.source_path, "--min-term-success", "1"
    )
    assert code == 0
    summary = report["summary"]
    assert summary["term_occurrences"] > 0
    assert (summary["missing"], summary["forbidden"], summary["inconsistent_terms"]) == (0, 0, 0)
    assert summary["term_success_rate"] == 1.0
    assert summary["bleu"] == 100.0
    assert rows == []
    assert "Problems (0)" in html and "Inconsistent terms (0)" in html
