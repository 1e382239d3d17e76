"""Compute a catalogue indicator: counts, rates per 100,000, annualised rates, shares; across instruments.

One function answers the CLI (`vigia series --indicator`), the web API and the Python API. Every frame
carries the methodology of each period and whether it is comparable with CNSP/38/15, marks the first
period after a methodology break, and lists in `frame.attrs["sources"]` the releases its numbers
come from (file, vintage, sha256) so that briefs can footnote them.
"""

from __future__ import annotations

import calendar
import fnmatch
from dataclasses import dataclass

import duckdb
import pandas as pd

from vigia.errors import QueryError
from vigia.geo.catalog import NATIONAL, normalize_name, resolve_geo
from vigia.indicators.catalog import Indicator, comparability, get
from vigia.indicators.population import population_for
from vigia.store import queries

UNITS = ("count", "rate", "rate_annualized", "share")
UNIT_LABELS = {
    "count": ("conteo", "count"),
    "rate": ("tasa por 100 mil habitantes", "rate per 100,000 inhabitants"),
    "rate_annualized": ("tasa anualizada por 100 mil habitantes", "annualised rate per 100,000 inhabitants"),
    "share": ("% del total nacional", "% of national total"),
}
METHODOLOGY_LABELS = {
    "cieisp": "CIEISP (1997–2014)",
    "cnsp": "CNSP/38/15 (2015–2025)",
    "rnid": "RNID (2026–)",
}


@dataclass(frozen=True)
class IndicatorQuery:
    indicator: str
    geo: str = NATIONAL
    freq: str = "year"
    unit: str = "count"
    start: str | None = None
    end: str | None = None
    vintage: str | None = None


def _norm(text: str) -> str:
    return normalize_name(text)


def _pattern(text: str) -> str:
    """A crosswalk pattern, normalised like the labels it matches ('*' stays a wildcard)."""
    return "*".join(_norm(part) for part in text.split("*"))


def _matches(patterns: tuple[str, ...], value: str) -> bool:
    if not patterns:
        return True
    v = _norm(value)
    return any(fnmatch.fnmatchcase(v, _pattern(p)) for p in patterns)


def category_keys(con: duckdb.DuckDBPyConnection, ind: Indicator, dataset: str) -> list[str]:
    """instrument␟tipo␟subtipo␟modalidad of every stored category the indicator sums in `dataset`."""
    rows = con.execute(
        "SELECT DISTINCT instrument, tipo, subtipo, modalidad FROM series WHERE dataset = ?", [dataset]
    ).fetchall()
    keys = []
    for inst, tipo, subtipo, modalidad in rows:
        for cw in ind.crosswalk:
            if cw.dataset == dataset and cw.instrument == inst and _matches(cw.tipo, tipo) \
                    and _matches(cw.subtipo, subtipo) and _matches(cw.modalidad, modalidad):
                keys.append("\x1f".join((inst, tipo, subtipo, modalidad)))
                break
    return keys


def _monthly_counts(con, ind: Indicator, geo: str, start, end, vintage) -> tuple[pd.DataFrame, list[int]]:
    frames, releases = [], set()
    for dataset in ind.datasets:
        keys = category_keys(con, ind, dataset)
        if not keys:
            continue
        v = queries.resolve_vintage(con, dataset, vintage)
        cells = queries.cells(con, dataset=dataset, geo=geo, start=start, end=end, vintage=v, filters={}, by=(),
                              category_keys=keys)
        for rel in cells.get("releases", []):
            releases.update(int(r) for r in rel)
        frames.append(cells.drop(columns=["releases"], errors="ignore"))
    if not frames:
        stored = [r[0] for r in con.execute("SELECT DISTINCT dataset FROM series ORDER BY 1").fetchall()]
        raise QueryError("indicator", f"'{ind.id}' needs the {', '.join(ind.datasets)} data, which this store "
                         "does not hold. Ingest the SESNSP files first.", stored)
    out = pd.concat(frames, ignore_index=True)
    if out.empty:
        return out, sorted(releases)
    out["period"] = pd.to_datetime(out["period"])
    out = out.groupby(["geo", "instrument", "period"], as_index=False).agg(value=("value", "sum"),
                                                                            published=("published", "max"))
    return out, sorted(releases)


def _to_freq(monthly: pd.DataFrame, freq: str) -> pd.DataFrame:
    df = monthly.copy()
    if freq == "year":
        df["year"] = df["period"].dt.year
        df = df.groupby(["geo", "instrument", "year"], as_index=False).agg(
            value=("value", "sum"), months=("period", "nunique"), published=("published", "max"),
            first=("period", "min"), last=("period", "max"))
        df["days"] = [sum(calendar.monthrange(y, m)[1] for m in range(f.month, last.month + 1))
                      if months == last.month - f.month + 1 else months * 30.4375
                      for y, f, last, months in zip(df["year"], df["first"], df["last"], df["months"])]
        df["period"] = df["year"].astype(str)
        df["year_num"] = df["year"]
        return df.drop(columns=["first", "last", "year"])
    df["year_num"] = df["period"].dt.year
    df["days"] = [calendar.monthrange(p.year, p.month)[1] for p in df["period"]]
    df["months"] = 1
    df["period"] = df["period"].dt.strftime("%Y-%m")
    return df


def indicator_series(con: duckdb.DuckDBPyConnection, q: IndicatorQuery) -> pd.DataFrame:
    """The indicator for one geography: geo, geo_name, period, value, unit, methodology, comparable…"""
    ind = get(q.indicator)
    if q.unit not in UNITS:
        raise QueryError("unit", f"'{q.unit}' is not a unit.", list(UNITS))
    if q.freq not in queries.FREQS:
        raise QueryError("freq", f"'{q.freq}' is not a frequency.", list(queries.FREQS))
    if ind.kind != "sesnsp":
        from vigia.indicators.context import context_series  # other sources: their own shapes

        return context_series(con, ind, q)
    if q.unit != "count" and not ind.rateable:
        raise QueryError("unit", f"'{ind.id}' is not a count; rates and shares do not apply.", ["count"])
    geo = resolve_geo(q.geo) if q.geo not in (None, "*") else (NATIONAL if q.geo is None else "*")
    start = queries.month_bound(q.start, end=False, parameter="from")
    end = queries.month_bound(q.end, end=True, parameter="to")
    monthly, releases = _monthly_counts(con, ind, geo, start, end, q.vintage)
    df = _to_freq(monthly, q.freq) if len(monthly) else monthly.assign(months=[], days=[], year_num=[])
    if q.unit in ("rate", "rate_annualized") and len(df):
        pop = population_for(con, sorted(set(df["geo"])), sorted(set(df["year_num"])))
        df = df.merge(pop, left_on=["geo", "year_num"], right_on=["geo", "year"], how="left")
        df["count"] = df["value"]
        df["value"] = df["count"] / df["population"] * 100_000
        if q.unit == "rate_annualized":
            df["value"] = df["value"] * 365.0 / df["days"]
    elif q.unit == "share" and len(df):
        national, _ = _monthly_counts(con, ind, NATIONAL, start, end, q.vintage)
        nat = _to_freq(national, q.freq)[["period", "value"]].rename(columns={"value": "national"})
        df = df.merge(nat, on="period", how="left")
        df["count"] = df["value"]
        df["value"] = df["count"] / df["national"] * 100.0
    return _finish(con, df, ind, q, releases)


def _finish(con, df: pd.DataFrame, ind: Indicator, q: IndicatorQuery, releases: list[int]) -> pd.DataFrame:
    flags = comparability(ind)
    df = df.sort_values(["geo", "period"]).reset_index(drop=True)
    df["indicator"] = ind.id
    df["measure"] = ind.measure
    df["geo_name"] = [queries._geo_name(g) for g in df["geo"]]
    df["unit"] = UNIT_LABELS[q.unit][0] if q.unit != "count" else ind.unit
    df["methodology"] = df["instrument"]
    df["comparable"] = [flags.get(i, "no") for i in df["instrument"]]
    prev = df.groupby("geo")["instrument"].shift(1)
    df["break"] = prev.notna() & (prev != df["instrument"])
    # The vintage a reader should cite: the newest release behind these numbers (not the dataset's newest, which
    # for incidence may be an RNID file that contributes nothing to a 2015–2024 series).
    sources = release_sources(con, releases)
    if sources:
        df["vintage"] = max(s["vintage"] for s in sources)
    else:
        vint = {ds: queries._effective_vintage(con, ds, queries.resolve_vintage(con, ds, q.vintage))
                for ds in ind.datasets if _has_dataset(con, ds)}
        df["vintage"] = max(v for v in vint.values() if v) if any(vint.values()) else None
    df["published"] = pd.to_datetime(df["published"]).dt.strftime("%Y-%m")
    cols = ["indicator", "geo", "geo_name", "period", "value", "unit", "months", "methodology", "comparable", "break",
            "measure", "vintage", "published"]
    for extra in ("count", "population", "national"):
        if extra in df.columns:
            cols.insert(cols.index("unit"), extra)
    if q.freq == "month":
        cols.remove("months")
    out = df[cols].copy()
    if q.unit == "count":
        out["value"] = out["value"].round().astype("int64") if len(out) else out["value"]
    out.attrs["sources"] = sources
    out.attrs["indicator"] = ind
    out.attrs["unit"] = q.unit
    out.attrs["breaks"] = [
        {"geo": r.geo, "period": r.period, "methodology": r.methodology} for r in out[out["break"]].itertuples()
    ]
    return out


def _has_dataset(con, dataset: str) -> bool:
    return con.execute("SELECT count(*) FROM releases WHERE dataset = ?", [dataset]).fetchone()[0] > 0


def release_sources(con: duckdb.DuckDBPyConnection, release_ids: list[int]) -> list[dict]:
    if not release_ids:
        return []
    rows = con.execute(
        """
        SELECT release_id, source, dataset, strftime(vintage, '%Y-%m') AS vintage, file_name, sha256, citation,
               origin_url
        FROM releases WHERE release_id IN (SELECT unnest(?)) ORDER BY dataset, vintage
        """,
        [list(release_ids)],
    ).fetchall()
    keys = ("release_id", "source", "dataset", "vintage", "file_name", "sha256", "citation", "url")
    return [dict(zip(keys, r)) for r in rows]


def add_changes(frame: pd.DataFrame, freq: str) -> pd.DataFrame:
    """Period-over-period and year-over-year change (%), per geography, never across a methodology break."""
    out = frame.copy()
    lag = 12 if freq == "month" and out["period"].astype(str).str.len().eq(7).all() else 1
    keys = [k for k in ("geo", "stage", "detail") if k in out.columns]  # never compare approved with exercised
    g = out.groupby(keys)["value"]
    out["change_prev_pct"] = (out["value"] / g.shift(1) - 1) * 100
    out["change_yoy_pct"] = (out["value"] / g.shift(lag) - 1) * 100 if lag == 12 else out["change_prev_pct"]
    same = out.groupby(keys)["methodology"].shift(lag).eq(out["methodology"])
    out.loc[out["break"], "change_prev_pct"] = float("nan")
    out.loc[~same, "change_yoy_pct"] = float("nan")
    return out
