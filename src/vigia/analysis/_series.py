"""Shared checks for monthly series, so every method fails the same clear way on bad input."""

from __future__ import annotations

import pandas as pd

from vigia.errors import VigiaError


class AnalysisError(VigiaError, ValueError):
    """An analysis cannot run on the data given (too short, gaps, wrong index…)."""

    def __init__(self, problem: str, *, hint: str | None = None) -> None:
        self.problem = problem
        self.hint = hint
        super().__init__(problem + (f" {hint}" if hint else ""))


def month_start(value) -> pd.Timestamp:
    """The first day of the month containing ``value`` (a date, a string or a Timestamp)."""
    return pd.Timestamp(value).to_period("M").to_timestamp()


def monthly_series(series: pd.Series, *, name: str = "series", min_length: int = 1,
                   allow_missing: bool = False) -> pd.Series:
    """Validate and normalise a monthly series: float values on a regular month-start index.

    Accepts a DatetimeIndex (any day of the month) or a monthly PeriodIndex. Raises AnalysisError on
    duplicate months, gaps in the calendar, missing values (unless ``allow_missing``) or fewer than
    ``min_length`` observations.
    """
    if not isinstance(series, pd.Series):
        raise AnalysisError(f"{name}: expected a pandas Series, got {type(series).__name__}.")
    index = series.index
    if isinstance(index, pd.PeriodIndex):
        months = index.asfreq("M").to_timestamp()
    elif isinstance(index, pd.DatetimeIndex):
        months = index.to_period("M").to_timestamp()
    else:
        raise AnalysisError(f"{name}: the index must be monthly dates (DatetimeIndex or PeriodIndex).",
                            hint="Build it with pd.date_range(start, periods=n, freq='MS').")
    out = pd.Series(pd.to_numeric(series.to_numpy(), errors="coerce"), index=months, name=series.name,
                    dtype=float).sort_index()
    out.attrs.update(series.attrs)
    if out.index.has_duplicates:
        dup = out.index[out.index.duplicated()].strftime("%Y-%m").unique().tolist()
        raise AnalysisError(f"{name}: repeated months {dup[:5]}.",
                            hint="Aggregate to one value per month first.")
    if len(out) > 1:
        full = pd.date_range(out.index[0], out.index[-1], freq="MS")
        if len(full) != len(out):
            gaps = full.difference(out.index).strftime("%Y-%m").tolist()
            raise AnalysisError(f"{name}: {len(gaps)} month(s) missing from the calendar, e.g. {gaps[:5]}.",
                                hint="Reindex to every month and fill or drop the gap explicitly.")
    if not allow_missing and out.isna().any():
        empty = out.index[out.isna()].strftime("%Y-%m").tolist()
        raise AnalysisError(f"{name}: {len(empty)} month(s) without a value, e.g. {empty[:5]}.",
                            hint="A blank month is 'not yet published'; trim the series to published months.")
    if out.notna().sum() < min_length:
        raise AnalysisError(f"{name}: {int(out.notna().sum())} monthly values, at least {min_length} needed.")
    return out
