"""Changes in the level of a monthly series: PELT (ruptures) on the mean, with a bootstrap confidence.

Method (details and limits in docs/analysis.md):
1. optionally remove a fixed seasonal pattern (STL) so a yearly peak is not read as a break;
2. PELT with a least-squares cost finds the segmentation minimising cost + penalty × breaks; the
   default penalty is a BIC-style 4·σ²·log n, with σ estimated robustly from month-to-month changes
   (insensitive to the level shifts themselves) and scaled up when the residuals are autocorrelated;
3. confidence = share of block-bootstrap replicates (residuals resampled in 6-month blocks around the
   fitted segment means, so short-run autocorrelation is kept) in which PELT again puts a break
   within ±3 months. It is a stability measure, not a p-value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import ruptures as rpt

from vigia.analysis._series import AnalysisError, monthly_series

COLUMNS = ["date", "before_mean", "after_mean", "change_pct", "confidence", "nearest_event",
           "nearest_event_date", "days_to_event", "nearest_event_id", "shift_z"]
PENALTY_FACTOR = 4.0  # × σ² log n; chosen by simulation (docs/analysis.md): few false breaks on noise
BLOCK = 6
TOLERANCE_MONTHS = 3
RHO_MAX = 0.8


def changepoints(series: pd.Series, *, penalty: float | None = None, min_size: int = 6,
                 events: pd.DataFrame | None = None, deseasonalize: bool = True, n_boot: int = 200,
                 seed: int = 0) -> pd.DataFrame:
    """Dates where the mean level of ``series`` (monthly counts or rates) shifts.

    Returns one row per break: date (first month of the new level), before_mean and after_mean
    (means of the adjacent segments in the series' units, seasonally adjusted when
    ``deseasonalize`` applies, i.e. with 36+ months), change_pct (100·(after−before)/before),
    confidence (0–1, bootstrap stability), nearest_event, nearest_event_date and days_to_event
    (event date − break date, in days; negative = event before the break) from ``events`` (default:
    the packaged timeline; pass an empty frame to skip), plus nearest_event_id and shift_z (shift /
    its autocorrelation-adjusted standard error, post-selection so optimistic).
    ``penalty`` is ruptures' penalty on the least-squares cost (in squared units of the series).
    """
    if min_size < 2:
        raise AnalysisError("changepoints: min_size must be at least 2 months.")
    s = monthly_series(series, name="changepoints", min_length=2 * min_size)
    x = s.to_numpy(dtype=float)
    signal = x - _seasonal(s) if deseasonalize and len(s) >= 36 else x.copy()
    sigma = _robust_sigma(signal)
    if penalty is not None:
        pen, rho_noise = float(penalty), np.nan
        breaks = _pelt(signal, pen, min_size)
    else:
        pen, breaks, rho_noise = _auto_penalty(signal, sigma, min_size)
    if not breaks:
        return _empty()

    bounds = [0, *breaks, len(x)]
    fitted = np.concatenate([np.full(b - a, signal[a:b].mean()) for a, b in zip(bounds[:-1], bounds[1:])])
    resid = signal - fitted
    confidence = _bootstrap(fitted, resid, breaks, pen, min_size, n_boot, seed)
    rho = _lag1(resid)
    inflate = np.sqrt((1 + rho) / (1 - rho)) if rho > 0 else 1.0
    table = _event_table(events)

    rows = []
    for i, b in enumerate(breaks):
        a, c = bounds[i], bounds[i + 2]
        # Seasonally adjusted means: a 6-month segment of summer months would otherwise look high.
        before, after = signal[a:b].mean(), signal[b:c].mean()
        se = inflate * resid[a:c].std(ddof=1) * np.sqrt(1 / (b - a) + 1 / (c - b))
        date = s.index[b]
        row = {"date": date, "before_mean": before, "after_mean": after,
               "change_pct": 100 * (after - before) / before if before != 0 else np.nan,
               "confidence": confidence[i], "shift_z": (after - before) / se if se > 0 else np.nan}
        row.update(_nearest(table, date))
        rows.append(row)
    out = pd.DataFrame(rows, columns=COLUMNS)
    out.attrs.update({"penalty": pen, "sigma": sigma, "min_size": min_size, "n_boot": n_boot,
                      "deseasonalized": bool(deseasonalize and len(s) >= 36), "noise_rho": rho_noise})
    return out


def _empty() -> pd.DataFrame:
    out = pd.DataFrame({c: pd.Series(dtype="float64") for c in COLUMNS})
    out["date"] = pd.Series(dtype="datetime64[ns]")
    out["nearest_event_date"] = pd.Series(dtype="datetime64[ns]")
    out["nearest_event"] = pd.Series(dtype="object")
    out["nearest_event_id"] = pd.Series(dtype="object")
    return out


def _seasonal(s: pd.Series) -> np.ndarray:
    from vigia.analysis.trend import stl_decompose

    return stl_decompose(s, robust=True)["seasonal"].to_numpy()


def _auto_penalty(x: np.ndarray, sigma: float, min_size: int) -> tuple[float, list[int], float]:
    """BIC-style penalty, then one refit with it scaled for autocorrelated noise.

    σ from differences understates the long-run variance of AR(1)-like noise by (1+ρ)/(1−ρ)²; without
    this correction slow wandering of the level is read as many small breaks (docs/analysis.md).
    """
    base = PENALTY_FACTOR * sigma**2 * np.log(len(x))
    pen, breaks, rho = base, _pelt(x, base, min_size), 0.0
    for _ in range(2):  # a second pass: the first, over-segmented fit understates ρ
        bounds = [0, *breaks, len(x)]
        resid = np.concatenate([x[a:b] - x[a:b].mean() for a, b in zip(bounds[:-1], bounds[1:])])
        new_rho = float(np.clip(_lag1(resid), 0.0, RHO_MAX))
        if new_rho <= max(rho, 0.05):
            break
        rho = new_rho
        pen = base * (1 + rho) / (1 - rho) ** 2
        breaks = _pelt(x, pen, min_size)
    return pen, breaks, rho


def _robust_sigma(x: np.ndarray) -> float:
    """σ of the noise from first differences: MAD/0.6745/√2, blind to the few jumps at breaks."""
    d = np.diff(x)
    sigma = np.median(np.abs(d - np.median(d))) / 0.6745 / np.sqrt(2)
    if not np.isfinite(sigma) or sigma <= 0:
        sigma = float(np.std(x)) or 1.0
    return float(sigma)


def _pelt(x: np.ndarray, pen: float, min_size: int) -> list[int]:
    algo = rpt.Pelt(model="l2", min_size=min_size, jump=1).fit(x.reshape(-1, 1))
    return [int(b) for b in algo.predict(pen=pen)[:-1]]


def _bootstrap(fitted: np.ndarray, resid: np.ndarray, breaks: list[int], pen: float, min_size: int,
               n_boot: int, seed: int) -> list[float]:
    if n_boot <= 0:
        return [np.nan] * len(breaks)
    rng = np.random.default_rng(seed)
    n = len(resid)
    centred = resid - resid.mean()
    starts_max = max(n - BLOCK, 0)
    hits = np.zeros(len(breaks))
    for _ in range(n_boot):
        starts = rng.integers(0, starts_max + 1, size=n // BLOCK + 1)
        sample = np.concatenate([centred[s0:s0 + BLOCK] for s0 in starts])[:n]
        found = np.array(_pelt(fitted + sample, pen, min_size))
        if found.size:
            for j, b in enumerate(breaks):
                hits[j] += np.any(np.abs(found - b) <= TOLERANCE_MONTHS)
    return list(hits / n_boot)


def _lag1(r: np.ndarray) -> float:
    r = r - r.mean()
    denom = float(np.dot(r, r))
    return float(np.clip(np.dot(r[1:], r[:-1]) / denom, -0.99, 0.95)) if denom > 0 else 0.0


def _event_table(events: pd.DataFrame | None) -> pd.DataFrame:
    if events is None:
        from vigia.events import load_events

        events = load_events()
    return events


def _nearest(events: pd.DataFrame, date: pd.Timestamp) -> dict:
    if events is None or len(events) == 0:
        return {"nearest_event": None, "nearest_event_date": pd.NaT, "days_to_event": np.nan,
                "nearest_event_id": None}
    days = (events["date"] - date).dt.days
    i = days.abs().sort_values(kind="stable").index[0]
    return {"nearest_event": events.at[i, "title_es"], "nearest_event_date": events.at[i, "date"],
            "days_to_event": int(days[i]), "nearest_event_id": events.at[i, "id"]}
