"""CONAPO 2023 population projections: the denominators of every rate per 100,000.

Three layouts, one variable, ``poblacion_mitad_anio`` (mid-year population, freq 'Y', period Jan 1):

* ``population`` — the official indicators workbook ``5_Indicadores_demográficos_proyecciones.xlsx``
  (columns ``AÑO, ENTIDAD, CVE_GEO, POB_MIT_AÑO, HOM_MIT_AÑO, MUJ_MIT_AÑO``; ``CVE_GEO`` 0 = national).
  ``detail`` is the sex: 'Total', 'Hombres', 'Mujeres'. National 1950–2070, states 1970–2070.
* ``population`` as well — the derivative ``conapo_pob_ent_gender_1950_2070.csv`` (``n_year,
  nombre_estado, cve_ent, genero, pob_start_year, pob_mid_year``). Its mid-year values equal the
  workbook's, so it is filed under the same dataset: ingesting both changes nothing.
* ``population_municipal`` — CONAPO 2023 municipal mid-year population 1990–2040 in wide layout
  (``CVE`` 5 digits, ``Entidad, Municipio, 1990 … 2040``); ``detail`` 'Total'. Recently created
  municipalities may be missing, and pseudo-municipalities (…998/…999) never have a projection.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd

from vigia.errors import CellError, HeaderError
from vigia.geo import state_code_for
from vigia.sources import frame as fr

SOURCE = "conapo"
DATASET = "population"
DATASET_MUNICIPAL = "population_municipal"
VARIABLE = "poblacion_mitad_anio"
CITATION = (
    "Consejo Nacional de Población (CONAPO), Conciliación Demográfica de México 1950-2019 y Proyecciones "
    "de la población de México y de las entidades federativas 2020-2070 (edición 2023)."
)
CITATION_MUNICIPAL = (
    "CONAPO, Proyecciones de la población de los municipios de México 2020-2040 y conciliación 1990-2019 "
    "(edición 2023); tabla municipal ancha compilada por lapanquecita/incidencia-delictiva "
    "(assets/poblacion.csv)."
)
LICENCE = "Términos de Libre Uso MX (datos abiertos del Gobierno de México) / Mexican open-data terms"

EDITION = 2023  # the layout is the 2023 edition's; CONAPO files carry no edition field of their own
LABELS = {VARIABLE: "Población a mitad de año (CONAPO 2023) / Mid-year population (CONAPO 2023)"}
SEXES = {"POB_MIT_AÑO": "Total", "HOM_MIT_AÑO": "Hombres", "MUJ_MIT_AÑO": "Mujeres"}
_XLSX_REQUIRED = ("AÑO", "ENTIDAD", "CVE_GEO", "POB_MIT_AÑO")
_CSV_REQUIRED = ("n_year", "nombre_estado", "cve_ent", "genero", "pob_mid_year")
_MUN_ID = ("CVE", "Entidad", "Municipio")
_YEAR = re.compile(r"^\d{4}$")


# ---- official workbook -------------------------------------------------------------------------------

@fr.never_raises
def detect_state_xlsx(path: Path, head: bytes) -> bool:
    """An xlsx whose first sheet's header has CONAPO's CVE_GEO and POB_MIT_AÑO."""
    if not head.startswith(fr.XLSX_MAGIC):
        return False
    header = set(fr.xlsx_first_row(path, 0))
    return {"CVE_GEO", "POB_MIT_AÑO"} <= header


def read_state_xlsx(path: Path) -> pd.DataFrame:
    path = Path(path)
    raw = pd.read_excel(path, sheet_name=0, dtype=object)
    raw.columns = [str(c).strip() for c in raw.columns]
    fr.check_columns(path, raw.columns, _XLSX_REQUIRED)
    # Spreadsheet line = index + 2 (one header row, 1-based).
    codes = fr.numbers(raw["CVE_GEO"], path, "CVE_GEO", integer=True, non_negative=True)
    if (codes > 32).any():
        pos = int((codes > 32).to_numpy().nonzero()[0][0])
        raise CellError(str(path), f"CVE_GEO {raw['CVE_GEO'].iloc[pos]!r} is not a state code.",
                        line=pos + 2, column="CVE_GEO", expected="0 (national) to 32")
    geo = codes.astype("int64").map("{:02d}".format)
    _check_names(path, raw["ENTIDAD"], geo, "ENTIDAD")
    years = fr.numbers(raw["AÑO"], path, "AÑO", integer=True)
    parts = []
    for column, sex in SEXES.items():
        if column not in raw.columns:  # the sex split is welcome but not essential
            continue
        values = fr.numbers(raw[column], path, column, integer=True, non_negative=True)
        parts.append(pd.DataFrame({"geo": geo, "period": fr.annual(years), "detail": sex, "value": values}))
    out = pd.concat(parts, ignore_index=True)
    out = out.assign(variable=VARIABLE, freq="Y", extra="")
    return fr.tidy(out, path, dataset=DATASET)


# ---- derivative state CSV ------------------------------------------------------------------------------

@fr.never_raises
def detect_state_csv(path: Path, head: bytes) -> bool:
    return set(_CSV_REQUIRED) <= set(fr.csv_header(head))


def read_state_csv(path: Path) -> pd.DataFrame:
    path = Path(path)
    raw = pd.read_csv(fr.read_text(path), dtype=str, keep_default_na=False)
    raw.columns = [c.strip() for c in raw.columns]
    fr.check_columns(path, raw.columns, _CSV_REQUIRED)
    geo = raw["cve_ent"].str.strip()
    bad = ~geo.str.fullmatch(r"\d{2}") | ~geo.isin([f"{i:02d}" for i in range(33)])
    if bad.any():
        pos = int(bad.to_numpy().nonzero()[0][0])
        raise CellError(str(path), f"cve_ent {raw['cve_ent'].iloc[pos]!r} is not a state code.",
                        line=pos + 2, column="cve_ent", expected="'00' (national) to '32'")
    _check_names(path, raw["nombre_estado"], geo, "nombre_estado")
    sex = raw["genero"].str.strip()
    bad = ~sex.isin(list(SEXES.values()))
    if bad.any():
        pos = int(bad.to_numpy().nonzero()[0][0])
        raise CellError(str(path), f"genero {sex.iloc[pos]!r} is unknown.", line=pos + 2, column="genero",
                        expected=", ".join(SEXES.values()))
    years = fr.numbers(raw["n_year"], path, "n_year", integer=True)
    values = fr.numbers(raw["pob_mid_year"], path, "pob_mid_year", integer=True, non_negative=True)
    out = pd.DataFrame({"geo": geo, "variable": VARIABLE, "period": fr.annual(years), "freq": "Y",
                        "value": values, "detail": sex, "extra": ""})
    return fr.tidy(out, path, dataset=DATASET)


# ---- municipal wide CSV ------------------------------------------------------------------------------

@fr.never_raises
def detect_municipal(path: Path, head: bytes) -> bool:
    header = fr.csv_header(head)
    return tuple(header[:3]) == _MUN_ID and any(_YEAR.match(c) for c in header[3:])


def read_municipal(path: Path) -> pd.DataFrame:
    path = Path(path)
    raw = pd.read_csv(fr.read_text(path), dtype=str, keep_default_na=False)
    raw.columns = [c.strip() for c in raw.columns]
    fr.check_columns(path, raw.columns, _MUN_ID)
    years = [c for c in raw.columns if _YEAR.match(c)]
    if not years:
        raise HeaderError(str(path), "no year columns.", expected="CVE, Entidad, Municipio, 1990 … 2040")
    cve = raw["CVE"].str.strip()
    bad = ~cve.str.fullmatch(r"\d{5}") | ~cve.str[:2].isin([f"{i:02d}" for i in range(1, 33)])
    if bad.any():
        pos = int(bad.to_numpy().nonzero()[0][0])
        raise CellError(str(path), f"CVE {raw['CVE'].iloc[pos]!r} is not a municipality key.",
                        line=pos + 2, column="CVE", expected="5 digits, state 01–32 then municipality")
    parts = []
    for year in years:
        values = fr.numbers(raw[year], path, year, integer=True, non_negative=True, allow_blank=True)
        parts.append(pd.DataFrame({"geo": cve, "year": int(year), "value": values}))
    long = pd.concat(parts, ignore_index=True).dropna(subset=["value"])  # blank = no projection, not 0
    out = pd.DataFrame({"geo": long["geo"], "variable": VARIABLE, "freq": "Y", "value": long["value"],
                        "period": fr.annual(long["year"]).to_numpy(), "detail": "Total", "extra": ""})
    return fr.tidy(out, path, dataset=DATASET_MUNICIPAL)


# ---- shared -------------------------------------------------------------------------------------------

def _check_names(path: Path, names: pd.Series, geo: pd.Series, column: str) -> None:
    """The name beside each code must be that state's; a shifted column would otherwise go unnoticed."""
    lookup = {n: state_code_for(n) for n in names.astype(str).unique()}
    resolved = names.astype(str).map(lookup)
    bad = resolved.to_numpy() != geo.to_numpy()
    if bad.any():
        pos = int(bad.nonzero()[0][0])
        raise CellError(str(path), f"name {names.iloc[pos]!r} does not match code {geo.iloc[pos]!r}.",
                        line=pos + 2, column=column, expected="the name of the state with that code")


STATE_XLSX = fr.Layout(DATASET, SOURCE, CITATION, LICENCE, "CONAPO 2023 indicators workbook (states)",
                       detect_state_xlsx, read_state_xlsx)
STATE_CSV = fr.Layout(DATASET, SOURCE, CITATION + " Derivative CSV by isaacarroyov/datos_facil_acceso.",
                      LICENCE, "CONAPO 2023 state population by sex, derivative CSV", detect_state_csv,
                      read_state_csv)
MUNICIPAL = fr.Layout(DATASET_MUNICIPAL, SOURCE, CITATION_MUNICIPAL, LICENCE,
                      "CONAPO 2023 municipal population, wide CSV", detect_municipal, read_municipal)
LAYOUTS: tuple[fr.Layout, ...] = (STATE_XLSX, STATE_CSV, MUNICIPAL)
detect, layout_for, read = fr.entry_points(LAYOUTS)  # every layout this module reads


def vintage_of(path: Path, frame: pd.DataFrame) -> dt.date:
    """A projection's vintage is its edition, not its last projected year (2070)."""
    return dt.date(EDITION, 1, 1)
