"""Every stored value a claim could be checked against, computed once per store and reused.

SESNSP indicators: one query per call computes the monthly value of each indicator × state as published
in *every* release that covers that year (national = sum of the states), instead of one
query per claim × vintage. Context indicators (ENVIPE, WJP, INEGI deaths, budget) come from
`vigia.indicators.compute.indicator_series`. Everything is loaded lazily, per indicator, and kept; a SESNSP indicator
is loaded month by month, so claims about months and spans across years need no further query.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass

import duckdb
import pandas as pd

from vigia.errors import VigiaError
from vigia.geo.catalog import NATIONAL

log = logging.getLogger(__name__)

COUNTRY = "MEX"  # WJP speaks of countries; the store keys them by ISO-3 code
POPULATION = "conapo_poblacion"  # not a catalogue indicator: the denominators, searched as a series
_MONTHS = "[" + ", ".join(f"cv.m{i:02d}" for i in range(1, 13)) + "]"


@dataclass(frozen=True)
class Obs:
    """One value of one series as published in one release."""

    vintage: str  # 'YYYY-MM' of the release
    value: float
    months: int = 12  # months of the year the value sums (12 = the whole year)
    source: str = ""  # file name of the release
    total: int | None = None  # WJP ranks: countries in the edition
    until: str = ""  # a period published only in part: its last published month (YYYY-MM)


Key = tuple[str, str, str, str]  # indicator, measure, geo, period


class Bank:
    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.data: dict[Key, list[Obs]] = defaultdict(list)
        self.loaded: set[str] = set()
        self.missing: dict[str, str] = {}  # indicator → why it cannot be searched
        self.measures: dict[str, str] = {}
        self._population: dict[tuple[str, int], float] | None = None
        self._files = {(d, v): f for d, v, f in con.execute(
            "SELECT dataset, strftime(vintage, '%Y-%m'), file_name FROM releases").fetchall()}
        # (indicator, geo, year) → vintage → month → value, for SESNSP series
        self._monthly: dict[tuple[str, str, int], dict[str, dict[int, float]]] = defaultdict(dict)
        self._datasets: dict[tuple[str, str], str] = {}

    # ---- lookups ------------------------------------------------------------------------------------------
    def get(self, indicator: str, measure: str, geo: str, period: str) -> list[Obs]:
        return self.data.get((indicator, measure, geo, period), [])

    def periods(self, indicator: str, measure: str, geo: str) -> list[str]:
        return sorted(k[3] for k in self.data if k[:3] == (indicator, measure, geo))

    def measure_of(self, indicator: str) -> str:
        return self.measures.get(indicator, "")

    def population(self, geo: str, year: int) -> float | None:
        if self._population is None:
            rows = self.con.execute(
                """
                WITH s AS (SELECT series_id, geo FROM series WHERE dataset = 'population'
                           AND subtipo = 'poblacion_mitad_anio' AND modalidad IN ('Total', ''))
                SELECT s.geo, cv.year, arg_max(cv.m01, cv.valid_from)
                FROM cell_versions cv JOIN s USING (series_id) WHERE cv.mask & 1 <> 0 GROUP BY ALL
                """).fetchall()
            self._population = {(g, int(y)): float(v) for g, y, v in rows if v is not None}
        return self._population.get((geo, int(year)))

    # ---- loading ------------------------------------------------------------------------------------------
    def ensure(self, indicators: set[str]) -> None:
        """Load every indicator not loaded yet: SESNSP ones in one query, context ones one by one."""
        from vigia.indicators.catalog import get

        todo = sorted(set(indicators) - self.loaded - set(self.missing))
        sesnsp, context = [], []
        if POPULATION in todo:
            todo.remove(POPULATION)
            self._load_population()
        for ind_id in todo:
            try:
                ind = get(ind_id)
            except VigiaError:
                self.missing[ind_id] = "not in the indicator catalogue"
                continue
            self.measures[ind_id] = ind.measure
            (sesnsp if ind.kind == "sesnsp" else context).append(ind)
        if sesnsp:
            self._load_sesnsp(sesnsp)
        for ind in context:
            self._load_context(ind)

    def _load_population(self) -> None:
        """CONAPO mid-year population, searched like a series (claims such as '131.1 millones de habitantes')."""
        self.loaded.add(POPULATION)
        self.measures[POPULATION] = "poblacion"
        self.population("00", 2000)  # loads the table
        row = self.con.execute("SELECT strftime(max(vintage), '%Y-%m') FROM releases WHERE dataset = 'population'"
                               ).fetchone()
        vintage = row[0] if row and row[0] else ""
        if not self._population:
            self.missing[POPULATION] = "the store holds no CONAPO population"
            return
        source = self._files.get(("population", vintage), "")
        for (geo, year), value in self._population.items():
            self.data[(POPULATION, "poblacion", geo, str(year))].append(Obs(vintage, value, 12, source))

    def _load_sesnsp(self, inds: list) -> None:
        """Monthly values of every state in every release, in one query; years and the nation derive from them."""
        from vigia.indicators.compute import category_keys

        stored = {r[0] for r in self.con.execute("SELECT DISTINCT dataset FROM releases").fetchall()}
        keymap = [(ds, key, ind.id) for ind in inds for ds in ind.datasets if ds in stored
                  for key in category_keys(self.con, ind, ds)]
        for ind in inds:
            self.loaded.add(ind.id)
            if not any(row[2] == ind.id for row in keymap):
                self.missing[ind.id] = f"the store holds no {', '.join(ind.datasets)} data"
        if not keymap:
            return
        frame = self._sesnsp_frame(pd.DataFrame(keymap, columns=["dataset", "key", "indicator"]))
        nat = frame.groupby(["indicator", "dataset", "year", "month", "vintage"], as_index=False)["value"].sum()
        nat["geo"] = NATIONAL
        frame = pd.concat([frame, nat], ignore_index=True)
        for r in frame.itertuples(index=False):
            self._monthly[(r.indicator, r.geo, int(r.year))].setdefault(r.vintage, {})[int(r.month)] = float(r.value)
            self._datasets[(r.indicator, r.vintage)] = r.dataset
        years = frame.groupby(["indicator", "dataset", "geo", "year", "vintage"], as_index=False).agg(
            value=("value", "sum"), months=("month", "nunique"))
        for r in years.sort_values("vintage").itertuples(index=False):
            obs = Obs(r.vintage, float(r.value), int(r.months), self._files.get((r.dataset, r.vintage), ""))
            self.data[(r.indicator, self.measures[r.indicator], r.geo, str(r.year))].append(obs)

    def _sesnsp_frame(self, keymap: pd.DataFrame) -> pd.DataFrame:
        """indicator, dataset, geo, year, month, vintage, value: each state-month as published in each release.

        A cell's value as of a release is its latest record at or before it (the ALFRED spans of the store),
        and a release speaks only for the years it covers (release_coverage), so a 2026 RNID file does not
        re-issue 2019 and a value is dated by the release that published it.
        """
        self.con.register("claims_keymap", keymap)
        try:
            return self.con.execute(
                f"""
                WITH sel AS (
                    SELECT s.series_id, s.dataset, s.geo, km.indicator FROM series s
                    JOIN claims_keymap km ON km.dataset = s.dataset
                     AND km.key = concat_ws(chr(31), s.instrument, s.tipo, s.subtipo, s.modalidad)
                ),
                obs AS (
                    SELECT cv.series_id, cv.year, t.m, list_extract({_MONTHS}, t.m) AS value, cv.valid_from
                    FROM cell_versions cv JOIN (SELECT DISTINCT series_id FROM sel) u USING (series_id)
                    CROSS JOIN (SELECT unnest(range(1, 13))::INTEGER AS m) t
                    WHERE (cv.mask >> (t.m - 1)) & 1 = 1
                ),
                spans AS (
                    SELECT *, lead(valid_from) OVER (PARTITION BY series_id, year, m ORDER BY valid_from) AS valid_to
                    FROM obs
                ),
                vint AS (
                    SELECT r.dataset, r.vintage, c.year, c.scope
                    FROM releases r JOIN release_coverage c USING (release_id)
                )
                SELECT sel.indicator, sel.dataset, sel.geo, sp.year, sp.m AS month,
                       strftime(v.vintage, '%Y-%m') AS vintage, sum(sp.value) AS value
                FROM spans sp JOIN sel ON sel.series_id = sp.series_id
                JOIN vint v ON v.dataset = sel.dataset AND v.year = sp.year
                 AND (v.scope = '*' OR v.scope = substr(sel.geo, 1, 2))
                 AND sp.valid_from <= v.vintage AND (sp.valid_to IS NULL OR v.vintage < sp.valid_to)
                WHERE sp.value IS NOT NULL
                GROUP BY ALL
                """
            ).df()
        finally:
            self.con.unregister("claims_keymap")

    def monthly(self, indicator: str, geo: str, year: int) -> dict[str, dict[int, float]]:
        """vintage → {month: value} of one SESNSP indicator, geography and year (empty for other sources)."""
        self.ensure({indicator})
        return self._monthly.get((indicator, geo, int(year)), {})

    def source(self, indicator: str, vintage: str) -> str:
        return self._files.get((self._datasets.get((indicator, vintage), ""), vintage), "")

    def _load_context(self, ind) -> None:
        """ENVIPE, WJP, INEGI deaths, budget: through the indicator layer, which knows each source's shape."""
        from vigia.indicators.compute import IndicatorQuery, indicator_series

        self.loaded.add(ind.id)
        geos = [COUNTRY] if ind.id.startswith("wjp") else [NATIONAL] if ind.kind == "budget" else [NATIONAL, "*"]
        frames = []
        for geo in geos:
            try:
                frames.append(indicator_series(self.con, IndicatorQuery(indicator=ind.id, geo=geo, freq="year")))
            except VigiaError as exc:  # not stored, or no such geography: the claim says so later
                log.debug("claims: %s at %s: %s", ind.id, geo, exc)
        frames = [f for f in frames if len(f)]
        if not frames:
            self.missing[ind.id] = "the store holds no data for it"
            return
        for frame in frames:
            files = {s["vintage"]: s["file_name"] for s in frame.attrs.get("sources", [])}
            for r in frame.to_dict(orient="records"):
                if pd.isna(r.get("value")):
                    continue
                measure = r.get("stage") or ind.measure
                vintage = r.get("vintage") or ""
                months = int(r["months"]) if pd.notna(r.get("months", None)) else 12
                total = int(r["countries"]) if pd.notna(r.get("countries", None)) else None
                obs = Obs(vintage, float(r["value"]), months, files.get(vintage, ""), total)
                self.data[(ind.id, measure, r["geo"], str(r["period"]))].append(obs)


_BANKS: dict[tuple, Bank] = {}


def bank_for(con: duckdb.DuckDBPyConnection) -> Bank:
    """The bank of this connection's store, rebuilt only when a release was added."""
    signature = (id(con), *con.execute("SELECT count(*), max(release_id) FROM releases").fetchone())
    bank = _BANKS.get(signature)
    if bank is None or bank.con is not con:
        if len(_BANKS) >= 4:
            _BANKS.clear()
        bank = _BANKS[signature] = Bank(con)
    return bank
