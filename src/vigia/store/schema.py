"""DuckDB schema of the store: releases with provenance, series keys, ALFRED-style observations.

The `observations` view says, ALFRED-style: cell (series_id, period) had `value` from release vintage
`valid_from` until `valid_to` (exclusive; NULL = still current). A NULL value marks a cell a later
release withdrew. Only changes are stored, so a monthly release costs what it revised, not what it
repeated; physically they sit in `cell_rows` (dense, one row per series-year and release) and
`cell_changes` (sparse, one row per changed cell), shown together by the `cell_versions` view.
"""

from __future__ import annotations

import duckdb

SCHEMA_VERSION = 3

DIMENSIONS = ("instrument", "geo", "bien", "tipo", "subtipo", "modalidad", "sexo", "edad", "extra")

DDL = [
    """
    CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)
    """,
    """
    CREATE TABLE IF NOT EXISTS releases (
        release_id INTEGER PRIMARY KEY,
        source VARCHAR NOT NULL,
        dataset VARCHAR NOT NULL,
        vintage DATE NOT NULL,
        file_name VARCHAR NOT NULL,
        sha256 VARCHAR NOT NULL UNIQUE,
        size_bytes BIGINT,
        row_count BIGINT,
        cell_count BIGINT,
        period_start DATE,
        period_end DATE,
        origin_url VARCHAR,
        accessed_at VARCHAR,
        etag VARCHAR,
        last_modified VARCHAR,
        licence VARCHAR,
        citation VARCHAR,
        new_cells BIGINT,
        revised_cells BIGINT,
        retracted_cells BIGINT,
        unchanged_cells BIGINT,
        ingested_at TIMESTAMP NOT NULL
    )
    """,
    # Which state-years (or '*' = every geography) a release speaks for: a partial file
    # (one year, one state) never erases what it does not contain.
    """
    CREATE TABLE IF NOT EXISTS release_coverage (
        release_id INTEGER NOT NULL,
        year INTEGER NOT NULL,
        scope VARCHAR NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS series (
        series_id INTEGER PRIMARY KEY,
        dataset VARCHAR NOT NULL,
        freq VARCHAR NOT NULL,
        instrument VARCHAR NOT NULL,
        geo VARCHAR NOT NULL,
        bien VARCHAR NOT NULL,
        tipo VARCHAR NOT NULL,
        subtipo VARCHAR NOT NULL,
        modalidad VARCHAR NOT NULL,
        sexo VARCHAR NOT NULL,
        edad VARCHAR NOT NULL,
        extra VARCHAR NOT NULL,
        key_hash UBIGINT NOT NULL
    )
    """,
    # Physical layout, two shapes for one idea (a record = a cell's value from a release on):
    #  - cell_rows: dense changes, one row per (series, year, release) with the months it recorded (bit i-1 of
    #    `mask` set = month i recorded here; a set bit with a NULL value = withdrawn). A first release lands
    #    like the file itself, as wide rows, not as 12× as many cells.
    #  - cell_changes: sparse changes (a revision, the month a release adds), one row per cell.
    # The view cell_versions shows both in the wide shape.
    """
    CREATE TABLE IF NOT EXISTS cell_rows (
        series_id INTEGER NOT NULL,
        year SMALLINT NOT NULL,
        valid_from DATE NOT NULL,
        release_id INTEGER NOT NULL,
        mask SMALLINT NOT NULL,
        m01 DOUBLE,
        m02 DOUBLE,
        m03 DOUBLE,
        m04 DOUBLE,
        m05 DOUBLE,
        m06 DOUBLE,
        m07 DOUBLE,
        m08 DOUBLE,
        m09 DOUBLE,
        m10 DOUBLE,
        m11 DOUBLE,
        m12 DOUBLE
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS cell_changes (
        series_id INTEGER NOT NULL,
        year SMALLINT NOT NULL,
        month TINYINT NOT NULL,
        valid_from DATE NOT NULL,
        release_id INTEGER NOT NULL,
        value DOUBLE
    )
    """,
    """
    CREATE OR REPLACE VIEW cell_versions AS
    SELECT * FROM cell_rows
    UNION ALL
    SELECT series_id, year, valid_from, release_id, (1::SMALLINT << (month::SMALLINT - 1)) AS mask,
               CASE WHEN month = 1 THEN value END AS m01,
               CASE WHEN month = 2 THEN value END AS m02,
               CASE WHEN month = 3 THEN value END AS m03,
               CASE WHEN month = 4 THEN value END AS m04,
               CASE WHEN month = 5 THEN value END AS m05,
               CASE WHEN month = 6 THEN value END AS m06,
               CASE WHEN month = 7 THEN value END AS m07,
               CASE WHEN month = 8 THEN value END AS m08,
               CASE WHEN month = 9 THEN value END AS m09,
               CASE WHEN month = 10 THEN value END AS m10,
               CASE WHEN month = 11 THEN value END AS m11,
               CASE WHEN month = 12 THEN value END AS m12
    FROM cell_changes
    """,
    # The ALFRED view: one row per recorded cell value, valid from its release until the next record.
    """
    CREATE OR REPLACE VIEW observations AS
    SELECT series_id, period, value, valid_from,
           lead(valid_from) OVER (PARTITION BY series_id, period ORDER BY valid_from) AS valid_to,
           release_id
    FROM (
        SELECT cv.series_id, make_date(cv.year, t.m, 1) AS period,
               list_extract([cv.m01, cv.m02, cv.m03, cv.m04, cv.m05, cv.m06, cv.m07, cv.m08, cv.m09, cv.m10,
                             cv.m11, cv.m12], t.m) AS value,
               cv.valid_from, cv.release_id
        FROM cell_versions cv CROSS JOIN (SELECT unnest(range(1, 13))::INTEGER AS m) t
        WHERE (cv.mask >> (t.m - 1)) & 1 = 1
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS quality_flags (
        release_id INTEGER NOT NULL,
        series_id INTEGER NOT NULL,
        period DATE NOT NULL,
        rule VARCHAR NOT NULL,
        value DOUBLE,
        line BIGINT
    )
    """,
]


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    tables = {r[0]: r[1] for r in con.execute(
        "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
    if tables.get("cell_versions") == "BASE TABLE":
        from vigia.errors import VigiaError

        raise VigiaError("this store was made by an older development version of Vigía; move it aside and "
                         "ingest the files again.")
    for stmt in DDL:
        con.execute(stmt)
    con.execute(
        "INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT (key) DO NOTHING", [str(SCHEMA_VERSION)]
    )
