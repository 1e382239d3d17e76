"""Open the user's store, or — when it is empty — the embedded snapshot, so Vigía works offline at once."""

from __future__ import annotations

from pathlib import Path

from vigia.settings import store_path
from vigia.store.store import Store


def open_store(path: Path | str | None = None, *, read_only: bool = False, fallback: bool = True) -> Store:
    """The store at `path` (default: $VIGIA_HOME/vigia.duckdb).

    When `fallback` is on and that store has no release yet, the embedded snapshot is opened instead
    (read-only), so queries work on a fresh machine with no network and no ingest.
    """
    target = Path(path) if path is not None else store_path()
    if fallback and (not target.exists() or _empty(target)):
        from vigia.snapshot import open_snapshot_store

        snap = open_snapshot_store()
        if snap is not None:
            return snap
    return Store(target, read_only=read_only)


def _empty(target: Path) -> bool:
    import duckdb

    try:
        con = duckdb.connect(str(target), read_only=True)
    except duckdb.Error:
        return False  # locked by a writer or unreadable: let Store report it
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        if "releases" not in tables:
            return True
        return con.execute("SELECT count(*) FROM releases").fetchone()[0] == 0
    finally:
        con.close()
