"""The analyses on the real releases: Sinaloa 2024 ITS, national breaks, quality flags, an injected
reclassification, and the CLI commands (events, trend, changepoints, its, quality).

Figures are printed (visible with -s) so docs/analysis.md can quote them; no timing is asserted.
"""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from tests.conftest import Borrowed
from vigia.analysis.service import changepoints_for, its_for, quality_for, silent_months
from vigia.events import load_events
from vigia.store import Store

NOV24 = "sesnsp/estatal_delitos_nm/IDEFC_NM_nov24.csv"
runner = CliRunner()


@pytest.fixture(scope="module")
def latest_quality(full_store: Store) -> tuple[pd.DataFrame, float]:
    """Quality flags over every state at the latest vintage, with the seconds it took."""
    began = time.perf_counter()
    flags = quality_for(full_store.con)
    return flags, time.perf_counter() - began



@pytest.fixture()
def cli(full_store: Store, monkeypatch):
    monkeypatch.setattr("vigia.cli.analysis.open_store", lambda **kw: Borrowed(full_store))
    from vigia.cli import app

    def invoke(*args: str):
        return runner.invoke(app, list(args), env={"COLUMNS": "200"})

    return invoke


def _header(text: str) -> list[str]:
    return next(csv.reader(io.StringIO(text)))


# --- (a) interrupted time series -------------------------------------------------------------------------

def test_sinaloa_2024_homicide_victims_level_increase(full_store: Store):
    r = its_for(full_store.con, "homicidio_doloso_victimas", "25", "2024-09")
    print(f"\nSinaloa, víctimas de homicidio doloso, ITS en 2024-09: nivel {r['level_change']:+.1%} "
          f"(IC 95% {r['ci_low']:+.1%} a {r['ci_high']:+.1%}), pendiente {r['slope_change']:+.2%}/mes, "
          f"p placebo {r['placebo_p']:.3f} (n={r['placebo_n']}), {r['n_pre']}+{r['n_post']} meses, "
          f"{r['pre_mean']:.1f} → {r['post_mean']:.1f} al mes, corte {r['vintage']}")
    assert r["population_offset"] is True  # CONAPO is in the store: the effect is on the rate
    assert r["methodology"] == "cnsp"
    assert r["level_change"] > 0 and r["ci_low"] > 0, "the 95% interval of the level change must exclude zero"
    assert r["n_pre"] == 48 and r["n_post"] >= 6
    assert r["placebo_p"] <= 0.05  # no pre-period date shows a jump that large
    assert any("Sinaloa" in c or "Zambada" in c for c in r["caveats"])  # concurrent events are named


def test_its_uses_only_the_event_methodology(full_store: Store):
    """A 48-month pre-period before 2016-06 would reach into CIEISP: only CNSP months are used, and said."""
    r = its_for(full_store.con, "homicidio_doloso", "00", "2016-06", placebo=False)
    assert r["window_start"] == "2015-01" and r["n_pre"] == 17 and r["window_end"] == "2020-05"
    assert any("Sólo se usaron los meses continuos" in c for c in r["caveats"])
    assert any("Oaxaca" in c for c in r["caveats"])  # silent months inside the window are named


# --- (b) changepoints ------------------------------------------------------------------------------------

def test_national_homicide_breaks_have_nearest_events(full_store: Store):
    found = changepoints_for(full_store.con, "homicidio_doloso", "00", "2015-01", "2024-12")
    print("\nCambios de nivel, homicidio doloso (carpetas), nacional 2015-01..2024-12:")
    for r in found.itertuples():
        print(f"  {r.date}: {r.before_mean:,.0f} → {r.after_mean:,.0f} ({r.change_pct:+.1f}%), confianza "
              f"{r.confidence:.2f}; evento más cercano {r.nearest_event_date} ({r.days_to_event:+d} días): "
              f"{r.nearest_event}")
    assert len(found) >= 1
    ids = set(load_events()["id"])
    assert found["nearest_event"].notna().all() and set(found["nearest_event_id"]) <= ids
    assert found["date"].between("2015-07", "2024-06").all()  # min_size months from either end
    assert (found["vintage"] == "2024-11").all()

    # Oaxaca's all-zero months (2015, and 2016-10) are reported, never hidden in the national sum.
    silent = pd.DataFrame(found.attrs["silent"])
    assert set(silent["geo"]) == {"20"} and (silent["period"].str[:4] == "2015").sum() >= 6
    assert found.attrs["excluded_geos"] == []


def test_national_breaks_without_silent_states_are_the_same_breaks(full_store: Store):
    with_all = changepoints_for(full_store.con, "homicidio_doloso", "00", n_boot=0)
    without = changepoints_for(full_store.con, "homicidio_doloso", "00", exclude_silent=True, n_boot=0)
    print(f"\nSin Oaxaca: {list(without['date'])} vs con Oaxaca: {list(with_all['date'])}")
    assert without.attrs["excluded_geos"] == ["20"]
    assert len(without) == len(with_all)
    gaps = [abs((pd.Period(a) - pd.Period(b)).n) for a, b in zip(without["date"], with_all["date"])]
    assert max(gaps) <= 3  # the silent months do not create or move a break by more than a quarter


def test_a_state_with_silent_months_is_refused_not_patched(full_store: Store):
    from vigia.errors import QueryError

    with pytest.raises(QueryError, match="Oaxaca.*start after 2016-10"):
        changepoints_for(full_store.con, "homicidio_doloso", "20", exclude_silent=True, n_boot=0)


# --- (c) quality at the latest vintage -------------------------------------------------------------------

def test_quality_all_states_latest_vintage(latest_quality):
    flags, seconds = latest_quality
    counts = flags.groupby(["instrument", "rule"]).size()
    print(f"\nCalidad, incidence, último corte: {len(flags)} banderas en {seconds:.1f} s\n{counts.to_string()}")
    assert {"geo", "period", "rule", "evidence", "severity", "instrument", "vintage"} <= set(flags.columns)
    assert flags["geo"].nunique() >= 25
    assert set(flags["rule"]) >= {"silent_reporting", "reclassification", "large_revision",
                                  "sesnsp_inegi_divergence"}
    oaxaca = flags[(flags["geo"] == "20") & (flags["rule"] == "silent_reporting")]
    assert {"2015-01", "2015-03", "2016-10"} <= set(oaxaca["period"])
    assert set(flags.loc[flags["instrument"] == "cnsp", "vintage"]) == {"2024-11"}
    revised = flags[flags["rule"] == "large_revision"]
    assert revised["evidence"].str.contains("entre los cortes").all()


def test_silent_months_of_a_window(full_store: Store):
    silent = silent_months(full_store.con, "incidence", start="2015-01", end="2015-12")
    assert list(silent["geo"].unique()) == ["20"] and len(silent) == 8


# --- (d) an injected reclassification --------------------------------------------------------------------

def _inject(src: Path, dst: Path, *, state: str, year: str, months: list[str], share: float) -> int:
    """Move ``share`` of every Homicidio doloso modalidad to Homicidio culposo 'Con otro elemento'."""
    with open(src, encoding="latin-1", newline="") as fh:
        rows = list(csv.reader(fh))
    cols = [rows[0].index(m) for m in months]
    moved = dict.fromkeys(cols, 0)
    target = None
    for row in rows[1:]:
        if row[0] != year or row[1] != state:
            continue
        if row[5] == "Homicidio doloso":
            for c in cols:
                k = round(int(row[c]) * share)
                row[c], moved[c] = str(int(row[c]) - k), moved[c] + k
        elif row[5] == "Homicidio culposo" and row[6] == "Con otro elemento":
            target = row
    assert target is not None
    for c in cols:
        target[c] = str(int(target[c]) + moved[c])
    with open(dst, "w", encoding="latin-1", newline="") as fh:  # same encoding and CRLF as the release
        csv.writer(fh, lineterminator="\r\n").writerows(rows)
    return sum(moved.values())


def test_injected_reclassification_is_flagged(data_dir, tmp_path, latest_quality):
    months = ["Marzo", "Abril", "Mayo", "Junio"]
    src = tmp_path / "IDEFC_NM_nov24.csv"  # the release's own name, so the reader finds its vintage
    moved = _inject(data_dir / NOV24, src, state="11", year="2023", months=months, share=0.5)
    with Store(tmp_path / "injected.duckdb") as store:
        store.ingest_path(src)
        flags = quality_for(store.con)
    hit = flags[(flags["geo"] == "11") & (flags["rule"] == "reclassification")
                & (flags["subtipo"] == "Homicidio doloso")]
    print(f"\nGuanajuato, {moved} carpetas movidas de homicidio doloso a culposo (2023-03..06):\n"
          + "\n".join(hit["evidence"]))
    assert len(hit) == 1
    flag = hit.iloc[0]
    assert flag["period"] == "2023-03" and flag["period_end"] == "2023-06" and flag["severity"] == "high"
    assert "Homicidio culposo" in flag["evidence"]
    # Control: the release as published has no such flag.
    real, _ = latest_quality
    assert real[(real["geo"] == "11") & (real["subtipo"] == "Homicidio doloso")].empty


# --- (e) CLI -------------------------------------------------------------------------------------------

def test_cli_events_csv(cli):
    out = cli("events", "--format", "csv")
    assert out.exit_code == 0, out.output
    header = _header(out.stdout)
    assert {"id", "date", "kind", "geo", "title_es", "title_en", "source_url"} <= set(header)
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert len(rows) == len(load_events()) and all(r["source_url"].startswith("http") for r in rows)
    out = cli("events", "--geo", "Sinaloa", "--only-state", "--from", "2024", "--format", "json")
    assert out.exit_code == 0, out.output
    assert [e["id"] for e in json.loads(out.stdout)] == ["guerra-sinaloa-2024"]


def test_cli_changepoints_csv(cli):
    out = cli("changepoints", "--indicator", "homicidio_doloso", "--geo", "00", "--bootstrap", "50",
              "--format", "csv")
    assert out.exit_code == 0, out.output
    assert {"date", "nearest_event", "change_pct", "confidence"} <= set(_header(out.stdout))
    assert len(out.stdout.strip().splitlines()) >= 2
    assert "Oaxaca" in out.stderr  # the silent months are announced on stderr


def test_cli_its_json(cli):
    out = cli("its", "--indicator", "homicidio_doloso_victimas", "--geo", "25", "--date", "2024-09",
              "--format", "json")
    assert out.exit_code == 0, out.output
    result = json.loads(out.stdout)
    assert {"level_change", "ci_low", "ci_high", "slope_change", "placebo_p"} <= set(result)
    assert result["population_offset"] is True and result["ci_low"] > 0


def test_cli_quality_and_trend_csv(cli):
    out = cli("quality", "--format", "csv", "--geo", "Oaxaca", "--instrument", "cnsp")
    assert out.exit_code == 0, out.output
    assert {"geo", "period", "rule", "evidence"} <= set(_header(out.stdout))
    assert "silent_reporting" in out.stdout and "flags" in out.stderr
    out = cli("trend", "--indicator", "homicidio_doloso", "--geo", "25", "--format", "csv")
    assert out.exit_code == 0, out.output
    assert {"period", "observed", "trend", "seasonal", "resid"} <= set(_header(out.stdout))


@pytest.mark.parametrize("command", ["events", "trend", "changepoints", "its", "quality"])
def test_cli_help(cli, command):
    out = cli(command, "--help")
    assert out.exit_code == 0 and "--format" in out.output and "Usage" in out.output


@pytest.mark.parametrize(("args", "says"), [
    (["its", "-i", "homicidio", "-g", "25", "--date", "2024-09"], "unknown indicator 'homicidio'"),
    (["its", "-i", "homicidio_doloso_victimas", "-g", "Sinaola", "--date", "2024-09"], "Sinaloa"),
    (["its", "-i", "homicidio_doloso_victimas", "-g", "25", "--date", "2024-13"], "date: '2024-13'"),
    (["its", "-i", "homicidio_doloso_victimas", "-g", "25", "--date", "2030-01"], "2015-01..2025-06"),
    (["changepoints", "-i", "homicidio_doloso", "--from", "2010", "--to", "2020"], "methodology"),
    (["trend", "-i", "wjp_score"], "not a monthly SESNSP count"),
    (["quality", "--dataset", "nope"], "Valid choices: incidence, victims"),
    (["events", "--kind", "massacre"], "violent_event"),
])
def test_cli_clear_errors(cli, args, says):
    out = cli(*args)
    assert out.exit_code == 2, out.output
    assert says in out.output and "Traceback" not in out.output


# --- (f) a malformed events file -------------------------------------------------------------------------

BAD_EVENTS = """\
events:
  - id: ejemplo-bueno
    date: "2020-01-05"
    kind: policy
    geo: ["00"]
    title_es: Algo
    title_en: Something
    summary: Texto propio.
    sources:
      - publisher: DOF
        title: Edición
        url: https://www.dof.gob.mx/
  - id: ejemplo-malo
    date: "2019-02-30"
    kind: policy
    geo: ["00"]
    title_es: Algo
    title_en: Something
    summary: Texto propio.
    sources:
      - publisher: DOF
        title: Edición
        url: https://www.dof.gob.mx/
"""


def test_cli_malformed_events_file_names_line_and_field(cli, tmp_path):
    bad = tmp_path / "mis_eventos.yaml"
    bad.write_text(BAD_EVENTS, encoding="utf-8")
    for args in (["events", "--file", str(bad)],
                 ["changepoints", "-i", "homicidio_doloso", "--events", str(bad), "--bootstrap", "0"]):
        out = cli(*args)
        assert out.exit_code == 2, out.output
        assert "mis_eventos.yaml, line 14, column 'date'" in out.output and "2019-02-30" in out.output
    missing_kind = tmp_path / "sin_tipo.yaml"
    missing_kind.write_text(BAD_EVENTS.split("  - id: ejemplo-malo")[0].replace("    kind: policy\n", ""),
                            encoding="utf-8")
    out = cli("events", "--file", str(missing_kind))
    assert out.exit_code == 2 and "sin_tipo.yaml, line 2, column 'kind': missing field 'kind'" in out.output
