"""Context indicators and the SESNSP–INEGI reconciliation on real data, through the store (MANIFEST §4–7, §10)."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from tests.conftest import Borrowed
from vigia.analysis.reconcile import COLUMNS, Z_FLAG, reconcile, score_ratios
from vigia.errors import CellError, HeaderError, QueryError, VigiaError
from vigia.indicators.catalog import indicators
from vigia.indicators.compute import IndicatorQuery, indicator_series
from vigia.sources import budget

DOCS = tuple(Path(__file__).resolve().parents[2] / "docs" / n for n in ("indicators-context.md", "indicators.md"))
VICTIMS_RAW = "sesnsp/estatal_victimas_nm/IDVFC_NM_jun25_reconstructed.csv"
INEGI_RAW = "inegi/homicidios/mexico-state-month-homicide-rates-2000-2022.csv"
REQUIRED_BUDGET = ("sembrando_vida", "jovenes_construyendo_el_futuro", "becas_benito_juarez", "guardia_nacional",
                   "sspc", "sedena", "semar", "fasp", "fortaseg")


def _series(store, indicator: str, **kw) -> pd.DataFrame:
    return indicator_series(store.con, IndicatorQuery(indicator=indicator, **kw))


def _by_period(frame: pd.DataFrame, column: str = "value") -> dict:
    return dict(zip(frame["period"], frame[column], strict=True))


def _budget(frame: pd.DataFrame, stage: str) -> dict[str, float]:
    return _by_period(frame[frame["stage"] == stage])


# ---- catalogue ---------------------------------------------------------------------------------------------

def test_context_catalogue_points_at_stored_data_and_is_documented(full_store):
    context = [ind for ind in indicators() if ind.kind != "sesnsp"]
    ids = {ind.id for ind in context}
    assert {"envipe_percepcion_inseguridad", "envipe_percepcion_por_100k", "wjp_score", "wjp_rank",
            "defunciones_homicidio"} <= ids
    assert {f"wjp_factor_{n}" for n in range(1, 9)} <= ids
    assert {f"presupuesto_{c}" for c in REQUIRED_BUDGET} <= ids
    known = set(budget.concepts()["concept"])
    stored = set(full_store.con.execute("SELECT DISTINCT dataset || '/' || subtipo FROM series").fetchall())
    stored = {r[0] for r in stored}
    docs = "".join(p.read_text(encoding="utf-8") for p in DOCS if p.exists())
    for ind in context:
        assert f"`{ind.id}`" in docs, ind.id
        if ind.kind == "budget":
            assert ind.concept in known, ind.id
        else:
            assert f"{ind.dataset}/{ind.variable}" in stored, ind.id


# ---- ENVIPE ------------------------------------------------------------------------------------------------

def test_envipe_headline_percentage(full_store):
    frame = _series(full_store, "envipe_percepcion_inseguridad", geo="00")
    values = _by_period(frame)
    assert (values["2017"], values["2018"], values["2019"]) == (74.3, 79.4, 78.9)
    assert min(values) == "2011" and max(values) == "2023"  # the tabulado has no 2024–2025
    row = frame[frame["period"] == "2019"].iloc[0]
    assert (row["survey_year"], row["reference_year"], row["edition"]) == (2019, 2018, "ENVIPE 2019")
    assert row["geo_name"] == "Nacional" and row["unit"].startswith("%")
    assert {s["dataset"] for s in frame.attrs["sources"]} == {"envipe_perception"}
    assert frame.attrs["sources"][0]["file_name"] == "data_percepcion_seguridad.xlsx"
    states = _series(full_store, "envipe_percepcion_inseguridad", geo="*", start="2019", end="2019")
    assert states["geo"].nunique() == 32 and states["value"].between(0, 100).all()


def test_envipe_api_series_is_a_separate_indicator(full_store):
    api = _series(full_store, "envipe_percepcion_por_100k", geo="00")
    values = _by_period(api)
    assert round(values["2019"]) == 82_042 and round(values["2025"]) == 79_427
    assert {s["dataset"] for s in api.attrs["sources"]} == {"envipe_api"}
    pct = _by_period(_series(full_store, "envipe_percepcion_inseguridad", geo="00"))
    assert all(values[y] / 1000 > pct[y] for y in pct)  # 2–4 points above the headline: never spliced


# ---- WJP ---------------------------------------------------------------------------------------------------

def test_wjp_score_and_rank_for_mexico(full_store):
    score = _by_period(_series(full_store, "wjp_score", geo="MEX"))
    assert round(score["2019"], 4) == 0.4537 and round(score["2020"], 4) == 0.4411
    assert "2017-2018" in score and "2018" not in score  # editions are labels, not calendar years
    rank = _series(full_store, "wjp_rank", geo="MEX")
    assert {"countries", "edition"} <= set(rank.columns)
    pairs = {p: (r, c) for p, r, c in zip(rank["period"], rank["value"], rank["countries"], strict=True)}
    assert pairs["2019"] == (99, 126) and pairs["2020"] == (104, 128) and pairs["2017-2018"] == (92, 113)
    assert set(rank["comparable"]) == {"partial"}
    # 'Nacional' / '00' / 'México' mean the country for a country-level indicator
    assert _by_period(_series(full_store, "wjp_rank", geo="00")) == _by_period(rank)
    assert _by_period(_series(full_store, "wjp_rank", geo="México")) == _by_period(rank)
    for n in range(1, 9):
        factor = _by_period(_series(full_store, f"wjp_factor_{n}", geo="mex", start="2019", end="2019"))
        assert list(factor) == ["2019"] and 0 < factor["2019"] < 1


def test_wjp_unknown_country_lists_choices(full_store):
    with pytest.raises(QueryError) as info:
        _series(full_store, "wjp_score", geo="XYZ")
    assert "MEX" in info.value.choices and len(info.value.choices) > 100


# ---- INEGI homicide deaths ----------------------------------------------------------------------------------

def test_inegi_deaths_national_count_and_rate(full_store):
    year = _series(full_store, "defunciones_homicidio", geo="00", freq="year", start="2015", end="2022")
    values = _by_period(year)
    assert values["2019"] == 35_274 and values["2018"] == 34_426 and values["2022"] == 31_048
    assert set(year["months"]) == {12} and set(year["states"]) == {32}
    month = _series(full_store, "defunciones_homicidio", geo="00", freq="month", start="2019", end="2019")
    assert len(month) == 12 and month["value"].sum() == 35_274 and month["period"].iloc[0] == "2019-01"
    rate = _series(full_store, "defunciones_homicidio", geo="00", freq="year", unit="rate", start="2019",
                   end="2019").iloc[0]
    assert rate["population"] == 127_215_666 and rate["count"] == 35_274
    assert math.isclose(rate["value"], 35_274 / 127_215_666 * 100_000)
    annual = _series(full_store, "defunciones_homicidio", geo="08", freq="month", unit="rate_annualized",
                     start="2019-02", end="2019-02").iloc[0]
    assert math.isclose(annual["value"], annual["count"] / annual["population"] * 100_000 * 365 / 28)


def test_inegi_deaths_states_sum_to_national(full_store):
    states = _series(full_store, "defunciones_homicidio", geo="*", freq="year", start="2019", end="2019")
    assert states["geo"].nunique() == 32 and states["value"].sum() == 35_274
    share = _series(full_store, "defunciones_homicidio", geo="Guanajuato", freq="year", unit="share",
                    start="2019", end="2019").iloc[0]
    assert share["national"] == 35_274 and math.isclose(share["value"], share["count"] / 35_274 * 100)
    frame = _series(full_store, "defunciones_homicidio", geo="00", freq="year", unit="rate", start="2019",
                    end="2019")
    assert {s["dataset"] for s in frame.attrs["sources"]} == {"inegi_homicides", "population"}


# ---- budget ------------------------------------------------------------------------------------------------

def test_budget_figures_through_the_store(full_store):
    sv = _series(full_store, "presupuesto_sembrando_vida", freq="year")
    assert {"period", "value", "stage"} <= set(sv.columns) and set(sv["stage"]) == {"aprobado", "ejercido"}
    assert _budget(sv, "aprobado")["2020"] == 28_504_908_846
    assert sv.loc[sv["period"] == "2020", "keys"].iloc[0] == "R20:S287+R20:U010"  # the key change, summed
    assert set(sv["unit"]) == {"pesos corrientes (nominales)"} and set(sv["prices"]) == {"nominales / nominal"}
    jcf = _series(full_store, "presupuesto_jovenes_construyendo_el_futuro", freq="year")
    assert _budget(jcf, "aprobado")["2019"] == 40_000_000_000
    assert round(_budget(jcf, "ejercido")["2019"], 2) == 23_915_168_455.34
    approved = _budget(jcf, "aprobado")
    assert round((approved["2021"] / approved["2020"] - 1) * 100, 1) == -17.5 == _budget_change(jcf, "2021")
    gn = _series(full_store, "presupuesto_guardia_nacional", freq="year")
    assert _budget(gn, "aprobado")["2023"] == 34_525_322_208
    fasp = _series(full_store, "presupuesto_fasp", freq="year")
    assert _budget(fasp, "aprobado")["2021"] == 7_695_616_328
    for concept in REQUIRED_BUDGET:
        frame = _series(full_store, f"presupuesto_{concept}", freq="year")
        assert len(frame) and frame["value"].notna().all(), concept


def _budget_change(frame: pd.DataFrame, period: str) -> float:
    row = frame[(frame["stage"] == "aprobado") & (frame["period"] == period)]
    return round(float(row["change_pct"].iloc[0]), 1)


def test_budget_years_come_from_one_source_each(full_store):
    sv = _series(full_store, "presupuesto_sembrando_vida", freq="year")
    source = _by_period(sv[sv["stage"] == "aprobado"], "source")
    assert source["2023"] == "SHCP, Cuenta Pública (XLS oficial)"
    assert source["2025"] == "SHCP, Cuenta Pública: extracto derivado (CSV)"
    assert _budget(sv, "aprobado")["2025"] == 39_100_000_000
    # 2019 security programmes of Gobernación exist only in the official XLS: never a partial derivative sum
    comparable = _series(full_store, "presupuesto_seguridad_federal_comparable", freq="year", end="2019")
    assert "R04:E903" in comparable["keys"].iloc[0]
    fortaseg = _series(full_store, "presupuesto_fortaseg", freq="year")
    assert sorted(set(fortaseg["period"])) == ["2019", "2020"]  # abolished: absent, not 0
    files = {s["file_name"] for s in sv.attrs["sources"]}
    assert "cuenta_publica_2020_gasto_por_categoria_programatica.xls" in files
    assert "pef_cp_programas_seguridad_sociales_2019_2025.csv" in files
    # as published by mid-2021: the Cuenta Pública of 2019 (April 2020) and of 2020 (April 2021) only
    early = _series(full_store, "presupuesto_sembrando_vida", freq="year", vintage="2021-06")
    assert sorted(set(early["period"])) == ["2019", "2020"] and early["vintage"].iloc[0] == "2021-04"


# ---- bad requests --------------------------------------------------------------------------------------------

def test_bad_context_requests_list_choices(full_store):
    with pytest.raises(QueryError) as info:
        _series(full_store, "wjp_rnak")
    assert "wjp_rank" in str(info.value)
    with pytest.raises(QueryError) as info:
        _series(full_store, "envipe_percepcion_inseguridad", geo="Atlantis")
    assert "00" in info.value.choices
    with pytest.raises(QueryError) as info:
        _series(full_store, "presupuesto_fasp", geo="Jalisco")
    assert info.value.choices == ["00"]
    with pytest.raises(QueryError):
        _series(full_store, "envipe_percepcion_inseguridad", unit="rate")
    with pytest.raises(QueryError):
        _series(full_store, "presupuesto_sedena", unit="share")
    with pytest.raises(QueryError):
        _series(full_store, "defunciones_homicidio", geo="14039")  # no municipal deaths in this store
    with pytest.raises(QueryError):
        _series(full_store, "envipe_percepcion_inseguridad", vintage="2020-01")  # before its release


# ---- reconcile ----------------------------------------------------------------------------------------------

def test_reconcile_2019_all_states_and_nation(full_store):
    frame = reconcile(full_store.con, 2019)
    assert list(frame.columns) == COLUMNS
    assert list(frame["geo"]) == ["00"] + [f"{i:02d}" for i in range(1, 33)]
    assert (frame["sesnsp_victims"] > 0).all() and (frame["inegi_deaths"] > 0).all()
    assert frame["ratio"].notna().all() and frame["score"].between(0, 100).all()
    nat = frame.iloc[0]
    assert nat["sesnsp_victims"] == 34_723 + 970 and nat["inegi_deaths"] == 35_274  # MANIFEST §2.1, §5
    assert math.isclose(nat["ratio"], 35_693 / 35_274) and math.isnan(nat["z_change"])
    assert frame.loc[1:, "sesnsp_victims"].sum() == nat["sesnsp_victims"]
    assert frame.loc[1:, "inegi_deaths"].sum() == nat["inegi_deaths"]
    datasets = {s["dataset"] for s in frame.attrs["sources"]}
    assert datasets == {"victims", "inegi_homicides"} and "score" in frame.attrs["formula"]


def test_reconcile_one_state_by_hand(full_store, data_dir):
    raw = pd.read_csv(data_dir / VICTIMS_RAW, encoding="latin-1")
    months = ["Enero", "Febrero", "Marzo", "Abril", "Mayo", "Junio", "Julio", "Agosto", "Septiembre", "Octubre",
              "Noviembre", "Diciembre"]
    pick = raw[(raw["Clave_Ent"] == 11) & raw["Subtipo de delito"].isin(["Homicidio doloso", "Feminicidio"])]
    victims = {y: int(pick.loc[pick["Año"] == y, months].to_numpy().sum()) for y in (2018, 2019)}
    deaths_raw = pd.read_csv(data_dir / INEGI_RAW, sep="|", dtype={"cve_ent": str})
    gto = deaths_raw[deaths_raw["cve_ent"] == "11"]
    deaths = {y: int(gto.loc[gto["year"] == y, "homicides"].sum()) for y in (2018, 2019)}
    row = reconcile(full_store.con, 2019).set_index("geo").loc["11"]
    assert row["geo_name"] == "Guanajuato"
    assert (row["sesnsp_victims"], row["inegi_deaths"]) == (victims[2019], deaths[2019])
    ratio, prev = victims[2019] / deaths[2019], victims[2018] / deaths[2018]
    change = math.log(ratio / prev)
    expected = 100 * (1 - 0.5 * min(1, abs(1 - ratio)) - 0.5 * min(1, abs(change)))
    assert math.isclose(row["ratio"], ratio) and math.isclose(row["ratio_log_change"], change)
    assert row["score"] == round(expected, 1)


def test_reconcile_flags_abrupt_changes_and_checks_years(full_store):
    y2016 = reconcile(full_store.con, 2016).set_index("geo")
    flagged = set(y2016.index[y2016["flag"]])
    assert {"20", "18"} <= flagged  # Oaxaca's ratio 0.30 → 1.10, Nayarit's 0.71 → 0.28
    assert (y2016.loc[list(flagged), "z_change"].abs() >= Z_FLAG).all()
    assert y2016.loc["20", "evidence"].startswith("La razón SESNSP/INEGI pasó de 0.30 a 1.10")
    assert not reconcile(full_store.con, 2019)["flag"].any()
    first = reconcile(full_store.con, 2015)  # no 2014 victims: the score rests on the level alone
    assert first["ratio_prev"].isna().all() and set(first["score_basis"]) == {"solo nivel / level only"}
    with pytest.raises(QueryError) as info:
        reconcile(full_store.con, 2023)  # INEGI deaths here end in 2022
    assert info.value.choices == [str(y) for y in range(2015, 2023)]


def test_score_formula_is_pure():
    table = pd.DataFrame({"geo": ["00", "01", "01"], "year": [2020, 2019, 2020],
                          "sesnsp_victims": [10, 50, 150], "inegi_deaths": [10, 100, 100]})
    out = score_ratios(table, 2020).set_index("geo")
    assert out.loc["00", "score"] == 100.0 and out.loc["00", "score_basis"].startswith("solo nivel")
    # ratio 1.5 (level term 0.5), change ln(1.5 / 0.5) > 1 (capped): 100 × (1 − 0.25 − 0.5)
    assert out.loc["01", "score"] == 25.0


# ---- curated figures: rejected whole --------------------------------------------------------------------------

CURATED_HEADER = "indicator,label,geo,period,value,unit,source,url,accessed\n"


@pytest.mark.parametrize("name, text, error, column", [
    ("no_source.csv", "indicator,label,geo,period,value,unit,url,accessed\n"
     "homicidios_prensa,Homicidios / Homicides,Nacional,2019,34588,personas,,\n", HeaderError, "source"),
    ("bad_geo.csv", CURATED_HEADER + "homicidios_prensa,Homicidios / Homicides,Atlántida,2019,34588,personas,"
     "\"Diario X, 2020\",,\n", CellError, "geo"),
    ("bad_value.csv", CURATED_HEADER + "homicidios_prensa,Homicidios / Homicides,Jalisco,2019,\"34,588\",personas,"
     "\"Diario X, 2020\",,\n", CellError, "value"),
])
def test_bad_curated_csv_is_rejected_and_nothing_stored(tmp_path, name, text, error, column):
    from vigia.store import Store

    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    good = tmp_path / "good.csv"
    good.write_text(CURATED_HEADER + "homicidios_prensa,Homicidios / Homicides,Nacional,2019,34588,personas,"
                    "\"Diario X, 2020\",,\n", encoding="utf-8")
    with Store(tmp_path / "fresh.duckdb") as store:
        with pytest.raises(VigiaError) as info:
            store.ingest_path(path)
        assert store.releases().empty
        assert store.con.execute("SELECT count(*) FROM series").fetchone()[0] == 0
        assert store.con.execute("SELECT count(*) FROM cell_versions").fetchone()[0] == 0
        assert store.ingest_path(good).dataset == "curated"  # the same store still takes a good file
    assert isinstance(info.value, error), repr(info.value)
    assert info.value.column == column and name in str(info.value)


# ---- CLI -------------------------------------------------------------------------------------------------------

def test_cli_series_and_reconcile(full_store, monkeypatch):
    from vigia.cli import app

    monkeypatch.setattr("vigia.cli.context.open_store", lambda **kw: Borrowed(full_store))
    monkeypatch.setattr("vigia.cli.indicators.open_store", lambda **kw: Borrowed(full_store))
    runner = CliRunner()
    out = runner.invoke(app, ["reconcile", "--year", "2019", "--format", "csv"])
    assert out.exit_code == 0, out.output
    lines = out.output.strip().splitlines()
    assert {"geo", "sesnsp_victims", "inegi_deaths", "ratio", "score"} <= set(lines[0].split(",")) and len(lines) == 34
    out = runner.invoke(app, ["series", "--indicator", "envipe_percepcion_inseguridad", "--geo", "00",
                              "--format", "csv"])
    assert out.exit_code == 0, out.output
    assert {"survey_year", "reference_year"} <= set(out.output.splitlines()[0].split(","))
    out = runner.invoke(app, ["series", "--indicator", "wjp_rank", "--geo", "MEX", "--format", "csv"])
    assert out.exit_code == 0 and "countries" in out.output.splitlines()[0].split(",")
    out = runner.invoke(app, ["series", "--indicator", "presupuesto_sembrando_vida", "--freq", "year",
                              "--format", "csv"])
    assert out.exit_code == 0 and {"period", "value", "stage"} <= set(out.output.splitlines()[0].split(","))
    out = runner.invoke(app, ["reconcile", "--year", "2030"])
    assert out.exit_code == 2 and "2022" in out.output and "Traceback" not in out.output


