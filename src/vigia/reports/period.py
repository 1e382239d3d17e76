"""The period a brief covers: explicit months, or the first N months of an administration.

Without any option the brief covers the current administration up to the last published month.
A period that runs past the data is cut at the last published month (and the brief says so).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from vigia.analysis.administrations import Administration, administration_of, administrations, get_administration
from vigia.errors import QueryError, VigiaError
from vigia.indicators.compute import IndicatorQuery, indicator_series
from vigia.store.queries import month_bound

# The series whose last published month ends a brief by default: victims first (the headline), then carpetas.
ANCHOR_INDICATORS = ("homicidio_doloso_victimas", "homicidio_doloso")


@dataclass(frozen=True)
class Period:
    start: pd.Timestamp
    end: pd.Timestamp
    administration: Administration | None  # the term compared: the one asked, else the one of the end month
    term_month: int | None  # month of term of `end` (1 = the month the term starts)
    asked_administration: bool
    asked_months: int | None
    clipped: bool  # cut at the last published month
    latest: pd.Timestamp

    @property
    def months(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    def month_list(self) -> list[pd.Timestamp]:
        return list(pd.date_range(self.start, self.end, freq="MS"))

    @property
    def key(self) -> tuple[str, str]:
        return self.start.strftime("%Y-%m"), self.end.strftime("%Y-%m")


def latest_month(con: duckdb.DuckDBPyConnection, vintage: str | None) -> pd.Timestamp:
    for ind in ANCHOR_INDICATORS:
        try:
            frame = indicator_series(con, IndicatorQuery(indicator=ind, freq="month", vintage=vintage))
        except VigiaError:
            continue
        if len(frame):
            return pd.Timestamp(frame["period"].iloc[-1])
    raise QueryError("store", "the store holds no SESNSP homicide data, so no brief can be made. Ingest the SESNSP "
                     "files (vigia ingest …) or use the embedded snapshot.")


def previous_administration(adm: Administration) -> Administration | None:
    terms = list(administrations())
    i = next(k for k, a in enumerate(terms) if a.id == adm.id)
    return terms[i - 1] if i > 0 else None


def term_month(adm: Administration, month: pd.Timestamp) -> int:
    return (month.year - adm.start.year) * 12 + month.month - adm.start.month + 1


def resolve_period(con: duckdb.DuckDBPyConnection, *, administration: str | None = None, months: int | None = None,
                   start: str | None = None, end: str | None = None, vintage: str | None = None) -> Period:
    if administration and (start or end):
        raise QueryError("period", "give either --administration (with --months) or --from/--to, not both.")
    if months is not None and not administration:
        raise QueryError("months", "--months counts from the start of a term: give --administration too.")
    if months is not None and months < 1:
        raise QueryError("months", "must be a positive number of months.", ["12", "24", "…"])
    adm = get_administration(administration) if administration else None
    latest = latest_month(con, vintage)  # after the argument checks: a wrong option fails before any query
    if adm is not None:
        first = adm.month(1)
        if months is not None and months > adm.length_months:
            raise QueryError("months", f"{adm.name}'s term has {adm.length_months} months.",
                             [str(adm.length_months)])
        last = adm.month(months if months is not None else adm.length_months)
    elif start or end:
        a = month_bound(start, end=False, parameter="from")
        b = month_bound(end, end=True, parameter="to")
        last = pd.Timestamp(b) if b else latest
        first = pd.Timestamp(a) if a else last - pd.DateOffset(months=23)
    else:
        adm_now = administration_of(latest)
        first = adm_now.month(1) if adm_now else latest - pd.DateOffset(months=23)
        last = latest
    clipped = last > latest
    last = min(last, latest)
    if last < first:
        raise QueryError("period", f"the period ends before it starts, or before the first published month "
                         f"(latest published: {latest:%Y-%m}).", ["YYYY-MM"])
    term = adm or administration_of(last)
    return Period(start=pd.Timestamp(first), end=pd.Timestamp(last), administration=term,
                  term_month=term_month(term, last) if term else None, asked_administration=adm is not None,
                  asked_months=months, clipped=clipped, latest=latest)
