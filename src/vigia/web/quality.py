"""Data-quality flags for the API and the state pages.

`vigia.analysis.service.quality_for` answers when installed (every rule, with revisions between vintages
and the SESNSP/INEGI ratio). Without it the flags are computed here with the pure
`vigia.analysis.quality_flags` over every state's monthly cells (per dataset and instrument, never mixing
catalogues). Either way the flags the ingest recorded in the store are added.
"""

from __future__ import annotations

import pandas as pd

from vigia.analysis import RULES, SEVERITY, quality_flags
from vigia.errors import QueryError
from vigia.store import queries
from vigia.web.optional import call_with

COLUMNS = ["geo", "geo_name", "period", "period_end", "rule", "rule_label", "severity", "evidence", "subtipo",
           "dataset"]


DATASETS = ("incidence", "victims")


def all_flags(con, service=None) -> tuple[pd.DataFrame, list[dict]]:
    """Every flag over the state datasets, and the releases they read (expensive: the app caches it)."""
    stored = {r[0] for r in con.execute("SELECT DISTINCT dataset FROM series").fetchall()}
    parts, sources = [_recorded(con)], []
    for dataset in (d for d in DATASETS if d in stored):
        frame = call_with(service, con, dataset=dataset) if service is not None else _computed(con, dataset)
        sources.extend(frame.attrs.get("sources", []))
        parts.append(frame)
    frame = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else \
        pd.DataFrame()
    return _tidy(frame), sources


def _computed(con, dataset: str) -> pd.DataFrame:
    parts = []
    stored = con.execute("SELECT DISTINCT instrument FROM series WHERE dataset = ? ORDER BY 1", [dataset]).fetchall()
    for (instrument,) in stored:
        cells = queries.series(con, queries.SeriesQuery(dataset=dataset, geo="*", by=("subtipo",),
                                                        filters={"instrument": instrument}))
        if cells.empty:
            continue
        parts.append(quality_flags(cells[["geo", "period", "subtipo", "value"]].assign(dataset=dataset)))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _recorded(con) -> pd.DataFrame:
    """Flags the ingest wrote (negative cells and the like), one row per cell and rule."""
    frame = con.execute(
        """
        SELECT s.geo, strftime(f.period, '%Y-%m') AS period, f.rule, s.subtipo, s.dataset, f.value,
               r.file_name, f.line
        FROM quality_flags f JOIN series s USING (series_id) JOIN releases r USING (release_id)
        """).df()
    if frame.empty:
        return frame
    frame["evidence"] = [f"{rule}: {value:g} — {file}, línea {line}" if pd.notna(value) else f"{rule} — {file}"
                         for rule, value, file, line in zip(frame["rule"], frame["value"], frame["file_name"],
                                                            frame["line"])]
    frame["severity"] = "medium"
    frame["period_end"] = frame["period"]
    return frame.drop(columns=["value", "file_name", "line"])


def _tidy(frame: pd.DataFrame) -> pd.DataFrame:
    from vigia.web.service import geo_name

    if frame.empty:
        return pd.DataFrame(columns=COLUMNS)
    out = frame.copy()
    for col in COLUMNS:
        if col not in out:
            out[col] = None
    for col in ("period", "period_end"):
        out[col] = [pd.Timestamp(v).strftime("%Y-%m") if pd.notna(v) and v is not None else None for v in out[col]]
    out["geo"] = out["geo"].astype(str).str.zfill(2)
    out["geo_name"] = [_safe_name(g, geo_name) for g in out["geo"]]
    out["rule_label"] = [RULES.get(r, r) for r in out["rule"]]
    out["severity"] = [s if s in SEVERITY else "medium" for s in out["severity"]]
    return out[COLUMNS].sort_values(["geo", "period", "rule"], kind="stable").reset_index(drop=True)


def _safe_name(code: str, name) -> str:
    try:
        return name(code)
    except QueryError:
        return code


def filter_flags(frame: pd.DataFrame, *, geo: str | None, rule: str | None, dataset: str | None) -> pd.DataFrame:
    out = frame
    if geo and geo != "*":
        out = out[out["geo"] == geo]
    if rule:
        if rule not in RULES:
            raise QueryError("rule", f"'{rule}' is not a quality rule.", sorted(RULES))
        out = out[out["rule"] == rule]
    if dataset:
        out = out[out["dataset"] == dataset]
    return out.reset_index(drop=True)
