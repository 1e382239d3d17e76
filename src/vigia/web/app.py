"""The app factory: one FastAPI app over one read-only store, with the API, the pages and the static files.

Nothing is fetched from outside: plotly.min.js is served from the installed plotly package, the map
geometry ships in vigia/web/static, and a Content-Security-Policy of 'self' makes the browser refuse any
other origin, so a page that tried to reach a CDN would fail visibly in the tests instead of silently.
"""

from __future__ import annotations

import logging
import threading
from contextlib import asynccontextmanager
from pathlib import Path

import plotly
from fastapi import FastAPI
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.gzip import GZipMiddleware

from vigia import __version__
from vigia.store import Store, open_store
from vigia.web import api, errors, pages
from vigia.web.backend import Backend
from vigia.web.optional import detect

log = logging.getLogger("vigia.web")

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
PLOTLY_URL = f"/static/plotly-{plotly.__version__}.min.js"  # versioned, so it can be cached for good
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
# Inline rather than a static file: the package data patterns ship .json/.css/.js, not .svg.
FAVICON = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><circle cx="16" cy="16" r="14" '
           'fill="#7a1f2b"/><path d="M9 17l4 4 10-11" fill="none" stroke="#fff" stroke-width="3"/></svg>')
DESCRIPTION = """Read-only API over Vigía's store of official Mexican public-security statistics (SESNSP, CONAPO,
INEGI, ENVIPE, WJP, federal budget). Every answer lists the releases (file, vintage, sha256) its numbers come from.
Invalid input answers 4xx with {"error", "parameter", "choices"}."""


class SecurityHeaders:
    """Pure ASGI middleware (cheaper than BaseHTTPMiddleware on every API call): CSP and nosniff."""

    def __init__(self, app) -> None:
        self.app = app
        self.headers = [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
                        (b"referrer-policy", b"no-referrer")]

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.headers]
            await send(message)

        await self.app(scope, receive, with_headers)


def create_app(store: Store | None = None, *, store_path: Path | str | None = None, cache_size: int = 2048,
               warm: bool = False) -> FastAPI:
    """An app over `store` (left open on shutdown: the caller owns it) or over the store at `store_path`
    (default: the user's store, else the embedded snapshot), opened read-only and closed on shutdown."""
    owns = store is None
    if store is None:
        store = Store(store_path, read_only=True) if store_path else open_store(read_only=True)
    backend = Backend(store, cache_size=cache_size, owns_store=owns)
    optional = detect()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if warm:
            threading.Thread(target=warm_cache, args=(app,), name="vigia-warm", daemon=True).start()
        yield
        backend.close()

    app = FastAPI(title="Vigía API", version=__version__, description=DESCRIPTION, docs_url=None, redoc_url=None,
                  lifespan=lifespan)
    app.state.backend = backend
    app.state.optional = optional
    errors.install(app)
    app.include_router(api.router)
    app.include_router(api.optional_router(optional))
    app.include_router(pages.router)

    @app.get(PLOTLY_URL, include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(PLOTLY_JS, media_type="text/javascript",
                            headers={"Cache-Control": "public, max-age=31536000, immutable"})

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(FAVICON, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"})

    app.mount("/static", StaticFiles(packages=[("vigia.web", "static")]), name="static")
    app.add_middleware(GZipMiddleware, minimum_size=4096)
    app.add_middleware(SecurityHeaders)
    app.state.plotly_url = PLOTLY_URL
    return app


def warm_cache(app: FastAPI) -> None:
    """Compute what the first visitors ask for (overview, map choices) while nobody waits."""
    import warnings

    with warnings.catch_warnings():  # starlette nags about its test client's transport; irrelevant here
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    try:
        # Through the app itself, so the cache keys are the real ones; not as a context manager, which would
        # run the lifespan (and this warm-up) again.
        client = TestClient(app)
        for path in ("/", "/mapa", "/estados"):
            client.get(path)
    except Exception:  # noqa: BLE001 - warming is best effort; a real request will show the error
        log.debug("cache warm-up failed", exc_info=True)
