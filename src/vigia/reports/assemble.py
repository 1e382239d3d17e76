"""Assemble a brief: query the store, compute every number once, footnote it, lay out the blocks.

Only public functions of the layers above are called (indicators, administrations, events, geo);
the optional ones (context indicators, data-quality service) go through reports/context.py.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

import vigia
from vigia.analysis.administrations import rank
from vigia.analysis.quality import RULES
from vigia.errors import QueryError, VigiaError
from vigia.events import events_between
from vigia.events.schema import KINDS
from vigia.geo.catalog import NATIONAL, resolve_geo, state_name
from vigia.indicators.catalog import get
from vigia.indicators.compute import METHODOLOGY_LABELS, IndicatorQuery, indicator_series
from vigia.indicators.population import population_for
from vigia.reports import charts, context
from vigia.reports import text as tx
from vigia.reports.geometry import find_geometry
from vigia.reports.model import FOOTNOTE_RE, Brief, Bullets, Figure, Footnote, Heading, Para, SourceRef, Table, link
from vigia.reports.period import Period, previous_administration, resolve_period
from vigia.reports.provenance import Notes, Provenance

# Headline indicators, in the order shown. Each names its measure (victims or case files) in the table.
HEADLINE = ("homicidio_doloso_victimas", "homicidio_doloso", "feminicidio_victimas", "secuestro", "extorsion",
            "robo_con_violencia")
RANK_INDICATOR = "homicidio_doloso_victimas"
CHART_INDICATORS = ("homicidio_doloso_victimas", "homicidio_doloso")
TOP_STATES, CHANGE_STATES, MAX_FLAGS = 10, 5, 8
SHORT_NAMES = {"zedillo": "Zedillo", "fox": "Fox", "calderon": "Calderón", "pena_nieto": "Peña Nieto",
               "lopez_obrador": "López Obrador", "sheinbaum": "Sheinbaum"}
KINDS_EN = {"policy": "Policy", "law": "Law or reform", "deployment": "Deployment of forces", "operation": "Operation",
            "violent_event": "Violent event", "arrest": "Arrest", "judicial": "Judicial or prosecutorial decision",
            "institutional": "Institutional change", "data_change": "Change in data or methodology"}


def _ym(ts: pd.Timestamp) -> str:
    return ts.strftime("%Y-%m")


def _months_between(a: pd.Timestamp, b: pd.Timestamp) -> list[pd.Timestamp]:
    return list(pd.date_range(a, b, freq="MS"))


class Assembler:
    def __init__(self, con: duckdb.DuckDBPyConnection, *, geo: str, period: Period, lang: str, vintage: str | None,
                 generated: str, geometry, run_quality: bool = True) -> None:
        self.con, self.geo, self.p, self.lang, self.vintage = con, geo, period, lang, vintage
        self.generated, self.geometry_arg, self.run_quality = generated, geometry, run_quality
        self.geo_name = tx.t("national", lang) if geo == NATIONAL else state_name(geo)
        self.prov = Provenance(con, vintage)
        self.notes = Notes(lang)
        self.blocks: list = []
        self.warnings: list[str] = []
        self.data: dict = {"headline": {}, "compare": {}, "states": [], "perception": [], "rule_of_law": [],
                           "events": []}
        self._pop: dict[tuple[str, int], float] = {}
        self.no_population = False
        self.monthly: dict[str, pd.DataFrame] = {}

    # --- helpers -----------------------------------------------------------------------------------

    def t(self, key: str, **kw) -> str:
        return tx.t(key, self.lang, **kw)

    def span(self, a: pd.Timestamp, b: pd.Timestamp) -> str:
        return self.t("period", start=tx.month_label(a, self.lang), end=tx.month_label(b, self.lang))

    def label(self, ind_id: str) -> str:
        return get(ind_id).label(self.lang)

    def population(self, geo: str, years: list[int]) -> dict[int, float]:
        need = [y for y in years if (geo, y) not in self._pop]
        if need:
            pop = population_for(self.con, [geo], sorted(set(need)))
            for y, v in zip(pop["year"].astype(int), pop["population"]):
                self._pop[(geo, int(y))] = float(v)
        return {y: self._pop[(geo, y)] for y in years}

    def mean_population(self, geo: str, months: list[pd.Timestamp]) -> tuple[float, str]:
        """Month-weighted mean CONAPO population over `months`, and the formula that gives it."""
        by_year: dict[int, int] = {}
        for m in months:
            by_year[m.year] = by_year.get(m.year, 0) + 1
        pop = self.population(geo, sorted(by_year))
        mean = sum(n * pop[y] for y, n in by_year.items()) / len(months)
        if len(by_year) == 1:
            return mean, tx.count(mean)
        terms = " + ".join(f"{n} × {tx.count(pop[y])}" for y, n in sorted(by_year.items()))
        return mean, f"({terms}) / {len(months)} = {tx.count(mean)}"

    def cite(self, sources: list[dict], years, with_population: bool = True) -> tuple[SourceRef, ...]:
        refs = list(self.prov.for_frame(sources, years))
        pop = self.prov.population() if with_population else None
        if pop is not None:
            refs.append(pop)
        return tuple(refs)

    def rate_note(self, *, ind_id: str, geo: str, geo_name: str, months: list[pd.Timestamp], total: float,
                  sources: list[dict], kind: str = "rate") -> tuple[float | None, str, dict]:
        """Rate per 100,000 (annualised × 12 / months unless a full calendar year) and its footnote marker.

        Without CONAPO population in the store the rate is None and the note gives the count alone.
        """
        ind = get(ind_id)
        n = len(months)
        facts = {"indicator": ind_id, "measure": ind.measure, "geo": geo, "start": _ym(months[0]),
                 "end": _ym(months[-1]), "months": n, "count": float(total)}
        what = dict(what=ind.label(self.lang), geo=geo_name, period=self.span(months[0], months[-1]),
                    count=f"{tx.count(total)} {self.t('measure_' + ind.measure)}")
        try:
            mean, mean_formula = self.mean_population(geo, months)
        except QueryError:
            self.no_population = True
            marker = self.notes.add(self.t("fn_count", **what), self.cite(sources, {m.year for m in months}, False),
                                    kind="count", value=float(total), facts=facts)
            return None, marker, facts
        full_year = n == 12 and months[0].month == 1 and len({m.year for m in months}) == 1
        factor = 1.0 if full_year else 12 / n
        value = total / mean * 100_000 * factor
        formula = f"{tx.count(total)} / {tx.count(mean)} × 100,000" + ("" if factor == 1 else f" × 12 / {n}") + \
            f" = {tx.rate(value)}"
        if "(" in mean_formula:
            formula += "; " + self.t("fn_mean_pop", formula=mean_formula)
        facts.update(population=mean, annualised=factor != 1, rate=value)
        marker = self.notes.add(self.t("fn_rate", formula=formula, **what),
                                self.cite(sources, {m.year for m in months}), kind=kind, value=value, formula=formula,
                                facts=facts)
        return value, marker, facts

    @staticmethod
    def figure(total: float, value: float | None, marker: str) -> str:
        """'34,723 (27.3)[^4]', or the count alone when there is no rate."""
        return f"{tx.count(total)}" + ("" if value is None else f" ({tx.rate(value)})") + marker

    # --- data -------------------------------------------------------------------------------------------

    def monthly_counts(self, ind_id: str, start: pd.Timestamp, end: pd.Timestamp, geo: str | None = None
                       ) -> pd.DataFrame:
        frame = indicator_series(self.con, IndicatorQuery(indicator=ind_id, geo=geo or self.geo, freq="month",
                                                          unit="count", start=_ym(start), end=_ym(end),
                                                          vintage=self.vintage))
        frame = frame.copy()
        frame["month"] = pd.to_datetime(frame["period"])
        return frame

    # --- sections ---------------------------------------------------------------------------------------

    def headline(self) -> None:
        p = self.p
        years = sorted({m.year for m in p.month_list()})
        spans = {y: (p.start.month if y == p.start.year else 1, p.end.month if y == p.end.year else 12) for y in years}
        header = [self.t("col_indicator"), self.t("col_measure")] + \
            [tx.year_label(y, *spans[y], self.lang) for y in years] + [self.t("col_period_total")]
        rows = []
        for ind_id in HEADLINE:
            ind = get(ind_id)
            measure = self.t("measure_" + ind.measure)
            try:
                frame = self.monthly_counts(ind_id, p.start, p.end)
            except VigiaError as exc:
                rows.append([ind.label(self.lang), measure] + ["—"] * (len(years) + 1))
                self.warnings.append(self.t("q_indicator_missing", what=ind.label(self.lang), reason=str(exc)))
                continue
            self.monthly[ind_id] = frame
            sources = frame.attrs.get("sources", [])
            self._coverage_warnings(ind_id, frame)
            cells, per_year = [], {}
            for y in years:
                part = frame[frame["month"].dt.year == y]
                if part.empty:
                    cells.append("—")
                    continue
                months = list(part["month"])
                total = float(part["value"].sum())
                value, marker, facts = self.rate_note(ind_id=ind_id, geo=self.geo, geo_name=self.geo_name,
                                                      months=months, total=total, sources=sources)
                per_year[str(y)] = facts
                cells.append(self.figure(total, value, marker))
            if frame.empty:
                cells.append("—")
            else:
                months = list(frame["month"])
                total = float(frame["value"].sum())
                value, marker, facts = self.rate_note(ind_id=ind_id, geo=self.geo, geo_name=self.geo_name,
                                                      months=months, total=total, sources=sources)
                per_year["period"] = facts
                cells.append(self.figure(total, value, marker))
            self.data["headline"][ind_id] = per_year
            rows.append([ind.label(self.lang), measure] + cells)
        self.blocks += [Heading(2, self.t("h_headline"), "headline"), Para(self.t("headline_intro"), "small"),
                        Table(header, rows, ["l", "l"] + ["r"] * (len(years) + 1),
                              widths=[3.2, 1.2] + [1.6] * (len(years) + 1))]

    def _coverage_warnings(self, ind_id: str, frame: pd.DataFrame) -> None:
        expected = self.p.month_list()
        have = set(frame["month"]) if len(frame) else set()
        gaps = [m for m in expected if m not in have]
        what = self.label(ind_id)
        if gaps:
            shown = ", ".join(tx.month_label(m, self.lang) for m in gaps[:3]) + (" …" if len(gaps) > 3 else "")
            self.warnings.append(self.t("q_missing_months", what=what, n=len(gaps), total=len(expected),
                                        months=shown))
        methods = sorted(set(frame["methodology"])) if len(frame) else []
        if any(m != "cnsp" for m in methods):
            self.warnings.append(self.t("q_methodology", what=what,
                                        methods=", ".join(METHODOLOGY_LABELS.get(m, m) for m in methods)))

    def comparison(self) -> None:
        self.blocks.append(Heading(2, self.t("h_compare"), "compare"))
        adm, n = self.p.administration, self.p.term_month
        prev = previous_administration(adm) if adm else None
        if adm is None or prev is None or not n or n < 1:
            self.blocks.append(Para(self.t("compare_none")))
            return
        n_prev = min(n, prev.length_months)
        cur_months = _months_between(adm.month(1), adm.month(n))
        prev_months = _months_between(prev.month(1), prev.month(n_prev))
        self.blocks.append(Para(self.t("compare_intro", months=n, cur=adm.name, prev=prev.name,
                                       cur_span=self.span(cur_months[0], cur_months[-1]),
                                       prev_span=self.span(prev_months[0], prev_months[-1])), "small"))
        header = [self.t("col_indicator"), self.t("col_measure"), prev.name, adm.name, self.t("col_change"),
                  self.t("col_comparable")]
        rows = []
        for ind_id in HEADLINE:
            ind = get(ind_id)
            row = [ind.label(self.lang), self.t("measure_" + ind.measure)]
            try:
                # One query over both windows; the same totals and rates as administrations.compare().
                frame = self.monthly_counts(ind_id, prev_months[0], cur_months[-1])
            except VigiaError:
                rows.append(row + [self.t("no_data")] * 2 + ["—", "—"])
                continue
            sources = frame.attrs.get("sources", [])
            found = {}
            for who, months in ((prev, prev_months), (adm, cur_months)):
                part = frame[frame["month"].isin(months)]
                if len(part) < len(months):  # a window the data cover only in part is not compared
                    row.append(self.t("no_data"))
                    continue
                total = float(part["value"].sum())
                value, marker, facts = self.rate_note(ind_id=ind_id, geo=self.geo, geo_name=self.geo_name,
                                                      months=months, total=total, sources=sources, kind="compare")
                facts.update(administration=who.id, methodology="+".join(sorted(set(part["methodology"]))))
                found[who.id] = facts
                row.append(self.figure(total, value, marker))
            if len(found) == 2:
                a, b = found[prev.id], found[adm.id]
                # Same-length windows compare totals; a shorter previous term (López Obrador's 70 months)
                # compares annual rates instead, which do not depend on the window's length.
                key, fmt = ("count", tx.count) if a["months"] == b["months"] or a.get("rate") is None else \
                    ("rate", tx.rate)
                change = (b[key] - a[key]) / a[key] * 100 if a[key] else float("nan")
                comparable = a["methodology"] == b["methodology"] and "+" not in a["methodology"] + b["methodology"]
                formula = f"({fmt(b[key])} - {fmt(a[key])}) / {fmt(a[key])} × 100 = {tx.pct(change)}"
                marker = self.notes.add(self.t("fn_change", what=ind.label(self.lang), geo=self.geo_name,
                                               formula=formula), (), kind="change", value=change, formula=formula,
                                        facts={"indicator": ind_id, "from": a, "to": b})
                row += [f"{tx.pct(change)}{marker}", self.t("yes" if comparable else "no")]
                if not comparable:
                    methods = " / ".join(METHODOLOGY_LABELS.get(m, m) for part in (a, b)
                                         for m in part["methodology"].split("+"))
                    self.warnings.append(self.t("q_compare_not_comparable", what=ind.label(self.lang),
                                                methods=methods))
                self.data["compare"][ind_id] = {"previous": a, "current": b, "change_pct": change,
                                                "comparable": comparable}
            else:
                row += ["—", "—"]
                self.data["compare"][ind_id] = {"previous": found.get(prev.id), "current": found.get(adm.id)}
            rows.append(row)
        self.blocks.append(Table(header, rows, ["l", "l", "r", "r", "r", "l"], widths=[3.2, 1.2, 2.0, 2.0, 1.1, 1.1]))
        self.compare_admins = (prev, adm, n)

    def _rank(self, period: str, unit: str) -> pd.DataFrame:
        return rank(self.con, RANK_INDICATOR, period=period, unit=unit, vintage=self.vintage)

    def states(self) -> None:
        self.blocks.append(Heading(2, self.t("h_states"), "states"))
        p, what = self.p, self.label(RANK_INDICATOR)
        n = p.months
        prev_end = p.start - pd.DateOffset(months=1)
        prev_start = p.start - pd.DateOffset(months=n)
        cur_months, prev_months = p.month_list(), _months_between(prev_start, prev_end)
        self.map_values: dict[str, float] = {}
        try:  # one query for every state's population instead of one per footnote
            years = sorted({m.year for m in cur_months + prev_months})
            pop = population_for(self.con, [f"{i:02d}" for i in range(1, 33)], years)
            self._pop.update({(g, int(y)): float(v) for g, y, v in zip(pop["geo"], pop["year"], pop["population"])})
        except QueryError:
            pass
        unit = "rate_annualized"
        try:
            try:
                cur = self._rank(f"{_ym(p.start)}:{_ym(p.end)}", unit)
            except QueryError as exc:
                if exc.parameter != "unit":
                    raise
                unit = "count"  # no population stored: rank by count, and say so through the notes
                cur = self._rank(f"{_ym(p.start)}:{_ym(p.end)}", unit)
        except VigiaError as exc:
            self.blocks.append(Para(self.t("q_rank_unavailable", reason=str(exc))))
            self.warnings.append(self.t("q_rank_unavailable", reason=str(exc)))
            return
        before = None
        if unit != "count":
            try:
                before = self._rank(f"{_ym(prev_start)}:{_ym(prev_end)}", unit)
                if (before["months"] < n).any():
                    before = None  # a window the data cover only in part would not be a like-for-like change
            except VigiaError:
                before = None
        sources = cur.attrs.get("sources") or self.monthly.get(RANK_INDICATOR, pd.DataFrame()).attrs.get("sources", [])
        rows_by_geo: dict[str, dict] = {}
        for r in cur.itertuples():
            months = cur_months if r.months == n else cur_months[: int(r.months)]
            value, marker, facts = self.rate_note(ind_id=RANK_INDICATOR, geo=r.geo, geo_name=r.geo_name,
                                                  months=months, total=float(r.count), sources=sources, kind="state")
            rows_by_geo[r.geo] = {"geo": r.geo, "name": r.geo_name, "rank": int(r.rank), "count": float(r.count),
                                  "rate": value, "marker": marker, "facts": facts}
        if before is not None:
            bsources = before.attrs.get("sources") or sources
            for r in before.itertuples():
                row = rows_by_geo.get(r.geo)
                if row is None or row["rate"] is None:
                    continue
                b_value, _, b_facts = self.rate_note(ind_id=RANK_INDICATOR, geo=r.geo, geo_name=r.geo_name,
                                                     months=prev_months, total=float(r.count), sources=bsources,
                                                     kind="state_before")
                if not b_value:
                    continue
                change = (row["rate"] - b_value) / b_value * 100
                formula = f"({tx.rate(row['rate'])} - {tx.rate(b_value)}) / {tx.rate(b_value)} × 100 = " \
                          f"{tx.pct(change)}"
                marker = self.notes.add(self.t("fn_change", what=what, geo=r.geo_name, formula=formula), (),
                                        kind="change", value=change, formula=formula,
                                        facts={"indicator": RANK_INDICATOR, "geo": r.geo, "from": b_facts,
                                               "to": row["facts"]})
                row.update(rate_before=b_value, change=change, change_marker=marker)
            ordered = sorted((r for r in rows_by_geo.values() if "change" in r), key=lambda r: (-r["change"], r["geo"]))
            for i, r in enumerate(ordered, start=1):
                r["rank_change"] = i
        ranked = sorted(rows_by_geo.values(), key=lambda r: (r["rank"], r["geo"]))
        self.data["states"] = [{k: v for k, v in r.items() if "marker" not in k} for r in ranked]
        self.map_values = {r["geo"]: r["rate"] if r["rate"] is not None else r["count"] for r in ranked}
        self.map_unit = "axis_rate" if unit != "count" else "col_count"
        has_change = before is not None and any("change" in r for r in ranked)
        intro_key = "states_intro" if has_change else "states_intro_nochange"
        self.blocks.append(Para(self.t(intro_key, what=what, start=tx.month_label(p.start, self.lang),
                                       end=tx.month_label(p.end, self.lang), n=n,
                                       pstart=tx.month_label(prev_start, self.lang),
                                       pend=tx.month_label(prev_end, self.lang)), "small"))
        shown = ranked[:TOP_STATES] + [r for r in ranked[TOP_STATES:] if r["geo"] == self.geo]
        by_rate = unit != "count"
        header = [self.t("col_rank"), self.t("col_state"), self.t("col_count")] + ([self.t("col_rate")] if by_rate
                                                                                   else [])
        if has_change:
            header += [self.t("col_rate_before"), self.t("col_change"), self.t("col_rank_change")]
        rows, emphasis = [], set()
        for i, r in enumerate(shown):
            row = [str(r["rank"]), r["name"], tx.count(r["count"]) + ("" if by_rate else r["marker"])]
            if by_rate:
                row.append(("—" if r["rate"] is None else tx.rate(r["rate"])) + r["marker"])
            if has_change:
                row += [tx.rate(r["rate_before"]), tx.pct(r["change"]) + r["change_marker"], str(r["rank_change"])] \
                    if "change" in r else ["—", "—", "—"]
            if r["geo"] == self.geo:
                emphasis.add(i)
            rows.append(row)
        widths = [0.8, 2.6, 1.3] + ([1.2] if by_rate else []) + ([1.4, 1.2, 1.3] if has_change else [])
        self.blocks += [Heading(3, self.t("h_states_rate" if by_rate else "h_states_count")),
                        Table(header, rows, ["r", "l", "r"] + ["r"] * (len(header) - 3),
                              frozenset(emphasis), widths=widths)]
        if has_change:
            changed = [r for r in ranked if "change" in r]
            up = sorted(changed, key=lambda r: (-r["change"], r["geo"]))[:CHANGE_STATES]
            down = sorted(changed, key=lambda r: (r["change"], r["geo"]))[:CHANGE_STATES]
            rows, emphasis = [], set()
            for group, items in ((self.t("increases"), up), (self.t("decreases"), down)):
                for r in items:
                    if r["geo"] == self.geo:
                        emphasis.add(len(rows))
                    rows.append([group, r["name"], tx.rate(r["rate_before"]), tx.rate(r["rate"]) + r["marker"],
                                 tx.pct(r["change"]) + r["change_marker"]])
            self.blocks += [Heading(3, self.t("h_states_change")),
                            Table([self.t("col_group"), self.t("col_state"), self.t("col_rate_before"),
                                   self.t("col_rate"), self.t("col_change")], rows, ["l", "l", "r", "r", "r"],
                                  frozenset(emphasis), widths=[2.2, 2.6, 1.4, 1.4, 1.2])]
        self._map(what, sources)

    def _map(self, what: str, sources: list[dict]) -> None:
        geom = find_geometry(self.geometry_arg)
        if geom is None:
            self.blocks.append(Para(self.t("map_missing"), "small"))
            self.warnings.append(self.t("map_missing"))
            return
        if not charts.available():
            self.blocks.append(Para(self.t("charts_missing"), "small"))
            self.warnings.append(self.t("charts_missing"))
            return
        svg, png = charts.state_map(geom.rings, self.map_values, label=self.t(self.map_unit),
                                    highlight=self.geo if self.geo != NATIONAL else None)
        where = self.t("geometry_" + geom.origin, file=geom.file_name, sha=geom.sha256[:8])
        marker = self.notes.add(self.t("fn_chart"), self.cite(sources, {m.year for m in self.p.month_list()}))
        unit = self.t(self.map_unit) if self.map_unit == "axis_rate" else self.t(self.map_unit).lower()
        caption = self.t("map_caption", what=what, unit=unit, start=tx.month_label(self.p.start, self.lang),
                         end=tx.month_label(self.p.end, self.lang), geometry=where, ref=marker)
        self.blocks.append(Figure("map", svg, png, caption, f"{what}, {unit}", 7.0, 4.6))

    def monthly_chart(self, events: list[tuple[str, pd.Timestamp]]) -> None:
        self.blocks.append(Heading(2, self.t("h_monthly"), "monthly"))
        p = self.p
        prev = previous_administration(p.administration) if p.administration else None
        lo = min(p.start, prev.month(1)) if prev else p.start - pd.DateOffset(months=24)
        series, sources, first, breaks = {}, [], None, []
        for ind_id, key in zip(CHART_INDICATORS, ("legend_victims", "legend_carpetas")):
            try:
                frame = self.monthly_counts(ind_id, lo, p.end)
            except VigiaError:
                continue
            if ind_id == CHART_INDICATORS[0] and len(frame):
                first = frame["month"].min()
            if first is not None:
                frame = frame[frame["month"] >= first]
            if len(frame):
                series[self.t(key)] = pd.Series(frame["value"].to_numpy(dtype=float), index=frame["month"])
                sources += frame.attrs.get("sources", [])
                breaks += [(m, str(meth).upper()) for m, meth in zip(frame["month"][frame["break"]],
                                                                     frame["methodology"][frame["break"]])]
        if not series:
            self.blocks.append(Para(self.t("chart_none")))
            return
        if not charts.available():
            self.blocks.append(Para(self.t("charts_missing"), "small"))
            self.warnings.append(self.t("charts_missing"))
            return
        bands = [charts.Band(SHORT_NAMES.get(a.id, a.name), a.month(1), a.month(a.length_months))
                 for a in _terms_between(lo, p.end)]
        svg, png = charts.monthly_chart(series, bands=bands, period=(p.start, p.end), events=events,
                                        ylabel=self.t("axis_month"),
                                        breaks=[(m, f"{self.t('methodology_change')} ({meth})") for m, meth in breaks])
        lo_real = min(s.index.min() for s in series.values())
        marker = self.notes.add(self.t("fn_chart"), self.cite(sources, range(lo_real.year, p.end.year + 1), False))
        caption = self.t("chart_caption", geo=self.geo_name, start=tx.month_label(lo_real, self.lang),
                         end=tx.month_label(p.end, self.lang), ref=marker)
        self.blocks.append(Figure("monthly", svg, png, caption, f"{self.geo_name}: {', '.join(series)}", 7.0, 3.3))

    def context_section(self) -> None:
        self.blocks.append(Heading(2, self.t("h_context"), "context"))
        p = self.p
        env = context.perception(self.con, self.prov, self.geo, p.start, p.end, self.vintage)
        scope = "" if self.geo == NATIONAL else self.t("envipe_scope_state", geo=self.geo_name)
        if not env.available:
            self.blocks.append(Para(self.t("envipe_missing")))
            self.warnings.append(self.t("envipe_missing"))
        else:
            self.blocks.append(Para(self.t("envipe_title", scope=scope)))
            rows = []
            for r in env.rows:
                label = f"ENVIPE {r.label}" if not str(r.label).upper().startswith("ENVIPE") else r.label
                value = r.values.get("value")
                marker = self.notes.add(self.t("fn_context", what="ENVIPE", geo=self.geo_name, label=label,
                                               value=f"{tx.number(value)}%"), r.sources, kind="perception",
                                        value=value, facts={"label": label, "year": r.year, "geo": self.geo})
                rows.append([label + (f" ({self.t('baseline')})" if r.baseline else ""),
                             f"{tx.number(value)}{marker}"])
                self.data["perception"].append({"label": label, "year": r.year, "value": value,
                                                "baseline": r.baseline})
            if rows:
                self.blocks += [Table([self.t("col_survey"), self.t("col_percent")], rows, ["l", "r"],
                                      widths=[3, 2]), Para(self.t("envipe_note"), "small")]
            else:
                self.blocks.append(Para(self.t("context_none_in_period"), "small"))
        wjp = context.rule_of_law(self.con, self.prov, p.start, p.end, self.vintage)
        if not wjp.available:
            self.blocks.append(Para(self.t("wjp_missing")))
            self.warnings.append(self.t("wjp_missing"))
        else:
            self.blocks.append(Para(self.t("wjp_title")))
            rows = []
            for r in wjp.rows:
                score, rank_, countries = (r.values.get(k) for k in ("score", "rank", "countries"))
                rank_text = "—" if rank_ is None else f"{int(rank_)}" + (f"/{int(countries)}" if countries else "")
                marker = self.notes.add(self.t("fn_wjp", what="WJP Rule of Law Index", label=r.label,
                                               score="—" if score is None else tx.number(score, 4),
                                               rank="—" if rank_ is None else int(rank_),
                                               countries="—" if not countries else int(countries)),
                                        r.sources, kind="rule_of_law", value=rank_,
                                        facts={"label": r.label, "year": r.year, **r.values})
                rows.append([r.label + (f" ({self.t('baseline')})" if r.baseline else ""),
                             "—" if score is None else tx.number(score, 4), rank_text + marker])
                self.data["rule_of_law"].append({"label": r.label, "year": r.year, **r.values,
                                                 "baseline": r.baseline})
            if rows:
                self.blocks.append(Table([self.t("col_edition"), self.t("col_score"), self.t("col_wjp_rank")], rows,
                                         ["l", "r", "r"], widths=[3, 2, 2]))
            else:
                self.blocks.append(Para(self.t("context_none_in_period"), "small"))
        if (env.module_missing and env.via == "store") or (wjp.module_missing and wjp.via == "store"):
            self.blocks.append(Para(self.t("context_fallback"), "small"))
            self.warnings.append(self.t("context_fallback"))

    def events(self) -> list[tuple[str, pd.Timestamp]]:
        p = self.p
        last_day = p.end + pd.offsets.MonthEnd(0)
        try:
            table = events_between(p.start, last_day, geo=None if self.geo == NATIONAL else self.geo)
        except VigiaError as exc:  # a broken events file must not stop a brief; say so instead
            self.events_block = [Heading(2, self.t("h_events"), "events"), Para(str(exc))]
            return []
        scope = "" if self.geo == NATIONAL else self.t("events_scope_state", geo=self.geo_name)
        blocks: list = [Heading(2, self.t("h_events"), "events")]
        markers = []
        if table.empty:
            blocks.append(Para(self.t("events_none")))
        else:
            blocks.append(Para(self.t("events_intro", scope=scope), "small"))
            rows = []
            for i, ev in enumerate(table.itertuples(), start=1):
                key = f"E{i}"
                when = pd.Timestamp(ev.date)
                kind = KINDS_EN.get(ev.kind, ev.kind) if self.lang == "en" else KINDS.get(ev.kind, ev.kind)
                title = ev.title_en if self.lang == "en" else ev.title_es
                srcs = ", ".join(link(s["url"], s.get("publisher") or s["url"]) for s in ev.sources)
                rows.append([key, when.strftime("%Y-%m-%d"), title, kind, srcs])
                markers.append((key, when))
                self.data["events"].append({"key": key, "id": ev.id, "date": when.strftime("%Y-%m-%d"),
                                            "title": title, "kind": ev.kind})
            blocks.append(Table(["#", self.t("col_date"), self.t("col_event"), self.t("col_kind"),
                                 self.t("col_source")], rows, ["l", "l", "l", "l", "l"],
                                widths=[0.5, 1.1, 3.6, 1.4, 2.4]))
        self.events_block = blocks
        return markers

    def quality_section(self) -> None:
        p = self.p
        items = [self.t("q_vintage"), self.t("q_carpetas_victims"), self.t("q_feminicide")]
        if p.clipped:
            items.append(self.t("q_clipped", last=tx.month_label(p.latest, self.lang)))
        v_ref, c_ref = (self.prov.covering(ds, {p.end.year}) for ds in ("victims", "incidence"))
        if v_ref and c_ref and v_ref.vintage != c_ref.vintage:
            items.append(self.t("q_vintages_differ", victims=v_ref.vintage, carpetas=c_ref.vintage))
        if self.no_population:
            items.append(self.t("q_no_population"))
        items += self.warnings
        instruments: dict[str, set[str]] = {}
        for ind_id, frame in self.monthly.items():
            for ds in get(ind_id).datasets:
                instruments.setdefault(ds, set()).update(frame["methodology"].unique() if len(frame) else ())
        q = context.quality(self.con, self.geo, p.start, p.end, self.vintage,
                            {ds: sorted(v) for ds, v in instruments.items() if v}, run_service=self.run_quality)
        if q.service == "ok":
            flags = q.flags
            if flags is None or flags.empty:
                items.append(self.t("q_no_flags", geo=self.geo_name))
            else:
                rules = flags["rule"].value_counts().sort_index() if "rule" in flags else pd.Series(dtype=int)
                labels = tx.RULES_EN if self.lang == "en" else RULES
                summary = ", ".join(f"{labels.get(r, r)}: {c}" for r, c in rules.items())
                items.append(self.t("q_service_flags", n=len(flags), rules=summary))
                for f in flags.head(MAX_FLAGS).to_dict(orient="records"):
                    ds = f.get("dataset")
                    tag = f"[{self.t('dataset_' + ds)}] " if ds in ("victims", "incidence") else ""
                    items.append(f"— {tag}{f.get('evidence', '')}")
        else:
            items.append({"missing": self.t("q_service_missing"), "skipped": self.t("q_service_skipped")}.get(
                q.service) or self.t("q_service_failed", error=q.error))
            if q.ingest:
                examples = ", ".join(f"{'Nacional' if g == NATIONAL else state_name(g)} {month} {sub} ({v:g})"
                                     for g, sub, _mod, month, v in q.ingest[:3])
                items.append(self.t("q_ingest_flags", n=len(q.ingest), geo=self.geo_name, examples=examples))
            else:
                items.append(self.t("q_no_flags", geo=self.geo_name))
        seen, unique = set(), []
        for item in items:  # one warning per fact, in order of first mention
            if item not in seen:
                seen.add(item)
                unique.append(item)
        self.quality_items = unique
        self.blocks += [Heading(2, self.t("h_quality"), "quality"), Bullets(unique)]

    def summary(self) -> list:
        out = []
        head = self.data["headline"].get(HEADLINE[0], {}).get("period")
        if head:
            marker = self._marker_for(head)
            values = dict(start=tx.month_label(pd.Timestamp(head["start"]), self.lang),
                          end=tx.month_label(pd.Timestamp(head["end"]), self.lang), count=tx.count(head["count"]),
                          what=self.t("sum_what"), ref=marker,
                          geo=self.t("national_phrase") if self.geo == NATIONAL else self.geo_name)
            out.append(self.t("sum_total", rate=tx.rate(head["rate"]), **values) if head.get("rate") is not None
                       else self.t("sum_total_norate", **values))
        prev_adm = getattr(self, "compare_admins", None)
        if prev_adm:
            prev, adm, n = prev_adm
            done = False
            for ind_id in HEADLINE:
                c = self.data["compare"].get(ind_id) or {}
                if c.get("comparable") and c.get("previous") and c.get("current"):
                    change = c["change_pct"]
                    what = self.label(ind_id)
                    count = f"{tx.count(c['current']['count'])} ({what[:1].lower() + what[1:]})"
                    phrase = self.t("more" if change > 0 else "less", pct=f"{abs(change):.1f}%")
                    out.append(self.t("sum_compare", months=n, name=adm.name, count=count, change=phrase,
                                      prev=prev.name, prev_count=tx.count(c["previous"]["count"]),
                                      ref=self._marker_for(c["current"])))
                    done = True
                    break
            if not done:
                out.append(self.t("sum_compare_na", prev=prev.name, what=", ".join(self.label(i) for i in HEADLINE[:2])
                                  .lower()))
        states = self.data["states"]
        if states and states[0]["rate"] is not None:
            top = states[0]
            out.append(self.t("sum_top", state=top["name"], rate=tx.rate(top["rate"]), ref=self._marker_for(
                top["facts"])))
            own = next((s for s in states if s["geo"] == self.geo), None)
            if own:
                out.append(self.t("sum_state_rank", state=own["name"], rank=own["rank"], n=len(states),
                                  ref=self._marker_for(own["facts"])))
        return [Heading(2, self.t("h_summary"), "summary"), Para(" ".join(out), "lead")] if out else []

    def _marker_for(self, facts: dict) -> str:
        for note in self.notes.items:
            if note.facts is facts:
                return f"[^{note.number}]"
        return ""

    def sources_section(self) -> list:
        items = []
        for ref in sorted(self.notes.cited.values(), key=lambda r: (r.source, r.dataset, r.vintage, r.file_name)):
            text = f"{ref.producer} — {ref.file_name} — " + (f"corte {ref.vintage}" if self.lang == "es"
                                                              else f"release {ref.vintage}") + f" — sha256 {ref.sha256}"
            if ref.citation:
                text += f" — {ref.citation}"
            if ref.url:
                text += " — " + link(ref.url, ref.url)
            items.append(text)
        return [Heading(2, self.t("h_sources"), "sources"), Para(self.t("sources_intro"), "small"), Bullets(items)]

    # --- whole ------------------------------------------------------------------------------------------

    def build(self) -> Brief:
        self.headline()
        self.comparison()
        self.states()
        markers = self.events()
        self.monthly_chart(markers)
        self.context_section()
        body = self.blocks
        self.blocks = []
        self.quality_section()
        quality = self.blocks
        self.blocks = body + self.events_block + quality
        self.blocks = self.summary() + self.blocks
        self.blocks += [Heading(2, self.t("h_method"), "method"), Para(self.t("method"), "small")]
        self.blocks += self.sources_section()
        p = self.p
        adm = p.administration
        if p.asked_administration and adm is not None:
            sub = self.t("subtitle_admin", months=p.months, name=adm.name) if p.asked_months else \
                self.t("subtitle_admin_full", name=adm.name)
            subtitle = f"{self.span(p.start, p.end)} · {sub}"
        else:
            subtitle = self.span(p.start, p.end)
        vintages = []
        for ds in ("victims", "incidence"):
            refs = [r for r in self.notes.cited.values() if r.dataset == ds]
            if refs:
                latest = max(refs, key=lambda r: r.vintage)
                vintages.append(self.t("vintage_item", dataset=self.t("dataset_" + ds), vintage=latest.vintage))
        footnotes = _renumber(self.blocks, self.notes.items)
        generated_line = self.t("generated", date=self.generated, version=vigia.__version__,
                                vintages="; ".join(vintages) or "—")
        return Brief(lang=self.lang, title=self.t("title", geo=self.geo_name), subtitle=subtitle,
                     generated_line=generated_line, generated=self.generated, geo=self.geo, geo_name=self.geo_name,
                     start=_ym(p.start), end=_ym(p.end), administration=adm.id if adm else None, blocks=self.blocks,
                     footnotes=footnotes, sources=sorted({r.release_id: r for n in footnotes for r in n.sources}
                                                         .values(), key=lambda r: (r.source, r.dataset, r.vintage)),
                     warnings=self.quality_items, data=self.data)


def _block_texts(block) -> list[str]:
    if isinstance(block, Para):
        return [block.text]
    if isinstance(block, Bullets):
        return list(block.items)
    if isinstance(block, Table):
        return list(block.header) + [c for row in block.rows for c in row]
    if isinstance(block, Figure):
        return [block.caption]
    return []


def _renumber(blocks: list, notes: list[Footnote]) -> list[Footnote]:
    """Number footnotes in reading order and drop those no text refers to (e.g. states not shown)."""
    order: dict[int, int] = {}
    for block in blocks:
        for text in _block_texts(block):
            for m in FOOTNOTE_RE.finditer(text):
                order.setdefault(int(m.group(1)), len(order) + 1)

    def sub(text: str) -> str:
        return FOOTNOTE_RE.sub(lambda m: f"[^{order[int(m.group(1))]}]", text)

    for block in blocks:
        if isinstance(block, Para):
            block.text = sub(block.text)
        elif isinstance(block, Bullets):
            block.items = [sub(i) for i in block.items]
        elif isinstance(block, Table):
            block.header = [sub(h) for h in block.header]
            block.rows = [[sub(c) for c in row] for row in block.rows]
        elif isinstance(block, Figure):
            block.caption = sub(block.caption)
    kept = sorted((n for n in notes if n.number in order), key=lambda n: order[n.number])
    for n in kept:
        n.number = order[n.number]
    return kept


def _terms_between(a: pd.Timestamp, b: pd.Timestamp):
    from vigia.analysis.administrations import administrations

    return [adm for adm in administrations() if adm.month(1) <= b and adm.month(adm.length_months) >= a]


def brief(con: duckdb.DuckDBPyConnection, geo: str = NATIONAL, administration: str | None = None,
          months: int | None = None, start: str | None = None, end: str | None = None, lang: str = "es",
          generated: str | dt.date | None = None, vintage: str | None = None, geometry=None,
          quality: bool = True) -> Brief:
    """A brief for `geo` (national '00' or a state, by code or name) over a period.

    The period is `start`/`end` (YYYY or YYYY-MM), or the first `months` months of `administration`
    (its whole term without `months`); by default the current term up to the last published month.
    `generated` (a date, default today) is the only input that is not data: fix it for reproducible output.
    `vintage` makes the brief as published at that cut-off; `geometry` is a state GeoJSON for the map;
    `quality=False` skips the data-quality service (slow on stores holding many releases).
    """
    if lang not in tx.LANGS:
        from vigia.errors import QueryError

        raise QueryError("lang", f"'{lang}' is not a language of the briefs.", list(tx.LANGS))
    geo = resolve_geo(geo, allow_municipal=False)
    if generated is None:
        generated = dt.date.today()
    generated = generated.isoformat() if isinstance(generated, dt.date) else str(generated)
    try:
        dt.date.fromisoformat(generated)
    except ValueError:
        from vigia.errors import QueryError

        raise QueryError("generated", f"'{generated}' is not a date.", ["YYYY-MM-DD"]) from None
    period = resolve_period(con, administration=administration, months=months, start=start, end=end, vintage=vintage)
    return Assembler(con, geo=geo, period=period, lang=lang, vintage=vintage, generated=generated,
                     geometry=geometry, run_quality=quality).build()
