"""The streamed check: the same bytes as the whole-result writers, one pass, nothing left behind on failure.

The JSON report is compared byte for byte with what the standard library
writes for ``CheckResult.to_dict()`` (``ensure_ascii=False``, ``indent=2``,
its float formatting), which is what ``termlock check`` wrote before orjson
and streaming; the streamed CSV and HTML reports with those written from a
whole result; the line reader with the whole-file reader.
"""

from __future__ import annotations

import gc
import json
from pathlib import Path
from unittest import mock

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from termlock.cli import main
from termlock.corpora import bundled_corpus, load_bundled_glossary
from termlock.documents.lines import aligned
from termlock.errors import TermlockError
from termlock.inputs import SegmentReader, read_segments
from termlock.evaluate import check
from termlock.evaluate.checker import Aggregator, SegmentChecker
from termlock.evaluate.records import Metrics
from termlock.evaluate.reports.csv_report import csv_text
from termlock.evaluate.reports.html_report import render_html
from termlock.evaluate.reports.json_report import JsonReportWriter, to_json, write_json
from termlock.evaluate.stream import ReportFiles, check_stream, glossary_notes
from termlock.glossary import load_glossary
from termlock.glossary import loader as glossary_loader
from termlock.glossary.loader import parse_glossary

DATA = Path(__file__).parent / "data" / "check"
GLOSSARY = DATA / "glossary.yaml"


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def glossary():
    return load_glossary(str(GLOSSARY))


def stdlib_json(result) -> str:
    """What the JSON report was before orjson and streaming: the standard library's encoder."""
    return json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n"


# ------------------------------------------------------------------ JSON bytes


def test_json_report_is_byte_for_byte_the_standard_library_output(glossary, tmp_path):
    corpus = bundled_corpus()
    bundled = load_bundled_glossary()
    with_metrics = check(bundled, corpus.sources(), corpus.flawed(), corpus.references())
    assert with_metrics.summary.bleu is not None and with_metrics.inconsistent  # floats and every table present
    sources, flawed = lines(DATA / "source.zh"), lines(DATA / "flawed.en")
    for result in (with_metrics, check(glossary, sources, flawed), check(glossary, [], []),
                   check(glossary, ["双核"], ["dual cores"], segment_ids=["u-1"])):
        expected = stdlib_json(result)
        assert to_json(result) == expected
        write_json(result, tmp_path / "r.json")
        assert (tmp_path / "r.json").read_text(encoding="utf-8") == expected


def test_summary_floats_keep_the_standard_library_format(glossary):
    # orjson would write 1e-05 as 0.00001 and 1e16 as 1e+16 differently: the summary goes through json
    base = check(glossary, ["双核"], ["dual cores"])
    odd = Metrics(bleu=1e-05, chrf=1e16, signature="nrefs:1")
    result = Aggregator(glossary)
    for segment in base.segments:
        result.add(segment)
    whole = result.result(odd, base.segments)
    text = to_json(whole)
    assert text == stdlib_json(whole)
    assert '"bleu": 1e-05' in text and '"chrf": 1e+16' in text


awkward_text = st.text(
    alphabet=st.one_of(
        st.sampled_from(list('双核卡脖子三篇大文章"\\/<>&\'\u2028\u2029\x7f\ufeff')),
        st.characters(max_codepoint=0x1F),
        st.characters(exclude_categories=("Cs",)),
    ),
    max_size=30,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(awkward_text, awkward_text), max_size=4))
def test_any_text_encodes_exactly_as_the_standard_library(glossary, pairs):
    sources = [s + "双核" for s, _ in pairs]  # every segment has a term, so every field is written
    targets = [t + " dual cores" for _, t in pairs]
    result = check(glossary, sources, targets)
    assert to_json(result) == stdlib_json(result)


@pytest.mark.parametrize("batch", [1, 3, 1000])
def test_streamed_json_is_the_same_bytes_whatever_the_batch(glossary, tmp_path, batch):
    # segments are encoded in batches; one holds a lone surrogate, which only its batch escapes
    sources = lines(DATA / "source.zh")[:40] + ["双核\ud800"]
    targets = lines(DATA / "flawed.en")[:40] + ["dual cores"]
    whole = check(glossary, sources, targets)
    with mock.patch("termlock.evaluate.reports.json_report._BATCH", batch):
        check_stream(glossary, list(zip(sources, targets)), [JsonReportWriter(tmp_path / "b.json")])
    written = (tmp_path / "b.json").read_bytes()
    assert written == to_json(whole).encode("utf-8")
    assert json.loads(written) == whole.to_dict()


def test_text_utf8_cannot_hold_is_escaped_not_a_crash(glossary, tmp_path):
    # a lone surrogate (only a library caller can pass one): the old writer raised UnicodeEncodeError
    result = check(glossary, ["双核\ud800", "双核"], ["dual cores", "dual cores"])
    write_json(result, tmp_path / "s.json")
    data = (tmp_path / "s.json").read_bytes().decode("utf-8")
    assert json.loads(data) == result.to_dict()
    assert '"source": "双核"' in data  # the other segment is written as usual


# ------------------------------------------------------------------ streaming


def test_streamed_reports_equal_the_reports_of_a_whole_result(glossary, tmp_path):
    sources, flawed = lines(DATA / "source.zh"), lines(DATA / "flawed.en")
    whole = check(glossary, sources, flawed)
    files = ReportFiles(json=tmp_path / "s.json", csv=tmp_path / "s.csv", html=tmp_path / "s.html")
    streamed = check_stream(glossary, zip(sources, flawed), files.open(glossary_notes(glossary)))
    assert streamed.segments == ()  # nothing kept: memory flat in the number of segments
    assert streamed.summary == whole.summary and streamed.terms == whole.terms
    assert (tmp_path / "s.json").read_text(encoding="utf-8") == stdlib_json(whole)
    assert (tmp_path / "s.csv").read_bytes() == b"\xef\xbb\xbf" + csv_text(whole).encode("utf-8")
    stamp = __import__("datetime").datetime(2026, 1, 1)
    page = (tmp_path / "s.html").read_text(encoding="utf-8")
    assert page.split("<footer>")[0] == render_html(whole, generated=stamp).split("<footer>")[0]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no spill or temporary file left


def test_keep_segments_gives_the_library_result(glossary):
    sources, flawed = lines(DATA / "source.zh"), lines(DATA / "flawed.en")
    kept = check_stream(glossary, zip(sources, flawed, [f"u{i}" for i in range(len(sources))]), keep_segments=True)
    assert kept == check(glossary, sources, flawed, segment_ids=[f"u{i}" for i in range(len(sources))])


def test_a_failure_half_way_leaves_no_report_and_no_spill(glossary, tmp_path):
    def pairs():
        yield "双核", "dual cores"
        raise TermlockError("input broke")

    files = ReportFiles(json=tmp_path / "r.json", csv=tmp_path / "r.csv", html=tmp_path / "r.html")
    with pytest.raises(TermlockError, match="input broke"):
        check_stream(glossary, pairs(), files.open(glossary_notes(glossary)))
    assert list(tmp_path.iterdir()) == []


def test_json_writer_with_no_segments(glossary, tmp_path):
    result = check(glossary, [], [])
    writer = JsonReportWriter(tmp_path / "e.json")
    writer.finish(result)
    assert (tmp_path / "e.json").read_text(encoding="utf-8") == stdlib_json(result)


def test_html_streamed_cap_says_how_many_it_left_out(glossary, tmp_path):
    sources, targets = ["双核"] * 12, ["nothing"] * 12
    from termlock.evaluate.reports.html_report import HtmlReportWriter

    writer = HtmlReportWriter(tmp_path / "c.html", glossary_notes(glossary), max_rows=5)
    check_stream(glossary, zip(sources, targets), [writer])
    page = (tmp_path / "c.html").read_text(encoding="utf-8")
    assert "Showing the first 5 of 12 problems" in page
    assert page.count('<tr data-status="missing">') == 5


def test_aggregator_wants_index_order(glossary):
    checker = SegmentChecker(glossary)
    totals = Aggregator(glossary)
    totals.add(checker.check(3, "双核", "dual cores"))
    with pytest.raises(ValueError, match="index 3"):
        totals.add(checker.check(3, "双核", "dual cores"))
    with pytest.raises(ValueError, match="in index order"):
        totals.add(checker.check(1, "双核", "dual cores"))


# ------------------------------------------------------------------ line reader


line_bytes = st.lists(
    st.sampled_from(["a", "双核", "\r", "\n", "\r\n", "\u2028", "\x0c", " ", "\ufeff", "é"]), max_size=20
).map(lambda parts: "".join(parts).encode("utf-8"))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(line_bytes, st.booleans(), st.sampled_from([1, 2, 3, 5, 1 << 20]))
def test_streamed_lines_equal_the_whole_file_reader(tmp_path, data, bom, block):
    # the reader decodes blocks of whole lines: any block size, even one
    # smaller than a character or a byte-order mark, gives the same lines
    path = tmp_path / "x.txt"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    with mock.patch("termlock.inputs.BLOCK_SIZE", block):
        assert list(SegmentReader(str(path), "--source")) == read_segments(str(path), "--source")


@pytest.mark.parametrize("block", [1, 4, 1 << 20])
def test_streamed_lines_report_bad_utf8_with_its_line(tmp_path, block):
    path = tmp_path / "gbk.txt"
    path.write_bytes("一\n二\n".encode("utf-8") + "三".encode("gb18030") + "\n四\n".encode("utf-8"))
    with mock.patch("termlock.inputs.BLOCK_SIZE", block), pytest.raises(TermlockError) as info:
        list(SegmentReader(str(path), "--target"))
    assert info.value.line == 3 and "not UTF-8" in str(info.value)


@pytest.mark.parametrize("source_lines, target_lines", [(3, 2), (2, 3), (0, 1)])
def test_aligned_names_both_counts(tmp_path, source_lines, target_lines):
    (tmp_path / "s").write_text("".join(f"s{i}\n" for i in range(source_lines)), encoding="utf-8")
    (tmp_path / "t").write_text("".join(f"t{i}\n" for i in range(target_lines)), encoding="utf-8")
    pairs = aligned(SegmentReader(str(tmp_path / "s"), "--source"), SegmentReader(str(tmp_path / "t"), "--target"))
    with pytest.raises(TermlockError, match=f"has {source_lines} lines, --target .* has {target_lines}"):
        list(pairs)


def test_cli_misaligned_input_writes_no_report(capsys, tmp_path):
    (tmp_path / "t.en").write_text("dual cores\n", encoding="utf-8")
    code = main(["check", "--glossary", str(GLOSSARY), "--source", str(DATA / "source.zh"), "--target",
                 str(tmp_path / "t.en"), "--json", str(tmp_path / "r.json"), "--csv", str(tmp_path / "r.csv")])
    _, err = capsys.readouterr()
    assert code == 2 and "line counts differ" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.en"]


def test_cli_json_is_the_library_result_in_stdlib_bytes(capsys, tmp_path, glossary):
    out = tmp_path / "r.json"
    code = main(["check", "--glossary", str(GLOSSARY), "--source", str(DATA / "source.zh"), "--target",
                 str(DATA / "flawed.en"), "--json", str(out)])
    capsys.readouterr()
    assert code == 0
    expected = check(glossary, lines(DATA / "source.zh"), lines(DATA / "flawed.en"), numbers=True)
    assert out.read_text(encoding="utf-8") == stdlib_json(expected)


def test_the_command_line_job_streams_and_writes_what_the_whole_result_writes(tmp_path):
    from termlock.corpora import bundled_corpus
    from termlock.engines.local import LocalEngine
    from termlock.evaluate.reports.csv_report import csv_text
    from termlock.jobs import CheckJob, CheckOutputs
    from termlock.jobs.check_job import finish_check

    corpus = bundled_corpus()
    outputs = CheckOutputs(json=str(tmp_path / "r.json"), csv=str(tmp_path / "r.csv"), html=str(tmp_path / "r.html"))
    job = CheckJob(source=str(corpus.source_path), target=str(corpus.flawed_path), outputs=outputs, keep_segments=False)
    streamed = LocalEngine().check(job)
    assert streamed.segments == () and {kind for kind, _ in streamed.reports_written} == {"json", "csv", "html"}
    written = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert finish_check(job, streamed).exit_code == 0
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == written  # not written a second time
    whole = check(load_bundled_glossary(), corpus.sources(), corpus.flawed(), numbers=True)
    assert streamed.summary == whole.summary and streamed.terms == whole.terms and streamed.numbers == whole.numbers
    assert written["r.json"].decode("utf-8") == stdlib_json(whole)
    assert written["r.csv"] == b"\xef\xbb\xbf" + csv_text(whole).encode("utf-8")
    page = written["r.html"].decode("utf-8")
    assert page.split("<footer>")[0] == render_html(whole, inputs=job.input_names(), min_term_success=0.0).split("<footer>")[0]


# ------------------------------------------------------------------ glossary loading


def test_glossary_is_parsed_by_libyaml_and_keeps_the_guards():
    if yaml.__with_libyaml__:
        assert issubclass(glossary_loader._GUARDED_LOADER, yaml.cyaml.CParser)
    aliased = "name: t\nterms:\n  - source: &s 双核\n    target: dual cores\n  - source: *s\n    target: x\n"
    _, problems = parse_glossary(aliased, "a.yaml")
    assert [(p.line, "alias" in p.message) for p in problems] == [(5, True)]
    deep = "name: t\nterms: " + "[" * 60 + "]" * 60 + "\n"
    _, problems = parse_glossary(deep, "d.yaml")
    assert problems and "nests more than" in problems[0].message and problems[0].line == 2


def test_problems_still_name_their_lines_with_the_fast_loader():
    text = (
        "name: t\n"
        "terms:\n"
        "  - source: 双核\n"
        "    target: dual cores\n"
        "    forbidden: [dual cores]\n"          # line 5: forbidden == accepted
        "  - source: 卡脖子\n"
        "    targte: stuck neck\n"               # line 7: unknown key
        "  - source: 三篇大文章\n"
        "    target: !!python/object:os.system x\n"  # line 9: unsafe tag
        "    exact: maybe\n"                     # line 10: not a flag
    )
    glossary, problems = parse_glossary(text, "g.yaml")
    assert glossary is None
    by_line = {p.line: p.message for p in problems}
    assert "also an accepted rendering" in by_line[5]
    assert "unknown key 'targte'" in by_line[7]
    assert "unsupported YAML tag" in by_line[9]
    assert "true or false" in by_line[10]
    _, syntax = parse_glossary("name: t\nterms:\n  - source: [a\n", "bad.yaml")
    assert syntax[0].line is not None and "not valid YAML" in syntax[0].message


def test_loading_leaves_the_garbage_collector_as_it_found_it():
    text = GLOSSARY.read_text(encoding="utf-8")
    assert gc.isenabled()
    parse_glossary(text)
    assert gc.isenabled()
    gc.disable()
    try:
        parse_glossary(text)
        assert not gc.isenabled()
    finally:
        gc.enable()
