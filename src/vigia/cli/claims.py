"""`vigia check`: find the numeric claims of an article and check each against every stored release."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import typer

from vigia.cli.app import err_console, fail, friendly
from vigia.cli.options import FormatOpt
from vigia.output import OutputFormat, emit

TABLE_COLUMNS = ("id", "text", "verdict", "indicator", "measure", "geo", "period", "vintage", "matched_value",
                 "latest_value", "explanation")


@friendly
def check(
    file: str = typer.Argument(..., help="Markdown or plain-text article (Spanish or English); '-' reads stdin."),
    fmt: OutputFormat = FormatOpt,
    annotated: Path = typer.Option(None, "--annotated", "-a",
                                   help="Also write an annotated copy of the text: out.md (Markdown) or out.html."),
    lang: str = typer.Option(None, "--lang", help="Language of the text and the explanations: es | en "
                             "(default: detected)."),
    strict: bool = typer.Option(False, "--strict", help="Exit with status 1 when a claim is contradicted."),
) -> None:
    """Check the figures of an article: counts, percentages, ranks, rates and changes.

    Each claim is searched in every stored release, under both measures (carpetas and victims) and the
    context sources (INEGI, ENVIPE, WJP, budget), and gets a verdict: exact, within_0.5pct, within_2pct,
    contradicted or unverifiable, with the matching series, release and a one-line explanation.
    """
    from vigia.claims.annotate import write_annotated
    from vigia.claims.check import check_text, read_text
    from vigia.claims.model import FIELDS
    from vigia.claims.vocabulary import detect_lang
    from vigia.store import open_store

    if lang is not None and lang not in ("es", "en"):
        fail(f"--lang must be 'es' or 'en', not '{lang}'.")
    text = read_text(file)
    lang = lang or detect_lang(text)
    with open_store(read_only=True) as store:
        claims = check_text(store.con, text, lang)
    name = "<stdin>" if file == "-" else file
    if annotated is not None:
        write_annotated(annotated, text, claims, lang, title=Path(name).name)
        err_console.print(f"Annotated copy written to {annotated}", highlight=False)
    if not claims:
        message = (f"No numeric claims found in {name}." if lang == "en"
                   else f"No se encontraron cifras que verificar en {name} / no numeric claims found.")
        if fmt is OutputFormat.json:
            sys.stdout.write("[]\n")
            err_console.print(message, highlight=False)
        elif fmt is OutputFormat.csv:
            sys.stdout.write(",".join(FIELDS) + "\n")
            err_console.print(message, highlight=False)
        else:
            typer.echo(message)
        return
    records = [c.to_dict() for c in claims]
    if fmt is OutputFormat.json:
        sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=1) + "\n")
    else:
        frame = pd.DataFrame(records, columns=list(FIELDS), dtype=object)  # object: counts stay integers
        if fmt is OutputFormat.table:
            frame = frame[list(TABLE_COLUMNS)]
        counts = frame["verdict"].value_counts()
        caption = " · ".join(f"{v}: {counts[v]}" for v in ("exact", "within_0.5pct", "within_2pct", "contradicted",
                                                           "unverifiable") if v in counts)
        emit(frame, fmt, title=f"Verificación de cifras / claim check — {name}", caption=caption)
    if strict and any(c.verdict == "contradicted" for c in claims):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command()(check)
