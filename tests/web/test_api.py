"""The HTTP API over the real store: figures match MANIFEST.md, answers carry their sources, errors are 4xx."""

from __future__ import annotations

import csv
import io

import pytest


def test_series_acceptance(client):
    r = client.get("/api/series", params={"indicator": "homicidio_doloso_victimas", "geo": "00", "freq": "year"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    by_year = {row["period"]: row["value"] for row in body["data"]}
    # MANIFEST §2.1: victims of homicidio doloso, national
    assert by_year["2019"] == 34723
    assert by_year["2018"] == 33742
    assert isinstance(by_year["2019"], int)
    assert body["sources"] and all(len(s["sha256"]) == 64 for s in body["sources"])
    assert {s["dataset"] for s in body["sources"]} == {"victims"}
    assert body["source_line"]["es"].startswith("Fuente: SESNSP, corte a")
    assert body["meta"]["vintage"] == "2025-06"


def test_series_at_a_vintage_and_by_name(client):
    # MANIFEST §1.1: carpetas of homicidio doloso, 2019, as published in oct 2020 and in nov 2024
    old = client.get("/api/series", params={"indicator": "homicidio_doloso", "freq": "year", "start": "2019",
                                            "end": "2019", "vintage": "2020-10"}).json()
    new = client.get("/api/series", params={"indicator": "homicidio_doloso", "freq": "year", "start": "2019",
                                            "end": "2019", "vintage": "2024-11"}).json()
    assert old["data"][0]["value"] == 29458
    assert new["data"][0]["value"] == 29500
    cdmx = client.get("/api/series", params={"indicator": "homicidio_doloso_victimas", "geo": "CDMX"}).json()
    assert {row["geo"] for row in cdmx["data"]} == {"09"}


def test_series_rates_cite_population(client):
    body = client.get("/api/series", params={"indicator": "homicidio_doloso_victimas", "unit": "rate",
                                             "start": "2019", "end": "2019"}).json()
    assert 25 < body["data"][0]["value"] < 30
    assert "population" in {s["dataset"] for s in body["sources"]}


def test_series_csv(client):
    r = client.get("/api/series", params={"indicator": "homicidio_doloso_victimas", "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert {"period": "2019", "value": "34723"}.items() <= next(x for x in rows if x["period"] == "2019").items()
    assert "IDVFC_NM_jun25_reconstructed.csv" in r.headers["x-vigia-sources"]


def test_rankings(client):
    body = client.get("/api/rankings", params={"indicator": "homicidio_doloso_victimas", "period": "2024",
                                               "unit": "rate", "compare_to": "2023"}).json()
    assert len(body["data"]) == 32
    assert body["data"][0]["rank"] == 1 and body["data"][0]["geo_name"] == "Colima"
    assert "change_pct" in body["data"][0]


def test_administrations(client):
    terms = client.get("/api/administrations").json()["data"]
    assert {t["id"] for t in terms} >= {"calderon", "pena_nieto", "lopez_obrador", "sheinbaum"}
    table = client.get("/api/administrations/compare", params={"indicator": "homicidio_doloso",
                                                                "months": 24}).json()["data"]
    assert [r["administration"] for r in table] == ["fox", "calderon", "pena_nieto", "lopez_obrador"]
    lines = client.get("/api/administrations/aligned", params={"indicator": "homicidio_doloso_victimas",
                                                                "months": 12}).json()["data"]
    assert max(r["month_of_term"] for r in lines) == 12


def test_releases_revisions_vintages(client):
    releases = client.get("/api/releases", params={"dataset": "incidence"}).json()["data"]
    assert "IDEFC_NM_nov24.csv" in {r["file_name"] for r in releases}
    revised = client.get("/api/revisions", params={"dataset": "incidence", "subtype": "Homicidio doloso",
                                                   "from_vintage": "2020-12", "to_vintage": "2024-11"}).json()
    assert revised["data"] and all(r["old_value"] != r["new_value"] for r in revised["data"])
    assert {s["vintage"] for s in revised["sources"]} == {"2020-12", "2024-11"}
    figures = client.get("/api/vintages", params={"indicator": "homicidio_doloso", "period": "2019"}).json()
    by_vintage = {r["vintage"]: r["value"] for r in figures["data"]}
    assert by_vintage["2020-10"] == 29458 and by_vintage["2022-05"] == 29481 and by_vintage["2024-11"] == 29500
    assert by_vintage["2014-12"] is None  # the CIEISP release predates 2019


def test_catalogue_endpoints(client):
    ids = {i["id"] for i in client.get("/api/indicators").json()["data"]}
    assert {"homicidio_doloso", "homicidio_doloso_victimas", "feminicidio"} <= ids
    assert client.get("/api/indicators/feminicidio").json()["measure"] == "carpetas"
    geos = client.get("/api/geographies").json()["data"]
    assert len(geos) == 33
    assert client.get("/api/geographies/Edomex").json()["code"] == "15"
    events = client.get("/api/events", params={"start": "2019", "end": "2019", "geo": "Sinaloa"}).json()["data"]
    assert any(e["id"].startswith("culiacanazo") or "Culiacán" in e["title_es"] for e in events)


def test_latest_and_quality(client):
    latest = client.get("/api/latest").json()
    assert {"homicidio_doloso_victimas", "feminicidio"} <= {r["indicator"] for r in latest["data"]}
    flags = client.get("/api/quality", params={"geo": "Sinaloa"}).json()
    assert flags["data"] and {f["geo"] for f in flags["data"]} == {"25"}
    assert all(f["rule"] and f["evidence"] for f in flags["data"])


def test_openapi_and_status(client):
    schema = client.get("/openapi.json").json()
    for path in ("/api/series", "/api/rankings", "/api/administrations/compare", "/api/releases",
                 "/api/revisions", "/api/vintages", "/api/events", "/api/quality", "/api/indicators"):
        assert path in schema["paths"], path
    status = client.get("/api/status").json()
    assert status["read_only"] is True and "optional" in status


@pytest.mark.parametrize(("params", "parameter"), [
    ({"indicator": "no_such_indicator"}, "indicator"),
    ({"geo": "Narnia"}, "geo"),
    ({"geo": "01001"}, "geo"),  # municipalities are not served
    ({"start": "2019-13"}, "from"),
    ({"start": "20x9"}, "start"),
    ({"vintage": "1990-01"}, "vintage"),
    ({"unit": "furlongs"}, "unit"),
    ({"freq": "week"}, "freq"),
])
def test_bad_input_is_4xx_with_choices(client, params, parameter):
    r = client.get("/api/series", params=params)
    assert 400 <= r.status_code < 500
    body = r.json()
    assert set(body) == {"error", "parameter", "choices"}
    assert body["parameter"] == parameter
    if parameter in ("indicator", "geo", "unit", "freq", "vintage"):
        assert body["choices"]


def test_unknown_things_are_404(client):
    assert client.get("/api/indicators/nope").status_code == 404
    assert client.get("/api/geographies/Narnia").status_code == 404
    r = client.get("/api/no/such/endpoint")
    assert r.status_code == 404 and r.json()["error"]


def test_rate_of_a_score_is_refused(client):
    r = client.get("/api/rankings", params={"indicator": "wjp_score", "period": "2024", "unit": "rate"})
    assert r.status_code == 422


def test_optional_modules(client, web_app):
    optional = web_app.state.optional
    paths = client.get("/openapi.json").json()["paths"]
    assert ("/api/claims" in paths) == (optional.claims is not None)
    assert ("/api/brief" in paths) == (optional.brief is not None)
    if optional.claims is not None:
        r = client.post("/api/claims", json={"text": "En 2019 hubo 34,723 víctimas de homicidio doloso en México."})
        assert r.status_code == 200 and isinstance(r.json()["data"], list)
    else:
        assert client.post("/api/claims", json={"text": "x"}).status_code in (404, 405)
