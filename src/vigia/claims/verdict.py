"""Verdict rules: how close a claimed figure must be to a published one to count as matching it.

exact           the published value, rounded to the precision the text wrote ('34 mil' → thousands,
                '74.3%' → tenths), is the claimed value; for a bound ('más de 30 mil') the bound holds
within_0.5pct   off by at most 0.5% of the published value
within_2pct     off by at most 2%
contradicted    further off (or a change in the wrong direction, or a rank that differs)
unverifiable    nothing stored to check it against

Changes ("rose 15.1%") are judged by the level they imply: a claimed change c against a published
change t is off by |c − t| / (100 + t), the relative error of the end value it implies given the start.
"""

from __future__ import annotations

import math

VERDICTS = ("exact", "within_0.5pct", "within_2pct", "contradicted", "unverifiable")
RANK = {v: i for i, v in enumerate(VERDICTS)}
TOLERANCES = (("within_0.5pct", 0.005), ("within_2pct", 0.02))
_EPS = 1e-9


def _by_tolerance(error: float) -> str:
    for verdict, tol in TOLERANCES:
        if abs(error) <= tol + _EPS:
            return verdict
    return "contradicted"


def level(claimed: float, true: float, precision: float, bound: str | None = None) -> tuple[str, float]:
    """(verdict, relative error) of a claimed level (count, percentage, rate, amount) against a published one."""
    error = (claimed - true) / abs(true) if true else (0.0 if claimed == 0 else math.inf)
    if bound == "above" and true >= claimed:
        return "exact", error
    if bound == "below" and true <= claimed:
        return "exact", error
    if bound == "nearly" and true <= claimed and claimed - true <= max(precision, 0.02 * abs(claimed)):
        return "exact", error
    if abs(claimed - true) <= precision / 2 * (1 + 1e-9) + _EPS:
        return "exact", error
    return _by_tolerance(error), error


def change(claimed: float, true: float, precision: float, direction: int) -> tuple[str, float]:
    """(verdict, error) of a claimed change in % (magnitude `claimed`, sign `direction`) against a published one."""
    signed = claimed * direction if direction else math.copysign(claimed, true)
    error = (signed - true) / (100.0 + true) if true > -100 else math.inf
    if direction and true and math.copysign(1, true) != direction and abs(true) > precision / 2:
        return "contradicted", error
    if precision and abs(signed - true) <= precision / 2 * (1 + 1e-9) + _EPS:
        return "exact", error
    return _by_tolerance(error), error


def points(claimed: float, true: float, precision: float, direction: int, end_level: float) -> tuple[str, float]:
    """A change in percentage points, judged by the end level it implies."""
    signed = claimed * direction if direction else math.copysign(claimed, true)
    error = (signed - true) / end_level if end_level else math.inf
    if direction and true and math.copysign(1, true) != direction and abs(true) > precision / 2:
        return "contradicted", error
    if abs(signed - true) <= precision / 2 * (1 + 1e-9) + _EPS:
        return "exact", error
    return _by_tolerance(error), error
