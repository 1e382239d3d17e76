"""The shipped state geometry is our own derivative of INEGI's 00ent file: small, complete, reproducible."""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path

from vigia.web import geometry

SOURCE = "geo/00ent_mexico.geojson"


def _shipped() -> Path:
    return Path(str(resources.files("vigia.web").joinpath("static/mexico_states.json")))


def _points(feature: dict) -> set[tuple[float, float]]:
    g = feature["geometry"]
    polys = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
    return {tuple(p) for poly in polys for ring in poly for p in ring}


def test_shipped_file_is_small_and_complete():
    shipped = _shipped()
    assert shipped.stat().st_size < 300_000
    data = json.loads(shipped.read_text(encoding="utf-8"))
    codes = [f["properties"]["cve"] for f in data["features"]]
    assert codes == [f"{i:02d}" for i in range(1, 33)]
    assert data["features"][8]["properties"]["name"] == "Ciudad de México"
    for feature in data["features"]:
        for x, y in _points(feature):
            assert -118.5 < x < -86 and 14 < y < 33
            assert round(x, 3) == x and round(y, 3) == y


def test_build_reproduces_the_shipped_file(data_dir, tmp_path):
    source = data_dir / SOURCE
    target = tmp_path / "states.geojson"
    size = geometry.build(source, target)
    assert target.read_bytes() == _shipped().read_bytes()  # the committed file is this script's output
    assert size < source.stat().st_size / 2
    assert hashlib.sha256(target.read_bytes()).digest() != hashlib.sha256(source.read_bytes()).digest()


def test_neighbours_still_share_their_border():
    features = {f["properties"]["cve"]: f for f in json.loads(_shipped().read_text(encoding="utf-8"))["features"]}
    # Aguascalientes borders Jalisco and Zacatecas; CDMX borders the Estado de México and Morelos.
    for a, b in (("01", "14"), ("01", "32"), ("09", "15"), ("09", "17")):
        assert len(_points(features[a]) & _points(features[b])) >= 3, (a, b)


def test_douglas_peucker_keeps_ends_and_corners():
    line = [(0.0, 0.0), (1.0, 0.001), (2.0, 0.0), (3.0, 5.0), (4.0, 0.0)]
    assert geometry.douglas_peucker(line, 0.01) == [(0.0, 0.0), (2.0, 0.0), (3.0, 5.0), (4.0, 0.0)]
