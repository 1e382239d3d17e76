"""Dashboard pages, server-rendered. Each page computes through the same service functions and cache keys
as the API (so a page view warms the API and the other way round) and ends with its sources."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from vigia.errors import QueryError
from vigia.geo.catalog import NATIONAL, STATES
from vigia.indicators import catalog
from vigia.web import service, timeline
from vigia.web.backend import Backend
from vigia.web.i18n import LABELS, lang_of, t
from vigia.web.render import page

router = APIRouter(include_in_schema=False)

HEADLINE = ("homicidio_doloso_victimas", "feminicidio_victimas", "homicidio_doloso", "secuestro", "extorsion",
            "robo_vehiculo")
TERM_MONTHS = (12, 24, 36, 48, 60, 72)
VERDICT_KEYS = frozenset(k for k in LABELS if k.startswith("verdict_"))
VINTAGES_DEFAULT = "homicidio_doloso"  # carpetas: the most stored releases, so the most revisions to see


def _backend(request: Request) -> Backend:
    return request.app.state.backend


def _context(request: Request) -> bool:
    return request.app.state.optional.context


def _lang(request: Request) -> str:
    return lang_of(request.query_params.get("lang"))


def _series(request: Request, indicator: str, geo: str, freq: str, unit: str) -> service.Result:
    context = _context(request)
    key = ("series", indicator, geo, freq, unit, None, None, None, False)  # the API's key for the same query
    return _backend(request).compute(key, lambda con: service.series(
        con, indicator_id=indicator, geo=geo, freq=freq, unit=unit, start=None, end=None, vintage=None,
        context=context))


def _rankings(request: Request, indicator: str, period: str, unit: str) -> service.Result:
    context = _context(request)
    return _backend(request).compute(("rankings", indicator, period, unit, None, None), lambda con: service.rankings(
        con, indicator_id=indicator, period=period, unit=unit, vintage=None, compare_to=None, context=context))


def _latest(request: Request, geo: str) -> service.Result:
    context = _context(request)
    return _backend(request).compute(("latest", geo),
                                     lambda con: service.latest_changes(con, geo=geo, context=context))


def _full_years(request: Request, indicator: str) -> list[str]:
    frame = _series(request, indicator, NATIONAL, "year", "count").frame
    if "months" in frame:
        frame = frame[frame["months"] == 12]
    return sorted(frame["period"].astype(str), reverse=True)


def _map_indicators(request: Request) -> list[catalog.Indicator]:
    context = _context(request)
    return [i for i in catalog.indicators() if i.rateable and i.additive and (i.kind == "sesnsp" or context)]


def _indicator_options(request: Request, lang: str, *, rateable: bool = True, sesnsp_only: bool = True) -> list[dict]:
    context = _context(request)
    usable = (lambda i: i.kind == "sesnsp") if sesnsp_only else (lambda i: i.kind == "sesnsp" or context)
    return [{"id": i.id, "label": i.label(lang)} for i in catalog.indicators()
            if (i.rateable or not rateable) and usable(i)]


def _indicator_param(request: Request, value: str | None, *, rateable: bool = True) -> catalog.Indicator:
    return service.indicator(value or service.DEFAULT_INDICATOR, context=_context(request), rateable=rateable)


def _geo_options(lang: str) -> list[dict]:
    return [{"code": NATIONAL, "label": t("national", lang)}] + [{"code": s.code, "label": s.short_name}
                                                                  for s in STATES]


# -- pages ---------------------------------------------------------------------------------------------

@router.get("/", response_class=HTMLResponse)
def overview(request: Request, indicator: str | None = None) -> HTMLResponse:
    lang = _lang(request)
    ind = _indicator_param(request, indicator)
    latest = _latest(request, NATIONAL)
    rows = latest.records()
    cards = [r for ind_id in HEADLINE for r in rows if r["indicator"] == ind_id]
    trend = _series(request, ind.id, NATIONAL, "month", "count")
    events = timeline.event_list(start=None, end=None, geo=NATIONAL, kind=None)
    chart = {"indicator": ind.id, "label": ind.label(lang), "unit": ind.unit, "data": trend.records(),
             "administrations": timeline.administration_list(),
             "events": [e for e in events if "00" in e["geo"]]}
    return page(request, "overview.html", title=t("nav_overview", lang), sources=service.merge_sources(
        latest.sources, trend.sources), cards=cards, rows=rows, chart=chart,
        options=_indicator_options(request, lang), selected=ind.id)


@router.get("/mapa", response_class=HTMLResponse)
def map_page(request: Request, indicator: str | None = None, period: str | None = None,
             unit: str = "rate") -> HTMLResponse:
    lang = _lang(request)
    ind = _indicator_param(request, indicator)
    unit = service.choice("unit", unit, ("rate", "count"))
    years = {i.id: _full_years(request, i.id) for i in _map_indicators(request)}
    if not years.get(ind.id):
        raise QueryError("indicator", f"'{ind.id}' has no complete year to map.", [k for k, v in years.items() if v])
    period = period or years[ind.id][0]
    ranking = _rankings(request, ind.id, period, unit)
    data = {"indicator": ind.id, "period": period, "unit": unit, "label": ind.label(lang),
            "rows": ranking.records(), "years": years,
            "labels": {i.id: i.label(lang) for i in _map_indicators(request)}}
    return page(request, "map.html", title=t("nav_map", lang), sources=ranking.sources, data=data,
                options=[{"id": i.id, "label": i.label(lang)} for i in _map_indicators(request)],
                selected=ind.id, period=period, unit=unit, year_options=years[ind.id])


@router.get("/estados", response_class=HTMLResponse)
def states_page(request: Request) -> HTMLResponse:
    lang = _lang(request)
    ind = catalog.get(service.DEFAULT_INDICATOR)
    year = _full_years(request, ind.id)[0]
    ranking = _rankings(request, ind.id, year, "rate")
    return page(request, "states.html", title=t("nav_states", lang), sources=ranking.sources,
                rows=ranking.records(), year=year, indicator_label=ind.label(lang))


@router.get("/estado/{geo}", response_class=HTMLResponse)
def state_page(request: Request, geo: str, indicator: str | None = None) -> HTMLResponse:
    lang = _lang(request)
    code = service.state_geo(geo)
    if code == NATIONAL:
        return RedirectResponse(request.url_for("overview").include_query_params(**request.query_params))
    ind = _indicator_param(request, indicator)
    state_rate = _series(request, ind.id, code, "year", "rate")
    national_rate = _series(request, ind.id, NATIONAL, "year", "rate")
    monthly = _series(request, ind.id, code, "month", "count")
    years = _full_years(request, ind.id)
    rank_row, year = None, None
    if years:
        year = years[0]
        ranking = _rankings(request, ind.id, year, "rate")
        rank_row = next((r for r in ranking.records() if r["geo"] == code), None)
    events = timeline.event_list(start=None, end=None, geo=code, kind=None, include_national=False)
    chart = {"indicator": ind.id, "label": ind.label(lang), "unit": ind.unit, "state": service.geo_name(code),
             "state_rate": state_rate.records(), "national_rate": national_rate.records(),
             "monthly": monthly.records(), "administrations": timeline.administration_list(), "events": events}
    return page(request, "state.html", title=service.geo_name(code), sources=service.merge_sources(
        state_rate.sources, national_rate.sources, monthly.sources), code=code, name=service.geo_name(code),
        chart=chart, rank=rank_row, year=year, events=events, briefs=request.app.state.optional.brief is not None,
        options=_indicator_options(request, lang), selected=ind.id)


@router.get("/sexenios", response_class=HTMLResponse)
def administrations_page(request: Request, indicator: str | None = None, geo: str = NATIONAL,
                         months: int = 24) -> HTMLResponse:
    lang = _lang(request)
    ind = _indicator_param(request, indicator)
    code = service.state_geo(geo)
    months = int(service.choice("months", str(months), tuple(str(m) for m in TERM_MONTHS)))
    context = _context(request)
    backend = _backend(request)
    table = backend.compute(("compare", ind.id, months, code, None, True), lambda con: service.compare(
        con, indicator_id=ind.id, months=months, geo=code, vintage=None, include_partial=True, context=context))
    lines = backend.compute(("aligned", ind.id, months, code, None), lambda con: service.aligned(
        con, indicator_id=ind.id, months=months, geo=code, vintage=None, context=context))
    chart = {"indicator": ind.id, "label": ind.label(lang), "unit": ind.unit, "rows": lines.records(),
             "geo_name": service.geo_name(code)}
    return page(request, "administrations.html", title=t("nav_administrations", lang),
                sources=service.merge_sources(table.sources, lines.sources), rows=table.records(), chart=chart,
                options=_indicator_options(request, lang), selected=ind.id, geo=code, geos=_geo_options(lang),
                months=months, month_options=TERM_MONTHS)


@router.get("/versiones", response_class=HTMLResponse)
def vintages_page(request: Request, indicator: str | None = None, geo: str = NATIONAL, period: str = "2019",
                  unit: str = "count") -> HTMLResponse:
    lang = _lang(request)
    ind = _indicator_param(request, indicator or VINTAGES_DEFAULT)
    code = service.state_geo(geo)
    context = _context(request)
    period = period.strip()
    if not (len(period) in (4, 7) and period[:4].isascii() and period[:4].isdigit()):
        raise QueryError("period", f"'{period}' is not a year or a month.", ["YYYY", "YYYY-MM"])
    result = _backend(request).compute(("vintages", ind.id, code, period, unit), lambda con: service.vintages(
        con, indicator_id=ind.id, geo=code, period=period, unit=unit, context=context))
    chart = {"indicator": ind.id, "label": ind.label(lang), "rows": result.records(), "period": period,
             "geo_name": service.geo_name(code), "unit": unit}
    return page(request, "vintages.html", title=t("nav_vintages", lang), sources=result.sources,
                rows=result.records(), chart=chart, options=_indicator_options(request, lang), selected=ind.id,
                geo=code, geos=_geo_options(lang), period=period, unit=unit)


@router.get("/verificador", response_class=HTMLResponse)
def claims_page(request: Request) -> HTMLResponse:
    lang = _lang(request)
    return page(request, "claims.html", title=t("nav_claims", lang),
                available=request.app.state.optional.claims is not None, text="", results=None,
                verdict_keys=VERDICT_KEYS)


@router.post("/verificador", response_class=HTMLResponse)
def claims_check(request: Request, text: str = Form("", max_length=20_000)) -> HTMLResponse:
    from vigia.web.api import run_claims

    lang = _lang(request)
    available = request.app.state.optional.claims is not None
    results = run_claims(request, text) if available and text.strip() else None
    files = sorted({r["source"] for r in results or [] if r.get("source")})
    sources = _backend(request).compute(("release_files", *files), lambda con: service.releases_of_files(con, files))
    return page(request, "claims.html", title=t("nav_claims", lang), available=available, text=text,
                results=results, sources=sources, verdict_keys=VERDICT_KEYS)


@router.get("/api-docs", response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    lang = _lang(request)
    schema = request.app.openapi()
    endpoints = []
    for path, methods in schema.get("paths", {}).items():
        for method, op in methods.items():
            params = [{"name": p["name"], "in": p["in"], "required": p.get("required", False),
                       "description": p.get("description", ""), "schema": _schema_text(p.get("schema", {}))}
                      for p in op.get("parameters", [])]
            endpoints.append({"method": method.upper(), "path": path, "summary": op.get("summary", ""),
                              "params": params, "body": "requestBody" in op})
    return page(request, "api.html", title=t("api_title", lang), endpoints=endpoints)


def _schema_text(schema: dict) -> str:
    if "anyOf" in schema:
        return " | ".join(_schema_text(s) for s in schema["anyOf"] if s.get("type") != "null")
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    text = schema.get("type", "")
    if "pattern" in schema:
        text += f" ~ {schema['pattern']}"
    if "default" in schema and schema["default"] is not None:
        text += f" (default {schema['default']})"
    return text
