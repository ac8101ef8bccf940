"""The published JSON Schemas describe the reports termlock really writes.

``docs/reference/check-report.schema.json`` and
``translate-report.schema.json`` are what a pipeline validates our reports
with; here real reports of many option combinations (segment and document
granularity, a reference, accepted findings with a stale entry, several
glossaries in conflict, term lists, numbers off, a bilingual XLIFF, a batch
with unpaired and skipped files, a translation) must validate against the
strict form (no key the schema does not describe), and every key the
schemas describe must occur in at least one of these reports, so the schema
holds no key termlock never writes. Every other test's reports are watched
too (``report_schema.install``, from ``conftest.py``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import report_schema
from termlock import corpora
from termlock.cli import main

DATA = Path(corpora.bundled_glossary_path()).parent
LINES = 199  # the whole corpus: its three inconsistent terms are in the second half


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, Path]:
    """The first lines of the bundled corpus (source, flawed translation, reference) as files."""
    folder = tmp_path_factory.mktemp("schema-corpus")
    files = {}
    for name in ("corpus.zh", "corpus.flawed.en", "corpus.en"):
        lines = (DATA / name).read_text(encoding="utf-8").splitlines()[:LINES]
        files[name] = folder / name
        files[name].write_text("\n".join(lines) + "\n", encoding="utf-8")
    return files


def _check(tmp_path: Path, *args: str, expect: int = 0) -> dict:
    out = tmp_path / f"report-{len(list(tmp_path.glob('report-*.json')))}.json"
    assert main(["check", *args, "--json", str(out)]) == expect
    return json.loads(out.read_text(encoding="utf-8"))


def _keys(value, prefix: str = "") -> set[str]:
    """Every key path of a JSON value (``summary.ok``, ``segments[].terms[].id``); map keys of count tables skipped."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            found.add(path)
            if key not in _MAPS:
                found |= _keys(item, path)
    elif isinstance(value, list):
        for item in value:
            found |= _keys(item, prefix + "[]")
    return found


#: objects keyed by data (renderings, counts), not by a fixed name
_MAPS = {"renderings", "segments_by_rendering", "forbidden_found"}


def _schema_keys(schema: dict, node=None, prefix: str = "") -> set[str]:
    """Every key path a schema describes, in :func:`_keys`'s notation."""
    node = schema if node is None else node
    if "$ref" in node:
        return _schema_keys(schema, schema["$defs"][node["$ref"].rsplit("/", 1)[1]], prefix)
    found: set[str] = set()
    for alternative in node.get("anyOf", []) + node.get("allOf", []):
        found |= _schema_keys(schema, alternative, prefix)
    if "items" in node and isinstance(node["items"], dict):
        found |= _schema_keys(schema, node["items"], prefix + "[]")
    for key, sub in node.get("properties", {}).items():
        path = f"{prefix}.{key}" if prefix else key
        found.add(path)
        if key not in _MAPS:
            found |= _schema_keys(schema, sub, path)
    return found


def _valid(report: dict, which: str = "check") -> dict:
    problems = report_schema.check_report_errors(report) if which == "check" else report_schema.translate_report_errors(report)
    assert problems == []
    return report


@pytest.fixture(scope="module")
def check_reports(corpus, tmp_path_factory) -> list[dict]:
    """Reports of many option combinations, each already validated."""
    tmp = tmp_path_factory.mktemp("schema-reports")
    zh, flawed, ref = str(corpus["corpus.zh"]), str(corpus["corpus.flawed.en"]), str(corpus["corpus.en"])
    reports = [
        _check(tmp, "--source", zh, "--target", flawed),
        _check(tmp, "--source", zh, "--target", flawed, "--reference", ref, "--min-term-success", "1", expect=1),
        _check(tmp, "--source", zh, "--target", flawed, "--no-numbers", "--exact"),
    ]
    # accepted findings: every open finding accepted, plus an entry that matches nothing (stale)
    accepted = tmp / "accepted.yaml"
    _check(tmp, "--source", zh, "--target", flawed, "--write-accepted", str(accepted))
    text = accepted.read_text(encoding="utf-8").replace("reason: ''", "reason: checked by the editor")
    text += "  - term: dual-cores\n    segment: 9999\n    reason: an old finding\n    by: Li Wei\n"
    accepted.write_text(text, encoding="utf-8")
    reports.append(_check(tmp, "--source", zh, "--target", flawed, "--accept", str(accepted), "--min-term-success", "1"))
    # two glossaries that define one source differently
    project = tmp / "project.yaml"
    project.write_text("name: project\nterms:\n  - source: 省委\n    target: provincial Party committee of Liaoning\n", encoding="utf-8")
    reports.append(_check(tmp, "--glossary", "bundled", "--glossary", str(project), "--source", zh, "--target", flawed))
    # per-segment term lists (WMT25 layout)
    terms = tmp / "terms.jsonl"
    terms.write_text("".join('{"terms": {"省委": ["Provincial Party Committee"]}}\n' for _ in range(LINES)), encoding="utf-8")
    reports.append(_check(tmp, "--terms", str(terms), "--source", zh, "--target", flawed))
    # whole documents: one pair, then a batch with an unpaired document and a file that is no document
    reports.append(_check(tmp, "--granularity", "document", "--source", zh, "--target", flawed, "--reference", ref))
    src, tgt = tmp / "docs.zh", tmp / "docs.en"
    (src / "sub").mkdir(parents=True)
    tgt.mkdir()
    (src / "a.md").write_text("# 省委会议\n\n坚持“双核”驱动，增长3.5%。\n\n```\nx = 1\n```\n", encoding="utf-8")
    (tgt / "a.md").write_text("# Meeting of the Provincial Party Committee\n\nKeep the double nuclei going.\n\n```\nx = 1\n```\n",
                              encoding="utf-8")
    (src / "sub" / "b.txt").write_text("构建新发展格局。\n", encoding="utf-8")
    (tgt / "sub").mkdir()
    (tgt / "sub" / "b.txt").write_text("Build a New-Development Pattern.\n", encoding="utf-8")  # a spelling finding
    (src / "d.txt").write_text("推进国有企业改革。\n", encoding="utf-8")  # no translation: unpaired
    (tgt / "c.txt").write_text("A translation of nothing.\n", encoding="utf-8")
    (src / "scan.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    reports.append(_check(tmp, "--granularity", "document", "--source", str(src), "--target", str(tgt)))
    doc_accepted = tmp / "doc-accepted.yaml"
    _check(tmp, "--granularity", "document", "--source", str(src), "--target", str(tgt), "--write-accepted", str(doc_accepted))
    doc_accepted.write_text(doc_accepted.read_text(encoding="utf-8").replace("reason: ''", "reason: fine"), encoding="utf-8")
    reports.append(_check(tmp, "--granularity", "document", "--source", str(src), "--target", str(tgt), "--accept", str(doc_accepted)))
    # spelling findings (an accepted rendering not in the glossary's spelling), counted against the gate
    spelled_zh, spelled_en = tmp / "spelled.zh", tmp / "spelled.en"
    spelled_zh.write_text("坚持“双核”驱动。\n构建新发展格局。\n", encoding="utf-8")
    spelled_en.write_text("Keep the Dual-Cores driving.\nBuild a new development pattern.\n", encoding="utf-8")
    reports.append(_check(tmp, "--source", str(spelled_zh), "--target", str(spelled_en), "--strict-spelling",
                          "--min-term-success", "1", expect=1))
    # a bilingual XLIFF: segment ids from the file
    xlf = tmp / "job.xlf"
    xlf.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">'
        '<file original="a" source-language="zh" target-language="en" datatype="plaintext"><body>'
        '<trans-unit id="u1"><source>坚持“双核”驱动，增长3.5%。</source><target>Keep the dual cores driving, up 3%.</target></trans-unit>'
        "</body></file></xliff>\n",
        encoding="utf-8",
    )
    reports.append(_check(tmp, "--bilingual", str(xlf)))
    return [_valid(report) for report in reports]


def test_the_schemas_are_valid_draft_2020_12_and_describe_every_key():
    from jsonschema import Draft202012Validator

    for path in (report_schema.CHECK_SCHEMA, report_schema.TRANSLATE_SCHEMA):
        schema = json.loads(path.read_text(encoding="utf-8"))
        Draft202012Validator.check_schema(schema)
        undocumented = [
            (name, key)
            for name, node in [("(top)", schema), *schema["$defs"].items()]
            for key, sub in node.get("properties", {}).items()
            if not (sub.get("description") or "").strip()
        ]
        assert undocumented == [], f"{path.name}: give these keys a description (the reference page shows it)"


def test_reports_of_many_option_combinations_validate(check_reports):
    report = {key for r in check_reports for key in _keys(r)}
    # the combinations reached what they were built for
    assert any(r["accepted"]["stale"] for r in check_reports)
    assert any(r["accepted"]["findings"] and "document" in r["accepted"]["findings"][0] for r in check_reports)
    assert any(r["glossary_conflicts"] for r in check_reports)
    assert any(r["unpaired"] and r["skipped"] for r in check_reports)
    assert any(r["numbers"] is None for r in check_reports)
    assert any(r["numbers"] and r["numbers"]["missing"] for r in check_reports)
    assert any(r["summary"]["bleu"] is not None for r in check_reports)
    assert any(r["spelling"]["strict"] and r["spelling"]["findings"] for r in check_reports)
    assert any(f.get("document") for r in check_reports for f in r["spelling"]["findings"])
    assert any(r["segments"] and r["segments"][0]["id"] == "u1" for r in check_reports)
    # every key the schema describes occurs in one of them: the schema promises nothing termlock never writes
    never_written = _schema_keys(json.loads(report_schema.CHECK_SCHEMA.read_text(encoding="utf-8"))) - report
    assert never_written == set()


def test_the_strict_schema_refuses_a_key_it_does_not_describe_and_the_published_one_allows_it(check_reports):
    report = json.loads(json.dumps(check_reports[0]))
    report["summary"]["renamed_rate"] = 0.5
    report["segments"][0]["terms"][0]["colour"] = "red"
    problems = report_schema.check_report_errors(report)
    assert len(problems) == 2 and all("Additional properties are not allowed" in p for p in problems)
    assert report_schema.check_report_errors(report, lenient=True) == []


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("summary", "term_success_rate"), 1.5, "is greater than the maximum of 1"),
        (("summary", "ok"), -1, "is less than the minimum of 0"),
        (("segments", 0, "terms", 0, "status"), "fine", "is not one of"),
        (("segments", 0, "terms", 0, "source_span"), [1], "is too short"),
        (("glossary",), {"name": "g"}, "'terms' is a required property"),
    ],
)
def test_a_report_that_breaks_the_contract_is_refused(check_reports, path, value, message):
    report = json.loads(json.dumps(check_reports[0]))
    holder = report
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = value
    problems = report_schema.check_report_errors(report)
    assert problems and message in problems[0]


def test_translate_reports_validate_and_use_every_key(tiny_model_dir, tmp_path):
    source = tmp_path / "in.zh"
    source.write_text("坚持“双核”驱动。\n\n2024\n构建新发展格局。\n", encoding="utf-8")
    reports = []
    for constraints, extra in (("always", ["--max-length", "8"]), ("auto", [])):
        out = tmp_path / f"report-{constraints}.json"
        argv = ["translate", "-i", str(source), "-o", str(tmp_path / f"out-{constraints}.en"), "--glossary", "bundled",
                "--model", str(tiny_model_dir), "--constraints", constraints, "--report", str(out), "--quiet", *extra]
        assert main(argv) == 0
        reports.append(_valid(json.loads(out.read_text(encoding="utf-8")), "translate"))
    written = {key for r in reports for key in _keys(r)}
    for key in ("summary.truncated[].length_limit", "segments[].sentences[].copied", "segments[].sentences[].truncated",
                "segments[].sentences[].constrained"):
        assert key in written
