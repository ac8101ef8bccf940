"""A long segment full of problems is excerpted in per-problem rows, not copied per problem."""

from __future__ import annotations

from termlock.evaluate import check
from termlock.evaluate.reports.excerpt import CONTEXT, LONG_SEGMENT, excerpt, shift
from termlock.evaluate.reports.csv_report import csv_text
from termlock.evaluate.reports.html_report import render_html
from termlock.glossary import Glossary, Term

DUAL = Term(id="dual-cores", sources=("双核",), target="dual cores")


def test_short_segments_are_whole_and_long_ones_cut_around_the_span():
    assert excerpt("abc", [(0, 1)]) == ("abc", 0)
    text = "x" * 5000 + "TERM" + "y" * 5000
    shown, offset = excerpt(text, [(5000, 5004)])
    assert shown.startswith("…") and shown.endswith("…") and len(shown) == 4 + 2 * CONTEXT + 2
    start, end = shift((5000, 5004), offset)
    assert shown[start:end] == "TERM"


def test_reports_of_a_long_line_dense_with_problems_stay_small():
    source = "双核，" * 2000  # 6,000 characters, 2,000 missing terms
    result = check(Glossary(name="g", terms=(DUAL,)), [source], ["nothing"])
    assert result.summary.missing == 2000
    text = csv_text(result)
    assert len(text) < 2000 * (2 * CONTEXT + 200)  # not 2,000 copies of the whole line
    html = render_html(result)
    assert len(html) < 5_000_000
    assert len(source) > LONG_SEGMENT
