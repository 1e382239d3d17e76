"""Optional inputs of a brief: perception (ENVIPE), rule of law (WJP) and data-quality flags.

Each comes from a layer that may be missing in an installation (vigia.indicators.context,
vigia.analysis.service) or a source the store may lack. Nothing here raises for that: the result
says what is missing so the brief can say so in words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from vigia.errors import VigiaError
from vigia.reports.model import SourceRef
from vigia.reports.provenance import Provenance

ENVIPE_INDICATOR = "envipe_percepcion_inseguridad"
WJP_INDICATORS = {"rank": "wjp_rank", "score": "wjp_score"}
# Fallback when the context-indicator module is absent: the store's own dataset/variable names.
ENVIPE_STORE = ("envipe_perception", ("percepcion_inseguridad_pct",))
WJP_STORE = ("wjp", ("wjp_rank", "wjp_overall", "wjp_countries"))
WJP_STORE_KEYS = {"wjp_rank": "rank", "wjp_overall": "score", "wjp_countries": "countries"}
# A survey (ENVIPE year Y, fieldwork March–April) or an edition (WJP, published early in its last year)
# is dated in March of its year when deciding whether it falls in the brief's period.
REFERENCE_MONTH = 3


@dataclass
class ContextRow:
    label: str
    year: int
    values: dict[str, float]
    sources: tuple[SourceRef, ...]
    baseline: bool = False


@dataclass
class ContextResult:
    rows: list[ContextRow] = field(default_factory=list)
    via: str = "none"  # indicator | store | none
    module_missing: bool = False

    @property
    def available(self) -> bool:
        return self.via != "none"


def _label_year(label: str) -> int | None:
    years = re.findall(r"(?:19|20)\d\d", str(label))
    return int(years[-1]) if years else None


def _select(rows: list[ContextRow], start: pd.Timestamp, end: pd.Timestamp) -> list[ContextRow]:
    """Measurements dated inside the period, preceded by the last one before it (the baseline)."""
    rows = sorted(rows, key=lambda r: (r.year, r.label))
    dated = [(pd.Timestamp(r.year, REFERENCE_MONTH, 1), r) for r in rows]
    inside = [r for d, r in dated if start <= d <= end]
    before = [r for d, r in dated if d < start]
    if before:
        before[-1].baseline = True
        return [before[-1], *inside]
    return inside


def _from_indicators(con, prov: Provenance, ids: dict[str, str], geo: str, vintage: str | None) -> list[ContextRow]:
    """Rows keyed by label, one value per key, through indicator_series (raises when unavailable)."""
    from vigia.indicators.compute import IndicatorQuery, indicator_series

    by_label: dict[str, ContextRow] = {}
    for key, ind in ids.items():
        frame = indicator_series(con, IndicatorQuery(indicator=ind, geo=geo, freq="year", vintage=vintage))
        sources = frame.attrs.get("sources", [])
        for row in frame.to_dict(orient="records"):
            label = str(row.get("edition") or row.get("extra") or row.get("period"))
            year = _label_year(label)
            if year is None or pd.isna(row.get("value")):
                continue
            item = by_label.setdefault(label, ContextRow(label, year, {}, prov.for_frame(sources, [year])
                                                         if sources else ()))
            item.values[key] = float(row["value"])
            if key == "rank" and not pd.isna(row.get("countries", float("nan"))):
                item.values["countries"] = float(row["countries"])  # a rank reads with its denominator
    return list(by_label.values())


def _from_store(con: duckdb.DuckDBPyConnection, prov: Provenance, dataset: str, variables: tuple[str, ...],
                geo: str, vintage: str | None, keys: dict[str, str] | None = None) -> list[ContextRow]:
    """The same rows read straight from the store (annual and edition data sit in January)."""
    limit = pd.Timestamp(vintage + "-01").date() if vintage else None
    rows = con.execute(
        """
        WITH sel AS (SELECT series_id, extra, subtipo FROM series
                     WHERE dataset = ? AND geo = ? AND subtipo IN (SELECT unnest(?)))
        SELECT sel.extra, sel.subtipo, cv.year, arg_max(cv.m01, cv.valid_from) AS value,
               arg_max(cv.release_id, cv.valid_from) AS release_id
        FROM cell_versions cv JOIN sel ON sel.series_id = cv.series_id
        WHERE cv.mask & 1 <> 0 AND (?::DATE IS NULL OR cv.valid_from <= ?::DATE)
        GROUP BY ALL ORDER BY ALL
        """,
        [dataset, geo, list(variables), limit, limit],
    ).fetchall()
    by_label: dict[str, ContextRow] = {}
    for extra, variable, year, value, release_id in rows:
        if value is None:
            continue
        label = str(extra or year)
        ref = prov.releases.get(int(release_id))
        item = by_label.setdefault(label, ContextRow(label, _label_year(label) or int(year), {},
                                                     (ref,) if ref else ()))
        item.values[(keys or {}).get(variable, "value")] = float(value)
    return list(by_label.values())


def _context(con, prov, *, ids, store, geo, store_geo, start, end, vintage, keys=None) -> ContextResult:
    try:
        rows = _from_indicators(con, prov, ids, geo, vintage)
        if rows:
            return ContextResult(_select(rows, start, end), via="indicator")
        module_missing = False
    except ImportError:
        module_missing = True
    except VigiaError:  # indicator not in this catalogue, or its source not in the store
        module_missing = _module_missing()
    rows = _from_store(con, prov, store[0], store[1], store_geo, vintage, keys)
    if not rows:
        return ContextResult(module_missing=module_missing)
    return ContextResult(_select(rows, start, end), via="store", module_missing=module_missing)


def _module_missing() -> bool:
    import importlib.util

    return importlib.util.find_spec("vigia.indicators.context") is None


def perception(con, prov: Provenance, geo: str, start: pd.Timestamp, end: pd.Timestamp,
               vintage: str | None) -> ContextResult:
    """ENVIPE headline % for the brief's geography (its own state, or national)."""
    return _context(con, prov, ids={"value": ENVIPE_INDICATOR}, store=ENVIPE_STORE, geo=geo, store_geo=geo,
                    start=start, end=end, vintage=vintage)


def rule_of_law(con, prov: Provenance, start: pd.Timestamp, end: pd.Timestamp, vintage: str | None) -> ContextResult:
    """WJP overall score and rank of Mexico (a national measure, whatever the brief's geography)."""
    return _context(con, prov, ids=WJP_INDICATORS, store=WJP_STORE, geo="MEX", store_geo="MEX", start=start,
                    end=end, vintage=vintage, keys=WJP_STORE_KEYS)


# --- data quality ------------------------------------------------------------------------------

SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


@dataclass
class QualityResult:
    flags: pd.DataFrame | None  # the service's flags inside the period (None: service absent or failed)
    service: str  # ok | missing | failed | skipped
    error: str = ""
    ingest: list[tuple[str, str, str, str, float]] = field(default_factory=list)  # geo, subtipo, modalidad, month


def quality(con: duckdb.DuckDBPyConnection, geo: str, start: pd.Timestamp, end: pd.Timestamp,
            vintage: str | None, instruments: dict[str, list[str]], run_service: bool = True) -> QualityResult:
    """Flags of the data-quality service for the brief's geography and period, per dataset and instrument
    (`instruments`: dataset → instruments the brief's figures use)."""
    if not run_service:
        return QualityResult(None, "skipped", ingest=_ingest_flags(con, geo, start, end))
    try:
        from vigia.analysis.service import quality_for
    except ImportError:
        return QualityResult(None, "missing", ingest=_ingest_flags(con, geo, start, end))
    parts = []
    try:
        for dataset, insts in sorted(instruments.items()):
            for inst in sorted(insts):
                parts.append(pd.DataFrame(quality_for(con, vintage=vintage, dataset=dataset, geo=geo,
                                                      instrument=inst, start=start.strftime("%Y-%m"),
                                                      end=end.strftime("%Y-%m"))))
        flags = _in_period(pd.concat(parts, ignore_index=True), start, end) if parts else pd.DataFrame()
    except Exception as exc:  # noqa: BLE001 - a failing optional layer must not take the brief down
        return QualityResult(None, "failed", error=f"{exc.__class__.__name__}: {exc}",
                             ingest=_ingest_flags(con, geo, start, end))
    return QualityResult(flags, "ok")


def _in_period(flags: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    if flags.empty or "period" not in flags:
        return flags
    first = pd.to_datetime(flags["period"])
    last = pd.to_datetime(flags["period_end"]).fillna(first) if "period_end" in flags else first
    out = flags[(first <= end) & (last >= start)].copy()
    if "severity" in out:
        out["_order"] = out["severity"].map(SEVERITY_ORDER).fillna(3)
        out = out.sort_values(["_order", "period", "geo", "rule"], kind="stable").drop(columns="_order")
    return out.reset_index(drop=True)


def _ingest_flags(con, geo: str, start: pd.Timestamp, end: pd.Timestamp) -> list:
    rows = con.execute(
        """
        SELECT DISTINCT s.geo, s.subtipo, s.modalidad, strftime(q.period, '%Y-%m') AS month, q.value
        FROM quality_flags q JOIN series s ON s.series_id = q.series_id
        WHERE s.dataset IN ('incidence', 'victims') AND q.period BETWEEN ? AND ?
          AND (? = '00' OR s.geo = ?)
        ORDER BY ALL
        """,
        [start.date(), end.date(), geo, geo],
    ).fetchall()
    return [tuple(r) for r in rows]
