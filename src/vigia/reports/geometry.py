"""State polygons for the brief's map: a GeoJSON shipped with Vigía, else one the user points to.

Looked for in order: the `geometry` argument (CLI --geometry); a *.geojson packaged under
vigia/web/ (the web app's simplified states); the file named by VIGIA_GEOMETRY. Vigía does not
ship the INEGI-derived file itself: point VIGIA_GEOMETRY at e.g. shared/data/geo/00ent_mexico.geojson.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

CODE_KEYS = ("cve", "cve_geo", "CVE_ENT", "cve_ent", "CVEGEO", "state_code", "code", "id")


@dataclass(frozen=True)
class Geometry:
    file_name: str
    sha256: str
    origin: str  # option | package | env
    rings: dict[str, tuple[tuple[tuple[float, float], ...], ...]]  # state code → outer rings (lon, lat)


def _packaged() -> list[Path]:
    try:
        root = Path(str(resources.files("vigia.web")))
    except (ModuleNotFoundError, TypeError):
        return []
    return sorted(p for p in root.rglob("*.geojson") if p.is_file())


def find_geometry(explicit: Path | str | None = None) -> Geometry | None:
    """The first usable geometry, or None (the brief then says why it has no map)."""
    candidates: list[tuple[Path, str]] = []
    if explicit:
        candidates.append((Path(explicit).expanduser(), "option"))
    candidates += [(p, "package") for p in _packaged()]
    env = os.environ.get("VIGIA_GEOMETRY")
    if env:
        candidates.append((Path(env).expanduser(), "env"))
    for path, origin in candidates:
        geom = load_geometry(path, origin)
        if geom is not None:
            return geom
    return None


def load_geometry(path: Path, origin: str = "option") -> Geometry | None:
    try:
        raw = path.read_bytes()
        data = json.loads(raw)
    except (OSError, ValueError):
        return None
    rings: dict[str, list] = {}
    for feature in data.get("features", []) if isinstance(data, dict) else []:
        code = _code(feature.get("properties") or {}, feature.get("id"))
        geom = feature.get("geometry") or {}
        if code is None:
            continue
        polys = [geom.get("coordinates", [])] if geom.get("type") == "Polygon" else \
            geom.get("coordinates", []) if geom.get("type") == "MultiPolygon" else []
        for poly in polys:
            if poly:
                rings.setdefault(code, []).append(tuple((float(x), float(y)) for x, y, *_ in poly[0]))
    if len(rings) < 32:  # a partial or foreign file would draw a misleading map
        return None
    return Geometry(path.name, hashlib.sha256(raw).hexdigest(), origin,
                    {k: tuple(v) for k, v in sorted(rings.items())})


def _code(props: dict, feature_id) -> str | None:
    for key in CODE_KEYS:
        value = props.get(key, feature_id if key == "id" else None)
        if value is None:
            continue
        text = str(value).strip()
        if text.isdigit() and 1 <= int(text) <= 32:
            return f"{int(text):02d}"
    return None
