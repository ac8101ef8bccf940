"""The HTML report: one self-contained file a QA reviewer opens in a browser.

Everything is inline (CSS, a few lines of JavaScript, CSS bar chart), so the
file can be mailed or attached to a ticket and opens offline. Every piece of
text from the glossary or the document goes through :func:`html.escape`,
since a segment or a glossary note may contain markup (``<script>``,
quotes, ``&``). As a second line of defence the page's Content Security
Policy forbids all network access and only allows the one script whose hash
it names, so even an escaping bug could not run injected script.

Without JavaScript everything is shown; the status and text filters only
hide rows.
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import os
from fractions import Fraction
from html import escape
from typing import Mapping

from termlock import __version__
from termlock.evaluate.reports.excerpt import excerpt, shift
from termlock.fileio import write_text_atomically
from termlock.evaluate.records import FORBIDDEN, MISSING, OK, CheckResult, SegmentReport, TermOccurrence
from termlock.wording import noun

#: the problems table stops here; the CSV and JSON reports have every row
MAX_ROWS = 5000
#: bars in the worst-terms chart
WORST_TERMS = 12
#: segment lines listed per rendering of an inconsistent term
MAX_LINES_PER_RENDERING = 25

_CSS = """
:root { --ok:#2e7d32; --missing:#e08a00; --forbidden:#c62828; --ink:#1f2328; --muted:#656d76;
        --line:#d8dee4; --bg:#f6f8fa; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK SC",
       "Microsoft YaHei", sans-serif; color: var(--ink); margin: 0; background: #fff; }
header, main, footer { max-width: 1240px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 20px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
.meta { color: var(--muted); margin: 0; }
.meta code { color: var(--ink); }
code { font: 12.5px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 10px; margin-top: 16px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; background: var(--bg); }
.card .value { font-size: 24px; font-weight: 650; }
.card .label { color: var(--muted); font-size: 12.5px; }
.card.rate { grid-column: span 2; }
.card.rate .value { font-size: 30px; }
.card.pass { border-color: var(--ok); } .card.fail { border-color: var(--forbidden); }
.verdict { font-size: 12.5px; font-weight: 600; }
.pass .verdict { color: var(--ok); } .fail .verdict { color: var(--forbidden); }
.v-ok { color: var(--ok); } .v-missing { color: var(--missing); } .v-forbidden { color: var(--forbidden); }
.signature { color: var(--muted); font-size: 12px; margin-top: 8px; word-break: break-all; }
.chart { display: grid; grid-template-columns: minmax(180px, 320px) 1fr 150px; gap: 6px 12px; align-items: center; }
.chart .label { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.bar { display: flex; height: 16px; background: transparent; }
.bar span { display: block; height: 100%; }
.bar .ok, .legend .ok { background: #a5d6a7; }
.bar .missing, .legend .missing { background: var(--missing); }
.bar .forbidden, .legend .forbidden { background: var(--forbidden); }
.chart .count { color: var(--muted); font-size: 12.5px; white-space: nowrap; }
.legend { color: var(--muted); font-size: 12.5px; margin: 0 0 10px; }
.legend i { display: inline-block; width: 10px; height: 10px; margin: 0 4px 0 12px; border-radius: 2px; }
.filters { display: flex; flex-wrap: wrap; gap: 14px; align-items: center; margin: 0 0 10px;
           padding: 8px 12px; background: var(--bg); border: 1px solid var(--line); border-radius: 8px; }
.filters input[type=search] { padding: 4px 8px; min-width: 260px; border: 1px solid var(--line); border-radius: 6px; }
.filters .shown { color: var(--muted); margin-left: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid var(--line); }
th { background: var(--bg); font-weight: 600; position: sticky; top: 0; }
td.num, th.num { text-align: right; white-space: nowrap; }
.problems td.text { width: 28%; }
.problems td.term { min-width: 150px; } .problems td.expect { min-width: 170px; }
.problems td.found { min-width: 130px; }
.problems td.text[lang=zh] { font-size: 15px; }
.status { display: inline-block; padding: 1px 7px; border-radius: 10px; color: #fff; font-size: 12px; font-weight: 600; }
.status.missing { background: var(--missing); } .status.forbidden { background: var(--forbidden); }
.status.ok { background: var(--ok); }
mark { background: #fff1a8; padding: 0 1px; border-radius: 2px; }
mark.bad { background: #ffcdd2; outline: 1px solid var(--forbidden); }
mark.good { background: #c8e6c9; }
.note { color: var(--muted); font-style: italic; font-size: 12.5px; display: block; margin-top: 2px; }
.expected { margin: 0; padding-left: 16px; }
.muted { color: var(--muted); }
.empty { color: var(--muted); font-style: italic; }
details summary { cursor: pointer; font-weight: 600; margin: 28px 0 10px; font-size: 17px; }
footer { color: var(--muted); font-size: 12px; margin: 32px auto 24px; }
h3 { font-size: 15px; margin: 18px 0 8px; }
.note.src { font-style: normal; font-size: 11.5px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; max-width: 200px; }
.snippet { font-size: 12.5px; margin: 0 0 3px; }
.snippet.source { font-size: 13.5px; }
.documents td.snippets { width: 46%; }
.document-table tr.total td { border-top: 2px solid var(--line); }
.accepted .note { font-style: normal; }
"""

_SCRIPT = """
(function () {
  var bar = document.getElementById("filters");
  if (!bar) { return; }
  bar.hidden = false;
  var boxes = bar.querySelectorAll("input[type=checkbox]");
  var query = document.getElementById("filter-text");
  var shown = document.getElementById("filter-shown");
  var rows = document.querySelectorAll("#problems-table tbody tr");
  function apply() {
    var on = {};
    for (var i = 0; i < boxes.length; i++) { on[boxes[i].value] = boxes[i].checked; }
    var text = query.value.trim().toLowerCase();
    var count = 0;
    for (var j = 0; j < rows.length; j++) {
      var row = rows[j];
      var show = on[row.getAttribute("data-status")] === true &&
        (text === "" || row.textContent.toLowerCase().indexOf(text) !== -1);
      row.hidden = !show;
      if (show) { count++; }
    }
    shown.textContent = count + " shown";
  }
  for (var k = 0; k < boxes.length; k++) { boxes[k].addEventListener("change", apply); }
  query.addEventListener("input", apply);
  var links = document.querySelectorAll("[data-filter-term]");
  for (var m = 0; m < links.length; m++) {
    links[m].addEventListener("click", function (event) {
      query.value = this.getAttribute("data-filter-term");
      apply();
    });
  }
  apply();
})();
"""

_SCRIPT_HASH = base64.b64encode(hashlib.sha256(_SCRIPT.encode("utf-8")).digest()).decode("ascii")
_CSP = f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{_SCRIPT_HASH}'; img-src data:"


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _highlight(text: str, spans: list[tuple[int, int, str]]) -> str:
    """``text`` escaped, with each ``(start, end, css class)`` span in a ``<mark>``.

    Slices are escaped one by one, so offsets stay offsets into the raw text;
    overlapping spans keep the first one.
    """
    out = []
    pos = 0
    for start, end, css in sorted(spans):
        if start < pos or end <= start or end > len(text):
            continue
        out.append(_e(text[pos:start]))
        attr = f' class="{_e(css)}"' if css else ""
        out.append(f"<mark{attr}>{_e(text[start:end])}</mark>")
        pos = end
    out.append(_e(text[pos:]))
    return "".join(out)


def _note(note: str | None) -> str:
    """A glossary note under a term: the explanation in full, its "Source: ..." on one clipped line.

    Every bundled entry names its source; in full on every row it would
    bury the table, so the line is clipped and the whole text is its tooltip
    (the JSON and CSV reports carry it whole).
    """
    if not note:
        return ""
    text, marker, source = note.partition("Source:")
    html = f'<span class="note">{_e(text.strip())}</span>' if text.strip() else ""
    if marker:
        full = f"Source: {source.strip()}"
        html += f'<span class="note src" title="{_e(full)}">{_e(full)}</span>'
    return html


def _fmt(number: float | int | None, digits: int = 2) -> str:
    if number is None:
        return "–"
    if isinstance(number, int):
        return f"{number:,}"
    return f"{number:.{digits}f}"


def _card(label: str, value: str, css: str = "", extra: str = "") -> str:
    return (
        f'<div class="card {css}"><div class="value">{value}</div>'
        f'<div class="label">{_e(label)}</div>{extra}</div>'
    )


def _summary(result: CheckResult, min_term_success: float | None) -> str:
    s = result.summary
    verdict = ""
    css = "rate"
    if min_term_success is not None and min_term_success > 0:
        from fractions import Fraction

        from termlock.evaluate.gate import decide, distinct_decimals

        misspelled = s.spelling if s.strict_spelling else 0
        gate = decide(s.ok, s.term_occurrences, Fraction(min_term_success), accepted=s.accepted, misspelled=misspelled)
        passed = gate.passed
        css += " pass" if passed else " fail"
        # as many decimals as it takes to tell rate and minimum apart, and the counts they come from
        rate, minimum = distinct_decimals(gate.rate, gate.minimum)
        verdict = (
            f'<div class="verdict">{"PASS" if passed else "FAIL"}: {_e(rate)} is '
            f'{"at least" if passed else "below"} the minimum {_e(minimum)} '
            f'({_e(f"{gate.ok} of {gate.occurrences} ok")})</div>'
        )
    cards = [
        _card("term success rate (ok / occurrences)", _e(f"{s.term_success_rate * 100:.2f}%"), css, verdict),
        _card("segments", _fmt(s.segments)),
        _card("term occurrences", _fmt(s.term_occurrences)),
        _card("ok", f'<span class="v-ok">{_fmt(s.ok)}</span>'),
        _card("missing", f'<span class="v-missing">{_fmt(s.missing)}</span>'),
        _card("forbidden", f'<span class="v-forbidden">{_fmt(s.forbidden)}</span>'),
        _card("inconsistent terms", _fmt(s.inconsistent_terms)),
        _card("spelling findings", f'<span class="v-missing">{_fmt(s.spelling)}</span>', extra=(
            '<div class="label">counted as problems (--strict-spelling)</div>' if s.strict_spelling
            else '<div class="label">not in the rate</div>')),
        _card("BLEU", _fmt(s.bleu)),
        _card("chrF", _fmt(s.chrf)),
        _card("chrF++", _fmt(s.chrf_pp)),
    ]
    if result.documents:
        cards.insert(1, _card("documents", _fmt(len(result.documents))))
    if s.accepted or result.stale_accepted:
        cards.insert(6, _card("accepted findings", _fmt(result.accepted_count()), extra=(
            f'<div class="label">{_fmt(s.accepted)} occurrences · {_fmt(len(result.stale_accepted))} stale</div>')))
    if result.numbers is not None:
        cards.insert(7, _card("figures missing", f'<span class="v-missing">{_fmt(len(result.numbers.missing))}</span>',
                              extra=f'<div class="label">of {_fmt(result.numbers.checked)} checked</div>'))
    signature = (
        f'<div class="signature">sacrebleu signature: <code>{_e(s.signature)}</code>'
        + (f' / chrF++ <code>{_e(s.chrf_pp_signature)}</code>' if s.chrf_pp_signature else "")
        + "</div>"
        if s.signature
        else '<div class="signature">BLEU and chrF need a reference translation (--reference).</div>'
    )
    return f'<section id="summary"><div class="cards">{"".join(cards)}</div>{signature}</section>'


def _worst_terms(result: CheckResult) -> str:
    worst = result.worst_terms(WORST_TERMS)
    head = '<section id="worst"><h2>Worst terms</h2>'
    if not worst:
        return head + '<p class="muted">No problems: every term occurrence is rendered as the glossary requires.</p></section>'
    scale = max(t.occurrences for t in worst)
    legend = (
        '<p class="legend">Bar length: occurrences in the document.'
        '<i class="forbidden"></i>forbidden<i class="missing"></i>missing<i class="ok"></i>ok</p>'
    )
    rows = []
    for t in worst:
        parts = []
        for css, n in ((FORBIDDEN, t.forbidden), (MISSING, t.missing), (OK, t.ok)):
            if n:
                parts.append(f'<span class="{css}" style="width:{100.0 * n / scale:.2f}%"></span>')
        label = f"{t.forbidden} forbidden, {t.missing} missing, {t.ok} ok of {t.occurrences}"
        rows.append(
            f'<div class="label" title="{_e(t.id)}"><a href="#problems" data-filter-term="{_e(t.id)}">'
            f"<code>{_e(t.id)}</code></a> <span lang=\"zh\">{_e(t.source)}</span></div>"
            f'<div class="bar" role="img" aria-label="{_e(label)}">{"".join(parts)}</div>'
            f'<div class="count">{_e(f"{t.problems} of {t.occurrences} wrong")}</div>'
        )
    return head + legend + f'<div class="chart">{"".join(rows)}</div></section>'


def _occurrence_row(segment: SegmentReport, occ: TermOccurrence, note: str | None) -> str:
    source_text, source_at = excerpt(segment.source, [occ.source_span])
    target_text, target_at = excerpt(segment.target, [occ.forbidden_span, occ.found_span])
    source_marks = [(*shift(occ.source_span, source_at), "")]
    target_marks = []
    if occ.forbidden_span is not None:
        target_marks.append((*shift(occ.forbidden_span, target_at), "bad"))
    if occ.found_span is not None:
        target_marks.append((*shift(occ.found_span, target_at), "good"))
    if occ.forbidden_found is not None:
        found = f'<span class="v-forbidden">forbidden:</span> “{_e(occ.forbidden_found)}”'
        if occ.found is not None:
            found += f'<br><span class="muted">also accepted:</span> “{_e(occ.found)}”'
    else:
        found = '<span class="empty">no accepted rendering</span>'
    expected = "".join(f"<li>{_e(r)}</li>" for r in occ.expected)
    target = _highlight(target_text, target_marks) if segment.target else '<span class="empty">(empty)</span>'
    note_html = _note(note)
    line = segment.index + 1
    line_html = _e(line) + (f'<br><code class="muted">{_e(segment.id)}</code>' if segment.id else "")
    return (
        f'<tr data-status="{_e(occ.status)}">'
        f'<td class="num">{line_html}</td>'
        f'<td class="term"><code>{_e(occ.term_id)}</code><br><span lang="zh">{_e(occ.source)}</span>{note_html}</td>'
        f'<td><span class="status {_e(occ.status)}">{_e(occ.status)}</span></td>'
        f'<td class="expect"><ul class="expected">{expected}</ul></td>'
        f'<td class="found">{found}</td>'
        f'<td class="text" lang="zh">{_highlight(source_text, source_marks)}</td>'
        f'<td class="text" lang="en">{target}</td>'
        "</tr>"
    )


def _spelling_row(segment: SegmentReport, occ: TermOccurrence) -> str:
    target_text, target_at = excerpt(segment.target, [occ.found_span])
    marks = [(*shift(occ.found_span, target_at), "good")] if occ.found_span is not None else []
    line_html = _e(segment.index + 1) + (f'<br><code class="muted">{_e(segment.id)}</code>' if segment.id else "")
    return (
        f'<tr><td class="num">{line_html}</td>'
        f'<td class="term"><code>{_e(occ.term_id)}</code><br><span lang="zh">{_e(occ.source)}</span></td>'
        f"<td>“{_e(occ.found)}”</td><td>“{_e(occ.spelling.expected)}”</td>"
        f'<td class="text" lang="en">{_highlight(target_text, marks)}</td></tr>'
    )


class ProblemRows:
    """The problems table, filled as segments arrive: every problem counted, at most ``max_rows`` rendered.

    The page shows the first ``max_rows`` problems and says how many it
    left out, so a streamed check keeps only those rows, not the segments.
    Spelling findings get rows of their own (``spelling_rows``), capped alike.
    """

    def __init__(self, notes: Mapping[str, str | None], max_rows: int = MAX_ROWS) -> None:
        self.notes = notes
        self.max_rows = max_rows
        self.rows: list[str] = []
        self.missing = 0
        self.forbidden = 0
        self.spelling_rows: list[str] = []

    def add(self, segment: SegmentReport) -> None:
        for occ in segment.terms:
            if occ.spelling is not None and len(self.spelling_rows) < self.max_rows:
                self.spelling_rows.append(_spelling_row(segment, occ))
            if occ.status == OK or occ.accepted is not None:
                continue
            if occ.status == MISSING:
                self.missing += 1
            else:
                self.forbidden += 1
            if len(self.rows) < self.max_rows:
                self.rows.append(_occurrence_row(segment, occ, self.notes.get(occ.term_id)))


    def __call__(self, reports: list[SegmentReport]) -> "ProblemRows":
        """The rows of a run of segments, kept in a fresh table of the same cap (run in a worker process)."""
        part = ProblemRows(self.notes, self.max_rows)
        for segment in reports:
            part.add(segment)
        part.notes = {}  # the rows are rendered: the notes need not travel back
        return part

    def merge(self, part: "ProblemRows") -> None:
        """Add the rows of the next segments (a table :meth:`__call__` made): what :meth:`add` of them gives."""
        self.missing += part.missing
        self.forbidden += part.forbidden
        self.rows.extend(part.rows[: max(0, self.max_rows - len(self.rows))])
        self.spelling_rows.extend(part.spelling_rows[: max(0, self.max_rows - len(self.spelling_rows))])


def _problems(rows: ProblemRows) -> str:
    missing, forbidden = rows.missing, rows.forbidden
    total = missing + forbidden
    head = f'<section id="problems"><h2>Problems ({_fmt(total)})</h2>'
    if not total:
        return head + '<p class="muted">None.</p></section>'
    filters = (
        '<div class="filters" id="filters" hidden>'
        f'<label><input type="checkbox" value="{MISSING}" checked> missing ({_fmt(missing)})</label>'
        f'<label><input type="checkbox" value="{FORBIDDEN}" checked> forbidden ({_fmt(forbidden)})</label>'
        '<input type="search" id="filter-text" placeholder="filter by term, source or target text" '
        'aria-label="filter by text">'
        '<span class="shown" id="filter-shown"></span></div>'
    )
    cap = ""
    if total > len(rows.rows):
        cap = (
            f'<p class="muted">Showing the first {_fmt(len(rows.rows))} of {_fmt(total)} problems; '
            "the CSV and JSON reports list them all.</p>"
        )
    table = (
        '<table class="problems" id="problems-table"><thead><tr>'
        '<th class="num">line</th><th>term</th><th>status</th><th>expected</th><th>found</th>'
        "<th>source</th><th>target</th></tr></thead>"
        f"<tbody>{''.join(rows.rows)}</tbody></table>"
    )
    return head + filters + cap + table + "</section>"


def _spelling(result: CheckResult, rows: ProblemRows) -> str:
    """The spelling category: accepted renderings not written in the glossary's spelling."""
    findings = result.spelling
    counted = ("counted as problems in the term success rate and the exit code (--strict-spelling)"
               if result.summary.strict_spelling else "not in the term success rate nor the exit code")
    head = (
        f'<section id="spelling"><h2>Spelling ({_fmt(len(findings))})</h2>'
        '<p class="muted">Renderings the checker accepts (the term is there) but not in the glossary\'s '
        f"spelling: a hyphen dropped or added, odd capitals, another dash or apostrophe; {counted}.</p>"
    )
    if not findings:
        return head + '<p class="muted">None: every rendering found is spelled as the glossary spells it.</p></section>'
    if rows.spelling_rows:
        body, shown = "".join(rows.spelling_rows), len(rows.spelling_rows)
        table_head = '<th class="num">line</th><th>term</th><th>found</th><th>glossary spelling</th><th>target</th>'
    else:  # document granularity: no segment rows, the findings name the document
        shown = min(len(findings), MAX_ROWS)
        body = "".join(
            f'<tr><td class="num"><code>{_e(f.document or "")}</code> ¶{_e(f.index + 1)}</td>'
            f'<td class="term"><code>{_e(f.term)}</code><br><span lang="zh">{_e(f.source)}</span></td>'
            f"<td>“{_e(f.found)}”</td><td>“{_e(f.expected)}”</td></tr>"
            for f in findings[:MAX_ROWS]
        )
        table_head = '<th class="num">where</th><th>term</th><th>found</th><th>glossary spelling</th>'
    cap = ""
    if len(findings) > shown:
        cap = (f'<p class="muted">Showing the first {_fmt(shown)} of {_fmt(len(findings))}; '
               "the CSV and JSON reports list them all.</p>")
    return (
        head + cap + f'<table class="problems"><thead><tr>{table_head}</tr></thead><tbody>{body}</tbody></table></section>'
    )


def _line_list(indexes: tuple[int, ...]) -> str:
    lines = ", ".join(str(i + 1) for i in indexes[:MAX_LINES_PER_RENDERING])
    if len(indexes) > MAX_LINES_PER_RENDERING:
        lines += f", … ({len(indexes) - MAX_LINES_PER_RENDERING} more)"
    return ("lines " if len(indexes) > 1 else "line ") + lines


def _inconsistent(result: CheckResult) -> str:
    terms = result.inconsistent
    head = f'<section id="inconsistent"><h2>Inconsistent terms ({len(terms)})</h2>'
    if not terms:
        return head + '<p class="muted">None: every term is rendered the same way throughout.</p></section>'
    rows = []
    for t in terms:
        counts = t.spellings or t.renderings
        lines = t.segments_by_spelling if t.spellings else t.segments_by_rendering
        renderings = "".join(
            f"<li>“{_e(r)}” × {_e(n)}"
            + (f' <span class="muted">({_e(_line_list(lines[r]))})</span>' if lines.get(r) else "")
            + (' <span class="muted">canonical</span>' if r == t.target else "")
            + "</li>"
            for r, n in counts.items()
        )
        note = _note(t.note)
        accepted = result.inconsistency_accepted(t.id)
        if accepted is not None:  # the reviewer let it stand (--accept, status: inconsistent)
            note += f' <span class="muted">accepted by {_e(accepted.by)}: {_e(accepted.reason)}</span>'
        rows.append(
            f'<tr><td><code>{_e(t.id)}</code>{note}</td><td lang="zh">{_e(t.source)}</td>'
            f'<td>{_e(t.target)}</td><td><ul class="expected">{renderings}</ul></td></tr>'
        )
    return (
        head
        + '<p class="muted">Each of these terms is rendered in two or more different accepted ways or '
        "spellings; pick one and use it throughout.</p>"
        + "<table><thead><tr><th>term</th><th>source</th><th>canonical</th><th>renderings used (count, lines)</th>"
        + f'</tr></thead><tbody>{"".join(rows)}</tbody></table></section>'
    )


def _accepted(result: CheckResult) -> str:
    """Findings the reviewer accepted, shown apart from the problems, then stale entries."""
    findings = result.accepted_findings()
    documents = [(doc, t) for doc in result.documents for t in doc.terms if t.accepted is not None]
    stale = result.stale_accepted
    if not findings and not documents and not stale and result.accepted_file is None:
        return ""
    source = f' from <code>{_e(result.accepted_file)}</code>' if result.accepted_file else ""
    head = (
        f'<section id="accepted"><h2>Accepted findings ({_fmt(len(findings) + len(documents))})</h2>'
        f'<p class="muted">Accepted by a reviewer{source}: not counted as problems, nor in the exit code.</p>'
    )
    rows = []
    for segment, occ in findings:
        a = occ.accepted
        where = _e(segment.index + 1) + (f'<br><code class="muted">{_e(segment.id)}</code>' if segment.id else "")
        span = occ.forbidden_span or occ.found_span
        shown_target, target_at = excerpt(segment.target, [span])
        shown_source, source_at = excerpt(segment.source, [occ.source_span])
        target = _highlight(shown_target, [(*shift(span, target_at), "bad" if occ.forbidden_span else "good")] if span else [])
        rows.append(
            f'<tr data-status="accepted"><td class="num">{where}</td><td class="term"><code>{_e(occ.term_id)}</code><br>'
            f'<span lang="zh">{_e(occ.source)}</span></td><td><span class="status {_e(occ.status)}">{_e(occ.status)}</span></td>'
            f'<td>{_e(a.reason)}<span class="note">{_e(a.by)}{_e(", " + a.date if a.date else "")}</span></td>'
            f'<td class="text" lang="zh">{_highlight(shown_source, [(*shift(occ.source_span, source_at), "")])}</td>'
            f'<td class="text" lang="en">{target}</td></tr>'
        )
    for doc, term in documents:
        a = term.accepted
        rows.append(
            f'<tr data-status="accepted"><td class="num"><code>{_e(doc.name)}</code></td><td class="term"><code>{_e(term.id)}</code><br>'
            f'<span lang="zh">{_e(term.source)}</span></td><td><span class="status {_e(term.problem_status)}">{_e(term.problem_status)}</span></td>'
            f'<td>{_e(a.reason)}<span class="note">{_e(a.by)}{_e(", " + a.date if a.date else "")}</span></td>'
            f'<td colspan="2" class="muted">whole document: {_e(term.source_count)} in the source, '
            f'{_e(term.found)} accepted renderings found</td></tr>'
        )
    table = ""
    if rows:
        table = (
            f'<table class="problems accepted"><thead><tr><th class="num">{"where" if documents else "line"}</th><th>term</th><th>status</th>'
            f'<th>reason, by, date</th><th>source</th><th>target</th></tr></thead><tbody>{"".join(rows)}</tbody></table>'
        )
    stale_html = ""
    if stale:
        items = "".join(
            f"<li><code>{_e(f.term)}</code> at {_e(f.where())} "
            f'<span class="muted">({_e(f.path or "")}{_e(":" + str(f.line) if f.line else "")}: {_e(f.reason)})</span></li>'
            for f in stale
        )
        stale_html = (
            f'<h3 id="stale">Stale accepted findings ({_fmt(len(stale))})</h3><p class="muted">These entries match no '
            f'finding any more (the text changed or the problem was fixed): remove them from the file.</p><ul>{items}</ul>'
        )
    return head + table + stale_html + "</section>"


def _document_table(result: CheckResult) -> str:
    """The per-document table of a batch: figures per document and for the whole batch."""
    rows = []
    for doc in result.documents:
        target = "" if doc.paired else ' <span class="status missing">no translation</span>'
        rows.append(
            f'<tr><td><a href="#doc-{_e(_anchor(doc.name))}"><code>{_e(doc.name)}</code></a>{target}</td>'
            f'<td class="num">{_fmt(doc.source_paragraphs)}</td><td class="num">{_fmt(doc.target_paragraphs)}</td>'
            f'<td class="num">{_fmt(doc.occurrences)}</td><td class="num v-ok">{_fmt(doc.ok)}</td>'
            f'<td class="num v-missing">{_fmt(doc.missing)}</td><td class="num v-forbidden">{_fmt(doc.forbidden)}</td>'
            f'<td class="num">{_e(f"{doc.term_success_rate * 100:.1f}%")}</td>'
            f'<td class="num">{_fmt(doc.spelling)}</td></tr>'
        )
    s = result.summary
    rows.append(
        f'<tr class="total"><td><b>{"all " if len(result.documents) > 1 else ""}{_fmt(len(result.documents))} '
        f'{noun(len(result.documents), "document")}</b></td>'
        f'<td class="num">{_fmt(sum(d.source_paragraphs for d in result.documents))}</td>'
        f'<td class="num">{_fmt(sum(d.target_paragraphs for d in result.documents))}</td>'
        f'<td class="num">{_fmt(s.term_occurrences)}</td><td class="num v-ok">{_fmt(s.ok)}</td>'
        f'<td class="num v-missing">{_fmt(s.missing)}</td><td class="num v-forbidden">{_fmt(s.forbidden)}</td>'
        f'<td class="num">{_e(f"{s.term_success_rate * 100:.1f}%")}</td>'
        f'<td class="num">{_fmt(s.spelling)}</td></tr>'
    )
    return (
        '<table class="document-table"><thead><tr><th>document</th><th class="num">source ¶</th>'
        '<th class="num">target ¶</th><th class="num">occurrences</th><th class="num">ok</th>'
        '<th class="num">missing</th><th class="num">forbidden</th><th class="num">success</th>'
        '<th class="num" title="renderings not in the glossary\'s spelling">spelling</th></tr></thead>'
        f'<tbody>{"".join(rows)}</tbody></table>'
    )


def _anchor(name: str) -> str:
    return hashlib.sha1(name.encode("utf-8")).hexdigest()[:12]


def _batch_notes(result: CheckResult) -> str:
    """Unpaired files, files that are not documents, and what the readers did not read."""
    parts = []
    if result.unpaired:
        items = "".join(f"<li>{_e(item.describe())}</li>" for item in result.unpaired)
        parts.append(f'<h3 id="unpaired">Unpaired files ({_fmt(len(result.unpaired))})</h3><ul>{items}</ul>')
    if result.skipped:
        items = "".join(f"<li><code>{_e(name)}</code></li>" for name in result.skipped)
        parts.append(f'<h3 id="skipped">Not documents termlock reads, skipped ({_fmt(len(result.skipped))})</h3><ul>{items}</ul>')
    unread = [(doc.name, line) for doc in result.documents for line in doc.not_read()]
    if unread:
        items = "".join(f"<li><code>{_e(name)}</code> {_e(line)}</li>" for name, line in unread)
        parts.append('<h3 id="not-read">Not read (neither checked nor translated)</h3>'
                     f'<p class="muted">The document readers could not read these; check them by hand.</p><ul>{items}</ul>')
    return "".join(parts)


def _documents(result: CheckResult) -> str:
    """``--granularity document``: the per-document table, then per document, per term counts and context snippets."""
    if not result.documents:
        return ""
    parts = [f'<section id="documents"><h2>Documents ({_fmt(len(result.documents))})</h2>'
             '<p class="muted">Whole documents, paragraphs not aligned: per term, the occurrences in the source '
             "against the renderings found anywhere in the translation (success capped at 1). Problems first.</p>",
             _document_table(result), _batch_notes(result)]
    rank = {FORBIDDEN: 0, MISSING: 1, None: 3}
    for doc in result.documents:
        rows = []
        # problems first, then accepted findings, then the terms that are fine
        ordered = sorted(doc.terms, key=lambda t: 2 if t.accepted is not None else rank[t.problem_status])
        for t in ordered:
            status = "accepted" if t.accepted is not None else (t.problem_status or OK)
            # by spelling: "State owned enterprise" apart from the glossary's "state-owned enterprise"
            renderings = "".join(f"<li>“{_e(r)}” × {_e(n)}</li>" for r, n in (t.spellings or t.renderings).items()) or (
                '<li class="empty">none</li>')
            bad = "".join(f'<li class="v-forbidden">“{_e(r)}” × {_e(n)}</li>' for r, n in t.forbidden_found.items())
            snips = "".join(
                f'<div class="snippet {_e(x.kind)}" lang="{"zh" if x.kind == "source" else "en"}">'
                f'<span class="muted">¶{_e(x.paragraph + 1)}</span> '
                f'{_highlight(x.text, [(x.start, x.end, {"source": "", "accepted": "good", "forbidden": "bad"}[x.kind])])}</div>'
                for x in t.snippets
            )
            flag = '' if t.consistent else ' <span class="status missing">inconsistent</span>'
            rows.append(
                f'<tr data-status="{_e(status)}"><td class="term"><code>{_e(t.id)}</code><br><span lang="zh">{_e(t.source)}</span></td>'
                f'<td><span class="status {_e(status if status != "accepted" else "ok")}">{_e(status)}</span>{flag}</td>'
                f'<td class="num">{_e(t.source_count)}</td><td><ul class="expected">{renderings}{bad}</ul></td>'
                f'<td class="num">{_e(f"{t.success * 100:.0f}%")}</td><td class="snippets">{snips}</td></tr>'
            )
        parts.append(
            f'<h3 id="doc-{_e(_anchor(doc.name))}"><code>{_e(doc.name)}</code> <span class="muted">{_e(doc.source_paragraphs)} source / '
            f'{_e(doc.target_paragraphs)} target paragraphs · {_e(doc.occurrences)} term occurrences · '
            f'success {_e(f"{doc.term_success_rate * 100:.1f}%")}</span></h3>'
            '<table class="documents"><thead><tr><th>term</th><th>status</th><th class="num">in source</th>'
            '<th>renderings found (count)</th><th class="num">success</th><th>context</th></tr></thead>'
            f'<tbody>{"".join(rows) or "<tr><td colspan=6 class=empty>no glossary term in the source</td></tr>"}</tbody></table>'
        )
    return "".join(parts) + "</section>"


def _numbers(result: CheckResult) -> str:
    numbers = result.numbers
    if numbers is None:
        return ""
    head = (
        f'<section id="numbers"><h2>Numbers ({_fmt(len(numbers.missing))} of {_fmt(numbers.checked)} figures missing)</h2>'
        '<p class="muted">Figures in the source with no matching figure in the target (a separate category: '
        "not terms, not in the term success rate).</p>"
    )
    if not numbers.missing:
        return head + '<p class="muted">None.</p></section>'
    segments = {seg.index: seg for seg in result.segments}
    rows = []
    for finding in numbers.missing[:MAX_ROWS]:
        f = finding.figure
        segment = segments.get(finding.index) if not result.documents else None
        if segment is not None:
            shown, at = excerpt(segment.source, [(f.start, f.end)])  # a long segment: the part around the figure
            context = (f'<td class="text" lang="zh">{_highlight(shown, [(*shift((f.start, f.end), at), "")])}</td>'
                       f'<td class="text" lang="en">{_e(excerpt(segment.target, [])[0])}</td>')
            where = _e(finding.index + 1)
        else:
            context = f'<td class="text" lang="zh"><mark>{_e(f.text)}</mark></td><td class="muted">anywhere in the document</td>'
            where = f'<code>{_e(finding.segment_id or "")}</code> ¶{_e(finding.index + 1)}'
        rows.append(
            f'<tr><td class="num">{where}</td><td lang="zh">{_e(f.text)}</td><td>{_e(f.kind)}</td>'
            f"<td>{_e(f.english)}</td>{context}</tr>"
        )
    return (
        head + '<table class="problems"><thead><tr><th class="num">where</th><th>figure</th><th>kind</th>'
        f'<th>expected (e.g.)</th><th>source</th><th>target</th></tr></thead><tbody>{"".join(rows)}</tbody></table></section>'
    )


def _conflicts(result: CheckResult) -> str:
    if not result.glossary_conflicts:
        return ""
    items = "".join(f"<li>{_e(c.describe())}</li>" for c in result.glossary_conflicts)
    return (
        f'<section id="glossary-conflicts"><h2>Glossary conflicts ({_fmt(len(result.glossary_conflicts))})</h2>'
        f'<p class="muted">Sources defined differently by two --glossary files; the later file wins.</p><ul>{items}</ul></section>'
    )


def _term_table(result: CheckResult) -> str:
    used = result.used_terms
    rows = "".join(
        f'<tr><td><code>{_e(t.id)}</code></td><td lang="zh">{_e(t.source)}</td><td>{_e(t.target)}</td>'
        f'<td class="num">{_fmt(t.occurrences)}</td><td class="num v-ok">{_fmt(t.ok)}</td>'
        f'<td class="num v-missing">{_fmt(t.missing)}</td><td class="num v-forbidden">{_fmt(t.forbidden)}</td>'
        f'<td class="num">{_e(f"{t.success_rate * 100:.1f}%")}</td>'
        f'<td>{_e("; ".join(f"{r} × {n}" for r, n in (t.spellings or t.renderings).items()))}</td></tr>'
        for t in used
    )
    unused = result.glossary_terms - len(used)
    return (
        f'<details id="terms"><summary>All terms found in the source ({len(used)}; {unused} glossary terms unused)</summary>'
        "<table><thead><tr><th>term</th><th>source</th><th>canonical</th><th class=\"num\">occurrences</th>"
        '<th class="num">ok</th><th class="num">missing</th><th class="num">forbidden</th>'
        '<th class="num">success</th><th>renderings</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></details>"
    )


def render_html(
    result: CheckResult,
    *,
    inputs: Mapping[str, str | None] | None = None,
    min_term_success: "float | Fraction | None" = None,
    max_rows: int = MAX_ROWS,
    generated: _dt.datetime | None = None,
    problem_rows: ProblemRows | None = None,
) -> str:
    """The whole report page.

    ``inputs`` names the files checked (e.g. ``{"source": ..., "target": ...}``)
    for the header; ``min_term_success`` adds a pass/fail verdict.
    ``problem_rows``: the problems table a :class:`ProblemRows` filled while
    a streamed check ran; without it, it is filled from ``result.segments``.
    """
    if problem_rows is None:
        problem_rows = ProblemRows({t.id: t.note for t in result.terms}, max_rows)
        for segment in result.segments:
            problem_rows.add(segment)
    when = (generated or _dt.datetime.now().astimezone()).strftime("%Y-%m-%d %H:%M %Z").strip()
    files = ""
    if inputs:
        files = " · ".join(f"{_e(k)} <code>{_e(v)}</code>" for k, v in inputs.items() if v)
    meta = f"Glossary <b>{_e(result.glossary_name)}</b> ({_fmt(result.glossary_terms)} {noun(result.glossary_terms, 'term')})"
    if files:
        meta += " · " + files
    title = f"termlock check – {result.glossary_name}"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_e(_CSP)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
        f'<header><h1>Terminology check</h1><p class="meta">{meta}</p></header><main>'
        + _summary(result, min_term_success)
        + _worst_terms(result)
        + _conflicts(result)
        + _documents(result)
        + ("" if result.documents and not result.segments else _problems(problem_rows))
        + _accepted(result)
        + _spelling(result, problem_rows)
        + _numbers(result)
        + _inconsistent(result)
        + _term_table(result)
        + f"</main><footer>Generated by termlock {_e(__version__)} on {_e(when)}. "
        "Statuses: <b>forbidden</b> a forbidden rendering of the term is in the target; "
        "<b>missing</b> no accepted rendering is; <b>ok</b> an accepted one is.</footer>"
        f"<script>{_SCRIPT}</script></body></html>\n"
    )


class HtmlReportWriter:
    """The HTML report of a streamed check: problem rows kept as they come (capped), the page written at the end."""

    kind = "html"

    def __init__(
        self,
        path: str | os.PathLike[str],
        notes: Mapping[str, str | None],
        *,
        inputs: Mapping[str, str | None] | None = None,
        min_term_success: float | None = None,
        max_rows: int = MAX_ROWS,
    ) -> None:
        self.path = path
        self._rows = ProblemRows(notes, max_rows)
        self.add = self._rows.add
        self._inputs = inputs
        self._min_term_success = min_term_success

    def encoder(self) -> ProblemRows:
        """What a worker process runs on a run of segment reports (an empty table); its answer goes to :meth:`add_encoded`."""
        return ProblemRows(self._rows.notes, self._rows.max_rows)

    def add_encoded(self, part: ProblemRows) -> None:
        self._rows.merge(part)

    def finish(self, result: CheckResult) -> None:
        page = render_html(result, inputs=self._inputs, min_term_success=self._min_term_success, problem_rows=self._rows)
        write_text_atomically(self.path, page)

    def abort(self) -> None:
        self._rows.rows.clear()


def write_html(
    result: CheckResult,
    path: str | os.PathLike[str],
    *,
    inputs: Mapping[str, str | None] | None = None,
    min_term_success: "float | Fraction | None" = None,
) -> None:
    write_text_atomically(path, render_html(result, inputs=inputs, min_term_success=min_term_success))
