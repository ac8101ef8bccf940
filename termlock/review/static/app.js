/* termlock review: the page's only script.
 *
 * Every string from the job (sources, targets, glossary notes, reasons,
 * names) is inserted with textContent or as a text node, never as markup;
 * the Content-Security-Policy allows this file and app.css only. The table
 * shows one page of findings at a time (the server filters and pages), so a
 * 20,000-segment job keeps a few hundred rows in the DOM.
 */
(function () {
  "use strict";

  var PAGE = 100;
  var S = {
    csrf: null, kind: "segments", reviewer: "", overview: null,
    rows: [], current: -1, offset: 0, total: 0,
    filters: { statuses: ["missing", "forbidden"], term: "", text: "", segment: null },
    editor: null, view: "findings", paragraphOffset: 0, paragraphQuery: "", cursorTimer: null, statusTimer: null,
    loading: 0
  };

  function $(id) { return document.getElementById(id); }

  /* el("td", {className: "x", text: "...", attrs: {lang: "zh"}}, [children]) */
  function el(tag, props, children) {
    var node = document.createElement(tag);
    props = props || {};
    if (props.className) { node.className = props.className; }
    if (props.text !== undefined && props.text !== null) { node.textContent = String(props.text); }
    if (props.title) { node.title = String(props.title); }
    if (props.attrs) {
      Object.keys(props.attrs).forEach(function (name) {
        if (props.attrs[name] !== null && props.attrs[name] !== undefined) { node.setAttribute(name, String(props.attrs[name])); }
      });
    }
    if (props.on) {
      Object.keys(props.on).forEach(function (name) { node.addEventListener(name, props.on[name]); });
    }
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) { return; }
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function button(label, handler, title) {
    return el("button", { text: label, title: title, attrs: { type: "button" }, on: { click: function (event) {
      event.stopPropagation(); handler(event);
    } } });
  }

  /* text pieces [[text, mark class or null], ...] as text nodes and <mark>s */
  function pieces(parts) {
    var span = el("span", { className: "bidi" });
    (parts || []).forEach(function (part) {
      if (part[1] === null || part[1] === undefined) {
        span.appendChild(document.createTextNode(part[0]));
      } else {
        span.appendChild(el("mark", { className: part[1] === "term" ? "" : part[1], text: part[0] }));
      }
    });
    return span;
  }

  function baseName(path) { return String(path || "").split(/[\\/]/).pop(); }
  function fmt(n) { return (n === null || n === undefined) ? "–" : Number(n).toLocaleString("en-US"); }
  function pct(rate) { return (rate * 100).toFixed(2) + "%"; }

  function say(message, isError) {
    var box = $("status");
    box.textContent = message;
    box.className = "shown" + (isError ? " error" : "");
    clearTimeout(S.statusTimer);
    S.statusTimer = setTimeout(function () { box.className = ""; }, isError ? 9000 : 3500);
  }

  /* ------------------------------------------------------------------ API */

  function api(method, path, body, retried) {
    var options = { method: method, headers: {}, credentials: "same-origin" };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.headers["X-CSRF-Token"] = S.csrf || "";
      options.body = JSON.stringify(body);
    }
    S.loading += 1;
    document.body.setAttribute("aria-busy", "true");
    return fetch(path, options).then(function (response) {
      return response.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (response.status === 403 && body !== undefined && !retried && data && /CSRF/.test(data.error || "")) {
          return loadSession().then(function () { return api(method, path, body, true); });
        }
        if (!response.ok) {
          var error = new Error((data && data.error) || ("HTTP " + response.status));
          error.status = response.status;
          error.data = data;
          throw error;
        }
        return data;
      });
    }).finally(function () {
      S.loading -= 1;
      if (S.loading <= 0) { S.loading = 0; document.body.removeAttribute("aria-busy"); }
    });
  }

  function failed(error) {
    var data = error.data || {};
    say((data.error || error.message) + (data.fix ? " (" + data.fix + ")" : ""), true);
    throw error;
  }

  function loadSession() {
    return api("GET", "/api/session").then(function (info) {
      S.csrf = info.csrf;
      S.kind = info.kind;
      if (!$("reviewer").value) {
        $("reviewer").value = localStorage.getItem("termlock-review-reviewer") || info.reviewer || "";
      }
      S.reviewer = $("reviewer").value;
    });
  }

  function who() {
    S.reviewer = $("reviewer").value.trim();
    if (!S.reviewer) {
      $("reviewer").focus();
      say("Type your name in the Reviewer box first.", true);
      throw new Error("no reviewer");
    }
    return S.reviewer;
  }

  /* ------------------------------------------------------------ overview */

  function card(label, value, css, extra) {
    var node = el("div", { className: "card " + (css || "") }, [
      el("div", { className: "value" }, [value]), el("div", { className: "label", text: label })
    ]);
    if (extra) { node.appendChild(extra); }
    return node;
  }

  function colored(value, css) { return el("span", { className: css, text: fmt(value) }); }

  function renderOverview(ov) {
    S.overview = ov;
    var s = ov.summary;
    var inputs = ov.inputs;
    var meta = $("job-meta");
    meta.replaceChildren(
      "Glossary ", el("b", { text: ov.glossary.name }), " (" + fmt(ov.glossary.terms) + " terms) · ",
      ov.kind === "document" ? "document " : "target ", el("code", { text: baseName(inputs.target) }),
      " · " + fmt(ov.edited) + " edited · state ", el("code", { text: baseName(inputs.state) })
    );
    meta.title = "source: " + inputs.source + "\ntarget: " + inputs.target + "\nglossary: " + inputs.glossaries +
      "\nstate: " + inputs.state + "\nproposed variants: " + inputs.additions;
    var gate = ov.gate;
    var rateCard = card("term success rate (ok + accepted) / occurrences", pct(s.term_success_rate),
      "rate" + (gate.applies ? (gate.passed ? " pass" : " fail") : ""),
      gate.applies ? el("div", { className: "verdict", text: gate.text }) : null);
    rateCard.id = "card-rate";
    var cards = [
      rateCard,
      card(ov.kind === "document" ? "source paragraphs" : "segments", fmt(s.segments)),
      card("term occurrences", fmt(s.term_occurrences)),
      card("ok", colored(s.ok, "v-ok")),
      card("missing", colored(s.missing, "v-missing")),
      card("forbidden", colored(s.forbidden, "v-forbidden")),
      card("accepted", colored(s.accepted, "v-accepted"),
        "", el("div", { className: "label", text: fmt(ov.accepted_findings) + (ov.accepted_findings === 1 ? " finding" : " findings") + " · " + fmt(ov.stale) + " stale" })),
      card("inconsistent terms", fmt(s.inconsistent_terms)),
      card("spelling findings", fmt(s.spelling), "", el("div", { className: "label",
        text: s.strict_spelling ? "in the rate (--strict-spelling)" : "ok, not in the glossary's spelling" }))
    ];
    if (ov.numbers) {
      cards.push(card("figures missing", colored(ov.numbers.missing, "v-missing"), "",
        el("div", { className: "label", text: "of " + fmt(ov.numbers.checked) + " checked" })));
    }
    if (s.bleu !== null && s.bleu !== undefined) {
      cards.push(card("BLEU", s.bleu.toFixed(2)), card("chrF", s.chrf.toFixed(2)));
      if (s.chrf_pp !== null && s.chrf_pp !== undefined) { cards.push(card("chrF++", s.chrf_pp.toFixed(2))); }
    }
    var ids = ["rate", "segments", "occurrences", "ok", "missing", "forbidden", "accepted", "inconsistent", "spelling"];
    cards.forEach(function (node, i) { if (i < ids.length) { node.setAttribute("data-figure", ids[i]); } });
    $("cards").replaceChildren.apply($("cards"), cards);
    $("signature").textContent = s.signature ? "sacrebleu signature: " + s.signature : "";
    renderChart(ov.worst);
    Object.keys(ov.counts).forEach(function (status) {
      var node = document.querySelector("[data-count=" + status + "]");
      if (node) { node.textContent = "(" + fmt(ov.counts[status]) + ")"; }
    });
    var select = $("term-filter");
    var chosen = S.filters.term;
    var options = [el("option", { text: "all terms", attrs: { value: "" } })];
    ov.terms.forEach(function (term) { options.push(el("option", { text: term, attrs: { value: term } })); });
    select.replaceChildren.apply(select, options);
    select.value = chosen;
    $("additions-path").textContent = inputs.additions;
    $("export-target-note").textContent = "(" + ov.format + ", edited units marked for the CAT tool" + (ov.format === "text" ? ": same lines and line endings" : "") + ")";
    $("export-command").textContent = "termlock review export " + inputs.state + " -o OUT --accepted accepted.yaml --json report.json --html report.html";
    document.querySelector("[data-view=paragraphs]").hidden = ov.kind !== "document";
    document.querySelector("#findings thead th").textContent = ov.kind === "document" ? "in document" : "line";
  }

  function renderChart(worst) {
    var chart = $("chart");
    if (!worst.length) {
      chart.replaceChildren(el("p", { className: "muted", text: "No open problems: every term occurrence is ok or accepted." }));
      return;
    }
    var scale = Math.max.apply(null, worst.map(function (t) { return t.occurrences; })) || 1;
    var nodes = [];
    worst.forEach(function (t) {
      var bar = el("div", { className: "bar", attrs: { role: "img", "aria-label":
        t.forbidden + " forbidden, " + t.missing + " missing, " + t.accepted + " accepted, " + t.ok + " ok of " + t.occurrences } });
      [["forbidden", t.forbidden], ["missing", t.missing], ["accepted", t.accepted], ["ok", t.ok]].forEach(function (part) {
        if (part[1]) {
          var span = el("span", { className: part[0] });
          span.style.width = (100 * part[1] / scale).toFixed(2) + "%";
          bar.appendChild(span);
        }
      });
      nodes.push(
        el("div", { className: "label", title: t.id }, [button(t.id, function () { filterTerm(t.id); }, "show this term's findings"),
          " ", el("span", { text: t.source, attrs: { lang: "zh" } })]),
        bar,
        el("div", { className: "count", text: (t.missing + t.forbidden) + " of " + t.occurrences + " open" })
      );
    });
    chart.replaceChildren.apply(chart, nodes);
  }

  function loadOverview() {
    return api("GET", "/api/overview").then(renderOverview).catch(failed);
  }

  /* ------------------------------------------------------------ findings */

  function query(extra) {
    var f = S.filters;
    var params = new URLSearchParams();
    if (f.segment !== null) {
      params.set("segment", String(f.segment));
    }
    f.statuses.forEach(function (status) { params.append("status", status); });
    if (!f.statuses.length) { params.append("status", "none"); }
    if (f.term) { params.set("term", f.term); }
    if (f.text) { params.set("q", f.text); }
    params.set("limit", String(PAGE));
    Object.keys(extra || {}).forEach(function (key) { params.set(key, String(extra[key])); });
    return params.toString();
  }

  function saveFilters() {
    localStorage.setItem("termlock-review-filters", JSON.stringify({ statuses: S.filters.statuses, term: S.filters.term, text: S.filters.text }));
  }

  function loadFindings(options) {
    options = options || {};
    closeEditor();
    var extra = { offset: options.offset || 0 };
    if (options.around) { extra.around = options.around; }  /* the page holding that row; else the offset */
    return api("GET", "/api/findings?" + query(extra)).then(function (page) {
      S.rows = page.rows;
      S.offset = page.offset;
      S.total = page.total;
      renderRows();
      var index = -1;
      if (options.around) {
        index = S.rows.findIndex(function (r) { return r.key === options.around; });
      }
      if (index < 0 && options.select === "last") { index = S.rows.length - 1; }
      if (index < 0 && S.rows.length && options.select !== "none") { index = 0; }
      select(index, { scroll: options.scroll !== false, save: options.save !== false });
    }).catch(failed);
  }

  function renderRows() {
    var body = $("rows");
    body.replaceChildren.apply(body, S.rows.map(rowElement));
    $("no-rows").hidden = S.rows.length > 0;
    renderPager();
  }

  function renderPager() {
    ["pager-top", "pager-bottom"].forEach(function (id) {
      var first = S.total ? S.offset + 1 : 0;
      var last = S.offset + S.rows.length;
      var bar = $(id);
      bar.replaceChildren(
        button("« previous", function () { previousPage(); }, "previous page (b)"),
        el("span", { className: "shown", text: fmt(first) + "–" + fmt(last) + " of " + fmt(S.total) + " findings" }),
        button("next »", function () { nextPage(); }, "next page (n)")
      );
      bar.firstChild.disabled = S.offset === 0;
      bar.lastChild.disabled = S.offset + S.rows.length >= S.total;
    });
  }

  /* the filter box a row belongs to: accepted, spelling (ok, but not in the glossary's spelling) or its status */
  function statusOf(row) {
    if (row.accepted) { return "accepted"; }
    return row.status === "ok" && row.spelling ? "spelling" : row.status;
  }

  function statusBadge(row) {
    var status = statusOf(row);
    var badge = el("span", { className: "status " + status, text: status });
    if (status === "accepted") { badge.title = "accepted " + row.status + " finding"; }
    if (status === "spelling") { badge.title = "ok for the term success rate, but not written in the glossary's spelling"; }
    return badge;
  }

  /* a spelling finding: what was written and the glossary's spelling of it, as check's report lists it */
  function spellingNode(found, expected, where) {
    return el("div", { className: "spelling-finding" }, [
      "“" + found + "” ", el("span", { className: "muted", text: "glossary spelling: " }), el("span", { className: "glossary-spelling", text: "“" + expected + "”" }),
      where ? el("span", { className: "muted", text: " " + where }) : null
    ]);
  }

  function noteNodes(note) {
    if (!note) { return []; }
    var at = note.indexOf("Source:");
    var text = at >= 0 ? note.slice(0, at).trim() : note.trim();
    var nodes = [];
    if (text) { nodes.push(el("span", { className: "note", text: text })); }
    if (at >= 0) {
      var src = note.slice(at).trim();
      nodes.push(el("span", { className: "note src", text: src, title: src }));
    }
    return nodes;
  }

  function acceptanceNode(row) {
    if (!row.accepted) { return null; }
    var a = row.accepted;
    return el("span", { className: "acceptance" }, [
      "accepted by " + a.by + (a.date ? ", " + a.date : "") + ": ", el("span", { className: "reason", text: a.reason })
    ]);
  }

  function rowElement(row, position) {
    return row.kind === "document" ? documentRowElement(row, position) : segmentRowElement(row, position);
  }

  function segmentRowElement(row) {
    var found;
    if (row.forbidden_found !== null && row.forbidden_found !== undefined) {
      found = el("div", {}, [el("span", { className: "v-forbidden", text: "forbidden: " }), "“" + row.forbidden_found + "”"]);
      if (row.found) { found.appendChild(el("div", { className: "muted", text: "also accepted: “" + row.found + "”" })); }
    } else if (row.spelling) {
      found = spellingNode(row.spelling.found, row.spelling.expected);
    } else if (row.found) {
      found = el("div", { text: "“" + row.found + "”" });
    } else {
      found = el("span", { className: "empty", text: "no accepted rendering" });
    }
    var line = el("td", { className: "num" }, [String(row.line)]);
    if (row.unit) { line.appendChild(el("br")); line.appendChild(el("code", { className: "muted", text: row.unit })); }
    var actions = actionCell(row);
    var tr = el("tr", { className: "finding", attrs: { "data-key": row.key, "data-status": statusOf(row), "data-index": row.index } }, [
      line,
      el("td", { className: "term" }, [el("code", { text: row.term }), el("br"),
        el("span", { text: row.term_source, attrs: { lang: "zh" } })].concat(noteNodes(row.note))),
      el("td", { className: "status-cell" }, [statusBadge(row), acceptanceNode(row)]),
      el("td", { className: "expect" }, [el("ul", { className: "expected" }, row.expected.map(function (r) { return el("li", { text: r }); }))]),
      el("td", { className: "found" }, [found]),
      el("td", { className: "text", attrs: { lang: "zh" } }, [pieces(row.source)]),
      el("td", { className: "text", attrs: { lang: "en" } }, [row.target.length === 1 && row.target[0][0] === "" ? el("span", { className: "empty", text: "(empty)" }) : pieces(row.target)]),
      actions
    ]);
    decorate(tr, row);
    return tr;
  }

  function actionCell(row) {
    var cell = el("td", { className: "actions" });
    var status = statusOf(row);
    if (status === "missing" || status === "forbidden") {
      cell.appendChild(button("Accept", function () { selectKey(row.key); openAccept(); }, "accept with a reason (a)"));
    }
    if (status === "accepted" && row.accepted && row.accepted.id !== null) {
      cell.appendChild(button("Withdraw", function () { withdraw(row.accepted.id); }, "make it a problem again"));
    }
    if (row.kind !== "document") {
      cell.appendChild(button("Edit", function () { selectKey(row.key); openEditor(); }, "edit the target (e)"));
    }
    cell.appendChild(button("Propose", function () { selectKey(row.key); openPropose(); }, "propose a rendering as acceptable (p)"));
    return cell;
  }

  function decorate(tr, row) {
    if (row.seen) { tr.classList.add("seen"); }
    if (row.edited) { tr.classList.add("edited"); }
    tr.addEventListener("click", function (event) {
      if (event.target.closest("button, a, textarea, input")) { return; }
      selectKey(row.key);
    });
    tr.addEventListener("dblclick", function (event) {
      if (event.target.closest("button, a, textarea, input")) { return; }
      selectKey(row.key);
      if (row.kind !== "document") { openEditor(); }
    });
  }

  function documentRowElement(row) {
    var found = el("div", {});
    Object.keys(row.renderings).forEach(function (r) { found.appendChild(el("div", { text: "“" + r + "” × " + row.renderings[r] })); });
    Object.keys(row.forbidden_found).forEach(function (r) {
      found.appendChild(el("div", {}, [el("span", { className: "v-forbidden", text: "forbidden: " }), "“" + r + "” × " + row.forbidden_found[r]]));
    });
    (row.spelling || []).forEach(function (item) {
      found.appendChild(spellingNode(item.found, item.expected, "¶" + (item.paragraph + 1)));
    });
    if (!found.childNodes.length) { found.appendChild(el("span", { className: "empty", text: "no accepted rendering" })); }
    var sources = el("td", { className: "text", attrs: { lang: "zh" } });
    var targets = el("td", { className: "text", attrs: { lang: "en" } });
    row.snippets.forEach(function (snip) {
      var holder = el("p", { className: "snippet " + (snip.kind === "source" ? "source" : "") }, [pieces(snip.parts)]);
      if (snip.kind === "source") { sources.appendChild(holder); } else {
        holder.appendChild(el("span", { text: " " }));
        holder.appendChild(button("¶" + (snip.paragraph + 1), function () { openParagraph(snip.paragraph); }, "edit this paragraph"));
        targets.appendChild(holder);
      }
    });
    if (!targets.childNodes.length) {
      targets.appendChild(el("p", { className: "snippet muted", text: row.status === "ok" ? "" : "No rendering found in the translation. " }));
      if (row.status !== "ok") {
        targets.appendChild(button("Find the paragraph…", function () { showView("paragraphs"); $("paragraph-filter").focus(); },
          "search the target's paragraphs and edit one"));
      }
    }
    var counts = el("td", { className: "num counts" }, [
      row.source_count + " in source", el("br"), "ok " + row.ok + " · missing " + row.missing + " · forbidden " + row.forbidden
    ]);
    var tr = el("tr", { className: "finding", attrs: { "data-key": row.key, "data-status": statusOf(row) } }, [
      counts,
      el("td", { className: "term" }, [el("code", { text: row.term }), el("br"),
        el("span", { text: row.term_source, attrs: { lang: "zh" } })].concat(noteNodes(row.note))),
      el("td", { className: "status-cell" }, [statusBadge(row), acceptanceNode(row)]),
      el("td", { className: "expect" }, [el("ul", { className: "expected" }, row.expected.map(function (r) { return el("li", { text: r }); }))]),
      el("td", { className: "found" }, [found]),
      sources, targets, actionCell(row)
    ]);
    decorate(tr, row);
    return tr;
  }

  function rowNode(i) { return $("rows").querySelector("tr.finding[data-key=\"" + cssKey(S.rows[i].key) + "\"]"); }
  function cssKey(key) { return String(key).replace(/["\\]/g, "\\$&"); }

  function select(i, options) {
    options = options || {};
    var old = $("rows").querySelector("tr.current");
    if (old) { old.classList.remove("current"); old.removeAttribute("aria-selected"); }
    S.current = i;
    if (i < 0 || i >= S.rows.length) { return; }
    var node = rowNode(i);
    if (!node) { return; }
    node.classList.add("current");
    node.setAttribute("aria-selected", "true");
    if (options.scroll !== false) { node.scrollIntoView({ block: "nearest" }); }
    if (options.save !== false) { saveCursor(S.rows[i]); }
  }

  function selectKey(key) {
    var i = S.rows.findIndex(function (r) { return r.key === key; });
    if (i >= 0 && i !== S.current) { closeEditor(); select(i, { scroll: false }); }
  }

  function saveCursor(row) {
    clearTimeout(S.cursorTimer);
    S.cursorTimer = setTimeout(function () {
      var index = (row.index === undefined || row.index === null) ? 0 : row.index;  /* a document row: the key says where */
      api("POST", "/api/cursor", { index: index, n: row.n === undefined ? null : row.n, key: row.key }).then(function () {
        var node = $("rows").querySelector("tr.finding[data-key=\"" + cssKey(row.key) + "\"]");
        if (node) { node.classList.add("seen"); }
        row.seen = true;
      }).catch(function () { /* a lost cursor save loses nothing else */ });
    }, 250);
  }

  function currentRow() { return S.current >= 0 ? S.rows[S.current] : null; }

  /* rows of the page still matching the filters (after accepts and edits changed some) */
  function stillShown() {
    if (S.filters.segment !== null) { return S.rows.length; }
    return S.rows.filter(function (r) { return S.filters.statuses.indexOf(statusOf(r)) >= 0; }).length;
  }

  function next() {
    if (S.current + 1 < S.rows.length) { closeEditor(); select(S.current + 1); return; }
    if (S.offset + S.rows.length < S.total) { nextPage(); }
  }

  function previous() {
    if (S.current > 0) { closeEditor(); select(S.current - 1); return; }
    if (S.offset > 0) { previousPage("last"); }
  }

  function nextPage() {
    if (S.offset + S.rows.length >= S.total) { return; }
    loadFindings({ offset: S.offset + stillShown() });
  }

  function previousPage(which) {
    if (S.offset === 0) { return; }
    loadFindings({ offset: Math.max(0, S.offset - PAGE), select: which });
  }

  function replaceRows(rows) {
    rows.forEach(function (fresh) {
      var i = S.rows.findIndex(function (r) { return r.key === fresh.key; });
      if (i < 0) { return; }
      var wasCurrent = i === S.current;
      var node = rowNode(i);
      S.rows[i] = fresh;
      var made = rowElement(fresh);
      if (node) { node.replaceWith(made); }
      if (wasCurrent) { made.classList.add("current"); made.setAttribute("aria-selected", "true"); }
    });
  }

  function filterTerm(term) {
    S.filters.term = term;
    $("term-filter").value = term;
    showView("findings");
    saveFilters();
    loadFindings();
  }

  function showSegment(index) {
    S.filters.segment = index;
    $("segment-chip").hidden = false;
    $("segment-chip-text").textContent = "segment " + (index + 1) + " only";
    showView("findings");
    loadFindings();
  }

  /* -------------------------------------------------------------- editing */

  function closeEditor() {
    if (S.editor) {
      S.editor.row.remove();
      S.editor = null;
    }
  }

  function openEditor() {
    var row = currentRow();
    if (!row || row.kind === "document") { return; }
    editSegment(row.index, rowNode(S.current));
  }

  function openParagraph(index) {
    showView("paragraphs");
    S.paragraphQuery = "";
    $("paragraph-filter").value = "";
    loadParagraphs(Math.floor(index / PAGE) * PAGE).then(function () {
      var node = $("paragraph-rows").querySelector("tr[data-index=\"" + index + "\"]");
      if (node) { editSegment(index, node); }
    });
  }

  function editSegment(index, anchor) {
    closeEditor();
    if (!anchor) { return; }
    api("GET", "/api/segments/" + index).then(function (segment) {
      var area = el("textarea", { attrs: { "aria-label": "corrected target of segment " + segment.line, spellcheck: "true", lang: "en" } });
      area.value = segment.target;
      var info = "version " + segment.version + (segment.edited_by ? " · last edited by " + segment.edited_by + " at " + segment.edited_at : "");
      var conflict = el("div", { className: "conflict" });
      conflict.hidden = true;
      var box = el("div", { className: "editor" }, [
        segment.source ? el("div", { className: "source-line bidi", text: segment.source, attrs: { lang: "zh" } }) : null,
        area,
        conflict,
        el("div", { className: "buttons" }, [
          button("Save", function () { saveEdit(); }, "Ctrl+Enter"),
          button("Cancel", function () { closeEditor(); }, "Esc"),
          el("span", { className: "muted", text: info + (segment.one_line ? " · one line (line breaks become spaces)" : "") })
        ])
      ]);
      var cell = el("td", { attrs: { colspan: anchor.children.length } }, [box]);
      var tr = el("tr", { className: "editor-row" }, [cell]);
      anchor.after(tr);
      S.editor = { row: tr, area: area, index: index, version: segment.version, conflict: conflict, saving: false };
      area.focus();
      area.setSelectionRange(area.value.length, area.value.length);
      tr.scrollIntoView({ block: "nearest" });
    }).catch(failed);
  }

  function saveEdit() {
    var editor = S.editor;
    if (!editor || editor.saving) { return; }
    var by;
    try { by = who(); } catch (e) { return; }
    editor.saving = true;
    api("POST", "/api/segments/" + editor.index, { text: editor.area.value, version: editor.version, by: by }).then(function (segment) {
      closeEditor();
      afterSegmentChange(segment);
      var statuses = segment.rows.map(function (r) { return r.term + " " + statusOf(r); }).join(", ");
      say("Saved segment " + segment.line + ", checked again" + (statuses ? ": " + statuses : "") + ".");
    }).catch(function (error) {
      editor.saving = false;
      if (error.status === 409 && error.data && error.data.current) { showConflict(editor, error.data); return; }
      failed(error);
    });
  }

  function showConflict(editor, data) {
    var current = data.current;
    var box = editor.conflict;
    box.hidden = false;
    box.replaceChildren(
      el("b", { text: "Not saved: " }), data.error,
      el("div", { className: "current-text", text: current.target }),
      el("div", { className: "buttons" }, [
        button("Use the current text", function () {
          editor.area.value = current.target; editor.version = current.version; box.hidden = true; editor.area.focus();
        }),
        button("Save mine over it", function () {
          editor.version = current.version; box.hidden = true; saveEdit();
        }, "replace the current text with yours, knowingly")
      ])
    );
    say("Someone else changed this segment; your text was not saved.", true);
  }

  function afterSegmentChange(segment) {
    if (S.kind === "document") {
      loadParagraphs(S.paragraphOffset);
      if (S.view === "findings") { loadFindings({ around: currentRow() ? currentRow().key : undefined, scroll: false, save: false }); }
    } else {
      replaceRows(segment.rows);
      markEdited(segment);
    }
    loadOverview();
  }

  function markEdited(segment) {
    S.rows.forEach(function (r, i) {
      if (r.index === segment.index) {
        r.edited = segment.target !== segment.original;
        var node = rowNode(i);
        if (node) { node.classList.toggle("edited", r.edited); }
      }
    });
  }

  /* ------------------------------------------------------- accept, propose */

  function describe(row) {
    var where = row.kind === "document" ? row.document : "segment " + row.line + (row.unit ? " (" + row.unit + ")" : "");
    return row.term + " (" + row.term_source + ") · " + statusOf(row) + " · " + where;
  }

  function openAccept() {
    var row = currentRow();
    if (!row) { return; }
    var status = statusOf(row);
    if (status !== "missing" && status !== "forbidden") { say("Only open problems can be accepted.", true); return; }
    try { who(); } catch (e) { return; }
    $("accept-what").textContent = describe(row);
    $("accept-by").textContent = S.reviewer;
    $("accept-reason").value = "";
    $("accept-dialog").showModal();
    $("accept-reason").focus();
  }

  function submitAccept(event) {
    event.preventDefault();
    var row = currentRow();
    var reason = $("accept-reason").value.trim();
    if (!reason) { say("A reason is required.", true); $("accept-reason").focus(); return; }
    var body = row.kind === "document" ? { term: row.term, reason: reason, by: S.reviewer } : { index: row.index, n: row.n, reason: reason, by: S.reviewer };
    api("POST", "/api/accept", body).then(function (answer) {
      $("accept-dialog").close();
      if (row.kind === "document") {
        loadFindings({ around: row.key, scroll: false });
      } else {
        replaceRows(answer.rows);
      }
      loadOverview();
      say("Accepted: " + row.term + " in " + (row.kind === "document" ? row.document : "segment " + row.line) + ".");
      if (row.kind !== "document") { next(); }
    }).catch(failed);
  }

  function openPropose() {
    var row = currentRow();
    if (!row) { return; }
    try { who(); } catch (e) { return; }
    $("propose-what").textContent = describe(row);
    var guess = row.forbidden_found || row.found || "";
    if (row.kind === "document") { guess = Object.keys(row.forbidden_found)[0] || ""; }
    $("propose-rendering").value = guess;
    $("propose-reason").value = "";
    $("propose-dialog").showModal();
    (guess ? $("propose-reason") : $("propose-rendering")).focus();
  }

  function submitPropose(event) {
    event.preventDefault();
    var row = currentRow();
    var rendering = $("propose-rendering").value.trim();
    var reason = $("propose-reason").value.trim();
    if (!rendering || !reason) { say("A rendering and a reason are required.", true); return; }
    api("POST", "/api/propose", { term: row.term, rendering: rendering, reason: reason, by: S.reviewer,
      index: row.kind === "document" ? null : row.index }).then(function (answer) {
      $("propose-dialog").close();
      loadOverview();
      say("Proposed “" + rendering + "” for " + row.term + "; written to " + answer.additions + ".");
    }).catch(failed);
  }

  function withdraw(id) {
    var by;
    try { by = who(); } catch (e) { return; }
    api("POST", "/api/withdraw", { id: id, by: by }).then(function () {
      say("Withdrawn: the finding is a problem again.");
      refreshAll();
    }).catch(failed);
  }

  function undo() {
    var by;
    try { by = who(); } catch (e) { return; }
    closeEditor();
    api("POST", "/api/undo", { by: by }).then(function (undone) {
      say("Undone: your latest " + undone.kind + (undone.index !== null && undone.index !== undefined ? " (segment " + (undone.index + 1) + ")" : "") + ".");
      refreshAll();
    }).catch(function (error) {
      if (error.status === 409 && error.data) { say(error.data.error + " Undo refused.", true); return; }
      failed(error);
    });
  }

  function refreshAll() {
    loadOverview();
    var row = currentRow();
    if (S.view === "findings") {
      loadFindings({ around: row ? row.key : undefined, offset: S.offset, scroll: false, save: false });
    } else {
      showView(S.view);
    }
  }

  /* ----------------------------------------------------------- other views */

  function showView(view) {
    S.view = view;
    document.querySelectorAll("#tabs [role=tab]").forEach(function (tab) {
      tab.setAttribute("aria-selected", tab.getAttribute("data-view") === view ? "true" : "false");
    });
    document.querySelectorAll(".view").forEach(function (panel) { panel.hidden = panel.id !== "view-" + view; });
    if (view === "inconsistent") { loadInconsistent(); }
    if (view === "terms") { loadTerms(); }
    if (view === "accepted") { loadAccepted(); }
    if (view === "proposals") { loadProposals(); }
    if (view === "numbers") { loadNumbers(); }
    if (view === "paragraphs") { loadParagraphs(S.paragraphOffset); }
  }

  function lineButton(index, label) {
    return el("button", { className: "linkish", text: label || String(index + 1), attrs: { type: "button" },
      on: { click: function () { if (S.kind === "document") { openParagraph(index); } else { showSegment(index); } } } });
  }

  function loadInconsistent() {
    return api("GET", "/api/inconsistent").then(function (terms) {
      var list = $("inconsistent-list");
      if (!terms.length) {
        list.replaceChildren(el("p", { className: "muted", text: "None: every term is rendered the same way throughout." }));
        return;
      }
      list.replaceChildren.apply(list, terms.map(function (t) {
        var items = t.renderings.map(function (r) {
          var li = el("li", {}, ["“" + r.rendering + "” × " + r.count + (r.canonical ? " (canonical)" : "")]);
          if (r.segments.length) {
            li.appendChild(el("span", { className: "muted", text: " lines " }));
            r.segments.forEach(function (i) { li.appendChild(lineButton(i)); });
            if (r.more) { li.appendChild(el("span", { className: "muted", text: " … " + r.more + " more" })); }
          }
          return li;
        });
        return el("div", { className: "incons" }, [
          el("h3", {}, [el("code", { text: t.id }), " ", el("span", { text: t.source, attrs: { lang: "zh" } }),
            el("span", { className: "muted", text: " canonical: " + t.target })]),
          el("ul", {}, items)
        ].concat(noteNodes(t.note)));
      }));
    }).catch(failed);
  }

  function loadTerms() {
    return api("GET", "/api/terms").then(function (terms) {
      var body = $("term-rows");
      body.replaceChildren.apply(body, terms.map(function (t) {
        var renderings = Object.keys(t.renderings).map(function (r) { return "“" + r + "” × " + t.renderings[r]; }).join(", ");
        return el("tr", {}, [
          el("td", {}, [button(t.id, function () { filterTerm(t.id); }, "show this term's findings")]),
          el("td", { text: t.source, attrs: { lang: "zh" } }), el("td", { text: t.target }),
          el("td", { className: "num", text: fmt(t.occurrences) }), el("td", { className: "num v-ok", text: fmt(t.ok) }),
          el("td", { className: "num v-missing", text: fmt(t.missing) }), el("td", { className: "num v-forbidden", text: fmt(t.forbidden) }),
          el("td", { className: "num v-accepted", text: fmt(t.accepted) }), el("td", { className: "num", text: pct(t.success) }),
          el("td", { text: renderings })
        ]);
      }));
    }).catch(failed);
  }

  function loadAccepted() {
    return api("GET", "/api/accepted").then(function (data) {
      var body = $("accepted-rows");
      if (!data.entries.length) {
        body.replaceChildren(el("tr", {}, [el("td", { className: "empty", text: "No accepted findings yet.", attrs: { colspan: 8 } })]));
        return;
      }
      body.replaceChildren.apply(body, data.entries.map(function (item) {
        var e = item.entry;
        var where = el("td", {});
        if (e.document) { where.textContent = e.document; } else {
          where.appendChild(document.createTextNode(String(e.segment !== undefined ? e.segment : "(by source text)")));
          item.segments.forEach(function (i) { where.appendChild(el("span", { text: " " })); where.appendChild(lineButton(i, "open")); });
        }
        return el("tr", {}, [
          el("td", {}, [el("code", { text: e.term })]), where, el("td", { text: e.status || "any" }),
          el("td", { className: "reason", text: e.reason }), el("td", { text: e.by }), el("td", { text: e.date || "" }),
          el("td", {}, [item.stale ? el("span", { className: "status stale", text: "stale", title: "matches no finding any more" }) : null]),
          el("td", {}, [button(item.stale ? "Remove" : "Withdraw", function () { withdraw(item.id); })])
        ]);
      }));
    }).catch(failed);
  }

  function loadProposals() {
    return api("GET", "/api/proposals").then(function (items) {
      var body = $("proposal-rows");
      if (!items.length) {
        body.replaceChildren(el("tr", {}, [el("td", { className: "empty", text: "No proposed variants yet.", attrs: { colspan: 6 } })]));
        return;
      }
      body.replaceChildren.apply(body, items.map(function (p) {
        return el("tr", {}, [
          el("td", {}, [el("code", { text: p.term })]), el("td", { className: "bidi", text: p.rendering }),
          el("td", { className: "reason", text: p.reason }), el("td", { text: p.by }), el("td", { text: p.date }),
          el("td", {}, [p.index === null || p.index === undefined ? "" : lineButton(p.index)])
        ]);
      }));
    }).catch(failed);
  }

  function loadNumbers() {
    return api("GET", "/api/numbers").then(function (items) {
      var body = $("number-rows");
      if (!items.length) {
        body.replaceChildren(el("tr", {}, [el("td", { className: "empty", text: "No figure is missing.", attrs: { colspan: 4 } })]));
        return;
      }
      body.replaceChildren.apply(body, items.map(function (f) {
        return el("tr", {}, [el("td", { className: "num" }, [f.index === null || f.index === undefined ? (f.unit || "") : lineButton(f.index)]),
          el("td", { text: f.figure, attrs: { lang: "zh" } }), el("td", { text: f.expected }), el("td", { text: f.kind })]);
      }));
    }).catch(failed);
  }

  function loadParagraphs(offset) {
    if (S.kind !== "document") { return Promise.resolve(); }
    closeEditor();
    var params = new URLSearchParams({ offset: String(offset || 0), limit: String(PAGE), q: S.paragraphQuery });
    return api("GET", "/api/paragraphs?" + params.toString()).then(function (page) {
      S.paragraphOffset = page.offset;
      var body = $("paragraph-rows");
      body.replaceChildren.apply(body, page.rows.map(function (p) {
        var tr = el("tr", { className: p.edited ? "edited" : "", attrs: { "data-index": p.index } }, [
          el("td", { className: "num", text: String(p.index + 1) }),
          el("td", { className: "text", attrs: { lang: "en" } }, [pieces(p.text)]),
          el("td", { className: "actions" }, [button("Edit", function () { editSegment(p.index, tr); })])
        ]);
        return tr;
      }));
      var bar = $("paragraph-pager");
      bar.replaceChildren(
        button("« previous", function () { loadParagraphs(Math.max(0, page.offset - PAGE)); }),
        el("span", { text: fmt(page.total ? page.offset + 1 : 0) + "–" + fmt(page.offset + page.rows.length) + " of " + fmt(page.total) + " paragraphs" }),
        button("next »", function () { loadParagraphs(page.offset + PAGE); })
      );
      bar.firstChild.disabled = page.offset === 0;
      bar.lastChild.disabled = page.offset + page.rows.length >= page.total;
    }).catch(failed);
  }

  /* -------------------------------------------------------------- keyboard */

  function onKey(event) {
    var target = event.target;
    var typing = target.closest && target.closest("input, textarea, select");
    var inEditor = S.editor && target === S.editor.area;
    if (inEditor) {
      if ((event.ctrlKey || event.metaKey) && (event.key === "Enter" || event.key === "s" || event.key === "S")) {
        event.preventDefault(); saveEdit();
      } else if (event.key === "Escape") {
        event.preventDefault(); closeEditor(); var node = rowNode(S.current); if (node) { node.scrollIntoView({ block: "nearest" }); }
      }
      return;
    }
    if (document.querySelector("dialog[open]")) { return; }
    if (typing) {
      if (event.key === "Escape") { target.blur(); }
      return;
    }
    if ((event.key === "Enter" || event.key === " ") && target.closest && target.closest("button, a, summary")) {
      return;  /* a focused control does what it says */
    }
    if (event.ctrlKey || event.metaKey || event.altKey) {
      if ((event.ctrlKey || event.metaKey) && (event.key === "z" || event.key === "Z")) { event.preventDefault(); undo(); }
      return;
    }
    if (S.view !== "findings" && ["j", "k", "ArrowDown", "ArrowUp", "a", "e", "Enter", "p", "n", "b"].indexOf(event.key) >= 0) { return; }
    switch (event.key) {
      case "j": case "ArrowDown": event.preventDefault(); next(); break;
      case "k": case "ArrowUp": event.preventDefault(); previous(); break;
      case "a": event.preventDefault(); openAccept(); break;
      case "e": case "Enter": event.preventDefault(); openEditor(); break;
      case "p": event.preventDefault(); openPropose(); break;
      case "u": event.preventDefault(); undo(); break;
      case "n": event.preventDefault(); nextPage(); break;
      case "b": event.preventDefault(); previousPage(); break;
      case "/": event.preventDefault(); showView("findings"); $("text-filter").focus(); break;
      case "?": event.preventDefault(); $("help-dialog").showModal(); break;
      default: break;
    }
  }

  /* ------------------------------------------------------------------ wiring */

  function wire() {
    document.addEventListener("keydown", onKey);
    $("reviewer").addEventListener("change", function () {
      S.reviewer = $("reviewer").value.trim();
      localStorage.setItem("termlock-review-reviewer", S.reviewer);
    });
    $("undo").addEventListener("click", undo);
    $("help-button").addEventListener("click", function () { $("help-dialog").showModal(); });
    document.querySelectorAll("dialog [data-close]").forEach(function (node) {
      node.addEventListener("click", function () { node.closest("dialog").close(); });
    });
    $("accept-form").addEventListener("submit", submitAccept);
    $("propose-form").addEventListener("submit", submitPropose);
    $("accept-reason").addEventListener("keydown", function (event) {
      if ((event.ctrlKey || event.metaKey) && event.key === "Enter") { submitAccept(event); }
    });
    $("propose-reason").addEventListener("keydown", function (event) {
      if ((event.ctrlKey || event.metaKey) && event.key === "Enter") { submitPropose(event); }
    });
    document.querySelectorAll("#status-filters input").forEach(function (box) {
      box.addEventListener("change", function () {
        S.filters.statuses = Array.prototype.filter.call(document.querySelectorAll("#status-filters input"), function (b) { return b.checked; })
          .map(function (b) { return b.value; });
        saveFilters();
        loadFindings();
      });
    });
    $("term-filter").addEventListener("change", function () { S.filters.term = $("term-filter").value; saveFilters(); loadFindings(); });
    var typingTimer = null;
    $("text-filter").addEventListener("input", function () {
      clearTimeout(typingTimer);
      typingTimer = setTimeout(function () { S.filters.text = $("text-filter").value.trim(); saveFilters(); loadFindings({ scroll: false }); }, 250);
    });
    $("paragraph-filter").addEventListener("input", function () {
      clearTimeout(typingTimer);
      typingTimer = setTimeout(function () { S.paragraphQuery = $("paragraph-filter").value.trim(); loadParagraphs(0); }, 250);
    });
    $("segment-clear").addEventListener("click", function () {
      S.filters.segment = null; $("segment-chip").hidden = true; loadFindings();
    });
    document.querySelectorAll("#tabs [role=tab]").forEach(function (tab) {
      tab.addEventListener("click", function () { showView(tab.getAttribute("data-view")); });
    });
  }

  function restoreFilters() {
    var saved = null;
    try { saved = JSON.parse(localStorage.getItem("termlock-review-filters") || "null"); } catch (e) { saved = null; }
    if (saved && Array.isArray(saved.statuses)) {
      S.filters.statuses = saved.statuses.filter(function (s) { return ["missing", "forbidden", "accepted", "ok"].indexOf(s) >= 0; });
      S.filters.term = typeof saved.term === "string" ? saved.term : "";
      S.filters.text = typeof saved.text === "string" ? saved.text : "";
    }
    document.querySelectorAll("#status-filters input").forEach(function (box) { box.checked = S.filters.statuses.indexOf(box.value) >= 0; });
    $("text-filter").value = S.filters.text;
  }

  function start() {
    wire();
    restoreFilters();
    loadSession().then(function () {
      return api("GET", "/api/overview");
    }).then(function (ov) {
      renderOverview(ov);
      $("term-filter").value = S.filters.term;
      var cursor = ov.cursor;
      return loadFindings(cursor && cursor.key ? { around: cursor.key, save: false } : { save: false, scroll: false });
    }).then(function () {
      document.body.setAttribute("data-ready", "true");
    }).catch(function (error) {
      document.body.setAttribute("data-ready", "error");
      say("The review could not be loaded: " + error.message, true);
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());
