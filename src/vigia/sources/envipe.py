"""INEGI ENVIPE (Encuesta Nacional de Victimización y Percepción sobre Seguridad Pública): perception.

Two **separate** variables that must never be spliced into one series:

* ``percepcion_inseguridad_pct`` (dataset ``envipe_perception``): the headline percentage of people
  aged 18+ who perceive their state as insecure, from INEGI's tabulado (sheet ``Originales``: rows
  "Entidad / Porcentaje / 2011 … 2023", then "Estados Unidos Mexicanos" and the 32 states).
* ``percepcion_inseguridad_por_100k`` (dataset ``envipe_api``): persons aged 18+ perceiving their state
  as insecure per 100,000 inhabitants aged 18+, from the INEGI Indicators API (indicator 6204327085),
  CSV ``año, valor, entidad, clave``, 2011–2025. It runs 2–4 points above the headline % every year
  (a different denominator/definition), so it is not the same measure on another scale.

Periods: ``period`` is the **survey year** (Jan 1, freq 'Y'); ``extra`` is the edition label
('ENVIPE 2019'). Perception is measured at survey time (March–April of that year); the survey's
*victimisation* questions refer to the previous calendar year — see :func:`victimisation_reference_year`.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd

from vigia.errors import CellError, HeaderError
from vigia.geo import state_code_for
from vigia.sources import frame as fr

SOURCE = "inegi"
DATASET = "envipe_perception"
DATASET_API = "envipe_api"
VARIABLE_PCT = "percepcion_inseguridad_pct"
VARIABLE_RATE = "percepcion_inseguridad_por_100k"
SHEET = "Originales"
SURVEY_MONTHS = "marzo–abril / March–April"
CITATION = (
    "INEGI, Encuesta Nacional de Victimización y Percepción sobre Seguridad Pública (ENVIPE), tabulado "
    "'Percepción de inseguridad en la entidad federativa', población de 18 años y más, 2011–2023."
)
CITATION_API = (
    "INEGI, Banco de Indicadores (API), indicador 6204327085: población de 18 años y más que percibe "
    "insegura su entidad federativa por cada 100 mil habitantes de 18 años y más (ENVIPE), 2011–2025."
)
LICENCE = "Términos de libre uso de la información del INEGI (uso libre con atribución) / INEGI terms"
LABELS = {
    VARIABLE_PCT: "Percepción de inseguridad en la entidad, % de 18+ (ENVIPE) / Perceived insecurity in the "
                  "state, % aged 18+ (ENVIPE)",
    VARIABLE_RATE: "Personas de 18+ que perciben insegura su entidad por 100 mil (API INEGI) / People aged "
                   "18+ perceiving their state as insecure per 100k (INEGI API)",
}
_API = ("año", "valor", "entidad", "clave")


def victimisation_reference_year(survey_year: int) -> int:
    """ENVIPE <year> asks about crimes suffered in <year - 1>; perception refers to the survey year."""
    return int(survey_year) - 1


def edition_label(survey_year: int) -> str:
    return f"ENVIPE {int(survey_year)}"


# ---- headline % workbook ----------------------------------------------------------------------------

@fr.never_raises
def detect_perception(path: Path, head: bytes) -> bool:
    if not head.startswith(fr.XLSX_MAGIC) or SHEET not in fr.xlsx_sheets(path):
        return False
    first = fr.xlsx_first_row(path, SHEET)
    return first[:2] == ["Entidad", "Porcentaje"]


def read_perception(path: Path) -> pd.DataFrame:
    path = Path(path)
    try:
        raw = pd.read_excel(path, sheet_name=SHEET, header=None, dtype=object)
    except ValueError as exc:  # pandas' "Worksheet named … not found"
        raise HeaderError(str(path), f"no sheet '{SHEET}'.", expected="INEGI ENVIPE tabulado layout") from exc
    # INEGI layout: row 1 'Entidad' | 'Porcentaje', row 2 the survey years, then one row per geography.
    if [str(v).strip() for v in raw.iloc[0, :2]] != ["Entidad", "Porcentaje"]:
        raise HeaderError(str(path), "first row is not 'Entidad | Porcentaje'.", line=1, column="A",
                          expected="INEGI ENVIPE tabulado layout")
    year_row = raw.iloc[1, 1:]
    years: list[tuple[int, int]] = []  # (column position, survey year)
    for pos, cell in year_row.items():
        if pd.isna(cell) or str(cell).strip() == "":
            continue
        text = str(cell).strip().removesuffix(".0")
        if not re.fullmatch(r"(19|20)\d{2}", text):
            raise HeaderError(str(path), f"year header {cell!r} is not a year.", line=2,
                              column=_col_letter(int(pos)), expected="a survey year such as 2019")
        years.append((int(pos), int(text)))
    if not years:
        raise HeaderError(str(path), "no survey years in row 2.", line=2, expected="2011 … 2023")
    body = raw.iloc[2:]
    body = body[body.iloc[:, 0].notna() & (body.iloc[:, 0].astype(str).str.strip() != "")]
    parts = []
    for idx, row in body.iterrows():
        line = int(idx) + 1
        name = str(row.iloc[0]).strip()
        if name.lower().startswith(("fuente", "nota")):  # footnotes below the table
            continue
        geo = state_code_for(name)
        if geo is None:
            raise CellError(str(path), f"unknown geography {name!r}.", line=line, column="A",
                            expected="'Estados Unidos Mexicanos' or a state name")
        for pos, year in years:
            cell = row.iloc[pos]
            value = pd.to_numeric(pd.Series([cell]), errors="coerce").iloc[0]
            if pd.isna(value) and not (pd.isna(cell) or str(cell).strip() == ""):
                raise CellError(str(path), f"value {cell!r} is not a number.", line=line,
                                column=_col_letter(pos), expected="a percentage 0–100")
            if pd.notna(value) and not 0 <= value <= 100:
                raise CellError(str(path), f"value {cell!r} is not a percentage.", line=line,
                                column=_col_letter(pos), expected="a percentage 0–100")
            parts.append((geo, year, float(value)))
    out = pd.DataFrame(parts, columns=["geo", "year", "value"])
    out = out.assign(variable=VARIABLE_PCT, period=fr.annual(out["year"]).to_numpy(), freq="Y", detail="",
                     extra=out["year"].map(edition_label))
    return fr.tidy(out, path, dataset=DATASET)


# ---- INEGI API per-100k CSV --------------------------------------------------------------------------

@fr.never_raises
def detect_api(path: Path, head: bytes) -> bool:
    return fr.csv_header(head) == list(_API)


def read_api(path: Path) -> pd.DataFrame:
    path = Path(path)
    raw = pd.read_csv(fr.read_text(path), dtype=str, keep_default_na=False)
    raw.columns = [c.strip() for c in raw.columns]
    fr.check_columns(path, raw.columns, _API)
    geo = raw["clave"].str.strip().str.zfill(2)
    bad = ~geo.isin([f"{i:02d}" for i in range(33)])
    if bad.any():
        pos = int(bad.to_numpy().nonzero()[0][0])
        raise CellError(str(path), f"clave {raw['clave'].iloc[pos]!r} is not a state code.", line=pos + 2,
                        column="clave", expected="'00' (national) to '32'")
    named = raw["entidad"].map(state_code_for)
    bad = named.to_numpy() != geo.to_numpy()
    if bad.any():  # a clave beside another state's name means the columns slipped
        pos = int(bad.nonzero()[0][0])
        raise CellError(str(path), f"entidad {raw['entidad'].iloc[pos]!r} does not match clave "
                        f"{geo.iloc[pos]!r}.", line=pos + 2, column="entidad",
                        expected="the name of the state with that clave")
    years = fr.numbers(raw["año"], path, "año", integer=True)
    values = fr.numbers(raw["valor"], path, "valor", non_negative=True, allow_blank=True)
    out = pd.DataFrame({"geo": geo, "variable": VARIABLE_RATE, "period": fr.annual(years), "freq": "Y",
                        "value": values, "detail": "", "extra": years.astype("int64").map(edition_label)})
    return fr.tidy(out, path, dataset=DATASET_API)


def _col_letter(pos: int) -> str:
    letters = ""
    pos += 1
    while pos:
        pos, rem = divmod(pos - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


PERCEPTION = fr.Layout(DATASET, SOURCE, CITATION, LICENCE, "ENVIPE headline % (xlsx, sheet Originales)",
                       detect_perception, read_perception)
API = fr.Layout(DATASET_API, SOURCE, CITATION_API, LICENCE, "ENVIPE per-100k from the INEGI API (CSV)",
                detect_api, read_api)
LAYOUTS: tuple[fr.Layout, ...] = (PERCEPTION, API)
detect, layout_for, read = fr.entry_points(LAYOUTS)  # every layout this module reads


def vintage_of(path: Path, frame: pd.DataFrame) -> dt.date:
    """ENVIPE's survey of year N (fieldwork March–April) is published in September of N."""
    last_year = int(pd.to_datetime(frame["period"]).dt.year.max())
    return dt.date(last_year, 9, 1)
