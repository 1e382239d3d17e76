"""Loading a SESNSP file's rows into the compact DuckDB table `raw`, turning parse failures into typed errors.

    raw(lh, year, m01 … m12, labels [, line])

`lh` is a 64-bit hash of the row's text columns (place and categories) and of its instrument, computed where
the row is parsed; `labels` holds those columns joined by U+001F, but only for the rows of the file's first and
last years and rows without a year (NULL elsewhere). A municipal file repeats the same few hundred thousand label
tuples over 2.7 M rows: every series of a SESNSP file appears in its first year, or — a municipality created
since — in its last, so one copy of each tuple is kept and the rest of the rows are numbers. When a tuple appears
in neither, the file is loaded again with every row's labels (`label_years=None`): slower, same answers.

CSV rows keep file order, so a row's line is rowid + 2; XLSX rows carry a `line` column.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import duckdb
import pyarrow as pa

from vigia.errors import CellError, FileError, RowError
from vigia.sources.sesnsp_layout import MONTHS, RNID_FIRST_YEAR, Layout
from vigia.sources.sniff import read_text_head

HEADER_SEARCH_ROWS = 15  # a title block may sit above an XLSX header, but not forever
# DuckDB's CSV reader splits a file into buffers its threads parse; 16 MiB buffers parsed a 388 MB municipal file
# ~15% faster than the default on a 2-core machine (bench/ingest.py; docs/benchmarks.md).
CSV_BUFFER_BYTES = 16 << 20
TAIL_BYTES = 65536


def label_hash_sql(layout: Layout) -> str:
    return f"hash(year >= {RNID_FIRST_YEAR}, {', '.join(layout.labels)})"


def label_text_sql(layout: Layout) -> str:
    return "concat_ws(chr(31), " + ", ".join(f"coalesce({c}, '')" for c in layout.labels) + ")"


def edge_years(path: Path, encoding: str) -> tuple[int, ...] | None:
    """The years of the first and last data rows (from the file's head and tail), None when either is not a
    plain year. SESNSP files run by year, so these are where a series first and last shows up."""
    head = read_text_head(path, encoding).splitlines()[1:2]
    size = path.stat().st_size
    with open(path, "rb") as fh:
        fh.seek(max(0, size - TAIL_BYTES))
        tail = fh.read().decode("utf-8" if encoding == "utf-8" else "latin-1", errors="replace").splitlines()[-50:]
    years = []
    for lines in (head, reversed(tail)):
        for line in lines:
            first = next(csv.reader([line]), [""])[0].strip() if line.strip() else ""
            if first.isdigit():
                years.append(int(first))
                break
            if first or line.strip(",\r\n "):
                return None  # a data row without a plain year: keep every row's labels
    return tuple(sorted(set(years))) if len(years) == 2 else None


def load_csv(con: duckdb.DuckDBPyConnection, path: Path, layout: Layout, encoding: str,
             label_years: tuple[int, ...] | None) -> None:
    """Parse the CSV into `raw`; labels kept for the rows of `label_years` (None: every row)."""
    types = {c: ("INTEGER" if c in MONTHS or c == "year" else "VARCHAR") for c in layout.columns}
    for name in ("raw", "vigia_rejects", "vigia_reject_scans"):
        con.execute(f"DROP TABLE IF EXISTS {name}")
    cols = "{" + ", ".join(f"'{c}': '{t}'" for c, t in types.items()) + "}"
    keep = ("true" if label_years is None
            else f"year IS NULL OR year IN ({', '.join(str(int(y)) for y in label_years)})")
    con.execute(
        f"""
        CREATE TEMP TABLE raw AS
        SELECT {label_hash_sql(layout)} AS lh, year, {", ".join(MONTHS)},
               CASE WHEN {keep} THEN {label_text_sql(layout)} END AS labels
        FROM read_csv($path, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
                      thousands = ',', encoding = $enc, columns = {cols}, buffer_size = {CSV_BUFFER_BYTES},
                      store_rejects = true, ignore_errors = true,
                      rejects_table = 'vigia_rejects', rejects_scan = 'vigia_reject_scans')
        """,
        {"path": str(path), "enc": encoding},
    )
    # Spreadsheet exports often end with rows of bare commas: empty rows, not data (rowids of the others stay).
    con.execute(
        f"DELETE FROM raw WHERE year IS NULL AND coalesce({', '.join(MONTHS)}) IS NULL "
        "AND trim(replace(labels, chr(31), '')) = ''"
    )
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
        con.execute(
            f"CREATE TEMP TABLE raw AS SELECT line, {label_hash_sql(layout)} AS lh, year::INTEGER AS year, "
            + ", ".join(f"{c}::INTEGER AS {c}" for c in MONTHS)
            + f", {label_text_sql(layout)} AS labels FROM raw_arrow"
        )
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


def xlsx_rows(path: Path, detect) -> tuple[Layout, list[tuple], int]:
    """The sheet's layout (found by `detect(headers, where)`), its data rows and the first data row's line."""
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
                layout = detect(headers, f"{path} (sheet '{ws.title}')")
                if layout is None:
                    if line >= HEADER_SEARCH_ROWS:
                        break
                    continue
                return layout, list(rows), line + 1
        raise FileError(str(path), "no sheet has a SESNSP header.", expected="a sheet with Año, Clave_Ent, …")
    finally:
        wb.close()
