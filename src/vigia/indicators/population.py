"""CONAPO mid-year population for rates: the observation's year, never a silent NaN."""

from __future__ import annotations

import duckdb
import pandas as pd

from vigia.errors import QueryError

STATE_DATASET = "population"
MUNICIPAL_DATASET = "population_municipal"
VARIABLE = "poblacion_mitad_anio"


def population_for(con: duckdb.DuckDBPyConnection, geos: list[str], years: list[int]) -> pd.DataFrame:
    """geo, year, population for every pair asked; a missing one is an explicit QueryError."""
    frames = []
    for dataset, wanted in ((STATE_DATASET, [g for g in geos if len(g) == 2]),
                            (MUNICIPAL_DATASET, [g for g in geos if len(g) == 5])):
        if not wanted:
            continue
        frame = con.execute(
            """
            WITH s AS (SELECT series_id, geo FROM series
                       WHERE dataset = ? AND subtipo = ? AND modalidad IN ('Total', '') AND geo IN (SELECT unnest(?)))
            SELECT s.geo, cv.year::INTEGER AS year, arg_max(cv.m01, cv.valid_from) AS population
            FROM cell_versions cv JOIN s ON s.series_id = cv.series_id
            WHERE cv.mask & 1 <> 0 AND cv.year IN (SELECT unnest(?))
            GROUP BY ALL
            """,
            [dataset, VARIABLE, wanted, [int(y) for y in years]],
        ).df()
        frames.append(frame)
    pop = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["geo", "year", "population"])
    have = {(g, int(y)) for g, y in zip(pop["geo"], pop["year"])}
    missing = [(g, y) for g in geos for y in years if (g, int(y)) not in have]
    if missing:
        shown = ", ".join(f"{g}/{y}" for g, y in missing[:8])
        raise QueryError(
            "unit",
            f"no CONAPO mid-year population for {shown}{' …' if len(missing) > 8 else ''}: a rate needs it. Ingest "
            "the CONAPO projections (e.g. vigia ingest ../shared/data/conapo) or ask for --unit count.",
            ["count"],
        )
    return pop
