"""Trend and seasonality of a monthly series by STL (Cleveland et al. 1990, statsmodels)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.tsa.seasonal import STL

from vigia.analysis._series import AnalysisError, monthly_series


def stl_decompose(series: pd.Series, *, period: int = 12, robust: bool = True, seasonal: int = 13,
                  log: bool = False) -> pd.DataFrame:
    """Split a monthly series into trend, seasonal and remainder with STL.

    Returns a DataFrame indexed by month with columns observed, trend, seasonal, resid
    (observed = trend + seasonal + resid, on the log scale when ``log=True``). ``attrs`` carries
    ``seasonal_strength`` and ``trend_strength`` (Wang, Smith & Hyndman 2006: 0 = none, 1 = all).
    ``robust=True`` down-weights outlying months (one-off massacres, reporting glitches) so they do
    not bend the trend. Needs at least two full seasonal cycles.
    """
    s = monthly_series(series, name="stl_decompose", min_length=1)
    if len(s) < 2 * period:
        raise AnalysisError(f"stl_decompose: {len(s)} months is too short for STL with period {period}.",
                            hint=f"Provide at least {2 * period} consecutive months (two full years).")
    if log:
        if (s <= 0).any():
            raise AnalysisError("stl_decompose: log=True needs strictly positive values.",
                                hint="Use log=False or add a small constant explicitly.")
        s = np.log(s)
    seasonal = seasonal if seasonal % 2 == 1 else seasonal + 1  # STL needs an odd window
    fit = STL(s, period=period, robust=robust, seasonal=seasonal).fit()
    out = pd.DataFrame({"observed": s, "trend": fit.trend, "seasonal": fit.seasonal, "resid": fit.resid})
    out.index.name = "period"
    var_r = float(np.var(out["resid"]))
    out.attrs["seasonal_strength"] = _strength(var_r, float(np.var(out["seasonal"] + out["resid"])))
    out.attrs["trend_strength"] = _strength(var_r, float(np.var(out["trend"] + out["resid"])))
    out.attrs["log"] = log
    return out


def _strength(var_resid: float, var_component_plus_resid: float) -> float:
    if var_component_plus_resid <= 0:
        return 0.0
    return float(max(0.0, 1.0 - var_resid / var_component_plus_resid))
