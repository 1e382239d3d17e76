"""Stage → diff → commit: the one place where a release enters the store.

A reader leaves these temporary tables (or views) on the connection:
  stage_keys(key_hash, dataset, freq, instrument, geo, bien, tipo, subtipo, modalidad, sexo, edad, extra)
  stage_rows(key_hash, year, v01 … v12)   -- one row per series-year; an empty month is NULL. A reader may
                                          instead give series_id, through a view that joins `series` (read
                                          after the new series are registered): one join fewer per row.
  stage_coverage(year, scope)             -- the years (and '*' or a state code) the release speaks for
  stage_flags(key_hash, period, rule, value, line)

`commit_release` then, in one transaction, maps keys to series, diffs the staged rows against the store
as of the release's vintage, and writes only the months that changed. Releases may arrive in any order:
when a later vintage is already stored, the next release that speaks for a changed cell gets the old
value restored (or its own now-redundant record dropped), so every as-of answer is what it would have
been had the releases arrived in vintage order, and the stored records stay minimal.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb

from vigia.errors import ConflictError

KEY_COLUMNS = ("dataset", "freq", "instrument", "geo", "bien", "tipo", "subtipo", "modalidad", "sexo", "edad",
               "extra")
MONTHS = range(1, 13)


def m(i: int) -> str:
    return f"m{i:02d}"


def v(i: int) -> str:
    return f"v{i:02d}"


def p(i: int) -> str:
    return f"p{i:02d}"


def bit(i: int) -> int:
    return 1 << (i - 1)


@dataclass
class ReleaseMeta:
    source: str
    dataset: str
    vintage: dt.date
    file_name: str
    sha256: str
    size_bytes: int
    row_count: int
    origin: dict = field(default_factory=dict)


@dataclass
class IngestReport:
    release_id: int | None
    dataset: str
    vintage: str
    file_name: str
    sha256: str
    rows: int = 0
    cells: int = 0
    new: int = 0
    revised: int = 0
    retracted: int = 0
    unchanged: int = 0
    flags: int = 0
    skipped: bool = False
    note: str = ""


STAGE_OBJECTS = ("stage_rows", "stage_keys", "stage_labels", "stage_groups", "stage_coverage",
                 "stage_flags", "raw")


def clear_stage(con: duckdb.DuckDBPyConnection) -> None:
    """Drop what a previous (possibly failed) staging left, whatever kind of object it was."""
    kinds = dict(con.execute(
        "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'main' "
        "AND table_catalog = 'temp'"
    ).fetchall())
    for name in STAGE_OBJECTS:
        if name in kinds:
            con.execute(f"DROP {'VIEW' if kinds[name] == 'VIEW' else 'TABLE'} {name}")


def _staged_rows(con: duckdb.DuckDBPyConnection) -> str:
    """A subquery of the staged rows with their series: (series_id, year, v01 … v12)."""
    columns = [d[0] for d in con.execute("SELECT * FROM stage_rows LIMIT 0").description]
    values = ", ".join(v(i) for i in MONTHS)
    if "series_id" in columns:
        return f"(SELECT series_id, year, {values} FROM stage_rows)"
    return (f"(SELECT s.series_id, r.year, {', '.join(f'r.{v(i)}' for i in MONTHS)} "
            "FROM stage_rows r JOIN series s ON s.key_hash = r.key_hash)")


def _scalar(con: duckdb.DuckDBPyConnection, sql: str, params=None):
    row = con.execute(sql, params or []).fetchone()
    return row[0] if row else None


def commit_release(con: duckdb.DuckDBPyConnection, meta: ReleaseMeta) -> IngestReport:
    """Write a staged release atomically. The caller has created the stage_* tables."""
    report = IngestReport(release_id=None, dataset=meta.dataset, vintage=meta.vintage.strftime("%Y-%m"),
                          file_name=meta.file_name, sha256=meta.sha256, rows=meta.row_count)
    existing = con.execute("SELECT release_id FROM releases WHERE sha256 = ?", [meta.sha256]).fetchone()
    if existing:
        report.release_id, report.skipped, report.note = existing[0], True, "already ingested (same sha256)"
        return report
    con.execute("BEGIN TRANSACTION")
    try:
        _commit(con, meta, report)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        for name in ("stg", "prev", "diff", "b_rows", "prev_rows", "prev_multi", "b_drops"):
            con.execute(f"DROP TABLE IF EXISTS {name}")
    return report


def _commit(con: duckdb.DuckDBPyConnection, meta: ReleaseMeta, report: IngestReport) -> None:
    vintage = meta.vintage
    release_id = int(_scalar(con, "SELECT coalesce(max(release_id), 0) + 1 FROM releases"))
    report.release_id = release_id
    _register_series(con, meta)
    stored_here = _scalar(
        con,
        """
        SELECT count(*) FROM releases r JOIN release_coverage rc USING (release_id)
        WHERE r.dataset = ? AND rc.year IN (SELECT year FROM stage_coverage)
        """,
        [meta.dataset],
    )
    vcols = ", ".join(f"r.{v(i)}" for i in MONTHS)
    if not stored_here:
        # Nothing stored for these years at any vintage: every published cell is new, so the rows go in as they
        # are — one pass from the staged rows, no diff, no reconciliation.
        mask = " | ".join(f"(CASE WHEN r.{v(i)} IS NOT NULL THEN {bit(i)} ELSE 0 END)" for i in MONTHS)
        con.execute(
            f"CREATE TEMP TABLE diff AS SELECT * FROM (SELECT r.series_id, r.year::SMALLINT AS year, "
            f"({mask})::SMALLINT AS mask, {vcols} FROM {_staged_rows(con)} r) "
            "WHERE mask <> 0"
        )
        report.cells = int(_scalar(con, "SELECT coalesce(sum(bit_count(mask)), 0) FROM diff"))
        report.new = report.cells
        _write_records(con, vintage, release_id, source="diff")
        _record_release(con, meta, report, release_id, span_of="diff")
        return
    con.execute(
        f"CREATE TEMP TABLE stg AS SELECT r.series_id, r.year::SMALLINT AS year, {vcols} "
        f"FROM {_staged_rows(con)} r"
    )
    report.cells = int(_scalar(con, "SELECT " + " + ".join(f"count({v(i)})" for i in MONTHS) + " FROM stg"))
    _build_prev(con, meta.dataset, vintage)
    _build_diff(con, with_prev=True)
    counts = con.execute(
        "SELECT " + ", ".join(
            f"sum({kind})" for kind in (
                " + ".join(f"({p(i)} IS NULL AND {v(i)} IS NOT NULL)::INT" for i in MONTHS),
                " + ".join(f"({p(i)} IS NOT NULL AND {v(i)} IS NOT NULL AND {p(i)} <> {v(i)})::INT" for i in MONTHS),
                " + ".join(f"({p(i)} IS NOT NULL AND {v(i)} IS NULL)::INT" for i in MONTHS),
            )
        ) + " FROM diff"
    ).fetchone()
    report.new, report.revised, report.retracted = (int(c or 0) for c in counts)
    report.unchanged = report.cells - report.new - report.revised

    same = con.execute(
        "SELECT file_name FROM releases WHERE dataset = ? AND vintage = ? LIMIT 1", [meta.dataset, vintage]
    ).fetchone()
    if same and (report.revised or report.retracted):
        raise ConflictError(
            f"{meta.file_name}: this release for vintage {report.vintage} disagrees with '{same[0]}', already "
            f"stored for the same vintage ({report.revised + report.retracted} cells differ). If it is another "
            "release, give its cut-off month with --vintage YYYY-MM."
        )
    if report.new or report.revised or report.retracted:
        later = _scalar(con, "SELECT count(*) FROM releases WHERE dataset = ? AND vintage > ?",
                        [meta.dataset, vintage])
        if later:
            _reconcile_next_release(con, meta)
        _write_records(con, vintage, release_id)

    _record_release(con, meta, report, release_id)


DENSE_MONTHS = 4  # a diff row with at least this many changed months is stored wide, else as single cells


def _write_records(con: duckdb.DuckDBPyConnection, vintage: dt.date, release_id: int, source: str = "") -> None:
    """Store the diff: dense rows in cell_rows, sparse ones cell by cell in cell_changes.

    `source="diff"` says the diff holds exactly the new values (a first release): no masking needed.
    """
    values = (", ".join(v(i) for i in MONTHS) if source == "diff"
              else ", ".join(f"CASE WHEN mask & {bit(i)} <> 0 THEN {v(i)} END" for i in MONTHS))
    con.execute(
        f"INSERT INTO cell_rows SELECT series_id, year, $v, $r, mask, {values} FROM diff "
        f"WHERE bit_count(mask) >= {DENSE_MONTHS}",
        {"v": vintage, "r": release_id},
    )
    cells = " UNION ALL ".join(
        f"SELECT series_id, year, {i}::TINYINT AS month, {v(i)} AS value FROM sparse WHERE mask & {bit(i)} <> 0"
        for i in MONTHS
    )
    con.execute(
        f"""
        INSERT INTO cell_changes
        WITH sparse AS (SELECT * FROM diff WHERE bit_count(mask) < {DENSE_MONTHS})
        SELECT series_id, year, month, $v, $r, value FROM ({cells})
        ORDER BY series_id, year, month  -- sorted ids delta-encode to a few bits each
        """,
        {"v": vintage, "r": release_id},
    )


def _record_release(con: duckdb.DuckDBPyConnection, meta: ReleaseMeta, report: IngestReport, release_id: int,
                    span_of: str = "stg") -> None:
    span = _published_span(con, span_of)
    origin = meta.origin or {}
    con.execute(
        "INSERT INTO releases VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            release_id, meta.source, meta.dataset, meta.vintage, meta.file_name, meta.sha256, meta.size_bytes,
            meta.row_count, report.cells, span[0], span[1],
            origin.get("url"), origin.get("accessed_at"), origin.get("etag"), origin.get("last_modified"),
            origin.get("licence"), origin.get("citation"), report.new, report.revised, report.retracted,
            report.unchanged, dt.datetime.now(dt.timezone.utc).replace(tzinfo=None),
        ],
    )
    con.execute("INSERT INTO release_coverage SELECT DISTINCT ?, year, scope FROM stage_coverage", [release_id])
    con.execute(
        "INSERT INTO quality_flags SELECT ?, s.series_id, f.period, f.rule, f.value, f.line "
        "FROM stage_flags f JOIN series s ON s.key_hash = f.key_hash",
        [release_id],
    )
    report.flags = int(_scalar(con, "SELECT count(*) FROM stage_flags"))


def _published_span(con: duckdb.DuckDBPyConnection, table: str = "stg") -> tuple[dt.date | None, dt.date | None]:
    """First and last published month of the staged release."""
    months = ", ".join(f"CASE WHEN {v(i)} IS NOT NULL THEN {i - 1} END" for i in MONTHS)
    lo, hi = con.execute(  # months counted from year 0: integer arithmetic, no date built per row
        f"SELECT min(year * 12 + least({months})), max(year * 12 + greatest({months})) FROM {table}"
    ).fetchone()
    return tuple(None if x is None else dt.date(int(x) // 12, int(x) % 12 + 1, 1) for x in (lo, hi))


def _register_series(con: duckdb.DuckDBPyConnection, meta: ReleaseMeta) -> None:
    same = " AND ".join(f"s.{c} = k.{c}" for c in KEY_COLUMNS)
    clash = _scalar(
        con, f"SELECT count(*) FROM stage_keys k JOIN series s ON s.key_hash = k.key_hash WHERE NOT ({same})"
    )
    if clash:  # a 64-bit hash collision: astronomically unlikely, but never merge two series silently
        raise ConflictError(f"{meta.file_name}: internal key collision; please report this file.")
    # New series get ids in key order (deterministic whatever the file's row order); numbering the keys alone
    # and joining the labels back is several times faster than a window over the labelled rows.
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE new_series AS
        SELECT key_hash, (SELECT coalesce(max(series_id), 0) FROM series) + row_number() OVER (ORDER BY key_hash)
               AS series_id
        FROM (SELECT key_hash FROM stage_keys ANTI JOIN series USING (key_hash))
        """
    )
    cols = ", ".join(f"k.{c}" for c in KEY_COLUMNS)
    con.execute(f"INSERT INTO series SELECT n.series_id, {cols}, k.key_hash FROM stage_keys k JOIN new_series n "
                "USING (key_hash)")
    con.execute("DROP TABLE new_series")


def _build_prev(con: duckdb.DuckDBPyConnection, dataset: str, vintage: dt.date) -> None:
    """The store's values as of `vintage` for every covered series-year, folded back to wide rows.

    Most series-years hold a single record row (the first release that published them): those are taken as they
    are, and only the others — revised or extended since — are folded month by month.
    """
    covered = """
        s.dataset = $dataset AND cv.valid_from <= $v
        AND (cv.year IN (SELECT year FROM stage_coverage WHERE scope = '*')
             OR EXISTS (SELECT 1 FROM stage_coverage c
                        WHERE c.scope <> '*' AND c.year = cv.year AND c.scope = substr(s.geo, 1, 2)))
    """
    con.execute(
        f"""
        CREATE TEMP TABLE prev_rows AS
        SELECT cv.* FROM cell_rows cv JOIN series s ON s.series_id = cv.series_id WHERE {covered}
        """,
        {"dataset": dataset, "v": vintage},
    )
    con.execute(
        f"""
        CREATE TEMP TABLE prev_multi AS
        SELECT series_id, year FROM prev_rows GROUP BY series_id, year HAVING count(*) > 1
        UNION
        SELECT cv.series_id, cv.year FROM cell_changes cv JOIN series s ON s.series_id = cv.series_id WHERE {covered}
        """,
        {"dataset": dataset, "v": vintage},
    )
    single = ", ".join(f"CASE WHEN r.mask & {bit(i)} <> 0 THEN r.{m(i)} END AS {p(i)}" for i in MONTHS)
    folds = ", ".join(
        f"arg_max_null({m(i)}, cv.valid_from) FILTER (WHERE cv.mask & {bit(i)} <> 0) AS {p(i)}" for i in MONTHS
    )
    con.execute(
        f"""
        CREATE TEMP TABLE prev AS
        SELECT r.series_id, r.year, {single}
        FROM prev_rows r ANTI JOIN prev_multi x ON x.series_id = r.series_id AND x.year = r.year
        UNION ALL
        SELECT cv.series_id, cv.year, {folds}
        FROM cell_versions cv SEMI JOIN prev_multi x ON x.series_id = cv.series_id AND x.year = cv.year
        WHERE cv.valid_from <= $v
        GROUP BY cv.series_id, cv.year
        """,
        {"v": vintage},
    )
    con.execute("DROP TABLE prev_rows")
    con.execute("DROP TABLE prev_multi")


def _build_diff(con: duckdb.DuckDBPyConnection, *, with_prev: bool) -> None:
    """Rows with at least one month that differs from the stored value, with the changed months' mask."""
    if with_prev:
        mask = " | ".join(f"(CASE WHEN n.{v(i)} IS DISTINCT FROM q.{p(i)} THEN {bit(i)} ELSE 0 END)" for i in MONTHS)
        cols = ", ".join(f"n.{v(i)}, q.{p(i)}" for i in MONTHS)
        con.execute(
            f"""
            CREATE TEMP TABLE diff AS
            SELECT * FROM (
                SELECT coalesce(n.series_id, q.series_id) AS series_id, coalesce(n.year, q.year) AS year,
                       ({mask})::SMALLINT AS mask, {cols}
                FROM stg n FULL OUTER JOIN prev q ON n.series_id = q.series_id AND n.year = q.year
            ) WHERE mask <> 0
            """
        )
    else:
        mask = " | ".join(f"(CASE WHEN {v(i)} IS NOT NULL THEN {bit(i)} ELSE 0 END)" for i in MONTHS)
        cols = ", ".join(f"{v(i)}, NULL::DOUBLE AS {p(i)}" for i in MONTHS)
        con.execute(
            f"CREATE TEMP TABLE diff AS SELECT * FROM (SELECT series_id, year, ({mask})::SMALLINT AS mask, {cols} "
            "FROM stg) WHERE mask <> 0"
        )


def _reconcile_next_release(con: duckdb.DuckDBPyConnection, meta: ReleaseMeta) -> None:
    """Fix the next release (B) after this vintage that speaks for each changed cell.

    B held the old value implicitly (no record) → restore it there explicitly; B held its own record equal
    to the new value → drop that record, the new one now runs through B.
    """
    b_values = ", ".join(
        f"max(cv.{m(i)}) FILTER (WHERE cv.mask & {bit(i)} <> 0) AS b{i:02d}" for i in MONTHS
    )
    con.execute(
        f"""
        CREATE TEMP TABLE b_rows AS
        WITH nxt AS (
            SELECT d.series_id, d.year, min(r.vintage) AS b_vintage,
                   arg_min(r.release_id, r.vintage) AS b_release
            FROM diff d
            JOIN series s ON s.series_id = d.series_id
            JOIN releases r ON r.dataset = $dataset AND r.vintage > $v
            JOIN release_coverage rc ON rc.release_id = r.release_id AND rc.year = d.year
                 AND (rc.scope = '*' OR rc.scope = substr(s.geo, 1, 2))
            GROUP BY d.series_id, d.year
        ),
        b AS (
            SELECT cv.series_id, cv.year, cv.valid_from, bit_or(cv.mask) AS b_mask, {b_values}
            FROM cell_versions cv JOIN nxt ON nxt.series_id = cv.series_id AND nxt.year = cv.year
                 AND cv.valid_from = nxt.b_vintage
            GROUP BY ALL
        )
        SELECT d.*, nxt.b_vintage, nxt.b_release, coalesce(b.b_mask, 0) AS b_mask,
               {", ".join(f"b.b{i:02d}" for i in MONTHS)}
        FROM diff d JOIN nxt ON nxt.series_id = d.series_id AND nxt.year = d.year
        LEFT JOIN b ON b.series_id = d.series_id AND b.year = d.year
        """,
        {"dataset": meta.dataset, "v": meta.vintage},
    )
    # Per month: has = B has its own record; drop = it equals the new value; restore = B had none.
    has = {i: f"(b_mask & {bit(i)} <> 0)" for i in MONTHS}
    changed = {i: f"(mask & {bit(i)} <> 0)" for i in MONTHS}
    drop_mask = " | ".join(
        f"(CASE WHEN {changed[i]} AND {has[i]} AND b{i:02d} IS NOT DISTINCT FROM {v(i)} THEN {bit(i)} ELSE 0 END)"
        for i in MONTHS
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE b_drops AS SELECT series_id, year, b_vintage, ({drop_mask})::SMALLINT "
                "AS dmask FROM b_rows")
    con.execute("DELETE FROM b_drops WHERE dmask = 0")
    con.execute(
        """
        DELETE FROM cell_changes c USING b_drops d
        WHERE c.series_id = d.series_id AND c.year = d.year AND c.valid_from = d.b_vintage
          AND d.dmask & (1::SMALLINT << (c.month::SMALLINT - 1)) <> 0
        """
    )
    clear = ", ".join(f"{m(i)} = CASE WHEN d.dmask & {bit(i)} <> 0 THEN NULL ELSE r.{m(i)} END" for i in MONTHS)
    con.execute(
        f"""
        UPDATE cell_rows r SET mask = r.mask & ~d.dmask, {clear}
        FROM b_drops d
        WHERE r.series_id = d.series_id AND r.year = d.year AND r.valid_from = d.b_vintage
        """
    )
    con.execute("DELETE FROM cell_rows WHERE mask = 0")
    restores = " UNION ALL ".join(
        f"SELECT series_id, year, {i}::TINYINT AS month, b_vintage, b_release, {p(i)} AS value FROM b_rows "
        f"WHERE {changed[i]} AND NOT {has[i]}"
        for i in MONTHS
    )
    con.execute(f"INSERT INTO cell_changes SELECT * FROM ({restores})")
    con.execute("DROP TABLE b_drops")
