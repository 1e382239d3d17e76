"""The embedded snapshot: small, current with the readers, and what a fresh install answers from."""

from __future__ import annotations

import json

import duckdb
import pytest

from vigia.snapshot import MAX_BYTES, SNAPSHOT_FILES, build_snapshot, open_snapshot_store, snapshot_dir
from vigia.store import open_store

CONTENT = {
    "series": "SELECT * EXCLUDE (series_id) FROM '{d}/series.parquet' ORDER BY ALL",
    "cell_rows": "SELECT s.key_hash, c.* EXCLUDE (series_id, release_id) FROM '{d}/cell_rows.parquet' c "
                 "JOIN '{d}/series.parquet' s USING (series_id) ORDER BY ALL",
    "cell_changes": "SELECT s.key_hash, c.* EXCLUDE (series_id, release_id) FROM '{d}/cell_changes.parquet' c "
                    "JOIN '{d}/series.parquet' s USING (series_id) ORDER BY ALL",
    "releases": "SELECT dataset, vintage, file_name, sha256, cell_count, new_cells, revised_cells "
                "FROM '{d}/releases.parquet' ORDER BY ALL",
}


def test_snapshot_is_small_and_complete():
    manifest = json.loads((snapshot_dir() / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["bytes"] <= MAX_BYTES
    assert len(manifest["releases"]) == len(SNAPSHOT_FILES)


@pytest.mark.slow
def test_snapshot_matches_a_fresh_build(data_dir, tmp_path):
    """Rebuilt from the official files with today's readers, the shipped snapshot has the same content."""
    from vigia.snapshot import snapshot_files

    build_snapshot(snapshot_files(data_dir), tmp_path / "snap")
    con = duckdb.connect()
    for name, sql in CONTENT.items():
        shipped = con.execute(sql.format(d=snapshot_dir())).fetchall()
        fresh = con.execute(sql.format(d=tmp_path / "snap")).fetchall()
        assert shipped == fresh, f"{name} differs: run `vigia snapshot build --data ../shared/data`"


def test_empty_store_answers_from_the_snapshot():
    store = open_store()
    assert store.read_only and "snapshot" in store.label
    frame = store.series("victims", subtype="Homicidio doloso", freq="year", vintage="2025-06",
                         start="2019", end="2019")
    assert int(frame["value"].iloc[0]) == 34_723
    old = store.series("victims", subtype="Homicidio doloso", freq="year", vintage="2019-12")
    assert int(old["value"].iloc[0]) == 34_582
    store.close()
    again = open_snapshot_store()  # the cached import is reused
    assert again is not None
    again.close()
