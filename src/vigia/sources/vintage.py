"""The cut-off month (vintage) written in SESNSP's official file names."""

from __future__ import annotations

import datetime as dt
import re

SPANISH_MONTHS = {
    "ene": 1, "feb": 2, "mar": 3, "abr": 4, "may": 5, "jun": 6, "jul": 7, "ago": 8,
    "sep": 9, "sept": 9, "set": 9, "oct": 10, "nov": 11, "dic": 12,
}
_MON = "|".join(sorted(SPANISH_MONTHS, key=len, reverse=True))
# IDEFC_NM_dic20.csv, IDEFC_NM_oct2020.csv, Estatal-Delitos-2015-2021_feb2021.xlsx, IDVFC_NM_nov24_x.csv
_NAMED = re.compile(rf"(?:^|[_\-\s.])({_MON})[_\-]?((?:19|20)\d\d|\d\d)(?=$|[_\-\s.])", re.IGNORECASE)
# corte-2024-11, corte_202411
_CORTE = re.compile(r"corte[_\-]?((?:19|20)\d\d)[_\-]?(\d\d)", re.IGNORECASE)


def vintage_from_name(name: str) -> dt.date | None:
    """First day of the cut-off month named in a file name, or None when it names none."""
    stem = re.sub(r"\.(csv|xlsx|xls|zip|bz2|gz)$", "", name, flags=re.IGNORECASE)
    stem = re.sub(r"\.(csv|xlsx|xls)$", "", stem, flags=re.IGNORECASE)
    m = _CORTE.search(stem)
    if m:
        return _month(int(m.group(1)), int(m.group(2)))
    found = list(_NAMED.finditer(stem))
    if not found:
        return None
    m = found[-1]
    month = SPANISH_MONTHS[m.group(1).lower()]
    year = int(m.group(2))
    if year < 100:
        year += 2000
    return _month(year, month)


def parse_vintage(text: str) -> dt.date:
    """'2020-12' or '2020-12-01' → date(2020, 12, 1); raises ValueError on anything else."""
    m = re.fullmatch(r"\s*(\d{4})-(\d{1,2})(?:-\d{1,2})?\s*", str(text))
    if not m:
        raise ValueError(f"'{text}' is not a month in YYYY-MM form")
    date = _month(int(m.group(1)), int(m.group(2)))
    if date is None:
        raise ValueError(f"'{text}' is not a valid month")
    return date


def _month(year: int, month: int) -> dt.date | None:
    if not 1 <= month <= 12 or not 1990 <= year <= 2100:
        return None
    return dt.date(year, month, 1)
