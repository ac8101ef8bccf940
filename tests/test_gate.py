"""The --min-term-success gate decides on exact counts, never on a rounded rate."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest

from termlock.cli import main
from termlock.errors import TermlockError
from termlock.evaluate.gate import decide, parse_minimum

GLOSSARY = str(Path(__file__).parent / "data" / "check" / "glossary.yaml")


@pytest.mark.parametrize(
    "text, value",
    [("1", Fraction(1)), ("1.0", Fraction(1)), ("0.95", Fraction(19, 20)), ("95%", Fraction(19, 20)),
     ("0.6667", Fraction(6667, 10000)), ("0", Fraction(0)), ("33.3%", Fraction(333, 1000))],
)  # fmt: skip
def test_minimum_is_read_exactly(text, value):
    assert parse_minimum(text) == value


@pytest.mark.parametrize("text", ["1.01", "-0.1", "abc", "nan", "inf", "", "101%"])
def test_minimum_outside_zero_to_one_is_a_usage_error(text):
    with pytest.raises(TermlockError, match="is not a rate"):
        parse_minimum(text)


def test_one_miss_in_20001_fails_a_gate_of_one():
    assert not decide(20_000, 20_001, Fraction(1)).passed
    assert decide(20_001, 20_001, Fraction(1)).passed


def test_two_of_three_fails_0_6667_and_passes_two_thirds_as_a_percentage():
    assert not decide(2, 3, parse_minimum("0.6667")).passed
    assert decide(2, 3, parse_minimum("0.6666")).passed
    assert decide(19, 20, parse_minimum("95%")).passed


def test_nothing_to_judge_passes_with_a_warning():
    decision = decide(0, 0, Fraction(9, 10))
    assert decision.passed and "no glossary term occurs" in decision.warning
    assert "no terms" in decide(0, 0, Fraction(1), glossary_terms=0).warning
    assert decide(0, 0, Fraction(0)).warning is None  # no gate asked for, nothing to warn about


def test_cli_fails_one_missing_in_20001_and_keeps_full_precision(tmp_path, capsys):
    (tmp_path / "s.zh").write_text("双核\n" * 20_001, encoding="utf-8")
    (tmp_path / "t.en").write_text("dual cores\n" * 20_000 + "nothing\n", encoding="utf-8")
    report = tmp_path / "r.json"
    code = main(["check", "--glossary", GLOSSARY, "--source", str(tmp_path / "s.zh"), "--target", str(tmp_path / "t.en"),
                 "--json", str(report), "--min-term-success", "1.0"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 1
    assert "FAIL" in out and "20000 of 20001 occurrences ok" in out
    summary = json.loads(report.read_text())["summary"]
    assert summary["missing"] == 1 and summary["term_success_rate"] == 20_000 / 20_001 != 1.0


def test_cli_warns_when_no_term_occurs_under_a_gate(tmp_path, capsys):
    (tmp_path / "s.zh").write_text("没有术语\n", encoding="utf-8")
    (tmp_path / "t.en").write_text("no term\n", encoding="utf-8")
    code = main(["check", "--glossary", GLOSSARY, "--source", str(tmp_path / "s.zh"), "--target", str(tmp_path / "t.en"),
                 "--min-term-success", "0.9"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 0
    assert "warning: no glossary term occurs in the source, so --min-term-success checked nothing" in err


def test_accepted_problems_count_as_done_for_the_gate():
    decision = decide(1, 3, parse_minimum("0.6667"), accepted=1)
    assert not decision.passed  # 2 of 3 is below 0.6667
    assert decide(1, 3, parse_minimum("0.6666"), accepted=1).passed
    assert "2 of 3 occurrences ok or accepted" in decide(1, 3, Fraction(1, 2), accepted=1).describe()


@pytest.mark.parametrize(
    "ok, occurrences, minimum, rate_shown, minimum_shown",
    [(2, 3, "0.6667", "0.66667", "0.66670"),  # the line issue 25 quoted: "0.6667 is below 0.6667"
     (20_000, 20_001, "1", "0.99995", "1.00000"),
     (1, 4, "0.9", "0.2500", "0.9000"),  # far apart: the usual four decimals
     (999_999, 1_000_000, "0.9999995", "0.9999990", "0.9999995")],
)  # fmt: skip
def test_a_failed_gate_shows_rate_and_minimum_with_the_digits_that_tell_them_apart(
    ok, occurrences, minimum, rate_shown, minimum_shown
):
    line = decide(ok, occurrences, parse_minimum(minimum)).describe()
    assert line.startswith(f"FAIL: term success rate {rate_shown} is below --min-term-success {minimum_shown} ")
    assert f"{ok} of {occurrences} occurrences ok" in line


def test_distinct_decimals_never_prints_two_different_values_alike():
    from termlock.evaluate.gate import distinct_decimals

    for occurrences in range(1, 60):
        for ok in range(occurrences + 1):
            rate = Fraction(ok, occurrences)
            for minimum in (Fraction(6667, 10_000), Fraction(95, 100), Fraction(1, 3), Fraction(99_999, 100_000)):
                shown_rate, shown_minimum = distinct_decimals(rate, minimum)
                assert (shown_rate == shown_minimum) == (rate == minimum)
                # rounding is monotone: what is below is shown below
                assert (float(shown_rate) < float(shown_minimum)) == (rate < minimum) or rate == minimum
    assert distinct_decimals(Fraction(2, 3), Fraction(2, 3)) == ("0.6667", "0.6667")
    assert distinct_decimals(Fraction(1), Fraction(0)) == ("1.0000", "0.0000")


def test_cli_and_html_report_tell_two_thirds_from_0_6667(tmp_path, capsys):
    (tmp_path / "s.zh").write_text("双核\n双核\n双核\n", encoding="utf-8")
    (tmp_path / "t.en").write_text("dual cores\ndual cores\nnothing\n", encoding="utf-8")
    html = tmp_path / "r.html"
    code = main(["check", "--glossary", GLOSSARY, "--source", str(tmp_path / "s.zh"), "--target", str(tmp_path / "t.en"),
                 "--html", str(html), "--min-term-success", "0.6667"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 1
    assert "FAIL: term success rate 0.66667 is below --min-term-success 0.66670 (2 of 3 occurrences ok, 3 needed)" in out
    assert "0.6667 is below" not in out
    assert "FAIL: 0.66667 is below the minimum 0.66670 (2 of 3 ok)" in html.read_text(encoding="utf-8")
