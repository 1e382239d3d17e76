"""Presidential terms and curated events, as plain records for the API and the charts."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

import pandas as pd

from vigia.analysis.administrations import administrations
from vigia.errors import QueryError
from vigia.events import KINDS, events_between, load_events

_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


# How charts label a term: the surname people use.
SHORT_NAMES = {"zedillo": "Zedillo", "fox": "Fox", "calderon": "Calderón", "pena_nieto": "Peña Nieto",
               "lopez_obrador": "López Obrador", "sheinbaum": "Sheinbaum"}


def administration_list() -> list[dict]:
    return [{"id": a.id, "name": a.name, "short_name": SHORT_NAMES.get(a.id, a.name), "party": a.party,
             "start": a.start.isoformat(), "end": a.end.isoformat(), "months": a.length_months}
            for a in administrations()]


def parse_day(text: str | None, parameter: str, *, end: bool) -> dt.date | None:
    """'2019' / '2019-05' / '2019-05-17' → a date (the first or, for an end, the last day covered)."""
    if text is None or str(text).strip() == "":
        return None
    m = _DATE.fullmatch(str(text).strip())
    try:
        if not m:
            raise ValueError
        year, month, day = int(m[1]), int(m[2] or (12 if end else 1)), m[3]
        if day is not None:
            return dt.date(year, month, int(day))
        first = dt.date(year, month, 1)
        if not end:
            return first
        return (pd.Timestamp(first) + pd.offsets.MonthEnd(0)).date()
    except (ValueError, OverflowError):
        raise QueryError(parameter, f"'{text}' is not a date.", ["YYYY", "YYYY-MM", "YYYY-MM-DD"]) from None


@lru_cache(maxsize=1)
def _events() -> pd.DataFrame:
    return load_events()


def event_list(*, start: str | None, end: str | None, geo: str | None, kind: str | None,
               include_national: bool = True) -> list[dict]:
    if kind and kind not in KINDS:
        raise QueryError("kind", f"'{kind}' is not an event kind.", sorted(KINDS))
    lo = parse_day(start, "start", end=False) or dt.date(1900, 1, 1)
    hi = parse_day(end, "end", end=True) or dt.date(2100, 12, 31)
    table = events_between(lo, hi, geo, events=_events(), include_national=include_national)
    if kind:
        table = table[table["kind"] == kind]
    out = []
    for r in table.itertuples(index=False):
        out.append({"id": r.id, "date": r.date.strftime("%Y-%m-%d"),
                    "end_date": r.end_date.strftime("%Y-%m-%d") if pd.notna(r.end_date) else None,
                    "kind": r.kind, "kind_label": KINDS.get(r.kind, r.kind), "geo": list(r.geo),
                    "title_es": r.title_es, "title_en": r.title_en, "summary": r.summary,
                    "sources": [dict(s) for s in r.sources]})
    return out
