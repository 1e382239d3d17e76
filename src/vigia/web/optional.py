"""Modules other layers are still building; the web app wires each in when it is importable and degrades
gracefully (a page says "not available", the route is absent from the API) when it is not.

Looked up once when the app is created, so a server started before a module landed keeps a stable API.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
from collections.abc import Callable
from dataclasses import dataclass


def _module(name: str):
    try:
        if importlib.util.find_spec(name) is None:
            return None
    except (ImportError, ValueError):
        return None
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _first(module, names: tuple[str, ...]) -> Callable | None:
    if module is None:
        return None
    for name in names:
        fn = getattr(module, name, None)
        if callable(fn):
            return fn
    return None


def call_with(fn: Callable, *args, **kwargs):
    """Call `fn`, passing only the keyword arguments its signature accepts (the APIs are still settling)."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return fn(*args, **kwargs)
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return fn(*args, **kwargs)
    return fn(*args, **{k: v for k, v in kwargs.items() if k in params})


@dataclass(frozen=True)
class Optional:
    context: bool  # vigia.indicators.context: non-SESNSP indicators through indicator_series
    claims: Callable | None  # vigia.claims.check_text(con, text) -> list[dict]
    brief: Callable | None  # vigia.reports.brief(con, geo=…, administration=…, lang=…) -> Brief
    quality: Callable | None  # vigia.analysis.service.quality_for(con, dataset=…) -> flags frame

    def as_dict(self) -> dict[str, bool]:
        return {"context_indicators": self.context, "claims": self.claims is not None,
                "briefs": self.brief is not None, "quality_service": self.quality is not None}


def detect() -> Optional:
    return Optional(
        context=_module("vigia.indicators.context") is not None,
        claims=_first(_module("vigia.claims"), ("check_text", "check")),
        brief=_first(_module("vigia.reports"), ("brief",)),
        quality=_first(_module("vigia.analysis.service"), ("quality_for",)),
    )
