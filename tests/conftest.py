"""Shared fixtures. Real-data tests read ../shared/data in place (VIGIA_TEST_DATA overrides the path).

With VIGIA_REQUIRE_DATA=1 (set by .ci/run) a missing data folder is a failure, never a skip.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("VIGIA_TEST_DATA", REPO.parent / "shared" / "data")).resolve()


@pytest.fixture(scope="session")
def data_dir() -> Path:
    if not (DATA / "MANIFEST.md").exists():
        message = f"test data folder not found at {DATA} (set VIGIA_TEST_DATA)"
        if os.environ.get("VIGIA_REQUIRE_DATA") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return DATA


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """Every test gets its own VIGIA_HOME so no test touches the user's store."""
    home = tmp_path_factory.mktemp("vigia_home")
    monkeypatch.setenv("VIGIA_HOME", str(home))
    return home


# The same official files the embedded snapshot is built from: every SESNSP state release, CIEISP, CONAPO, INEGI,
# ENVIPE, WJP and the budget.
from vigia.snapshot import SNAPSHOT_FILES  # noqa: E402

INCIDENCE_FILES = tuple(f for f in SNAPSHOT_FILES if f.startswith("sesnsp/estatal_delitos_nm/"))
VICTIMS_FILES = tuple(f for f in SNAPSHOT_FILES if f.startswith("sesnsp/estatal_victimas_nm/"))
RNID_FILE = next(f for f in SNAPSHOT_FILES if f.startswith("sesnsp/rnid_2026/"))
CIEISP_FILE = next(f for f in SNAPSHOT_FILES if f.startswith("sesnsp/estatal_delitos_metodologia_1997/"))
CONTEXT_FILES = tuple(f for f in SNAPSHOT_FILES if not f.startswith("sesnsp/"))


@pytest.fixture(scope="session")
def full_store(data_dir, tmp_path_factory):
    """Every SESNSP state release in chronological order, plus CIEISP and the context sources (CONAPO,
    INEGI, ENVIPE, WJP, budget). Built once per session; tests must not write to it."""
    from vigia.store import Store

    path = tmp_path_factory.mktemp("full_store") / "vigia.duckdb"
    store = Store(path)
    for rel in SNAPSHOT_FILES:
        store.ingest_path(data_dir / rel)
    yield store
    store.close()


class Borrowed:
    """A store lent to a CLI command (which opens and closes its own) without letting it close the connection."""

    def __init__(self, store) -> None:
        self.store = store

    def __enter__(self):
        return self.store

    def __exit__(self, *exc) -> bool:
        return False
