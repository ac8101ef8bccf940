"""The numbers category: figures of a Chinese report the English translation lost."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from termlock.evaluate.numbers import (
    check_numbers,
    chinese_numeral,
    english_figure,
    missing_figures,
    source_figures,
)


def values(source: str) -> list[tuple[str, str, str]]:
    return [(f.text, format(f.value.normalize(), "f"), f.kind) for f in source_figures(source)]


def test_report_sentence_figures_are_read_with_their_scale_words():
    source = "2023年全省地区生产总值达到3.02万亿元，同比增长5.3%，一般公共预算收入2754.6亿元，新增就业46.8万人。"
    assert values(source) == [
        ("2023年", "2023", "year"),
        ("3.02万亿", "3020000000000", "number"),
        ("5.3%", "5.3", "percent"),
        ("2754.6亿", "275460000000", "number"),
        ("46.8万", "468000", "number"),
    ]


def test_chinese_numerals_with_scale_words_and_percentages():
    assert values("全年完成投资六百八十一亿元，增长百分之十二点五") == [
        ("六百八十一亿", "68100000000", "number"),
        ("百分之十二点五", "12.5", "percent"),
    ]
    # numerals without a scale word are names and formulas, not figures
    assert values("推进一带一路建设，落实十四五规划，做好三篇大文章") == []


@pytest.mark.parametrize(
    "text, value",
    [("一千二百", 1200), ("一百零五", 105), ("两", 2), ("十", 10), ("三点五", Decimal("3.5")), ("二〇二三", 2023)],
)
def test_chinese_numeral_values(text, value):
    assert chinese_numeral(text) == Decimal(value)


def test_a_faithful_translation_of_a_report_paragraph_loses_nothing():
    source = "2月17日，省统计局发布数据：全省规上工业增加值增长4.6%，高技术制造业投资681亿元，比上年增长15.2个百分点，新增市场主体12.3万户。"
    target = (
        "On February 17, the provincial statistics bureau reported that the value added of industrial enterprises "
        "above designated size grew by 4.6 percent, investment in high-tech manufacturing reached 68.1 billion yuan, "
        "up 15.2 percentage points, and 123,000 new market entities were registered."
    )
    checked, lost = missing_figures(source, target)
    assert [f.text for f in checked] == ["2月", "17", "4.6%", "681亿", "15.2", "12.3万"]
    assert lost == []


def test_wrong_scale_and_swapped_digits_are_flagged():
    source = "高技术制造业投资681亿元，增长5.2%。"
    target = "Investment in high-tech manufacturing reached 681 billion yuan, up 2.5 percent."
    _, lost = missing_figures(source, target)
    assert [(f.text, f.english) for f in lost] == [("681亿", "68.1 billion"), ("5.2%", "5.2%")]


def test_rounding_is_accepted_only_at_the_precision_the_target_wrote():
    source = "完成投资681亿元"
    assert missing_figures(source, "investment of some 68 billion yuan")[1] == []
    assert [f.text for f in missing_figures(source, "investment of some 70 billion yuan")[1]] == ["681亿"]
    # a plain figure must be the same figure
    assert [f.text for f in missing_figures("建成16个项目", "15 projects were completed")[1]] == ["16"]
    assert missing_figures("建成3个项目", "three projects were completed")[1] == []


def test_full_width_digits_and_thousands_separators():
    assert values("投资１２，５００万元") == [("１２，５００万", "125000000", "number")]
    assert missing_figures("投资１２，５００万元", "an investment of 125 million yuan")[1] == []


def test_check_numbers_reports_segment_and_index():
    report = check_numbers(["增长5%", "没有数字", "2025年"], ["up 5 percent", "no figures", "in 2024"], ["a", "b", "c"])
    assert report.checked == 2
    assert [(f.index, f.segment_id, f.figure.text) for f in report.missing] == [(2, "c", "2025年")]
    assert report.to_dict()["missing"][0]["expected"] == "2025"


def test_english_hints():
    assert english_figure(Decimal("68100000000"), "number") == "68.1 billion"
    assert english_figure(Decimal("3020000000000"), "number") == "3.02 trillion"
    assert english_figure(Decimal("35000"), "number") == "35,000"
    assert english_figure(Decimal(2), "month") == "February"


@settings(max_examples=80, deadline=None)
@given(st.decimals(min_value=Decimal("0.1"), max_value=Decimal("99999"), places=1), st.sampled_from(["万", "亿", "万亿"]))
def test_any_scaled_figure_is_found_in_its_own_english_hint(number, scale):
    source = f"投资{number}{scale}元"
    figures = source_figures(source)
    assert len(figures) == 1
    target = f"an investment of {figures[0].english} yuan"
    assert missing_figures(source, target)[1] == []


class _Always:
    """A pattern that finds something everywhere: turns a shortcut off."""

    @staticmethod
    def search(text):
        return True


_PIECES = ["1", "000", "２", ".", "，", "．", "％", " ", "百分之", "万", "亿", "三", "点", "年", "发展"]


@example("1，000")
@example("发展，三，百分之五")
@given(st.lists(st.sampled_from(_PIECES), max_size=10).map("".join))
@settings(max_examples=400, deadline=None)
def test_the_shortcuts_never_change_which_figures_are_found(text):
    # most segments hold no figure and only ordinary full-width commas: the
    # checker skips the scan and the width folding for them; the answer must
    # be the one the full path gives
    from unittest import mock

    from termlock.evaluate import numbers

    fast = numbers.source_figures(text)
    with mock.patch.object(numbers, "_MAY_HOLD_FIGURE", _Always), mock.patch.object(numbers, "_NEEDS_WIDTH", _Always):
        full = numbers.source_figures(text)
    assert fast == full


# ------------------------------------------------------------------ issue 24: false alarms and misses, each one


@pytest.mark.parametrize(
    "source, target",
    [
        ("千万不能松懈", "we must never slacken"),  # 千万: "by all means", not 10 million
        ("千千万万的群众", "countless people"),
        ("这件事十万火急", "this is extremely urgent"),
        ("成千上万的企业", "thousands of companies"),
        ("新增就业一万二千人", "12,000 new jobs"),  # was read as 10,000
        ("覆盖10多万人", "covering more than 100,000 people"),  # was the figure 10
        ("覆盖10余万人", "covering over 100,000 people"),
        ("投资3至5万元", "an investment of 30,000 to 50,000 yuan"),  # was 3 and 50,000
        ("占比3%至5%", "a share of 3% to 5%"),
        ("近7成企业", "nearly 70% of companies"),  # 成 = tenths
        ("增长3倍", "a threefold increase"),
        ("增长2倍", "doubled"),
        ("新增12万户", "120k new households"),
        ("上世纪90年代", "in the 1990s"),
        ("上世纪90年代", "in the nineties"),
        ("20世纪80年代", "in the 1980s"),  # was 20 and the year 80
        ("第二产业", "secondary industry"),
        ("第十四个五年规划", "the 14th Five-Year Plan"),
        ("第二十次全国代表大会", "the twentieth National Congress"),
        ("两千多万人", "over 20 million people"),
        ("三亿五千万元", "350 million yuan"),
        ("二〇二三年", "in 2023"),
    ],
)
def test_idioms_approximations_and_other_renderings_are_not_false_alarms(source, target):
    figures, missing = missing_figures(source, target)
    assert missing == [], [(f.text, f.english) for f in missing]


@pytest.mark.parametrize(
    "source, target, lost",
    [
        ("二〇二三年", "in 2022", "二〇二三年"),  # a year in Chinese digits was not a figure at all
        ("第十四个五年规划", "the 15th Five-Year Plan", "第十四"),
        ("14亿人口", "1 billion people", "14亿"),  # a one-digit rounding drops 29%
        ("新增就业一万二千人", "10,000 new jobs", "一万二千"),
        ("投资3至5万元", "an investment of 3 to 50,000 yuan", "3"),
        ("近7成企业", "nearly 7 percent of companies", "7成"),
        ("上世纪90年代", "in the 1980s", "上世纪90年代"),
    ],
)
def test_misses_are_found(source, target, lost):
    assert [f.text for f in missing_figures(source, target)[1]] == [lost]


def test_true_figures_are_kept():
    assert values("2023年增长5.3%，投资681亿元，新增12.3万户，3.5万人，一千二百亿") == [
        ("2023年", "2023", "year"),
        ("5.3%", "5.3", "percent"),
        ("681亿", "68100000000", "number"),
        ("12.3万", "123000", "number"),
        ("3.5万", "35000", "number"),
        ("一千二百亿", "120000000000", "number"),
    ]
    assert values("十万人") == [("十万", "100000", "number")]  # a plain 十万 is still a figure
    # a rounding that keeps two significant digits is still accepted
    assert missing_figures("投资681亿元", "68 billion yuan")[1] == []
    assert missing_figures("14亿人口", "1.4 billion people")[1] == []
    assert missing_figures("10亿元", "1 billion yuan")[1] == []  # exact
