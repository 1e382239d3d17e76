"""From `raw` (see sesnsp_load) to the stage_* tables `vigia.store.engine.commit_release` reads, validating
on the way and naming the first offending line, column and what was expected.

Label checks (empty cells, state codes and names, municipality codes, duplicate rows) run on the distinct label
tuples of the file, a few hundred thousand at most, never on its millions of rows.
"""

from __future__ import annotations

import datetime as dt
import re

import duckdb

from vigia.errors import CellError, FileError, RowError
from vigia.geo.catalog import state_code_for
from vigia.sources.sesnsp_layout import MONTHS, RNID_FIRST_YEAR, YEAR_MAX, YEAR_MIN, Layout

# A series repeats a year iff it has more rows than distinct years; the years (1997–2030) fit a 64-bit mask.
_YEAR_BIT = (f"CASE WHEN year BETWEEN {YEAR_MIN} AND {YEAR_MAX} "
             f"THEN 1::UBIGINT << (year - {YEAR_MIN})::UBIGINT ELSE 0 END")


def line_sql(con: duckdb.DuckDBPyConnection, table: str = "raw") -> str:
    """SQL for a row's line in the file: CSV rows keep file order, so rowid + 2 (after the header)."""
    cols = {r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = 'raw'").fetchall()}
    return f"{table}.line" if "line" in cols else f"({table}.rowid + 2)"


def _geo_sql(layout: Layout) -> str:
    return "lpad(trim(mun_code), 5, '0')" if layout.municipal else "lpad(trim(state_code), 2, '0')"


def collect_labels(con: duckdb.DuckDBPyConnection, file: str, layout: Layout) -> bool:
    """stage_labels: one row per distinct label tuple (lh) with its labels, series key, first line, row count
    and year mask. False when some tuple's labels were not kept by the load (the caller loads them all)."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE stage_groups AS
        SELECT lh, min({line_sql(con)}) AS first_line, count(*) AS n, bit_or({_YEAR_BIT}) AS years,
               coalesce(max(year), 0) >= {RNID_FIRST_YEAR} AS rnid, any_value(labels) AS labels
        FROM raw GROUP BY lh
        """
    )
    try:
        if con.execute("SELECT count(*) FROM stage_groups WHERE labels IS NULL").fetchone()[0]:
            return False
        parts = ", ".join(f"parts[{i + 1}] AS {c}" for i, c in enumerate(layout.labels))
        no_sex_age = "" if "sexo" in layout.labels else ", '' AS sexo, '' AS edad"
        # The series key: the same spelling every reader of SESNSP's wide layouts has hashed since the first store.
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE stage_labels AS
            SELECT *, {_geo_sql(layout)} AS geo,
                   hash('{layout.dataset}', 'M', instrument, {_geo_sql(layout)}, bien, tipo, subtipo, modalidad,
                        sexo, edad, '') AS key_hash
            FROM (SELECT g.lh, g.first_line, g.n, g.years, len(g.parts) AS n_parts,
                         CASE WHEN g.rnid THEN 'rnid' ELSE 'cnsp' END AS instrument, {parts}{no_sex_age}
                  FROM (SELECT *, string_split(labels, chr(31)) AS parts FROM stage_groups) g)
            """
        )
    finally:
        con.execute("DROP TABLE stage_groups")
    return True


def validate(con: duckdb.DuckDBPyConnection, file: str, layout: Layout) -> None:
    """Check every row; report the first offending line, column and what was expected."""
    line = line_sql(con)
    n, bad_year = con.execute(
        f"SELECT count(*), min(CASE WHEN year IS NULL OR year < {YEAR_MIN} OR year > {YEAR_MAX} THEN {line} END) "
        "FROM raw"
    ).fetchone()
    if n == 0:
        raise FileError(file, "the file has a header but no data rows.", line=2, expected="at least one data row")
    if bad_year is not None:
        value = con.execute(f"SELECT year FROM raw WHERE {line} = ?", [bad_year]).fetchone()[0]
        problem = "the year is empty." if value is None else f"year {value} is outside the range SESNSP publishes."
        raise CellError(file, problem, line=bad_year,
                        column=layout.header_of("year"), expected=f"a year from {YEAR_MIN} to {YEAR_MAX}")
    dims = [c for c in layout.labels if c not in ("state_code", "state_name", "mun_code", "mun_name")]
    odd, *firsts = con.execute(
        f"SELECT min(CASE WHEN n_parts <> {len(layout.labels)} THEN first_line END), "
        # blank = empty or only spaces; trim() runs only on the rare labels that start with a space
        + ", ".join(f"min(CASE WHEN {c} = '' OR ({c}[1] = ' ' AND trim({c}) = '') THEN first_line END)" for c in dims)
        + " FROM stage_labels"
    ).fetchone()
    if odd is not None:
        raise RowError(file, "a label contains the control character U+001F.", line=int(odd),
                       expected="printable text in the label columns")
    bad = [(ln, col) for ln, col in zip(firsts, dims) if ln is not None]
    if bad:
        ln, col = min(bad)
        raise CellError(file, "the cell is empty.", line=ln, column=layout.header_of(col), expected="a non-empty label")
    _validate_places(con, file, layout)
    has_dup = con.execute(
        "SELECT count(*) FROM (SELECT key_hash FROM stage_labels GROUP BY key_hash "
        "HAVING sum(n) > bit_count(bit_or(years)))"
    ).fetchone()[0]
    dup = con.execute(
        f"SELECT max({line}), min({line}) FROM raw JOIN stage_labels l USING (lh) "
        "GROUP BY l.key_hash, raw.year HAVING count(*) > 1 ORDER BY 1 LIMIT 1"
    ).fetchone() if has_dup else None  # the exact line is only looked for when a duplicate exists
    if dup:
        raise RowError(file, f"duplicate row: same year, place and categories as line {dup[1]}.", line=dup[0],
                       expected="one row per year, place and category")


def _validate_places(con: duckdb.DuckDBPyConnection, file: str, layout: Layout) -> None:
    """State code/name against the INEGI catalogue, municipality code within its state — on distinct places."""
    cols = "state_code, state_name" + (", mun_code, mun_name" if layout.municipal else "")
    places = con.execute(
        f"SELECT {cols}, min(first_line) AS first FROM stage_labels GROUP BY ALL ORDER BY first"
    ).fetchall()
    checked: dict[tuple, str] = {}
    for place in places:
        code_text, name, ln = place[0], place[1], place[-1]
        by_code = checked.get((code_text, name))
        if by_code is None:
            code_clean = str(code_text).strip()
            by_code = state_code_for(code_clean) if code_clean.isdigit() else None
            if by_code is None or by_code == "00":
                raise CellError(file, f"'{code_text}' is not an INEGI state code.", line=ln,
                                column=layout.header_of("state_code"), expected="a state code from 1 (or 01) to 32")
            if state_code_for(name) != by_code:
                raise CellError(file, f"state name '{name}' does not match state code {code_text} in the INEGI "
                                "catalogue.", line=ln, column=layout.header_of("state_name"),
                                expected="the name of state " + by_code)
            checked[(code_text, name)] = by_code
        if layout.municipal:
            mun_code, mun_name = str(place[2] or "").strip(), str(place[3] or "").strip()
            if not re.fullmatch(r"[0-9]{4,5}", mun_code) or mun_code.zfill(5)[:2] != by_code:
                raise CellError(file, f"municipality code '{mun_code}' is not a code of state {by_code}.", line=ln,
                                column=layout.header_of("mun_code"),
                                expected="a 5-digit INEGI code starting with the state code")
            if not mun_name:
                raise CellError(file, "the municipality name is empty.", line=ln, column=layout.header_of("mun_name"),
                                expected="a non-empty label")


def state_count(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("SELECT count(DISTINCT lpad(trim(state_code), 2, '0')) FROM stage_labels").fetchone()[0]


def blank_unpublished_zeros(con: duckdb.DuckDBPyConnection, cutoff: dt.date | None) -> list[str]:
    """Some RNID files write 0, not an empty cell, for months not yet published. Those months are blanked:
    months after the cut-off the file name (or --vintage) gives, and — when no cut-off is known and the file
    covers every state — trailing months of the last year that are 0 in every single cell (a month with no
    crime at all in the whole country is a month not reported, not a peaceful one)."""
    last_year = con.execute("SELECT max(year) FROM raw").fetchone()[0]
    sums = con.execute(
        "SELECT " + ", ".join(f"sum(abs({c})), count({c})" for c in MONTHS) + " FROM raw WHERE year = ?", [last_year]
    ).fetchone()
    zero = [sums[2 * i] == 0 and sums[2 * i + 1] > 0 for i in range(12)]
    if cutoff is not None:
        if cutoff.year != last_year:
            return []
        months = [i for i in range(cutoff.month, 12) if zero[i]]
    else:
        if state_count(con) < 32:
            return []
        months = []
        for i in range(11, 0, -1):  # never blank January: a file publishes at least one month
            if not zero[i]:
                break
            months.append(i)
    for i in months:
        con.execute(f"UPDATE raw SET {MONTHS[i]} = NULL WHERE year = ?", [last_year])
    return [f"{last_year}-{i + 1:02d}" for i in sorted(months)]


def stage(con: duckdb.DuckDBPyConnection, layout: Layout) -> tuple[dt.date, int]:
    """Create stage_keys / stage_rows / stage_coverage / stage_flags from `raw` and `stage_labels`.

    Returns the last published month and the number of rows.
    """
    line = line_sql(con)
    # Usually one label tuple per series; when several spell one series ('1' and '01'), the first one's labels.
    one_each = con.execute("SELECT count(*) = count(DISTINCT key_hash) FROM stage_labels").fetchone()[0]
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE stage_keys AS
        SELECT {"" if one_each else "DISTINCT ON (key_hash)"} key_hash, $dataset AS dataset, 'M' AS freq, instrument,
               geo, bien, tipo, subtipo, modalidad, sexo, edad, '' AS extra
        FROM stage_labels {"" if one_each else "ORDER BY key_hash, first_line"}
        """,
        {"dataset": layout.dataset},
    )
    last_year, rows = con.execute("SELECT max(year), count(*) FROM raw").fetchone()
    if state_count(con) >= 32:
        con.execute("CREATE OR REPLACE TEMP TABLE stage_coverage AS SELECT DISTINCT year, '*' AS scope FROM raw")
    else:  # a partial file (some states) speaks only for its states
        con.execute(
            "CREATE OR REPLACE TEMP TABLE stage_coverage AS SELECT DISTINCT r.year, lpad(trim(l.state_code), 2, '0') "
            "AS scope FROM raw r JOIN stage_labels l USING (lh)"
        )
    # One pass finds the rows with a negative cell; only those are unfolded into flags.
    renamed = ", ".join(f'{c} AS "{int(c[1:])}"' for c in MONTHS)
    quoted = ", ".join(f'"{int(c[1:])}"' for c in MONTHS)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE stage_flags AS
        SELECT l.key_hash, make_date(year, month::INTEGER, 1) AS period, 'negative_value' AS rule,
               value::DOUBLE AS value, line
        FROM (UNPIVOT (SELECT lh, year, {line} AS line, {renamed} FROM raw
                       WHERE least({", ".join(MONTHS)}) < 0)
              ON {quoted} INTO NAME month VALUE value) u
        JOIN stage_labels l USING (lh)
        WHERE value < 0
        """
    )
    last_month = con.execute(
        "SELECT max(greatest(" + ", ".join(f"CASE WHEN {c} IS NOT NULL THEN {int(c[1:])} END" for c in MONTHS)
        + ")) FROM raw WHERE year = ?", [last_year]
    ).fetchone()[0]
    # The rows as the engine reads them: a view, so the file's numbers are not copied once more. It maps label
    # tuples to series ids when the engine reads it (after registering the new series): one join per row.
    months = ", ".join(f"r.{c} AS v{c[1:]}" for c in MONTHS)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP VIEW stage_rows AS
        SELECT ids.series_id, r.year, {months}
        FROM raw r
        JOIN (SELECT l.lh, s.series_id FROM stage_labels l JOIN main.series s USING (key_hash)) ids USING (lh)
        """
    )
    return dt.date(int(last_year), int(last_month or 1), 1), int(rows)
