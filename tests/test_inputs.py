"""The one input reader: every reader of segments agrees on CR, the byte-order mark, and each error message."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from termlock.corpora import read_plan
from termlock.documents import read_store
from termlock.documents.bilingual import read_bilingual
from termlock.documents.paragraphs import read_paragraphs
from termlock.errors import TermlockError
from termlock.evaluate.accepted import load_accepted
from termlock.glossary.term_lists import read_term_lists
from termlock.inputs import SegmentReader, decode_utf8, read_input, read_segments, split_segments

#: the issue's file: the first line ends in LF, the others in CRLF
MIXED = "一\n二\r\n三\r\n".encode()


def store_sources(tmp_path, name: str, data: bytes) -> list[str]:
    path = tmp_path / name
    path.write_bytes(data)
    return [unit.source for unit in read_store(str(path)).units]


def test_every_segment_reader_drops_the_cr_of_crlf_in_a_mixed_file(tmp_path):
    path = tmp_path / "mixed.zh"
    path.write_bytes(MIXED)
    assert read_segments(str(path)) == ["一", "二", "三"]
    assert list(SegmentReader(str(path), "--source")) == ["一", "二", "三"]
    assert store_sources(tmp_path, "mixed.txt", MIXED) == ["一", "二", "三"]
    assert store_sources(tmp_path, "mixed.tsv", "一\tx\n二\ty\r\n三\r\n".encode()) == ["一", "二", "三"]
    lines = [json.dumps({"source": s}, ensure_ascii=False) for s in ("一", "二", "三")]
    assert store_sources(tmp_path, "mixed.jsonl", f"{lines[0]}\n{lines[1]}\r\n{lines[2]}\r\n".encode()) == ["一", "二", "三"]


def test_translating_a_mixed_file_writes_every_line_with_the_first_lines_ending(tmp_path):
    path = tmp_path / "mixed.txt"
    path.write_bytes(MIXED)
    store = read_store(str(path))
    for unit in store.units:
        unit.target = f"EN{unit.source}"
    assert store.serialize() == "EN一\nEN二\nEN三\n".encode()
    path.write_bytes(b"\xef\xbb\xbf" + "一\r\n二\n三".encode())
    store = read_store(str(path))
    for unit in store.units:
        unit.target = f"EN{unit.source}"
    assert store.serialize() == "EN一\r\nEN二\r\nEN三".encode()  # CRLF, no final newline, no BOM


@pytest.mark.parametrize(
    "text, segments",
    [
        ("", []),
        ("\n", [""]),
        ("a", ["a"]),
        ("a\r", ["a"]),  # a CR at the very end belongs to the (cut) line end
        ("a\rb\n", ["a\rb"]),  # a lone CR is content: splitting on it would shift every later line
        ("a\r\r\nb", ["a\r", "b"]),
        ("a\u2028b\x0cc\x85d\n", ["a\u2028b\x0cc\x85d"]),
        ("\n\n", ["", ""]),
        ("a\n\ufeffb\n", ["a", "\ufeffb"]),  # a byte-order mark inside the file is content
    ],
)
def test_split_segments(text, segments):
    assert split_segments(text) == segments


def test_only_a_leading_byte_order_mark_is_dropped():
    assert decode_utf8(b"\xef\xbb\xbfa", "f") == "a"
    assert decode_utf8(b"\xef\xbb\xbf\xef\xbb\xbfa", "f") == "\ufeffa"
    assert decode_utf8(b"a\xef\xbb\xbf", "f") == "a\ufeff"


segment_text = st.lists(st.sampled_from(["a", "双核", "\r", "\n", "\r\n", "\u2028", " ", "\ufeff", "\t"]), max_size=20).map("".join)


@settings(max_examples=150, deadline=None)
@given(segment_text)
def test_the_text_store_reads_the_segments_check_reads(text):
    from termlock.documents.text import TextStore

    data = text.encode("utf-8")
    assert [u.source for u in TextStore.parse(data, "x.txt").units] == split_segments(decode_utf8(data, "x.txt"))


# ------------------------------------------------------------------ one message each


GBK = "一\n二 ".encode() + "三".encode("gb18030") + b"\n"


def _readers(tmp_path):
    """Every reader of a user's text file, each given the same path."""
    return {
        "segments": lambda p: read_segments(p, "--source"),
        "streamed": lambda p: list(SegmentReader(p, "--source")),
        "store": lambda p: read_store(p),
        "paragraphs": lambda p: read_paragraphs(p),
        "term lists": lambda p: read_term_lists(p),
        "flaw plan": lambda p: read_plan(p),
        "accepted findings": lambda p: load_accepted(p),
    }


@pytest.mark.parametrize("reader", ["segments", "streamed", "store", "paragraphs", "term lists", "flaw plan", "accepted findings"])
def test_bad_utf8_is_one_message_with_line_column_and_fix(tmp_path, reader):
    path = tmp_path / "gbk.txt"
    path.write_bytes(GBK)
    with pytest.raises(TermlockError) as info:
        _readers(tmp_path)[reader](str(path))
    error = info.value
    assert (error.path, error.line) == (str(path), 2)
    assert error.message.endswith("not UTF-8 (byte 0xc8 at column 3)")
    assert error.fix == "save the file as UTF-8, e.g. `iconv -f GB18030 -t UTF-8 FILE > FILE.utf8`"


@pytest.mark.parametrize(
    "reader", ["segments", "streamed", "store", "paragraphs", "term lists", "flaw plan", "accepted findings", "bilingual"]
)
def test_a_folder_and_a_missing_file_are_one_message_each(tmp_path, reader):
    readers = {**_readers(tmp_path), "bilingual": lambda p: read_bilingual(p)}
    with pytest.raises(TermlockError) as info:
        readers[reader](str(tmp_path))
    assert info.value.message.endswith("is a directory, not a file") and info.value.path == str(tmp_path)
    with pytest.raises(TermlockError) as info:
        readers[reader](str(tmp_path / "absent.txt"))
    assert info.value.message.endswith("no such file") and info.value.fix.startswith("check the path")


def test_the_option_that_named_the_file_leads_the_message(tmp_path):
    with pytest.raises(TermlockError, match=r": --target: is a directory, not a file \(fix: give a file, not a folder\)$"):
        read_input(str(tmp_path), "--target")


def test_a_dash_is_stdin_only_where_stdin_is_an_input(tmp_path, monkeypatch):
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("\ufeff一\r\n二".encode())))
    assert read_segments("-") == ["一", "二"]
    monkeypatch.chdir(tmp_path)
    with pytest.raises(TermlockError, match="-: no such file"):
        read_term_lists("-")  # a term list is always a file
