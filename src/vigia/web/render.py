"""Server-side rendering: the Jinja environment, number formats, chart data embedding and the page frame
(navigation, language switch, sources footer) every page shares."""

from __future__ import annotations

import json
import math
from functools import lru_cache
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from vigia import __version__
from vigia.web.encode import plain
from vigia.web.i18n import LABELS, lang_of, month_label, source_line, t

NAV = (("nav_overview", "/"), ("nav_map", "/mapa"), ("nav_states", "/estados"),
       ("nav_administrations", "/sexenios"), ("nav_vintages", "/versiones"), ("nav_claims", "/verificador"),
       ("nav_api", "/api-docs"))


def fmt_number(value, digits: int | None = None) -> str:
    """Mexican convention: comma thousands, point decimals; counts without decimals, rates with one or two."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    value = float(value)
    if digits is None:
        digits = 0 if value.is_integer() or abs(value) >= 1000 else (1 if abs(value) >= 10 else 2)
    return f"{value:,.{digits}f}"


def fmt_pct(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{float(value):+.1f} %"


def to_js(value) -> Markup:
    """JSON safe inside <script type="application/json">: no '<', '>', '&' or quote can close the element."""
    text = json.dumps(plain(value), ensure_ascii=False, allow_nan=False)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027")):
        text = text.replace(ch, esc)
    return Markup(text)


def sparkline(values: list[float], width: int = 120, height: int = 32) -> Markup:
    """A tiny inline SVG line: no script needed for the headline cards."""
    pts = [v for v in values if v is not None and not math.isnan(v)]
    if len(pts) < 2:
        return Markup("")
    lo, hi = min(pts), max(pts)
    span = (hi - lo) or 1.0
    step = width / (len(pts) - 1)
    coords = " ".join(f"{i * step:.1f},{height - 2 - (v - lo) / span * (height - 4):.1f}" for i, v in enumerate(pts))
    return Markup(f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
                  f'aria-hidden="true"><polyline fill="none" stroke="currentColor" stroke-width="1.5" '
                  f'points="{coords}"/></svg>')


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=PackageLoader("vigia.web", "templates"), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(num=fmt_number, pct=fmt_pct, js=to_js, month=month_label, spark=sparkline)
    env.globals.update(version=__version__, nav=NAV)
    return env


def url_with(request: Request, path: str | None = None, **params) -> str:
    """`path` (default: the current one) with the current query string, `params` replacing keys (None drops)."""
    query = dict(request.query_params)
    for key, value in params.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    if path is not None:  # navigation keeps only the language
        query = {k: v for k, v in query.items() if k == "lang" or k in params}
    text = urlencode(query)
    return (path or request.url.path) + (f"?{text}" if text else "")


def page(request: Request, template: str, *, title: str, sources: list[dict] | None = None, status: int = 200,
         **context) -> HTMLResponse:
    lang = lang_of(request.query_params.get("lang"))
    sources = sources or []

    def label(key: str) -> str:
        return t(key, lang)

    def link(path: str, **params) -> str:
        if lang == "en":
            params.setdefault("lang", "en")
        return url_with(request, path, **params)

    html = environment().get_template(template).render(
        request=request, lang=lang, t=label, link=link, title=title, sources=sources,
        source_line=source_line(sources, lang), page_name=template.removesuffix(".html"),
        switch_url=url_with(request, lang=None if lang == "en" else "en"),
        labels_js={k: (v[1] if lang == "en" else v[0]) for k, v in LABELS.items()},
        store_label=short_label(request.app.state.backend.store.label), **context)
    return HTMLResponse(html, status_code=status)


def short_label(label: str, limit: int = 90) -> str:
    """The store's label for the footer: the embedded snapshot lists every file it holds, too long to show."""
    return label if len(label) <= limit else label[:limit - 1].rstrip(" ,(") + "…)"


def error_page(request: Request, status: int, message: str, choices: list[str]) -> HTMLResponse:
    lang = lang_of(request.query_params.get("lang"))
    title = t("not_found" if status == 404 else "bad_request", lang)
    return page(request, "error.html", title=title, status=status, message=message, choices=choices[:60])
