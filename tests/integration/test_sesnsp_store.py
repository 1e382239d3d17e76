"""The store on the real SESNSP releases: golden totals, as-of queries, revisions, order independence."""

from __future__ import annotations

import csv

import pytest

from tests.conftest import INCIDENCE_FILES, RNID_FILE, VICTIMS_FILES
from vigia.store import Store

DISTINCT_INCIDENCE_PAIRS = 376_262  # MANIFEST: distinct (cell, value) pairs across the 8 incidence releases


def _year_total(store: Store, dataset: str, subtype: str, year: int, vintage: str, instrument=None) -> float | None:
    frame = store.series(dataset, subtype=subtype, freq="year", vintage=vintage, start=str(year), end=str(year),
                         instrument=instrument)
    return None if frame.empty else float(frame["value"].sum())


def test_golden_national_totals_every_subtype_every_release(full_store: Store, data_dir):
    """Every row of the independently computed golden file, at its release's vintage."""
    with open(data_dir / "golden" / "sesnsp_national_by_subtype.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 3984
    # One query per (dataset, vintage): national totals by subtype and year.
    cache: dict[tuple[str, str], dict[tuple[str, str], tuple[float, int]]] = {}
    mismatches = []
    for row in rows:
        key = (row["dataset"], row["vintage"])
        if key not in cache:
            frame = full_store.series(row["dataset"], freq="year", vintage=row["vintage"], by=["subtipo"])
            cache[key] = {(str(r.period), r.subtipo, r.instrument): (float(r.value), int(r.months))
                          for r in frame.itertuples()}
        got = cache[key].get((row["year"], row["subtype"], row["instrument"]))
        expected = (float(row["national_total"]), int(row["months_published"]))
        if got != expected:
            mismatches.append((row["file"], row["year"], row["subtype"], expected, got))
    assert not mismatches, mismatches[:10]


def test_as_of_homicide_carpetas(full_store: Store):
    assert _year_total(full_store, "incidence", "Homicidio doloso", 2019, "2020-12") == 29_455
    assert _year_total(full_store, "incidence", "Homicidio doloso", 2019, "2024-11") == 29_500
    # A vintage between releases answers with the release then current (feb 2021 here).
    assert _year_total(full_store, "incidence", "Homicidio doloso", 2019, "2021-06") == 29_484


def test_revisions_sum_to_the_difference(full_store: Store):
    rev = full_store.revisions("incidence", subtype="Homicidio doloso", from_vintage="2020-12",
                               to_vintage="2024-11", start="2019-01", end="2019-12")
    assert len(rev) > 0
    assert set(rev["geo"]) <= {f"{i:02d}" for i in range(1, 33)}
    assert (rev["old_value"] != rev["new_value"]).all()
    assert int(rev["change"].sum()) == 29_500 - 29_455
    # Over every year both vintages publish, too.
    rev_all = full_store.revisions("incidence", subtype="Homicidio doloso", from_vintage="2020-12",
                                   to_vintage="2024-11")
    for year in range(2015, 2021):
        old = _year_total(full_store, "incidence", "Homicidio doloso", year, "2020-12")
        new = _year_total(full_store, "incidence", "Homicidio doloso", year, "2024-11")
        assert rev_all[rev_all["period"].str.startswith(str(year))]["change"].sum() == new - old


def test_partial_victims_release(full_store: Store):
    assert _year_total(full_store, "victims", "Homicidio doloso", 2019, "2019-12") == 34_582
    assert _year_total(full_store, "victims", "Homicidio doloso", 2019, "2025-06") == 34_723
    # The 2019-only file speaks for 2019 alone: at 2019-12 there is nothing else, later years untouched.
    frame = full_store.series("victims", subtype="Homicidio doloso", freq="year", vintage="2019-12")
    assert list(frame["period"]) == ["2019"]
    assert _year_total(full_store, "victims", "Homicidio doloso", 2018, "2025-06") == 33_742
    assert _year_total(full_store, "victims", "Feminicidio", 2019, "2019-12") == 1_006
    assert _year_total(full_store, "victims", "Feminicidio", 2019, "2025-06") == 970


def test_storage_keeps_only_changes(full_store: Store):
    kept = full_store.con.execute(
        """
        SELECT count(*) FROM observations o JOIN series s USING (series_id)
        WHERE s.dataset = 'incidence' AND s.instrument = 'cnsp'
        """
    ).fetchone()[0]
    names = [f.rsplit("/", 1)[-1] for f in INCIDENCE_FILES]
    largest = full_store.con.execute(
        "SELECT max(cell_count) FROM releases WHERE file_name IN (SELECT unnest(?))", [names]
    ).fetchone()[0]
    assert largest == 373_184
    assert DISTINCT_INCIDENCE_PAIRS <= kept <= 1.02 * DISTINCT_INCIDENCE_PAIRS


def test_observations_view_is_alfred_style(full_store: Store):
    bad = full_store.con.execute(
        "SELECT count(*) FROM observations WHERE valid_to IS NOT NULL AND valid_to <= valid_from"
    ).fetchone()[0]
    assert bad == 0
    # Consecutive records of a cell never repeat a value (the chain is minimal).
    repeats = full_store.con.execute(
        """
        SELECT count(*) FROM (
            SELECT value, lag(value) OVER (PARTITION BY series_id, period ORDER BY valid_from) AS prev,
                   row_number() OVER (PARTITION BY series_id, period ORDER BY valid_from) AS k
            FROM observations)
        WHERE k > 1 AND value IS NOT DISTINCT FROM prev
        """
    ).fetchone()[0]
    assert repeats == 0


def test_reingest_is_a_noop(full_store: Store, data_dir):
    before = full_store.con.execute("SELECT count(*) FROM cell_versions").fetchone()[0]
    before_releases = len(full_store.releases())
    report = full_store.ingest_path(data_dir / INCIDENCE_FILES[-1])
    assert report.skipped
    assert full_store.con.execute("SELECT count(*) FROM cell_versions").fetchone()[0] == before
    assert len(full_store.releases()) == before_releases


def _dump(store: Store, sesnsp_only: bool = False) -> list[tuple]:
    where = "WHERE s.dataset IN ('incidence', 'victims') AND s.instrument <> 'cieisp'" if sesnsp_only else ""
    return store.con.execute(
        f"""
        SELECT s.dataset, s.instrument, s.geo, s.bien, s.tipo, s.subtipo, s.modalidad, s.sexo, s.edad,
               o.period, o.value, o.valid_from, o.valid_to
        FROM observations o JOIN series s USING (series_id) {where} ORDER BY ALL
        """
    ).fetchall()


@pytest.mark.slow
def test_any_ingest_order_gives_the_same_store(full_store: Store, data_dir, tmp_path):
    """Reverse order (and victims mixed in) yields exactly the same records, hence the same answers."""
    reverse = Store(tmp_path / "reverse.duckdb")
    for rel in (RNID_FILE, *reversed(VICTIMS_FILES), *reversed(INCIDENCE_FILES)):
        reverse.ingest_path(data_dir / rel)
    assert _dump(reverse) == _dump(full_store, sesnsp_only=True)
    for vintage in ("2020-10", "2021-02", "2023-12", "2025-06"):
        for dataset in ("incidence", "victims"):
            a = full_store.series(dataset, freq="year", vintage=vintage, by=["subtipo"], instrument="cnsp")
            b = reverse.series(dataset, freq="year", vintage=vintage, by=["subtipo"], instrument="cnsp")
            assert a.drop(columns=["published", "vintage"]).equals(b.drop(columns=["published", "vintage"]))
    reverse.close()


def test_negative_cells_are_kept_and_flagged(full_store: Store):
    flags = full_store.con.execute("SELECT count(*), min(value) FROM quality_flags WHERE rule = 'negative_value'")
    count, lowest = flags.fetchone()
    if count:
        assert lowest < 0


def test_state_names_in_any_spelling(full_store: Store):
    a = full_store.series("incidence", geo="Edomex", subtype="Homicidio doloso", freq="year", vintage="2024-11")
    b = full_store.series("incidence", geo="México", subtype="homicidio DOLOSO", freq="year", vintage="2024-11")
    c = full_store.series("incidence", geo="15", subtype="Homicidio doloso", freq="year", vintage="2024-11")
    assert list(a["value"]) == list(b["value"]) == list(c["value"])
    assert (a["geo"] == "15").all()


def test_national_is_sum_of_states(full_store: Store):
    nat = full_store.series("victims", subtype="Homicidio doloso", freq="year", vintage="2025-06")
    states = full_store.series("victims", geo="*", subtype="Homicidio doloso", freq="year", vintage="2025-06")
    summed = states.groupby("period")["value"].sum()
    assert (nat.set_index("period")["value"] == summed).all()
