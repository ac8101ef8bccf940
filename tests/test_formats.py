"""Text, JSONL and TSV stores: alignment, blank lines, key order, errors, atomic writes."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from termlock.errors import TermlockError
from termlock.documents import detect_format, read_store, write_store


def translate_all(store, fn=lambda s: f"EN[{s}]"):
    for unit in store.units:
        if unit.translatable:
            unit.target = fn(unit.source)
    return store


def roundtrip(tmp_path, name, content: bytes, fmt=None):
    path = tmp_path / name
    path.write_bytes(content)
    store = translate_all(read_store(str(path), fmt))
    out = tmp_path / ("out-" + name)
    write_store(store, str(out))
    return store, out.read_bytes().decode("utf-8")


def test_detection_by_extension_with_override():
    assert detect_format("a.jsonl") == "jsonl"
    assert detect_format("a.TSV") == "tsv"
    assert detect_format("a.txt") == "text"
    assert detect_format("corpus.zh") == "text"
    assert detect_format("-") == "text"
    assert detect_format("shard.parquet") == "parquet"  # not read as text: the local engine translates Parquet too
    assert detect_format("a.txt", "jsonl") == "jsonl"
    assert detect_format("a.docx") == "docx" and detect_format("a.md") == "markdown" and detect_format("a.htm") == "html"
    with pytest.raises(TermlockError, match="unknown format"):
        detect_format("a.txt", "pdf")


# ---------------------------------------------------------------- text


def test_text_keeps_alignment_blank_lines_and_final_newline(tmp_path):
    store, out = roundtrip(tmp_path, "in.txt", "一\n\n  \n二\n".encode())
    assert [u.translatable for u in store.units] == [True, False, False, True]
    assert out == "EN[一]\n\n\nEN[二]\n"


def test_text_keeps_crlf_and_missing_final_newline(tmp_path):
    _, out = roundtrip(tmp_path, "in.txt", "一\r\n二".encode())
    assert out == "EN[一]\r\nEN[二]"


def test_text_translation_never_breaks_a_line(tmp_path):
    path = tmp_path / "in.txt"
    path.write_text("一\n二\n", encoding="utf-8")
    store = translate_all(read_store(str(path)), lambda s: "a\nb\u2028c")
    write_store(store, str(tmp_path / "o.txt"))
    assert (tmp_path / "o.txt").read_text(encoding="utf-8") == "a b c\na b c\n"


def test_text_drops_bom_and_reports_bad_utf8_with_line(tmp_path):
    store, _ = roundtrip(tmp_path, "bom.txt", "\ufeff一\n".encode())
    assert store.units[0].source == "一"
    bad = tmp_path / "bad.txt"
    bad.write_bytes("一\n二\n".encode() + "三".encode("gb18030") + b"\n")
    with pytest.raises(TermlockError) as err:
        read_store(str(bad))
    assert err.value.line == 3 and err.value.path == str(bad)
    assert "UTF-8" in str(err.value) and "iconv" in str(err.value)


def test_missing_input_file(tmp_path):
    with pytest.raises(TermlockError, match="no such file"):
        read_store(str(tmp_path / "nope.txt"))


lines_strategy = st.lists(st.text(st.sampled_from(list("双核 a\t\r\u2028")), max_size=6), max_size=8)


@settings(max_examples=100, deadline=None)
@given(lines_strategy, st.booleans())
def test_text_n_lines_in_n_lines_out(lines, final_newline):
    from termlock.documents.text import TextStore

    lines = [l.replace("\r", "") for l in lines]
    data = "\n".join(lines) + ("\n" if final_newline and lines else "")
    store = TextStore.parse(data.encode(), "x.txt")
    translate_all(store, lambda s: s.upper() + "\n\u2028tab")
    out = store.serialize().decode()
    assert len(out.split("\n")) == len(data.split("\n"))  # same lines, same final newline
    out_lines = out.split("\n")
    for unit, produced in zip(store.units, out_lines):
        if unit.translatable:
            lead = unit.source[: len(unit.source) - len(unit.source.lstrip())]
            trail = unit.source[len(unit.source.rstrip()):]
            assert produced.startswith(lead + unit.source.strip().upper()[:1]) and produced.endswith("tab" + trail)
        else:
            assert produced == ""


# ---------------------------------------------------------------- JSONL


def test_jsonl_keeps_fields_key_order_and_blank_lines(tmp_path):
    content = '{"id": 7, "source": "双核", "meta": {"x": [1, 2]}}\n\n{"source": "", "id": 8}\n{"target": "old", "source": "卡脖子"}\n'
    store, out = roundtrip(tmp_path, "in.jsonl", content.encode())
    lines = out.split("\n")
    assert len(lines) == 5 and lines[1] == "" and lines[4] == ""
    first = json.loads(lines[0])
    assert list(first) == ["id", "source", "meta", "target"]
    assert first == {"id": 7, "source": "双核", "meta": {"x": [1, 2]}, "target": "EN[双核]"}
    assert json.loads(lines[2]) == {"source": "", "id": 8, "target": ""}
    third = json.loads(lines[3])
    assert third == {"target": "old", "source": "卡脖子"}  # an existing target is kept (as in XLIFF)...
    assert "双核" in lines[0]  # not \u-escaped
    store = read_store(str(tmp_path / "in.jsonl"))
    store.allow_overwrite()  # ...unless --overwrite: then it is replaced in place
    out = translate_all(store).serialize().decode().split("\n")
    third = json.loads(out[3])
    assert list(third) == ["target", "source"] and third["target"] == "EN[卡脖子]"


@pytest.mark.parametrize(
    "line, message",
    [
        ("{not json}", "not valid JSON"),
        ('["source"]', "expected a JSON object"),
        ('{"text": "双核"}', 'no "source" field'),
        ('{"source": 3}', '"source" must be a string'),
    ],
)
def test_jsonl_errors_name_file_line_and_fix(tmp_path, line, message):
    path = tmp_path / "in.jsonl"
    path.write_text('{"source": "好"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(TermlockError, match=message) as err:
        read_store(str(path))
    assert err.value.path == str(path) and err.value.line == 2 and err.value.fix


# ---------------------------------------------------------------- TSV


def test_tsv_inserts_translation_as_second_column(tmp_path):
    content = "双核\tid-1\tnote\n\n卡脖子\n\tonly-id\n"
    store, out = roundtrip(tmp_path, "in.tsv", content.encode())
    assert out.split("\n") == ["双核\tEN[双核]\tid-1\tnote", "", "卡脖子\tEN[卡脖子]", "\t\tonly-id", ""]


def test_tsv_translation_with_tabs_cannot_shift_columns(tmp_path):
    path = tmp_path / "in.tsv"
    path.write_text("双核\tx\n", encoding="utf-8")
    store = translate_all(read_store(str(path)), lambda s: "a\tb\nc")
    write_store(store, str(tmp_path / "o.tsv"))
    assert (tmp_path / "o.tsv").read_text(encoding="utf-8") == "双核\ta b c\tx\n"


# ---------------------------------------------------------------- writing


def test_write_is_atomic_and_leaves_no_temporary_files(tmp_path, monkeypatch):
    path = tmp_path / "in.txt"
    path.write_text("一\n", encoding="utf-8")
    out = tmp_path / "out.txt"
    out.write_text("old complete file\n", encoding="utf-8")
    store = translate_all(read_store(str(path)))

    import termlock.fileio as fileio
    from termlock.errors import TermlockError

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fileio.os, "replace", boom)
    with pytest.raises(TermlockError, match="No space left"):
        write_store(store, str(out))
    assert out.read_text(encoding="utf-8") == "old complete file\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.txt", "out.txt"]
    monkeypatch.undo()
    write_store(store, str(out))
    assert out.read_text(encoding="utf-8") == "EN[一]\n"


def test_stdin_and_stdout(monkeypatch, capsysbinary):
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("一\n\n二\n".encode())))
    store = translate_all(read_store("-"))
    assert store.path == "<stdin>"
    write_store(store, "-")
    assert capsysbinary.readouterr().out == "EN[一]\n\nEN[二]\n".encode()
