"""Fixtures of the web tests: one app over the session's full store (read-only use), a test client, a live
uvicorn server on loopback for the browser, and Debian's Chromium driven by Playwright.

Browser tests skip with a reason when Chromium or Playwright is missing, and fail instead under
VIGIA_REQUIRE_DATA=1 (CI installs Chromium, so there they must run).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("VIGIA_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def fingerprint(con) -> tuple:
    """What a write would change: tables, row counts and a checksum of every stored value."""
    tables = tuple(sorted(r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()))
    counts = tuple(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables  # noqa: S608
                   if t != "observations")
    values = con.execute("SELECT sum(hash(series_id, year, valid_from, release_id, mask, m01, m06, m12)) "
                         "FROM cell_versions").fetchone()[0]
    releases = con.execute("SELECT list(sha256 ORDER BY release_id) FROM releases").fetchone()[0]
    return tables, counts, values, tuple(releases)


@pytest.fixture(scope="session")
def web_app(full_store):
    from vigia.web.app import create_app

    return create_app(full_store)


@pytest.fixture(scope="session")
def client(web_app):
    from fastapi.testclient import TestClient

    with TestClient(web_app) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def live_server(web_app):
    """The app served by uvicorn on 127.0.0.1 (a free port), in a thread of this process: the store's
    DuckDB file is held by this process, so a second process could not open it."""
    import uvicorn

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(web_app, host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False))
    thread = threading.Thread(target=server.run, name="vigia-live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the live server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def _unavailable(reason: str):
    if os.environ.get("VIGIA_REQUIRE_DATA") == "1":
        pytest.fail(f"{reason} (VIGIA_REQUIRE_DATA=1: browser tests must run; .ci/run installs Chromium)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        _unavailable(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the Playwright Python package is not installed: pip install playwright "
                     "(never `playwright install`: Debian's Chromium is used)")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
