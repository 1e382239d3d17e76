"""Commands over the context sources: `vigia reconcile` (SESNSP victims vs INEGI homicide deaths).

Context indicators themselves (ENVIPE, WJP, INEGI deaths, budget) are answered by
`vigia series --indicator <id>` through the indicator catalogue; `vigia indicators` lists them.
"""

from __future__ import annotations

import typer

from vigia.cli.app import fail, friendly
from vigia.cli.options import FormatOpt, VintageOpt
from vigia.output import OutputFormat, emit
from vigia.store import open_store


@friendly
def reconcile(
    year: int = typer.Option(..., "--year", "-y", help="Year to reconcile (full years both sources cover)."),
    geo: list[str] = typer.Option(None, "--geo", "-g", help="Only these geographies (00 = national; code or "
                                  "name). Default: the nation and the 32 states."),
    flagged: bool = typer.Option(False, "--flagged", help="Only the states whose ratio moved abnormally."),
    vintage: str = VintageOpt,
    fmt: OutputFormat = FormatOpt,
) -> None:
    """SESNSP victims (homicidio doloso + feminicidio) vs INEGI homicide deaths: ratio, score, flags.

    score = 100 × (1 − ½·min(1, |1 − ratio|) − ½·min(1, |ln(ratio / previous ratio)|)); a state is
    flagged when the change of its ratio is an outlier among the states (robust z ≥ 3.5).
    """
    from vigia.analysis.reconcile import reconcile as run
    from vigia.geo import resolve_geo

    if year < 1900 or year > 2100:
        fail(f"--year {year} is not a plausible year.")
    with open_store(read_only=True) as store:
        frame = run(store.con, year, vintage=vintage)
    attrs = dict(frame.attrs)
    if geo:
        wanted = {resolve_geo(g, allow_municipal=False) for g in geo}
        frame = frame[frame["geo"].isin(wanted)]
    if flagged:
        frame = frame[frame["flag"]]
    frame = frame.assign(year=frame["year"].astype(str))  # a label, not a quantity: no thousands separator
    frame.attrs = attrs
    emit(frame, fmt, title=f"Violencia letal {year}: SESNSP (víctimas) vs INEGI (defunciones) / lethal violence",
         caption=_caption(attrs))


def _caption(attrs: dict) -> str:
    files = "; ".join(f"{s['source'].upper()} {s['file_name']} ({s['vintage']})" for s in attrs.get("sources", []))
    return f"{attrs.get('formula', '')}. Fuente / Source: {files or '—'}"


def register(app: typer.Typer) -> None:
    app.command()(reconcile)
