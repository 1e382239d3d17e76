"""Presidential administrations (sexenios) and comparisons at the same month of term.

Terms run 1 December to 30 November, except López Obrador's, which ended 30 September 2024 (the
2019 reform moved the change of government to 1 October). Month 1 of a term is the calendar month in
which it starts (December 2018 for López Obrador, October 2024 for Sheinbaum).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import duckdb
import pandas as pd

from vigia.errors import QueryError
from vigia.geo.catalog import NATIONAL, resolve_geo
from vigia.indicators.catalog import get
from vigia.indicators.compute import IndicatorQuery, indicator_series, release_sources
from vigia.indicators.population import population_for


@dataclass(frozen=True)
class Administration:
    id: str
    name: str
    party: str
    start: dt.date
    end: dt.date
    aliases: tuple[str, ...]
    mentions: tuple[str, ...] = ()  # how the press names the president: "López Obrador", "AMLO", "Peña Nieto"

    def month(self, k: int) -> pd.Timestamp:
        """The calendar month of month k (1-based) of the term."""
        return pd.Timestamp(self.start.year, self.start.month, 1) + pd.DateOffset(months=k - 1)

    @property
    def length_months(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1


@lru_cache(maxsize=1)
def administrations() -> tuple[Administration, ...]:
    text = resources.files("vigia.analysis").joinpath("administrations.csv").read_text(encoding="utf-8")
    return tuple(
        Administration(r["id"], r["name"], r["party"], dt.date.fromisoformat(r["start"]),
                       dt.date.fromisoformat(r["end"]), tuple(a for a in r["aliases"].split("|") if a),
                       tuple(m for m in (r.get("mentions") or "").split("|") if m))
        for r in csv.DictReader(io.StringIO(text))
    )


def get_administration(key: str) -> Administration:
    k = str(key).strip().lower().replace(" ", "_").replace("-", "_")
    for adm in administrations():
        if k == adm.id or k in adm.aliases:
            return adm
    raise QueryError("administration", f"unknown administration '{key}'.",
                     [a.id for a in administrations()] + ["amlo"])


def administration_of(month: pd.Timestamp | dt.date) -> Administration | None:
    day = pd.Timestamp(month).date()
    for adm in administrations():
        if adm.start <= day <= adm.end:
            return adm
    return None


def _monthly(con: duckdb.DuckDBPyConnection, indicator: str, geo: str, vintage: str | None) -> pd.DataFrame:
    frame = indicator_series(con, IndicatorQuery(indicator=indicator, geo=geo, freq="month", unit="count",
                                                 vintage=vintage))
    frame = frame.copy()
    frame["month"] = pd.to_datetime(frame["period"])
    return frame


def aligned(con: duckdb.DuckDBPyConnection, indicator: str, *, geo: str = NATIONAL, months: int | None = None,
            vintage: str | None = None) -> pd.DataFrame:
    """One row per administration and month of term: administration, month_of_term, period, value, cumulative."""
    ind = get(indicator)
    if not ind.rateable:
        raise QueryError("indicator", f"'{ind.id}' is not a monthly count; administrations compare counts.",
                         ["homicidio_doloso_victimas", "homicidio_doloso", "feminicidio", "…"])
    geo = resolve_geo(geo)
    monthly = _monthly(con, indicator, geo, vintage)
    rows = []
    for adm in administrations():
        span = adm.length_months if months is None else min(months, adm.length_months)
        for k in range(1, span + 1):
            hit = monthly[monthly["month"] == adm.month(k)]
            if hit.empty:
                continue
            rows.append({"administration": adm.id, "name": adm.name, "month_of_term": k,
                         "period": adm.month(k).strftime("%Y-%m"), "value": float(hit["value"].iloc[0]),
                         "methodology": hit["methodology"].iloc[0]})
    out = pd.DataFrame(rows, columns=["administration", "name", "month_of_term", "period", "value", "methodology"])
    out["cumulative"] = out.groupby("administration")["value"].cumsum()
    out.attrs = monthly.attrs
    return out


def compare(con: duckdb.DuckDBPyConnection, indicator: str, *, align_months: int = 24, geo: str = NATIONAL,
            vintage: str | None = None, include_partial: bool = False) -> pd.DataFrame:
    """Totals, monthly means and rates over the first `align_months` months of each term the data covers.

    rate = total ÷ mean CONAPO mid-year population over those months × 100,000 × 12 ÷ months (an annual
    rate, comparable between windows of any length); change_pct is against the previous administration
    shown. A window that spans a methodology change, or differs in methodology from the previous one,
    is flagged `comparable = no`.
    """
    if align_months < 1:
        raise QueryError("align_months", "must be a positive number of months.", ["1", "12", "24", "…"])
    geo = resolve_geo(geo)
    table = aligned(con, indicator, geo=geo, months=align_months, vintage=vintage)
    rows = []
    for adm in administrations():
        part = table[table["administration"] == adm.id]
        window = min(align_months, adm.length_months)
        covered = len(part) == window
        if part.empty or (not covered and not include_partial):
            continue
        years = [adm.month(k).year for k in range(1, len(part) + 1)]
        rate = None
        try:
            pop = population_for(con, [geo], sorted(set(years)))
            by_year = dict(zip(pop["year"].astype(int), pop["population"]))
            mean_pop = sum(by_year[y] for y in years) / len(years)
            rate = float(part["value"].sum()) / mean_pop * 100_000 * 12 / len(part)
        except QueryError:
            rate = None  # no population stored: counts still compare; the rate stays empty
        methods = sorted(set(part["methodology"]))
        rows.append({
            "administration": adm.id, "name": adm.name, "months": len(part),
            "first_month": part["period"].iloc[0], "last_month": part["period"].iloc[-1],
            "total": float(part["value"].sum()), "monthly_mean": float(part["value"].mean()), "rate": rate,
            "methodology": "+".join(methods), "covered": covered,
        })
    out = pd.DataFrame(rows, columns=["administration", "name", "months", "first_month", "last_month", "total",
                                      "monthly_mean", "rate", "methodology", "covered"])
    prev_total = out["total"].shift(1)
    out["change_pct"] = (out["total"] - prev_total) / prev_total * 100
    prev_method = out["methodology"].shift(1)
    out["comparable"] = [
        "no" if ("+" in m or (isinstance(p, str) and p != m)) else ("yes" if isinstance(p, str) else "")
        for m, p in zip(out["methodology"], prev_method)
    ]
    out.insert(0, "indicator", indicator)
    out["geo"] = geo
    out.attrs["sources"] = table.attrs.get("sources", [])
    return out


def rank(con: duckdb.DuckDBPyConnection, indicator: str, *, period: str, unit: str = "rate",
         vintage: str | None = None, compare_to: str | None = None) -> pd.DataFrame:
    """States ranked (1 = highest) by count or rate over a period ('2024', '2024-03' or '2023-01:2024-06').

    With `compare_to` (a period of the same shape), the change against it is given and ranked too.
    """
    current = _state_totals(con, indicator, period, unit, vintage)
    if compare_to:
        before = _state_totals(con, indicator, compare_to, unit, vintage)[["geo", "value"]].rename(
            columns={"value": "value_before"})
        current = current.merge(before, on="geo", how="left")
        current["change_pct"] = (current["value"] - current["value_before"]) / current["value_before"] * 100
        current["rank_change"] = current["change_pct"].rank(ascending=False, method="min").astype("Int64")
    current = current.sort_values("value", ascending=False).reset_index(drop=True)
    current.insert(0, "rank", current["value"].rank(ascending=False, method="min").astype(int))
    current.attrs = current.attrs or {}
    return current


def parse_period(period: str) -> tuple[str, str]:
    text = str(period).strip()
    if ":" in text:
        a, b = text.split(":", 1)
        return a.strip(), b.strip()
    return text, text


def _state_totals(con: duckdb.DuckDBPyConnection, indicator: str, period: str, unit: str,
                  vintage: str | None) -> pd.DataFrame:
    ind = get(indicator)
    if unit not in ("count", "rate", "rate_annualized"):
        raise QueryError("unit", f"'{unit}' cannot rank states.", ["count", "rate", "rate_annualized"])
    if unit != "count" and not ind.rateable:
        raise QueryError("unit", f"'{ind.id}' is not a count; rank it by --unit count.", ["count"])
    start, end = parse_period(period)
    monthly = indicator_series(con, IndicatorQuery(indicator=indicator, geo="*", freq="month", unit="count",
                                                   start=start, end=end, vintage=vintage))
    if monthly.empty:
        raise QueryError("period", f"no data for '{period}'.", ["YYYY", "YYYY-MM", "YYYY-MM:YYYY-MM"])
    monthly["year"] = pd.to_datetime(monthly["period"]).dt.year
    totals = monthly.groupby(["geo", "geo_name"], as_index=False).agg(count=("value", "sum"),
                                                                      months=("period", "nunique"))
    totals["period"] = period
    totals["unit"] = unit
    if unit == "count":
        totals["value"] = totals["count"].astype(float)
    else:
        years = monthly.groupby("year")["period"].nunique()
        pop = population_for(con, sorted(totals["geo"]), sorted(years.index))
        weights = years / years.sum()
        pop["w"] = pop["year"].map(weights)
        mean_pop = (pop["population"] * pop["w"]).groupby(pop["geo"]).sum()
        totals["population"] = totals["geo"].map(mean_pop)
        totals["value"] = totals["count"] / totals["population"] * 100_000
        if unit == "rate_annualized":
            totals["value"] = totals["value"] * 12 / totals["months"]
    totals["indicator"] = indicator
    totals["vintage"] = monthly["vintage"].iloc[0]
    totals.attrs["sources"] = monthly.attrs.get("sources", [])
    return totals


__all__ = ["Administration", "administrations", "administration_of", "aligned", "compare", "get_administration",
           "rank", "release_sources"]
