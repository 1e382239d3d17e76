"""Errors as answers: bad input is a 4xx with {"error", "parameter", "choices"} (or a page saying the same),
never a traceback. A bug still answers a plain 500 and is logged, but the tests hold that no input reaches it.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from vigia.errors import QueryError, VigiaError
from vigia.web.params import CHOICES

log = logging.getLogger("vigia.web")


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api") or request.url.path == "/openapi.json"


def _answer(request: Request, status: int, error: str, parameter: str | None, choices: list[str]) -> Response:
    if _wants_json(request):
        return JSONResponse({"error": error, "parameter": parameter, "choices": choices}, status_code=status)
    from vigia.web.render import error_page

    return error_page(request, status, error, choices)


def install(app: FastAPI) -> None:
    @app.exception_handler(QueryError)
    async def query_error(request: Request, exc: QueryError) -> Response:
        # An unknown thing named in the path is "not found"; a bad query parameter is unprocessable.
        status = 404 if exc.parameter in request.path_params else 422
        return _answer(request, status, str(exc), exc.parameter, exc.choices)

    @app.exception_handler(VigiaError)
    async def vigia_error(request: Request, exc: VigiaError) -> Response:
        return _answer(request, 422, str(exc), None, [])

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        first = (exc.errors() or [{}])[0]
        loc = [str(p) for p in first.get("loc", ())]
        parameter = loc[-1] if loc else None
        where = ".".join(p for p in loc if p not in ("query", "path", "body")) or "request"
        message = f"{where}: {first.get('msg', 'invalid value')}."
        return _answer(request, 422, message, parameter, CHOICES.get(parameter or "", []))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        text = exc.detail if isinstance(exc.detail, str) else "error"
        return _answer(request, exc.status_code, text, None, [])

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:  # pragma: no cover - a bug
        log.exception("unexpected error on %s", request.url.path)
        return JSONResponse({"error": f"internal error ({exc.__class__.__name__}); please report it.",
                             "parameter": None, "choices": []}, status_code=500)
