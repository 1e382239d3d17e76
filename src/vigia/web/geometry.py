"""Build the small state GeoJSON the map draws, from INEGI's state division (`00ent_mexico.geojson`).

    python -m vigia.web.geometry ../shared/data/geo/00ent_mexico.geojson src/vigia/web/static/mexico_states.json

Borders shared by two states are simplified once, as one arc, so neighbours keep touching (no slivers or
gaps between them, unlike simplifying each polygon on its own). Steps: find junctions (points whose
neighbours differ between the rings that hold them), cut every ring into arcs at its junctions, simplify
each arc with Douglas–Peucker, round coordinates to `digits` decimals (3 ≈ 110 m) and drop rings that
collapse (islets smaller than the tolerance). Exterior rings wind clockwise, holes counter-clockwise (the
d3-geo convention Plotly follows). Properties become {"cve": "01"…"32", "name": short name}.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

Point = tuple[float, float]

TOLERANCE = 0.02  # degrees (~2 km): invisible at the dashboard's zoom; the file drops to ~50 KB
DIGITS = 3


def _perpendicular(p: Point, a: Point, b: Point) -> float:
    if a == b:
        return math.dist(p, a)
    (x, y), (x1, y1), (x2, y2) = p, a, b
    return abs((x2 - x1) * (y1 - y) - (x1 - x) * (y2 - y1)) / math.dist(a, b)


def douglas_peucker(points: list[Point], tolerance: float) -> list[Point]:
    """Keep the end points and every point farther than `tolerance` from the simplified line (iterative)."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        lo, hi = stack.pop()
        best, index = 0.0, -1
        for i in range(lo + 1, hi):
            d = _perpendicular(points[i], points[lo], points[hi])
            if d > best:
                best, index = d, i
        if index >= 0 and best > tolerance:
            keep[index] = True
            stack.extend(((lo, index), (index, hi)))
    return [p for p, k in zip(points, keep) if k]


def _rings(geometry: dict) -> list[list[list[Point]]]:
    """Polygons (each a list of rings, exterior first) of a Polygon or MultiPolygon, without closing points."""
    polys = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return [[[(float(x), float(y)) for x, y, *_ in ring[:-1]] for ring in poly] for poly in polys]


def _junctions(rings: list[list[Point]]) -> set[Point]:
    neighbours: dict[Point, set[Point]] = {}
    for ring in rings:
        n = len(ring)
        for i, p in enumerate(ring):
            neighbours.setdefault(p, set()).update((ring[i - 1], ring[(i + 1) % n]))
    return {p for p, near in neighbours.items() if len(near) > 2}


def _simplify_ring(ring: list[Point], junctions: set[Point], tolerance: float, arcs: dict) -> list[Point]:
    cuts = [i for i, p in enumerate(ring) if p in junctions]
    if not cuts:  # an island or a ring no other ring touches: one closed arc anchored at its first point
        closed = [*ring, ring[0]]
        return douglas_peucker(closed, tolerance)[:-1]
    start = cuts[0]
    rotated = ring[start:] + ring[:start]
    cuts = [i - start for i in cuts] + [len(ring)]
    rotated.append(rotated[0])
    out: list[Point] = []
    for a, b in zip(cuts, cuts[1:]):
        arc = tuple(rotated[a:b + 1])
        # The same border is walked in opposite directions by its two states: simplify one canonical copy.
        key = min(arc, arc[::-1])
        if key not in arcs:
            arcs[key] = douglas_peucker(list(key), tolerance)
        simple = arcs[key] if key == arc else arcs[key][::-1]
        out.extend(simple[:-1])
    return out


def _ring_area(ring: list[list[float]]) -> float:
    return 0.5 * sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:]))


def simplify(collection: dict, *, tolerance: float = TOLERANCE, digits: int = DIGITS) -> dict:
    """A FeatureCollection of the 32 states, simplified and rounded; features sorted by code."""
    from vigia.geo.catalog import state_name

    features = collection["features"]
    polygons = [_rings(f["geometry"]) for f in features]
    junctions = _junctions([ring for polys in polygons for poly in polys for ring in poly])
    arcs: dict = {}
    out = []
    for feature, polys in zip(features, polygons):
        code = str(feature["properties"].get("cve_geo") or feature["properties"].get("CVE_ENT")).zfill(2)
        shapes = []
        for poly in polys:
            rings = []
            for ring in poly:
                simple = _simplify_ring(ring, junctions, tolerance, arcs)
                rounded: list[list[float]] = []
                for x, y in simple:
                    pt = [round(x, digits), round(y, digits)]
                    if not rounded or rounded[-1] != pt:
                        rounded.append(pt)
                if len(rounded) >= 3:
                    ring_out = [*rounded, rounded[0]]
                    # d3-geo (Plotly's map projection) reads a clockwise exterior as "this state" and a
                    # counter-clockwise one as "the whole globe but this state": fix the winding.
                    clockwise = _ring_area(ring_out) < 0
                    if clockwise != (not rings):
                        ring_out.reverse()
                    rings.append(ring_out)
            if rings and abs(_ring_area(rings[0])) > 0:
                shapes.append(rings)
        if not shapes:
            raise ValueError(f"state {code}: every polygon collapsed; lower the tolerance")
        geometry = ({"type": "Polygon", "coordinates": shapes[0]} if len(shapes) == 1
                    else {"type": "MultiPolygon", "coordinates": shapes})
        out.append({"type": "Feature", "properties": {"cve": code, "name": state_name(code)}, "geometry": geometry})
    out.sort(key=lambda f: f["properties"]["cve"])
    return {"type": "FeatureCollection", "features": out}


def build(source: Path, target: Path, *, tolerance: float = TOLERANCE, digits: int = DIGITS) -> int:
    """Write the simplified file; returns its size in bytes."""
    collection = json.loads(Path(source).read_text(encoding="utf-8"))
    if len(collection.get("features", [])) != 32:
        raise ValueError(f"{source}: expected the 32 states, found {len(collection.get('features', []))} features")
    text = json.dumps(simplify(collection, tolerance=tolerance, digits=digits), separators=(",", ":"),
                      ensure_ascii=False)
    Path(target).write_text(text + "\n", encoding="utf-8")
    return len(text.encode("utf-8")) + 1


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("target", type=Path)
    parser.add_argument("--tolerance", type=float, default=TOLERANCE, help="degrees (default %(default)s)")
    parser.add_argument("--digits", type=int, default=DIGITS, help="decimals kept (default %(default)s)")
    args = parser.parse_args(argv)
    size = build(args.source, args.target, tolerance=args.tolerance, digits=args.digits)
    print(f"{args.target}: {size:,} bytes")


if __name__ == "__main__":
    main()
