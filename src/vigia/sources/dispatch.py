"""Pick the reader for a file from its content and stage it on a DuckDB connection.

SESNSP's wide layouts are staged by DuckDB directly (they are the big files); every other source's
reader returns a tidy frame (see `vigia.sources.frames`) that is staged generically.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
from dataclasses import dataclass
from pathlib import Path

import duckdb

from vigia.errors import FileError, HeaderError, VigiaError
from vigia.sources import sesnsp
from vigia.sources.frames import stage_frame
from vigia.sources.sniff import head_bytes, require_tabular, sniff_format
from vigia.store.engine import clear_stage

# Modules with DATASET, SOURCE, CITATION, LICENCE, detect(path, head) -> bool and read(path) -> DataFrame.
FRAME_READERS = (
    "vigia.sources.cieisp",
    "vigia.sources.victims_long",
    "vigia.sources.conapo",
    "vigia.sources.inegi",
    "vigia.sources.envipe",
    "vigia.sources.wjp",
    "vigia.sources.budget",
    "vigia.sources.curated",
)
DATA_SUFFIXES = {".csv", ".xlsx", ".xls", ".txt", ".tsv", ".gz", ".bz2", ".zip"}


class NotRecognised(VigiaError):
    """The file is not a layout any reader knows (a PDF dictionary, a README…)."""


@dataclass
class Staged:
    source: str
    dataset: str
    vintage: dt.date
    rows: int
    origin: dict
    note: str = ""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _frame_readers():
    for name in FRAME_READERS:
        try:
            yield importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise


def stage_file(con: duckdb.DuckDBPyConnection, path: Path, vintage: dt.date | None) -> Staged:
    """Recognise and stage one file. Raises NotRecognised for files no reader claims."""
    clear_stage(con)
    fmt = sniff_format(path)
    if fmt in ("pdf", "binary") or (fmt != "empty" and path.suffix.lower() not in DATA_SUFFIXES and fmt != "html"):
        raise NotRecognised(f"{path.name}: not a data file ({fmt})")
    fmt = require_tabular(path)
    if fmt == "csv":
        found = sesnsp.sniff_csv_layout(path)
        if found is not None:
            layout, v, rows, note = sesnsp.read_into(con, path, "csv", vintage)
            return Staged(sesnsp.SOURCE, layout.dataset, v, rows, {}, note)
    elif fmt == "xlsx":
        try:
            layout, v, rows, note = sesnsp.read_into(con, path, "xlsx", vintage)
            return Staged(sesnsp.SOURCE, layout.dataset, v, rows, {}, note)
        except HeaderError:
            raise
        except FileError as exc:
            if "no sheet has a SESNSP header" not in exc.problem:
                raise
    elif fmt == "zip":
        raise FileError(str(path), "zip archives are unpacked by `vigia update`; unpack it and ingest the files.",
                        expected="a CSV or XLSX file")
    head = head_bytes(path, 65536)
    for reader in _frame_readers():
        if reader.detect(path, head):
            frame = reader.read(path)
            # One module may read several layouts (state and municipal tables…): the frame says which.
            attrs = frame.attrs
            dataset = attrs.get("dataset", reader.DATASET)
            v = vintage or getattr(reader, "vintage_of", lambda p, f: None)(path, frame)
            if v is None:
                v = frame["period"].max().date().replace(day=1) if len(frame) else dt.date.today().replace(day=1)
            stage_frame(con, frame, dataset=dataset)
            origin = {"licence": attrs.get("licence", getattr(reader, "LICENCE", None)),
                      "citation": attrs.get("citation", getattr(reader, "CITATION", None))}
            return Staged(attrs.get("source", reader.SOURCE), dataset, v, len(frame), origin)
    raise NotRecognised(f"{path.name}: no reader recognises this layout")
