"""The tidy frame every context-source reader returns, plus the small helpers they share.

Contract (what the store ingests generically), one row per observation:

=========  ========  =============================================================================
column     dtype     meaning
=========  ========  =============================================================================
geo        str       '00' national, '01'–'32' states, 5-digit municipality, or ISO-3 country (WJP)
variable   str       snake_case id, e.g. 'poblacion_mitad_anio', 'defunciones_homicidio'
period     datetime  first day of the month (freq 'M'), Jan 1 (freq 'Y'), Jan 1 of an edition's
                     last year (freq 'E')
freq       str       'M', 'Y' or 'E' (WJP editions, which are not calendar years)
value      float64   NaN only where the source has an empty cell (never a silent 0)
detail     str       a dimension of the series ('' when unused): sex, budget stage…
extra      str       a second dimension or label ('' when unused): WJP edition, budget 'R20:S287'
=========  ========  =============================================================================

A source module may hold several layouts (e.g. CONAPO state and municipal tables). Each layout is a
:class:`Layout` with its own dataset id; ``module.layout_for(path)`` says which one a file is.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from vigia.errors import CellError, FileError, HeaderError, RowError

COLUMNS: tuple[str, ...] = ("geo", "variable", "period", "freq", "value", "detail", "extra")
KEY: tuple[str, ...] = ("geo", "variable", "period", "detail", "extra")
FREQS: frozenset[str] = frozenset({"M", "Y", "E"})
HEAD_BYTES = 65536

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2 compound file (BIFF8 .xls)
GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class Layout:
    """One file layout a source module understands; ``dataset`` is what the store files it under."""

    dataset: str
    source: str
    citation: str
    licence: str
    description: str
    detect: Callable[[Path, bytes], bool]
    read: Callable[[Path], pd.DataFrame]


def head_of(path: Path, head: bytes | None = None) -> bytes:
    """The first bytes of a file, read only when the caller did not pass them."""
    if head:
        return head
    with open(path, "rb") as fh:
        return fh.read(HEAD_BYTES)


def first_line(head: bytes) -> str:
    """First text line of a CSV head; UTF-8 (with or without BOM) first, Latin-1 as the fallback."""
    raw = head.split(b"\n", 1)[0].rstrip(b"\r")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def csv_header(head: bytes, delimiter: str = ",") -> list[str]:
    """Column names of a delimited text head, stripped; [] when the head is not text."""
    if head.startswith((XLSX_MAGIC, XLS_MAGIC, GZIP_MAGIC)):
        return []
    line = first_line(head)
    return [c.strip() for c in next(csv.reader([line], delimiter=delimiter), [])]


def gzip_header(path: Path, delimiter: str = ",") -> list[str]:
    """Column names of a gzip-compressed delimited file, decompressing only its first line."""
    with gzip.open(path, "rb") as fh:
        line = fh.readline(HEAD_BYTES)
    return csv_header(line, delimiter)


def xlsx_sheets(path: Path) -> list[str]:
    import openpyxl  # deferred: only xlsx layouts need it

    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def xlsx_first_row(path: Path, sheet: str | int = 0) -> list[str]:
    """The first row of a sheet as stripped strings, without loading the whole workbook."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        ws = wb.worksheets[sheet] if isinstance(sheet, int) else wb[sheet]
        row = next(ws.iter_rows(max_row=1, values_only=True), ())
        return ["" if v is None else str(v).strip() for v in row]
    finally:
        wb.close()


def never_raises(fn: Callable[[Path, bytes], bool]) -> Callable[[Path, bytes], bool]:
    """Detection must answer yes/no; a file some library cannot open is simply 'not mine'."""

    def wrapper(path: Path, head: bytes = b"") -> bool:
        try:
            return bool(fn(Path(path), head_of(Path(path), head)))
        except Exception:  # noqa: BLE001 — any failure to parse means the layout does not match
            return False

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


def layout_for(layouts: Sequence[Layout], path: Path, head: bytes | None = None) -> Layout:
    """The single layout that recognises this file; a FileError naming the candidates otherwise."""
    path = Path(path)
    data = head_of(path, head)
    hits = [lay for lay in layouts if lay.detect(path, data)]
    if len(hits) == 1:
        return hits[0]
    names = ", ".join(lay.dataset + " (" + lay.description + ")" for lay in layouts)
    if not hits:
        raise FileError(str(path), "the file's content matches none of this source's layouts.",
                        expected=names)
    raise FileError(str(path), f"the file matches several layouts: {[h.dataset for h in hits]}.")


def read_any(layouts: Sequence[Layout], path: Path) -> pd.DataFrame:
    """Read a file with the layout that recognises it; attrs carry that layout's dataset and origin."""
    layout = layout_for(layouts, path)
    frame = layout.read(Path(path))
    frame.attrs.update(dataset=layout.dataset, source=layout.source, citation=layout.citation,
                       licence=layout.licence)
    return frame


def entry_points(layouts: Sequence[Layout]) -> tuple[Callable[[Path, bytes], bool],
                                                    Callable[..., Layout], Callable[[Path], pd.DataFrame]]:
    """The module-level ``detect``, ``layout_for`` and ``read`` the dispatcher calls on a multi-layout source."""

    def detect(path: Path, head: bytes) -> bool:
        return any(lay.detect(path, head) for lay in layouts)

    def layout_for_file(path: Path, head: bytes | None = None) -> Layout:
        return layout_for(layouts, path, head)

    def read(path: Path) -> pd.DataFrame:
        return read_any(layouts, path)

    return detect, layout_for_file, read


def check_columns(file: Path | str, found: Iterable[str], required: Iterable[str]) -> None:
    """Fail loudly on a missing column, naming it (extra columns are tolerated by the callers)."""
    have = {str(c).strip() for c in found}
    missing = [c for c in required if c not in have]
    if missing:
        raise HeaderError(str(file), f"missing column(s) {missing}.", expected=", ".join(required))


def numbers(series: pd.Series, file: Path | str, column: str, *, lines: Sequence[int] | None = None,
            integer: bool = False, non_negative: bool = False, allow_blank: bool = False) -> pd.Series:
    """Parse a column as float, raising a CellError at the first bad cell (file, line, column).

    ``lines`` gives the file line of each row (defaults to index + 2: one header row, 1-based).
    """
    values = pd.to_numeric(series, errors="coerce").astype("float64")
    blank = series.isna() | (series.astype(str).str.strip() == "")
    bad = values.isna() & ~(blank & allow_blank)
    what = "an integer" if integer else "a number"
    if not bad.any():
        if integer:
            bad = values.notna() & (values % 1 != 0)
        if non_negative:
            bad = bad | (values < 0)
            what += " ≥ 0"
    if bad.any():
        pos = int(bad.to_numpy().nonzero()[0][0])
        line = int(lines[pos]) if lines is not None else int(series.index[pos]) + 2
        raw = series.iloc[pos]
        raise CellError(str(file), f"value {raw!r} is not valid.", line=line, column=column, expected=what)
    return values


def annual(years: pd.Series | Iterable[int]) -> pd.Series:
    """Jan 1 of each year, the contract's period for annual data."""
    y = pd.Series(years).astype("int64")
    return pd.to_datetime({"year": y, "month": 1, "day": 1}).astype("datetime64[ns]")


def monthly(years: pd.Series, months: pd.Series) -> pd.Series:
    """First day of each month."""
    return pd.to_datetime(
        {"year": years.astype("int64"), "month": months.astype("int64"), "day": 1}
    ).astype("datetime64[ns]")


def tidy(frame: pd.DataFrame, file: Path | str, *, dataset: str) -> pd.DataFrame:
    """Coerce a reader's output to the contract and check it; duplicates are a RowError."""
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:  # a programming error in a reader, but reported like any other
        raise FileError(str(file), f"reader produced no column(s) {missing}.")
    out = pd.DataFrame({
        "geo": frame["geo"].astype(str).to_numpy(),
        "variable": frame["variable"].astype(str).to_numpy(),
        "period": pd.to_datetime(frame["period"]).astype("datetime64[ns]").to_numpy(),
        "freq": frame["freq"].astype(str).to_numpy(),
        "value": frame["value"].astype("float64").to_numpy(),
        "detail": frame["detail"].fillna("").astype(str).to_numpy(),
        "extra": frame["extra"].fillna("").astype(str).to_numpy(),
    })
    if out["period"].isna().any():
        raise FileError(str(file), "a row has no period.")
    odd = sorted(set(out["freq"]) - FREQS)
    if odd:
        raise FileError(str(file), f"unknown frequency {odd}.", expected="M, Y or E")
    dup = out.duplicated(list(KEY), keep=False)
    if dup.any():
        sample = out.loc[dup, list(KEY)].head(2).to_dict("records")
        raise RowError(str(file), f"{int(dup.sum())} rows repeat the same key, e.g. {sample}.",
                       expected="one row per geo, variable, period, detail and extra")
    out = out.sort_values(list(KEY), kind="stable").reset_index(drop=True)
    out.attrs["dataset"] = dataset
    return out


def read_text(path: Path, *, encoding: str = "utf-8-sig") -> io.StringIO:
    """Whole text file as a buffer; a decoding failure is a FileError, not a traceback."""
    try:
        with open(path, encoding=encoding, newline="") as fh:
            return io.StringIO(fh.read())
    except UnicodeDecodeError as exc:
        raise FileError(str(path), f"not valid {encoding} text ({exc.reason} at byte {exc.start}).",
                        expected=f"a {encoding} CSV") from exc


__all__ = [
    "COLUMNS", "FREQS", "KEY", "Layout", "annual", "check_columns", "csv_header", "first_line",
    "gzip_header", "head_of", "layout_for", "monthly", "never_raises", "numbers", "read_any", "read_text",
    "tidy", "xlsx_first_row", "xlsx_sheets",
]
