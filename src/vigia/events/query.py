"""Questions asked of an events table: what happened in a window, what happened near a date."""

from __future__ import annotations

import pandas as pd

from vigia.events.loader import load_events
from vigia.events.schema import NATIONAL


def _table(events: pd.DataFrame | None) -> pd.DataFrame:
    return load_events() if events is None else events


def _state_code(geo: str | int) -> str:
    # Imported here so the events layer stays usable if the geo catalogue cannot be loaded.
    from vigia.geo import resolve_geo

    code = resolve_geo(geo)
    return code[:2] if len(code) == 5 else code  # a municipality's events are its state's events


def filter_geo(events: pd.DataFrame, geo: str | int | None, *, include_national: bool = True) -> pd.DataFrame:
    """Events that concern ``geo`` (a code or a state name).

    ``None`` keeps every event; ``'00'`` keeps national events; a state keeps its own events and,
    unless ``include_national=False``, the national ones (which apply everywhere).
    """
    if geo is None:
        return events
    code = _state_code(geo)
    wanted = {code, NATIONAL} if include_national else {code}
    mask = events["geo"].map(lambda codes: bool(wanted.intersection(codes)))
    return events[mask]


def events_between(start, end, geo: str | int | None = None, *, events: pd.DataFrame | None = None,
                   include_national: bool = True) -> pd.DataFrame:
    """Events whose span [date, end_date] overlaps [start, end] (both inclusive), sorted by date."""
    table = filter_geo(_table(events), geo, include_national=include_national)
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    if end < start:
        start, end = end, start
    last_day = table["end_date"].fillna(table["date"])
    return table[(table["date"] <= end) & (last_day >= start)].reset_index(drop=True)


def nearest_events(date, k: int = 3, geo: str | int | None = None, *, events: pd.DataFrame | None = None,
                   include_national: bool = True) -> pd.DataFrame:
    """The ``k`` events closest in time to ``date``, with ``days`` = event date − ``date`` (signed).

    Ties are broken by the earlier event. Distance is measured to the event's start date.
    """
    table = filter_geo(_table(events), geo, include_national=include_national)
    when = pd.Timestamp(date)
    out = table.assign(days=(table["date"] - when).dt.days)
    out = out.assign(_abs=out["days"].abs()).sort_values(["_abs", "date"], kind="stable")
    return out.drop(columns="_abs").head(max(int(k), 0)).reset_index(drop=True)
