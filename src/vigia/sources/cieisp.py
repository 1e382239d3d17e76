"""SESNSP's old-methodology state file (CIEISP, 1997–2014): upper-case columns, no entity code.

Its MODALIDAD / TIPO / SUBTIPO are a broad group, a type and a detail (e.g. HOMICIDIOS / DOLOSOS /
CON ARMA DE FUEGO); they land in the store as tipo / subtipo / modalidad, instrument 'cieisp', in the
same `incidence` dataset as CNSP/38/15 and RNID, so one indicator can span all three (with breaks).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from vigia.errors import CellError, FileError
from vigia.geo.catalog import normalize_name, state_code_for

DATASET = "incidence"
SOURCE = "sesnsp"
CITATION = ("SESNSP, Incidencia delictiva del fuero común 1997–2014 (metodología CIEISP), "
            "Secretariado Ejecutivo del Sistema Nacional de Seguridad Pública.")
LICENCE = "Libre uso MX (datos abiertos del Gobierno de México)"
HEADER = ("ano", "entidad", "modalidad", "tipo", "subtipo")
MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
          "noviembre", "diciembre")


def _header_ok(cells: list) -> bool:
    names = [normalize_name(c) if c is not None else "" for c in cells]
    return tuple(names[:5]) == HEADER and tuple(names[5:17]) == MONTHS


def detect(path: Path, head: bytes) -> bool:
    if not head.startswith(b"PK\x03\x04"):
        return False
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - not a workbook we can read: not ours
        return False
    try:
        for ws in wb.worksheets:
            first = next(ws.iter_rows(values_only=True, max_row=1), None)
            if first and _header_ok(list(first)):
                return True
        return False
    finally:
        wb.close()


def vintage_of(path: Path, frame: pd.DataFrame) -> dt.date:
    """The file publishes through December 2014 and was the last CIEISP state release."""
    return frame["period"].max().date().replace(day=1)


def read(path: Path) -> pd.DataFrame:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        ws = next((w for w in wb.worksheets
                   if _header_ok(list(next(w.iter_rows(values_only=True, max_row=1), ())))), None)
        if ws is None:
            raise FileError(str(path), "no sheet has the CIEISP header.",
                            expected="AÑO, ENTIDAD, MODALIDAD, TIPO, SUBTIPO, ENERO … DICIEMBRE")
        header = [str(c) for c in next(ws.iter_rows(values_only=True, max_row=1))]
        records = []
        codes: dict[str, str] = {}
        for line, row in enumerate(ws.iter_rows(values_only=True, min_row=2), start=2):
            if row is None or all(v is None or str(v).strip() == "" for v in row):
                continue
            year, entity, group, kind, detail = row[:5]
            if not isinstance(year, (int, float)) or not 1997 <= int(year) <= 2014:
                raise CellError(str(path), f"'{year}' is not a year of the CIEISP series.", line=line,
                                column=header[0], expected="a year from 1997 to 2014")
            name = str(entity).strip()
            code = codes.get(name) or state_code_for(name)
            if code is None or code == "00":
                raise CellError(str(path), f"'{entity}' is not a state name.", line=line, column=header[1],
                                expected="the name of one of the 32 states")
            codes[name] = code
            labels = [str(x).strip() if x is not None else "" for x in (group, kind, detail)]
            for m, value in enumerate(row[5:17], start=1):
                if value is None or (isinstance(value, str) and not value.strip()):
                    continue
                if not isinstance(value, (int, float)) or not float(value).is_integer():
                    raise CellError(str(path), f"'{value}' is not a whole number.", line=line,
                                    column=header[4 + m], expected="a whole number or an empty cell")
                records.append((code, *labels, dt.date(int(year), m, 1), float(value)))
    finally:
        wb.close()
    frame = pd.DataFrame(records, columns=["geo", "tipo", "variable", "detail", "period", "value"])
    frame["period"] = pd.to_datetime(frame["period"])
    frame["freq"] = "M"
    frame["instrument"] = "cieisp"
    frame["extra"] = ""
    frame.attrs.update(dataset=DATASET, source=SOURCE, citation=CITATION, licence=LICENCE)
    return frame
