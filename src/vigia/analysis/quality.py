"""Data-quality flags over a tidy frame of SESNSP cells, as a pure function (no store, no I/O).

Rules (each flag names the state, the month(s), the numbers and the rule; docs/analysis.md):
- silent_reporting: a state-month where every category is 0 or blank, in a state that usually
  reports, or a blank month that most other states did publish;
- negative_value: any cell below zero (kept, never clipped);
- reclassification: an abrupt drop in one category with a matching rise in a sibling
  (sibling groups are data: sibling_groups.csv);
- large_revision: a release that rewrote an earlier figure by a lot (from a revisions frame);
- sesnsp_inegi_divergence: an abrupt change in a state's SESNSP/INEGI ratio (from a ratios frame).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from vigia.analysis._series import AnalysisError

OUTPUT = ["geo", "period", "rule", "evidence", "severity", "period_end", "subtipo", "dataset"]
RULES = {  # Spanish-first labels for the rule codes
    "silent_reporting": "Silencio en el reporte",
    "negative_value": "Valor negativo",
    "reclassification": "Posible reclasificación",
    "large_revision": "Revisión grande",
    "sesnsp_inegi_divergence": "Divergencia SESNSP–INEGI",
}
SEVERITY = {"high": "alta", "medium": "media", "low": "baja"}

# Thresholds; the reasons are in docs/analysis.md.
USUAL_MONTHLY_TOTAL = 5      # a state "usually reports" if its median monthly total is at least this
PUBLISHED_SHARE = 0.5        # a blank month is suspect when at least this share of states published it
BASELINE_MONTHS, BASELINE_MIN = 12, 6
SPREAD_MONTHS = 24  # longer than the baseline so a few reclassified months barely widen the spread
PAIR_SIGMAS = 5.0                 # the transfer (drop + matching rise) must stand out this much…
SINGLE_SIGMAS = 2.0               # …and each side on its own at least this much
CONTINUE_SIGMAS = 3.0             # a run already flagged continues on weaker evidence (hysteresis)
DROP_SHARE, MIN_COUNT = 0.25, 5
MATCH_LOW, MATCH_HIGH = 0.5, 2.0   # the sibling's rise must offset 50%–200% of the drop
REVISION_MIN_ABS, REVISION_MIN_SHARE, REVISION_HIGH_SHARE = 10, 0.10, 0.50
RATIO_JUMP, RATIO_JUMP_HIGH = np.log(1.25), np.log(1.5)


def quality_flags(frame: pd.DataFrame, *, revisions: pd.DataFrame | None = None,
                  inegi: pd.DataFrame | None = None, siblings: pd.DataFrame | None = None) -> pd.DataFrame:
    """Flags for ``frame`` (columns geo, period, subtipo, value; optional tipo, modalidad, dataset,
    vintage), ``revisions`` (geo, period, old_value, new_value; optional subtipo, dataset, vintages)
    and ``inegi`` (geo, year, ratio = SESNSP ÷ INEGI).

    Returns a DataFrame with columns geo, period, rule, evidence, severity, period_end, subtipo,
    dataset, sorted by geo, period and rule. ``siblings`` overrides the packaged sibling groups
    (columns group, subtipo). Carpetas and victims are never mixed: rules run per ``dataset``.
    """
    cells = _prepare(frame)
    parts = [_negative(cells), *_per_dataset(cells, _sibling_table(siblings))]
    if revisions is not None:
        parts.append(_large_revisions(revisions))
    if inegi is not None:
        parts.append(_divergence(inegi))
    parts = [p for p in parts if len(p)]
    if not parts:
        return _empty()
    out = pd.concat(parts, ignore_index=True)[OUTPUT]
    out["evidence"] = out["geo"].map(_place) + ": " + out["evidence"]
    out["dataset"] = out["dataset"].where(out["dataset"].astype(bool), None)
    return out.sort_values(["geo", "period", "rule", "subtipo"], kind="stable", na_position="first") \
              .reset_index(drop=True)


def _empty() -> pd.DataFrame:
    out = pd.DataFrame({c: pd.Series(dtype="object") for c in OUTPUT})
    out["period"] = pd.Series(dtype="datetime64[ns]")
    out["period_end"] = pd.Series(dtype="datetime64[ns]")
    return out


def _flags(**columns) -> pd.DataFrame:
    out = pd.DataFrame(columns)
    for c in OUTPUT:
        if c not in out:
            out[c] = None
    return out[OUTPUT]


# --- input ---------------------------------------------------------------------------------------

def _geo_codes(values: pd.Series) -> pd.Series:
    text = values.astype(str).str.strip().str.replace(r"\.0$", "", regex=True)
    short = text.str.fullmatch(r"\d{1,2}")
    muni = text.str.fullmatch(r"\d{3,5}")
    return text.where(~short, text.str.zfill(2)).where(~muni, text.str.zfill(5))


def _months(values: pd.Series, column: str) -> pd.Series:
    try:
        return pd.to_datetime(values).dt.to_period("M").dt.to_timestamp()
    except (ValueError, TypeError) as exc:
        raise AnalysisError(f"quality_flags: column '{column}' must hold dates or 'YYYY-MM' months.") from exc


def _require(frame: pd.DataFrame, columns: list[str], what: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise AnalysisError(f"quality_flags: {what} must be a pandas DataFrame.")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise AnalysisError(f"quality_flags: {what} lacks column(s) {missing}.",
                            hint=f"Expected at least: {', '.join(columns)}.")


def _prepare(frame: pd.DataFrame) -> pd.DataFrame:
    _require(frame, ["geo", "period", "subtipo", "value"], "frame")
    keep = [c for c in ("geo", "period", "subtipo", "value", "modalidad", "dataset") if c in frame.columns]
    cells = frame[keep].copy()
    cells["geo"] = _geo_codes(cells["geo"])
    cells["period"] = _months(cells["period"], "period")
    cells["value"] = pd.to_numeric(cells["value"], errors="coerce")
    cells["subtipo"] = cells["subtipo"].astype(str)
    cells["dataset"] = cells["dataset"].fillna("").astype(str) if "dataset" in cells else ""
    return cells


# --- rules over the cells ------------------------------------------------------------------------

def _negative(cells: pd.DataFrame) -> pd.DataFrame:
    bad = cells[cells["value"] < 0]
    if bad.empty:
        return _empty()
    where = bad["subtipo"] + (" / " + bad["modalidad"].astype(str) if "modalidad" in bad else "")
    evidence = "Valor negativo " + bad["value"].map(lambda v: f"{v:g}") + " en " + where + \
        " (se conserva; no debe tratarse como 0)."
    return _flags(geo=bad["geo"].to_numpy(), period=bad["period"].to_numpy(), rule="negative_value",
                  evidence=evidence.to_numpy(), severity="medium", period_end=bad["period"].to_numpy(),
                  subtipo=bad["subtipo"].to_numpy(), dataset=bad["dataset"].to_numpy())


def _per_dataset(cells: pd.DataFrame, siblings: pd.DataFrame) -> list[pd.DataFrame]:
    out = []
    for dataset, part in cells.groupby("dataset", sort=True):
        # One value per state, month and category: modalidades are summed, all-blank stays blank.
        by_cat = part.groupby(["geo", "period", "subtipo"], sort=True)["value"].sum(min_count=1)
        out.append(_silent(by_cat, dataset))
        out.append(_reclassification(by_cat, dataset, siblings))
    return out


def _silent(by_cat: pd.Series, dataset: str) -> pd.DataFrame:
    stats = pd.DataFrame({"n": by_cat.groupby(level=[0, 1]).size(),
                          "blank": by_cat.isna().groupby(level=[0, 1]).sum(),
                          "zero": (by_cat == 0).groupby(level=[0, 1]).sum(),
                          "total": by_cat.groupby(level=[0, 1]).sum(min_count=1)})
    # Complete the state × month grid: a state-month with no rows at all is a blank month too.
    grid = pd.MultiIndex.from_product(stats.index.levels, names=["geo", "period"])
    stats = stats.reindex(grid)
    stats["n"] = stats["n"].fillna(0)
    stats["blank"] = stats["blank"].fillna(0)
    stats["zero"] = stats["zero"].fillna(0)
    published = stats["total"].notna() & (stats["zero"] + stats["blank"] < stats["n"])
    usual = stats["total"].where(published).groupby(level=0).median()
    usual_by_row = pd.Series(stats.index.get_level_values(0).map(usual), index=stats.index)

    all_zero = (stats["zero"] > 0) & (stats["zero"] + stats["blank"] == stats["n"]) \
        & (usual_by_row >= USUAL_MONTHLY_TOTAL)
    share = (stats["total"].notna()).groupby(level=1).mean()
    share_by_row = pd.Series(stats.index.get_level_values(1).map(share), index=stats.index)
    n_states = stats.index.get_level_values(0).nunique()
    all_blank = stats["total"].isna() & (share_by_row >= PUBLISHED_SHARE) & (n_states > 1)

    zero_rows, blank_rows = stats[all_zero], stats[all_blank]
    frames = []
    if len(zero_rows):
        usual_z = usual_by_row[all_zero]
        ev = [f"Las {int(r.zero)} categorías con dato están en 0 ({int(r.blank)} vacías); la entidad "
              f"registra normalmente unas {u:,.0f} al mes. Probable mes no reportado, no ausencia de delitos."
              for r, u in zip(zero_rows.itertuples(), usual_z)]
        months = zero_rows.index.get_level_values(1)
        frames.append(_flags(geo=zero_rows.index.get_level_values(0), period=months, rule="silent_reporting",
                             evidence=ev, severity="high", period_end=months, dataset=dataset))
    if len(blank_rows):
        pub = share_by_row[all_blank]
        ev = [f"Mes vacío (sin publicar) mientras {round(p * n_states)} de {n_states} entidades "
              "sí publicaron." for p in pub]
        months = blank_rows.index.get_level_values(1)
        frames.append(_flags(geo=blank_rows.index.get_level_values(0), period=months, rule="silent_reporting",
                             evidence=ev, severity="medium", period_end=months, dataset=dataset))
    return pd.concat(frames, ignore_index=True) if frames else _empty()


def _reclassification(by_cat: pd.Series, dataset: str, siblings: pd.DataFrame) -> pd.DataFrame:
    names = pd.Series(by_cat.index.get_level_values(2).unique())
    key_of = dict(zip(names, names.map(_key)))
    present = siblings[siblings["key"].isin(set(key_of.values()))]
    if present.empty:
        return _empty()
    name_of = {k: n for n, k in key_of.items()}
    wanted = [name_of[k] for k in present["key"].unique()]
    sub = by_cat[by_cat.index.get_level_values(2).isin(wanted)]
    wide = sub.unstack(["geo", "subtipo"]).sort_index()
    wide = wide.reindex(pd.date_range(wide.index.min(), wide.index.max(), freq="MS"))

    base = wide.shift(1).rolling(BASELINE_MONTHS, min_periods=BASELINE_MIN).median()
    long = wide.shift(1).rolling(SPREAD_MONTHS, min_periods=BASELINE_MIN)
    spread = (long.quantile(0.75) - long.quantile(0.25)) / 1.349
    scale = np.maximum(np.sqrt(base.clip(lower=1)), spread)
    dev = wide - base
    drop = (dev <= -SINGLE_SIGMAS * scale) & (-dev >= DROP_SHARE * base) & (-dev >= MIN_COUNT)
    rise = (dev >= SINGLE_SIGMAS * scale) & (dev >= MIN_COUNT)

    hits = []
    seen: set[tuple[str, str]] = set()
    for _, group in present.groupby("group", sort=False):
        members = [name_of[k] for k in group["key"].unique()]
        for a in members:
            for b in members:
                if a == b or (a, b) in seen:
                    continue
                seen.add((a, b))
                dev_a, dev_b = dev.xs(a, axis=1, level="subtipo"), dev.xs(b, axis=1, level="subtipo")
                dev_a, dev_b = dev_a.align(dev_b, join="inner", axis=1)
                if dev_a.empty:
                    continue
                cols = dev_a.columns
                sc_a = scale.xs(a, axis=1, level="subtipo")[cols]
                sc_b = scale.xs(b, axis=1, level="subtipo")[cols]
                transfer = (dev_b - dev_a) / np.sqrt(sc_a**2 + sc_b**2)  # ≈ N(0, 1) without a transfer
                ratio = dev_b / -dev_a
                shape = drop.xs(a, axis=1, level="subtipo")[cols] \
                    & rise.xs(b, axis=1, level="subtipo")[cols] \
                    & (ratio >= MATCH_LOW) & (ratio <= MATCH_HIGH)
                match = _hysteresis((shape & (transfer >= PAIR_SIGMAS)).to_numpy(),
                                    (shape & (transfer >= CONTINUE_SIGMAS)).to_numpy())
                match = pd.DataFrame(match, index=shape.index, columns=cols)
                found = match.stack()
                found = found[found]
                for period, geo in found.index:
                    hits.append((geo, a, b, period))
    if not hits:
        return _empty()
    return _runs(pd.DataFrame(hits, columns=["geo", "a", "b", "period"]), wide, base, dataset)


def _hysteresis(start: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Months flagged: strong evidence starts a run, weaker evidence extends one (rows = months).

    The baseline and spread absorb a reclassification within a few months, so later months of a
    genuine switch rarely pass the onset threshold on their own.
    """
    out = start.copy()
    for i in range(1, len(out)):
        out[i] |= keep[i] & out[i - 1]
    return out


def _runs(hits: pd.DataFrame, wide: pd.DataFrame, base: pd.DataFrame, dataset: str) -> pd.DataFrame:
    """Merge consecutive flagged months of one state and pair into one flag with summed evidence."""
    hits = hits.drop_duplicates().sort_values(["geo", "a", "b", "period"])
    ordinal = hits["period"].dt.year * 12 + hits["period"].dt.month
    new_run = ordinal.groupby([hits["geo"], hits["a"], hits["b"]]).diff().ne(1)
    hits = hits.assign(run=new_run.cumsum())
    rows = []
    for (geo, a, b, _), run in hits.groupby(["geo", "a", "b", "run"], sort=False):
        months = list(run["period"])
        va, vb = wide[(geo, a)].loc[months], wide[(geo, b)].loc[months]
        ba, bb = base[(geo, a)].loc[months], base[(geo, b)].loc[months]
        fall, gain = float((ba - va).sum()), float((vb - bb).sum())
        share_fall = fall / float(ba.sum()) if ba.sum() > 0 else np.nan
        offset = gain / fall if fall > 0 else np.nan
        span = months[0].strftime("%Y-%m") + (f" a {months[-1].strftime('%Y-%m')}" if len(months) > 1 else "")
        evidence = (f"{a}: {ba.sum():,.0f} esperado → {va.sum():,.0f} registrado (−{fall:,.0f}, "
                    f"−{share_fall:.0%}); {b}: {bb.sum():,.0f} esperado → {vb.sum():,.0f} registrado "
                    f"(+{gain:,.0f}). El aumento compensa {offset:.0%} de la caída. Meses: {span}. "
                    f"Esperado = mediana de los {BASELINE_MONTHS} meses previos.")
        high = 0.75 <= offset <= 1.33 and share_fall >= 0.4
        rows.append({"geo": geo, "period": months[0], "period_end": months[-1], "rule": "reclassification",
                     "evidence": evidence, "severity": "high" if high else "medium", "subtipo": a,
                     "dataset": dataset})
    return _flags(**{k: [r[k] for r in rows] for k in rows[0]})


# --- rules over the optional frames -----------------------------------------------------------------

def _large_revisions(revisions: pd.DataFrame) -> pd.DataFrame:
    _require(revisions, ["geo", "period", "old_value", "new_value"], "revisions")
    rev = revisions.copy()
    rev["geo"] = _geo_codes(rev["geo"])
    rev["period"] = _months(rev["period"], "period")
    old = pd.to_numeric(rev["old_value"], errors="coerce")
    new = pd.to_numeric(rev["new_value"], errors="coerce")
    diff = new - old
    share = (diff / old.where(old != 0)).where(old != 0, np.where(diff != 0, np.inf, 0.0))
    hit = (diff.abs() >= REVISION_MIN_ABS) & (share.abs() >= REVISION_MIN_SHARE)
    rev, old, new, diff, share = rev[hit], old[hit], new[hit], diff[hit], share[hit]
    if rev.empty:
        return _empty()
    what = rev["subtipo"].astype(str) + ": " if "subtipo" in rev else pd.Series("", index=rev.index)
    when = _vintage_text(rev)
    pct = share.map(lambda s: "nuevo" if np.isinf(s) else f"{s:+.0%}")
    evidence = what + "revisado de " + old.map("{:,.0f}".format) + " a " + new.map("{:,.0f}".format) + \
        " (" + diff.map("{:+,.0f}".format) + ", " + pct + ")" + when + "."
    severity = np.where(share.abs() >= REVISION_HIGH_SHARE, "high", "medium")
    return _flags(geo=rev["geo"].to_numpy(), period=rev["period"].to_numpy(), rule="large_revision",
                  evidence=evidence.to_numpy(), severity=severity, period_end=rev["period"].to_numpy(),
                  subtipo=rev["subtipo"].to_numpy() if "subtipo" in rev else None,
                  dataset=rev["dataset"].to_numpy() if "dataset" in rev else None)


def _vintage_text(rev: pd.DataFrame) -> pd.Series:
    if {"old_vintage", "new_vintage"} <= set(rev.columns):
        return " entre los cortes " + rev["old_vintage"].astype(str) + " y " + rev["new_vintage"].astype(str)
    if "vintage" in rev.columns:
        return " en el corte " + rev["vintage"].astype(str)
    return pd.Series("", index=rev.index)


NOISE_Z = 3.0


def _divergence(inegi: pd.DataFrame) -> pd.DataFrame:
    _require(inegi, ["geo", "year", "ratio"], "inegi")
    counts = {"sesnsp", "inegi"} <= set(inegi.columns)
    table = inegi[["geo", "year", "ratio", *(["sesnsp", "inegi"] if counts else [])]].copy()
    table["geo"] = _geo_codes(table["geo"])
    table["year"] = pd.to_numeric(table["year"], errors="coerce")
    table["ratio"] = pd.to_numeric(table["ratio"], errors="coerce")
    table = table[(table["ratio"] > 0) & table["year"].notna()].sort_values(["geo", "year"])
    table["year"] = table["year"].astype(int)
    table["prev_ratio"] = table.groupby("geo")["ratio"].shift(1)
    table["prev_year"] = table.groupby("geo")["year"].shift(1)
    table["median"] = table.groupby("geo")["ratio"].transform("median")
    jump = np.log(table["ratio"] / table["prev_ratio"])
    abrupt = (jump.abs() >= RATIO_JUMP) & (table["year"] - table["prev_year"] == 1)
    if counts:
        # Small states swing by chance: the log-ratio of two Poisson ratios has a standard error of about
        # sqrt(1/a + 1/b + 1/c + 1/d); a jump within 3 of them is noise, not a change in recording.
        g = table.groupby("geo")
        se = np.sqrt(1 / table["sesnsp"] + 1 / table["inegi"] + 1 / g["sesnsp"].shift(1) + 1 / g["inegi"].shift(1))
        abrupt &= jump.abs() >= NOISE_Z * se
    hit = table[abrupt]
    if hit.empty:
        return _empty()
    jump = jump[hit.index]
    evidence = [f"La razón SESNSP/INEGI pasó de {r.prev_ratio:.2f} ({int(r.prev_year)}) a {r.ratio:.2f} "
                f"({r.year}), {np.expm1(j):+.0%}; mediana de la entidad {r.median:.2f}. Un cambio brusco "
                "sugiere un cambio de registro o clasificación, no de violencia."
                for r, j in zip(hit.itertuples(), jump)]
    years = hit["year"].astype(str)
    return _flags(geo=hit["geo"].to_numpy(), period=pd.to_datetime(years + "-01-01").to_numpy(),
                  rule="sesnsp_inegi_divergence", evidence=evidence,
                  severity=np.where(jump.abs() >= RATIO_JUMP_HIGH, "high", "medium"),
                  period_end=pd.to_datetime(years + "-12-01").to_numpy())


@lru_cache(maxsize=64)
def _place(code: str) -> str:
    """The state's common name for the evidence text ('Jalisco'), or the code itself."""
    from vigia.errors import VigiaError
    from vigia.geo import state_name

    try:
        return state_name(code) if len(code) == 2 else code
    except VigiaError:
        return code


# --- sibling groups ---------------------------------------------------------------------------------

def _key(name: str) -> str:
    plain = "".join(c for c in unicodedata.normalize("NFKD", str(name)) if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9]+", " ", plain.lower())).strip()


@lru_cache(maxsize=1)
def _packaged_siblings() -> pd.DataFrame:
    with resources.files("vigia.analysis").joinpath("sibling_groups.csv").open(encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str)


def sibling_groups() -> pd.DataFrame:
    """The packaged sibling groups (group, subtipo, note) used by the reclassification rule."""
    return _packaged_siblings().copy()


def _sibling_table(siblings: pd.DataFrame | None) -> pd.DataFrame:
    table = _packaged_siblings() if siblings is None else siblings
    _require(table, ["group", "subtipo"], "siblings")
    return table.assign(key=table["subtipo"].map(_key))[["group", "subtipo", "key"]]
