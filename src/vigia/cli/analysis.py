"""Analysis commands: events, trend, changepoints, its (interrupted time series), quality.

Thin wrappers over vigia.analysis.service: read the options, call one function, print the result.
"""

from __future__ import annotations

import inspect
import json
import sys
import time
from pathlib import Path

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from vigia.cli.app import err_console, friendly
from vigia.cli.options import FormatOpt, FromOpt, ToOpt, VintageOpt
from vigia.output import OutputFormat, emit
from vigia.store import open_store

console = Console(width=None if sys.stdout.isatty() else 200)

MONTHS_ES = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
             "noviembre", "diciembre")

IndicatorOpt = typer.Option(..., "--indicator", "-i",
                            help="Indicador del catálogo / catalogue indicator, e.g. homicidio_doloso, "
                            "homicidio_doloso_victimas (see `vigia indicators`).")
GeoOneOpt = typer.Option("00", "--geo", "-g",
                         help="Entidad / state: 00 = nacional, 01–32 or a name ('Sinaloa', 'CDMX', 'Edomex').")
UnitOpt = typer.Option("count", "--unit", help="count (conteo) or rate (tasa por 100 mil hab., CONAPO).")
EventsFileOpt = typer.Option(None, "--events", help="Archivo YAML de eventos propio / your own events file "
                             "(same schema as the packaged timeline, docs/events.md).")


def _source_line(vintage: str | None, source: str = "SESNSP") -> str:
    if not vintage:
        return f"Fuente: {source}"
    year, month = vintage.split("-")[:2]
    return f"Fuente: {source}, corte a {MONTHS_ES[int(month) - 1]} de {year}"


def _user_events(path: Path | None) -> pd.DataFrame | None:
    if path is None:
        return None
    from vigia.events import load_events

    return load_events(path)


# --- events --------------------------------------------------------------------------------------------

@friendly
def events(
    start: str = typer.Option(None, "--from", help="Desde / from: YYYY, YYYY-MM or YYYY-MM-DD."),
    end: str = typer.Option(None, "--to", help="Hasta / to: YYYY, YYYY-MM or YYYY-MM-DD."),
    geo: str = typer.Option(None, "--geo", "-g", help="Entidad / state (code or name); 00 = national events "
                            "only. A state includes national events unless --only-state."),
    kind: str = typer.Option(None, "--kind", "-k", help="Tipo / kind: policy, law, deployment, operation, "
                             "violent_event, arrest, judicial, institutional, data_change."),
    only_state: bool = typer.Option(False, "--only-state", "--solo-estado",
                                    help="With --geo: leave out national events."),
    file: Path = typer.Option(None, "--file", help="Leer este archivo YAML en vez del incluido / read this "
                              "YAML file instead of the packaged timeline; validated the same way."),
    fmt: OutputFormat = FormatOpt,
) -> None:
    """Cronología de eventos de seguridad / timeline of security events (sourced, 2006–2026).

    Columns: id, date, end_date, kind, kind_es, geo, title_es, title_en, summary, source_url (first
    source) and sources (every source URL). A malformed --file is reported with its line and field.
    """
    from vigia.analysis.service import events_for

    frame = events_for(file, start=start, end=end, geo=geo, kind=kind, include_national=not only_state)
    if fmt is OutputFormat.table:
        emit(frame[["date", "kind_es", "geo", "title_es", "source_url"]], fmt,
             title="Eventos / Events", caption=f"{len(frame)} eventos — {frame.attrs.get('source_file')}",
             console=console)
    else:
        emit(frame, fmt)


# --- trend ---------------------------------------------------------------------------------------------

@friendly
def trend(
    indicator: str = IndicatorOpt,
    geo: str = GeoOneOpt,
    start: str = FromOpt,
    end: str = ToOpt,
    vintage: str = VintageOpt,
    unit: str = UnitOpt,
    log: bool = typer.Option(False, "--log", help="Descomponer log(valores): estacionalidad multiplicativa."),
    robust: bool = typer.Option(True, "--robust/--no-robust", help="Restar peso a meses atípicos (default on)."),
    fmt: OutputFormat = FormatOpt,
) -> None:
    """Tendencia y estacionalidad (STL) / trend and seasonality of a monthly indicator.

    Default period 2015-01..2024-12 (CNSP/38/15); a period that crosses a methodology change is refused.
    Columns: period, observed, trend, seasonal, resid, adjusted (= observed − seasonal).
    """
    from vigia.analysis.service import trend_for

    with open_store(read_only=True) as store:
        frame = trend_for(store.con, indicator, geo, start=start, end=end, vintage=vintage, unit=unit, log=log,
                          robust=robust)
    caption = (f"Fuerza estacional / seasonal strength {frame.attrs['seasonal_strength']:.2f}; "
               f"fuerza de tendencia / trend strength {frame.attrs['trend_strength']:.2f}. "
               f"{_source_line(frame.attrs['vintage'])}")
    if fmt is OutputFormat.table:
        cols = ["period", "observed", "trend", "seasonal", "resid", "adjusted"]
        emit(frame[cols], fmt, title=f"Tendencia / Trend — {indicator}, {frame['geo_name'].iloc[0]}",
             caption=caption, console=console)
    else:
        emit(frame, fmt)


# --- changepoints --------------------------------------------------------------------------------------

@friendly
def changepoints(
    indicator: str = IndicatorOpt,
    geo: str = GeoOneOpt,
    start: str = typer.Option(None, "--from", help="Primer mes / first month (YYYY or YYYY-MM); default 2015-01."),
    end: str = typer.Option(None, "--to", help="Último mes / last month (YYYY or YYYY-MM); default 2024-12."),
    vintage: str = VintageOpt,
    unit: str = UnitOpt,
    exclude_silent: bool = typer.Option(
        False, "--exclude-silent", "--excluir-silencios",
        help="Nacional: dejar fuera, todo el periodo, las entidades con meses de silencio en el reporte "
        "(p. ej. Oaxaca 2015) / national: leave out states with flagged silent months, for the whole period."),
    events_file: Path = EventsFileOpt,
    penalty: float = typer.Option(None, "--penalty", help="PELT penalty (squared units); default BIC-style, "
                                  "adjusted for autocorrelation."),
    min_size: int = typer.Option(6, "--min-size", help="Meses mínimos por segmento / months per segment."),
    n_boot: int = typer.Option(200, "--bootstrap", help="Réplicas bootstrap para la confianza (0 = sin)."),
    seed: int = typer.Option(0, "--seed", help="Semilla del bootstrap / bootstrap seed."),
    fmt: OutputFormat = FormatOpt,
) -> None:
    """Cambios de nivel (PELT) con el evento más cercano / level breaks with their nearest event.

    Each break: date (first month of the new level), before/after means (seasonally adjusted),
    change_pct, confidence (bootstrap stability, not a p-value), nearest_event and days_to_event.
    Proximity is not attribution. States with silent-reporting months are reported on stderr.
    """
    from vigia.analysis.service import changepoints_for

    with open_store(read_only=True) as store:
        frame = changepoints_for(store.con, indicator, geo, start, end, vintage, unit=unit,
                                 exclude_silent=exclude_silent, events=_user_events(events_file), penalty=penalty,
                                 min_size=min_size, n_boot=n_boot, seed=seed)
    _warn_silent(frame.attrs)
    if fmt is OutputFormat.table:
        cols = ["date", "before_mean", "after_mean", "change_pct", "confidence", "nearest_event",
                "nearest_event_date", "days_to_event"]
        emit(frame[cols], fmt, title=f"Cambios de nivel / Changepoints — {indicator}, {frame.attrs['geo_name']}",
             caption=f"{frame.attrs['start']}..{frame.attrs['end']}; {len(frame)} cambios. "
             f"{_source_line(frame.attrs['vintage'])}", console=console)
    else:
        emit(frame, fmt)


def _warn_silent(attrs: dict) -> None:
    from vigia.geo import state_name

    silent = pd.DataFrame(attrs.get("silent", []))
    if silent.empty:
        return
    excluded = attrs.get("excluded_geos", [])
    for code, part in silent.groupby("geo"):
        months = ", ".join(part["period"])
        if code in excluded:
            err_console.print(f"Nota: {state_name(code)} se excluyó de la suma nacional (meses de silencio: "
                              f"{months}).", highlight=False, soft_wrap=True)
        else:
            err_console.print(f"Aviso: {state_name(code)} reportó meses en silencio ({months}); la serie los cuenta "
                              "como 0. Use --exclude-silent para dejar fuera la entidad / silent months are "
                              "counted as 0.", highlight=False, soft_wrap=True)


# --- interrupted time series ---------------------------------------------------------------------------

@friendly
def its(
    indicator: str = IndicatorOpt,
    geo: str = GeoOneOpt,
    date: str = typer.Option(..., "--date", "-d", help="Fecha del evento / event date: YYYY-MM (the 1st) or "
                             "YYYY-MM-DD (its month is then left out as a transition month)."),
    pre: int = typer.Option(48, "--pre", help="Meses antes / months before (at least 12)."),
    post: int = typer.Option(48, "--post", help="Meses después / months after (at least 6)."),
    vintage: str = VintageOpt,
    population: bool = typer.Option(True, "--population/--no-population",
                                    help="Población CONAPO como offset (efectos sobre tasas) / CONAPO offset."),
    family: str = typer.Option("negbin", "--family", help="negbin (default) or poisson."),
    placebo: bool = typer.Option(True, "--placebo/--no-placebo", help="Prueba placebo en el periodo previo."),
    events_file: Path = EventsFileOpt,
    fmt: OutputFormat = FormatOpt,
) -> None:
    """Serie de tiempo interrumpida / interrupted time series: did the level or trend change at a date?

    Segmented negative-binomial regression with month-of-year effects. level_change is relative
    (0.20 = +20%) with its 95% interval ci_low..ci_high; slope_change is the change in monthly
    growth; placebo_p compares the effect with fake dates in the pre-period. JSON prints one object.
    """
    from vigia.analysis.service import its_for

    with open_store(read_only=True) as store:
        result = its_for(store.con, indicator, geo, date, pre_months=pre, post_months=post, vintage=vintage,
                         population=population, family=family, placebo=placebo, events=_user_events(events_file))
    if fmt is OutputFormat.json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
        return
    flat = {k: (" | ".join(v) if k in ("caveats", "caveats_en") else v) for k, v in result.items()
            if k not in ("silent", "sources")}
    if fmt is OutputFormat.csv:
        emit(pd.DataFrame([flat]), fmt)
        return
    _print_its(result)


def _print_its(r: dict) -> None:
    table = Table(title=f"Serie interrumpida / ITS — {r['indicator']}, {r['geo_name']}, {r['date']}")
    table.add_column("")
    table.add_column("")
    pct = "{:+.1%}".format
    rows = [
        ("Cambio de nivel / level change",
         f"{pct(r['level_change'])} (IC 95%: {pct(r['ci_low'])} a {pct(r['ci_high'])})"),
        ("Cambio de pendiente / slope change", f"{pct(r['slope_change'])} por mes (IC 95%: {pct(r['slope_ci_low'])}"
                                               f" a {pct(r['slope_ci_high'])})"),
        ("p (nivel) / p-value", f"{r['p_value']:.3g}"),
        ("p placebo", "—" if r["placebo_p"] is None else f"{r['placebo_p']:.3f} ({r['placebo_n']} fechas)"),
        ("Media antes → después / mean", f"{r['pre_mean']:,.1f} → {r['post_mean']:,.1f} al mes"),
        ("Meses / months", f"{r['n_pre']} antes, {r['n_post']} después ({r['window_start']}..{r['window_end']})"),
        ("Modelo / model", f"{r['family']}, errores {r['cov_type']}, offset de población: "
                           f"{'sí' if r['population_offset'] else 'no'}"),
    ]
    for label, value in rows:
        table.add_row(label, value)
    table.caption = _source_line(r.get("vintage"))
    console.print(table)
    for note in r["caveats"]:
        console.print(f"• {note}", highlight=False, soft_wrap=True)


# --- quality -------------------------------------------------------------------------------------------

@friendly
def quality(
    vintage: str = VintageOpt,
    dataset: str = typer.Option("incidence", "--dataset", "-d",
                                help="incidence (carpetas), victims or municipal_incidence."),
    geo: str = typer.Option(None, "--geo", "-g", help="Sólo las banderas de esta entidad / only this state's "
                            "flags (the rules still see every state)."),
    instrument: str = typer.Option(None, "--instrument", help="cieisp, cnsp or rnid; default all (run apart)."),
    start: str = FromOpt,
    end: str = ToOpt,
    rule: list[str] = typer.Option(None, "--rule", help="Sólo esta regla (repeat): silent_reporting, "
                                   "negative_value, reclassification, large_revision, sesnsp_inegi_divergence."),
    severity: str = typer.Option(None, "--severity", help="Severidad mínima / minimum severity: low, medium, high."),
    fmt: OutputFormat = FormatOpt,
) -> None:
    """Banderas de calidad de datos / data-quality flags over every state, as published at a vintage.

    Rules: silent_reporting (all-zero or blank state-months), negative_value, reclassification
    (a category drops while a sibling rises), large_revision (between consecutive stored vintages),
    sesnsp_inegi_divergence (yearly SESNSP/INEGI homicide ratio jumps; needs INEGI in the store).
    Flags are prompts to look, not verdicts. Columns: geo, geo_name, period, period_end, rule, rule_es,
    severity, dataset, instrument, subtipo, evidence, vintage.
    """
    from vigia.analysis import RULES
    from vigia.analysis.service import quality_for
    from vigia.errors import QueryError

    levels = {"low": 0, "medium": 1, "high": 2}
    if severity is not None and severity not in levels:
        raise QueryError("severity", f"'{severity}' is not a severity.", list(levels))
    for r in rule or []:
        if r not in RULES:
            raise QueryError("rule", f"'{r}' is not a rule.", list(RULES))
    began = time.perf_counter()
    with open_store(read_only=True) as store:
        frame = quality_for(store.con, vintage, dataset, geo, instrument=instrument, start=start, end=end)
    elapsed = time.perf_counter() - began
    if rule:
        frame = frame[frame["rule"].isin(rule)]
    if severity is not None:
        frame = frame[frame["severity"].map(levels) >= levels[severity]]
    counts = ", ".join(f"{RULES[k]}: {n}" for k, n in frame["rule"].value_counts().sort_index().items())
    err_console.print(f"{len(frame)} banderas / flags ({counts or 'ninguna'}) en {elapsed:.1f} s.",
                      highlight=False, soft_wrap=True)
    if fmt is OutputFormat.table:
        cols = ["geo_name", "period", "period_end", "rule_es", "severity", "instrument", "evidence"]
        cuts = frame[["instrument", "vintage"]].drop_duplicates().itertuples(index=False)
        caption = "Fuente: SESNSP; cortes / cut-offs: " + (", ".join(f"{i} {v}" for i, v in cuts) or "—")
        emit(frame[cols], fmt, title=f"Calidad de datos / Data quality — {dataset}", caption=caption,
             console=console)
    else:
        emit(frame, fmt)


def _help(func) -> str:
    """The docstring with each paragraph on one line: Typer keeps single line breaks, so help wraps raggedly."""
    paragraphs = inspect.cleandoc(func.__doc__ or "").split("\n\n")
    return "\n\n".join(" ".join(p.split()) for p in paragraphs)


def register(app: typer.Typer) -> None:
    for command in (events, trend, changepoints, its, quality):
        app.command(help=_help(command))(command)
