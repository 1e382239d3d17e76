"""Injection attempts: path traversal in every path or file parameter, SQL metacharacters in every string
parameter of every endpoint and page. Each answers 4xx, leaks nothing and leaves the store as it was."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import fingerprint

SQL = (
    "'; DROP TABLE releases; --",
    "00' OR '1'='1",
    '" OR 1=1 --',
    "1; DELETE FROM cell_versions",
    "x') UNION SELECT sha256 FROM releases --",
    "homicidio_doloso'--",
    "2019'; ATTACH '/tmp/evil.duckdb' AS evil; --",
    "$(touch /tmp/vigia-pwned)",
)
TRAVERSAL = (
    "../../../../etc/passwd",
    "..%2F..%2F..%2Fetc%2Fpasswd",
    "%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "....//....//etc/passwd",
    "..\\..\\..\\windows\\win.ini",
    "/etc/passwd",
    "%00../../etc/passwd",
)
PAGES = {  # page → its string parameters
    "/": ("indicator",),
    "/mapa": ("indicator", "period", "unit"),
    "/sexenios": ("indicator", "geo"),
    "/versiones": ("indicator", "geo", "period", "unit"),
    "/estado/25": ("indicator",),
}


def _string_params(client) -> list[tuple[str, str, dict]]:
    """(path, parameter, a valid base query) for every string query parameter of every GET endpoint."""
    base = {"/api/revisions": {"from_vintage": "2020-12"}}
    out = []
    for path, methods in client.get("/openapi.json").json()["paths"].items():
        op = methods.get("get")
        if op is None or "{" in path:
            continue
        for p in op.get("parameters", []):
            schemas = p["schema"].get("anyOf", [p["schema"]])
            if p["in"] == "query" and any(s.get("type") == "string" or "$ref" in s for s in schemas):
                out.append((path, p["name"], base.get(path, {})))
    return out


@pytest.fixture(scope="module")
def before(full_store):
    return fingerprint(full_store.con)


def test_sql_metacharacters_in_every_api_string_parameter(client, full_store, before):
    params = _string_params(client)
    assert len(params) > 30  # the enumeration found the API
    for path, name, base in params:
        for payload in SQL:
            r = client.get(path, params={**base, name: payload})
            assert 400 <= r.status_code < 500, (path, name, payload, r.status_code, r.text[:200])
            assert r.headers["content-type"].startswith("application/json")
            assert "Traceback" not in r.text and "duckdb" not in r.text.lower()
    assert fingerprint(full_store.con) == before


def test_sql_metacharacters_in_pages(client, full_store, before):
    for path, names in PAGES.items():
        for name in names:
            for payload in SQL:
                r = client.get(path, params={name: payload})
                assert 400 <= r.status_code < 500, (path, name, payload, r.status_code)
                assert "Traceback" not in r.text
    for payload in SQL:
        assert client.get(f"/estado/{payload}").status_code == 404
        assert client.get(f"/api/indicators/{payload}").status_code == 404
        assert client.get(f"/api/geographies/{payload}").status_code == 404
    r = client.post("/verificador", data={"text": SQL[0] + " murieron 34,723 personas en 2019"})
    assert r.status_code == 200
    assert fingerprint(full_store.con) == before


@pytest.mark.parametrize("payload", TRAVERSAL)
def test_path_traversal(client, payload):
    for prefix in ("/static/", "/api/indicators/", "/api/geographies/", "/estado/"):
        r = client.get(prefix + payload)
        assert 400 <= r.status_code < 500, (prefix, payload, r.status_code)
        assert "root:" not in r.text and "[fonts]" not in r.text
    # file-like query parameters are validated, never opened
    for path, name in (("/api/releases", "dataset"), ("/api/quality", "dataset"), ("/api/events", "kind")):
        r = client.get(path, params={name: payload})
        assert 400 <= r.status_code < 500 and "root:" not in r.text


def test_static_serves_only_its_folder(client):
    assert client.get("/static/mexico_states.json").status_code == 200
    for path in ("/static/../app.py", "/static/..%2Fapp.py", "/static/%2e%2e/app.py", "/static/../../vigia/web/app.py",
                 "/static/templates/base.html", "/static/../templates/base.html"):
        r = client.get(path)
        assert r.status_code == 404, path
        assert "create_app" not in r.text and "{% block" not in r.text


def test_markup_is_escaped(client):
    evil = "<script>alert(1)</script>"
    for url, params in (("/estado/" + evil, {}), ("/versiones", {"geo": evil}), ("/mapa", {"indicator": evil}),
                        ("/", {"lang": evil})):
        r = client.get(url, params=params)
        assert evil not in r.text
    r = client.post("/verificador", data={"text": evil})
    assert r.status_code == 200 and evil not in r.text


def test_responses_forbid_other_origins(client):
    r = client.get("/")
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "connect-src 'self'" in csp and "script-src 'self'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    # Everything a page loads by itself (scripts, stylesheets, icons, images) comes from this server.
    for page in ("/", "/mapa", "/estado/25", "/sexenios", "/versiones", "/verificador", "/api-docs"):
        html = client.get(page).text
        loaded = re.findall(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=\"([^\"]+)\"", html)
        assert loaded and all(u.startswith("/") and not u.startswith("//") for u in loaded), (page, loaded)


def test_the_api_has_no_writing_route(client):
    paths = client.get("/openapi.json").json()["paths"]
    methods = {m for ops in paths.values() for m in ops}
    assert methods <= {"get", "post"}
    posts = [p for p, ops in paths.items() if "post" in ops]
    assert set(posts) <= {"/api/claims"}  # computes verdicts; writes nothing
    for method in ("put", "delete", "patch"):
        assert client.request(method.upper(), "/api/releases").status_code == 405
