"""`vigia update`: the command line over update(). Registered on the main Typer app by register(app)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from vigia.errors import VigiaError
from vigia.update.update import STATUS_LABELS, UpdateResult, update

_HELP = """Descarga lo nuevo de las fuentes oficiales y lo guarda con su origen.
Fetch what is new from the official sources and store it with its origin.

Without SOURCE, every source with a known download URL is checked; `--dry-run` lists what would be
fetched without touching the network or the disk. A file the store already holds (same sha256) is
skipped; a URL that answers 304 Not Modified is not downloaded at all. Tuning for slow links:
VIGIA_HTTP_TIMEOUT, VIGIA_HTTP_RETRIES, VIGIA_HTTP_BACKOFF, VIGIA_HTTP_DEADLINE (see docs/updating.md)."""


def register(app: typer.Typer) -> None:
    """Add the `update` command to the main app."""

    @app.command("update", help=_HELP)
    def update_command(
        sources: list[str] | None = typer.Argument(
            None, metavar="SOURCE", help="Fuente(s) del registro / registry source id(s), e.g. "
            "sesnsp-estatal-delitos. Default: every source with a download URL."),
        url: str | None = typer.Option(
            None, "--url", help="Descargar esta URL / fetch this URL instead of the registry's (a source "
            "that moved). With --file: only recorded as the file's origin."),
        file: Path | None = typer.Option(
            None, "--file", help="Ingerir este archivo local / ingest this local file (CSV, XLSX, XLS or "
            "zip), e.g. one downloaded in a browser past a bot check."),
        dry_run: bool = typer.Option(
            False, "--dry-run", help="Solo mostrar / only list what would be fetched; writes nothing."),
        vintage: str | None = typer.Option(
            None, "--vintage", help="Corte / cut-off month YYYY-MM: fetch that release (fills the registry's "
            "URL patterns) and record it as the release's vintage."),
    ) -> None:
        out = Console()
        err = Console(stderr=True)
        try:
            store = None if dry_run else _open_store()
            try:
                results = update(store, sources or None, url=url, file=file, dry_run=dry_run, vintage=vintage,
                                 console=err)
            finally:
                if store is not None and hasattr(store, "close"):
                    store.close()
        except VigiaError as exc:
            done = [r for r in getattr(exc, "results", []) if r.status != "failed"]
            if done:
                out.print(_table(done))
            err.print(f"[bold red]Error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            err.print("[bold red]Error:[/] interrupted; no partial release was stored (a .part file is kept "
                      "and the next run resumes it).", highlight=False, soft_wrap=True)
            raise typer.Exit(130) from None
        if dry_run:
            out.print(_plan_table(results))
            out.print("[dim]Simulación: no se descargó ni escribió nada / dry run: nothing fetched or "
                      "written.")
            return
        out.print(_table(results))
        out.print(_summary(results))


def _open_store():
    from vigia.store import open_store

    try:
        return open_store(fallback=False)  # never the read-only embedded snapshot: we write
    except TypeError:
        return open_store()


def _table(results: list[UpdateResult]) -> Table:
    table = Table(title="Actualización / update", title_justify="left")
    for name in ("Fuente", "Archivo", "Estado", "Corte", "Nuevas", "Revisadas", "Retiradas", "Sin cambio"):
        table.add_column(name, justify="right" if name in ("Nuevas", "Revisadas", "Retiradas", "Sin cambio")
                         else "left", overflow="fold")
    for r in results:
        counts = [str(n) for n in (r.new, r.revised, r.retracted, r.unchanged)]
        if r.status != "new":
            counts = [""] * 4
        table.add_row(r.source or "—", r.file_name or r.url or "—", STATUS_LABELS.get(r.status, r.status),
                      r.vintage or "", *counts)
    return table


def _plan_table(results: list[UpdateResult]) -> Table:
    table = Table(title="Se descargaría / would fetch", title_justify="left")
    for name in ("Fuente", "URL", "Corte", "Cómo / how"):
        table.add_column(name, overflow="fold")
    for r in results:
        table.add_row(r.source or "—", r.url or r.file_name or "—", r.vintage or "", r.message)
    return table


def _summary(results: list[UpdateResult]) -> str:
    new = sum(r.status == "new" for r in results)
    if not new:
        return "Nada nuevo / nothing new."
    return f"{new} versión(es) nueva(s) guardada(s) / {new} new release(s) stored."
