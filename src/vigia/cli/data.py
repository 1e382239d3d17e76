"""Commands over raw SESNSP data: ingest, releases, series, revisions."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from vigia.cli.app import err_console, fail, friendly
from vigia.cli.options import FormatOpt, FromOpt, GeoOpt, ToOpt, VintageOpt
from vigia.errors import VigiaError
from vigia.output import OutputFormat, emit
from vigia.sources.sniff import sniff_format
from vigia.store import open_store

console = Console(width=None if sys.stdout.isatty() else 200)


def _unzip(archive: Path, dest: Path) -> list[Path]:
    """The data members of a checked archive, unpacked under dest (damaged zips are refused whole)."""
    from vigia.update.content import check_archive, unpack

    check_archive(archive)
    return unpack(archive, dest, label=archive.name)


def _expand(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files.extend(sorted(f for f in p.rglob("*") if f.is_file() and not f.name.startswith(".")))
        elif p.exists():
            files.append(p)
        else:
            fail(f"{p}: no such file or folder.")
    return files


@friendly
def ingest(
    paths: list[Path] = typer.Argument(..., help="Files or folders (searched recursively) to ingest."),
    vintage: str = typer.Option(None, "--vintage", help="Cut-off month YYYY-MM, overriding the file name."),
    fmt: OutputFormat = FormatOpt,
) -> None:
    """Ingest official files (SESNSP CSV/XLSX and the other known sources).

    Each file lands atomically on its own: a bad file leaves the store as it was. Files no reader
    recognises (a PDF dictionary, say) are listed as skipped. Exit status is 1 when any file failed.
    """
    from vigia.sources.dispatch import NotRecognised

    files = _expand(paths)
    store = open_store(fallback=False)
    rows, failed = [], 0
    progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=err_console, transient=True)

    def one(path: Path, label: str) -> None:
        nonlocal failed
        try:
            r = store.ingest_path(path, vintage=vintage)
            status = "skipped (already stored)" if r.skipped else (
                "revised" if (r.revised or r.retracted) else "new" if r.new else "unchanged")
            rows.append({"file": label, "status": status, "dataset": r.dataset, "vintage": r.vintage,
                         "cells": r.cells, "new": r.new, "revised": r.revised, "retracted": r.retracted,
                         "unchanged": r.unchanged, "flags": r.flags, "message": r.note})
        except NotRecognised as exc:
            rows.append({"file": label, "status": "skipped (not recognised)", "message": str(exc)})
        except VigiaError as exc:
            failed += 1
            rows.append({"file": label, "status": "failed", "message": str(exc)})

    with store, progress, tempfile.TemporaryDirectory(prefix="vigia-unzip-") as scratch:
        task = progress.add_task("Ingesting", total=len(files))
        for f in files:
            progress.update(task, description=f"Ingesting {f.name}")
            if sniff_format(f) == "zip":  # SESNSP publishes zips: each data member lands on its own
                try:
                    members = _unzip(f, Path(scratch) / f.name)
                except VigiaError as exc:
                    failed += 1
                    rows.append({"file": f.name, "status": "failed", "message": str(exc)})
                    members = []
                for m in members:
                    one(m, f"{f.name}/{m.name}")
            else:
                one(f, f.name)
            progress.advance(task)
    import pandas as pd

    frame = pd.DataFrame(rows)
    for col in ("cells", "new", "revised", "retracted", "unchanged", "flags"):
        if col in frame.columns:
            frame[col] = frame[col].astype("Int64")
    if fmt is OutputFormat.table:
        _print_summary(frame)
    else:
        emit(frame, fmt)
    for r in rows:
        if r["status"] == "failed":
            err_console.print(f"[bold red]Error:[/] {r['message']}", highlight=False, soft_wrap=True)
    if failed:
        raise typer.Exit(1)


SUMMARY_COLUMNS = ("file", "status", "dataset", "vintage", "new", "revised", "retracted", "unchanged", "flags")


def _summary_cell(value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{int(value):,}"
    return str(value)


def _print_summary(frame) -> None:
    table = Table(title="Ingest / Ingesta")
    for col in SUMMARY_COLUMNS:
        table.add_column(col, justify="left" if col in ("file", "status", "dataset", "vintage") else "right")
    for r in frame.to_dict(orient="records"):
        table.add_row(*[_summary_cell(r.get(c)) for c in SUMMARY_COLUMNS])
    console.print(table)
    for r in frame.to_dict(orient="records"):
        if r.get("message") and r.get("status") not in ("failed",):
            console.print(f"[dim]{r['file']}: {r['message']}[/]")


@friendly
def releases(
    dataset: str = typer.Option(None, "--dataset", "-d", help="Only this dataset."),
    fmt: OutputFormat = FormatOpt,
) -> None:
    """List stored releases with their provenance (vintage, file, sha256, origin)."""
    with open_store(read_only=True) as store:
        frame = store.releases(dataset)
        if fmt is OutputFormat.table:
            frame = frame[["release_id", "dataset", "vintage", "file_name", "sha256", "row_count", "new_cells",
                           "revised_cells", "ingested_at"]].assign(sha256=lambda f: f["sha256"].str[:12])
        emit(frame, fmt, title=f"Releases / Publicaciones — {store.label}")


def _series_raw(
    dataset: str, geo: list[str] | None, subtype: list[str] | None, type_: list[str] | None, bien: str | None,
    modality: list[str] | None, sex: list[str] | None, age: list[str] | None, freq: str, start: str | None,
    end: str | None, vintage: str | None, by: list[str] | None, fmt: OutputFormat,
) -> None:
    with open_store(read_only=True) as store:
        frame = store.series(
            dataset, geo=(geo or ["00"]), subtype=subtype, type=type_, bien=bien, modality=modality, sex=sex,
            age=age, freq=freq, start=start, end=end, vintage=vintage, by=by or (),
        )
        vint = frame["vintage"].iloc[0] if len(frame) else "—"
        emit(frame, fmt, title=f"SESNSP {dataset}", caption=f"Fuente / Source: SESNSP, corte a {vint} ({store.label})")


@friendly
def series(
    dataset: str = typer.Option("incidence", "--dataset", "-d",
                                help="incidence (carpetas), victims, municipal_incidence."),
    indicator: str = typer.Option(None, "--indicator", "-i", help="A catalogue indicator id (see `vigia indicators`)."),
    geo: list[str] = GeoOpt,
    subtype: list[str] = typer.Option(None, "--subtype", help="Subtipo de delito, e.g. 'Homicidio doloso'."),
    type_: list[str] = typer.Option(None, "--type", help="Tipo de delito, e.g. 'Robo'."),
    bien: str = typer.Option(None, "--bien", help="Bien jurídico afectado."),
    modality: list[str] = typer.Option(None, "--modality", help="Modalidad, e.g. 'Con arma de fuego'."),
    sex: list[str] = typer.Option(None, "--sex", help="Sexo (victims): Hombre, Mujer, No identificado."),
    age: list[str] = typer.Option(None, "--age", help="Rango de edad (victims)."),
    freq: str = typer.Option("month", "--freq", help="month or year."),
    unit: str = typer.Option("count", "--unit", help="count | rate | rate_annualized | share (indicators)."),
    start: str = FromOpt,
    end: str = ToOpt,
    vintage: str = VintageOpt,
    by: list[str] = typer.Option(None, "--by", help="Keep a category column: subtipo, modalidad, sexo, edad…"),
    changes: bool = typer.Option(False, "--changes", help="Add period-over-period and year-over-year change (%)."),
    fmt: OutputFormat = FormatOpt,
) -> None:
    """A series at any vintage: raw SESNSP categories, or a catalogue indicator with --indicator."""
    if indicator:
        from vigia.cli.indicators import indicator_series  # the catalogue layer, when installed

        indicator_series(indicator=indicator, geo=geo, freq=freq, unit=unit, start=start, end=end,
                         vintage=vintage, fmt=fmt, changes=changes)
        return
    _series_raw(dataset, geo, subtype, type_, bien, modality, sex, age, freq, start, end, vintage, by, fmt)


@friendly
def revisions(
    dataset: str = typer.Option("incidence", "--dataset", "-d", help="incidence, victims, municipal_incidence."),
    from_vintage: str = typer.Option(..., "--from-vintage", help="Older vintage (YYYY-MM)."),
    to_vintage: str = typer.Option(None, "--to-vintage", help="Newer vintage (YYYY-MM); default latest."),
    geo: str = typer.Option(None, "--geo", "-g", help="One state (code or name); default every state."),
    subtype: list[str] = typer.Option(None, "--subtype", help="Subtipo de delito."),
    type_: list[str] = typer.Option(None, "--type", help="Tipo de delito."),
    modality: list[str] = typer.Option(None, "--modality", help="Modalidad."),
    sex: list[str] = typer.Option(None, "--sex", help="Sexo (victims)."),
    age: list[str] = typer.Option(None, "--age", help="Rango de edad (victims)."),
    start: str = FromOpt,
    end: str = ToOpt,
    include_new: bool = typer.Option(False, "--include-new", help="Also list cells published in only one vintage."),
    fmt: OutputFormat = FormatOpt,
) -> None:
    """What changed between two vintages: state-month cells with old and new values."""
    with open_store(read_only=True) as store:
        frame = store.revisions(dataset, from_vintage=from_vintage, to_vintage=to_vintage, geo=geo,
                                subtype=subtype, type=type_, modality=modality, sex=sex, age=age, start=start,
                                end=end, include_new=include_new)
        total = frame["change"].sum() if len(frame) else 0
        emit(frame, fmt, title="Revisions / Revisiones",
             caption=f"{len(frame):,} cells changed; net change {total:+,}")


def register(app: typer.Typer) -> None:
    app.command()(ingest)
    app.command()(releases)
    app.command()(series)
    app.command()(revisions)
