"""Trend, changepoints, interrupted time series (with simulation checks) and data-quality flags."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from vigia.analysis import AnalysisError, changepoints, its, quality_flags, stl_decompose

MONTHS = pd.date_range("2015-01-01", periods=120, freq="MS")
NO_EVENTS = pd.DataFrame()  # disables event look-ups where a test does not need them


def seasonal_counts(rng, n=120, base=500.0, shift_at=None, shift=0.0, start="2015-01-01"):
    t = np.arange(n)
    mu = base * (1 + 0.1 * np.sin(2 * np.pi * t / 12))
    if shift_at is not None:
        mu = mu * np.where(t >= shift_at, 1 + shift, 1.0)
    return pd.Series(rng.poisson(mu).astype(float), index=pd.date_range(start, periods=n, freq="MS"))


def events_frame(*rows):
    frame = pd.DataFrame(rows, columns=["id", "date", "kind", "geo", "title_es", "title_en"])
    frame["date"] = pd.to_datetime(frame["date"])
    frame["end_date"] = pd.NaT
    return frame


# --- STL ----------------------------------------------------------------------------------------------

def test_stl_reconstructs_the_series_and_finds_seasonality():
    s = seasonal_counts(np.random.default_rng(1))
    out = stl_decompose(s)
    assert list(out.columns) == ["observed", "trend", "seasonal", "resid"]
    assert np.allclose(out["trend"] + out["seasonal"] + out["resid"], s)
    assert out.attrs["seasonal_strength"] > 0.6


def test_stl_log_scale():
    out = stl_decompose(seasonal_counts(np.random.default_rng(2)), log=True)
    assert out.attrs["log"] and out["observed"].max() < 10


@pytest.mark.parametrize("series, message", [
    (pd.Series([1.0] * 20, index=pd.date_range("2020-01-01", periods=20, freq="MS")), "too short"),
    (pd.Series([1.0] * 30, index=pd.date_range("2020-01-01", periods=31, freq="MS").delete(5)), "missing"),
    (pd.Series([1.0] * 30, index=range(30)), "index must be monthly"),
    (pd.Series([1.0] * 29 + [np.nan], index=pd.date_range("2020-01-01", periods=30, freq="MS")),
     "without a value"),
])
def test_stl_rejects_bad_series_clearly(series, message):
    with pytest.raises(AnalysisError, match=message):
        stl_decompose(series)


# --- changepoints -------------------------------------------------------------------------------------

def test_changepoint_found_near_the_injected_break_with_nearest_event():
    s = seasonal_counts(np.random.default_rng(3), shift_at=60, shift=0.2)
    events = events_frame(("x", "2019-12-20", "policy", ("00",), "Evento X", "Event X"),
                          ("y", "2016-05-01", "law", ("00",), "Evento Y", "Event Y"))
    out = changepoints(s, events=events, n_boot=40)
    assert list(out.columns[:8]) == ["date", "before_mean", "after_mean", "change_pct", "confidence",
                                     "nearest_event", "nearest_event_date", "days_to_event"]
    assert len(out) == 1
    row = out.iloc[0]
    assert abs((row["date"] - MONTHS[60]).days) <= 92
    assert 14 < row["change_pct"] < 26
    assert row["confidence"] >= 0.8
    assert row["nearest_event"] == "Evento X" and row["days_to_event"] == -12


def test_no_changepoint_on_stationary_noise():
    out = changepoints(seasonal_counts(np.random.default_rng(4)), events=NO_EVENTS, n_boot=0)
    assert out.empty and "confidence" in out.columns


def test_changepoints_short_series_error():
    with pytest.raises(AnalysisError, match="at least 12"):
        changepoints(seasonal_counts(np.random.default_rng(5), n=10), events=NO_EVENTS)


def test_changepoints_penalty_is_respected():
    s = seasonal_counts(np.random.default_rng(6), shift_at=60, shift=0.2)
    assert changepoints(s, penalty=1e12, events=NO_EVENTS, n_boot=0).empty


# --- interrupted time series ----------------------------------------------------------------------------

N_SIM, EFFECT, BASE = 200, 0.20, 60.0


def simulate_its(effect: float, seed: int) -> list[dict]:
    """Poisson months with seasonality and a mild trend, 48 before and 48 after 2016-01-01."""
    rng = np.random.default_rng(seed)
    t = np.arange(96)
    idx = pd.date_range("2012-01-01", periods=96, freq="MS")
    mu = BASE * (1 + 0.1 * np.sin(2 * np.pi * t / 12)) * np.exp(0.002 * t) * np.where(t >= 48, 1 + effect, 1)
    return [its(pd.Series(rng.poisson(mu), index=idx), "2016-01-01", placebo=False, events=NO_EVENTS)
            for _ in range(N_SIM)]


@pytest.fixture(scope="module")
def simulations():
    start = time.perf_counter()
    out = {"effect": simulate_its(EFFECT, seed=20240501), "null": simulate_its(0.0, seed=20240502)}
    out["seconds"] = time.perf_counter() - start
    return out


def test_its_interval_coverage_is_honest(simulations):
    covered = np.mean([r["ci_low"] <= EFFECT <= r["ci_high"] for r in simulations["effect"]])
    assert 0.90 <= covered <= 0.99, covered


def test_its_detects_a_20_percent_change(simulations):
    power = np.mean([r["p_value"] < 0.05 for r in simulations["effect"]])
    assert power >= 0.80, power
    assert abs(np.median([r["level_change"] for r in simulations["effect"]]) - EFFECT) < 0.03


def test_its_false_detections_without_change(simulations):
    false_rate = np.mean([r["p_value"] < 0.05 for r in simulations["null"]])
    assert false_rate <= 0.10, false_rate
    assert simulations["seconds"] < 60


def test_its_result_keys_placebo_and_caveats():
    rng = np.random.default_rng(7)
    s = seasonal_counts(rng, base=80, shift_at=60, shift=0.3)
    events = events_frame(("main", "2020-01-15", "policy", ("00",), "Principal", "Main"),
                          ("near", "2020-03-01", "arrest", ("25",), "Cercano", "Nearby"),
                          ("method", "2015-01-01", "data_change", ("00",), "Metodología", "Methodology"))
    r = its(s, "2020-01-15", events=events, geo="25", pre_months=60, post_months=48)
    for key in ("level_change", "ci_low", "ci_high", "slope_change", "slope_ci_low", "slope_ci_high",
                "p_value", "pre_mean", "post_mean", "placebo_p", "n_pre", "n_post", "family", "caveats",
                "caveats_en"):
        assert key in r
    assert r["n_pre"] == 60 and r["n_post"] == 48 and r["family"] == "negbin"
    assert r["first_post_month"] == pd.Timestamp("2020-02-01")
    assert 0.15 < r["level_change"] < 0.45 and r["ci_low"] < r["level_change"] < r["ci_high"]
    assert r["placebo_n"] == 37 and 0 < r["placebo_p"] <= 0.1
    text = " ".join(r["caveats_en"])
    assert "Nearby" in text and "Methodology" in text and "transition month" in text
    assert "Principal" not in " ".join(r["caveats"])


def test_its_population_offset_and_poisson_family():
    rng = np.random.default_rng(8)
    s = seasonal_counts(rng, base=100, shift_at=48, shift=0.25, n=96)
    growing = pd.Series(np.linspace(1e6, 1.3e6, 96), index=s.index)
    by_year = growing.groupby(growing.index.year).mean()
    r1 = its(s, s.index[48], population=growing, events=NO_EVENTS, placebo=False)
    r2 = its(s, s.index[48], population=by_year, events=NO_EVENTS, placebo=False, family="poisson")
    assert r1["post_rate"] > 0 and r2["family"] == "poisson"
    assert abs(r1["level_change"] - r2["level_change"]) < 0.05


def test_its_short_windows_warn_or_fail():
    s = seasonal_counts(np.random.default_rng(9), n=40)
    r = its(s, s.index[20], events=NO_EVENTS, placebo=True)
    assert any("Short window" in c for c in r["caveats_en"])
    assert any("No placebo test" in c for c in r["caveats_en"])
    with pytest.raises(AnalysisError, match="At least 12"):
        its(s, s.index[5], events=NO_EVENTS)
    with pytest.raises(AnalysisError, match="unknown family"):
        its(s, s.index[20], family="gaussian", events=NO_EVENTS)


def test_its_flags_overdispersion_and_zero_months():
    rng = np.random.default_rng(10)
    s = pd.Series(rng.negative_binomial(5, 5 / (5 + 100), 96).astype(float),
                  index=pd.date_range("2012-01-01", periods=96, freq="MS"))
    s.iloc[30] = 0
    r = its(s, s.index[48], events=NO_EVENTS, placebo=False)
    text = " ".join(r["caveats_en"])
    assert "Overdispersion" in text and "0 records" in text
    assert r["nb_alpha"] > 0.05


# --- data quality ---------------------------------------------------------------------------------------

SUBTYPES = ["Homicidio doloso", "Homicidio culposo", "Feminicidio",
            "Otros delitos que atentan contra la vida y la integridad corporal", "Robo a negocio",
            "Robo de vehículo automotor", "Robo de autopartes", "Otros robos", "Extorsión", "Secuestro",
            "Lesiones dolosas", "Lesiones culposas", "Violencia familiar", "Narcomenudeo", "Amenazas"]


def synthetic_cells(seed=11, geos=32, months=120, subtypes=SUBTYPES) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    codes = [f"{i:02d}" for i in range(1, geos + 1)]
    periods = pd.date_range("2015-01-01", periods=months, freq="MS")
    idx = pd.MultiIndex.from_product([codes, periods, subtypes], names=["geo", "period", "subtipo"])
    rate = rng.gamma(2.0, 30.0, size=(geos, len(subtypes)))
    lam = np.repeat(rate, months, axis=0).reshape(geos, months, len(subtypes)).ravel()
    return pd.DataFrame({"value": rng.poisson(lam).astype(float)}, index=idx).reset_index()


def test_clean_data_has_no_flags():
    assert quality_flags(synthetic_cells()).empty


def test_injected_reclassification_is_flagged():
    cells = synthetic_cells()
    window = (cells["geo"] == "14") & cells["period"].between("2019-03-01", "2019-05-01")
    doloso = window & (cells["subtipo"] == "Homicidio doloso")
    culposo = window & (cells["subtipo"] == "Homicidio culposo")
    moved = np.round(cells.loc[doloso, "value"].to_numpy() * 0.6)
    cells.loc[doloso, "value"] -= moved
    cells.loc[culposo, "value"] += moved
    flags = quality_flags(cells)
    assert len(flags) == 1
    flag = flags.iloc[0]
    assert (flag["geo"], flag["rule"], flag["subtipo"]) == ("14", "reclassification", "Homicidio doloso")
    assert flag["period"] == pd.Timestamp("2019-03-01") and flag["period_end"] == pd.Timestamp("2019-05-01")
    assert "Jalisco" in flag["evidence"] and "Homicidio culposo" in flag["evidence"]
    assert flag["severity"] in {"high", "medium"}


def test_silent_negative_and_blank_months():
    cells = synthetic_cells(geos=5, months=36)
    cells.loc[(cells["geo"] == "02") & (cells["period"] == "2016-06-01"), "value"] = 0.0
    cells.loc[(cells["geo"] == "03") & (cells["period"] == "2016-07-01"), "value"] = np.nan
    cells.loc[(cells["geo"] == "04") & (cells["period"] == "2017-12-01"), "value"] = np.nan
    # December 2017 not yet published anywhere: blank, but not suspect.
    cells.loc[(cells["period"] == "2017-12-01") & (cells["geo"] != "04"), "value"] = np.nan
    cells.loc[cells.index[3], "value"] = -1.0
    flags = quality_flags(cells)
    got = set(zip(flags["geo"], flags["period"].dt.strftime("%Y-%m"), flags["rule"], flags["severity"]))
    assert got == {("02", "2016-06", "silent_reporting", "high"),
                   ("03", "2016-07", "silent_reporting", "medium"),
                   ("01", "2015-01", "negative_value", "medium")}


def test_large_revisions_and_inegi_divergence():
    cells = synthetic_cells(geos=3, months=24)
    revisions = pd.DataFrame({"geo": ["1", "02", "03"], "period": ["2016-01", "2016-02", "2016-03"],
                              "subtipo": ["Homicidio doloso"] * 3, "old_value": [100, 100, 100],
                              "new_value": [104, 180, 130], "vintage": ["2016-06"] * 3})
    inegi = pd.DataFrame({"geo": ["05"] * 4 + ["06"] * 4, "year": [2017, 2018, 2019, 2020] * 2,
                          "ratio": [0.9, 0.92, 0.5, 0.52, 1.1, 1.05, 1.12, 1.08]})
    flags = quality_flags(cells, revisions=revisions, inegi=inegi)
    rev = flags[flags["rule"] == "large_revision"]
    assert list(zip(rev["geo"], rev["severity"])) == [("02", "high"), ("03", "medium")]
    assert "100 a 180" in rev.iloc[0]["evidence"] and "2016-06" in rev.iloc[0]["evidence"]
    div = flags[flags["rule"] == "sesnsp_inegi_divergence"]
    assert list(div["geo"]) == ["05"] and div.iloc[0]["period"] == pd.Timestamp("2019-01-01")
    assert div.iloc[0]["severity"] == "high" and "0.92" in div.iloc[0]["evidence"]


def test_missing_columns_are_reported():
    with pytest.raises(AnalysisError, match="subtipo"):
        quality_flags(pd.DataFrame({"geo": ["01"], "period": ["2020-01"], "value": [1]}))


def test_quality_flags_full_size_is_fast():
    from vigia.analysis.quality import sibling_groups

    subtypes = SUBTYPES + [f"Otro {i}" for i in range(55 - len(SUBTYPES))]
    cells = synthetic_cells(seed=12, subtypes=subtypes)
    assert len(cells) == 32 * 120 * 55 and not sibling_groups().empty
    start = time.perf_counter()
    quality_flags(cells)
    assert time.perf_counter() - start < 20
