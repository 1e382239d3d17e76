"""Stage a tidy frame from any non-SESNSP reader as stage_* tables for the store.

Frame contract: geo, variable (→ subtipo), period (Timestamp), freq ('M'|'Y'|'E'), value, and optional
detail (→ modalidad), extra, instrument, bien, tipo, sexo, edad.
"""

from __future__ import annotations

import duckdb
import pandas as pd

_RENAME = {"variable": "subtipo", "detail": "modalidad"}
_DIMS = ("instrument", "geo", "bien", "tipo", "subtipo", "modalidad", "sexo", "edad", "extra")


def normalise_frame(frame: pd.DataFrame, dataset: str) -> pd.DataFrame:
    df = frame.rename(columns=_RENAME).copy()
    for dim in _DIMS:
        if dim not in df.columns:
            df[dim] = dataset if dim == "instrument" else ""
        df[dim] = df[dim].fillna("").astype(str)
    if "freq" not in df.columns:
        df["freq"] = "M"
    df["period"] = pd.to_datetime(df["period"]).dt.to_period("M").dt.to_timestamp()
    df["value"] = pd.to_numeric(df["value"], errors="raise").astype(float)
    return df[["freq", *_DIMS, "period", "value"]]


def stage_frame(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, *, dataset: str) -> None:
    df = normalise_frame(frame, dataset)
    con.register("frame_src", df)
    try:
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE frame_keyed AS
            SELECT hash($dataset, freq, instrument, geo, bien, tipo, subtipo, modalidad, sexo, edad, extra)
                       AS key_hash, *
            FROM frame_src
            """,
            {"dataset": dataset},
        )
    finally:
        con.unregister("frame_src")
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE stage_keys AS
        SELECT DISTINCT key_hash, $dataset AS dataset, freq, instrument, geo, bien, tipo, subtipo, modalidad,
               sexo, edad, extra
        FROM frame_keyed
        """,
        {"dataset": dataset},
    )
    months = ", ".join(f"max(value) FILTER (WHERE month(period) = {i}) AS v{i:02d}" for i in range(1, 13))
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE stage_rows AS
        SELECT key_hash, year(period) AS year, {months}
        FROM frame_keyed WHERE value IS NOT NULL GROUP BY key_hash, year(period)
        """
    )
    con.execute("CREATE OR REPLACE TEMP TABLE stage_coverage AS SELECT DISTINCT year(period) AS year, '*' AS scope "
                "FROM frame_keyed")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE stage_flags AS SELECT key_hash, period::DATE AS period, "
        "'negative_value' AS rule, value, NULL::BIGINT AS line FROM frame_keyed WHERE FALSE"
    )
    dup = con.execute(
        "SELECT count(*) FROM (SELECT key_hash, period FROM frame_keyed GROUP BY ALL HAVING count(*) > 1)"
    ).fetchone()[0]
    con.execute("DROP TABLE frame_keyed")
    if dup:
        raise ValueError(f"the reader produced {dup} duplicate (series, period) cells for dataset {dataset}")
