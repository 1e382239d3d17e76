"""Commands over the indicator catalogue: indicators, series --indicator, compare, rank."""

from __future__ import annotations

import pandas as pd
import typer

from vigia.cli.app import friendly
from vigia.cli.options import FormatOpt, VintageOpt
from vigia.output import OutputFormat, emit
from vigia.store import open_store


def indicator_series(*, indicator: str, geo: list[str] | None, freq: str, unit: str, start: str | None,
                     end: str | None, vintage: str | None, fmt: OutputFormat, changes: bool = False) -> None:
    """`vigia series --indicator …`: one frame per geography, concatenated."""
    from vigia.indicators.compute import IndicatorQuery, add_changes
    from vigia.indicators.compute import indicator_series as compute

    with open_store(read_only=True) as store:
        frames = []
        for g in geo or ["00"]:
            frame = compute(store.con, IndicatorQuery(indicator=indicator, geo=g, freq=freq, unit=unit, start=start,
                                                      end=end, vintage=vintage))
            frames.append(add_changes(frame, freq) if changes else frame)
        out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        sources = frames[0].attrs.get("sources", [])
        ind = frames[0].attrs.get("indicator")
        breaks = [b for f in frames for b in f.attrs.get("breaks", [])]
        caption = _caption(sources, breaks)
        emit(out, fmt, title=ind.label_es + " / " + ind.label_en if ind else indicator, caption=caption)


def _caption(sources: list[dict], breaks: list[dict]) -> str:
    vint = sorted({s["vintage"] for s in sources})
    text = "Fuente / Source: " + ("; ".join(f"{s['source'].upper()} {s['file_name']} ({s['vintage']})"
                                            for s in sources[-3:]) if sources else "—")
    if len(sources) > 3:
        text += f" … ({len(sources)} releases, vintages {vint[0]}–{vint[-1]})"
    if breaks:
        text += ". Cambio de metodología / methodology break: " + ", ".join(
            f"{b['period']} ({b['methodology']})" for b in breaks)
    return text


@friendly
def indicators(
    fmt: OutputFormat = FormatOpt,
    measure: str = typer.Option(None, "--measure", help="Only this measure: carpetas, victimas, …"),
) -> None:
    """List the indicator catalogue (ids, labels in Spanish and English, measure, unit)."""
    from vigia.indicators.catalog import comparability
    from vigia.indicators.catalog import indicators as catalogue

    rows = []
    for ind in catalogue():
        if measure and ind.measure != measure:
            continue
        flags = comparability(ind) if ind.kind == "sesnsp" else {}
        rows.append({"id": ind.id, "label_es": ind.label_es, "label_en": ind.label_en, "measure": ind.measure,
                     "unit": ind.unit, "kind": ind.kind, "datasets": ",".join(ind.datasets),
                     "instruments": ",".join(f"{k}:{v}" for k, v in sorted(flags.items())), "notes": ind.notes})
    emit(pd.DataFrame(rows), fmt, title="Indicadores / Indicators")


@friendly
def compare(
    indicator: str = typer.Option(..., "--indicator", "-i", help="Catalogue indicator id."),
    by: str = typer.Option("administration", "--by", help="Only 'administration' for now."),
    align_months: int = typer.Option(24, "--align-months", help="Compare the first N months of each term."),
    geo: str = typer.Option("00", "--geo", "-g", help="National (00) or a state."),
    include_partial: bool = typer.Option(False, "--include-partial", help="Also terms the data covers in part."),
    vintage: str = VintageOpt,
    fmt: OutputFormat = FormatOpt,
) -> None:
    """Compare presidential administrations at the same month of term (totals, means, rates, change)."""
    from vigia.analysis.administrations import compare as run
    from vigia.errors import QueryError

    if by != "administration":
        raise QueryError("by", f"'{by}' is not a comparison.", ["administration"])
    with open_store(read_only=True) as store:
        frame = run(store.con, indicator, align_months=align_months, geo=geo, vintage=vintage,
                    include_partial=include_partial)
        emit(frame, fmt, title=f"{indicator}: primeros {align_months} meses de cada sexenio / first {align_months} "
             "months of each term", caption=_caption(frame.attrs.get("sources", []), []))


@friendly
def rank(
    indicator: str = typer.Option(..., "--indicator", "-i", help="Catalogue indicator id."),
    period: str = typer.Option(..., "--period", help="YYYY, YYYY-MM or a range YYYY-MM:YYYY-MM."),
    unit: str = typer.Option("rate", "--unit", help="count | rate | rate_annualized."),
    compare_to: str = typer.Option(None, "--compare-to", help="Another period: adds the change and its rank."),
    vintage: str = VintageOpt,
    fmt: OutputFormat = FormatOpt,
) -> None:
    """Rank the 32 states by count or rate for a period (1 = highest)."""
    from vigia.analysis.administrations import rank as run

    with open_store(read_only=True) as store:
        frame = run(store.con, indicator, period=period, unit=unit, vintage=vintage, compare_to=compare_to)
        emit(frame, fmt, title=f"{indicator} — {period}", caption=_caption(frame.attrs.get("sources", []), []))


@friendly
def geographies(
    municipal: str = typer.Option(None, "--municipal", help="List the municipalities of this state (code or name)."),
    fmt: OutputFormat = FormatOpt,
) -> None:
    """The geography catalogue: INEGI codes, official and common names, aliases (or a state's municipalities)."""
    from vigia.geo.catalog import STATES, resolve_geo
    from vigia.geo.municipalities import municipalities

    if municipal:
        state = resolve_geo(municipal, parameter="municipal", allow_municipal=False)
        rows = [{"code": c, "name": n, "state": st} for c, (n, st) in municipalities().items() if st == state]
        emit(pd.DataFrame(rows), fmt, title=f"Municipios / Municipalities — {state}")
        return
    rows = [{"code": "00", "name": "Nacional", "short_name": "Nacional", "abbreviation": "",
             "aliases": "nacional|national"}]
    rows += [{"code": st.code, "name": st.name, "short_name": st.short_name, "abbreviation": st.abbreviation,
              "aliases": "|".join(st.aliases)} for st in STATES]
    emit(pd.DataFrame(rows), fmt, title="Geografías / Geographies")


def register(app: typer.Typer) -> None:
    app.command()(geographies)
    app.command()(indicators)
    app.command()(compare)
    app.command()(rank)
