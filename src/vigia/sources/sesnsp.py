"""Reader for SESNSP's wide layouts (state/municipal incidence and victims, CNSP/38/15 and RNID).

The layout is recognised from the header, never from the file name (`sesnsp_layout`). The file is parsed by
DuckDB with strict options into a compact table (`sesnsp_load`); anything DuckDB rejects becomes a typed error
naming the line and column. Valid files are checked and left as stage_* tables (`sesnsp_stage`) for
`vigia.store.engine.commit_release`.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import duckdb

from vigia.errors import FileError
from vigia.sources import sesnsp_load as load
from vigia.sources import sesnsp_stage as staging
from vigia.sources.sesnsp_layout import SOURCE, Layout, detect_layout
from vigia.sources.sniff import read_text_head, sniff_encoding
from vigia.sources.vintage import vintage_from_name

__all__ = ["SOURCE", "read_into", "sniff_csv_layout"]


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
    """Stage a SESNSP file; returns (layout, vintage, rows, note). `kind` is 'csv' or 'xlsx'."""
    file = str(path)
    if kind == "csv":
        found = sniff_csv_layout(path)
        if found is None:
            raise FileError(file, "the header is not a SESNSP layout.", line=1,
                            expected="the SESNSP columns Año, Clave_Ent, Entidad, … Enero … Diciembre")
        layout, encoding = found
        years = load.edge_years(path, encoding)
        load.load_csv(con, path, layout, encoding, label_years=years)
        if not staging.collect_labels(con, file, layout):  # a series in neither the first nor the last year
            load.load_csv(con, path, layout, encoding, label_years=None)
            staging.collect_labels(con, file, layout)
    else:
        layout, rows, first_line = load.xlsx_rows(path, detect_layout)
        load.load_xlsx(con, path, layout, rows, first_line)
        staging.collect_labels(con, file, layout)
    staging.validate(con, file, layout)
    named = vintage_from_name(path.name)
    blanked = staging.blank_unpublished_zeros(con, vintage or named)
    last_published, nrows = staging.stage(con, layout)
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
