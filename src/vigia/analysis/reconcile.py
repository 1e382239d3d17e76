"""One reconciled view of lethal violence: SESNSP victims against INEGI homicide deaths, by state and year.

The two count different things — victims in the case files state prosecutors opened (SESNSP, homicidio
doloso + feminicidio) and death certificates classified as homicide (INEGI, place of occurrence) — so
their ratio is never exactly 1 and differs by state. What signals a data problem is a ratio far from 1
and, above all, a ratio that moves abruptly from one year to the next. For year *t* and each geography:

    ratio     r_t = SESNSP victims / INEGI deaths
    change    c_t = ln(r_t / r_{t-1})                      (log change of the ratio)
    score     100 × (1 − ½·min(1, |1 − r_t|) − ½·min(1, |c_t|))     in [0, 100]; 100 = agree and stable
    z_change  (c_t − median_states(c_t)) / (1.4826 × MAD_states(c_t))   robust z across the 32 states
    flag      |z_change| ≥ 3.5 (Iglewicz–Hoaglin's cut-off for the modified z-score)

Without a year t−1 (t = 2015, the first SESNSP victims year) the score uses the level term alone,
100 × (1 − min(1, |1 − r_t|)), and ``score_basis`` says so. The national row ('00') is scored the same way
but takes no z (it is not one of the states it would be compared with). docs/indicators-context.md
explains the choices; `vigia.analysis.quality` flags the same ratios against a fixed 25% jump instead.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vigia.errors import QueryError
from vigia.geo.catalog import NATIONAL, state_name

SESNSP_INDICATOR = "violencia_letal_victimas"
INEGI_INDICATOR = "defunciones_homicidio"
Z_FLAG = 3.5
MAD_SCALE = 1.4826  # makes the MAD a consistent estimator of the standard deviation under normality
COLUMNS = ["geo", "geo_name", "year", "sesnsp_victims", "inegi_deaths", "ratio", "ratio_prev", "ratio_log_change",
           "z_change", "score", "score_basis", "flag", "evidence", "vintage_sesnsp", "vintage_inegi"]
FORMULA = ("ratio = víctimas SESNSP / defunciones INEGI; score = 100 × (1 − ½·min(1, |1 − ratio|) − ½·min(1, "
           "|ln(ratio / ratio año previo)|)); flag = |z robusto del cambio entre estados| ≥ 3.5")


def score_ratios(table: pd.DataFrame, year: int) -> pd.DataFrame:
    """Ratios, scores and flags for ``year`` from ``table`` (geo, year, sesnsp_victims, inegi_deaths).

    ``table`` should hold ``year`` and, for the change term, ``year - 1``. Pure: no store, no I/O.
    """
    need = {"geo", "year", "sesnsp_victims", "inegi_deaths"}
    if not need <= set(table.columns):
        raise QueryError("table", f"missing column(s) {sorted(need - set(table.columns))}.", sorted(need))
    t = table.copy()
    t["year"] = t["year"].astype(int)
    deaths = t["inegi_deaths"].astype(float)
    t["ratio"] = np.where(deaths > 0, t["sesnsp_victims"] / deaths.where(deaths > 0), np.nan)
    prev = t[t["year"] == year - 1][["geo", "ratio"]].rename(columns={"ratio": "ratio_prev"})
    cur = t[t["year"] == year].merge(prev, on="geo", how="left")
    with np.errstate(divide="ignore", invalid="ignore"):
        cur["ratio_log_change"] = np.log(cur["ratio"] / cur["ratio_prev"])
    level = (1.0 - cur["ratio"]).abs().clip(upper=1.0)
    change = cur["ratio_log_change"].abs().clip(upper=1.0)
    both = change.notna()
    cur["score"] = np.where(both, 100.0 * (1.0 - 0.5 * level - 0.5 * change), 100.0 * (1.0 - level)).round(1)
    cur["score_basis"] = np.where(both, "nivel y cambio / level and change", "solo nivel / level only")
    cur.loc[cur["ratio"].isna(), ["score", "score_basis"]] = [np.nan, ""]
    cur["z_change"] = _robust_z(cur["ratio_log_change"], cur["geo"] != NATIONAL)
    cur["flag"] = cur["z_change"].abs() >= Z_FLAG
    cur["evidence"] = [
        f"La razón SESNSP/INEGI pasó de {r.ratio_prev:.2f} a {r.ratio:.2f} (z = {r.z_change:+.1f}), un cambio "
        f"anómalo frente a los demás estados." if r.flag else ""
        for r in cur.itertuples()
    ]
    cur["geo_name"] = [state_name(g) for g in cur["geo"]]
    order = cur["geo"].map(lambda g: (g != NATIONAL, g))
    return cur.iloc[order.argsort(kind="stable")].reset_index(drop=True)


def _robust_z(values: pd.Series, among: pd.Series) -> pd.Series:
    """Modified z-score of each state's value against the states' median and MAD (NaN off ``among``)."""
    pool = values[among].dropna()
    z = pd.Series(np.nan, index=values.index)
    if len(pool) < 3:
        return z
    med = pool.median()
    mad = MAD_SCALE * (pool - med).abs().median()
    spread = mad if mad > 0 else pool.std(ddof=1)
    if not spread or np.isnan(spread):
        return z.where(~among, 0.0)
    return ((values - med) / spread).where(among)


def reconcile(con, year: int, vintage: str | None = None) -> pd.DataFrame:
    """SESNSP lethal-violence victims vs INEGI homicide deaths for ``year``: 32 states and the nation.

    Columns: see ``COLUMNS``; ``frame.attrs['sources']`` lists the releases of both sources and
    ``frame.attrs['formula']`` the score. Raises QueryError when either source lacks the year (INEGI
    deaths here cover 2000–2022, SESNSP victims 2015–2025).
    """
    from vigia.indicators.compute import IndicatorQuery, indicator_series

    try:
        year = int(year)
    except (TypeError, ValueError):
        raise QueryError("year", f"'{year}' is not a year.", ["YYYY"]) from None
    parts, sources, vintages = {}, [], {}
    for name, indicator in (("sesnsp_victims", SESNSP_INDICATOR), ("inegi_deaths", INEGI_INDICATOR)):
        frames = [indicator_series(con, IndicatorQuery(indicator, geo=g, freq="year", start=str(year - 1),
                                                       end=str(year), vintage=vintage)) for g in ("*", NATIONAL)]
        frame = pd.concat(frames, ignore_index=True)
        complete = frame[frame["months"] == 12]
        parts[name] = pd.DataFrame({"geo": complete["geo"].astype(str), "year": complete["period"].astype(str),
                                    name: complete["value"]})
        sources += [s for f in frames for s in f.attrs.get("sources", [])]
        vintages[name] = frame["vintage"].dropna().max() if len(frame) else None
    table = parts["sesnsp_victims"].merge(parts["inegi_deaths"], on=["geo", "year"], how="inner")
    table["year"] = table["year"].astype(int)
    if not (table["year"] == year).any():
        raise QueryError("year", f"{year} is not covered by both SESNSP victims and INEGI homicide deaths (full "
                         "years only).", _common_years(con, vintage))
    out = score_ratios(table, year)
    out["vintage_sesnsp"] = vintages["sesnsp_victims"]
    out["vintage_inegi"] = vintages["inegi_deaths"]
    for column in ("sesnsp_victims", "inegi_deaths"):
        out[column] = out[column].round().astype("int64")
    out = out[COLUMNS]
    unique = {s["release_id"]: s for s in sources}
    out.attrs["sources"] = sorted(unique.values(), key=lambda s: (s["dataset"], s["vintage"] or ""))
    out.attrs["formula"] = FORMULA
    return out


def _common_years(con, vintage: str | None) -> list[str]:
    """Full years both sources cover, for the error message."""
    from vigia.indicators.compute import IndicatorQuery, indicator_series

    years = []
    for indicator in (SESNSP_INDICATOR, INEGI_INDICATOR):
        frame = indicator_series(con, IndicatorQuery(indicator, geo=NATIONAL, freq="year", vintage=vintage))
        years.append(set(frame.loc[frame["months"] == 12, "period"]))
    return sorted(years[0] & years[1])


__all__ = ["COLUMNS", "FORMULA", "Z_FLAG", "reconcile", "score_ratios"]
