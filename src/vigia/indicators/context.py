"""Context indicators: ENVIPE, WJP, INEGI homicide deaths and the federal budget, read back from the store.

`compute.indicator_series` hands every indicator whose kind is not 'sesnsp' to :func:`context_series`.
The frames mirror the SESNSP ones (indicator, geo, geo_name, period, value, unit, methodology,
comparable, measure, vintage, published) plus what each source needs to be read correctly: ENVIPE's
survey and reference years, WJP's number of countries, the budget stage and the programme keys summed.
``frame.attrs['sources']`` lists the releases whose cells were used (see `compute.release_sources`).

Frequencies: monthly data (INEGI deaths) follow ``freq``; annual data (ENVIPE, budget) and WJP editions
are returned at their own frequency whatever ``freq`` says, since there is nothing finer to give.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

import duckdb
import numpy as np
import pandas as pd

from vigia.errors import QueryError
from vigia.geo.catalog import NATIONAL, normalize_name, resolve_geo, state_name
from vigia.indicators.catalog import Indicator
from vigia.indicators.population import population_for
from vigia.sources import budget, envipe
from vigia.store import queries

STATES = tuple(f"{i:02d}" for i in range(1, 33))
ALL = "*"
COUNTRY = re.compile(r"^[A-Z]{3}$")
COUNTRY_NAMES = {"MEX": "México"}  # the store keeps ISO-3 codes only; other countries show their code
BUDGET_DATASETS = (budget.DATASET, budget.DATASET_DERIVATIVE)  # the official XLS wins; the extract fills gaps
COMPANIONS = {"wjp_rank": ("wjp_countries", "countries")}  # variable shown beside another one, same cell
SOURCE_LABELS = {
    "envipe_perception": "INEGI, ENVIPE (tabulado)",
    "envipe_api": "INEGI, Banco de Indicadores (API)",
    "inegi_homicides": "INEGI, defunciones por homicidio (derivado Gargiulo et al. 2024)",
    "inegi_homicides_municipal": "INEGI, defunciones por homicidio (derivado Gargiulo et al. 2024)",
    "wjp": "World Justice Project, Rule of Law Index",
    budget.DATASET: "SHCP, Cuenta Pública (XLS oficial)",
    budget.DATASET_DERIVATIVE: "SHCP, Cuenta Pública: extracto derivado (CSV)",
}
_MONTHS = "[" + ", ".join(f"cv.m{i:02d}" for i in range(1, 13)) + "]"


def context_series(con: duckdb.DuckDBPyConnection, ind: Indicator, q) -> pd.DataFrame:
    """The frame of a context indicator for one geography (``q`` is a `compute.IndicatorQuery`)."""
    if ind.kind == "budget":
        return _budget_series(con, ind, q)
    if ind.kind == "store":
        return _store_series(con, ind, q)
    raise QueryError("indicator", f"'{ind.id}' has kind '{ind.kind}', which context indicators do not handle.",
                     ["store", "budget"])


# ---- reading the store ---------------------------------------------------------------------------------

def stored_datasets(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute("SELECT DISTINCT dataset FROM releases ORDER BY 1").fetchall()]


def _require(con: duckdb.DuckDBPyConnection, ind: Indicator, datasets: tuple[str, ...]) -> list[str]:
    have = [d for d in datasets if d in stored_datasets(con)]
    if not have:
        raise QueryError("indicator", f"'{ind.id}' needs the {' or '.join(datasets)} data, which this store does "
                         "not hold. Ingest the source files first (vigia ingest ../shared/data).",
                         stored_datasets(con))
    return have


def read_cells(con: duckdb.DuckDBPyConnection, dataset: str, variable: str, *, geos: list[str] | None = None,
               detail: str | None = None, vintage: dt.date | None = None, years: tuple[int | None, int | None] =
               (None, None)) -> pd.DataFrame:
    """Cells of one variable as of ``vintage``: geo, detail, extra, freq, period, value, published, release_id.

    The value of a cell is that of its latest record at or before the vintage; a withdrawn cell (NULL) and a
    cell never published are both absent, never 0.
    """
    lo, hi = years
    frame = con.execute(
        f"""
        WITH sel AS (
            SELECT series_id, geo, modalidad AS detail, extra, freq FROM series
            WHERE dataset = ? AND subtipo = ? AND (? IS NULL OR modalidad = ?)
              AND (? IS NULL OR geo IN (SELECT unnest(?)))
        ),
        c AS (
            SELECT cv.series_id, make_date(cv.year, t.m, 1) AS period,
                   arg_max_null(list_extract({_MONTHS}, t.m), cv.valid_from) AS value,
                   max(cv.valid_from) AS published, arg_max(cv.release_id, cv.valid_from) AS release_id
            FROM cell_versions cv JOIN sel ON sel.series_id = cv.series_id
                 CROSS JOIN (SELECT unnest(range(1, 13))::INTEGER AS m) t
            WHERE (cv.mask >> (t.m - 1)) & 1 = 1 AND (?::DATE IS NULL OR cv.valid_from <= ?::DATE)
              AND (?::INTEGER IS NULL OR cv.year >= ?) AND (?::INTEGER IS NULL OR cv.year <= ?)
            GROUP BY cv.series_id, cv.year, t.m
        )
        SELECT sel.geo, sel.detail, sel.extra, sel.freq, c.period, c.value, c.published, c.release_id
        FROM c JOIN sel ON sel.series_id = c.series_id
        WHERE c.value IS NOT NULL
        ORDER BY sel.geo, c.period, sel.detail, sel.extra
        """,
        [dataset, variable, detail, detail, geos, geos, vintage, vintage, lo, lo, hi, hi],
    ).df()
    frame["period"] = pd.to_datetime(frame["period"])
    frame["published"] = pd.to_datetime(frame["published"])
    return frame


def _vintage(con: duckdb.DuckDBPyConnection, datasets: list[str], vintage: str | None) -> dt.date | None:
    """The as-of date; it must follow the first release of at least one of the datasets."""
    first_error = None
    for dataset in datasets:
        try:
            return queries.resolve_vintage(con, dataset, vintage)
        except QueryError as exc:
            first_error = first_error or exc
    raise first_error  # type: ignore[misc]


def _years(q) -> tuple[int | None, int | None]:
    start = queries.month_bound(q.start, end=False, parameter="from")
    end = queries.month_bound(q.end, end=True, parameter="to")
    return (start.year if start else None, end.year if end else None)


def _in_range(frame: pd.DataFrame, q) -> pd.DataFrame:
    start = queries.month_bound(q.start, end=False, parameter="from")
    end = queries.month_bound(q.end, end=True, parameter="to")
    keep = pd.Series(True, index=frame.index)
    if start:
        keep &= frame["period"] >= pd.Timestamp(start)
    if end:
        keep &= frame["period"] <= pd.Timestamp(end)
    return frame[keep]


# ---- geographies ------------------------------------------------------------------------------------------

def _stored_geos(con: duckdb.DuckDBPyConnection, dataset: str, variable: str) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT DISTINCT geo FROM series WHERE dataset = ? AND subtipo = ? ORDER BY 1", [dataset, variable]
    ).fetchall()]


def _geo_plan(con: duckdb.DuckDBPyConnection, ind: Indicator, geo) -> tuple[str, list[str] | None, str]:
    """(dataset, geos to read or None for all, how): how is 'as_is' or 'sum' (national = sum of states)."""
    text = NATIONAL if geo is None else str(geo).strip()
    if re.fullmatch(r"\d{4,5}", text):
        if not ind.municipal_dataset:
            raise QueryError("geo", f"'{ind.id}' has no municipal data; ask for the nation or a state.",
                             ["00", *STATES])
        _require(con, ind, (ind.municipal_dataset,))
        return ind.municipal_dataset, [text.zfill(5)], "as_is"
    _require(con, ind, (ind.dataset,))
    stored = _stored_geos(con, ind.dataset, ind.variable)
    if stored and all(COUNTRY.match(g) for g in stored):  # WJP: countries by ISO-3 code
        if text == ALL:
            return ind.dataset, None, "as_is"
        code = text.upper()
        if code not in stored and normalize_name(text) == "mexico":  # the country, not the state, here
            code = "MEX"
        if code not in stored:
            try:  # 'Nacional', '00' mean the country too
                code = "MEX" if resolve_geo(text, allow_municipal=False) == NATIONAL else code
            except QueryError:
                pass
        if code not in stored:
            raise QueryError("geo", f"'{geo}' is not a country of '{ind.id}' (ISO-3 codes, e.g. MEX).", stored)
        return ind.dataset, [code], "as_is"
    if text == ALL:
        return ind.dataset, list(STATES), "as_is"
    code = resolve_geo(text, allow_municipal=False)
    if code in stored:
        return ind.dataset, [code], "as_is"
    if code == NATIONAL and ind.additive:
        return ind.dataset, list(STATES), "sum"
    raise QueryError("geo", f"'{ind.id}' has no data for '{geo}'.", stored)


def geo_label(code: str) -> str:
    if COUNTRY.match(code):
        return COUNTRY_NAMES.get(code, code)
    return state_name(code) if len(code) == 2 else code


# ---- store indicators (ENVIPE, WJP, INEGI deaths) ---------------------------------------------------------

def _store_series(con: duckdb.DuckDBPyConnection, ind: Indicator, q) -> pd.DataFrame:
    dataset, geos, how = _geo_plan(con, ind, q.geo)
    if q.unit != "count" and not ind.rateable:
        raise QueryError("unit", f"'{ind.id}' is not a count; rates and shares do not apply.", ["count"])
    vintage = queries.resolve_vintage(con, dataset, q.vintage)
    cells = _in_range(read_cells(con, dataset, ind.variable, geos=geos, detail=ind.detail or None,
                                 vintage=vintage, years=_years(q)), q)
    releases = set(cells["release_id"].astype(int))
    if how == "sum":
        cells = _national_sum(cells)
    native = _native_freq(con, dataset, ind.variable)
    if native == "M" and q.freq == "year":
        if not ind.additive:
            raise QueryError("freq", f"'{ind.id}' is monthly and cannot be summed into years.", ["month"])
        df = _to_years(cells)
    else:
        df = cells.assign(months=1 if native == "M" else 12)
        df["days"] = [calendar.monthrange(p.year, p.month)[1] if native == "M" else 365 + calendar.isleap(p.year)
                      for p in df["period"]]
    df = _apply_unit(con, ind, q, df, releases)
    df = _source_columns(con, ind, dataset, df, vintage, geos, native)
    return _finish(con, ind, q, df, releases, dataset, native)


def _native_freq(con, dataset: str, variable: str) -> str:
    row = con.execute("SELECT min(freq) FROM series WHERE dataset = ? AND subtipo = ?", [dataset, variable]).fetchone()
    return row[0] if row and row[0] else "Y"


def _national_sum(cells: pd.DataFrame) -> pd.DataFrame:
    """National = sum of the states; `states` says how many reported each period."""
    out = cells.groupby(["period", "freq"], as_index=False).agg(
        value=("value", "sum"), published=("published", "max"), states=("geo", "nunique"))
    return out.assign(geo=NATIONAL, detail="", extra="")


def _to_years(cells: pd.DataFrame) -> pd.DataFrame:
    df = cells.assign(year=cells["period"].dt.year)
    extra = {"states": ("states", "min")} if "states" in df.columns else {}  # fewest states in any month
    out = df.groupby(["geo", "year"], as_index=False).agg(
        value=("value", "sum"), months=("period", "nunique"), published=("published", "max"),
        days=("period", lambda p: sum(calendar.monthrange(x.year, x.month)[1] for x in p)), **extra)
    out["period"] = pd.to_datetime({"year": out["year"], "month": 1, "day": 1})
    return out.assign(freq="Y", detail="", extra="").drop(columns="year")


def _apply_unit(con, ind: Indicator, q, df: pd.DataFrame, releases: set[int]) -> pd.DataFrame:
    if q.unit == "count" or df.empty:
        return df
    df = df.assign(year_num=df["period"].dt.year)
    if q.unit in ("rate", "rate_annualized"):
        pop = population_for(con, sorted(set(df["geo"])), sorted(set(df["year_num"])))
        df = df.merge(pop, left_on=["geo", "year_num"], right_on=["geo", "year"], how="left").drop(columns="year")
        df["count"] = df["value"]
        df["value"] = df["count"] / df["population"] * 100_000
        if q.unit == "rate_annualized":  # a month's (or part-year's) rate scaled to a 365-day year
            df["value"] = df["value"] * 365.0 / df["days"]
        releases.update(_population_releases(con, set(df["geo"])))
    else:  # share of the national total, same periods
        national = _store_series(con, ind, type(q)(**{**q.__dict__, "geo": NATIONAL, "unit": "count"}))
        nat = national[["period", "value"]].rename(columns={"value": "national"})
        df["period_label"] = _labels(df, "M" if q.freq == "month" else "Y")
        df = df.merge(nat, left_on="period_label", right_on="period", how="left", suffixes=("", "_n"))
        df = df.drop(columns=["period_label", "period_n"])
        df["count"] = df["value"]
        df["value"] = df["count"] / df["national"] * 100.0
    return df.drop(columns="year_num")


def _population_releases(con, geos: set[str]) -> list[int]:
    from vigia.indicators.population import MUNICIPAL_DATASET, STATE_DATASET

    wanted = [STATE_DATASET] * any(len(g) == 2 for g in geos) + [MUNICIPAL_DATASET] * any(len(g) == 5 for g in geos)
    return [r[0] for r in con.execute(
        "SELECT release_id FROM releases WHERE dataset IN (SELECT unnest(?))", [wanted]).fetchall()]


def _source_columns(con, ind: Indicator, dataset: str, df: pd.DataFrame, vintage, geos, native: str) -> pd.DataFrame:
    """What each source needs beside its value: ENVIPE's years, WJP's edition and number of countries."""
    if dataset in (envipe.DATASET, envipe.DATASET_API):
        years = df["period"].dt.year
        df = df.assign(survey_year=years, reference_year=years.map(envipe.victimisation_reference_year),
                       edition=years.map(envipe.edition_label))
    if ind.variable in COMPANIONS:
        variable, column = COMPANIONS[ind.variable]
        other = read_cells(con, dataset, variable, geos=geos, vintage=vintage)
        other = other[["geo", "extra", "value"]].rename(columns={"value": column})
        df = df.merge(other, on=["geo", "extra"], how="left")
        df[column] = df[column].astype("Int64")
    if native == "E":
        df = df.assign(edition=df["extra"])
    return df


def _labels(df: pd.DataFrame, native: str) -> pd.Series:
    if native == "E":  # WJP: the edition label, not a calendar year
        return df["extra"].astype(str)
    if native == "M":
        return df["period"].dt.strftime("%Y-%m")
    return df["period"].dt.year.astype(str)


def _finish(con, ind: Indicator, q, df: pd.DataFrame, releases: set[int], dataset: str,
            native: str) -> pd.DataFrame:
    from vigia.indicators.compute import UNIT_LABELS, release_sources

    out_freq = ("M" if q.freq == "month" else "Y") if native == "M" else native
    df = df.sort_values(["geo", "period"]).reset_index(drop=True)
    df["period"] = _labels(df, out_freq) if len(df) else pd.Series(dtype=str)
    df["indicator"] = ind.id
    df["geo_name"] = [geo_label(g) for g in df["geo"]]
    df["unit"] = ind.unit if q.unit == "count" else UNIT_LABELS[q.unit][0]
    df["methodology"] = ind.methodology
    df["source"] = SOURCE_LABELS.get(dataset, dataset)
    df["comparable"] = ind.comparable
    df["measure"] = ind.measure
    sources = release_sources(con, sorted(releases))
    df["vintage"] = _max_vintage(sources, {dataset})
    df["published"] = pd.to_datetime(df["published"]).dt.strftime("%Y-%m") if len(df) else ""
    cols = ["indicator", "geo", "geo_name", "period", "value", "unit"]
    cols += [c for c in ("count", "population", "national", "states", "countries", "survey_year", "reference_year",
                         "edition") if c in df.columns]
    if out_freq == "Y" and native == "M":
        cols.append("months")
    df["break"] = False  # one methodology per context series; the column keeps frames alike
    cols += ["methodology", "source", "comparable", "break", "measure", "vintage", "published"]
    out = df[cols].copy()
    if ind.measure in ("defunciones", "lugar") and len(out):  # whole deaths and ranks print as integers
        whole = "value" if q.unit == "count" else "count"
        out[whole] = out[whole].round().astype("int64")
    return _attrs(out, ind, q, sources)


def _max_vintage(sources: list[dict], datasets: set[str]) -> str | None:
    vintages = [s["vintage"] for s in sources if s["dataset"] in datasets and s["vintage"]]
    return max(vintages) if vintages else None


def _attrs(out: pd.DataFrame, ind: Indicator, q, sources: list[dict]) -> pd.DataFrame:
    out.attrs["sources"] = sources
    out.attrs["indicator"] = ind
    out.attrs["unit"] = q.unit
    out.attrs["breaks"] = []
    return out


# ---- budget ---------------------------------------------------------------------------------------------

def budget_frame(con: duckdb.DuckDBPyConnection, vintage: dt.date | None = None,
                 years: tuple[int | None, int | None] = (None, None)) -> pd.DataFrame:
    """Every stored budget cell (reader-contract columns plus dataset, published, release_id) as of ``vintage``.

    A fiscal year comes from the official Cuenta Pública XLS when one is stored, else from the derivative
    extract (2024–2025): the two are never added, and the ``dataset`` column says which one a row is from.
    """
    parts = []
    for dataset in BUDGET_DATASETS:
        cells = read_cells(con, dataset, budget.VARIABLE, vintage=vintage, years=years)
        parts.append(cells.assign(dataset=dataset, variable=budget.VARIABLE))
    frame = pd.concat(parts, ignore_index=True)
    official = set(frame.loc[frame["dataset"] == budget.DATASET, "period"])
    frame = frame[(frame["dataset"] == budget.DATASET) | ~frame["period"].isin(official)]
    return frame.reset_index(drop=True)


def _budget_series(con: duckdb.DuckDBPyConnection, ind: Indicator, q) -> pd.DataFrame:
    have = _require(con, ind, BUDGET_DATASETS)
    if q.unit != "count":
        raise QueryError("unit", f"'{ind.id}' is in nominal pesos; rates and shares do not apply.", ["count"])
    geo = NATIONAL if q.geo is None else str(q.geo).strip()
    if geo == ALL or resolve_geo(geo, allow_municipal=False) != NATIONAL:
        raise QueryError("geo", f"'{ind.id}' is a federal budget line: national only.", [NATIONAL])
    vintage = _vintage(con, have, q.vintage)
    frame = _in_range(budget_frame(con, vintage, _years(q)), q)
    series = budget.concept_series(frame, ind.concept)
    if series.empty:  # nothing in range: same columns, no rows
        series = pd.DataFrame({"period": pd.Series(dtype="datetime64[ns]"), "stage": pd.Series(dtype=str),
                               "value": pd.Series(dtype=float), "keys": pd.Series(dtype=str)})
    # The releases behind each summed key, and which dataset each year came from.
    used = frame.assign(stage=frame["detail"]).merge(series[["period", "stage", "keys"]], on=["period", "stage"])
    used = used[np.array([e in k.split("+") for e, k in zip(used["extra"], used["keys"])], dtype=bool)]
    origin = used.groupby("period").agg(dataset=("dataset", "first"), published=("published", "max"))
    df = series.merge(origin, left_on="period", right_index=True, how="left")
    df = df.sort_values(["stage", "period"])
    prev = df.groupby("stage")["value"].shift(1)
    consecutive = df.groupby("stage")["period"].diff().dt.days.between(365, 366)
    df["change_pct"] = np.where(consecutive & (prev > 0), (df["value"] / prev - 1.0) * 100.0, np.nan)
    df = df.sort_values(["period", "stage"]).reset_index(drop=True)
    sources = _budget_sources(con, used)
    out = pd.DataFrame({
        "indicator": ind.id, "geo": NATIONAL, "geo_name": state_name(NATIONAL),
        "period": df["period"].dt.year.astype(str), "stage": df["stage"], "value": df["value"],
        "unit": ind.unit, "prices": "nominales / nominal", "change_pct": df["change_pct"].round(2),
        "keys": df["keys"], "methodology": ind.methodology, "source": df["dataset"].map(SOURCE_LABELS),
        "comparable": ind.comparable, "break": False, "measure": ind.measure,
        "vintage": _max_vintage(sources, set(BUDGET_DATASETS)),
        "published": pd.to_datetime(df["published"]).dt.strftime("%Y-%m"),
    })
    return _attrs(out, ind, q, sources)


def _budget_sources(con, used: pd.DataFrame) -> list[dict]:
    from vigia.indicators.compute import release_sources

    return release_sources(con, sorted(set(used["release_id"].astype(int))))


__all__ = ["BUDGET_DATASETS", "budget_frame", "context_series", "geo_label", "read_cells", "stored_datasets"]
