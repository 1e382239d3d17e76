"""Render a DataFrame as a Rich table, CSV or JSON: the one output path every CLI command shares."""

from __future__ import annotations

import json
import math
import sys
from enum import Enum

import pandas as pd
from rich.console import Console
from rich.table import Table


class OutputFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


def _jsonable(value):
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if pd.isna(value) if not isinstance(value, (list, dict, tuple)) else False:
        return None
    return value


def frame_records(frame: pd.DataFrame) -> list[dict]:
    return [{k: _jsonable(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def emit(frame: pd.DataFrame, fmt: OutputFormat | str, *, title: str | None = None, caption: str | None = None,
         console: Console | None = None) -> None:
    fmt = OutputFormat(fmt)
    if fmt is OutputFormat.csv:
        frame.to_csv(sys.stdout, index=False, lineterminator="\n")
        return
    if fmt is OutputFormat.json:
        sys.stdout.write(json.dumps(frame_records(frame), ensure_ascii=False, indent=1) + "\n")
        return
    console = console or Console(width=None if sys.stdout.isatty() else 200)
    table = Table(title=title, caption=caption, show_lines=False)
    for col in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[col])
        table.add_column(str(col), justify="right" if numeric else "left")
    plain = [("year" in str(c).lower() or str(c).lower() in ("period", "rank")) for c in frame.columns]
    for row in frame.itertuples(index=False):
        table.add_row(*[str(v) if p and v is not None and not _missing(v) else _cell(v) for v, p in zip(row, plain)])
    console.print(table)


def _missing(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)
