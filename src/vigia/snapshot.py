"""The embedded snapshot: derived tables shipped inside the package so Vigía answers offline at once.

`vigia snapshot build` ingests the latest releases from a data folder into a scratch store and exports
its tables as compressed Parquet under `vigia/data/snapshot/`. On a fresh machine the first query
imports them into a cached read-only DuckDB file keyed by the snapshot's checksum.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from importlib import resources
from pathlib import Path

import duckdb

from vigia.settings import vigia_home
from vigia.store.schema import ensure_schema
from vigia.store.store import Store

TABLES = ("releases", "release_coverage", "series", "cell_rows", "cell_changes", "quality_flags")
MAX_BYTES = 8 * 1024 * 1024


def snapshot_dir() -> Path:
    return Path(str(resources.files("vigia").joinpath("data/snapshot")))


def _manifest(folder: Path) -> dict | None:
    path = folder / "manifest.json"
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def open_snapshot_store() -> Store | None:
    folder = snapshot_dir()
    manifest = _manifest(folder)
    if manifest is None:
        return None
    cache = vigia_home() / f"snapshot-{manifest['checksum'][:16]}.duckdb"
    if not cache.exists():
        tmp = cache.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)
        con = duckdb.connect(str(tmp))
        try:
            ensure_schema(con)
            for table in TABLES:
                con.execute(f"INSERT INTO {table} SELECT * FROM read_parquet(?)", [str(folder / f"{table}.parquet")])
        finally:
            con.close()
        tmp.replace(cache)  # atomic: a half-built cache is never opened
    return Store(cache, read_only=True, label=f"embedded snapshot ({manifest['built_from']})")


# Every state release, not only the latest: the store keeps only what each one changed, so the whole history
# costs little, and offline users can still ask "as published in 2019-12" and see revisions.
SNAPSHOT_FILES = (
    "sesnsp/estatal_delitos_nm/IDEFC_NM_oct2020.csv",
    "sesnsp/estatal_delitos_nm/IDEFC_NM_dic2020.csv",
    "sesnsp/estatal_delitos_nm/Estatal-Delitos-2015-2021_feb2021.xlsx",
    "sesnsp/estatal_delitos_nm/IDEFC_NM_may22.csv",
    "sesnsp/estatal_delitos_nm/IDEFC_NM_jul23.csv",
    "sesnsp/estatal_delitos_nm/IDEFC_NM_dic23.csv",
    "sesnsp/estatal_delitos_nm/IDEFC_NM_jun24.csv",
    "sesnsp/estatal_delitos_nm/IDEFC_NM_nov24.csv",
    "sesnsp/estatal_victimas_nm/IDVFC_NM_dic19-2019-UTF-8.csv",
    "sesnsp/estatal_victimas_nm/IDVFC_NM_nov24_reconstructed.csv",
    "sesnsp/estatal_victimas_nm/IDVFC_NM_jun25_reconstructed.csv",
    "sesnsp/rnid_2026/estatal_n.csv",
    "sesnsp/estatal_delitos_metodologia_1997/IncidenciaDelictivaEstatal.xlsx",
    "conapo/5_Indicadores_demográficos_proyecciones.xlsx",
    "conapo/poblacion_municipal_1990-2040_lapanquecita.csv",
    "inegi/homicidios/mexico-state-month-homicide-rates-2000-2022.csv",
    "inegi/envipe/data_percepcion_seguridad.xlsx",
    "inegi/envipe/indicador_inseguridad_estados.csv",
    "wjp/2024_wjp_rule_of_law_index_HISTORICAL_DATA_FILE.xlsx",
    "budget/cuenta_publica_2019_gasto_por_categoria_programatica.xls",
    "budget/cuenta_publica_2020_gasto_por_categoria_programatica.xls",
    "budget/cuenta_publica_2021_gasto_por_categoria_programatica.xls",
    "budget/cuenta_publica_2022_gasto_por_categoria_programatica.xls",
    "budget/cuenta_publica_2023_gasto_por_categoria_programatica.xls",
    "budget/pef_cp_programas_seguridad_sociales_2019_2025.csv",
)


def snapshot_files(data: Path) -> list[Path]:
    missing = [f for f in SNAPSHOT_FILES if not (data / f).exists()]
    if missing:
        from vigia.errors import FileError

        raise FileError(str(data), "the data folder lacks files the snapshot is built from: " + ", ".join(missing))
    return [data / f for f in SNAPSHOT_FILES]


def build_snapshot(files: list[Path], out: Path | None = None) -> dict:
    """Ingest `files` into a scratch store and export it as the package snapshot."""
    out = out or snapshot_dir()
    out.mkdir(parents=True, exist_ok=True)
    municipal = [f for f in files if f.name.startswith("poblacion_municipal")]
    if municipal and out == snapshot_dir():  # the packaged municipality names come from the same CONAPO table
        from vigia.geo.municipalities import write_catalogue

        write_catalogue(municipal[0])
    with tempfile.TemporaryDirectory() as scratch:
        store = Store(Path(scratch) / "snap.duckdb")
        reports = [store.ingest_path(f) for f in files]
        # File names and provenance stay; the scratch path does not.
        for table in TABLES:
            target = out / f"{table}.parquet"
            store.con.execute(
                f"COPY (SELECT * FROM {table} ORDER BY ALL) TO '{target}' "
                "(FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 19)"
            )
        store.close()
    digest = hashlib.sha256()
    size = 0
    for table in TABLES:
        data = (out / f"{table}.parquet").read_bytes()
        digest.update(data)
        size += len(data)
    manifest = {
        "checksum": digest.hexdigest(),
        "bytes": size,
        "built_from": ", ".join(sorted(f.name for f in files)),
        "releases": [{"file": r.file_name, "dataset": r.dataset, "vintage": r.vintage, "sha256": r.sha256}
                     for r in reports],
    }
    if size > MAX_BYTES:
        shutil.rmtree(out)
        raise ValueError(f"snapshot is {size:,} bytes, over the {MAX_BYTES:,}-byte cap")
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return manifest
