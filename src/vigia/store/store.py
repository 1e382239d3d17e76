"""The Store: one DuckDB file holding every release. Thin methods over engine and queries."""

from __future__ import annotations

import datetime as dt
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pandas as pd

from vigia.errors import VigiaError
from vigia.sources.vintage import parse_vintage
from vigia.store import queries
from vigia.store.engine import IngestReport, ReleaseMeta, clear_stage, commit_release
from vigia.store.schema import ensure_schema

# DuckDB spills to disk past this. A municipal ingest (30 M cells) peaks well below it: the staged labels are
# dropped before the diff (see sources/sesnsp.stage), so the limit is a guard for small machines, not a brake.
MEMORY_LIMIT = os.environ.get("VIGIA_MEMORY_LIMIT", "3GB")
# 64 KiB blocks (DuckDB's default is 256 KiB): a monthly release appends a little to several tables, and each
# rewritten tail block is left free once; smaller blocks waste less, and compress the data as well.
BLOCK_SIZE = os.environ.get("VIGIA_BLOCK_SIZE", "65536")


def _in_background(fn, *args):
    """Run fn at the lowest CPU priority (this thread only, on Linux; elsewhere as it is)."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    except (AttributeError, OSError):
        pass
    return fn(*args)


class Store:
    def __init__(self, path: Path | str, *, read_only: bool = False, label: str | None = None) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self.label = label or str(self.path)
        if read_only:
            self.con = duckdb.connect(str(self.path), read_only=True)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.con = duckdb.connect(str(self.path),
                                      config={"memory_limit": MEMORY_LIMIT, "default_block_size": BLOCK_SIZE})
            ensure_schema(self.con)

    # -- lifecycle ---------------------------------------------------------------------------
    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def is_empty(self) -> bool:
        return self.con.execute("SELECT count(*) FROM releases").fetchone()[0] == 0

    # -- ingest ------------------------------------------------------------------------------
    def has_release(self, sha256: str) -> bool:
        return self.con.execute("SELECT count(*) FROM releases WHERE sha256 = ?", [sha256]).fetchone()[0] > 0

    def ingest_path(self, path: Path | str, *, vintage: str | None = None, origin: dict | None = None) -> IngestReport:
        """Ingest one file atomically: it lands whole or not at all.

        Raises a VigiaError subclass for bad input, `NotRecognised` for files no reader knows.
        """
        path = Path(path)
        self._require_writable()
        try:
            return self._ingest_staged(path, parse_vintage(vintage) if vintage else None, origin)
        finally:
            clear_stage(self.con)  # the staged rows of a big file weigh hundreds of MB: not kept past the ingest

    def _ingest_staged(self, path: Path, wanted: dt.date | None, origin: dict | None) -> IngestReport:
        from vigia.sources.dispatch import sha256_of, stage_file

        # Hash while DuckDB parses: both release the GIL. The hashing thread runs at the lowest priority, so it
        # takes the cycles DuckDB leaves idle rather than a core DuckDB's own threads would use.
        with ThreadPoolExecutor(max_workers=1) as pool:
            sha_future = pool.submit(_in_background, sha256_of, path)
            try:
                staged = stage_file(self.con, path, wanted)
            finally:
                sha = sha_future.result()
        if self.has_release(sha):
            row = self.con.execute(
                "SELECT release_id, dataset, strftime(vintage, '%Y-%m') FROM releases WHERE sha256 = ?", [sha]
            ).fetchone()
            return IngestReport(release_id=row[0], dataset=row[1], vintage=row[2], file_name=path.name,
                                sha256=sha, skipped=True, note="already ingested (same sha256)")
        meta = ReleaseMeta(
            source=staged.source,
            dataset=staged.dataset,
            vintage=staged.vintage,
            file_name=path.name,
            sha256=sha,
            size_bytes=path.stat().st_size,
            row_count=staged.rows,
            origin={**staged.origin, **(origin or {})},
        )
        report = commit_release(self.con, meta)
        if staged.note and not report.note:
            report.note = staged.note
        return report

    def ingest_frame(self, meta: ReleaseMeta, frame: pd.DataFrame) -> IngestReport:
        """Ingest a tidy frame produced by code (a reader, a test, a derived source)."""
        from vigia.sources.frames import stage_frame

        self._require_writable()
        try:
            stage_frame(self.con, frame, dataset=meta.dataset)
            return commit_release(self.con, meta)
        finally:
            clear_stage(self.con)

    def _require_writable(self) -> None:
        if self.read_only:
            raise VigiaError(f"the store at {self.label} is open read-only; set VIGIA_HOME to a writable folder.")

    # -- queries -----------------------------------------------------------------------------
    def releases(self, dataset: str | None = None) -> pd.DataFrame:
        return queries.releases(self.con, dataset)

    def series(
        self,
        dataset: str = "incidence",
        *,
        geo: str | list[str] | None = "00",
        subtype: str | list[str] | None = None,
        type: str | list[str] | None = None,  # noqa: A002 - the SESNSP column is "Tipo de delito"
        bien: str | list[str] | None = None,
        modality: str | list[str] | None = None,
        sex: str | list[str] | None = None,
        age: str | list[str] | None = None,
        instrument: str | list[str] | None = None,
        start: str | None = None,
        end: str | None = None,
        freq: str = "month",
        vintage: str | None = None,
        by: tuple[str, ...] | list[str] = (),
    ) -> pd.DataFrame:
        """A tidy DataFrame (geo, period, value, categories, vintage) as published at `vintage`."""
        q = queries.SeriesQuery(
            dataset=dataset, geo=geo, start=start, end=end, freq=freq, vintage=vintage, by=tuple(by),
            filters={"subtype": subtype, "type": type, "bien": bien, "modality": modality, "sex": sex,
                     "age": age, "instrument": instrument},
        )
        return queries.series(self.con, q)

    def revisions(
        self,
        dataset: str = "incidence",
        *,
        from_vintage: str,
        to_vintage: str | None = None,
        geo: str | None = None,
        subtype: str | list[str] | None = None,
        type: str | list[str] | None = None,  # noqa: A002
        modality: str | list[str] | None = None,
        sex: str | list[str] | None = None,
        age: str | list[str] | None = None,
        start: str | None = None,
        end: str | None = None,
        include_new: bool = False,
    ) -> pd.DataFrame:
        filters = {"subtype": subtype, "type": type, "modality": modality, "sex": sex, "age": age}
        return queries.revisions(
            self.con, dataset=dataset, from_vintage=from_vintage, to_vintage=to_vintage, filters=filters,
            geo=geo, start=start, end=end, include_new=include_new,
        )

    def vintages(self, dataset: str | None = None) -> list[dt.date]:
        return [r[0] for r in self.con.execute(
            "SELECT DISTINCT vintage FROM releases WHERE (? IS NULL OR dataset = ?) ORDER BY 1", [dataset, dataset]
        ).fetchall()]
