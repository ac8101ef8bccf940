"""The store contract: every registered format passes the same suite (as translate-toolkit's stores do).

A store is what the batch runner, ``check --bilingual`` and the Ray engine
see of a file, so each format must keep the same promises: the targets it
is given come back when its output is read (round trip); serialising is a
function of the units (the same targets give the same bytes, and a file
rewritten in place -- a CAT tool's bilingual file, a Word, Markdown or
HTML document -- comes back byte for byte when nothing changed); and units
that must not be written (blank lines, locked and ``translate="no"``
units, units already translated) stay as they were whatever a caller puts
in their target. A new format registers a :class:`Case` here, or
:func:`test_every_registered_format_has_a_case` fails.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from termlock.documents import format_names, read_store
from termlock.documents.base import Store
from termlock.documents.document_base import DocumentStore
from termlock.documents.text import split_lines

DATA = Path(__file__).parent / "data" / "formats"

#: a translation with everything a format must escape or keep: markup, quotes, an ampersand, CJK
HOSTILE = 'T{} & <b>"x"</b> \'y\' 双核 ＆'


def _lines(output: bytes) -> list[str]:
    return split_lines(output.decode("utf-8"))[0]


def _text_targets(output: bytes, store: Store) -> dict[str, str | None]:
    return dict(zip((u.id for u in store.units), _lines(output)))


def _jsonl_targets(output: bytes, store: Store) -> dict[str, str | None]:
    return {u.id: json.loads(line)["target"] if line.strip() else None for u, line in zip(store.units, _lines(output))}


def _tsv_targets(output: bytes, store: Store) -> dict[str, str | None]:
    return {u.id: line.split("\t")[1] if line.strip() else None for u, line in zip(store.units, _lines(output))}


def _parquet_targets(output: bytes, store: Store) -> dict[str, str | None]:
    import pyarrow.parquet as pq

    column = pq.read_table(io.BytesIO(output)).column("target").to_pylist()
    return dict(zip((u.id for u in store.units), column))


def _bilingual_targets(output: bytes, store: Store) -> dict[str, str | None]:
    return {u.id: u.target for u in type(store).parse(output, "again").units}


def _document_targets(output: bytes, store: Store) -> dict[str, str | None]:
    """A translated document is read back as a document in the target language: its units' text, in order."""
    again = type(store).parse(output, store.path or "again").units
    assert len(again) == len(store.units)
    return {unit.id: written.source for unit, written in zip(store.units, again)}


def _docx_sample() -> bytes:
    import tempfile

    from docx_builder import build_docx, p

    body = p("推动“双核”联动发展。") + p("破解“卡脖子”难题", "<w:rPr><w:b/></w:rPr>") + "<w:tbl><w:tr><w:tc>" + p("三篇大文章") + "</w:tc></w:tr></w:tbl>"
    with tempfile.TemporaryDirectory() as folder:
        return build_docx(Path(folder) / "in.docx", body).read_bytes()


MARKDOWN = """# 推动“双核”联动发展

破解**“卡脖子”**难题，推进[供给侧](https://example.org)结构性改革。

- 三篇大文章
- 新发展格局

| 术语 | 说明 |
|---|---|
| 双核 | 沈阳、大连 |

```
code stays as it is
```
"""

HTML = """<!DOCTYPE html>
<html lang="zh"><head><meta charset="utf-8"><title>双核联动</title></head>
<body><h1>推动“双核”联动发展</h1>
<p>破解<b>“卡脖子”</b>难题，推进供给侧结构性改革。</p>
<ul><li>三篇大文章</li></ul>
<script>var untouched = "双核";</script>
</body></html>
"""


def _parquet_sample() -> bytes:
    pa = pytest.importorskip("pyarrow")
    from termlock.documents.parquet import table_bytes

    table = pa.table({"id": [1, 2, 3, 4], "source": ["推动“双核”联动发展。", None, "  ", "破解“卡脖子”难题"], "note": ["a", "b", "c", "d"]})
    return table_bytes(table)


@dataclass(frozen=True)
class Case:
    """One sample file of a format and how its written output is read back."""

    format: str
    name: str
    sample: Callable[[], bytes]
    targets: Callable[[bytes, Store], dict[str, str | None]]
    #: the output is the input file with the translations in place (a CAT tool's file, a document), not a new file
    in_place: bool = False
    #: the file holds source and target side by side (XLIFF, TMX): units may be locked or translated already
    bilingual: bool = False
    #: units may hold a translation already (bilingual files, JSONL "target"): kept unless --overwrite
    keeps_targets: bool = False

    def __post_init__(self) -> None:
        if self.bilingual:
            object.__setattr__(self, "keeps_targets", True)

    def parse(self) -> Store:
        store = read_store(self.name, self.format, data=self.sample())
        assert store.name == self.format
        return store


def _file(name: str) -> Callable[[], bytes]:
    return lambda: (DATA / name).read_bytes()


CASES = [
    Case("text", "in.txt", lambda: "一\r\n\r\n  \r\n二 ＆ <b>\r\n三".encode(), _text_targets),
    Case("jsonl", "in.jsonl", lambda: '{"id": 7, "source": "双核"}\n\n{"source": "", "id": 8}\n{"target": "old", "source": "卡脖子"}\n'.encode(), _jsonl_targets,
         keeps_targets=True),
    Case("tsv", "in.tsv", lambda: "双核\tid-1\tnote\n\n卡脖子\n\tonly-id\n".encode(), _tsv_targets),
    Case("parquet", "in.parquet", _parquet_sample, _parquet_targets),
    Case("xliff", "okapi12.xlf", _file("okapi12.xlf"), _bilingual_targets, in_place=True, bilingual=True),
    Case("xliff", "sample20.xlf", _file("sample20.xlf"), _bilingual_targets, in_place=True, bilingual=True),
    Case("xliff", "trados.sdlxliff", _file("trados.sdlxliff"), _bilingual_targets, in_place=True, bilingual=True),
    Case("xliff", "memoq.mqxliff", _file("memoq.mqxliff"), _bilingual_targets, in_place=True, bilingual=True),
    Case("tmx", "omegat.tmx", _file("omegat.tmx"), _bilingual_targets, in_place=True, bilingual=True),
    Case("docx", "in.docx", _docx_sample, _document_targets, in_place=True),
    Case("markdown", "in.md", MARKDOWN.encode, _document_targets, in_place=True),
    Case("html", "in.html", HTML.encode, _document_targets, in_place=True),
]


def cases(keep: Callable[[Case], bool] = lambda case: True):  # noqa: ANN201 - a pytest mark
    chosen = [case for case in CASES if keep(case)]
    return pytest.mark.parametrize("case", chosen, ids=[case.name for case in chosen])


each_case = cases()
#: the formats whose output is their input with the translations in place
each_in_place_case = cases(lambda case: case.in_place)
#: the formats that keep both sides (and so locks and earlier translations)
each_bilingual_case = cases(lambda case: case.bilingual)


def fill(store: Store) -> dict[str, str]:
    """What the batch runner does: a (hostile) translation for every translatable unit."""
    done = {}
    for number, unit in enumerate(store.units):
        if unit.translatable:
            unit.target = done[unit.id] = HOSTILE.format(number)
    return done


def test_every_registered_format_has_a_case():
    assert set(format_names()) == {case.format for case in CASES}


@each_case
def test_units_have_unique_ids_and_the_sample_tests_something(case):
    store = case.parse()
    ids = [unit.id for unit in store.units]
    assert len(ids) == len(set(ids))
    assert any(u.translatable for u in store.units)
    if not isinstance(store, DocumentStore):  # a document's every unit is text to translate
        assert any(not u.translatable for u in store.units)


@each_case
def test_round_trip_gives_back_every_target(case):
    store = case.parse()
    done = fill(store)
    written = case.targets(store.serialize(), store)
    assert {uid: written[uid] for uid in done} == done


@each_case
def test_units_that_must_not_be_written_stay_as_they_were(case):
    careful = case.parse()
    fill(careful)
    careless = case.parse()
    fill(careless)
    for unit in careless.units:
        if not unit.translatable:
            unit.target = "overwritten by a careless caller"
    assert careless.serialize() == careful.serialize()
    untouched = {u.id: u.target for u in case.parse().units if not u.translatable}
    if case.bilingual:  # a locked, final or already translated unit keeps its target
        written = case.targets(careless.serialize(), careless)
        assert {uid: written[uid] for uid in untouched} == untouched


@each_case
def test_the_same_targets_give_the_same_bytes(case):
    first, second = case.parse(), case.parse()
    fill(first)
    fill(second)
    output = first.serialize()
    assert second.serialize() == output
    assert first.serialize() == output  # serialising again changes nothing


@each_in_place_case
def test_a_file_rewritten_in_place_comes_back_byte_for_byte_when_nothing_changed(case):
    data = case.sample()
    store = case.parse()
    assert store.serialize() == data
    if case.bilingual:
        for unit in store.units:
            if unit.translatable:
                unit.target = "   "  # a blank translation is no translation
        assert store.serialize() == data
    else:  # a paragraph translated as itself is left as written (an HTML page still says it is translated: lang)
        for unit in store.units:
            unit.target = unit.source
        assert case.targets(store.serialize(), store) == {unit.id: unit.source for unit in store.units}
    fill(store)
    output = store.serialize()
    again = type(store).parse(output, "again")
    assert again.serialize() == output


@each_case
def test_only_stores_that_hold_translations_reopen_them(case):
    assert hasattr(case.parse(), "allow_overwrite") == case.keeps_targets  # --overwrite is refused for the others


#: what a unit with a translation is: a draft (MT, TM, draft: --overwrite) or a person's finished work
#: (confirmed, reviewed, approved, signed off: only --overwrite-confirmed); locked units never change
STATUSES = {"untranslated", "empty", "locked", "translated", "confirmed", None}


@cases(lambda case: case.keeps_targets)
def test_overwrite_replaces_drafts_overwrite_confirmed_also_finished_work_never_locked_units(case):
    for confirmed, reopened in ((False, {"translated"}), (True, {"translated", "confirmed"})):
        store = case.parse()
        before = {u.id: (u.translatable, u.meta.get("status")) for u in store.units}
        assert {status for _, status in before.values()} <= STATUSES
        store.allow_overwrite(confirmed=confirmed)
        for unit in store.units:
            was_translatable, status = before[unit.id]
            expected = was_translatable or (status in reopened and bool(unit.source.strip()))
            assert unit.translatable == expected, (unit.id, status, confirmed)
        if case.bilingual:  # what translate --overwrite / --overwrite-confirmed reads
            flag = "overwrite_confirmed" if confirmed else "overwrite"
            reread = type(store).parse(case.sample(), case.name, **{flag: True})
            assert [u.translatable for u in reread.units] == [u.translatable for u in store.units]
        kept = {uid for uid, (translatable, status) in before.items() if not translatable and status not in reopened}
        fill(store)
        written = case.targets(store.serialize(), store)
        parsed = {u.id: u.target for u in case.parse().units}
        assert all((written[uid] or None) == parsed[uid] for uid in kept)  # (JSONL: an empty source gets "")
