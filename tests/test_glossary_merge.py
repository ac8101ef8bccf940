"""Several glossaries as one: later wins per source, each conflict reported once."""

from __future__ import annotations

from termlock.glossary import SegmentJudge, load_glossary
from termlock.glossary.merge import exact_glossary, merge_glossaries

BUREAU = """\
name: bureau
terms:
  - id: dual-cores
    source: [双核, 雙核]
    target: dual cores
  - id: stuck-neck
    source: 卡脖子
    target: stuck neck
  - id: bri
    source: 一带一路
    target: Belt and Road Initiative
"""

PROJECT = """\
name: project
terms:
  - id: chokepoint
    source: 卡脖子
    target: chokepoint
    variants: [choke point]
  - id: bri
    source: 一带一路
    target: Belt and Road Initiative
  - id: dual-cores
    source: 双核心
    target: twin cores
"""


def _load(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_glossary(path)


def test_later_glossary_wins_and_each_conflict_names_both_files_and_lines(tmp_path):
    bureau = _load(tmp_path, "bureau.yaml", BUREAU)
    project = _load(tmp_path, "project.yaml", PROJECT)
    merged = merge_glossaries([bureau, project])
    glossary = merged.glossary
    judge = SegmentJudge(glossary)
    verdicts = judge.judge("突破卡脖子难题", "overcome chokepoint problems")
    assert [(v.match.term.id, v.status) for v in verdicts] == [("chokepoint", "ok")]
    # one conflict: 卡脖子 (identical 一带一路 definitions are not a conflict)
    assert len(merged.conflicts) == 1
    conflict = merged.conflicts[0]
    assert (conflict.source, conflict.earlier_line, conflict.later_line) == ("卡脖子", 6, 3)
    assert conflict.earlier_path.endswith("bureau.yaml") and conflict.later_path.endswith("project.yaml")
    text = conflict.describe()
    assert "bureau.yaml:6" in text and "project.yaml:3" in text and "'chokepoint'" in text
    # the bureau's stuck-neck lost its only source and is gone; ids stay unique
    ids = [t.id for t in glossary]
    assert "stuck-neck" not in ids and len(ids) == len(set(ids))
    assert "dual-cores-2" in ids  # the project's own dual-cores id clashed with the bureau's term
    assert glossary.name == "bureau + project"


def test_a_term_keeps_the_spellings_the_later_glossary_does_not_redefine(tmp_path):
    bureau = _load(tmp_path, "b.yaml", "name: b\nterms:\n  - id: commission\n    source: [省纪委监委, 省纪委省监委]\n    target: provincial commission\n")
    override = _load(tmp_path, "o.yaml", "name: o\nterms:\n  - source: 省纪委監委\n    target: discipline commission\n")
    merged = merge_glossaries([bureau, override])
    by_source = {s: t.target for t in merged.glossary for s in t.sources}
    # the traditional spelling folds to the first simplified one: that source moves, the other stays
    assert by_source == {"省纪委省监委": "provincial commission", "省纪委監委": "discipline commission"}
    assert len(merged.conflicts) == 1 and merged.conflicts[0].source == "省纪委監委"


def test_one_glossary_is_returned_unchanged(tmp_path):
    bureau = _load(tmp_path, "bureau.yaml", BUREAU)
    assert merge_glossaries([bureau]).glossary is bureau


def test_exact_glossary_turns_off_inflection():
    from termlock.glossary import Glossary, Term

    glossary = Glossary("g", (Term("dc", ("双核",), "dual core"),))
    assert SegmentJudge(glossary).verdicts("双核", "the dual cores") == {"dc": "ok"}
    assert SegmentJudge(exact_glossary(glossary)).verdicts("双核", "the dual cores") == {"dc": "missing"}
