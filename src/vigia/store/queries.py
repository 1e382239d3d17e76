"""As-of queries over the store: one function each, shared by the CLI, the web API and the Python API."""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from vigia.errors import QueryError
from vigia.geo.catalog import NATIONAL, normalize_name, resolve_geo, state_name
from vigia.sources.vintage import parse_vintage

FREQS = ("month", "year")
# Filter name → series column; the public names are the CLI's and the API's.
CATEGORY_FILTERS = {
    "bien": "bien",
    "type": "tipo",
    "subtype": "subtipo",
    "modality": "modalidad",
    "sex": "sexo",
    "age": "edad",
    "instrument": "instrument",
    "extra": "extra",
}
CATEGORY_COLUMNS = ("bien", "tipo", "subtipo", "modalidad", "sexo", "edad")


@dataclass
class SeriesQuery:
    dataset: str = "incidence"
    geo: str | list[str] | None = NATIONAL
    start: str | None = None
    end: str | None = None
    freq: str = "month"
    vintage: str | None = None
    filters: dict[str, str | list[str]] = field(default_factory=dict)
    by: tuple[str, ...] = ()


def month_bound(text: str | int | None, *, end: bool, parameter: str) -> dt.date | None:
    """'2019' → 2019-01 (or 2019-12 for an end), '2019-05' → 2019-05; None stays None."""
    if text is None or str(text).strip() == "":
        return None
    raw = str(text).strip()
    try:
        if len(raw) == 4 and raw.isdigit():
            return dt.date(int(raw), 12 if end else 1, 1)
        return parse_vintage(raw)
    except ValueError:
        raise QueryError(parameter, f"'{text}' is not a period.", ["YYYY", "YYYY-MM"]) from None


def resolve_vintage(con: duckdb.DuckDBPyConnection, dataset: str | None, vintage: str | None) -> dt.date | None:
    """None/'latest' → None (current values); 'YYYY-MM' → that month (the store answers as published then)."""
    if vintage is None or str(vintage).strip().lower() in ("", "latest", "now", "ultima", "última"):
        return None
    try:
        date = parse_vintage(str(vintage))
    except ValueError:
        raise QueryError("vintage", f"'{vintage}' is not a vintage.", ["latest", "YYYY-MM"]) from None
    first = con.execute(
        "SELECT min(vintage) FROM releases WHERE (? IS NULL OR dataset = ?)", [dataset, dataset]
    ).fetchone()[0]
    if first is None or date < first:
        listed = [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT strftime(vintage, '%Y-%m') FROM releases WHERE (? IS NULL OR dataset = ?) "
                "ORDER BY 1",
                [dataset, dataset],
            ).fetchall()
        ]
        raise QueryError("vintage", f"no release of '{dataset}' was published by {date:%Y-%m}.", listed)
    return date


def datasets(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute("SELECT DISTINCT dataset FROM series ORDER BY 1").fetchall()]


def _check_dataset(con: duckdb.DuckDBPyConnection, dataset: str) -> None:
    known = datasets(con)
    if dataset not in known:
        raise QueryError("dataset", f"no data for dataset '{dataset}' in this store.", known)


def _filter_sql(con: duckdb.DuckDBPyConnection, dataset: str, filters: dict) -> tuple[str, list]:
    """SQL conditions on `series` for category filters, matched without regard to case or accents."""
    clauses, params = [], []
    for name, wanted in filters.items():
        if wanted is None or wanted == "" or wanted == []:
            continue
        column = CATEGORY_FILTERS.get(name)
        if column is None:
            raise QueryError("filter", f"unknown filter '{name}'.", sorted(CATEGORY_FILTERS))
        values = wanted if isinstance(wanted, (list, tuple)) else [wanted]
        choices = [
            r[0]
            for r in con.execute(
                f"SELECT DISTINCT {column} FROM series WHERE dataset = ? ORDER BY 1", [dataset]
            ).fetchall()
        ]
        by_norm = {normalize_name(c): c for c in choices}
        exact = []
        for v in values:
            hit = by_norm.get(normalize_name(v))
            if hit is None:
                near = difflib.get_close_matches(normalize_name(v), list(by_norm), n=3, cutoff=0.6)
                hint = f" Did you mean: {', '.join(by_norm[n] for n in near)}?" if near else ""
                raise QueryError(name, f"'{v}' is not a {name} of dataset '{dataset}'.{hint}", choices)
            exact.append(hit)
        clauses.append(f"{column} IN ({', '.join('?' for _ in exact)})")
        params.extend(exact)
    return (" AND ".join(clauses) or "TRUE"), params


def _asof_condition(vintage: dt.date | None) -> tuple[str, list]:
    if vintage is None:
        return "TRUE", []
    return "cv.valid_from <= ?", [vintage]


_MONTH_LIST = "[" + ", ".join(f"cv.m{i:02d}" for i in range(1, 13)) + "]"


def _effective_vintage(con: duckdb.DuckDBPyConnection, dataset: str, vintage: dt.date | None) -> str | None:
    row = con.execute(
        "SELECT max(vintage) FROM releases WHERE dataset = ? AND (? IS NULL OR vintage <= ?)",
        [dataset, vintage, vintage],
    ).fetchone()
    return row[0].strftime("%Y-%m") if row and row[0] else None


def _is_municipal(dataset: str) -> bool:
    return dataset.startswith("municipal")


def cells(
    con: duckdb.DuckDBPyConnection,
    *,
    dataset: str,
    geo: str | None,
    start: dt.date | None,
    end: dt.date | None,
    vintage: dt.date | None,
    filters: dict,
    by: tuple[str, ...],
    category_keys: list[str] | None = None,
) -> pd.DataFrame:
    """Aggregated monthly cells (geo, period, value, published, releases) for one geography at one vintage.

    `category_keys` restricts to series whose instrument␟tipo␟subtipo␟modalidad is listed (indicators).
    """
    where, params = _filter_sql(con, dataset, filters)
    if category_keys is not None:
        where += " AND concat_ws(chr(31), s.instrument, s.tipo, s.subtipo, s.modalidad) IN (SELECT unnest(?))"
        params = [*params, list(category_keys)]
    asof, asof_params = _asof_condition(vintage)
    municipal = _is_municipal(dataset)
    if geo in (None, NATIONAL):
        geo_expr, geo_cond, geo_params = "'00'", "TRUE", []
    elif len(geo) == 2 and municipal:
        geo_expr, geo_cond, geo_params = "substr(s.geo, 1, 2)", "substr(s.geo, 1, 2) = ?", [geo]
    elif geo == "*":  # every state (or municipality) on its own
        geo_expr, geo_cond, geo_params = "s.geo", "TRUE", []
    else:
        geo_expr, geo_cond, geo_params = "s.geo", "s.geo = ?", [geo]
    by_cols = "".join(f", s.{c}" for c in by)
    y_lo = start.year if start else None
    y_hi = end.year if end else None
    # As of a vintage, a cell's value is the one of its latest record at or before it (a NULL = withdrawn).
    sql = f"""
        WITH sel AS (
            SELECT s.series_id, {geo_expr} AS geo, s.instrument{by_cols}
            FROM series s WHERE s.dataset = ? AND {where} AND {geo_cond}
        ),
        cells AS (
            SELECT cv.series_id, make_date(cv.year, t.m, 1) AS period,
                   arg_max_null(list_extract({_MONTH_LIST}, t.m), cv.valid_from) AS value,
                   max(cv.valid_from) AS published, arg_max(cv.release_id, cv.valid_from) AS release_id
            FROM cell_versions cv JOIN sel ON sel.series_id = cv.series_id
                 CROSS JOIN (SELECT unnest(range(1, 13))::INTEGER AS m) t
            WHERE (cv.mask >> (t.m - 1)) & 1 = 1 AND {asof}
              AND (? IS NULL OR cv.year >= ?) AND (? IS NULL OR cv.year <= ?)
            GROUP BY cv.series_id, cv.year, t.m
        )
        SELECT sel.geo, sel.instrument{by_cols.replace("s.", "sel.")}, c.period, sum(c.value) AS value,
               max(c.published) AS published, list(DISTINCT c.release_id ORDER BY c.release_id) AS releases
        FROM cells c JOIN sel ON sel.series_id = c.series_id
        WHERE c.value IS NOT NULL AND (? IS NULL OR c.period >= ?) AND (? IS NULL OR c.period <= ?)
        GROUP BY ALL
        ORDER BY ALL
    """
    all_params = [dataset, *params, *geo_params, *asof_params, y_lo, y_lo, y_hi, y_hi, start, start, end, end]
    return con.execute(sql, all_params).df()


def series(con: duckdb.DuckDBPyConnection, q: SeriesQuery) -> pd.DataFrame:
    """A tidy series: geo, geo_name, period, value, [months], instrument, categories, vintage, published."""
    _check_dataset(con, q.dataset)
    if q.freq not in FREQS:
        raise QueryError("freq", f"'{q.freq}' is not a frequency.", list(FREQS))
    for b in q.by:
        if b not in CATEGORY_COLUMNS:
            raise QueryError("by", f"'{b}' is not a category column.", list(CATEGORY_COLUMNS))
    start = month_bound(q.start, end=False, parameter="from")
    end = month_bound(q.end, end=True, parameter="to")
    vintage = resolve_vintage(con, q.dataset, q.vintage)
    geos = q.geo if isinstance(q.geo, list) else [q.geo if q.geo is not None else NATIONAL]
    frames = []
    for g in geos:
        code = "*" if g == "*" else resolve_geo(g)
        frame = cells(con, dataset=q.dataset, geo=code, start=start, end=end, vintage=vintage,
                      filters=q.filters, by=q.by)
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    out = _shape(out, q, con, vintage)
    return out


def _shape(frame: pd.DataFrame, q: SeriesQuery, con: duckdb.DuckDBPyConnection, vintage) -> pd.DataFrame:
    by = list(q.by)
    if frame.empty:
        cols = ["geo", "geo_name", "period", "value", "instrument", *by, "vintage", "published"]
        if q.freq == "year":
            cols.insert(4, "months")
        return pd.DataFrame(columns=cols)
    frame["period"] = pd.to_datetime(frame["period"])
    frame["published"] = pd.to_datetime(frame["published"]).dt.strftime("%Y-%m")
    if q.freq == "year":
        frame["year"] = frame["period"].dt.year
        frame = (
            frame.groupby(["geo", "instrument", *by, "year"], as_index=False, sort=True)
            .agg(value=("value", "sum"), months=("period", "nunique"), published=("published", "max"))
            .rename(columns={"year": "period"})
        )
        frame["period"] = frame["period"].astype(str)
    else:
        frame["period"] = frame["period"].dt.strftime("%Y-%m")
    frame["geo_name"] = [_geo_name(g) for g in frame["geo"]]
    for name, wanted in q.filters.items():
        col = CATEGORY_FILTERS.get(name)
        if col in CATEGORY_COLUMNS and col not in frame.columns and wanted:
            frame[col] = wanted if isinstance(wanted, str) else " + ".join(wanted)
    frame["vintage"] = _effective_vintage(con, q.dataset, vintage)
    frame["value"] = frame["value"].astype(float)
    if (frame["value"] == frame["value"].round()).all():
        frame["value"] = frame["value"].round().astype("int64")
    lead = ["geo", "geo_name", "period", "value"] + (["months"] if q.freq == "year" else [])
    cats = [c for c in CATEGORY_COLUMNS if c in frame.columns]
    rest = ["instrument", *cats, "vintage", "published"]
    return frame[lead + rest].reset_index(drop=True)


def _geo_name(code: str) -> str:
    if len(code) == 2:
        try:
            return state_name(code)
        except QueryError:
            return code
    from vigia.geo.municipalities import municipality_name

    return municipality_name(code) or code


def revisions(
    con: duckdb.DuckDBPyConnection,
    *,
    dataset: str,
    from_vintage: str,
    to_vintage: str | None,
    filters: dict,
    geo: str | None = None,
    start: str | None = None,
    end: str | None = None,
    include_new: bool = False,
) -> pd.DataFrame:
    """Cells (state × month, summed over the unfiltered categories) whose value differs between two vintages."""
    _check_dataset(con, dataset)
    v_old = resolve_vintage(con, dataset, from_vintage)
    if v_old is None:
        raise QueryError("from_vintage", "give the older vintage as YYYY-MM.", ["YYYY-MM"])
    v_new = resolve_vintage(con, dataset, to_vintage)
    lo = month_bound(start, end=False, parameter="from")
    hi = month_bound(end, end=True, parameter="to")
    code = "*" if geo in (None, "*", NATIONAL) else resolve_geo(geo)
    kw = dict(dataset=dataset, geo=code, start=lo, end=hi, filters=filters, by=())
    old = cells(con, vintage=v_old, **kw)
    new = cells(con, vintage=v_new, **kw)
    keys = ["geo", "instrument", "period"]
    merged = old.merge(new, on=keys, how="outer", suffixes=("_old", "_new"))
    merged = merged.rename(columns={"value_old": "old_value", "value_new": "new_value",
                                    "published_new": "revised_in"})
    changed = merged["old_value"].ne(merged["new_value"]) & ~(merged["old_value"].isna() & merged["new_value"].isna())
    if not include_new:
        changed &= merged["old_value"].notna() & merged["new_value"].notna()
    out = merged.loc[changed].copy()
    out["change"] = out["new_value"].fillna(0) - out["old_value"].fillna(0)
    out["period"] = pd.to_datetime(out["period"]).dt.strftime("%Y-%m")
    out["revised_in"] = pd.to_datetime(out["revised_in"]).dt.strftime("%Y-%m")
    out["geo_name"] = [_geo_name(g) for g in out["geo"]]
    out["from_vintage"] = _effective_vintage(con, dataset, v_old)
    out["to_vintage"] = _effective_vintage(con, dataset, v_new)
    for c in ("old_value", "new_value", "change"):
        out[c] = out[c].astype("Int64") if (out[c].dropna() == out[c].dropna().round()).all() else out[c]
    cols = ["geo", "geo_name", "period", "old_value", "new_value", "change", "instrument", "from_vintage",
            "to_vintage", "revised_in"]
    return out[cols].sort_values(["geo", "period"]).reset_index(drop=True)


def releases(con: duckdb.DuckDBPyConnection, dataset: str | None = None) -> pd.DataFrame:
    frame = con.execute(
        """
        SELECT release_id, source, dataset, strftime(vintage, '%Y-%m') AS vintage, file_name, sha256,
               size_bytes, row_count, cell_count, strftime(period_start, '%Y-%m') AS period_start,
               strftime(period_end, '%Y-%m') AS period_end, new_cells, revised_cells, retracted_cells,
               unchanged_cells, origin_url, accessed_at, etag, last_modified, licence, citation,
               strftime(ingested_at, '%Y-%m-%dT%H:%M:%SZ') AS ingested_at
        FROM releases WHERE (? IS NULL OR dataset = ?)
        ORDER BY dataset, vintage, release_id
        """,
        [dataset, dataset],
    ).df()
    return frame
