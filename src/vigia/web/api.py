"""The read-only HTTP API (/api/…), documented by OpenAPI at /openapi.json.

Table endpoints answer {"data": [...], "sources": [...], "source_line": {...}, "meta": {...}, "query": {...}};
?format=csv gives the rows as CSV (sources in the X-Vigia-Sources header). Encoded answers are cached
per query: the store does not change while the server runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from enum import Enum
from typing import Any

from fastapi import APIRouter, Body, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from vigia import __version__
from vigia.analysis import RULES
from vigia.errors import QueryError
from vigia.indicators import catalog
from vigia.web import quality, service, timeline
from vigia.web.backend import Backend
from vigia.web.encode import dumps
from vigia.web.i18n import source_line
from vigia.web.optional import call_with
from vigia.web.params import (
    DATASET,
    DAY,
    GEO,
    NAME,
    PERIOD,
    PERIOD_RANGE,
    VINTAGE,
    EndQ,
    Format,
    FormatQ,
    Freq,
    GeoQ,
    IndicatorId,
    Lang,
    RankUnit,
    StartQ,
    Unit,
    VintageQ,
)


class ApiError(BaseModel):
    error: str
    parameter: str | None = None
    choices: list[str] = []


class Source(BaseModel):
    model_config = ConfigDict(extra="allow")
    source: str | None = None
    dataset: str | None = None
    vintage: str | None = None
    file_name: str | None = None
    sha256: str | None = None


class Table(BaseModel):
    data: list[dict[str, Any]]
    sources: list[Source]
    source_line: dict[str, str]
    meta: dict[str, Any]
    query: dict[str, Any]


class ClaimRequest(BaseModel):
    text: str = Field(..., min_length=1, max_length=20_000, description="Text with figures to check.")
    lang: str | None = Field(None, pattern="^(es|en)$", description="Language of the text; default: detected.")


ERRORS = {400: {"model": ApiError}, 404: {"model": ApiError}, 422: {"model": ApiError}}
TABLE = {200: {"model": Table, "content": {"text/csv": {"schema": {"type": "string"}}}}}

router = APIRouter(prefix="/api", responses=ERRORS)


def _backend(request: Request) -> Backend:
    return request.app.state.backend


def _context(request: Request) -> bool:
    return request.app.state.optional.context


def _json(body: bytes) -> Response:
    return Response(body, media_type="application/json")


def _table_payload(result: service.Result, query: dict) -> dict:
    return {"data": result.records(), "sources": result.sources,
            "source_line": {"es": source_line(result.sources, "es"), "en": source_line(result.sources, "en")},
            "meta": result.meta, "query": query}


async def _table(request: Request, key: tuple, build: Callable[[Any], service.Result], query: dict,
                 fmt: Format = Format.json) -> Response:
    backend = _backend(request)
    if fmt is Format.csv:
        def csv(_con) -> tuple[str, str]:
            result = backend.compute(key, build)
            header = "; ".join(f"{s.get('file_name')} ({s.get('vintage')}, sha256 {str(s.get('sha256'))[:12]})"
                               for s in result.sources)
            return result.csv(), header.encode("ascii", "replace").decode("ascii")
        text, header = await backend.acompute((*key, "csv"), csv)
        return Response(text, media_type="text/csv; charset=utf-8", headers={"X-Vigia-Sources": header})
    body = await backend.acompute((*key, "json"), lambda _con: dumps(_table_payload(backend.compute(key, build),
                                                                                      query)))
    return _json(body)


def _echo(args: dict) -> dict:
    """The query as the caller would write it (indicator, not indicator_id)."""
    return {("indicator" if k == "indicator_id" else k): v for k, v in args.items()}


def _v(value):
    """Enum members to their values, for cache keys and echoed queries."""
    return getattr(value, "value", value)


# -- catalogue ----------------------------------------------------------------------------------------

@router.get("/status", tags=["about"], summary="Version, store and optional modules")
async def status(request: Request) -> dict:
    backend = _backend(request)
    return {"version": __version__, "store": backend.store.label, "read_only": True,
            "store_opened_read_only": backend.store.read_only,
            "optional": request.app.state.optional.as_dict(),
            "cache": {"entries": len(backend.cache), "hits": backend.cache.hits, "misses": backend.cache.misses}}


@router.get("/indicators", tags=["catalogue"], summary="The indicator catalogue")
async def indicators(request: Request) -> dict:
    return {"data": service.indicator_list(context=_context(request))}


@router.get("/indicators/{indicator}", tags=["catalogue"], summary="One indicator")
async def indicator(request: Request, indicator: str = Path(..., max_length=80)) -> dict:
    ind = catalog.get(indicator)
    return next(i for i in service.indicator_list(context=_context(request)) if i["id"] == ind.id)


@router.get("/geographies", tags=["catalogue"], summary="National and the 32 states, with codes and aliases")
async def geographies() -> dict:
    return {"data": service.geographies()}


@router.get("/geographies/{geo}", tags=["catalogue"], summary="Resolve a state name or code")
async def geography(geo: str = Path(..., max_length=40)) -> dict:
    code = service.state_geo(geo)
    return next(g for g in service.geographies() if g["code"] == code)


# -- series and comparisons ---------------------------------------------------------------------------

@router.get("/series", tags=["series"], summary="An indicator for one geography", responses=TABLE,
            response_model=Table)
async def series(
    request: Request,
    indicator: IndicatorId = Query(IndicatorId(service.DEFAULT_INDICATOR), description="Catalogue id."),
    geo: str = GeoQ,
    freq: Freq = Query(Freq.year),
    unit: Unit = Query(Unit.count, description="count, rate (per 100,000), rate_annualized or share (% of national)."),
    start: str | None = StartQ,
    end: str | None = EndQ,
    vintage: str | None = VintageQ,
    changes: bool = Query(False, description="Add period-over-period and year-over-year change (%)."),
    format: Format = FormatQ,  # noqa: A002 - the public parameter name
) -> Response:
    args = dict(indicator_id=_v(indicator), geo=geo, freq=_v(freq), unit=_v(unit), start=start, end=end,
                vintage=vintage, changes=changes)
    context = _context(request)
    key = ("series", *args.values())
    return await _table(request, key, lambda con: service.series(con, **args, context=context),
                        _echo(args), format)


@router.get("/rankings", tags=["series"], summary="States ranked by count or rate over a period", responses=TABLE,
            response_model=Table)
async def rankings(
    request: Request,
    indicator: IndicatorId = Query(IndicatorId(service.DEFAULT_INDICATOR)),
    period: str = Query("2024", pattern=PERIOD_RANGE, description="YYYY, YYYY-MM or YYYY-MM:YYYY-MM."),
    unit: RankUnit = Query(RankUnit.rate),
    vintage: str | None = VintageQ,
    compare_to: str | None = Query(None, pattern=PERIOD_RANGE, description="Another period: adds the change."),
    format: Format = FormatQ,  # noqa: A002
) -> Response:
    args = dict(indicator_id=_v(indicator), period=period, unit=_v(unit), vintage=vintage, compare_to=compare_to)
    context = _context(request)
    return await _table(request, ("rankings", *args.values()),
                        lambda con: service.rankings(con, **args, context=context),
                        _echo(args), format)


@router.get("/administrations", tags=["administrations"], summary="Presidential terms")
async def administrations() -> dict:
    return {"data": timeline.administration_list()}


@router.get("/administrations/compare", tags=["administrations"], responses=TABLE, response_model=Table,
            summary="Totals, means and rates over the first N months of each term")
async def administrations_compare(
    request: Request,
    indicator: IndicatorId = Query(IndicatorId(service.DEFAULT_INDICATOR)),
    months: int = Query(24, ge=1, le=72),
    geo: str = GeoQ,
    vintage: str | None = VintageQ,
    include_partial: bool = Query(False),
    format: Format = FormatQ,  # noqa: A002
) -> Response:
    args = dict(indicator_id=_v(indicator), months=months, geo=geo, vintage=vintage, include_partial=include_partial)
    context = _context(request)
    return await _table(request, ("compare", *args.values()),
                        lambda con: service.compare(con, **args, context=context), _echo(args), format)


@router.get("/administrations/aligned", tags=["administrations"], responses=TABLE, response_model=Table,
            summary="Monthly values by month of term, one line per administration")
async def administrations_aligned(
    request: Request,
    indicator: IndicatorId = Query(IndicatorId(service.DEFAULT_INDICATOR)),
    months: int | None = Query(None, ge=1, le=72),
    geo: str = GeoQ,
    vintage: str | None = VintageQ,
    format: Format = FormatQ,  # noqa: A002
) -> Response:
    args = dict(indicator_id=_v(indicator), months=months, geo=geo, vintage=vintage)
    context = _context(request)
    return await _table(request, ("aligned", *args.values()),
                        lambda con: service.aligned(con, **args, context=context), _echo(args), format)


@router.get("/latest", tags=["series"], responses=TABLE, response_model=Table,
            summary="Latest published month of every SESNSP indicator, with its changes")
async def latest(request: Request, geo: str = GeoQ, format: Format = FormatQ) -> Response:  # noqa: A002
    context = _context(request)
    return await _table(request, ("latest", geo), lambda con: service.latest_changes(con, geo=geo, context=context),
                        {"geo": geo}, format)


# -- releases ------------------------------------------------------------------------------------------

@router.get("/releases", tags=["releases"], responses=TABLE, response_model=Table,
            summary="Every stored release with its file, sha256 and origin")
async def releases(request: Request, dataset: str | None = Query(None, pattern=DATASET),
                   format: Format = FormatQ) -> Response:  # noqa: A002
    return await _table(request, ("releases", dataset), lambda con: service.release_list(con, dataset=dataset),
                        {"dataset": dataset}, format)


@router.get("/revisions", tags=["releases"], responses=TABLE, response_model=Table,
            summary="Raw SESNSP cells (state × month) whose value changed between two vintages")
async def revisions(
    request: Request,
    dataset: str = Query("incidence", pattern=DATASET),
    from_vintage: str = Query(..., pattern=r"^[0-9]{4}-[0-9]{2}$", description="Older vintage, YYYY-MM."),
    to_vintage: str | None = Query(None, pattern=VINTAGE, description="Newer vintage; default latest."),
    geo: str | None = Query(None, pattern=GEO, description="A state; default every state."),
    subtype: str | None = Query(None, pattern=NAME, description="Subtipo de delito, e.g. Homicidio doloso."),
    type: str | None = Query(None, pattern=NAME, description="Tipo de delito."),  # noqa: A002
    modality: str | None = Query(None, pattern=NAME, description="Modalidad."),
    sex: str | None = Query(None, pattern=NAME, description="Sexo (victims)."),
    age: str | None = Query(None, pattern=NAME, description="Rango de edad (victims)."),
    start: str | None = StartQ,
    end: str | None = EndQ,
    include_new: bool = Query(False, description="Also cells first published by the newer vintage."),
    format: Format = FormatQ,  # noqa: A002
) -> Response:
    filters = {"subtype": subtype, "type": type, "modality": modality, "sex": sex, "age": age}
    args = dict(dataset=dataset, from_vintage=from_vintage, to_vintage=to_vintage, geo=geo, start=start, end=end,
                include_new=include_new)
    key = ("revisions", *args.values(), *filters.values())
    return await _table(request, key, lambda con: service.revisions(con, **args, filters=filters),
                        {**args, **filters}, format)


@router.get("/vintages", tags=["releases"], responses=TABLE, response_model=Table,
            summary="One figure (indicator × geography × period) as each stored release published it")
async def vintages(
    request: Request,
    indicator: IndicatorId = Query(IndicatorId(service.DEFAULT_INDICATOR)),
    geo: str = GeoQ,
    period: str = Query("2019", pattern=PERIOD, description="A year (YYYY) or a month (YYYY-MM)."),
    unit: RankUnit = Query(RankUnit.count, description="count or rate."),
    format: Format = FormatQ,  # noqa: A002
) -> Response:
    args = dict(indicator_id=_v(indicator), geo=geo, period=period, unit=_v(unit))
    context = _context(request)
    return await _table(request, ("vintages", *args.values()),
                        lambda con: service.vintages(con, **args, context=context), _echo(args), format)


# -- context -----------------------------------------------------------------------------------------

@router.get("/events", tags=["context"], summary="Curated, sourced security-policy events")
async def events(
    start: str | None = Query(None, pattern=DAY, description="YYYY, YYYY-MM or YYYY-MM-DD."),
    end: str | None = Query(None, pattern=DAY),
    geo: str | None = Query(None, pattern=GEO, description="A state (its events and the national ones)."),
    kind: str | None = Query(None, pattern=DATASET, description="policy, law, deployment, operation…"),
) -> dict:
    code = None if geo in (None, "") else service.state_geo(geo)
    return {"data": timeline.event_list(start=start, end=end, geo=code, kind=kind)}


@router.get("/quality", tags=["context"], responses=TABLE, response_model=Table,
            summary="Data-quality flags (silent reporting, negative cells, reclassification…)")
async def quality_flags(
    request: Request,
    geo: str | None = Query(None, pattern=GEO, description="A state; default every state."),
    rule: str | None = Query(None, pattern=DATASET, description=", ".join(RULES)),
    dataset: str | None = Query(None, pattern=DATASET),
    format: Format = FormatQ,  # noqa: A002
) -> Response:
    code = None if geo in (None, "", "*") else service.state_geo(geo)
    backend = _backend(request)
    service_fn = request.app.state.optional.quality

    def build(con) -> service.Result:
        flags, sources = backend.compute(("quality_all",), lambda c: quality.all_flags(c, service_fn))
        return service.Result(quality.filter_flags(flags, geo=code, rule=rule, dataset=dataset), sources,
                              {"rules": RULES})

    return await _table(request, ("quality", code, rule, dataset), build,
                        {"geo": code, "rule": rule, "dataset": dataset}, format)


# -- optional: claims and briefs ---------------------------------------------------------------------

def run_claims(request: Request, text: str, lang: str | None = None) -> list[dict]:
    """vigia.claims.check_text over the text: one record per numeric claim, with its verdict and release."""
    from vigia.web.encode import plain

    checker = request.app.state.optional.claims
    if checker is None:
        raise QueryError("text", "the claim checker is not available in this installation.", [])
    out = call_with(checker, _backend(request).cursor(), text, lang=lang)
    if hasattr(out, "to_dict") and not isinstance(out, list):  # a DataFrame
        out = out.to_dict(orient="records")
    return plain([r.to_dict() if hasattr(r, "to_dict") else dict(r) for r in (out or [])])


class BriefFormat(str, Enum):
    html = "html"
    markdown = "markdown"
    pdf = "pdf"


BRIEF_MEDIA = {"html": "text/html; charset=utf-8", "markdown": "text/markdown; charset=utf-8",
               "pdf": "application/pdf"}


def brief_bytes(optional, con, *, geo: str, administration: str | None, months: int | None, start: str | None,
                end: str | None, lang: str, vintage: str | None, fmt: str) -> bytes:
    code = service.state_geo(geo)
    made = call_with(optional.brief, con, geo=code, administration=administration, months=months, start=start,
                     end=end, lang=lang, vintage=vintage)
    if fmt == "pdf":
        return made.pdf()
    return (made.html() if fmt == "html" else made.markdown()).encode("utf-8")


def optional_router(optional) -> APIRouter:
    """Routes of the modules this installation has (claims, briefs); absent modules leave no route behind."""
    extra = APIRouter(prefix="/api", responses=ERRORS)
    if optional.claims is not None:
        @extra.post("/claims", tags=["claims"], summary="Check the figures in a text against the data")
        def check_claims(request: Request, body: ClaimRequest = Body(...)) -> dict:
            return {"data": run_claims(request, body.text, body.lang)}

    if optional.brief is not None:
        @extra.get("/brief", tags=["briefs"], summary="A brief with footnoted provenance (HTML, Markdown or PDF)",
                   responses={200: {"content": {v: {"schema": {"type": "string"}} for v in BRIEF_MEDIA.values()}}})
        async def brief(
            request: Request,
            geo: str = GeoQ,
            administration: str | None = Query(None, pattern=DATASET, description="A term id (lopez_obrador, "
                                               "sheinbaum…); default: the current term."),
            months: int | None = Query(None, ge=1, le=72, description="First N months of the administration."),
            start: str | None = StartQ,
            end: str | None = EndQ,
            lang: Lang = Query(Lang("es")),  # type: ignore[call-arg]
            vintage: str | None = VintageQ,
            format: BriefFormat = Query(BriefFormat.html),  # noqa: A002
        ) -> Response:
            args = dict(geo=geo, administration=administration, months=months, start=start, end=end,
                        lang=_v(lang), vintage=vintage, fmt=_v(format))
            # `generated` defaults to today inside the brief: today's date is part of the cache key.
            key = ("brief", dt.date.today().isoformat(), *args.values())
            body = await _backend(request).acompute(key, lambda con: brief_bytes(optional, con, **args))
            ext = {"html": "html", "markdown": "md", "pdf": "pdf"}[args["fmt"]]
            return Response(body, media_type=BRIEF_MEDIA[args["fmt"]],
                            headers={"Content-Disposition": f'inline; filename="vigia-brief.{ext}"'})
    return extra
