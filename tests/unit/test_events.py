"""The curated events file and the loader/validator for user files."""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest

from vigia.errors import CellError, FileError, RowError
from vigia.events import KINDS, events_between, load_events, nearest_events, parse_events

# Dates the brief requires, checked against the packaged file (id → (date, end_date or None, geo)).
REQUIRED = {
    "operativo-conjunto-michoacan-2006": ("2006-12-11", None, ("16",)),
    "tlatlaya-2014": ("2014-06-30", None, ("15",)),
    "ayotzinapa-2014": ("2014-09-26", "2014-09-27", ("12",)),
    "sesnsp-metodologia-cnsp-2015": ("2015-01-01", None, ("00",)),
    "guardia-nacional-despliegue-2019": ("2019-06-30", None, ("00",)),
    "culiacanazo-2019": ("2019-10-17", None, ("25",)),
    "ataque-familia-lebaron-2019": ("2019-11-04", None, ("26",)),
    "ley-amnistia-2020": ("2020-04-22", None, ("00",)),
    "acuerdo-fuerza-armada-2020": ("2020-05-11", None, ("00",)),
    "atentado-garcia-harfuch-2020": ("2020-06-26", None, ("09",)),
    "detencion-cienfuegos-2020": ("2020-10-15", None, ("00",)),
    "eeuu-retira-cargos-cienfuegos-2020": ("2020-11-18", None, ("00",)),
    "senado-aprueba-cannabis-2020": ("2020-11-19", None, ("00",)),
    "reforma-ley-seguridad-nacional-2020": ("2020-12-18", None, ("00",)),
    "fgr-no-ejercicio-cienfuegos-2021": ("2021-01-14", None, ("00",)),
    "guardia-nacional-a-sedena-2022": ("2022-09-09", None, ("00",)),
    "recaptura-ovidio-guzman-2023": ("2023-01-05", None, ("25",)),
    "detencion-mayo-zambada-2024": ("2024-07-25", None, ("00",)),
    "guerra-sinaloa-2024": ("2024-09-09", None, ("25",)),
    "sheinbaum-toma-posesion-2024": ("2024-10-01", None, ("00",)),
    "sesnsp-rnid-2026": ("2026-01-01", None, ("00",)),
}


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    return load_events()


def test_packaged_file_is_valid_and_large_enough(events):
    assert len(events) >= 30
    assert events["id"].is_unique
    assert events["date"].is_monotonic_increasing
    assert events["date"].min().year == 2006 and events["date"].max().year == 2026
    assert set(events["kind"]) <= set(KINDS)
    assert list(events.columns[:9]) == ["id", "date", "end_date", "kind", "geo", "title_es", "title_en",
                                        "summary", "sources"]


@pytest.mark.parametrize("event_id", sorted(REQUIRED))
def test_required_events_have_the_right_dates(events, event_id):
    day, end, geo = REQUIRED[event_id]
    row = events.set_index("id").loc[event_id]
    assert row["date"] == pd.Timestamp(day)
    assert (pd.isna(row["end_date"]) if end is None else row["end_date"] == pd.Timestamp(end))
    assert row["geo"] == geo


def test_every_event_is_sourced_and_described(events):
    for row in events.itertuples():
        assert row.sources, row.id
        for source in row.sources:
            assert source["url"].startswith(("http://", "https://")), row.id
            assert source["publisher"] and source["title"]
        assert len(row.summary) > 60 and row.title_es and row.title_en


def test_both_methodology_changes_are_data_changes(events):
    changes = events[events["kind"] == "data_change"]
    assert {"sesnsp-metodologia-cnsp-2015", "sesnsp-rnid-2026"} <= set(changes["id"])


# --- user files -------------------------------------------------------------------------------------

GOOD = """\
events:
  - id: mi-evento
    date: "2021-03-04"
    kind: operation
    geo: [8, "25"]
    title_es: Operativo de prueba
    title_en: Test operation
    summary: Something happened.
    sources:
      - publisher: DOF
        title: Edición del día
        date: "2021-03"
        url: https://www.dof.gob.mx/index.php?year=2021&month=03&day=04
"""


def write(tmp_path, text: str):
    path = tmp_path / "mine.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_user_file_loads_and_pads_codes(tmp_path):
    frame = load_events(write(tmp_path, GOOD))
    assert frame.loc[0, "geo"] == ("08", "25")
    assert frame.loc[0, "sources"][0]["date"] == "2021-03"
    assert frame.attrs["source_file"].endswith("mine.yaml")


def test_a_bare_list_is_accepted(tmp_path):
    text = "\n".join(line[2:] for line in GOOD.splitlines()[1:])
    assert len(load_events(write(tmp_path, text))) == 1


@pytest.mark.parametrize("old, new, error, line, column", [
    ('date: "2021-03-04"', 'date: "2021-02-30"', CellError, 3, "date"),
    ('date: "2021-03-04"', "date: 04/03/2021", CellError, 3, "date"),
    ("kind: operation", "kind: raid", CellError, 4, "kind"),
    ('geo: [8, "25"]', 'geo: ["33"]', CellError, 5, "geo"),
    ('geo: [8, "25"]', 'geo: ["00", "25"]', CellError, 5, "geo"),
    ("        url: https://www.dof.gob.mx/index.php?year=2021&month=03&day=04\n", "", CellError, 10,
     "sources.url"),
    ("        url: https://www.dof.gob.mx/index.php?year=2021&month=03&day=04", "        url: dof.gob.mx",
     CellError, 13, "sources.url"),
    ("    summary: Something happened.", "    summary: Something happened.\n    notes: extra", CellError, 9,
     "notes"),
    ('        date: "2021-03"', '        date: "2021-13"', CellError, 12, "sources.date"),
])
def test_malformed_files_name_line_and_field(tmp_path, old, new, error, line, column):
    assert old in GOOD
    with pytest.raises(error) as info:
        load_events(write(tmp_path, GOOD.replace(old, new)))
    assert info.value.line == line
    assert info.value.column == column
    assert "mine.yaml" in str(info.value) and f"line {line}" in str(info.value)


def test_missing_sources(tmp_path):
    text = GOOD.split("    sources:")[0]
    with pytest.raises(CellError) as info:
        load_events(write(tmp_path, text))
    assert info.value.column == "sources"


def test_duplicate_id_is_a_row_error(tmp_path):
    body = GOOD.split("events:\n", 1)[1]
    with pytest.raises(RowError) as info:
        load_events(write(tmp_path, "events:\n" + body + body))
    assert info.value.line == 14 and "line 2" in str(info.value)


def test_yaml_syntax_error_is_a_file_error(tmp_path):
    with pytest.raises(FileError) as info:
        load_events(write(tmp_path, GOOD.replace("title_en: Test operation", "title_en: [unclosed")))
    assert info.value.line is not None


def test_empty_and_missing_files(tmp_path):
    with pytest.raises(FileError):
        load_events(write(tmp_path, "# nothing here\n"))
    with pytest.raises(FileError):
        load_events(tmp_path / "absent.yaml")


def test_end_date_before_date(tmp_path):
    text = GOOD.replace('    date: "2021-03-04"', '    date: "2021-03-04"\n    end_date: "2021-03-01"')
    with pytest.raises(CellError) as info:
        parse_events(textwrap.dedent(text), "x.yaml")
    assert info.value.column == "end_date"


# --- queries ----------------------------------------------------------------------------------------

def test_events_between_filters_by_geo_and_keeps_national(events):
    sinaloa = events_between("2019-10-01", "2019-12-31", geo="Sinaloa", events=events)
    assert list(sinaloa["id"]) == ["culiacanazo-2019"]
    national = events_between("2020-10-01", "2020-12-31", geo="25", events=events)
    assert "detencion-cienfuegos-2020" in set(national["id"])
    only_state = events_between("2020-10-01", "2020-12-31", geo="25", events=events, include_national=False)
    assert only_state.empty


def test_events_between_uses_the_event_span(events):
    # Ayotzinapa spans 26–27 Sep 2014: a window starting on the 27th still overlaps it.
    assert "ayotzinapa-2014" in set(events_between("2014-09-27", "2014-09-30", events=events)["id"])


def test_nearest_events_are_sorted_by_distance_with_signed_days(events):
    near = nearest_events("2019-10-20", k=3, events=events)
    assert list(near["id"][:2]) == ["culiacanazo-2019", "emboscada-aguililla-2019"]
    assert near.loc[0, "days"] == -3
    assert (near["days"].abs().diff().dropna() >= 0).all()
    assert len(nearest_events("2019-10-20", k=0, events=events)) == 0
