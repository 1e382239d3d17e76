"""`vigia snapshot`: build the embedded offline snapshot from a data folder."""

from __future__ import annotations

from pathlib import Path

import typer

from vigia.cli.app import friendly

snapshot_app = typer.Typer(help="The embedded snapshot used when your store is empty.", no_args_is_help=True)

@snapshot_app.command("build")
@friendly
def build(
    data: Path = typer.Option(Path("../shared/data"), "--data", help="The folder of official files."),
    out: Path = typer.Option(None, "--out", help="Where to write (default: inside the installed package)."),
) -> None:
    """Build the snapshot from the latest incidence and victims releases (and other sources) in --data."""
    from vigia.snapshot import build_snapshot, snapshot_files

    manifest = build_snapshot(snapshot_files(data), out)
    typer.echo(f"snapshot: {manifest['bytes']:,} bytes from {manifest['built_from']}")


def register(app: typer.Typer) -> None:
    app.add_typer(snapshot_app, name="snapshot")
