"""Indicators on real data: rates, the long series across methodologies, administrations, rankings."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from tests.conftest import Borrowed
from vigia.analysis.administrations import compare, get_administration, rank
from vigia.errors import QueryError
from vigia.geo import resolve_geo
from vigia.indicators.catalog import indicators
from vigia.indicators.compute import IndicatorQuery, indicator_series


def _series(store, indicator, **kw):
    return indicator_series(store.con, IndicatorQuery(indicator=indicator, **kw))


def test_victims_2019_count_and_rate(full_store):
    count = _series(full_store, "homicidio_doloso_victimas", freq="year", vintage="2025-06", start="2019", end="2019")
    assert int(count["value"].iloc[0]) == 34_723
    rate = _series(full_store, "homicidio_doloso_victimas", freq="year", unit="rate", vintage="2025-06",
                   start="2019", end="2019")
    assert round(float(rate["value"].iloc[0]), 2) == round(34_723 / 127_215_666 * 100_000, 2)
    assert rate["population"].iloc[0] == 127_215_666


def test_cieisp_national_homicide(full_store):
    frame = _series(full_store, "homicidio_doloso", freq="year", start="1997", end="2014")
    by_year = dict(zip(frame["period"], frame["value"]))
    assert by_year["2012"] == 21_736 and by_year["1997"] == 16_866
    assert set(frame["methodology"]) == {"cieisp"}


def test_long_series_marks_both_breaks(full_store):
    frame = _series(full_store, "homicidio_doloso", freq="year", start="1997", end="2026")
    assert list(frame.loc[frame["break"], "period"]) == ["2015", "2026"]
    assert dict(zip(frame["period"], frame["methodology"]))["2026"] == "rnid"
    assert set(frame[frame["methodology"] != "cnsp"]["comparable"]) == {"partial"}
    assert {b["period"] for b in frame.attrs["breaks"]} == {"2015", "2026"}


def test_national_is_sum_of_states_for_every_indicator(full_store):
    for ind in indicators():
        if ind.kind != "sesnsp":
            continue
        nat = _series(full_store, ind.id, freq="year", start="2019", end="2024", vintage="2024-11"
                      if ind.datasets == ("incidence",) else "2025-06")
        states = _series(full_store, ind.id, geo="*", freq="year", start="2019", end="2024",
                         vintage="2024-11" if ind.datasets == ("incidence",) else "2025-06")
        assert len(nat) > 0, ind.id
        summed = states.groupby("period")["value"].sum()
        assert (nat.set_index("period")["value"] == summed).all(), ind.id


def test_every_indicator_for_every_state_at_latest_vintage(full_store):
    for ind in indicators():
        if ind.kind != "sesnsp":
            continue
        frame = _series(full_store, ind.id, geo="*", freq="year", unit="rate")
        assert frame["geo"].nunique() == 32, ind.id
        assert frame["value"].notna().all(), ind.id


def test_alto_impacto_counts_each_cell_once(full_store):
    total = _series(full_store, "alto_impacto", freq="year", start="2023", end="2023")["value"].iloc[0]
    parts = sum(_series(full_store, c, freq="year", start="2023", end="2023")["value"].iloc[0]
                for c in ("homicidio_doloso", "feminicidio", "homicidio_culposo", "secuestro", "extorsion",
                          "trata_personas", "violacion", "narcomenudeo", "robo_con_violencia"))
    # Robbery components overlap (robo a negocio con violencia is also robo con violencia): the union is less
    # than the plain sum of all twelve but more than the non-overlapping part alone.
    assert total > parts
    plain = parts + sum(_series(full_store, c, freq="year", start="2023", end="2023")["value"].iloc[0]
                        for c in ("robo_negocio", "robo_vehiculo", "robo_casa_habitacion", "robo_transeunte"))
    assert total < plain


def test_state_spellings_resolve_to_one_code():
    for spelling in ("Coahuila", "Coahuila de Zaragoza", "coahuila"):
        assert resolve_geo(spelling) == "05"
    for spelling in ("Edomex", "México", "Estado de México", "Edo. Méx.", "edo. de mexico"):
        assert resolve_geo(spelling) == "15"
    for spelling in ("CDMX", "Ciudad de México", "Distrito Federal", "ciudad de mexico", "D.F."):
        assert resolve_geo(spelling) == "09"
    for spelling in ("Veracruz", "Veracruz de Ignacio de la Llave"):
        assert resolve_geo(spelling) == "30"
    for spelling in ("Michoacán", "Michoacan de Ocampo", "MICHOACÁN"):
        assert resolve_geo(spelling) == "16"


def test_compare_administrations_checked_by_hand(full_store, data_dir):
    frame = compare(full_store.con, "homicidio_doloso_victimas", align_months=24, vintage="2025-06")
    amlo = frame.set_index("administration").loc["lopez_obrador"]
    # By hand from the raw file: Dec 2018 from the 2018 rows, Jan 2019 – Nov 2020 from the 2019–2020 rows.
    raw = pd.read_csv(data_dir / "sesnsp/estatal_victimas_nm/IDVFC_NM_jun25_reconstructed.csv", encoding="latin-1")
    hom = raw[raw["Subtipo de delito"] == "Homicidio doloso"]
    months = ["Enero", "Febrero", "Marzo", "Abril", "Mayo", "Junio", "Julio", "Agosto", "Septiembre", "Octubre",
              "Noviembre", "Diciembre"]
    by_hand = (hom[hom["Año"] == 2018]["Diciembre"].sum() + hom[hom["Año"] == 2019][months].sum().sum()
               + hom[hom["Año"] == 2020][months[:11]].sum().sum())
    assert amlo["total"] == by_hand
    assert amlo["months"] == 24
    assert amlo["monthly_mean"] == pytest.approx(by_hand / 24)
    assert amlo["rate"] > 0
    # Victims start in 2015: no earlier administration's first 24 months are covered, nor Sheinbaum's yet.
    assert list(frame["administration"]) == ["lopez_obrador"]


def test_violent_vehicle_theft_checked_by_hand(full_store, data_dir):
    """The modalities 'con violencia' of 'Robo de vehículo automotor' (CNSP), summed by hand from the raw file."""
    raw = pd.read_csv(data_dir / "sesnsp/estatal_delitos_nm/IDEFC_NM_nov24.csv", encoding="latin-1", thousands=",")
    months = list(raw.columns[7:19])
    cars = raw[(raw["Subtipo de delito"] == "Robo de vehículo automotor")
               & raw["Modalidad"].str.lower().str.contains("con violencia")]
    frame = indicator_series(full_store.con, IndicatorQuery("robo_vehiculo_con_violencia", start="2015", end="2023",
                                                            vintage="2024-11")).set_index("period")["value"]
    everything = indicator_series(full_store.con, IndicatorQuery("robo_vehiculo", start="2015", end="2023",
                                                                 vintage="2024-11")).set_index("period")["value"]
    for year in range(2015, 2024):
        by_hand = cars[cars["Año"] == year][months].sum().sum()
        assert frame.loc[str(year)] == by_hand > 0
        assert by_hand < everything.loc[str(year)]


def test_compare_across_methodologies_is_flagged(full_store):
    frame = compare(full_store.con, "homicidio_doloso", align_months=24)
    assert list(frame["administration"]) == ["fox", "calderon", "pena_nieto", "lopez_obrador"]
    flags = dict(zip(frame["administration"], frame["comparable"]))
    assert flags["lopez_obrador"] == "no" and flags["calderon"] == "yes"
    assert get_administration("amlo").id == "lopez_obrador"


def test_rank_states(full_store):
    frame = rank(full_store.con, "homicidio_doloso_victimas", period="2024", unit="rate", vintage="2025-06",
                 compare_to="2023")
    assert len(frame) == 32 and list(frame["rank"])[:3] == [1, 2, 3]
    assert frame["value"].is_monotonic_decreasing
    top = frame.iloc[0]
    assert top["value"] == pytest.approx(top["count"] / top["population"] * 100_000)
    assert frame["change_pct"].notna().all()


def test_bad_requests_list_choices(full_store):
    with pytest.raises(QueryError) as info:
        _series(full_store, "homicidios")
    assert "homicidio_doloso" in str(info.value)
    with pytest.raises(QueryError) as info:
        _series(full_store, "homicidio_doloso", geo="Sinaloaa")
    assert "Sinaloa" in str(info.value)
    with pytest.raises(QueryError):
        _series(full_store, "homicidio_doloso", start="2019-13")
    with pytest.raises(QueryError):
        _series(full_store, "homicidio_doloso", unit="per_capita")


def test_cli_interface(full_store, monkeypatch):
    from vigia.cli import app

    monkeypatch.setattr("vigia.cli.indicators.open_store", lambda **kw: Borrowed(full_store))
    monkeypatch.setattr("vigia.cli.data.open_store", lambda **kw: Borrowed(full_store))
    runner = CliRunner()
    out = runner.invoke(app, ["indicators", "--format", "csv"])
    assert out.exit_code == 0 and out.output.startswith("id,label_es,label_en,measure")
    out = runner.invoke(app, ["series", "--indicator", "homicidio_doloso_victimas", "--geo", "00", "--freq", "year",
                              "--unit", "rate", "--vintage", "2025-06", "--format", "csv"])
    assert out.exit_code == 0, out.output
    header = out.output.splitlines()[0].split(",")
    assert {"geo", "period", "value"} <= set(header)
    out = runner.invoke(app, ["series", "--indicator", "homicidio_doloso", "--geo", "00", "--freq", "year",
                              "--from", "1997", "--to", "2026", "--format", "csv"])
    assert {"methodology", "comparable"} <= set(out.output.splitlines()[0].split(","))
    out = runner.invoke(app, ["compare", "--indicator", "homicidio_doloso_victimas", "--by", "administration",
                              "--align-months", "24", "--format", "csv"])
    assert {"administration", "months", "total", "monthly_mean", "rate", "change_pct"} <= set(
        out.output.splitlines()[0].split(","))
    out = runner.invoke(app, ["rank", "--indicator", "homicidio_doloso_victimas", "--unit", "rate", "--period",
                              "2024", "--format", "csv"])
    assert out.exit_code == 0 and len(out.output.strip().splitlines()) == 33
    out = runner.invoke(app, ["series", "--indicator", "homicidio_dolosos"])
    assert out.exit_code == 2 and "homicidio_doloso" in out.output and "Traceback" not in out.output


