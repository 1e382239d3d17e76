/* Vigía dashboard: draws the charts from the JSON each page embeds and refetches from /api on changes.
   Loaded before plotly.min.js (both deferred), and only ever talks to this server. */
"use strict";

// Plotly's geo subplot looks for base-map topology here before fetching it from cdn.plot.ly; an empty
// topology keeps the choropleth fully local (our own state geometry is the only map drawn).
(function () {
  var E = { type: "GeometryCollection", geometries: [] };
  var empty = { type: "Topology", arcs: [], objects: { land: E, ocean: E, lakes: E, rivers: E, coastlines: E,
    countries: E, subunits: E } };
  window.PlotlyGeoAssets = { topojson: { world_110m: empty, world_50m: empty } };
})();

var Vigia = (function () {
  var CONFIG = { displaylogo: false, responsive: true, topojsonURL: "/static/topojson/",
    modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d"] };
  var BAND_COLORS = ["rgba(122,31,43,0.07)", "rgba(40,80,140,0.07)"];

  function readJSON(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  var L = {};
  function lang() { return document.body.dataset.lang || "es"; }
  function withLang(url) {
    if (lang() !== "en") return url;
    return url + (url.indexOf("?") >= 0 ? "&" : "?") + "lang=en";
  }

  function layout(extra) {
    var base = { separators: ".,", margin: { l: 56, r: 16, t: 36, b: 48 }, font: { size: 12 },
      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)", hovermode: "closest",
      legend: { orientation: "h", y: -0.18 } };
    for (var k in extra) base[k] = extra[k];
    return base;
  }

  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw new Error(body.error || r.statusText);
        return body;
      });
    });
  }

  function draw(el, traces, lay) {
    return Plotly.react(el, traces, layout(lay || {}), CONFIG).then(function () { return el; });
  }

  // Shaded bands, one per presidential term, clipped to [first, last] month.
  function termBands(adms, first, last) {
    var shapes = [], notes = [];
    adms.forEach(function (a, i) {
      var x0 = a.start.slice(0, 7), x1 = a.end.slice(0, 7);
      if (x1 < first || x0 > last) return;
      x0 = x0 < first ? first : x0;
      x1 = x1 > last ? last : x1;
      shapes.push({ type: "rect", xref: "x", yref: "paper", x0: x0, x1: x1, y0: 0, y1: 1, line: { width: 0 },
        fillcolor: BAND_COLORS[i % 2], layer: "below" });
      notes.push({ x: x0, y: 1, xref: "x", yref: "paper", xanchor: "left", yanchor: "bottom", showarrow: false,
        text: a.short_name || a.id, font: { size: 10, color: "#555" } });
    });
    return { shapes: shapes, annotations: notes };
  }

  function eventTrace(events, first, last, y) {
    var ev = events.filter(function (e) { var m = e.date.slice(0, 7); return m >= first && m <= last; });
    return { type: "scatter", mode: "markers", name: L.events, x: ev.map(function (e) { return e.date.slice(0, 7); }),
      y: ev.map(function () { return y; }), marker: { symbol: "diamond", size: 9, color: "#333" },
      text: ev.map(function (e) { return e.date + " — " + (lang() === "en" ? e.title_en : e.title_es); }),
      hovertemplate: "%{text}<extra></extra>" };
  }

  function monthsBetween(a, b) {
    return (+b.slice(0, 4) - +a.slice(0, 4)) * 12 + (+b.slice(5, 7) - +a.slice(5, 7));
  }

  function monthlyChart(el, rows, adms, events, name) {
    if (!rows.length) return draw(el, [], {});
    // Missing months and methodology changes break the line instead of being bridged by it.
    var x = [], y = [];
    rows.forEach(function (r, i) {
      if (i > 0 && (r["break"] || monthsBetween(rows[i - 1].period, r.period) > 1)) { x.push(r.period); y.push(null); }
      x.push(r.period); y.push(r.value);
    });
    var first = x[0], last = x[x.length - 1], top = Math.max.apply(null, y.filter(function (v) { return v !== null; })) * 1.04;
    var bands = termBands(adms, first, last);
    var traces = [{ type: "scatter", mode: "lines", name: name, x: x, y: y, line: { color: "#7a1f2b", width: 1.6 },
      connectgaps: false, hovertemplate: "%{x}: %{y:,.0f}<extra></extra>" }];
    if (events && events.length) traces.push(eventTrace(events, first, last, top));
    // A methodology change (CIEISP→CNSP in 2015, CNSP→RNID in 2026) is never drawn as if it were a trend.
    rows.forEach(function (r) {
      if (!r["break"]) return;
      bands.shapes.push({ type: "line", xref: "x", yref: "paper", x0: r.period, x1: r.period, y0: 0, y1: 1,
        line: { color: "#b35900", width: 1.5, dash: "dash" } });
      bands.annotations.push({ xref: "x", yref: "paper", x: r.period, y: 0.02, xanchor: "left", showarrow: false,
        text: (L.methodology_break || "Methodology change") + (r.methodology ? " (" + r.methodology.toUpperCase() + ")" : ""),
        font: { size: 10, color: "#b35900" } });
    });
    return draw(el, traces, { shapes: bands.shapes, annotations: bands.annotations, showlegend: false,
      xaxis: { type: "date" }, yaxis: { rangemode: "tozero", tickformat: ",.0f" } });
  }

  // -- pages -----------------------------------------------------------------------------------------
  function overview() {
    var data = readJSON("page-data"), el = document.getElementById("trend-chart");
    var select = document.getElementById("trend-indicator");
    function show(d, rows) {
      return monthlyChart(el, rows, d.administrations, d.events, select.options[select.selectedIndex].text)
        .then(function () { el.dataset.indicator = select.value; });
    }
    show(data, data.data);
    select.addEventListener("change", function () {
      el.dataset.indicator = "";
      getJSON("/api/series?freq=month&geo=00&indicator=" + encodeURIComponent(select.value)).then(function (body) {
        history.replaceState(null, "", withLang("/?indicator=" + encodeURIComponent(select.value)));
        return show(data, body.data);
      }).catch(function (err) { el.textContent = err.message; });
    });
  }

  function mapPage() {
    var data = readJSON("page-data");
    var mapEl = document.getElementById("map-chart"), rankEl = document.getElementById("rank-chart");
    var ind = document.getElementById("map-indicator"), per = document.getElementById("map-period");
    var unit = document.getElementById("map-unit");
    var geometry = null;

    function render(rows, indicator, period, unitValue) {
      var fmt = unitValue === "rate" ? ",.1f" : ",.0f";
      var label = (data.labels[indicator] || indicator) + " — " + period;
      var z = rows.map(function (r) { return r.value; });
      var hover = rows.map(function (r) { return r.geo_name + " (#" + r.rank + ")"; });
      var choropleth = { type: "choropleth", geojson: geometry, featureidkey: "properties.cve",
        locations: rows.map(function (r) { return r.geo; }), z: z, text: hover, colorscale: "Reds",
        marker: { line: { color: "#fff", width: 0.6 } },
        colorbar: { orientation: "h", thickness: 10, len: 0.7, x: 0.5, xanchor: "center", y: 0, yanchor: "top",
          tickformat: fmt },
        hovertemplate: "%{text}<br>%{z:" + fmt + "}<extra></extra>" };
      var sorted = rows.slice().sort(function (a, b) { return a.value - b.value; });
      var bars = { type: "bar", orientation: "h", x: sorted.map(function (r) { return r.value; }),
        y: sorted.map(function (r) { return r.geo_name; }), marker: { color: "#7a1f2b" },
        hovertemplate: "%{y}: %{x:" + fmt + "}<extra></extra>" };
      return Promise.all([
        draw(mapEl, [choropleth], { title: { text: label, font: { size: 13 } }, margin: { l: 4, r: 4, t: 36, b: 40 },
          // Fixed ranges around Mexico rather than fitbounds, which misplaces the map in narrow containers.
          geo: { visible: false, bgcolor: "rgba(0,0,0,0)", projection: { type: "mercator" },
            lonaxis: { range: [-118, -86.3] }, lataxis: { range: [14.2, 33] } } }),
        draw(rankEl, [bars], { title: { text: label, font: { size: 13 } }, margin: { l: 130, r: 16, t: 36, b: 32 },
          yaxis: { automargin: true, tickfont: { size: 11 } }, xaxis: { tickformat: fmt } })
      ]).then(function () {
        [mapEl, rankEl].forEach(function (el) { el.dataset.indicator = indicator; el.dataset.period = period; });
      });
    }

    function years(indicator) {
      var list = data.years[indicator] || [], keep = per.value;
      per.innerHTML = "";
      list.forEach(function (y) { var o = document.createElement("option"); o.value = o.textContent = y; per.appendChild(o); });
      per.value = list.indexOf(keep) >= 0 ? keep : list[0];
    }

    function refresh() {
      [mapEl, rankEl].forEach(function (el) { el.dataset.indicator = ""; });
      var q = "indicator=" + encodeURIComponent(ind.value) + "&period=" + encodeURIComponent(per.value) +
        "&unit=" + encodeURIComponent(unit.value);
      getJSON("/api/rankings?" + q).then(function (body) {
        history.replaceState(null, "", withLang("/mapa?" + q));
        return render(body.data, ind.value, per.value, unit.value);
      }).catch(function (err) { mapEl.textContent = err.message; });
    }

    getJSON("/static/mexico_states.json").then(function (g) {
      geometry = g;
      render(data.rows, data.indicator, data.period, data.unit);
      mapEl.on("plotly_click", function (ev) {
        var p = ev.points && ev.points[0];
        if (p && p.location) window.location.href = withLang("/estado/" + p.location);
      });
    });
    ind.addEventListener("change", function () { years(ind.value); refresh(); });
    per.addEventListener("change", refresh);
    unit.addEventListener("change", refresh);
  }

  function statePage() {
    var d = readJSON("page-data");
    var rate = document.getElementById("state-rate-chart"), month = document.getElementById("state-month-chart");
    function line(rows, name, color) {
      return { type: "scatter", mode: "lines+markers", name: name, x: rows.map(function (r) { return r.period; }),
        y: rows.map(function (r) { return r.value; }), line: { color: color },
        hovertemplate: name + " %{x}: %{y:,.2f}<extra></extra>" };
    }
    // Whole years only: a year in progress would read as a fall.
    function full(rows) { return rows.filter(function (r) { return r.months === undefined || r.months === 12; }); }
    draw(rate, [line(full(d.state_rate), d.state, "#7a1f2b"), line(full(d.national_rate), L.national, "#777")],
      { xaxis: { type: "category" }, yaxis: { rangemode: "tozero" } });
    monthlyChart(month, d.monthly, d.administrations, d.events, d.state);
    flags(document.getElementById("flags"));
  }

  // Quality flags take a while the first time (every rule over every state), so they load after the page.
  function flags(box) {
    if (!box) return;
    getJSON("/api/quality?geo=" + encodeURIComponent(box.dataset.geo)).then(function (body) {
      box.textContent = "";
      if (!body.data.length) {
        var p = document.createElement("p"); p.className = "muted"; p.textContent = L.no_flags; box.appendChild(p);
        return;
      }
      var wrap = document.createElement("div"), table = document.createElement("table");
      wrap.className = "table-wrap"; table.className = "small";
      var head = table.createTHead().insertRow();
      [L.period, L.rule, L.severity, L.evidence].forEach(function (h) {
        var th = document.createElement("th"); th.textContent = h; head.appendChild(th);
      });
      var tbody = table.createTBody();
      body.data.forEach(function (f) {
        var row = tbody.insertRow();
        var cells = [f.period + (f.period_end && f.period_end !== f.period ? "–" + f.period_end : ""),
          lang() === "en" ? f.rule.replace(/_/g, " ") : f.rule_label, f.severity, f.evidence || ""];
        cells.forEach(function (text, i) {
          var td = row.insertCell(); td.textContent = text;
          if (i === 2) td.className = "sev-" + f.severity;
        });
      });
      wrap.appendChild(table); box.appendChild(wrap);
      box.dataset.loaded = String(body.data.length);
    }).catch(function (err) { box.textContent = err.message; });
  }

  function administrationsPage() {
    var d = readJSON("page-data"), el = document.getElementById("adm-chart");
    var by = {};
    d.rows.forEach(function (r) { (by[r.name] = by[r.name] || []).push(r); });
    var traces = Object.keys(by).map(function (name) {
      var rows = by[name];
      return { type: "scatter", mode: "lines", name: name, x: rows.map(function (r) { return r.month_of_term; }),
        y: rows.map(function (r) { return r.value; }), text: rows.map(function (r) { return r.period; }),
        hovertemplate: name + "<br>" + L.month_of_term + " %{x} (%{text}): %{y:,.0f}<extra></extra>" };
    });
    draw(el, traces, { xaxis: { title: { text: L.month_of_term } }, yaxis: { rangemode: "tozero", tickformat: ",.0f" } });
  }

  function vintagesPage() {
    var d = readJSON("page-data"), el = document.getElementById("vintage-chart");
    var rows = d.rows.filter(function (r) { return r.value !== null; });
    draw(el, [{ type: "scatter", mode: "lines+markers", x: rows.map(function (r) { return r.vintage; }),
      y: rows.map(function (r) { return r.value; }), text: rows.map(function (r) { return r.file_name; }),
      line: { color: "#7a1f2b", shape: "hv" },
      hovertemplate: "%{x}: %{y:,.2f}<br>%{text}<extra></extra>" }],
      { xaxis: { type: "category", title: { text: L.vintage } }, yaxis: { tickformat: ",.0f" } });
  }

  function autosubmit() {
    document.querySelectorAll("form.controls select").forEach(function (s) {
      s.addEventListener("change", function () { s.form.submit(); });
    });
  }

  function init() {
    L = readJSON("vigia-labels") || {};
    var page = document.body.dataset.page;
    if (typeof Plotly === "undefined") return;
    if (page === "overview") overview();
    else if (page === "map") mapPage();
    else if (page === "state") { statePage(); autosubmit(); }
    else if (page === "administrations") { administrationsPage(); autosubmit(); }
    else if (page === "vintages") { vintagesPage(); autosubmit(); }
  }

  return { init: init };
})();

document.addEventListener("DOMContentLoaded", Vigia.init);
