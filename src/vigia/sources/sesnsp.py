"""Reader for SESNSP's wide layouts (state/municipal incidence and victims, CNSP/38/15 and RNID).

The layout is recognised from the header, never from the file name. Known header spellings live in
`maps/sesnsp_columns.csv` (header drift is data, not code). The file is parsed by DuckDB with strict
options; anything DuckDB rejects is turned into a typed error naming the line and column. Valid files
are left as stage_* tables for `vigia.store.engine.commit_release`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import duckdb
import pyarrow as pa

from vigia.errors import CellError, FileError, HeaderError, RowError
from vigia.geo.catalog import normalize_name, state_code_for
from vigia.sources.sniff import read_text_head, sniff_encoding
from vigia.sources.vintage import vintage_from_name

SOURCE = "sesnsp"
MONTHS = tuple(f"m{i:02d}" for i in range(1, 13))
YEAR_MIN, YEAR_MAX = 1997, 2030
RNID_FIRST_YEAR = 2026
HEADER_SEARCH_ROWS = 15  # SESNSP's new catalogue (RNID) replaces CNSP/38/15 from January 2026

_BASE = ("year", "state_code", "state_name")
_CRIME = ("bien", "tipo", "subtipo", "modalidad")
LAYOUTS: dict[str, tuple[str, ...]] = {
    "incidence": _BASE + _CRIME + MONTHS,
    "victims": _BASE + _CRIME + ("sexo", "edad") + MONTHS,
    "municipal_incidence": _BASE + ("mun_code", "mun_name") + _CRIME + MONTHS,
    "municipal_victims": _BASE + ("mun_code", "mun_name") + _CRIME + ("sexo", "edad") + MONTHS,
}


@dataclass(frozen=True)
class Layout:
    dataset: str
    columns: tuple[str, ...]  # canonical names in file order
    headers: tuple[str, ...]  # the file's own header names, same order

    @property
    def municipal(self) -> bool:
        return "mun_code" in self.columns

    def header_of(self, canonical: str) -> str:
        return self.headers[self.columns.index(canonical)]


@lru_cache(maxsize=1)
def _header_map() -> tuple[dict[str, str], dict[str, str]]:
    text = resources.files("vigia.sources").joinpath("maps/sesnsp_columns.csv").read_text(encoding="utf-8")
    variants: dict[str, str] = {}
    labels: dict[str, str] = {}
    for row in csv.DictReader(io.StringIO(text)):
        labels[row["canonical"]] = row["label"]
        variants[normalize_name(row["label"])] = row["canonical"]
        for v in row["variants"].split("|"):
            variants[normalize_name(v)] = row["canonical"]
    return variants, labels


def canonical_header(name: str) -> str | None:
    return _header_map()[0].get(normalize_name(name))


def detect_layout(headers: list[str], file: str) -> Layout | None:
    """The dataset a header describes, None when it is not a SESNSP wide layout at all.

    A header that is mostly SESNSP but has missing, extra or renamed columns is an error that names them.
    """
    canon = [canonical_header(h) for h in headers]
    known = [c for c in canon if c]
    # Claim the file only when it carries SESNSP's own structure (an entity code or the crime columns):
    # the old CIEISP layout also has months and ENTIDAD, and belongs to another reader.
    if sum(c in MONTHS for c in known) < 6 or not {"state_code", "tipo", "subtipo", "bien"} & set(known):
        return None
    if "mun_code" in known or "mun_name" in known:
        dataset = "municipal_victims" if {"sexo", "edad"} & set(known) else "municipal_incidence"
    else:
        dataset = "victims" if {"sexo", "edad"} & set(known) else "incidence"
    expected = LAYOUTS[dataset]
    labels = _header_map()[1]
    missing = [labels[c] for c in expected if c not in known]
    unknown = [h for h, c in zip(headers, canon) if c is None]
    dupes = sorted({labels[c] for c in known if known.count(c) > 1})
    if missing or unknown or dupes:
        parts = []
        if missing:
            parts.append("missing column(s): " + ", ".join(f"'{m}'" for m in missing))
        if unknown:
            parts.append("unexpected column(s): " + ", ".join(f"'{u}'" for u in unknown))
        if dupes:
            parts.append("repeated column(s): " + ", ".join(f"'{d}'" for d in dupes))
        raise HeaderError(
            file,
            "the header does not match the SESNSP " + dataset.replace("_", " ") + " layout; " + "; ".join(parts) + ".",
            line=1,
            expected=", ".join(labels[c] for c in expected),
        )
    if tuple(canon) != expected:
        raise HeaderError(
            file,
            "the SESNSP columns are in an unexpected order.",
            line=1,
            expected=", ".join(labels[c] for c in expected),
        )
    return Layout(dataset=dataset, columns=expected, headers=tuple(headers))


# ---------------------------------------------------------------------------------------------
# Loading the rows into a DuckDB table `raw` (line, canonical columns…)
# ---------------------------------------------------------------------------------------------


def load_csv(con: duckdb.DuckDBPyConnection, path: Path, layout: Layout, encoding: str) -> None:
    types = {c: ("INTEGER" if c in MONTHS or c == "year" else "VARCHAR") for c in layout.columns}
    con.execute("DROP TABLE IF EXISTS raw")
    con.execute("DROP TABLE IF EXISTS vigia_rejects")
    con.execute("DROP TABLE IF EXISTS vigia_reject_scans")
    cols = "{" + ", ".join(f"'{c}': '{t}'" for c, t in types.items()) + "}"
    con.execute(
        f"""
        CREATE TEMP TABLE raw AS
        SELECT *, {key_sql(layout)}
        FROM read_csv($path, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
                      thousands = ',', encoding = $enc, columns = {cols},
                      store_rejects = true, ignore_errors = true,
                      rejects_table = 'vigia_rejects', rejects_scan = 'vigia_reject_scans')
        """,
        {"path": str(path), "enc": encoding},
    )
    # Spreadsheet exports often end with rows of bare commas: empty rows, not data (rowids of the others stay).
    blank = " AND ".join(f"({c} IS NULL OR trim({c}::VARCHAR) = '')" for c in layout.columns)
    con.execute(f"DELETE FROM raw WHERE {blank}")
    reject = con.execute(
        "SELECT line, column_name, error_type, csv_line, error_message FROM vigia_rejects "
        "ORDER BY line, column_idx LIMIT 1"
    ).fetchone()
    if reject:
        _raise_reject(str(path), layout, reject)


def _raise_reject(file: str, layout: Layout, reject: tuple) -> None:
    line, column, error_type, csv_line, message = reject
    header = layout.header_of(column) if column in layout.columns else column
    if error_type in ("MISSING COLUMNS", "TOO MANY COLUMNS"):
        found = len(next(csv.reader([str(csv_line).strip()]), []))
        raise RowError(
            file,
            f"the row has {found} fields (truncated or malformed row).",
            line=int(line),
            expected=f"{len(layout.columns)} comma-separated fields",
        )
    if error_type == "CAST":
        bad = re.search(r'Could not convert string "(.*?)"', str(message))
        shown = f"'{bad.group(1)}'" if bad else "a value"
        kind = "a year (integer)" if column == "year" else "a whole number or an empty cell"
        raise CellError(file, f"{shown} is not a number.", line=int(line), column=header, expected=kind)
    if error_type == "INVALID UNICODE":
        raise FileError(file, "the file is not valid text in the detected encoding.", line=int(line),
                        expected="UTF-8 or Latin-1 text")
    raise RowError(file, f"the row cannot be parsed ({message}).", line=int(line), expected="a CSV row")


def load_xlsx(con: duckdb.DuckDBPyConnection, path: Path, layout: Layout, rows: list[tuple], first_line: int) -> None:
    """Load rows already read from the sheet (openpyxl) into `raw`, checking numbers cell by cell."""
    data: dict[str, list] = {c: [] for c in ("line", *layout.columns)}
    for offset, row in enumerate(rows):
        line = first_line + offset
        if row is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
            continue
        if len(row) < len(layout.columns):
            row = tuple(row) + (None,) * (len(layout.columns) - len(row))
        data["line"].append(line)
        for idx, col in enumerate(layout.columns):
            value = row[idx]
            if col in MONTHS or col == "year":
                data[col].append(_xlsx_number(str(path), line, layout.headers[idx], value, col == "year"))
            else:
                data[col].append(None if value is None else str(value).strip())
    types = {c: pa.int64() if (c in MONTHS or c in ("line", "year")) else pa.string() for c in data}
    table = pa.table({c: pa.array(v, type=types[c]) for c, v in data.items()})
    con.execute("DROP TABLE IF EXISTS raw")
    con.register("raw_arrow", table)
    try:
        con.execute(f"CREATE TEMP TABLE raw AS SELECT *, {key_sql(layout)} FROM raw_arrow")
    finally:
        con.unregister("raw_arrow")


def _xlsx_number(file: str, line: int, header: str, value, is_year: bool) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, (int, float)):
        if float(value).is_integer():
            return int(value)
        raise CellError(file, f"{value!r} is not a whole number.", line=line, column=header,
                        expected="a whole number or an empty cell")
    text = str(value).strip()
    if not text:
        return None
    cleaned = text.replace(",", "").replace(" ", "")
    if re.fullmatch(r"-?\d+", cleaned):
        return int(cleaned)
    kind = "a year (integer)" if is_year else "a whole number or an empty cell"
    raise CellError(file, f"'{text}' is not a number.", line=line, column=header, expected=kind)


# ---------------------------------------------------------------------------------------------
# Validation and staging (shared by CSV and XLSX)
# ---------------------------------------------------------------------------------------------


def _line(con: duckdb.DuckDBPyConnection) -> str:
    """SQL for a row's line in the file: CSV rows keep file order, so rowid + 2 (after the header)."""
    cols = {r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = 'raw'").fetchall()}
    return "line" if "line" in cols else "(rowid + 2)"


def validate_raw(con: duckdb.DuckDBPyConnection, file: str, layout: Layout) -> None:
    """Check every row; report the first offending line, column and what was expected.

    Label checks run on the distinct series keys (a few hundred thousand at most), not on every row:
    a municipal file repeats each label millions of times.
    """
    line = _line(con)
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
    dims = [c for c in layout.columns if c not in MONTHS and c not in ("year", "state_code", "state_name",
                                                                           "mun_code", "mun_name")]
    firsts = con.execute(
        "SELECT " + ", ".join(f"min(CASE WHEN {c} IS NULL OR trim({c}) = '' THEN first_line END)" for c in dims)
        + " FROM stage_labels"
    ).fetchone()
    bad = [(ln, col) for ln, col in zip(firsts, dims) if ln is not None]
    if bad:
        ln, col = min(bad)
        raise CellError(file, "the cell is empty.", line=ln, column=layout.header_of(col), expected="a non-empty label")
    _validate_places(con, file, layout, line)
    has_dup = con.execute("SELECT count(*) FROM stage_labels WHERE repeats > 0").fetchone()[0]
    dup = con.execute(
        f"SELECT max({line}), min({line}) FROM raw GROUP BY key_hash, year HAVING count(*) > 1 ORDER BY 1 LIMIT 1"
    ).fetchone() if has_dup else None  # the exact line is only looked for when a duplicate exists
    if dup:
        raise RowError(file, f"duplicate row: same year, place and categories as line {dup[1]}.", line=dup[0],
                       expected="one row per year, place and category")


def _validate_places(con: duckdb.DuckDBPyConnection, file: str, layout: Layout, line: str) -> None:
    """State code/name against the INEGI catalogue, municipality code within its state — on distinct places."""
    cols = "state_code, state_name" + (", mun_code, mun_name" if layout.municipal else "")
    places = con.execute(f"SELECT {cols}, min({line}) AS first FROM raw GROUP BY ALL ORDER BY first").fetchall()
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


INSTRUMENT_SQL = f"CASE WHEN year >= {RNID_FIRST_YEAR} THEN 'rnid' ELSE 'cnsp' END"


def key_sql(layout: Layout) -> str:
    """The series key of a row, hashed where the row is read (so the strings are hashed once)."""
    geo = "lpad(trim(mun_code), 5, '0')" if layout.municipal else "lpad(trim(state_code), 2, '0')"
    sex_age = "sexo, edad" if "sexo" in layout.columns else "'', ''"
    return (f"hash('{layout.dataset}', 'M', {INSTRUMENT_SQL}, {geo}, bien, tipo, subtipo, modalidad, {sex_age}, '')"
            " AS key_hash")


def collect_labels(con: duckdb.DuckDBPyConnection, layout: Layout) -> None:
    """One row per distinct series key with its labels and first line: what validation and staging read."""
    geo = "lpad(trim(mun_code), 5, '0')" if layout.municipal else "lpad(trim(state_code), 2, '0')"
    sex_age = ("any_value(sexo) AS sexo, any_value(edad) AS edad" if "sexo" in layout.columns
               else "'' AS sexo, '' AS edad")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE stage_labels AS
        SELECT key_hash, min({_line(con)}) AS first_line,
               -- a series repeats a year iff it has more rows than distinct years (years fit a 64-bit mask)
               count(*) - bit_count(bit_or(CASE WHEN year BETWEEN {YEAR_MIN} AND {YEAR_MAX}
                                                THEN 1::UBIGINT << (year - {YEAR_MIN})::UBIGINT ELSE 0 END)) AS repeats,
               any_value({INSTRUMENT_SQL}) AS instrument,
               any_value({geo}) AS geo, any_value(bien) AS bien, any_value(tipo) AS tipo,
               any_value(subtipo) AS subtipo, any_value(modalidad) AS modalidad, {sex_age}
        FROM raw GROUP BY key_hash
        """
    )


def stage(con: duckdb.DuckDBPyConnection, layout: Layout) -> tuple[dt.date, int]:
    """Create stage_keys / stage_rows / stage_coverage / stage_flags from `raw`.

    Returns the last published month and the number of rows.
    """
    line = _line(con)
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE stage_keys AS
        SELECT key_hash, $dataset AS dataset, 'M' AS freq, instrument, geo, bien, tipo, subtipo, modalidad,
               sexo, edad, '' AS extra
        FROM stage_labels
        """,
        {"dataset": layout.dataset},
    )
    states, last_year, rows = con.execute(
        "SELECT count(DISTINCT lpad(trim(state_code), 2, '0')), max(year), count(*) FROM raw").fetchone()
    if states >= 32:
        con.execute("CREATE OR REPLACE TEMP TABLE stage_coverage AS SELECT DISTINCT year, '*' AS scope FROM raw")
    else:  # a partial file (some states) speaks only for its states
        con.execute(
            "CREATE OR REPLACE TEMP TABLE stage_coverage AS "
            "SELECT DISTINCT year, lpad(trim(state_code), 2, '0') AS scope FROM raw"
        )
    # One pass finds the rows with a negative cell; only those are unfolded into flags.
    renamed = ", ".join(f'{c} AS "{int(c[1:])}"' for c in MONTHS)
    quoted = ", ".join(f'"{int(c[1:])}"' for c in MONTHS)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE stage_flags AS
        SELECT key_hash, make_date(year, month::INTEGER, 1) AS period, 'negative_value' AS rule,
               value::DOUBLE AS value, line
        FROM (UNPIVOT (SELECT key_hash, year, {line} AS line, {renamed} FROM raw
                       WHERE least({", ".join(MONTHS)}) < 0)
              ON {quoted} INTO NAME month VALUE value)
        WHERE value < 0
        """
    )
    last_month = con.execute(
        "SELECT max(greatest(" + ", ".join(f"CASE WHEN {c} IS NOT NULL THEN {int(c[1:])} END" for c in MONTHS)
        + ")) FROM raw WHERE year = ?", [last_year]
    ).fetchone()[0]
    # Keep only the numbers for the commit: the labels (most of the memory) are in stage_keys already.
    months = ", ".join(f"{c} AS v{c[1:]}" for c in MONTHS)
    con.execute(f"CREATE OR REPLACE TEMP TABLE stage_rows AS SELECT key_hash, year, {months} FROM raw")
    con.execute("DROP TABLE raw")
    return dt.date(int(last_year), int(last_month or 1), 1), int(rows)


# ---------------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------------


def sniff_csv_layout(path: Path) -> tuple[Layout, str] | None:
    encoding = sniff_encoding(path)
    head = read_text_head(path, encoding)
    first = head.splitlines()[0] if head else ""
    headers = [h.strip() for h in next(csv.reader([first]), [])]
    if headers and headers[0].startswith("\ufeff"):
        headers[0] = headers[0][1:]
    layout = detect_layout(headers, str(path))
    return (layout, encoding) if layout else None


def read_into(con: duckdb.DuckDBPyConnection, path: Path, kind: str, vintage: dt.date | None):
    """Stage a SESNSP file; returns (layout, vintage, rows). `kind` is 'csv' or 'xlsx'."""
    file = str(path)
    if kind == "csv":
        found = sniff_csv_layout(path)
        if found is None:
            raise FileError(file, "the header is not a SESNSP layout.", line=1,
                            expected="the SESNSP columns Año, Clave_Ent, Entidad, … Enero … Diciembre")
        layout, encoding = found
        load_csv(con, path, layout, encoding)
    else:
        layout, rows, first_line = _xlsx_rows(path)
        load_xlsx(con, path, layout, rows, first_line)
    collect_labels(con, layout)
    validate_raw(con, file, layout)
    named = vintage_from_name(path.name)
    blanked = blank_unpublished_zeros(con, vintage or named)
    last_published, nrows = stage(con, layout)
    if vintage is None:
        if named is not None and named < last_published:
            raise FileError(
                file,
                f"the file name says the cut-off is {named:%Y-%m} but the file publishes months up to "
                f"{last_published:%Y-%m}.",
                expected="a file name whose month matches its content, or --vintage YYYY-MM",
            )
        vintage = named or last_published
    note = (f"months written as 0 but not yet published were left empty: {', '.join(blanked)}" if blanked else "")
    return layout, vintage, nrows, note


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
        states = con.execute("SELECT count(DISTINCT lpad(trim(state_code), 2, '0')) FROM raw").fetchone()[0]
        if states < 32:
            return []
        months = []
        for i in range(11, 0, -1):  # never blank January: a file publishes at least one month
            if not zero[i]:
                break
            months.append(i)
    for i in months:
        con.execute(f"UPDATE raw SET {MONTHS[i]} = NULL WHERE year = ?", [last_year])
    return [f"{last_year}-{i + 1:02d}" for i in sorted(months)]


def _xlsx_rows(path: Path) -> tuple[Layout, list[tuple], int]:
    from openpyxl import load_workbook  # imported here: only XLSX ingests pay for it

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken zip
        raise FileError(str(path), f"the workbook cannot be opened ({exc.__class__.__name__}).",
                        expected="an .xlsx workbook") from exc
    try:
        for ws in wb.worksheets:
            rows = ws.iter_rows(values_only=True)
            for line, row in enumerate(rows, start=1):
                if row is None or all(v is None for v in row):
                    continue
                headers = [str(v).strip() if v is not None else "" for v in row]
                while headers and headers[-1] == "":
                    headers.pop()
                layout = detect_layout(headers, f"{path} (sheet '{ws.title}')")
                if layout is None:
                    if line >= HEADER_SEARCH_ROWS:  # a title block may precede the header, but not forever
                        break
                    continue
                return layout, list(rows), line + 1
        raise FileError(str(path), "no sheet has a SESNSP header.", expected="a sheet with Año, Clave_Ent, …")
    finally:
        wb.close()
