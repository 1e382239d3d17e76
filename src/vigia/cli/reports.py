"""`vigia brief`: a verifiable brief for a geography and a period, as Markdown, HTML, PDF or JSON."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path

import typer

from vigia.cli.app import fail, friendly
from vigia.cli.options import FromOpt, ToOpt, VintageOpt


class BriefFormat(str, Enum):
    md = "md"
    html = "html"
    pdf = "pdf"
    json = "json"


class Lang(str, Enum):
    es = "es"
    en = "en"


@friendly
def brief(
    geo: str = typer.Option("00", "--geo", "-g", help="National (00) or a state, by INEGI code or name."),
    administration: str = typer.Option(None, "--administration", "-a",
                                       help="A presidential term (lopez_obrador/amlo, sheinbaum, pena_nieto…)."),
    months: int = typer.Option(None, "--months", help="With --administration: its first N months (default: all)."),
    start: str = FromOpt,
    end: str = ToOpt,
    lang: Lang = typer.Option(Lang.es, "--lang", "-l", help="Language of the brief: es (default) or en."),
    fmt: BriefFormat = typer.Option(BriefFormat.md, "--format", "-f", help="md, html, pdf or json."),
    out: Path = typer.Option(None, "--out", "-o", help="Output file (default: standard output). With --format md "
                             "the charts are written as SVG files to <name>_figures/ beside it."),
    generated: str = typer.Option(None, "--generated", help="Generation date printed in the brief (YYYY-MM-DD; "
                                  "default today). Fix it to get byte-identical output."),
    vintage: str = VintageOpt,
    geometry: Path = typer.Option(None, "--geometry", help="State GeoJSON for the map (else the packaged one, "
                                  "else $VIGIA_GEOMETRY)."),
    quality: bool = typer.Option(True, "--quality/--no-quality", help="Run the data-quality checks (slow on "
                                 "stores holding many releases)."),
) -> None:
    """Write a brief: headline figures by year, the previous term at the same month, states ranked by rate and
    change, perception and rule of law, events, data-quality warnings and charts; every number footnoted
    with its release (file, vintage, sha256) and formula."""
    from vigia.reports import brief as make_brief
    from vigia.store import open_store

    if fmt is BriefFormat.pdf and out is None and sys.stdout.isatty():
        fail("a PDF is binary: give --out FILE (or redirect the output).")
    with open_store(read_only=True) as store:
        doc = make_brief(store.con, geo=geo, administration=administration, months=months, start=start, end=end,
                         lang=lang.value, generated=generated, vintage=vintage, geometry=geometry, quality=quality)
    if fmt is BriefFormat.pdf:
        payload = doc.pdf()
    elif fmt is BriefFormat.md:
        payload = doc.markdown(figure_dir=out.parent / f"{out.stem}_figures" if out is not None else None).encode()
    else:
        payload = (doc.html() if fmt is BriefFormat.html else doc.json()).encode()
    if out is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(payload)
        sys.stdout.flush()
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(payload)
    if out is not None:
        typer.echo(f"{out} ({len(doc.footnotes)} notes, {len(doc.sources)} releases cited)", err=True)


def register(app: typer.Typer) -> None:
    app.command(name="brief")(brief)
