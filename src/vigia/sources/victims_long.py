"""The long (melted) derivative of SESNSP's state victims file, as redistributed by Isaac Arroyo's
`datos_facil_acceso` (bzip2 CSV: date_year_month, n_year, n_month, cve_ent, …, genero, rango_de_edad,
n_victimas). Many analysts use it; its labels are SESNSP's own, so it lands on the same series as the
official file and, for the same cut-off, changes nothing.
"""

from __future__ import annotations

import bz2
import datetime as dt
from pathlib import Path

import pandas as pd

from vigia.errors import CellError, HeaderError
from vigia.sources.vintage import vintage_from_name

DATASET = "victims"
SOURCE = "sesnsp"
CITATION = ("SESNSP, Víctimas de delitos del fuero común (estatal), in the long format of Isaac Arroyo, "
            "datos_facil_acceso (derivative; values as published by SESNSP).")
LICENCE = "Libre uso MX (datos abiertos del Gobierno de México)"
COLUMNS = ("n_year", "n_month", "cve_ent", "bien_juridico_afectado", "tipo_de_delito", "subtipo_de_delito",
           "modalidad", "genero", "rango_de_edad", "n_victimas")


def _first_line(path: Path) -> str:
    with bz2.open(path, "rt", encoding="utf-8", errors="replace") as fh:
        return fh.readline()


def detect(path: Path, head: bytes) -> bool:
    if not head.startswith(b"BZh"):
        return False
    try:
        header = _first_line(path).strip().split(",")
    except OSError:
        return False
    return set(COLUMNS) <= set(header)


def vintage_of(path: Path, frame: pd.DataFrame) -> dt.date:
    return vintage_from_name(path.name) or frame["period"].max().date().replace(day=1)


def read(path: Path) -> pd.DataFrame:
    raw = pd.read_csv(path, compression="bz2", dtype={"cve_ent": str}, keep_default_na=False, na_values=[""])
    missing = [c for c in COLUMNS if c not in raw.columns]
    if missing:
        raise HeaderError(str(path), f"missing column(s): {', '.join(missing)}.", line=1,
                          expected=", ".join(COLUMNS))
    values = pd.to_numeric(raw["n_victimas"], errors="coerce")
    bad = values.isna() & raw["n_victimas"].notna()
    if bad.any():
        line = int(bad.idxmax()) + 2
        raise CellError(str(path), f"'{raw['n_victimas'][bad.idxmax()]}' is not a number.", line=line,
                        column="n_victimas", expected="a whole number")
    geo = raw["cve_ent"].str.strip().str.zfill(2)
    frame = pd.DataFrame({
        "geo": geo,
        "bien": raw["bien_juridico_afectado"],
        "tipo": raw["tipo_de_delito"],
        "variable": raw["subtipo_de_delito"],
        "detail": raw["modalidad"],
        "sexo": raw["genero"],
        "edad": raw["rango_de_edad"],
        "period": pd.to_datetime(dict(year=raw["n_year"], month=raw["n_month"], day=1)),
        "value": values.astype(float),
    })
    frame["freq"] = "M"
    frame["instrument"] = ["rnid" if y >= 2026 else "cnsp" for y in raw["n_year"]]
    frame["extra"] = ""
    frame.attrs.update(dataset=DATASET, source=SOURCE, citation=CITATION, licence=LICENCE)
    return frame
