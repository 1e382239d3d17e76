"""Curated figures: a small CSV format anyone can author, every row with its source.

Format (UTF-8, comma-separated, one header row; a BOM is tolerated)::

    indicator,label,geo,period,value,unit,source,url,accessed
    homicidios_prensa,Homicidios (prensa) / Homicides (press),Nacional,2019,34588,personas,"Diario X, 2020",,
    tasa_prensa,Tasa / Rate,Jalisco,2019-05,2.5,por 100 mil,"Informe Y",https://example.org/y,2024-11-30

=========  ========  ============================================================================
column     required  meaning
=========  ========  ============================================================================
indicator  yes       snake_case id (``[a-z][a-z0-9_]*``); becomes the frame's ``variable``
label      yes       human label, Spanish first then English ("Homicidios / Homicides")
geo        yes       'Nacional', a state name in any common spelling, '00'–'32', or a 5-digit
                     municipality key; resolved with :func:`vigia.geo.resolve_geo`
period     yes       ``YYYY`` (annual, freq 'Y') or ``YYYY-MM`` (monthly, freq 'M')
value      yes       a number with '.' as decimal separator and no thousands separator
unit       yes       e.g. 'personas', 'pesos', '%', 'por 100 mil habitantes'
source     yes       the citation: who published it, where and when — **every row needs one**
url        column    the address of the source (cell may be empty for print sources)
accessed   column    access date ``YYYY-MM-DD``; required when ``url`` is given
detail     optional  a dimension such as sex ('Mujeres'); '' when absent
note       optional  free text, not ingested
=========  ========  ============================================================================

Rules checked on load, each failure a typed error naming file, line and column: the columns above and
no others; one indicator has one label, one unit and one frequency; a (indicator, geo, period, detail)
appears once.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import pandas as pd

from vigia.errors import CellError, FileError, HeaderError, QueryError, RowError
from vigia.geo import resolve_geo
from vigia.sources import frame as fr

SOURCE = "curated"
DATASET = "curated"
CITATION = "Vigía, cifras curadas: cada fila cita su propia fuente (columna 'source') / curated figures, " \
           "each row cites its own source."
LICENCE = "Each figure keeps its source's terms; the compilation follows Vigía's licence (MIT)."

REQUIRED = ("indicator", "label", "geo", "period", "value", "unit", "source", "url", "accessed")
OPTIONAL = ("detail", "note")
_INDICATOR = re.compile(r"^[a-z][a-z0-9_]*$")
_PERIOD = re.compile(r"^(\d{4})(?:-(\d{2}))?$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


@fr.never_raises
def detect(path: Path, head: bytes) -> bool:
    header = fr.csv_header(head)
    # Recognised without its `source` column, so that a missing source is reported as such, not as "unknown".
    return {"indicator", "label", "geo", "period", "value"} <= set(header)


def read_table(path: Path) -> pd.DataFrame:
    """Every row, validated, with all its columns plus ``geo`` resolved, ``freq`` and ``line``."""
    path = Path(path)
    name = str(path)
    text = fr.read_text(path)
    reader = csv.reader(text)
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        raise FileError(name, "the file is empty.", expected="a header row: " + ", ".join(REQUIRED))
    header = [h.strip() for h in header]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise HeaderError(name, f"missing column(s) {missing}.", line=1, column=missing[0],
                          expected=", ".join(REQUIRED))
    unknown = [c for c in header if c not in REQUIRED + OPTIONAL]
    if unknown:
        raise HeaderError(name, f"unknown column(s) {unknown}.", line=1, column=unknown[0],
                          expected=", ".join(REQUIRED + OPTIONAL))
    dupes = sorted({c for c in header if header.count(c) > 1})
    if dupes:
        raise HeaderError(name, f"repeated column(s) {dupes}.", line=1, column=dupes[0])

    records = []
    for fields in reader:
        line = reader.line_num
        if not any(f.strip() for f in fields):
            continue  # blank line
        if len(fields) != len(header):
            raise RowError(name, f"{len(fields)} fields instead of {len(header)}.", line=line,
                           expected="one value per header column (quote values that contain commas)")
        records.append(_row(name, line, dict(zip(header, (f.strip() for f in fields), strict=True))))
    if not records:
        raise FileError(name, "no data rows.", expected="at least one figure")
    table = pd.DataFrame.from_records(records)
    _consistent(name, table)
    return table


def _row(name: str, line: int, row: dict[str, str]) -> dict[str, object]:
    def fail(column: str, problem: str, expected: str) -> CellError:
        return CellError(name, problem, line=line, column=column, expected=expected)

    if not _INDICATOR.match(row["indicator"]):
        raise fail("indicator", f"indicator {row['indicator']!r} is not a snake_case id.",
                   "lower-case letters, digits and '_', starting with a letter")
    if not row["label"]:
        raise fail("label", "the label is empty.", "a label, Spanish first then English")
    if not row["geo"]:
        raise fail("geo", "the geography is empty.", "'Nacional', a state name or an INEGI code")
    try:
        geo = resolve_geo(row["geo"])
    except QueryError as exc:
        hint = re.search(r"Did you mean: [^?]*\?", str(exc))
        raise fail("geo", f"unknown geography {row['geo']!r}." + (f" {hint.group(0)}" if hint else ""),
                   "'Nacional', a state name, '00'–'32' or a 5-digit municipality key") from exc
    match = _PERIOD.match(row["period"])
    month = int(match.group(2)) if match and match.group(2) else 1
    if not match or not 1 <= month <= 12:
        raise fail("period", f"period {row['period']!r} is not a year or a month.", "YYYY or YYYY-MM")
    if not _NUMBER.match(row["value"]):
        raise fail("value", f"value {row['value']!r} is not a number.",
                   "digits with '.' as decimal separator, no thousands separator")
    if not row["unit"]:
        raise fail("unit", "the unit is empty.", "e.g. personas, pesos, %")
    if not row["source"]:
        raise fail("source", "the row has no source.", "a citation: publisher, title, date")
    if row["url"] and not re.match(r"^https?://\S+$", row["url"]):
        raise fail("url", f"url {row['url']!r} is not a web address.", "http:// or https://…")
    if row["accessed"]:
        try:
            dt.date.fromisoformat(row["accessed"])
        except ValueError:
            raise fail("accessed", f"access date {row['accessed']!r} is not a date.", "YYYY-MM-DD") from None
    elif row["url"]:
        raise fail("accessed", "a url without an access date.", "YYYY-MM-DD")
    return {
        **{k: row.get(k, "") for k in REQUIRED + OPTIONAL},
        "geo": geo,
        "geo_raw": row["geo"],
        "period": pd.Timestamp(year=int(match.group(1)), month=month, day=1),
        "freq": "M" if match.group(2) else "Y",
        "value": float(row["value"]),
        "line": line,
    }


def _consistent(name: str, table: pd.DataFrame) -> None:
    """One label, unit and frequency per indicator; each figure once."""
    for column in ("label", "unit", "freq"):
        first = table.groupby("indicator")[column].transform("first")
        bad = table[table[column] != first]
        if not bad.empty:
            row = bad.iloc[0]
            seen = first[bad.index[0]]
            raise CellError(name, f"indicator {row['indicator']!r} already has {column} {seen!r}.",
                            line=int(row["line"]), column="period" if column == "freq" else column,
                            expected=f"one {column} per indicator")
    dup = table.duplicated(["indicator", "geo", "period", "detail"])
    if dup.any():
        row = table[dup].iloc[0]
        raise RowError(name, f"{row['indicator']} for {row['geo']} in {row['period']:%Y-%m} appears twice.",
                       line=int(row["line"]), expected="each indicator, geo, period and detail once")


def read(path: Path) -> pd.DataFrame:
    """The tidy frame; labels, units and citations stay in :func:`read_table`."""
    path = Path(path)
    table = read_table(path)
    out = table.assign(variable=table["indicator"], extra="")[list(fr.COLUMNS)]
    frame = fr.tidy(out, path, dataset=DATASET)
    frame.attrs.update(source=SOURCE, citation=CITATION, licence=LICENCE)
    return frame


LAYOUTS: tuple[fr.Layout, ...] = (
    fr.Layout(DATASET, SOURCE, CITATION, LICENCE, "curated CSV (indicator … source, url, accessed)", detect,
              read),
)


def layout_for(path: Path, head: bytes | None = None) -> fr.Layout:
    return fr.layout_for(LAYOUTS, path, head)
