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


INCIDENCE_FILES = (
    "sesnsp/estatal_delitos_nm/IDEFC_NM_oct2020.csv",
    "sesnsp/estatal_delitos_nm/IDEFC_NM_dic2020.csv",
    "sesnsp/estatal_delitos_nm/Estatal-Delitos-2015-2021_feb2021.xlsx",
    "sesnsp/estatal_delitos_nm/IDEFC_NM_may22.csv",
    "sesnsp/estatal_delitos_nm/IDEFC_NM_jul23.csv",
    "sesnsp/estatal_delitos_nm/IDEFC_NM_dic23.csv",
    "sesnsp/estatal_delitos_nm/IDEFC_NM_jun24.csv",
    "sesnsp/estatal_delitos_nm/IDEFC_NM_nov24.csv",
)
VICTIMS_FILES = (
    "sesnsp/estatal_victimas_nm/IDVFC_NM_dic19-2019-UTF-8.csv",
    "sesnsp/estatal_victimas_nm/IDVFC_NM_nov24_reconstructed.csv",
    "sesnsp/estatal_victimas_nm/IDVFC_NM_jun25_reconstructed.csv",
)
RNID_FILE = "sesnsp/rnid_2026/estatal_n.csv"
CIEISP_FILE = "sesnsp/estatal_delitos_metodologia_1997/IncidenciaDelictivaEstatal.xlsx"
CONTEXT_FILES = (
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


@pytest.fixture(scope="session")
def full_store(data_dir, tmp_path_factory):
    """Every SESNSP state release in chronological order, plus CIEISP and the context sources (CONAPO,
    INEGI, ENVIPE, WJP, budget). Built once per session; tests must not write to it."""
    from vigia.store import Store

    path = tmp_path_factory.mktemp("full_store") / "vigia.duckdb"
    store = Store(path)
    for rel in (*INCIDENCE_FILES, *VICTIMS_FILES, RNID_FILE, CIEISP_FILE, *CONTEXT_FILES):
        store.ingest_path(data_dir / rel)
    yield store
    store.close()
