"""Query parameters shared by the API and the pages: spelled, validated and documented once.

Patterns use [0-9], not \\d, so that non-ASCII digits never reach the date parsers.
"""

from __future__ import annotations

from enum import Enum

from fastapi import Query

from vigia.indicators import catalog
from vigia.web.i18n import LANGS

IndicatorId = Enum("IndicatorId", {i.id: i.id for i in catalog.indicators()}, type=str)  # type: ignore[misc]


class Freq(str, Enum):
    month = "month"
    year = "year"


class Unit(str, Enum):
    count = "count"
    rate = "rate"
    rate_annualized = "rate_annualized"
    share = "share"


class RankUnit(str, Enum):
    count = "count"
    rate = "rate"
    rate_annualized = "rate_annualized"


class Format(str, Enum):
    json = "json"
    csv = "csv"


Lang = Enum("Lang", {code: code for code in LANGS}, type=str)  # type: ignore[misc]

PERIOD = r"^[0-9]{4}(-[0-9]{2})?$"
PERIOD_RANGE = r"^[0-9]{4}(-[0-9]{2})?(:[0-9]{4}(-[0-9]{2})?)?$"
VINTAGE = r"^(latest|[0-9]{4}-[0-9]{2})$"
DAY = r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"
DATASET = r"^[a-z][a-z0-9_]{0,39}$"
# Every character found in SESNSP category names and in state names or their aliases: names in any spelling
# pass, while quotes, semicolons, '=', '$' and the like (which no name has) are refused outright.
NAME = r"^[0-9A-Za-zÀ-ÿ ().,/:_\-]{1,200}$"
GEO = r"^(\*|[0-9A-Za-zÀ-ÿ ().,_\-]{1,40})$"

GeoQ = Query("00", pattern=GEO, description="INEGI code (00 national, 01–32) or a state name in any common "
             "spelling (CDMX, Edomex, Veracruz…); '*' = every state where noted.", examples=["00", "25", "CDMX"])
StartQ = Query(None, pattern=PERIOD, description="First period, YYYY or YYYY-MM.")
EndQ = Query(None, pattern=PERIOD, description="Last period, YYYY or YYYY-MM.")
VintageQ = Query(None, pattern=VINTAGE, description="As published at this cut-off month (YYYY-MM); default latest.")
FormatQ = Query(Format.json, description="json (default) or csv.")

# Choices the validation-error handler lists for a parameter with a fixed set of values.
CHOICES: dict[str, list[str]] = {
    "indicator": [i.id for i in catalog.indicators()],
    "freq": [f.value for f in Freq],
    "unit": [u.value for u in Unit],
    "format": [f.value for f in Format],
    "lang": list(LANGS),
}
