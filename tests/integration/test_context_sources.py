"""Context-source readers on the real files in ../shared/data, asserting MANIFEST.md §4–7 and §10."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from vigia.errors import CellError, HeaderError, InputError
from vigia.sources import budget, conapo, curated, envipe, inegi, wjp
from vigia.sources.frame import COLUMNS, KEY

CONAPO_XLSX = "conapo/5_Indicadores_demográficos_proyecciones.xlsx"
CONAPO_CSV = "conapo/conapo_pob_ent_gender_1950_2070.csv"
CONAPO_MUN = "conapo/poblacion_municipal_1990-2040_lapanquecita.csv"
INEGI_STATE = "inegi/homicidios/mexico-state-month-homicide-rates-2000-2022.csv"
INEGI_MUN = "inegi/homicidios/mexico-muni-month-homicide-rates-2000-2021.csv.gz"
ENVIPE_XLSX = "inegi/envipe/data_percepcion_seguridad.xlsx"
ENVIPE_API = "inegi/envipe/indicador_inseguridad_estados.csv"
WJP_XLSX = "wjp/2024_wjp_rule_of_law_index_HISTORICAL_DATA_FILE.xlsx"
BUDGET_XLS = tuple(f"budget/cuenta_publica_{y}_gasto_por_categoria_programatica.xls"
                   for y in range(2019, 2024))
BUDGET_CSV = "budget/pef_cp_programas_seguridad_sociales_2019_2025.csv"

# (module, dataset) expected for every file of this area; used by the detection and contract tests.
FILES = {
    CONAPO_XLSX: (conapo, "population"),
    CONAPO_CSV: (conapo, "population"),
    CONAPO_MUN: (conapo, "population_municipal"),
    INEGI_STATE: (inegi, "inegi_homicides"),
    INEGI_MUN: (inegi, "inegi_homicides_municipal"),
    ENVIPE_XLSX: (envipe, "envipe_perception"),
    ENVIPE_API: (envipe, "envipe_api"),
    WJP_XLSX: (wjp, "wjp"),
    **{f: (budget, "budget") for f in BUDGET_XLS},
    BUDGET_CSV: (budget, "budget_pef_cp"),
}
MODULES = (conapo, inegi, envipe, wjp, budget, curated)
NOT_OURS = ("sesnsp/estatal_delitos_nm/IDEFC_NM_nov24.csv",
            "sesnsp/estatal_delitos_nm/Estatal-Delitos-2015-2021_feb2021.xlsx",
            "sesnsp/rnid_2026/estatal_n.csv", "golden/sesnsp_national_by_subtype.csv")


@pytest.fixture(scope="module")
def frames(data_dir: Path) -> dict[str, pd.DataFrame]:
    """Each file read once for the whole module (the slowest, the municipal deaths, takes ~1.5 s)."""
    return {rel: module.read(data_dir / rel) for rel, (module, _) in FILES.items()}


def _year(frame: pd.DataFrame, year: int) -> pd.DataFrame:
    return frame[frame["period"].dt.year == year]


def _national(frame: pd.DataFrame, variable: str, detail: str = "") -> dict[int, float]:
    rows = frame[(frame["geo"] == "00") & (frame["variable"] == variable) & (frame["detail"] == detail)]
    return dict(zip(rows["period"].dt.year, rows["value"], strict=True))


# ---- contract and detection --------------------------------------------------------------------------------

def test_every_frame_follows_the_contract(frames):
    for rel, frame in frames.items():
        module, dataset = FILES[rel]
        assert tuple(frame.columns) == COLUMNS, rel
        assert frame.attrs["dataset"] == dataset, rel
        assert frame.attrs["citation"] and frame.attrs["licence"], rel
        assert str(frame["period"].dtype) == "datetime64[ns]", rel
        assert frame["value"].dtype == "float64", rel
        assert set(frame["freq"]) <= {"M", "Y", "E"}, rel
        assert not frame.duplicated(list(KEY)).any(), rel
        assert frame[["geo", "variable", "detail", "extra"]].notna().all().all(), rel
        assert frame["variable"].str.fullmatch(r"[a-z][a-z0-9_]*").all(), rel
        monthly = frame["freq"] == "M"
        assert (frame.loc[~monthly, "period"].dt.month == 1).all(), rel
        assert (frame["period"].dt.day == 1).all(), rel


def test_each_file_is_recognised_by_content_by_exactly_one_layout(data_dir):
    for rel, (module, dataset) in FILES.items():
        path = data_dir / rel
        head = path.read_bytes()[:65536]
        claimed = [m.__name__ for m in MODULES if m.detect(path, head)]
        assert claimed == [module.__name__], rel
        assert module.layout_for(path, head).dataset == dataset, rel
    for rel in NOT_OURS:
        path = data_dir / rel
        head = path.read_bytes()[:65536]
        assert not [m.__name__ for m in MODULES if m.detect(path, head)], rel


def test_module_constants():
    for module in MODULES:
        assert module.DATASET and module.SOURCE in {"conapo", "inegi", "wjp", "shcp", "curated"}
        assert module.CITATION and module.LICENCE
        assert {lay.dataset for lay in module.LAYOUTS} >= {module.DATASET}


# ---- CONAPO ----------------------------------------------------------------------------------------------

def test_conapo_national_mid_year_population(frames):
    national = _national(frames[CONAPO_XLSX], "poblacion_mitad_anio", "Total")
    assert national[2019] == 127_215_666
    expected = {2015: 122_368_490, 2017: 124_777_172, 2018: 125_995_825, 2020: 128_209_170,
                2023: 131_135_337, 2024: 132_274_416, 2025: 133_367_428}
    assert {y: national[y] for y in expected} == expected
    assert min(national) == 1950 and max(national) == 2070
    # a projection's vintage is its edition, not its last projected year
    assert conapo.vintage_of(Path(CONAPO_XLSX), frames[CONAPO_XLSX]).year == 2023


def test_conapo_sexes_add_up_and_the_derivative_csv_equals_the_workbook(frames):
    xlsx = frames[CONAPO_XLSX]
    wide = xlsx.pivot_table(index=["geo", "period"], columns="detail", values="value")
    assert (wide["Hombres"] + wide["Mujeres"] == wide["Total"]).all()
    assert set(xlsx["geo"]) == {f"{i:02d}" for i in range(33)}
    pd.testing.assert_frame_equal(xlsx, frames[CONAPO_CSV], check_like=False)


def test_conapo_municipal_table_sums_to_the_states(frames):
    mun = frames[CONAPO_MUN]
    assert mun["geo"].str.fullmatch(r"\d{5}").all() and mun["geo"].nunique() == 2475
    states = frames[CONAPO_XLSX]
    states = states[(states["detail"] == "Total") & (states["geo"] != "00")]
    for year in (2015, 2020, 2024):
        sums = _year(mun, year).groupby(mun["geo"].str[:2])["value"].sum()
        official = _year(states, year).set_index("geo")["value"]
        pd.testing.assert_series_equal(sums.sort_index(), official.sort_index(), check_names=False)


# ---- INEGI homicide deaths -----------------------------------------------------------------------------

def test_inegi_state_month_deaths(frames):
    frame = frames[INEGI_STATE]
    assert len(frame) == 8832 and set(frame["freq"]) == {"M"}
    assert set(frame["variable"]) == {"defunciones_homicidio"}
    by_year = frame.groupby(frame["period"].dt.year)["value"].sum()
    expected = {2000: 10_559, 2005: 9_969, 2008: 14_229, 2010: 26_046, 2011: 27_330, 2012: 25_799,
                2015: 20_263, 2016: 24_613, 2017: 31_737, 2018: 34_426, 2019: 35_274, 2020: 35_787,
                2021: 34_346, 2022: 31_048}
    assert {y: by_year[y] for y in expected} == expected


def test_inegi_municipal_deaths_are_an_older_run(frames):
    frame = frames[INEGI_MUN]
    assert len(frame) == 651_288 and frame["geo"].str.fullmatch(r"\d{5}").all()
    assert _year(frame, 2020)["value"].sum() == 35_555


# ---- ENVIPE -----------------------------------------------------------------------------------------------

def test_envipe_headline_percentage(frames):
    frame = frames[ENVIPE_XLSX]
    assert set(frame["variable"]) == {"percepcion_inseguridad_pct"}
    national = _national(frame, "percepcion_inseguridad_pct")
    assert national[2017] == pytest.approx(74.3)
    assert national[2018] == pytest.approx(79.4)
    assert national[2019] == pytest.approx(78.9)
    assert sorted(national) == list(range(2011, 2024))
    assert frame["geo"].nunique() == 33
    row = frame[(frame["geo"] == "00") & (frame["period"] == "2019-01-01")].iloc[0]
    assert row["extra"] == "ENVIPE 2019" and row["freq"] == "Y"
    assert envipe.victimisation_reference_year(2019) == 2018


def test_envipe_api_is_a_separate_variable(frames):
    api, pct = frames[ENVIPE_API], frames[ENVIPE_XLSX]
    assert set(api["variable"]) == {"percepcion_inseguridad_por_100k"}
    assert not set(api["variable"]) & set(pct["variable"])
    national = _national(api, "percepcion_inseguridad_por_100k")
    assert sorted(national) == list(range(2011, 2026)) and len(api) == 495
    assert round(national[2019]) == 82_042 and round(national[2025]) == 79_427
    # The per-100k series sits above the headline % every year: not the same measure.
    headline = _national(pct, "percepcion_inseguridad_pct")
    assert all(national[y] / 1000 > headline[y] for y in headline)


# ---- WJP ----------------------------------------------------------------------------------------------

def test_wjp_mexico_scores_and_ranks(frames):
    frame = frames[WJP_XLSX]
    mex = frame[frame["geo"] == "MEX"].pivot_table(index="extra", columns="variable", values="value")
    expected = {"2012-2013": (0.4688, 71, 97), "2014": (0.4488, 79, 99), "2015": (0.4827, 69, 102),
                "2016": (0.4625, 88, 113), "2017-2018": (0.4570, 92, 113), "2019": (0.4537, 99, 126),
                "2020": (0.4411, 104, 128), "2021": (0.4281, 113, 139), "2022": (0.4229, 115, 140),
                "2023": (0.4174, 116, 142), "2024": (0.4148, 118, 142)}
    for edition, (score, rank, countries) in expected.items():
        row = mex.loc[edition]
        assert round(row["wjp_overall"], 4) == score, edition
        assert (row["wjp_rank"], row["wjp_countries"]) == (rank, countries), edition
    assert {f"wjp_factor_{i}" for i in range(1, 9)} <= set(frame["variable"])


def test_wjp_editions_are_labels_with_the_last_year_as_period(frames):
    frame = frames[WJP_XLSX]
    assert set(frame["freq"]) == {"E"}
    periods = frame.drop_duplicates("extra").set_index("extra")["period"]
    assert periods["2017-2018"] == pd.Timestamp("2018-01-01")
    assert periods["2012-2013"] == pd.Timestamp("2013-01-01")
    assert periods["2019"] == pd.Timestamp("2019-01-01")
    assert frame["geo"].str.fullmatch(r"[A-Z]{3}").all()


# ---- Cuenta Pública ---------------------------------------------------------------------------------------

# MANIFEST §10.2, (approved, exercised) in pesos; 2024–2025 come from the derivative CSV only.
BUDGET = {
    "sembrando_vida": {2019: (15_000_000_000, 14_648_096_381.19), 2020: (28_504_908_846, 27_307_285_988.60),
                       2021: (28_929_908_846, 28_152_825_038.43), 2022: (29_903_868_459, 29_634_539_976.01),
                       2023: (37_136_532_015, 34_372_498_102.28), 2024: (38_928_625_861, 35_220_237_189.39),
                       2025: (39_100_000_000, 35_396_291_343.03)},
    "jovenes_construyendo_el_futuro": {
        2019: (40_000_000_000, 23_915_168_455.34), 2020: (24_956_748_018, 24_856_520_727.83),
        2021: (20_600_109_022, 20_528_550_654.09), 2022: (21_696_592_599, 21_455_936_230.37),
        2023: (23_090_451_801, 22_275_624_572.61), 2024: (24_204_725_382, 23_640_403_977.33),
        2025: (24_205_000_000, 24_004_945_240.10)},
    "becas_benito_juarez": {
        2019: (63_252_881_114, 55_440_635_319.44), 2020: (67_246_608_710, 68_206_821_563.19),
        2021: (75_284_883_279, 74_152_388_497.00), 2022: (78_294_458_961, 77_633_172_940.17),
        2023: (83_638_867_831, 81_975_862_036.07), 2024: (100_937_419_842, 87_539_028_381.84),
        2025: (131_926_519_731, 125_539_876_811.86)},
    "guardia_nacional": {2019: (0, 858_303_349.60), 2020: (2_242_200_000, 18_338_644_322.66),
                         2021: (27_961_271_330, 23_942_784_062.80), 2022: (29_803_368_492, 23_897_456_597.68),
                         2023: (34_525_322_208, 22_253_891_472.35), 2024: (37_810_495_053, 32_262_990_989.75),
                         2025: (20_205_638_535, 25_855_074_922.46)},
    "sspc": {2019: (0, 33_817_165_838.30), 2020: (60_150_695_893, 62_770_399_082.24),
             2021: (63_441_669_472, 54_764_217_225.23), 2022: (93_379_484_115, 57_531_356_934.80),
             2023: (100_028_568_587, 58_721_338_745.81), 2024: (105_838_757_408, 74_219_364_219.71),
             2025: (70_422_173_705, 77_367_637_514.87)},
    "gobernacion": {2019: (60_783_083_252, 44_494_665_333.05)},
    "sedena": {2019: (93_670_187_410, 111_618_187_332.19), 2020: (94_028_694_246, 124_051_372_007.87),
               2021: (112_557_168_656, 138_916_693_321.53), 2022: (104_107_905_551, 141_201_170_768.12),
               2023: (111_911_638_277, 144_060_042_600.92), 2024: (259_433_804_766, 236_321_196_197.21),
               2025: (158_287_750_650, 160_760_442_218.97)},
    "semar": {2019: (32_083_375_192, 33_994_917_329.66), 2020: (33_557_785_594, 36_135_320_080.08),
              2021: (35_476_715_511, 42_814_436_734.92), 2022: (37_750_191_112, 46_287_301_643.82),
              2023: (41_878_142_593, 57_551_321_329.71), 2024: (71_888_212_535, 127_192_972_271.17),
              2025: (65_888_744_605, 65_738_587_363.24)},
    "fasp": {2019: (7_210_000_000, 7_039_111_145.48), 2020: (7_443_986_130, 7_337_731_536.48),
             2021: (7_695_616_328, 7_590_871_906.65), 2022: (7_988_049_749, 7_867_371_934.01),
             2023: (8_786_854_724, 8_650_030_887.67), 2024: (9_210_881_077, 9_022_895_768.37),
             2025: (9_565_499_999, 9_391_285_903.37)},
    "fortaseg": {2019: (4_009_124_098, 3_928_547_377.66), 2020: (4_000_000_000, 3_953_487_112.21)},
    "fofisp": {2023: (1_000_000_000, 988_109_279.25), 2024: (1_079_363_467, 1_062_424_385.96),
               2025: (1_120_918_960, 1_081_844_631.15)},
}


@pytest.fixture(scope="module")
def official_budget(frames) -> pd.DataFrame:
    return pd.concat([frames[f] for f in BUDGET_XLS], ignore_index=True)


def _series(frame: pd.DataFrame, concept: str) -> dict[int, tuple[float, float]]:
    wide = budget.concept_series(frame, concept).pivot(index="period", columns="stage", values="value")
    return {p.year: (row["aprobado"], row["ejercido"]) for p, row in wide.iterrows()}


def test_budget_headline_checks(official_budget):
    sv = _series(official_budget, "sembrando_vida")
    assert sv[2020][0] == 28_504_908_846
    assert sorted(sv) == [2019, 2020, 2021, 2022, 2023]  # one series across U010 → S287
    jcf = _series(official_budget, "jovenes_construyendo_el_futuro")
    assert jcf[2019][0] == 40_000_000_000
    assert jcf[2019][1] == pytest.approx(23_915_168_455.34, abs=0.005)
    assert round((jcf[2021][0] / jcf[2020][0] - 1) * 100, 1) == -17.5
    assert _series(official_budget, "guardia_nacional")[2023][0] == 34_525_322_208
    assert _series(official_budget, "fasp")[2021][0] == 7_695_616_328


@pytest.mark.parametrize("concept", sorted(BUDGET))
def test_budget_concepts_match_the_manifest_tables(official_budget, frames, concept):
    got = _series(official_budget, concept)
    got_derivative = _series(frames[BUDGET_CSV], concept)
    for year, (approved, exercised) in BUDGET[concept].items():
        source = got if year <= 2023 else got_derivative
        assert source[year][0] == pytest.approx(approved, abs=0.005), (concept, year)
        assert source[year][1] == pytest.approx(exercised, abs=0.005), (concept, year)
    if concept == "fortaseg":
        assert 2021 not in got  # abolished: absent, never 0


def test_budget_identity_is_ramo_plus_key(official_budget):
    y2019 = _year(official_budget, 2019)
    approved = y2019[y2019["detail"] == "aprobado"].set_index("extra")["value"]
    assert approved["R04:E006"] == 20_843_364  # refugee assistance in Gobernación, not the Guardia Nacional
    assert approved["R36:E006"] == 0
    assert approved["R14:U280"] == 40_000_000_000 and approved["R11:U280"] == 4_320_000_000
    # every programme and ramo is a series; ramo totals use the key TOTAL
    assert y2019["extra"].str.fullmatch(r"R[0-9A-Z-]+:([A-Z]\d{3}|TOTAL)").all()
    assert approved["R04:TOTAL"] == 60_783_083_252
    assert set(official_budget["detail"]) == {"aprobado", "ejercido"}


def test_budget_sums_of_concatenated_files_count_each_key_once(official_budget, frames):
    both = pd.concat([official_budget, frames[BUDGET_CSV]], ignore_index=True)
    series = budget.concept_series(both, "sembrando_vida")
    row = series[(series["period"] == "2020-01-01") & (series["stage"] == "aprobado")].iloc[0]
    assert row["value"] == 28_504_908_846 and row["keys"] == "R20:S287+R20:U010"
    assert len(series) == 14  # 2019–2025, two stages


def test_budget_unknown_ramo_name_is_an_error(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    header = ["", "ENTE / RAMO", "", "", "", "PROGRAMA", "DENOMINACIÓN2/"] + [""] * 10 + ["TOTAL"]
    rows = [[], ["", "CUENTA PÚBLICA 2030"], ["", "GASTO POR CATEGORÍA PROGRAMÁTICA1/"],
            ["", "GOBIERNO FEDERAL"], ["", "(PESOS)"], [], header,
            ["", "", "", "", "", "", "", "SERVICIOS PERSONALES"], [],
            ["", "", "Poder Ejecutivo"], ["", "", "", "", "Secretaría Inventada"],
            ["", "", "", "", "", "", "Aprobado"] + [0] * 11]
    for row in rows:
        sheet.append(row)
    path = tmp_path / "cp2030.xlsx"
    book.save(path)
    assert budget.detect(path, path.read_bytes()[:8])
    with pytest.raises(CellError) as err:
        budget.read(path)
    assert err.value.line == 11 and "Secretaría Inventada" in str(err.value)


# ---- curated CSV -------------------------------------------------------------------------------------------

GOOD = (
    "indicator,label,geo,period,value,unit,source,url,accessed\n"
    "homicidios_prensa,Homicidios (prensa) / Homicides (press),Nacional,2019,34588,personas,"
    "\"Diario X, 21 ene 2020\",https://example.org/x,2024-11-30\n"
    "homicidios_prensa,Homicidios (prensa) / Homicides (press),Edomex,2019,2500,personas,Informe Y,,\n"
    "tasa_mensual,Tasa / Rate,Michoacán,2019-05,2.5,por 100 mil,Informe Y,,\n"
)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "curated.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_curated_reads_a_valid_file(tmp_path):
    path = _write(tmp_path, GOOD)
    assert curated.detect(path, path.read_bytes())
    frame = curated.read(path)
    assert tuple(frame.columns) == COLUMNS
    assert list(frame["geo"]) == ["00", "15", "16"]
    assert list(frame["freq"]) == ["Y", "Y", "M"]
    assert frame.loc[2, "period"] == pd.Timestamp("2019-05-01")
    assert curated.read_table(path)["source"].iloc[0] == "Diario X, 21 ene 2020"


def test_curated_rejects_a_file_without_source_column(tmp_path):
    path = _write(tmp_path, GOOD.replace(",source,", ",fuente,"))
    with pytest.raises(HeaderError) as err:
        curated.read(path)
    assert err.value.column == "source" and err.value.line == 1 and str(path) in str(err.value)


def test_curated_rejects_a_row_without_source(tmp_path):
    path = _write(tmp_path, GOOD.replace(",Informe Y,,\ntasa", ",,,\ntasa"))
    with pytest.raises(CellError) as err:
        curated.read(path)
    assert (err.value.line, err.value.column) == (3, "source")


def test_curated_rejects_an_unknown_geography(tmp_path):
    path = _write(tmp_path, GOOD.replace("Edomex", "Atlántida"))
    with pytest.raises(CellError) as err:
        curated.read(path)
    assert (err.value.file, err.value.line, err.value.column) == (str(path), 3, "geo")
    assert "Atlántida" in str(err.value)


def test_curated_rejects_a_non_numeric_value(tmp_path):
    path = _write(tmp_path, GOOD.replace(",2.5,", ",dos y medio,"))
    with pytest.raises(CellError) as err:
        curated.read(path)
    assert (err.value.line, err.value.column) == (4, "value")
    path = _write(tmp_path, GOOD.replace(",2500,", ',"2,500",'))  # thousands separator: ambiguous, refused
    with pytest.raises(CellError) as err:
        curated.read(path)
    assert (err.value.line, err.value.column) == (3, "value")


def test_curated_errors_are_input_errors(tmp_path):
    path = _write(tmp_path, GOOD.replace("2019-05", "mayo 2019"))
    with pytest.raises(InputError) as err:
        curated.read(path)
    assert err.value.column == "period"
