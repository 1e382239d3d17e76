"""Analysis over pandas objects: trend and seasonality, changepoints, interrupted time series and
data-quality flags. Pure functions: no store, no network; the callers pass the series."""

from vigia.analysis._series import AnalysisError
from vigia.analysis.breaks import changepoints
from vigia.analysis.interrupted import its
from vigia.analysis.quality import RULES, SEVERITY, quality_flags, sibling_groups
from vigia.analysis.trend import stl_decompose

__all__ = ["RULES", "SEVERITY", "AnalysisError", "changepoints", "its", "quality_flags", "sibling_groups",
           "stl_decompose"]
