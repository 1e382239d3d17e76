"""SHCP Cuenta Pública, "Gasto por Categoría Programática" (Gobierno Federal, pesos): ramos and programmes.

Layout of the official XLS (one sheet): a title block ("CUENTA PÚBLICA <year> / GASTO POR CATEGORÍA
PROGRAMÁTICA / GOBIERNO FEDERAL / (PESOS)"), a three-row header, then a hierarchy given by indentation:
column C the ente (Poder Legislativo, Poder Judicial, Órganos Autónomos, Poder Ejecutivo), columns D/E
the ramo (or a grouping such as "Ramos Generales"), column F the programme key and column G its name.
Each heading is followed by the rows ``Aprobado, Modificado, Devengado, Ejercicio`` (``Ejercido`` from
CP 2024) and two percentages; column index 17 is ``TOTAL``.

The file has no ramo numbers: ``maps/budget_ramos.csv`` maps each ramo name (per ente) to its id, and an
unknown name is an error, never a silent drop. A programme's identity is **ramo + key** (``R20:S287``),
never the key alone: ``U280`` is Jóvenes Construyendo el Futuro in STPS (R14) and a scholarship in SEP
(R11); ``E006`` is the Guardia Nacional in R36 and refugee assistance in R04.

Frame (dataset ``budget``): ``geo`` '00', ``variable`` 'presupuesto', ``period`` Jan 1 of the fiscal
year, ``freq`` 'Y', ``detail`` the stage ('aprobado' or 'ejercido'), ``extra`` 'R<ramo>:<key>', with
key 'TOTAL' for a ramo's total. Amounts are **nominal pesos** (not deflated).

Concepts that span key changes (Sembrando Vida U010→S287, JCF U280→S280, Beca Universal U084→S311, the
2019 security budget in Gobernación…) live in ``maps/budget_programmes.csv``; :func:`concept_series`
sums a concept's keys year by year.

A second layout, dataset ``budget_pef_cp``, reads the derivative ``pef_cp_programas_seguridad_sociales_
2019_2025.csv`` (the only source here for 2024–2025) into the same identities, so concept_series works
on it and on the concatenation of both.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd

from vigia.errors import CellError, FileError, HeaderError, QueryError, RowError
from vigia.geo import normalize_name
from vigia.sources import frame as fr

SOURCE = "shcp"
DATASET = "budget"
DATASET_DERIVATIVE = "budget_pef_cp"
VARIABLE = "presupuesto"
CITATION = (
    "Secretaría de Hacienda y Crédito Público (SHCP), Cuenta Pública <año>, Gasto por Categoría "
    "Programática, Gobierno Federal (pesos), cuentapublica.hacienda.gob.mx; copia de "
    "lapanquecita/cuenta-publica."
)
CITATION_DERIVATIVE = (
    "Extracto de SHCP, Cuenta Pública 2019–2023 (Gasto por Categoría Programática) y, para 2024–2025, de la "
    "conversión CSV de lapanquecita/cuenta-publica (csv/2024.csv, csv/2025.csv @ 42f470a)."
)
LICENCE = (
    "Información pública del Gobierno Federal; Términos de Libre Uso MX / Mexican open-data free-use terms"
)
LABELS = {VARIABLE: "Presupuesto federal, pesos corrientes (Cuenta Pública) / Federal budget, nominal pesos "
                    "(Public Account)"}
STAGES = {"Aprobado": "aprobado", "Modificado": "modificado", "Devengado": "devengado",
          "Ejercicio": "ejercido", "Ejercido": "ejercido"}
FRAME_STAGES = ("aprobado", "ejercido")
TOTAL = "TOTAL"
TOTAL_COLUMN = 17  # column R

_KEY = re.compile(r"^[A-Z]\d{3}$")
_TITLE = re.compile(r"CUENTA\s+P[ÚU]BLICA\s+(\d{4})", re.IGNORECASE)
_FOOTNOTE = re.compile(r"^\d+/")
_COL = {2: "C", 3: "D", 4: "E", 5: "F", 6: "G", TOTAL_COLUMN: "R"}
_CSV = ("anio", "id_ramo", "clave_programa", "aprobado_pesos", "ejercido_pesos")


# ---- crosswalks (data, not code) ---------------------------------------------------------------------

def _map_rows(name: str) -> list[dict[str, str]]:
    text = resources.files("vigia.sources").joinpath("maps", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@lru_cache(maxsize=1)
def ramo_map() -> dict[tuple[str, str], tuple[str, str]]:
    """(ente, normalised ramo name) → (ramo_id, tipo); tipo is 'ramo' or 'grupo'."""
    return {(normalize_name(r["ente"]), normalize_name(r["nombre"])): (r["ramo_id"], r["tipo"])
            for r in _map_rows("budget_ramos.csv")}


@lru_cache(maxsize=1)
def crosswalk() -> pd.DataFrame:
    """Concept → (ramo_id, clave, from_year, to_year), from ``maps/budget_programmes.csv``."""
    table = pd.DataFrame(_map_rows("budget_programmes.csv"))
    table["from_year"] = pd.to_numeric(table["from_year"]).astype("int64")
    table["to_year"] = pd.to_numeric(table["to_year"].replace("", "9999")).astype("int64")
    return table


def concepts() -> pd.DataFrame:
    """The concepts :func:`concept_series` knows, with their Spanish / English labels."""
    return crosswalk()[["concept", "label"]].drop_duplicates("concept").reset_index(drop=True)


# ---- the official XLS --------------------------------------------------------------------------------

def _rows(path: Path) -> list[list[object]]:
    """All cells of the single sheet as lists (xls via xlrd; an xlsx edition via openpyxl)."""
    with open(path, "rb") as fh:
        magic = fh.read(8)
    if magic.startswith(fr.XLS_MAGIC):
        import xlrd

        book = xlrd.open_workbook(path, on_demand=True)
        try:
            sheet = book.sheet_by_index(0)
            return [sheet.row_values(i) for i in range(sheet.nrows)]
        finally:
            book.release_resources()
    if magic.startswith(fr.XLSX_MAGIC):
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            rows = book.worksheets[0].iter_rows(values_only=True)
            return [["" if v is None else v for v in row] for row in rows]
        finally:
            book.close()
    raise FileError(str(path), "not an Excel workbook.", expected="the Cuenta Pública .xls")


def _text(row: list[object], col: int) -> str:
    return str(row[col]).strip() if col < len(row) and row[col] is not None else ""


def _title_year(rows: list[list[object]]) -> int | None:
    for row in rows[:8]:
        for cell in row:
            match = _TITLE.search(str(cell))
            if match:
                return int(match.group(1))
    return None


@fr.never_raises
def detect_official(path: Path, head: bytes) -> bool:
    """Title block says 'CUENTA PÚBLICA <year>' and 'GASTO POR CATEGORÍA PROGRAMÁTICA'."""
    if not head.startswith((fr.XLS_MAGIC, fr.XLSX_MAGIC)):
        return False
    rows = _rows(path)[:10]
    text = normalize_name(" ".join(str(c) for row in rows for c in row))
    return _title_year(rows) is not None and "gasto por categoria programatica" in text


def read_table(path: Path) -> pd.DataFrame:
    """Every ramo total and programme of the file, one row each, with names and the four amounts.

    Columns: fiscal_year, ente, ramo_id, ramo, clave ('TOTAL' for the ramo total), nombre, aprobado,
    modificado, devengado, ejercido, line (of the heading row, 1-based).
    """
    path = Path(path)
    rows = _rows(path)
    year = _title_year(rows)
    if year is None:
        raise HeaderError(str(path), "no 'CUENTA PÚBLICA <year>' in the title block.", line=2,
                          expected="the SHCP Cuenta Pública layout")
    start = _header_end(path, rows)
    ramos = ramo_map()
    records: list[dict[str, object]] = []
    current: dict[str, object] | None = None  # the heading that stage rows attach to (None: ignore them)
    ente = ""
    ramo: tuple[str, str] | None = None  # (ramo_id, name)
    for i in range(start, len(rows)):
        row, line = rows[i], i + 1
        col_c, col_f, col_g = _text(row, 2), _text(row, 5), _text(row, 6)
        heading = _text(row, 3) or _text(row, 4) or ("" if _KEY.match(col_f) else col_f)
        if col_g in STAGES and not col_f:
            if current is not None:
                if current.get(STAGES[col_g]) is not None:
                    raise RowError(str(path), f"a second '{col_g}' row for {current['clave']}.", line=line)
                current[STAGES[col_g]] = _amount(path, row, line)
            continue
        if col_g.startswith("Porcentaje"):
            continue
        if _KEY.match(col_f):  # programme heading: key in F, name in G
            if ramo is None:
                raise RowError(str(path), f"programme {col_f} appears outside any ramo.", line=line)
            current = {"ente": ente, "ramo_id": ramo[0], "ramo": ramo[1], "clave": col_f, "nombre": col_g,
                       "line": line}
            records.append(current)
        elif col_c:
            if _FOOTNOTE.match(col_c):
                break
            ente, ramo, current = col_c, None, None
        elif heading:
            if _FOOTNOTE.match(heading):
                break
            ramo, current = _ramo(path, ramos, ente, heading, line, records)
        elif col_g:
            raise RowError(str(path), f"unexpected label {col_g!r} in column G.", line=line,
                           expected="a programme name beside its key, or Aprobado … Porcentaje")
        elif _next_is_stage(rows, i):  # a heading row with no name, followed by amounts: the map decides
            ramo, current = _ramo(path, ramos, ente, "", line, records)
        # else: a blank line
    table = pd.DataFrame.from_records(records)
    if table.empty:
        raise FileError(str(path), "no ramo or programme rows found.",
                        expected="the SHCP Cuenta Pública layout")
    for stage in ("aprobado", "ejercido"):
        missing = table[stage].isna() if stage in table else pd.Series(True, index=table.index)
        if missing.any():
            first = table[missing].iloc[0]
            raise RowError(str(path), f"{first['ramo_id']}:{first['clave']} has no '{stage}' row.",
                           line=int(first["line"]), expected="Aprobado … Ejercicio rows under each heading")
    dup = table.duplicated(["ramo_id", "clave"], keep=False)
    if dup.any():
        first = table[dup].iloc[0]
        raise RowError(str(path), f"R{first['ramo_id']}:{first['clave']} appears twice in one year.",
                       line=int(first["line"]), expected="each ramo + key once")
    table.insert(0, "ente", table.pop("ente"))
    table.insert(0, "fiscal_year", year)
    for stage in ("modificado", "devengado"):
        if stage not in table:
            table[stage] = float("nan")
    return table[["fiscal_year", "ente", "ramo_id", "ramo", "clave", "nombre", "aprobado", "modificado",
                  "devengado", "ejercido", "line"]]


def _header_end(path: Path, rows: list[list[object]]) -> int:
    """Index of the first data row: just below the header block ('PROGRAMA' in F, 'TOTAL' in R)."""
    for i, row in enumerate(rows[:20]):
        if _text(row, 5).upper() == "PROGRAMA":
            if _text(row, TOTAL_COLUMN).upper() != TOTAL:
                raise HeaderError(str(path), f"column R of the header is {_text(row, TOTAL_COLUMN)!r}.",
                                  line=i + 1, column="R", expected="TOTAL")
            j = i + 1
            while j < len(rows) and not (_text(rows[j], 2) or _text(rows[j], 4) or _text(rows[j], 5)):
                j += 1  # the second and third header rows hold only column titles from H on
            return j
    raise HeaderError(str(path), "no header row with 'PROGRAMA' in column F.", expected="the SHCP layout")


def _ramo(path: Path, ramos: dict, ente: str, name: str, line: int,
          records: list[dict[str, object]]) -> tuple[tuple[str, str] | None, dict[str, object] | None]:
    found = ramos.get((normalize_name(ente), normalize_name(name)))
    if found is None:
        raise CellError(str(path), f"unknown ramo {name!r} under {ente!r}.", line=line, column="D/E",
                        expected="a name listed in vigia/sources/maps/budget_ramos.csv (add it there)")
    ramo_id, tipo = found
    if tipo == "grupo":
        return None, None
    current: dict[str, object] = {"ente": ente, "ramo_id": ramo_id, "ramo": name, "clave": TOTAL,
                                  "nombre": name, "line": line}
    records.append(current)
    return (ramo_id, name), current


def _next_is_stage(rows: list[list[object]], i: int) -> bool:
    return i + 1 < len(rows) and _text(rows[i + 1], 6) in STAGES


def _amount(path: Path, row: list[object], line: int) -> float:
    cell = row[TOTAL_COLUMN] if len(row) > TOTAL_COLUMN else ""
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        return float(cell)
    try:
        return float(str(cell).replace(",", ""))
    except ValueError:
        raise CellError(str(path), f"TOTAL {cell!r} is not an amount.", line=line, column="R",
                        expected="pesos") from None


def read_official(path: Path) -> pd.DataFrame:
    """Tidy frame of one Cuenta Pública file: every ramo total and programme, approved and exercised."""
    return _frame(read_table(path), Path(path), DATASET)


def _frame(table: pd.DataFrame, path: Path, dataset: str) -> pd.DataFrame:
    long = table.melt(id_vars=["fiscal_year", "ramo_id", "clave"], value_vars=list(FRAME_STAGES),
                      var_name="detail", value_name="value")
    out = pd.DataFrame({
        "geo": "00", "variable": VARIABLE, "period": fr.annual(long["fiscal_year"]).to_numpy(), "freq": "Y",
        "value": long["value"].to_numpy(), "detail": long["detail"].to_numpy(),
        "extra": ("R" + long["ramo_id"].astype(str) + ":" + long["clave"].astype(str)).to_numpy(),
    })
    return fr.tidy(out, path, dataset=dataset)


# ---- the derivative CSV (2019–2025 extract) ----------------------------------------------------------

@fr.never_raises
def detect_derivative(path: Path, head: bytes) -> bool:
    return set(_CSV) <= set(fr.csv_header(head))


def read_derivative(path: Path) -> pd.DataFrame:
    path = Path(path)
    raw = pd.read_csv(fr.read_text(path), dtype=str, keep_default_na=False)
    raw.columns = [c.strip() for c in raw.columns]
    fr.check_columns(path, raw.columns, _CSV)
    ramo = raw["id_ramo"].str.strip()
    bad = ~ramo.str.fullmatch(r"\d{2}")
    if bad.any():
        pos = int(bad.to_numpy().nonzero()[0][0])
        raise CellError(str(path), f"id_ramo {raw['id_ramo'].iloc[pos]!r} is not a ramo number.",
                        line=pos + 2, column="id_ramo", expected="two digits, e.g. 07")
    key = raw["clave_programa"].str.strip()
    bad = ~(key.str.fullmatch(_KEY.pattern) | (key == TOTAL))
    if bad.any():
        pos = int(bad.to_numpy().nonzero()[0][0])
        raise CellError(str(path), f"clave_programa {key.iloc[pos]!r} is not a key.", line=pos + 2,
                        column="clave_programa", expected="a letter and three digits, or TOTAL")
    table = pd.DataFrame({
        "fiscal_year": fr.numbers(raw["anio"], path, "anio", integer=True).astype("int64"),
        "ramo_id": ramo, "clave": key,
        "aprobado": fr.numbers(raw["aprobado_pesos"], path, "aprobado_pesos", allow_blank=True),
        "ejercido": fr.numbers(raw["ejercido_pesos"], path, "ejercido_pesos", allow_blank=True),
    })
    # The extract lists some ramo/key pairs under two concepts; identical repeats carry no information.
    table = table.drop_duplicates()
    return _frame(table, path, DATASET_DERIVATIVE)


# ---- concepts --------------------------------------------------------------------------------------------

def concept_series(frame: pd.DataFrame, concept: str) -> pd.DataFrame:
    """A concept's yearly amounts: the sum of its ramo+key rows in each year, per stage.

    Returns columns ``period, stage, value`` (nominal pesos) and ``keys``, the ramo+key identities that
    were summed ('R20:S287+R20:U010'): a frame lacking one of the concept's keys (the derivative CSV has
    no 2019 Gobernación programmes, for instance) gives a partial sum, and ``keys`` shows it. Years where
    none of the concept's keys appear are absent (not 0). Frames of several files may be concatenated
    first; repeated keys (same geo, variable, period, detail, extra) are counted once.
    """
    table = crosswalk()
    rules = table[table["concept"] == concept]
    if rules.empty:
        raise QueryError("concept", f"unknown budget concept '{concept}'.", sorted(table["concept"].unique()))
    rows = frame[frame["variable"] == VARIABLE].drop_duplicates(list(fr.KEY))
    ident = rows["extra"].str.extract(r"^R(?P<ramo_id>[^:]+):(?P<clave>.+)$")
    rows = rows.assign(ramo_id=ident["ramo_id"], clave=ident["clave"], year=rows["period"].dt.year)
    hits = rows.merge(rules[["ramo_id", "clave", "from_year", "to_year"]], on=["ramo_id", "clave"])
    hits = hits[(hits["year"] >= hits["from_year"]) & (hits["year"] <= hits["to_year"])]
    out = (hits.sort_values("extra").groupby(["period", "detail"], as_index=False)
           .agg(value=("value", "sum"), keys=("extra", "+".join))
           .rename(columns={"detail": "stage"}))
    return out[["period", "stage", "value", "keys"]].sort_values(["period", "stage"]).reset_index(drop=True)


OFFICIAL = fr.Layout(DATASET, SOURCE, CITATION, LICENCE,
                     "Cuenta Pública, Gasto por Categoría Programática (xls)", detect_official, read_official)
DERIVATIVE = fr.Layout(DATASET_DERIVATIVE, SOURCE, CITATION_DERIVATIVE, LICENCE,
                       "security and social programmes 2019–2025, derivative CSV", detect_derivative,
                       read_derivative)
LAYOUTS: tuple[fr.Layout, ...] = (OFFICIAL, DERIVATIVE)
detect, layout_for, read = fr.entry_points(LAYOUTS)  # every layout this module reads


def vintage_of(path: Path, frame: pd.DataFrame) -> dt.date:
    """The Cuenta Pública of fiscal year N is published by 30 April of N+1: that is when its figures became
    public, so as-of answers are true to the calendar (the derivative table carries its latest year)."""
    last_year = int(pd.to_datetime(frame["period"]).dt.year.max())
    return dt.date(last_year + 1, 4, 1)
