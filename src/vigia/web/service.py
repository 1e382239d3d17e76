"""What the API and the pages ask of the store: thin wrappers over vigia's own functions (the same ones the
CLI calls), with inputs validated and provenance gathered. Each takes a DuckDB cursor first.

Every function raises QueryError on input that cannot be answered; the app turns it into a 4xx.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from vigia.analysis import administrations as adm
from vigia.errors import QueryError
from vigia.geo.catalog import NATIONAL, STATES, resolve_geo, state_name
from vigia.indicators import catalog
from vigia.indicators.compute import UNIT_LABELS, IndicatorQuery, add_changes, indicator_series
from vigia.output import frame_records
from vigia.store import queries
from vigia.web.params import GEO, NAME

DEFAULT_INDICATOR = "homicidio_doloso_victimas"
UNITS = ("count", "rate", "rate_annualized", "share")
RANK_UNITS = ("count", "rate", "rate_annualized")


@dataclass
class Result:
    """A computed frame with the releases it came from; serialised forms are built once, on demand."""

    frame: pd.DataFrame
    sources: list[dict]
    meta: dict = field(default_factory=dict)
    _records: list[dict] | None = None
    _encoded: dict = field(default_factory=dict)

    def records(self) -> list[dict]:
        if self._records is None:
            self._records = frame_records(self.frame)
        return self._records

    def csv(self) -> str:
        return self.frame.to_csv(index=False, lineterminator="\n")


# -- inputs -----------------------------------------------------------------------------------------

def indicator(ind_id: str, *, context: bool, rateable: bool = False) -> catalog.Indicator:
    """A catalogue indicator this installation can compute (context sources need vigia.indicators.context)."""
    ind = catalog.get(ind_id)
    if ind.kind != "sesnsp" and not context:
        raise QueryError("indicator", f"'{ind.id}' ({ind.kind}) is not available in this installation yet; "
                         "SESNSP indicators are.", available_ids(context=False))
    if rateable and not ind.rateable:
        raise QueryError("indicator", f"'{ind.id}' is not a count of crimes, victims or deaths.",
                         available_ids(context=context, rateable=True))
    return ind


def available_ids(*, context: bool, rateable: bool = False) -> list[str]:
    return [i.id for i in catalog.indicators()
            if (context or i.kind == "sesnsp") and (i.rateable or not rateable)]


def safe_name(parameter: str, value: str, pattern: str = NAME) -> str:
    """Refuse text no state or category name could be (quotes, ';', '='…) before it is even normalised:
    name matching ignores punctuation, so "Sinaloa'--" would otherwise quietly mean Sinaloa."""
    if not re.fullmatch(pattern, value):
        raise QueryError(parameter, f"'{value[:60]}' contains characters no name has.", [])
    return value


def state_geo(value: str | None, *, allow_all: bool = False, parameter: str = "geo") -> str:
    """'00', '01'…'32' (names in any spelling accepted), or '*' when allowed; municipalities are not served."""
    if value is None or str(value).strip() == "":
        return NATIONAL
    text = safe_name(parameter, str(value).strip(), GEO)
    if allow_all and text == "*":
        return "*"
    if text == "*":
        raise QueryError(parameter, "'*' (every state) is not accepted here.", ["00"] + [s.code for s in STATES])
    return resolve_geo(text, allow_municipal=False, parameter=parameter)


def choice(parameter: str, value: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise QueryError(parameter, f"'{value}' is not valid.", list(choices))
    return value


# -- provenance -------------------------------------------------------------------------------------

def population_sources(con) -> list[dict]:
    """The CONAPO release behind rates (indicator frames list only the releases of their counts)."""
    rows = con.execute(
        "SELECT release_id, source, dataset, strftime(vintage, '%Y-%m'), file_name, sha256, citation, origin_url "
        "FROM releases WHERE dataset = 'population' ORDER BY vintage DESC LIMIT 1").fetchall()
    keys = ("release_id", "source", "dataset", "vintage", "file_name", "sha256", "citation", "url")
    return [dict(zip(keys, r)) for r in rows]


def merge_sources(*lists: list[dict]) -> list[dict]:
    seen, out = set(), []
    for items in lists:
        for s in items or []:
            key = s.get("sha256") or (s.get("file_name"), s.get("vintage"))
            if key not in seen:
                seen.add(key)
                out.append(s)
    return sorted(out, key=lambda s: (str(s.get("source")), str(s.get("dataset")), str(s.get("vintage"))))


def indicator_meta(ind: catalog.Indicator, unit: str = "count") -> dict:
    label = UNIT_LABELS.get(unit, ("", ""))
    return {"id": ind.id, "label_es": ind.label_es, "label_en": ind.label_en, "measure": ind.measure,
            "unit": ind.unit if unit == "count" else label[0], "unit_en": ind.unit if unit == "count" else label[1],
            "notes": ind.notes, "kind": ind.kind}


# -- queries ----------------------------------------------------------------------------------------

def series(con, *, indicator_id: str, geo: str, freq: str, unit: str, start: str | None, end: str | None,
           vintage: str | None, context: bool, changes: bool = False) -> Result:
    ind = indicator(indicator_id, context=context)
    code = state_geo(geo, allow_all=True)
    frame = indicator_series(con, IndicatorQuery(indicator=ind.id, geo=code, freq=choice("freq", freq, queries.FREQS),
                                                 unit=choice("unit", unit, UNITS), start=start, end=end,
                                                 vintage=vintage))
    attrs = dict(frame.attrs)
    if changes and len(frame):
        frame = add_changes(frame, freq)
    sources = merge_sources(attrs.get("sources", []),
                            population_sources(con) if unit.startswith("rate") else [])
    vint = frame["vintage"].iloc[0] if len(frame) and "vintage" in frame else None
    meta = {"indicator": indicator_meta(ind, unit), "geo": code, "freq": freq, "unit": unit, "vintage": vint,
            "breaks": attrs.get("breaks", [])}
    return Result(frame.reset_index(drop=True), sources, meta)


def rankings(con, *, indicator_id: str, period: str, unit: str, vintage: str | None, compare_to: str | None,
             context: bool) -> Result:
    ind = indicator(indicator_id, context=context)
    frame = adm.rank(con, ind.id, period=period, unit=choice("unit", unit, RANK_UNITS), vintage=vintage,
                     compare_to=compare_to or None)
    sources = merge_sources(frame.attrs.get("sources", []), population_sources(con) if unit != "count" else [])
    vint = frame["vintage"].iloc[0] if len(frame) else None
    meta = {"indicator": indicator_meta(ind, unit), "period": period, "unit": unit, "vintage": vint}
    return Result(frame, sources, meta)


def compare(con, *, indicator_id: str, months: int, geo: str, vintage: str | None, include_partial: bool,
            context: bool) -> Result:
    ind = indicator(indicator_id, context=context, rateable=True)
    code = state_geo(geo)
    frame = adm.compare(con, ind.id, align_months=months, geo=code, vintage=vintage, include_partial=include_partial)
    sources = merge_sources(frame.attrs.get("sources", []), population_sources(con))
    return Result(frame, sources, {"indicator": indicator_meta(ind), "geo": code, "months": months})


def aligned(con, *, indicator_id: str, months: int | None, geo: str, vintage: str | None, context: bool) -> Result:
    ind = indicator(indicator_id, context=context, rateable=True)
    code = state_geo(geo)
    frame = adm.aligned(con, ind.id, geo=code, months=months, vintage=vintage)
    return Result(frame, merge_sources(frame.attrs.get("sources", [])),
                  {"indicator": indicator_meta(ind), "geo": code, "months": months})


def latest_changes(con, *, geo: str, context: bool, ids: list[str] | None = None) -> Result:
    """For each SESNSP indicator: the latest published month, its value and its changes, plus 25 months of history."""
    code = state_geo(geo)
    rows, sources = [], []
    for ind_id in ids or available_ids(context=False, rateable=True):
        ind = indicator(ind_id, context=context)
        frame = indicator_series(con, IndicatorQuery(indicator=ind.id, geo=code, freq="month", unit="count"))
        if frame.empty:
            continue
        sources.append(frame.attrs.get("sources", []))
        changed = add_changes(frame, "month")
        last = changed.iloc[-1]
        tail = changed.tail(25)
        rows.append({"indicator": ind.id, "label_es": ind.label_es, "label_en": ind.label_en, "unit": ind.unit,
                     "period": last["period"], "value": last["value"], "change_prev_pct": last["change_prev_pct"],
                     "change_yoy_pct": last["change_yoy_pct"], "methodology": last["methodology"],
                     "vintage": last["vintage"], "history_periods": list(tail["period"]),
                     "history_values": [float(v) for v in tail["value"]]})
    frame = pd.DataFrame(rows)
    return Result(frame, merge_sources(*sources), {"geo": code})


def vintages(con, *, indicator_id: str, geo: str, period: str, unit: str, context: bool) -> Result:
    """The figure for one indicator, geography and period (a year or a month) as each stored release had it."""
    ind = indicator(indicator_id, context=context)
    code = state_geo(geo)
    unit = choice("unit", unit, ("count", "rate"))
    if unit == "rate" and not ind.rateable:
        raise QueryError("unit", f"'{ind.id}' is not a count; rates do not apply.", ["count"])
    freq = "year" if len(period) == 4 else "month"
    queries.month_bound(period, end=False, parameter="period")  # validates the shape and the month
    stored = con.execute(
        "SELECT strftime(vintage, '%Y-%m') AS vintage, file_name, sha256, source, dataset FROM releases "
        "WHERE dataset IN (SELECT unnest(?)) ORDER BY vintage, release_id", [list(ind.datasets)]).fetchall()
    if not stored:
        raise QueryError("indicator", f"no release of {', '.join(ind.datasets)} is stored.", [])
    rows, previous = [], None
    for vintage, file_name, sha, source, dataset in stored:
        frame = indicator_series(con, IndicatorQuery(indicator=ind.id, geo=code, freq=freq, unit=unit, start=period,
                                                     end=period, vintage=vintage))
        value = float(frame["value"].iloc[0]) if len(frame) else None
        months = int(frame["months"].iloc[0]) if len(frame) and "months" in frame else (1 if len(frame) else None)
        change = None if value is None or previous is None else value - previous
        rows.append({"vintage": vintage, "value": value, "months": months, "change": change,
                     "methodology": frame["methodology"].iloc[0] if len(frame) else None,
                     "file_name": file_name, "sha256": sha, "source": source, "dataset": dataset})
        if value is not None:
            previous = value
    frame = pd.DataFrame(rows)
    keys = ("file_name", "vintage", "sha256", "source", "dataset")
    sources = [dict(zip(keys, (r["file_name"], r["vintage"], r["sha256"], r["source"], r["dataset"])))
               for r in rows if r["value"] is not None]
    if unit == "rate":
        sources = merge_sources(sources, population_sources(con))
    return Result(frame, sources, {"indicator": indicator_meta(ind, unit), "geo": code, "period": period,
                                   "unit": unit})


def release_list(con, *, dataset: str | None) -> Result:
    if dataset:
        known = [r[0] for r in con.execute("SELECT DISTINCT dataset FROM releases ORDER BY 1").fetchall()]
        if dataset not in known:
            raise QueryError("dataset", f"no release of dataset '{dataset}' is stored.", known)
    frame = queries.releases(con, dataset or None)
    return Result(frame, [], {"dataset": dataset})


def revisions(con, *, dataset: str, from_vintage: str, to_vintage: str | None, geo: str | None,
              filters: dict[str, str | None], start: str | None, end: str | None, include_new: bool) -> Result:
    code = None if geo in (None, "", "*") else state_geo(geo)
    for name, value in filters.items():
        if value:
            safe_name(name, value)
    frame = queries.revisions(con, dataset=dataset, from_vintage=from_vintage, to_vintage=to_vintage,
                              filters={k: v for k, v in filters.items() if v}, geo=code, start=start, end=end,
                              include_new=include_new)
    wanted = {v for v in (frame["from_vintage"].iloc[0], frame["to_vintage"].iloc[0])} if len(frame) else set()
    rows = con.execute(
        "SELECT source, dataset, strftime(vintage, '%Y-%m'), file_name, sha256 FROM releases WHERE dataset = ? "
        "ORDER BY vintage", [dataset]).fetchall()
    sources = [dict(zip(("source", "dataset", "vintage", "file_name", "sha256"), r)) for r in rows if r[2] in wanted]
    return Result(frame, sources, {"dataset": dataset})


def releases_of_files(con, files: list[str]) -> list[dict]:
    """The stored releases of these file names (claims name the file their match came from)."""
    if not files:
        return []
    rows = con.execute("SELECT source, dataset, strftime(vintage, '%Y-%m'), file_name, sha256 FROM releases "
                       "WHERE file_name IN (SELECT unnest(?)) ORDER BY dataset, vintage", [list(files)]).fetchall()
    return [dict(zip(("source", "dataset", "vintage", "file_name", "sha256"), r)) for r in rows]


def geographies() -> list[dict]:
    out = [{"code": NATIONAL, "name": "Nacional", "short_name": "Nacional", "abbreviation": "MX",
            "iso3166": "MX", "aliases": ["nacional", "national"]}]
    for st in STATES:
        out.append({"code": st.code, "name": st.name, "short_name": st.short_name, "abbreviation": st.abbreviation,
                    "iso3166": st.iso3166, "aliases": list(st.aliases)})
    return out


def geo_name(code: str) -> str:
    return "Nacional" if code in (NATIONAL, "*") else state_name(code)


def indicator_list(*, context: bool) -> list[dict]:
    out = []
    for ind in catalog.indicators():
        flags = catalog.comparability(ind) if ind.kind == "sesnsp" else {}
        out.append({"id": ind.id, "label_es": ind.label_es, "label_en": ind.label_en, "measure": ind.measure,
                    "unit": ind.unit, "kind": ind.kind, "datasets": list(ind.datasets), "rateable": ind.rateable,
                    "available": ind.kind == "sesnsp" or context, "comparability": flags, "notes": ind.notes})
    return out


def full_years(con, *, indicator_id: str, context: bool) -> list[str]:
    """Years the indicator covers in full (12 months, national), newest first: the map's and rankings' choices."""
    frame = indicator_series(con, IndicatorQuery(indicator=indicator(indicator_id, context=context).id,
                                                 geo=NATIONAL, freq="year"))
    if "months" in frame:
        frame = frame[frame["months"] == 12]
    return sorted(frame["period"].astype(str), reverse=True)
