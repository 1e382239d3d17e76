"""Synthetic SESNSP municipal incidence files in the official layout, for benchmarks and stress tests.

There is no real municipal file in the shared data, so this builds one at real scale from real
catalogues: the 98 crime rows of a real state release and the CONAPO municipality list.
Values are deterministic pseudo-random counts (mostly zeros, like real municipal data).
"""

from __future__ import annotations

import codecs
from pathlib import Path

import duckdb

MONTH_NAMES = ("Enero", "Febrero", "Marzo", "Abril", "Mayo", "Junio", "Julio", "Agosto", "Septiembre",
               "Octubre", "Noviembre", "Diciembre")


def write_municipal_file(
    out: Path,
    *,
    state_file: Path,
    municipalities_file: Path,
    years: range = range(2015, 2026),
    last_month: int = 9,
    municipalities: int | None = None,
    revise_share: float = 0.0,
    seed: int = 7,
    encoding: str = "latin-1",
) -> int:
    """Write the file and return its row count. `revise_share` of cells get +1 (a later release)."""
    con = duckdb.connect()
    con.execute(
        f"""
        CREATE TABLE crimes AS
        SELECT DISTINCT "Bien jurídico afectado" AS bien, "Tipo de delito" AS tipo,
               "Subtipo de delito" AS subtipo, "Modalidad" AS modalidad
        FROM read_csv('{state_file}', encoding = 'latin-1', header = true, all_varchar = true)
        """
    )
    limit = f"LIMIT {int(municipalities)}" if municipalities else ""
    con.execute(
        f"""
        CREATE TABLE munis AS
        SELECT lpad(CVE::VARCHAR, 5, '0') AS cve, Entidad AS entidad, Municipio AS municipio
        FROM read_csv('{municipalities_file}', header = true, all_varchar = true)
        ORDER BY cve {limit}
        """
    )
    months = []
    for m in range(1, 13):
        base = f"hash(m.cve, c.bien, c.tipo, c.subtipo, c.modalidad, y.year, {m}, {seed})"
        value = f"(CASE WHEN {base} % 10 < 7 THEN 0 ELSE ({base} >> 8) % 9 END)"
        bump = f"(CASE WHEN ({base} >> 20) % 10000 < {int(revise_share * 10000)} THEN 1 ELSE 0 END)"
        cell = f"CAST({value} + {bump} AS BIGINT)"
        months.append(
            f'CASE WHEN y.year = {years[-1]} AND {m} > {last_month} THEN NULL ELSE {cell} END AS "{MONTH_NAMES[m-1]}"'
        )
    tmp = out.with_suffix(".utf8.tmp")
    con.execute(
        f"""
        COPY (
            SELECT y.year AS "Año", CAST(substr(m.cve, 1, 2) AS INTEGER) AS "Clave_Ent", m.entidad AS "Entidad",
                   CAST(m.cve AS INTEGER) AS "Cve. Municipio", m.municipio AS "Municipio",
                   c.bien AS "Bien jurídico afectado", c.tipo AS "Tipo de delito",
                   c.subtipo AS "Subtipo de delito", c.modalidad AS "Modalidad", {", ".join(months)}
            FROM (SELECT unnest(range({years[0]}, {years[-1] + 1})) AS year) y, munis m, crimes c
            ORDER BY y.year, m.cve, c.bien, c.tipo, c.subtipo, c.modalidad
        ) TO '{tmp}' (HEADER, DELIMITER ',', QUOTE '"', NEW_LINE '\\r\\n')
        """
    )
    rows = con.execute("SELECT count(*) FROM munis").fetchone()[0] * con.execute(
        "SELECT count(*) FROM crimes").fetchone()[0] * len(years)
    con.close()
    if encoding.lower() in ("utf-8", "utf8"):
        tmp.replace(out)
        return rows
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(tmp, "rb") as src, open(out, "wb") as dst:
        for block in iter(lambda: src.read(1 << 22), b""):
            dst.write(decoder.decode(block).encode(encoding, errors="replace"))
        dst.write(decoder.decode(b"", final=True).encode(encoding))
    tmp.unlink()
    return rows
