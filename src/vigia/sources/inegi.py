"""INEGI homicide deaths (vital statistics), by month and place of occurrence.

No original INEGI tabulado was obtainable; both layouts are the research derivative of Gargiulo, Aburto
& Floridi (2024), built from INEGI's death-certificate microdata. What that means for users:

* deaths are assigned to the **place of occurrence** and the **year of occurrence**;
* deaths with unknown cause, unknown municipality or country of occurrence, and deaths abroad, are
  **excluded**, so totals sit below INEGI's headline "defunciones por homicidio" (2018: 34,426 here
  vs 36,685 registered);
* the files carry no national row: the national figure is the sum of the states (nothing is lost,
  the unknown-place deaths were never in the file).

Layouts (both pipe-separated; variable ``defunciones_homicidio``, freq 'M', period = first of month):

* ``inegi_homicides`` — state-month, ``cve_ent|year|month|homicides|pop_est|homicide_rate`` (2000–2022);
* ``inegi_homicides_municipal`` — municipality-month, gzip, ``ent_mun|year|month|…`` (2000–2021, an
  older processing run: its national sums differ slightly from the state file, e.g. 2020 35,555).

``pop_est`` (census interpolation) and ``homicide_rate`` are not read: Vigía's rates use CONAPO.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from vigia.errors import CellError
from vigia.sources import frame as fr

SOURCE = "inegi"
DATASET = "inegi_homicides"
DATASET_MUNICIPAL = "inegi_homicides_municipal"
VARIABLE = "defunciones_homicidio"
CITATION = (
    "INEGI, Estadísticas de defunciones registradas (microdatos), procesadas por Gargiulo, M., Aburto, J. M. "
    "y Floridi, G. (2024), 'Monthly municipal-level homicide rates in Mexico (January 2000–December 2022)', "
    "OSF, doi:10.17605/OSF.IO/U8DC3; github.com/thegargiulian/mexico-homicide-rates."
)
LICENCE = (
    "Datos de INEGI: Términos de libre uso de la información del INEGI (uso libre con atribución). "
    "Derivative tables: as published by their authors on OSF/GitHub (licence not stated in the files)."
)
LABELS = {VARIABLE: "Defunciones por homicidio, lugar de ocurrencia (INEGI) / Homicide deaths by place of "
                    "occurrence (INEGI)"}

_STATE = ("cve_ent", "year", "month", "homicides")
_MUNI = ("ent_mun", "year", "month", "homicides")


@fr.never_raises
def detect_state(path: Path, head: bytes) -> bool:
    return fr.csv_header(head, "|")[:4] == list(_STATE)


@fr.never_raises
def detect_municipal(path: Path, head: bytes) -> bool:
    if head.startswith(fr.GZIP_MAGIC):
        header = fr.gzip_header(path, "|")
    else:  # the same table uncompressed is read just as well
        header = fr.csv_header(head, "|")
    return header[:4] == list(_MUNI)


def read_state(path: Path) -> pd.DataFrame:
    return _read(Path(path), _STATE, r"(0[1-9]|[12]\d|3[0-2])", DATASET)


def read_municipal(path: Path) -> pd.DataFrame:
    return _read(Path(path), _MUNI, r"(0[1-9]|[12]\d|3[0-2])\d{3}", DATASET_MUNICIPAL)


def _read(path: Path, columns: tuple[str, ...], geo_pattern: str, dataset: str) -> pd.DataFrame:
    # compression='infer' handles .gz by extension; sniff the magic too, names are not to be trusted.
    with open(path, "rb") as fh:
        gz = fh.read(2) == fr.GZIP_MAGIC
    raw = pd.read_csv(path, sep="|", dtype=str, keep_default_na=False, compression="gzip" if gz else None,
                      usecols=lambda c: c.strip() in columns)
    raw.columns = [c.strip() for c in raw.columns]
    fr.check_columns(path, raw.columns, columns)
    key = columns[0]
    geo = raw[key].str.strip()
    bad = ~geo.str.fullmatch(geo_pattern)
    if bad.any():
        pos = int(bad.to_numpy().nonzero()[0][0])
        raise CellError(str(path), f"{key} {raw[key].iloc[pos]!r} is not a valid code.", line=pos + 2,
                        column=key, expected="INEGI state (2 digits) or municipality (5 digits) key")
    years = fr.numbers(raw["year"], path, "year", integer=True)
    months = fr.numbers(raw["month"], path, "month", integer=True)
    bad = ~months.between(1, 12)
    if bad.any():
        pos = int(bad.to_numpy().nonzero()[0][0])
        raise CellError(str(path), f"month {raw['month'].iloc[pos]!r} is out of range.", line=pos + 2,
                        column="month", expected="1 to 12")
    values = fr.numbers(raw["homicides"], path, "homicides", integer=True, non_negative=True,
                        allow_blank=True)
    out = pd.DataFrame({"geo": geo, "variable": VARIABLE, "period": fr.monthly(years, months), "freq": "M",
                        "value": values, "detail": "", "extra": ""})
    return fr.tidy(out, path, dataset=dataset)


STATE = fr.Layout(DATASET, SOURCE, CITATION, LICENCE, "homicide deaths, state-month, pipe-separated",
                  detect_state, read_state)
MUNICIPAL = fr.Layout(DATASET_MUNICIPAL, SOURCE, CITATION, LICENCE,
                      "homicide deaths, municipality-month, pipe-separated (gzip)", detect_municipal,
                      read_municipal)
LAYOUTS: tuple[fr.Layout, ...] = (STATE, MUNICIPAL)
detect, layout_for, read = fr.entry_points(LAYOUTS)  # every layout this module reads


