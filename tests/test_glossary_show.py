"""``glossary show``: a table wrapped to the terminal, nothing cut; ``--output-format csv/tsv`` for machines."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from termlock.cli import main
from termlock.corpora import glossary_path
from termlock.glossary.formats import import_glossary
from termlock.textwidth import display_width, wrap

LONG_NOTE = (
    "The Party body. Provincial Standing Committee alone is ambiguous with the people's congress standing committee; "
    "see https://english.www.gov.cn/archive/a-very-long-address-that-cannot-break-at-a-space for the official name."
)


def write_glossary(path):
    path.write_text(
        "name: Show test\nsource_lang: zh\ntarget_lang: en\nterms:\n"
        "  - id: provincial-standing-committee\n    source: 省委常委会\n"
        "    target: Standing Committee of the Provincial Party Committee\n"
        "    variants: [Provincial Party Standing Committee]\n    forbidden: [Provincial Standing Committee]\n"
        f"    note: \"{LONG_NOTE}\"\n"
        "  - id: socialism-with-chinese-characteristics-for-a-new-era\n    source: 习近平新时代中国特色社会主义思想\n"
        "    target: Xi Jinping Thought on Socialism with Chinese Characteristics for a New Era\n    exact: true\n",
        encoding="utf-8",
    )
    return path


def squeeze(text: str) -> str:
    return "".join(text.split())


def table_cells(lines: list[str], rule: str) -> list[list[str]]:
    """The cells of each row of a wrapped table (rows separated by blank lines), read by the rule's columns."""
    spans, column = [], 0
    for dashes in rule.split("  "):
        spans.append((column, column + len(dashes)))
        column += len(dashes) + 2
    rows: list[list[str]] = [[""] * len(spans)]
    for line in lines:
        if not line.strip():
            rows.append([""] * len(spans))
            continue
        at = 0
        for ch in line:
            index = next(i for i, (_, end) in enumerate(spans) if at < end + 2)
            rows[-1][index] += ch
            at += display_width(ch)
    return rows


def show(capsys, monkeypatch, columns: int, *argv: str) -> str:
    monkeypatch.setenv("COLUMNS", str(columns))
    assert main(["glossary", "show", *argv]) == 0
    return capsys.readouterr().out


def test_every_line_fits_the_terminal_and_nothing_is_cut(tmp_path, capsys, monkeypatch):
    path = write_glossary(tmp_path / "g.yaml")
    for columns in (60, 80, 120):
        out = show(capsys, monkeypatch, columns, str(path))
        lines = out.splitlines()
        assert max(display_width(line) for line in lines) <= columns, columns
        assert "…" not in out  # wrapped, never clipped
        # every character of every cell is on the page, in its own column (wrapped at spaces, hyphens or between
        # characters): read each row's cells back by the columns of the rule under the header
        rows = table_cells(lines[3:], lines[2])
        original = import_glossary(path).terms
        assert [squeeze(row[0]) for row in rows] == [squeeze(t.id) for t in original]
        assert [squeeze(row[2]) for row in rows] == [squeeze(t.target) for t in original]
        assert [squeeze(row[6]) for row in rows] == [squeeze(t.note or "") for t in original]
        assert [squeeze(row[1]) for row in rows] == [squeeze(" | ".join(t.sources)) for t in original]
        assert lines[0] == "Show test (zh -> en), 2 terms"
        assert lines[1].split() == ["id", "source", "target", "variants", "forbidden", "flags", "note"]


def test_the_bundled_glossary_is_no_longer_one_line_of_hundreds_of_columns(capsys, monkeypatch):
    out = show(capsys, monkeypatch, 100, "bundled")
    assert max(display_width(line) for line in out.splitlines()) <= 100
    assert "168 terms" in out.splitlines()[0]


def test_a_wide_terminal_keeps_a_row_on_one_line(tmp_path, capsys, monkeypatch):
    path = write_glossary(tmp_path / "g.yaml")
    out = show(capsys, monkeypatch, 1000, str(path))
    assert len(out.splitlines()) == 3 + 2  # title, header, rule, one line per term (no blank line between)
    assert LONG_NOTE in out


def test_csv_and_tsv_are_the_glossary_export_columns_and_import_back(tmp_path, capsys, monkeypatch):
    path = write_glossary(tmp_path / "g.yaml")
    for fmt in ("csv", "tsv"):
        out = show(capsys, monkeypatch, 40, str(path), "--output-format", fmt)
        header = next(line for line in out.splitlines() if not line.startswith("#"))
        separator = "," if fmt == "csv" else "\t"
        assert header.split(separator) == ["id", "source", "target", "variants", "forbidden", "case_sensitive", "exact", "note"]
        saved = tmp_path / f"shown.{fmt}"
        saved.write_text(out, encoding="utf-8")
        again = import_glossary(saved)
        original = import_glossary(path)
        assert [(t.id, t.sources, t.target, t.variants, t.forbidden, t.exact, t.note) for t in again.terms] == [
            (t.id, t.sources, t.target, t.variants, t.forbidden, t.exact, t.note) for t in original.terms
        ]
    out = show(capsys, monkeypatch, 40, "bundled", "--output-format", "csv")
    assert len(import_glossary(glossary_path("bundled"))) == 168 and out.count("\n") >= 169


def test_an_unknown_output_format_is_a_usage_error(capsys):
    try:
        main(["glossary", "show", "bundled", "--output-format", "html"])
    except SystemExit as done:
        assert done.code == 2
    assert "invalid choice: 'html'" in capsys.readouterr().err


@given(st.text(alphabet=st.sampled_from(list("ab c-/双核\u0301 ")), max_size=60), st.integers(min_value=2, max_value=20))
def test_wrap_keeps_every_character_within_the_width(text, width):
    lines = wrap(text, width)
    assert all(display_width(line) <= width for line in lines)
    assert "".join("".join(lines).split()) == "".join(text.split())
    assert lines  # an empty text is one empty line
