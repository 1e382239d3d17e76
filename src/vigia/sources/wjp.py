"""World Justice Project Rule of Law Index: the historical data file (sheet ``Historical Data``).

One row per country and edition in the file becomes, with ``geo`` = ISO-3 country code:

* ``wjp_overall`` — overall score (0–1);
* ``wjp_factor_1`` … ``wjp_factor_8`` — factor scores (1 constraints on government powers, 2 absence of
  corruption, 3 open government, 4 fundamental rights, 5 order and security, 6 regulatory enforcement,
  7 civil justice, 8 criminal justice);
* ``wjp_rank`` — rank by overall score within the edition (descending score, ties share the lowest
  rank: pandas "min"); the file stores no ranks, so they are computed here;
* ``wjp_countries`` — how many countries that edition ranked (repeated on every country's row, so one
  country's rows are self-contained: Mexico 2019 is rank 99 of 126).

Editions are labels, not calendar years ("2017-2018" is one edition): ``freq`` is 'E', ``period`` is
Jan 1 of the edition's last year (2017-2018 → 2018-01-01) and ``extra`` keeps the label.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd

from vigia.errors import CellError, HeaderError, RowError
from vigia.sources import frame as fr

SOURCE = "wjp"
DATASET = "wjp"
SHEET = "Historical Data"
CITATION = "World Justice Project, WJP Rule of Law Index, historical data file (2024 edition), " \
           "worldjusticeproject.org."
LICENCE = (
    "World Justice Project terms of use: free to reuse with attribution to the WJP Rule of Law Index; "
    "check worldjusticeproject.org before commercial redistribution."
)
OVERALL = "WJP Rule of Law Index: Overall Score"
FACTOR = re.compile(r"^Factor\s+([1-8])\s*:")
LABELS = {
    "wjp_overall": "Índice de Estado de Derecho WJP, puntaje general / WJP Rule of Law Index, overall score",
    "wjp_factor_1": "Límites al poder gubernamental / Constraints on government powers",
    "wjp_factor_2": "Ausencia de corrupción / Absence of corruption",
    "wjp_factor_3": "Gobierno abierto / Open government",
    "wjp_factor_4": "Derechos fundamentales / Fundamental rights",
    "wjp_factor_5": "Orden y seguridad / Order and security",
    "wjp_factor_6": "Cumplimiento regulatorio / Regulatory enforcement",
    "wjp_factor_7": "Justicia civil / Civil justice",
    "wjp_factor_8": "Justicia penal / Criminal justice",
    "wjp_rank": "Posición en la edición (puntaje general) / Rank in the edition (overall score)",
    "wjp_countries": "Países evaluados en la edición / Countries ranked in the edition",
}
_ID = ("Country", "Year", "Country Code")
_EDITION = re.compile(r"^(?:(\d{4})-)?(\d{4})$")


def edition_period(label: str) -> pd.Timestamp:
    """Jan 1 of an edition's last year: '2017-2018' → 2018-01-01, '2019' → 2019-01-01."""
    match = _EDITION.match(str(label).strip())
    if not match:
        raise ValueError(f"not a WJP edition label: {label!r}")
    return pd.Timestamp(year=int(match.group(2)), month=1, day=1)


@fr.never_raises
def detect(path: Path, head: bytes) -> bool:
    """An xlsx with a 'Historical Data' sheet whose header holds the overall score."""
    if not head.startswith(fr.XLSX_MAGIC) or SHEET not in fr.xlsx_sheets(path):
        return False
    header = fr.xlsx_first_row(path, SHEET)
    return OVERALL in header and "Country Code" in header


def read(path: Path) -> pd.DataFrame:
    path = Path(path)
    try:
        raw = pd.read_excel(path, sheet_name=SHEET, dtype=object)
    except ValueError as exc:
        raise HeaderError(str(path), f"no sheet '{SHEET}'.", expected="the WJP historical data file") from exc
    raw.columns = [str(c).strip() for c in raw.columns]
    fr.check_columns(path, raw.columns, (*_ID, OVERALL))
    factors = {int(m.group(1)): c for c in raw.columns if (m := FACTOR.match(c))}
    if sorted(factors) != list(range(1, 9)):
        raise HeaderError(str(path), f"factor columns found: {sorted(factors)}.",
                          expected="Factor 1 … Factor 8")

    raw = raw[raw["Country Code"].notna()].copy()  # trailing blank rows
    code = raw["Country Code"].astype(str).str.strip()
    bad = ~code.str.fullmatch(r"[A-Z]{3}")
    if bad.any():
        idx = raw.index[bad.to_numpy()][0]
        raise CellError(str(path), f"country code {raw.at[idx, 'Country Code']!r} is not ISO-3.",
                        line=int(idx) + 2, column="Country Code", expected="three capital letters")
    edition = raw["Year"].astype(str).str.strip().str.removesuffix(".0")
    bad = ~edition.str.match(_EDITION.pattern)
    if bad.any():
        idx = raw.index[bad.to_numpy()][0]
        raise CellError(str(path), f"edition {raw.at[idx, 'Year']!r} is not an edition label.",
                        line=int(idx) + 2, column="Year", expected="'2019' or '2017-2018'")
    dup = pd.Series(list(zip(code, edition, strict=True)), index=raw.index).duplicated()
    if dup.any():
        idx = raw.index[dup.to_numpy()][0]
        raise RowError(str(path), f"{code[idx]} appears twice in edition {edition[idx]}.", line=int(idx) + 2)

    lines = raw.index + 2
    scores = {"wjp_overall": fr.numbers(raw[OVERALL], path, OVERALL, lines=lines, non_negative=True)}
    for n, column in sorted(factors.items()):
        scores[f"wjp_factor_{n}"] = fr.numbers(raw[column], path, column, lines=lines, non_negative=True,
                                               allow_blank=True)
    wide = pd.DataFrame({"geo": code, "extra": edition, **scores})
    # Rank within each edition on the unrounded score, as WJP does; equal scores share the best rank.
    wide["wjp_rank"] = wide.groupby("extra")["wjp_overall"].rank(ascending=False, method="min")
    wide["wjp_countries"] = wide.groupby("extra")["wjp_overall"].transform("count").astype("float64")
    long = wide.melt(id_vars=["geo", "extra"], var_name="variable", value_name="value")
    periods = {label: edition_period(label) for label in long["extra"].unique()}
    long["period"] = long["extra"].map(periods)
    long = long.assign(freq="E", detail="")
    out = fr.tidy(long, path, dataset=DATASET)
    out.attrs.update(source=SOURCE, citation=CITATION, licence=LICENCE)
    return out


LAYOUTS: tuple[fr.Layout, ...] = (
    fr.Layout(DATASET, SOURCE, CITATION, LICENCE, "WJP historical data file (xlsx)", detect, read),
)


def layout_for(path: Path, head: bytes | None = None) -> fr.Layout:
    return fr.layout_for(LAYOUTS, path, head)


def vintage_of(path: Path, frame: pd.DataFrame) -> dt.date:
    """WJP publishes each edition in October or November of its (last) year."""
    last_year = int(pd.to_datetime(frame["period"]).dt.year.max())
    return dt.date(last_year, 10, 1)
