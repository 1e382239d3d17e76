"""Server-rendered pages: Spanish by default, English on ?lang=en, sources at the end, errors as pages."""

from __future__ import annotations

import json
import re

import pytest

PAGES = ("/", "/mapa", "/estados", "/estado/25", "/estado/Edomex", "/sexenios", "/versiones", "/verificador",
         "/api-docs")


def _embedded(html: str, element_id: str) -> dict:
    match = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', html, re.S)
    assert match, element_id
    return json.loads(match.group(1))


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_with_sources(client, path):
    r = client.get(path)
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"].startswith("text/html")
    html = r.text
    assert '<html lang="es">' in html and 'name="viewport"' in html
    assert 'id="sources"' in html and "Fuentes y versiones" in html
    if path not in ("/verificador", "/api-docs"):
        assert "Fuente: SESNSP, corte a" in html
        assert re.search(r"<code title=\"[0-9a-f]{64}\">[0-9a-f]{12}</code>", html)  # a release's sha256
    assert html.rstrip().endswith("</html>")
    assert html.index('id="sources"') > html.index("</main>")  # the sources close the page


@pytest.mark.parametrize("path", ("/", "/mapa", "/estado/25", "/sexenios", "/versiones", "/verificador"))
def test_english_switch(client, path):
    es, en = client.get(path).text, client.get(path, params={"lang": "en"}).text
    assert '<html lang="en">' in en and "Sources and vintages" in en and "Fuentes y versiones" not in en
    assert ">English<" in es and ">Español<" in en
    assert 'href="/mapa?lang=en"' in en  # navigation keeps the language


def test_overview_content(client):
    html = client.get("/").text
    for label in ("Víctimas de homicidio doloso", "Indicadores principales", "Cambios del último mes publicado"):
        assert label in html
    chart = _embedded(html, "page-data")
    assert chart["indicator"] == "homicidio_doloso_victimas"
    assert {a["id"] for a in chart["administrations"]} >= {"lopez_obrador", "sheinbaum"}
    assert chart["events"] and all("00" in e["geo"] for e in chart["events"])
    periods = [row["period"] for row in chart["data"]]
    assert periods == sorted(periods) and periods[0] == "2015-01"


def test_map_data_and_geometry(client):
    html = client.get("/mapa", params={"indicator": "homicidio_doloso_victimas", "period": "2024"}).text
    data = _embedded(html, "page-data")
    assert len(data["rows"]) == 32 and data["rows"][0]["geo_name"] == "Colima"
    assert "2024" in data["years"]["homicidio_doloso_victimas"]
    assert "2024" not in data["years"]["homicidio_doloso"]  # Dec 2024 carpetas are not in any stored release
    geometry = client.get("/static/mexico_states.json").json()
    assert {f["properties"]["cve"] for f in geometry["features"]} == {r["geo"] for r in data["rows"]}


def test_state_page(client):
    html = client.get("/estado/Sinaloa").text
    assert "<h1>Sinaloa</h1>" in html and "Lugar nacional en" in html
    chart = _embedded(html, "page-data")
    assert {r["geo"] for r in chart["state_rate"]} == {"25"} and {r["geo"] for r in chart["national_rate"]} == {"00"}
    assert any("Culiacán" in e["title_es"] for e in chart["events"])


def test_administrations_and_vintages_pages(client):
    html = client.get("/sexenios", params={"indicator": "homicidio_doloso", "months": 12}).text
    assert "Andrés Manuel López Obrador" in html and "Felipe Calderón Hinojosa" in html
    html = client.get("/versiones", params={"indicator": "homicidio_doloso", "period": "2019"}).text
    rows = _embedded(html, "page-data")["rows"]
    assert {"2020-10": 29458, "2024-11": 29500}.items() <= {r["vintage"]: r["value"] for r in rows}.items()
    assert "IDEFC_NM_oct2020.csv" in html


def test_claims_page(client, web_app):
    html = client.get("/verificador").text
    if web_app.state.optional.claims is None:
        assert 'id="claims-unavailable"' in html and "disabled" in html
        return
    r = client.post("/verificador", data={"text": "En 2019 se registraron 34,723 víctimas de homicidio doloso."})
    assert r.status_code == 200 and 'id="claims-results"' in r.text


def test_brief_download(client, web_app):
    assert web_app.state.optional.brief is not None, "vigia.reports must be importable"
    r = client.get("/api/brief", params={"geo": "25", "format": "markdown", "start": "2024-01", "end": "2024-06"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/markdown")
    assert "Sinaloa" in r.text


def test_errors_are_pages(client):
    r = client.get("/estado/Narnia")
    assert r.status_code == 404 and "No encontrado" in r.text and "Sinaloa" not in r.text.split("<footer")[0]
    r = client.get("/mapa", params={"indicator": "nope"})
    assert r.status_code == 422 and "homicidio_doloso" in r.text  # the valid choices are listed
    r = client.get("/sexenios", params={"months": "many"})
    assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")
    assert client.get("/no-such-page").status_code == 404
