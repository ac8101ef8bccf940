"""Issue 24, "wrong answers without a word": each case a run that used to succeed with a wrong result."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from termlock.cli import main

DATA = Path(__file__).parent / "data"
GLOSSARY = DATA / "check" / "glossary.yaml"


def run(capsys, argv: list[str]) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


# ------------------------------------------------------------------ glossary conflicts on the streamed path


def test_glossary_conflicts_reach_the_streamed_json_and_html(tmp_path, capsys):
    (tmp_path / "later.yaml").write_text(
        "name: later\nterms:\n  - source: 双核\n    target: twin engines\n", encoding="utf-8"
    )
    (tmp_path / "s.zh").write_text("双核\n", encoding="utf-8")
    (tmp_path / "t.en").write_text("twin engines\n", encoding="utf-8")
    code, out, _ = run(capsys, ["check", "--glossary", GLOSSARY, "--glossary", tmp_path / "later.yaml",
                                "--source", tmp_path / "s.zh", "--target", tmp_path / "t.en",
                                "--json", tmp_path / "r.json", "--html", tmp_path / "r.html"])  # fmt: skip
    assert code == 0
    conflicts = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["glossary_conflicts"]
    assert [c["source"] for c in conflicts] == ["双核"] and conflicts[0]["later"]["target"] == "twin engines"
    assert 'id="glossary-conflicts"' in (tmp_path / "r.html").read_text(encoding="utf-8")


# ------------------------------------------------------------------ translated TSV / JSONL are read by their fields


@pytest.fixture()
def lines(tmp_path):
    (tmp_path / "seg.tsv").write_text("双核\tnote a\n卡脖子\tnote b\n", encoding="utf-8")
    # the translation misses 双核; only a reviewer's note beside it says "dual cores"
    (tmp_path / "out.tsv").write_text("双核\tthe twin cities\tnote: dual cores\n卡脖子\tstuck neck\tnote b\n", encoding="utf-8")
    (tmp_path / "seg.jsonl").write_text('{"id": "a7", "source": "双核"}\n{"id": "b9", "source": "卡脖子"}\n', encoding="utf-8")
    (tmp_path / "out.jsonl").write_text(
        '{"id": "a7", "source": "双核", "target": "the twin cities", "note": "dual cores"}\n'
        '{"id": "b9", "source": "卡脖子", "target": "stuck neck"}\n',
        encoding="utf-8",
    )
    return tmp_path


def statuses(path: Path) -> list[tuple[str | None, list[str]]]:
    report = json.loads(path.read_text(encoding="utf-8"))
    return [(s["id"], [t["status"] for t in s["terms"]]) for s in report["segments"]]


@pytest.mark.parametrize("ext", ["tsv", "jsonl"])
@pytest.mark.parametrize("streamed", [True, False], ids=["streamed", "whole"])
def test_check_reads_the_translation_column_of_a_translated_file(lines, capsys, ext, streamed):
    # whole lines found "dual cores" in the note beside the translation and said ok
    extra = [] if streamed else ["--write-accepted", lines / "acc.yaml"]  # needs the whole result: not streamed
    code, _, _ = run(capsys, ["check", "--glossary", GLOSSARY, "--source", lines / f"seg.{ext}", "--target",
                              lines / f"out.{ext}", "--json", lines / "r.json", *extra])  # fmt: skip
    assert code == 0
    ids = ["a7", "b9"] if ext == "jsonl" else [None, None]
    assert statuses(lines / "r.json") == [(ids[0], ["missing"]), (ids[1], ["ok"])]


def test_jsonl_ids_that_disagree_are_not_aligned(lines, capsys):
    (lines / "other.jsonl").write_text('{"id": "zz", "source": "双核", "target": "dual cores"}\n{"id": "b9", "target": "x"}\n',
                                       encoding="utf-8")
    code, _, err = run(capsys, ["check", "--glossary", GLOSSARY, "--source", lines / "seg.jsonl",
                                "--target", lines / "other.jsonl"])  # fmt: skip
    assert code == 2 and "line 1: --source has id 'a7' but --target has id 'zz'" in err


def test_a_target_tsv_without_a_translation_column_is_refused_with_the_fix(lines, capsys):
    (lines / "one.tsv").write_text("双核\n卡脖子\n", encoding="utf-8")
    code, _, err = run(capsys, ["check", "--glossary", GLOSSARY, "--source", lines / "seg.tsv", "--target", lines / "one.tsv",
                                "--json", lines / "r.json"])  # fmt: skip
    assert code == 2 and "one.tsv:1: --target: this TSV line has no column 2" in err and "fix:" in err
    assert not (lines / "r.json").exists()


@pytest.mark.parametrize("ext, ids", [("jsonl", ["a7", "b9"]), ("tsv", ["1", "2"])])
def test_check_bilingual_reads_a_translated_jsonl_or_tsv(lines, capsys, ext, ids):
    code, _, err = run(capsys, ["check", "--glossary", GLOSSARY, "--bilingual", lines / f"out.{ext}", "--json", lines / "r.json"])
    assert code == 0, err
    assert statuses(lines / "r.json") == [(ids[0], ["missing"]), (ids[1], ["ok"])]


def test_translate_report_ids_follow_the_jsonl_id_field(lines, capsys, tiny_model_dir):
    code, _, err = run(capsys, ["translate", "-i", lines / "seg.jsonl", "-o", lines / "o.jsonl", "--glossary", GLOSSARY,
                                "--model", tiny_model_dir, "--beam", "1", "--max-length", "8", "--report", lines / "rep.json"])
    assert code == 0, err
    report = json.loads((lines / "rep.json").read_text(encoding="utf-8"))
    assert [s["id"] for s in report["segments"]] == ["a7", "b9"]


# ------------------------------------------------------------------ accepted findings: written, then accepted, lose nothing


def write_then_accept(tmp_path, capsys, check_args: list, edit=None) -> dict:
    """--write-accepted, every entry given a reason, then --accept: the JSON report of the second run."""
    code, _, err = run(capsys, [*check_args, "--write-accepted", tmp_path / "acc.yaml"])
    assert code == 0, err
    text = (tmp_path / "acc.yaml").read_text(encoding="utf-8").replace("reason: ''", "reason: no")  # "no" is a reason
    (tmp_path / "acc.yaml").write_text(edit(text) if edit else text, encoding="utf-8")
    code, _, err = run(capsys, [*check_args, "--accept", tmp_path / "acc.yaml", "--json", tmp_path / "r.json"])
    assert code == 0, err
    return json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))


def test_accepted_round_trip_keeps_segments_with_nel_and_line_separators(tmp_path, capsys):
    (tmp_path / "s.zh").write_text("引用\u0085双核\n卡脖子\u2028问题\n", encoding="utf-8")
    (tmp_path / "t.en").write_text("quoting\u0085double nuclei\nthe choke point\n", encoding="utf-8")
    report = write_then_accept(tmp_path, capsys, ["check", "--glossary", GLOSSARY, "--source", tmp_path / "s.zh",
                                                  "--target", tmp_path / "t.en"])  # fmt: skip
    assert report["accepted"]["stale"] == []
    assert sorted(f["term"] for f in report["accepted"]["findings"]) == ["dual-cores", "stuck-neck"]
    assert all(f["reason"] == "no" for f in report["accepted"]["findings"])


def test_accepted_round_trip_keeps_unit_ids_with_spaces(tmp_path, capsys):
    xliff = (
        '<?xml version="1.0" encoding="UTF-8"?><xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">'
        '<file original="a" source-language="zh" target-language="en" datatype="plaintext"><body>'
        '<trans-unit id=" u1 "><source>双核</source><target>double nuclei</target></trans-unit>'
        "</body></file></xliff>"
    )
    (tmp_path / "job.xlf").write_text(xliff, encoding="utf-8")
    report = write_then_accept(tmp_path, capsys, ["check", "--glossary", GLOSSARY, "--bilingual", tmp_path / "job.xlf"])
    assert report["accepted"]["stale"] == [] and report["accepted"]["findings"][0]["segment_id"] == " u1 "


def test_inconsistent_renderings_are_in_the_csv_the_template_and_can_be_accepted(tmp_path, capsys):
    (tmp_path / "s.zh").write_text("双核\n双核\n", encoding="utf-8")
    (tmp_path / "t.en").write_text("dual cores\ndual-core hubs\n", encoding="utf-8")
    args = ["check", "--glossary", GLOSSARY, "--source", tmp_path / "s.zh", "--target", tmp_path / "t.en"]
    code, _, _ = run(capsys, [*args, "--csv", tmp_path / "p.csv"])
    assert code == 0
    csv_text = (tmp_path / "p.csv").read_text(encoding="utf-8-sig")
    assert ",dual-cores,双核,inconsistent,dual cores,dual cores x1; dual-core hubs x1," in csv_text
    report = write_then_accept(tmp_path, capsys, args)
    assert "status: inconsistent" in (tmp_path / "acc.yaml").read_text(encoding="utf-8")
    assert report["accepted"]["findings"] == [
        {"term": "dual-cores", "status": "inconsistent", "reason": "no", "by": report["accepted"]["findings"][0]["by"],
         "date": report["accepted"]["findings"][0]["date"], "line": 5}
    ]
    assert report["inconsistent"][0]["accepted"]["reason"] == "no" and report["accepted"]["stale"] == []
    code, out, _ = run(capsys, [*args, "--accept", tmp_path / "acc.yaml", "--html", tmp_path / "r.html"])
    assert "dual-cores (双核): 'dual cores' x1, 'dual-core hubs' x1 (accepted: no)" in out
    assert "accepted by" in (tmp_path / "r.html").read_text(encoding="utf-8")
    # once the renderings agree, the entry is stale
    (tmp_path / "t.en").write_text("dual cores\ndual cores\n", encoding="utf-8")
    code, _, _ = run(capsys, [*args, "--accept", tmp_path / "acc.yaml", "--json", tmp_path / "r.json"])
    assert [s["term"] for s in json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["accepted"]["stale"]] == ["dual-cores"]


# ------------------------------------------------------------------ term lists: the glossary's rules, every spelling


def test_term_lists_keep_every_source_spelling(tmp_path, capsys):
    (tmp_path / "terms.jsonl").write_text('[{"src": ["双核心", "双核"], "tgt": "dual cores"}]\n', encoding="utf-8")
    (tmp_path / "s.zh").write_text("双核驱动\n", encoding="utf-8")
    (tmp_path / "t.en").write_text("dual cores drive\n", encoding="utf-8")
    code, _, _ = run(capsys, ["check", "--terms", tmp_path / "terms.jsonl", "--source", tmp_path / "s.zh",
                              "--target", tmp_path / "t.en", "--json", tmp_path / "r.json", "--min-term-success", "1"])
    assert code == 0  # the second spelling is found (it was dropped, and nothing was checked)
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["summary"]["term_occurrences"] == 1


@pytest.mark.parametrize(
    "line, words",
    [
        ('[{"src": "\\u200b", "tgt": "x"}]', "'src' is empty once invisible characters are removed"),
        ('[{"src": "双\\u0000核", "tgt": "x"}]', "'src' contains a NUL character"),
        ('[{"src": "\\ud800", "tgt": "x"}]', "'src' contains a lone surrogate U+D800"),
        ('[{"src": "双核", "tgt": "\\u00ad"}]', "'tgt' is empty once invisible characters are removed"),
        ('{"terms": {"双核": ["\\u200b"]}}', "the targets of '双核' is empty once invisible characters are removed"),
    ],
    ids=["invisible-source", "nul", "lone-surrogate", "invisible-target", "wmt25-invisible-target"],
)
def test_term_lists_refuse_what_never_matches(tmp_path, capsys, line, words):
    (tmp_path / "terms.jsonl").write_text("[]\n" + line + "\n", encoding="utf-8")
    (tmp_path / "s.zh").write_text("x\n双核\n", encoding="utf-8")
    (tmp_path / "t.en").write_text("x\ndual cores\n", encoding="utf-8")
    code, _, err = run(capsys, ["check", "--terms", tmp_path / "terms.jsonl", "--source", tmp_path / "s.zh",
                                "--target", tmp_path / "t.en"])  # fmt: skip
    assert code == 2 and "terms.jsonl:2: " in err and words in err


def test_every_problem_of_a_term_list_file_is_listed_at_once(tmp_path, capsys):
    (tmp_path / "terms.jsonl").write_text('[{"src": "\\u200b", "tgt": "x"}]\n{not json\n[{"src": "a", "tgt": ""}]\n',
                                          encoding="utf-8")
    (tmp_path / "s.zh").write_text("1\n2\n3\n", encoding="utf-8")
    code, _, err = run(capsys, ["check", "--terms", tmp_path / "terms.jsonl", "--source", tmp_path / "s.zh",
                                "--target", tmp_path / "s.zh"])  # fmt: skip
    assert code == 2 and "3 problems in term lists" in err
    assert all(f"terms.jsonl:{n}: " in err for n in (1, 2, 3))


# ------------------------------------------------------------------ JSON dictionaries


def test_a_dictionary_with_full_width_and_ascii_twins_is_merged_with_a_note_each(tmp_path, capsys):
    # the WMT25 (2022) dictionary could not be imported at all
    text = json.dumps({"（D-SIB）": "D-SIBs", "(D-SIB)": "domestic systemically important banks", "安全！": "safety!",
                       "安全!": "safety!", "卡脖子": "chokepoint"}, ensure_ascii=False)
    (tmp_path / "d.json").write_text(text, encoding="utf-8")
    code, _, err = run(capsys, ["glossary", "import", tmp_path / "d.json", "-o", tmp_path / "g.yaml"])
    assert code == 0, err
    notes = [line for line in err.splitlines() if ": note: " in line]
    assert len(notes) == 2
    assert "key '(D-SIB)' is the same source as '（D-SIB）' once normalised" in notes[0]
    assert "variant(s) 'domestic systemically important banks'" in notes[0]
    from termlock.glossary import load_glossary

    terms = {t.source: t for t in load_glossary(tmp_path / "g.yaml")}
    assert terms["（D-SIB）"].accepted == ("D-SIBs", "domestic systemically important banks")
    assert "imported 3 terms" in err


def test_a_duplicate_key_is_merged_not_silently_dropped(tmp_path, capsys):
    (tmp_path / "d.json").write_text('{"双核": "dual cores", "双核": "twin cores"}', encoding="utf-8")
    code, _, err = run(capsys, ["glossary", "import", tmp_path / "d.json", "-o", tmp_path / "g.yaml"])
    assert code == 0 and "key '双核' appears again: merged into one term with target 'dual cores'" in err
    assert "variants: [twin cores]" in (tmp_path / "g.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "text, words",
    [
        ('{"terms": ["x"]}', "'terms' holds a list, not an object of sources and targets"),
        ('{"terms": {"双核": "dual cores"}, "卡脖子": "chokepoint"}', "mixes a 'terms' object with other keys ('卡脖子')"),
        ('{"双核": "dual cores", "卡脖子": [""]}', "the targets of key '卡脖子'"),
    ],
    ids=["terms-list", "terms-and-keys", "names-the-key"],
)
def test_dictionary_shapes_that_lost_terms_are_refused(tmp_path, capsys, text, words):
    (tmp_path / "d.json").write_text(text, encoding="utf-8")
    code, _, err = run(capsys, ["glossary", "import", tmp_path / "d.json", "-o", tmp_path / "g.yaml"])
    assert code == 2 and words in err and "line 1" not in err
    assert not (tmp_path / "g.yaml").exists()


def test_key_lines_find_keys_not_values_on_one_line_and_on_many():
    """The scan is linear now (it sliced the rest of the line per key: 40,000 keys on one line took 10 s)."""
    from termlock.glossary.term_lists import _key_lines

    text = "{" + ", ".join(f'"k{i}": "v{i}"' for i in range(2_000)) + "}"
    lines = _key_lines(text)
    assert len(lines) == 2_000 and set(lines.values()) == {1} and "v1" not in lines
    assert _key_lines('{\n  "a": "b",\n  "c" :\n  "d"\n}') == {"a": 2, "c": 3}
