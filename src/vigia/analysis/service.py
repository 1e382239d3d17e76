"""Store-facing analysis: build from the store the series and frames the pure methods need.

One function per question, shared by the CLI (`vigia trend|changepoints|its|quality|events`) and,
later, the web API and the briefs. The methods themselves live in trend/breaks/interrupted/quality
and never read the store; this module does the reading, the checks a user needs (one methodology
per series, no silent months hidden in a sum) and the formatting of results (periods as 'YYYY-MM').
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from vigia.analysis._series import AnalysisError
from vigia.analysis.breaks import changepoints
from vigia.analysis.interrupted import MIN_POST, MIN_PRE, its
from vigia.analysis.quality import RULES, quality_flags
from vigia.analysis.trend import stl_decompose
from vigia.errors import QueryError
from vigia.geo.catalog import NATIONAL, resolve_geo, state_name
from vigia.indicators.catalog import Indicator, get, indicators
from vigia.indicators.compute import METHODOLOGY_LABELS, IndicatorQuery, indicator_series, release_sources
from vigia.indicators.population import population_for
from vigia.store import queries

# The CNSP/38/15 years with complete data in the shared releases; other instruments are not comparable.
DEFAULT_START, DEFAULT_END = "2015-01", "2024-12"
UNITS = ("count", "rate")
QUALITY_DATASETS = ("incidence", "victims", "municipal_incidence")
INEGI_DATASET = "inegi_homicides"
# SESNSP side of the SESNSP/INEGI ratio, first match per instrument: INEGI counts every homicide death,
# so homicidio doloso + feminicidio where the catalogue has both (CIEISP only has homicidio doloso).
RATIO_INDICATORS = {
    "incidence": ("violencia_letal", "homicidio_doloso"),
    "victims": ("violencia_letal_victimas", "homicidio_doloso_victimas"),
}
QUALITY_COLUMNS = ["geo", "geo_name", "period", "period_end", "rule", "rule_es", "severity", "dataset",
                   "instrument", "subtipo", "evidence", "vintage"]
EVENT_COLUMNS = ["id", "date", "end_date", "kind", "kind_es", "geo", "title_es", "title_en", "summary",
                 "source_url", "sources"]


# --- arguments ---------------------------------------------------------------------------------------

def analysable_indicator(indicator: str) -> Indicator:
    """A catalogue indicator the methods can run on (monthly SESNSP counts), or a QueryError."""
    ok = sorted(i.id for i in indicators() if i.kind == "sesnsp" and i.rateable)
    try:
        ind = get(indicator)
    except QueryError:
        near = difflib.get_close_matches(str(indicator).strip().lower(), ok, n=3, cutoff=0.5)
        hint = f" Did you mean: {', '.join(near)}?" if near else ""
        raise QueryError("indicator", f"unknown indicator '{indicator}'.{hint}", ok) from None
    if ind.id not in ok:
        raise QueryError("indicator", f"'{ind.id}' is not a monthly SESNSP count; the analyses need one.", ok)
    return ind


def state_or_national(geo: str | int | None) -> str:
    """'00' or a state code; municipalities are refused (indicators are state-level)."""
    code = NATIONAL if geo is None or str(geo).strip() == "" else resolve_geo(geo, allow_municipal=False)
    if len(code) != 2:
        raise QueryError("geo", f"'{geo}' is not the nation or a state; analyses run on states.",
                         ["00"] + [f"{i:02d}" for i in range(1, 33)])
    return code


def parse_event_date(text: str | dt.date) -> pd.Timestamp:
    """'2024-09' (read as the 1st) or '2024-09-09'; anything else is a QueryError on 'date'."""
    raw = str(text).strip()
    if re.fullmatch(r"\d{4}-\d{1,2}", raw):
        raw += "-01"
    try:
        if not re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", raw):
            raise ValueError(raw)
        return pd.Timestamp(dt.date.fromisoformat("-".join(p.zfill(2) for p in raw.split("-"))))
    except ValueError:
        raise QueryError("date", f"'{text}' is not a date.", ["YYYY-MM", "YYYY-MM-DD"]) from None


def _window(start: str | None, end: str | None) -> tuple[str, str]:
    lo = queries.month_bound(start or DEFAULT_START, end=False, parameter="from")
    hi = queries.month_bound(end or DEFAULT_END, end=True, parameter="to")
    if hi < lo:
        raise QueryError("to", f"the period ends ({hi:%Y-%m}) before it starts ({lo:%Y-%m}).", ["YYYY-MM"])
    return f"{lo:%Y-%m}", f"{hi:%Y-%m}"


# --- series --------------------------------------------------------------------------------------------

def indicator_monthly(con: duckdb.DuckDBPyConnection, indicator: str, geo: str | None = NATIONAL, *,
                      start: str | None = None, end: str | None = None, vintage: str | None = None,
                      population: bool = False, exclude_geos: tuple[str, ...] = ()) -> pd.DataFrame:
    """Monthly counts of an indicator, indexed by month: columns count, [population], methodology.

    ``exclude_geos`` (national series only) sums the states without those, for the whole window.
    ``attrs``: indicator, geo, sources (releases behind the numbers), vintage (the latest of them).
    """
    ind = analysable_indicator(indicator)
    code = state_or_national(geo)
    exclude = tuple(g for g in exclude_geos if g != code)
    if exclude and code != NATIONAL:
        raise QueryError("geo", "states can only be left out of the national series.", ["00"])
    q = IndicatorQuery(indicator=ind.id, geo="*" if exclude else code, freq="month",
                       unit="rate" if population else "count", start=start, end=end, vintage=vintage)
    frame = indicator_series(con, q)
    sources = frame.attrs.get("sources", [])
    if population:
        frame = frame.drop(columns="value").rename(columns={"count": "value"})
    if exclude:
        frame = frame[~frame["geo"].isin(exclude)]
        agg = {"value": ("value", "sum"), "methodology": ("methodology", "first")}
        if population:
            agg["population"] = ("population", "sum")
        frame = frame.groupby("period", as_index=False).agg(**agg)
    if frame.empty:
        raise QueryError("geo", f"no {ind.id} data for {state_name(code)} between {start or 'the start'} and "
                         f"{end or 'the end'} in this store.", [])
    out = pd.DataFrame({"count": frame["value"].to_numpy(dtype=float),
                        "methodology": frame["methodology"].to_numpy()},
                       index=pd.DatetimeIndex(pd.to_datetime(frame["period"]), name="period"))
    if population:
        out["population"] = frame["population"].to_numpy(dtype=float)
    out.attrs.update({"indicator": ind, "geo": code, "excluded_geos": list(exclude), "sources": sources,
                      "vintage": max((s["vintage"] for s in sources), default=None)})
    return out


def _one_methodology(frame: pd.DataFrame) -> None:
    methods = list(dict.fromkeys(frame["methodology"]))
    if len(methods) > 1:
        first = {m: frame.index[frame["methodology"] == m][0].strftime("%Y-%m") for m in methods[1:]}
        where = ", ".join(f"{METHODOLOGY_LABELS.get(m, m)} from {p}" for m, p in first.items())
        raise QueryError("from", f"the period crosses a change of SESNSP methodology ({where}); counts under "
                         "different instruments are not comparable and would show artificial breaks. "
                         "Choose --from/--to within one instrument.",
                         ["CIEISP 1997-01..2014-12", "CNSP 2015-01..2025-12", "RNID 2026-01.."])


def _check_unit(unit: str) -> None:
    if unit not in UNITS:
        raise QueryError("unit", f"'{unit}' is not a unit for this analysis.", list(UNITS))


def _values(frame: pd.DataFrame, unit: str) -> pd.Series:
    if unit == "rate":
        return frame["count"] / frame["population"] * 100_000
    return frame["count"]


# --- trend ---------------------------------------------------------------------------------------------

def trend_for(con: duckdb.DuckDBPyConnection, indicator: str, geo: str | None = NATIONAL, *,
              start: str | None = None, end: str | None = None, vintage: str | None = None,
              unit: str = "count", log: bool = False, robust: bool = True) -> pd.DataFrame:
    """STL trend and seasonality of an indicator: one row per month (period 'YYYY-MM').

    Columns: indicator, geo, geo_name, period, observed, trend, seasonal, resid, adjusted (observed −
    seasonal), unit, vintage. ``attrs``: seasonal_strength, trend_strength, log, sources, vintage.
    """
    _check_unit(unit)
    lo, hi = _window(start, end)
    frame = indicator_monthly(con, indicator, geo, start=lo, end=hi, vintage=vintage, population=unit == "rate")
    _one_methodology(frame)
    fit = stl_decompose(_values(frame, unit), robust=robust, log=log)
    out = fit.reset_index()
    out.insert(0, "indicator", frame.attrs["indicator"].id)
    out.insert(1, "geo", frame.attrs["geo"])
    out.insert(2, "geo_name", state_name(frame.attrs["geo"]))
    out["period"] = out["period"].dt.strftime("%Y-%m")
    out["adjusted"] = out["observed"] - out["seasonal"]
    out["unit"] = "log " + unit if log else unit
    out["vintage"] = frame.attrs["vintage"]
    out.attrs = {**fit.attrs, "sources": frame.attrs["sources"], "vintage": frame.attrs["vintage"]}
    return out


# --- changepoints --------------------------------------------------------------------------------------

def changepoints_for(con: duckdb.DuckDBPyConnection, indicator: str, geo: str | None = NATIONAL,
                     start: str | None = None, end: str | None = None, vintage: str | None = None, *,
                     unit: str = "count", exclude_silent: bool = False, events: pd.DataFrame | None = None,
                     penalty: float | None = None, min_size: int = 6, n_boot: int = 200,
                     seed: int = 0) -> pd.DataFrame:
    """Breaks in the level of an indicator, each with its nearest event (default period 2015-01..2024-12).

    Silent months (state-months flagged by the quality rules: all categories 0, or blank while most
    states published) understate a national sum. They are always reported in ``attrs['silent']``;
    with ``exclude_silent`` the national series leaves those states out for the whole window (so
    it reads "national without Oaxaca", say), and a state with silent months is refused.
    Events: the packaged timeline by default (all of it for the nation; the state's and national
    ones for a state).
    """
    _check_unit(unit)
    lo, hi = _window(start, end)
    ind, code = analysable_indicator(indicator), state_or_national(geo)
    silent = silent_months(con, ind.datasets[0], vintage=vintage, start=lo, end=hi)
    if code != NATIONAL:
        silent = silent[silent["geo"] == code]
    exclude: tuple[str, ...] = ()
    if exclude_silent and len(silent):
        if code != NATIONAL:
            last = silent["period"].max()
            raise QueryError("from", f"{state_name(code)} has {len(silent)} month(s) flagged as silent in the "
                             f"period ({', '.join(silent['period'][:6])}…); start after {last} instead.",
                             [_next_month(last)])
        exclude = tuple(sorted(silent["geo"].unique()))
    frame = indicator_monthly(con, ind.id, code, start=lo, end=hi, vintage=vintage, population=unit == "rate",
                              exclude_geos=exclude)
    _one_methodology(frame)
    table = _events_for_geo(events, code)
    found = changepoints(_values(frame, unit), penalty=penalty, min_size=min_size, events=table,
                         n_boot=n_boot, seed=seed)
    out = found.copy()
    out["date"] = out["date"].dt.strftime("%Y-%m")
    out["nearest_event_date"] = out["nearest_event_date"].dt.strftime("%Y-%m-%d")
    out.insert(0, "indicator", ind.id)
    out.insert(1, "geo", code)
    out["unit"] = unit
    out["vintage"] = frame.attrs["vintage"]
    cols = ["indicator", "geo", "date", "before_mean", "after_mean", "change_pct", "confidence", "shift_z",
            "nearest_event", "nearest_event_date", "days_to_event", "nearest_event_id", "unit", "vintage"]
    out = out[cols]
    out.attrs = {**found.attrs, "sources": frame.attrs["sources"], "vintage": frame.attrs["vintage"],
                 "start": lo, "end": hi, "geo": code, "geo_name": state_name(code), "excluded_geos": list(exclude),
                 "silent": silent.to_dict(orient="records")}
    return out


def _next_month(period: str) -> str:
    return (pd.Period(period, "M") + 1).strftime("%Y-%m")


def _events_for_geo(events: pd.DataFrame | None, code: str) -> pd.DataFrame:
    from vigia.events import filter_geo, load_events

    table = load_events() if events is None else events
    # Any state's event can move the national sum; a state's series answers to its own and national ones.
    return table if code == NATIONAL or len(table) == 0 else filter_geo(table, code).reset_index(drop=True)


# --- interrupted time series ---------------------------------------------------------------------------

def its_for(con: duckdb.DuckDBPyConnection, indicator: str, geo: str | None, date: str | dt.date, *,
            pre_months: int = 48, post_months: int = 48, vintage: str | None = None, population: bool = True,
            family: str = "negbin", placebo: bool = True, events: pd.DataFrame | None = None,
            cov_type: str = "auto", alpha: float = 0.05) -> dict:
    """Interrupted time series of an indicator at ``date`` ('YYYY-MM' = the 1st, or 'YYYY-MM-DD').

    Uses the months of the event's methodology only (contiguous around the date) and, when CONAPO is
    in the store and ``population`` is on, the mid-year population as a log offset (effects on rates).
    Returns the dict of :func:`vigia.analysis.its` with dates as text, plus indicator, geo, geo_name,
    methodology, population_offset, silent (flagged months in the window), vintage and sources.
    """
    ind, code = analysable_indicator(indicator), state_or_national(geo)
    when = parse_event_date(date)
    if pre_months < MIN_PRE or post_months < MIN_POST:
        raise QueryError("pre/post", f"at least {MIN_PRE} months before and {MIN_POST} after are needed.", [])
    month = when.to_period("M")
    last = month + post_months - (1 if when.day == 1 else 0)  # the event month is a transition month otherwise
    lo, hi = (month - pre_months).strftime("%Y-%m"), last.strftime("%Y-%m")
    try:
        frame = indicator_monthly(con, ind.id, code, start=lo, end=hi, vintage=vintage)
    except QueryError as exc:
        if exc.parameter != "geo":
            raise
        raise QueryError("date", f"{when:%Y-%m}: no {ind.id} data for {state_name(code)} within {pre_months} "
                         f"months before or {post_months} after.", [_data_range(con, ind.id, code, vintage)]) from None
    frame, notes = _around(frame, when, ind, code)
    offset, pop_note = _population_offset(con, code, frame.index) if population else (None, None)
    if pop_note:
        notes.append(pop_note)
    silent = silent_months(con, ind.datasets[0], vintage=vintage, start=frame.index[0].strftime("%Y-%m"),
                           end=frame.index[-1].strftime("%Y-%m"))
    silent = silent if code == NATIONAL else silent[silent["geo"] == code]
    if len(silent):
        states = ", ".join(sorted({state_name(g) for g in silent["geo"]}))
        notes.append((f"Meses señalados como silencio en el reporte dentro de la ventana ({states}: "
                      f"{len(silent)} mes(es)); pueden sesgar el efecto.",
                      f"Months flagged as silent reporting inside the window ({states}: {len(silent)} "
                      "month(s)); they may bias the effect."))
    table = _events_for_geo(events, code) if events is not None else None
    result = its(frame["count"], when, population=offset, pre_months=pre_months, post_months=post_months,
                 family=family, placebo=placebo, events=table, geo=code, cov_type=cov_type, alpha=alpha)
    result["caveats"] = [*result["caveats"], *(es for es, _ in notes)]
    result["caveats_en"] = [*result["caveats_en"], *(en for _, en in notes)]
    head = {"indicator": ind.id, "geo": code, "geo_name": state_name(code), "date": when.strftime("%Y-%m-%d"),
            "methodology": frame["methodology"].iloc[0], "population_offset": offset is not None}
    result = {**head, **{k: _plain(v, month=k in _MONTH_KEYS) for k, v in result.items()}}
    result["silent"] = silent.to_dict(orient="records")
    result["vintage"] = frame.attrs["vintage"]
    result["sources"] = frame.attrs["sources"]
    return result


def _data_range(con, indicator: str, code: str, vintage: str | None) -> str:
    frame = indicator_series(con, IndicatorQuery(indicator=indicator, geo=code, freq="month", vintage=vintage))
    return f"{frame['period'].min()}..{frame['period'].max()}" if len(frame) else "no data"


def _around(frame: pd.DataFrame, when: pd.Timestamp, ind: Indicator,
            code: str) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """The contiguous months of the event month's methodology; refuse a date outside the data."""
    month = when.to_period("M").to_timestamp()
    first, last = frame.index[0], frame.index[-1]
    if month not in frame.index:
        raise QueryError("date", f"{when:%Y-%m} is outside the {ind.id} data for {state_name(code)} "
                         f"({first:%Y-%m}..{last:%Y-%m} in this window).", [f"{first:%Y-%m}..{last:%Y-%m}"])
    method = frame.at[month, "methodology"]
    ordinal = np.asarray(frame.index.year * 12 + frame.index.month)
    # A run of months starts at every change of methodology and after every gap (e.g. 2025 not stored).
    starts = (frame["methodology"] != frame["methodology"].shift()).to_numpy() | (np.diff(ordinal, prepend=0) != 1)
    run = pd.Series(starts.cumsum(), index=frame.index)
    kept = frame[run == run[month]]
    notes = []
    if len(kept) < len(frame):
        label = METHODOLOGY_LABELS.get(method, method)
        notes.append((f"Sólo se usaron los meses continuos de la metodología {label} ({kept.index[0]:%Y-%m} a "
                      f"{kept.index[-1]:%Y-%m}): otras metodologías no son comparables.",
                      f"Only the contiguous months under {label} were used ({kept.index[0]:%Y-%m} to "
                      f"{kept.index[-1]:%Y-%m}): other methodologies are not comparable."))
    kept.attrs = frame.attrs
    return kept, notes


def _population_offset(con, code: str, index: pd.DatetimeIndex) -> tuple[pd.Series | None, tuple | None]:
    years = sorted(set(index.year))
    try:
        pop = population_for(con, [code], years)
    except QueryError:
        return None, ("Sin población de CONAPO en el almacén: el efecto es sobre conteos, no sobre tasas.",
                      "No CONAPO population in the store: the effect is on counts, not rates.")
    return pd.Series(pop["population"].to_numpy(dtype=float), index=pop["year"].astype(int).to_numpy()), None


_MONTH_KEYS = frozenset({"first_post_month", "window_start", "window_end"})


def _plain(value, *, month: bool = False):
    """JSON-ready: Timestamps as text, numpy scalars as Python numbers, NaN as None."""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m" if month else "%Y-%m-%d")
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


# --- quality -------------------------------------------------------------------------------------------

def quality_for(con: duckdb.DuckDBPyConnection, vintage: str | None = None, dataset: str = "incidence",
                geo: str | None = None, *, instrument: str | None = None, start: str | None = None,
                end: str | None = None, revisions: bool = True, inegi: bool = True) -> pd.DataFrame:
    """Data-quality flags for every state of ``dataset`` as published at ``vintage`` (default latest).

    The rules run once per instrument (CIEISP, CNSP, RNID are different catalogues), over every
    category and modalidad, with: revisions between consecutive stored vintages up to ``vintage``
    (large_revision) and, when INEGI homicides are stored, the yearly SESNSP/INEGI homicide ratio
    (sesnsp_inegi_divergence). ``geo``, ``start`` and ``end`` only filter the flags shown; the rules
    always see every state, since "most states published this month" needs them all.
    Columns: see QUALITY_COLUMNS; periods are 'YYYY-MM'.
    """
    _quality_dataset(con, dataset)
    v = queries.resolve_vintage(con, dataset, vintage)
    code = None if geo is None else resolve_geo(geo)
    lo = queries.month_bound(start, end=False, parameter="from")
    hi = queries.month_bound(end, end=True, parameter="to")
    stored = [r[0] for r in con.execute("SELECT DISTINCT instrument FROM series WHERE dataset = ? ORDER BY 1",
                                        [dataset]).fetchall()]
    if instrument is not None and instrument not in stored:
        raise QueryError("instrument", f"no '{instrument}' data in '{dataset}'.", stored)
    cells = _cells(con, dataset, v, by=("subtipo", "modalidad"), instrument=instrument)
    instruments = sorted(cells["instrument"].unique())
    parts = []
    for inst in instruments:
        part = cells[cells["instrument"] == inst].assign(dataset=dataset)
        vintages = _vintages(con, dataset, inst, v)
        rev = _revisions(con, dataset, inst, vintages) if revisions else None
        ratios = _inegi_ratios(con, dataset, inst, v) if inegi else None
        flags = quality_flags(part, revisions=rev, inegi=ratios)
        # The cut-off that speaks for this instrument (a 2026 RNID release does not re-publish 2015–2024).
        parts.append(flags.assign(instrument=inst, dataset=dataset, vintage=f"{vintages[-1]:%Y-%m}"))
    if not parts:  # nothing published under that instrument by this vintage
        return pd.DataFrame(columns=QUALITY_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    if code is not None:
        out = out[(out["geo"] == code) | (out["geo"].str[:2] == code)] if code != NATIONAL else out
    if lo is not None:
        out = out[out["period_end"] >= pd.Timestamp(lo)]
    if hi is not None:
        out = out[out["period"] <= pd.Timestamp(hi)]
    out = out.assign(period=out["period"].dt.strftime("%Y-%m"), period_end=out["period_end"].dt.strftime("%Y-%m"),
                     geo_name=[_geo_name(g) for g in out["geo"]], rule_es=out["rule"].map(RULES))
    out = out.sort_values(["geo", "period", "rule"], kind="stable")[QUALITY_COLUMNS].reset_index(drop=True)
    out.attrs["sources"] = release_sources(con, _release_ids(cells))
    return out


def silent_months(con: duckdb.DuckDBPyConnection, dataset: str, *, vintage: str | None = None,
                  start: str | None = None, end: str | None = None) -> pd.DataFrame:
    """State-months flagged silent_reporting in [start, end]: geo, period ('YYYY-MM'), severity, evidence.

    Cheaper than :func:`quality_for`: subtipo totals of the window only, no revisions, no INEGI.
    """
    v = queries.resolve_vintage(con, dataset, vintage)
    lo = queries.month_bound(start, end=False, parameter="from")
    hi = queries.month_bound(end, end=True, parameter="to")
    cells = _cells(con, dataset, v, by=("subtipo",), start=lo, end=hi)
    parts = [quality_flags(part.assign(dataset=dataset), siblings=_NO_SIBLINGS)
             for _, part in cells.groupby("instrument")]
    flags = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["geo", "period", "rule"])
    flags = flags[flags["rule"] == "silent_reporting"]
    return pd.DataFrame({"geo": flags["geo"].astype(str).to_numpy(),
                         "period": pd.to_datetime(flags["period"]).dt.strftime("%Y-%m").to_numpy(),
                         "severity": flags["severity"].to_numpy(), "evidence": flags["evidence"].to_numpy()})


_NO_SIBLINGS = pd.DataFrame({"group": pd.Series(dtype=str), "subtipo": pd.Series(dtype=str)})


def _quality_dataset(con, dataset: str) -> None:
    stored = queries.datasets(con)
    if dataset not in QUALITY_DATASETS or dataset not in stored:
        raise QueryError("dataset", f"no SESNSP data for '{dataset}' in this store.",
                         [d for d in QUALITY_DATASETS if d in stored])


def _cells(con, dataset: str, vintage: dt.date | None, *, by: tuple[str, ...], start: dt.date | None = None,
           end: dt.date | None = None, instrument: str | None = None) -> pd.DataFrame:
    """Every state's (or municipality's) cells, one row per category and month, as published at ``vintage``."""
    filters = {"instrument": instrument} if instrument else {}
    frame = queries.cells(con, dataset=dataset, geo="*", start=start, end=end, vintage=vintage,
                          filters=filters, by=by)
    frame["period"] = pd.to_datetime(frame["period"])
    return frame


def _release_ids(cells: pd.DataFrame) -> list[int]:
    if "releases" not in cells or cells.empty:
        return []
    return sorted(int(r) for r in cells["releases"].explode().dropna().unique())


def _vintages(con, dataset: str, instrument: str, vintage: dt.date | None) -> list[dt.date]:
    rows = con.execute(
        """
        SELECT DISTINCT cv.valid_from FROM cell_versions cv JOIN series s ON s.series_id = cv.series_id
        WHERE s.dataset = ? AND s.instrument = ? AND (? IS NULL OR cv.valid_from <= ?) ORDER BY 1
        """, [dataset, instrument, vintage, vintage]).fetchall()
    return [r[0] for r in rows]


def _revisions(con, dataset: str, instrument: str, vintages: list[dt.date]) -> pd.DataFrame | None:
    """Per state, month and subtipo: values that changed from one stored vintage to the next."""
    if len(vintages) < 2:
        return None
    keys = ["geo", "subtipo", "period"]
    frames = {v: _cells(con, dataset, v, by=("subtipo",), instrument=instrument)[[*keys, "value"]]
              for v in vintages}
    parts = []
    for old, new in zip(vintages[:-1], vintages[1:]):
        both = frames[old].merge(frames[new], on=keys, suffixes=("_old", "_new"))
        both = both[both["value_old"] != both["value_new"]]
        parts.append(both.assign(old_vintage=f"{old:%Y-%m}", new_vintage=f"{new:%Y-%m}"))
    out = pd.concat(parts, ignore_index=True).rename(columns={"value_old": "old_value", "value_new": "new_value"})
    return out.assign(dataset=dataset)


def _inegi_ratios(con, dataset: str, instrument: str, vintage: dt.date | None) -> pd.DataFrame | None:
    """geo, year, ratio = SESNSP homicides ÷ INEGI homicide deaths, full years of this instrument only."""
    if dataset not in RATIO_INDICATORS or INEGI_DATASET not in queries.datasets(con):
        return None
    try:
        v = queries.resolve_vintage(con, INEGI_DATASET, f"{vintage:%Y-%m}" if vintage else None)
    except QueryError:
        return None  # INEGI had published nothing yet at that vintage
    deaths = _cells(con, INEGI_DATASET, v, by=())
    deaths = deaths.assign(year=deaths["period"].dt.year).groupby(["geo", "year"], as_index=False) \
        .agg(inegi=("value", "sum"), months=("period", "nunique"))
    deaths = deaths[deaths["months"] == 12]
    ind = next((get(i) for i in RATIO_INDICATORS[dataset]
                if any(r.instrument == instrument and r.dataset == dataset for r in get(i).crosswalk)), None)
    if ind is None or deaths.empty:
        return None
    sesnsp = indicator_series(con, IndicatorQuery(indicator=ind.id, geo="*", freq="year",
                                                  vintage=f"{vintage:%Y-%m}" if vintage else None))
    sesnsp = sesnsp[(sesnsp["methodology"] == instrument) & (sesnsp["months"] == 12)]
    sesnsp = sesnsp.assign(year=sesnsp["period"].astype(int))[["geo", "year", "value"]]
    both = sesnsp.merge(deaths, on=["geo", "year"])
    both = both[both["inegi"] > 0]
    if both.empty:
        return None
    both = both.assign(ratio=both["value"] / both["inegi"]).rename(columns={"value": "sesnsp"})
    return both[["geo", "year", "ratio", "sesnsp", "inegi"]]


def _geo_name(code: str) -> str:
    try:
        return state_name(code) if len(code) == 2 else code
    except QueryError:
        return code


# --- events --------------------------------------------------------------------------------------------

def events_for(path: str | Path | None = None, *, start: str | None = None, end: str | None = None,
               geo: str | None = None, kind: str | None = None, include_national: bool = True) -> pd.DataFrame:
    """The timeline (packaged, or the user's file at ``path``, validated the same way), flat for output.

    ``start``/``end`` accept YYYY, YYYY-MM or YYYY-MM-DD; ``geo`` a code or name (national events are
    kept unless ``include_national`` is off); ``kind`` one of vigia.events.KINDS. Columns: see
    EVENT_COLUMNS; geo joins several codes with ';', sources joins every source URL with ' '.
    """
    from vigia.events import KINDS, events_between, filter_geo, load_events

    table = load_events(path)
    if kind is not None:
        if kind not in KINDS:
            raise QueryError("kind", f"'{kind}' is not an event kind.", list(KINDS))
        table = table[table["kind"] == kind]
    if geo is not None:
        table = filter_geo(table, state_or_national(geo), include_national=include_national)
    lo, hi = _day_bound(start, end=False), _day_bound(end, end=True)
    if lo is not None or hi is not None:
        table = events_between(lo or pd.Timestamp("1900-01-01"), hi or pd.Timestamp("2100-12-31"), events=table)
    urls = table["sources"].map(lambda ss: [s["url"] for s in ss])
    out = pd.DataFrame({
        "id": table["id"].to_numpy(),
        "date": table["date"].dt.strftime("%Y-%m-%d").to_numpy(),
        "end_date": table["end_date"].dt.strftime("%Y-%m-%d").to_numpy(),
        "kind": table["kind"].to_numpy(),
        "kind_es": table["kind"].map(KINDS).to_numpy(),
        "geo": table["geo"].map(";".join).to_numpy(),
        "title_es": table["title_es"].to_numpy(),
        "title_en": table["title_en"].to_numpy(),
        "summary": table["summary"].to_numpy(),
        "source_url": urls.map(lambda u: u[0]).to_numpy(),
        "sources": urls.map(" ".join).to_numpy(),
    }, columns=EVENT_COLUMNS)
    out.attrs["source_file"] = table.attrs.get("source_file")
    return out


def _day_bound(text: str | None, *, end: bool) -> pd.Timestamp | None:
    if text is None or str(text).strip() == "":
        return None
    raw = str(text).strip()
    parameter = "to" if end else "from"
    try:
        if re.fullmatch(r"\d{4}", raw):
            return pd.Timestamp(f"{raw}-12-31" if end else f"{raw}-01-01")
        if re.fullmatch(r"\d{4}-\d{2}", raw):
            first = pd.Timestamp(f"{raw}-01")
            return first + pd.offsets.MonthEnd(0) if end else first
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            return pd.Timestamp(dt.date.fromisoformat(raw))
    except ValueError:
        pass
    raise QueryError(parameter, f"'{text}' is not a date.", ["YYYY", "YYYY-MM", "YYYY-MM-DD"])


__all__ = ["DEFAULT_END", "DEFAULT_START", "AnalysisError", "analysable_indicator", "changepoints_for",
           "events_for", "indicator_monthly", "its_for", "parse_event_date", "quality_for", "silent_months",
           "state_or_national", "trend_for"]
