"""Briefs on real data: three formats, an openable PDF, a self-contained HTML, byte-identical output,
numbers re-derived from the raw official files, and graceful degradation when sources are missing."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from vigia.errors import QueryError
from vigia.reports import brief

GENERATED = "2025-01-15"
VICTIMS = "sesnsp/estatal_victimas_nm/IDVFC_NM_jun25_reconstructed.csv"
INCIDENCE = "sesnsp/estatal_delitos_nm/IDEFC_NM_nov24.csv"
CONAPO = "conapo/5_Indicadores_demográficos_proyecciones.xlsx"
# The latest release of each source, as in the embedded snapshot the CLI falls back to.
BRIEF_FILES = (INCIDENCE, VICTIMS, "sesnsp/rnid_2026/estatal_n.csv", CONAPO,
               "inegi/envipe/data_percepcion_seguridad.xlsx",
               "wjp/2024_wjp_rule_of_law_index_HISTORICAL_DATA_FILE.xlsx",
               "inegi/homicidios/mexico-state-month-homicide-rates-2000-2022.csv")
MONTHS = ("Enero", "Febrero", "Marzo", "Abril", "Mayo", "Junio", "Julio", "Agosto", "Septiembre", "Octubre",
          "Noviembre", "Diciembre")


def _store(folder: Path, data_dir: Path, files) -> Path:
    from vigia.store import Store

    path = folder / "vigia.duckdb"
    store = Store(path)
    for rel in files:
        store.ingest_path(data_dir / rel)
    store.close()
    return path


@pytest.fixture(scope="module")
def brief_store(data_dir, tmp_path_factory):
    from vigia.store import Store

    path = _store(tmp_path_factory.mktemp("brief_store"), data_dir, BRIEF_FILES)
    store = Store(path, read_only=True)
    yield store
    store.close()


@pytest.fixture(scope="module")
def geometry(data_dir) -> Path:
    return data_dir / "geo" / "00ent_mexico.geojson"


def _en_brief(store, geometry):
    return brief(store.con, administration="lopez_obrador", months=24, lang="en", generated=GENERATED,
                 geometry=geometry)


@pytest.fixture(scope="module")
def en_brief(brief_store, geometry):
    return _en_brief(brief_store, geometry)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        message = f"{name} (poppler-utils) is not installed"
        if os.environ.get("VIGIA_REQUIRE_DATA") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return path


def test_every_format_renders(en_brief, tmp_path):
    md = en_brief.markdown(figure_dir=tmp_path / "brief_figures")
    assert md.startswith("# Public-security brief: Mexico (national)")
    for heading in ("## Summary", "## Headline indicators by year", "## Comparison with the previous administration",
                    "## States", "## Monthly series", "## Perception of insecurity and rule of law",
                    "## Events of the period", "## Data-quality warnings", "## Sources", "## Notes"):
        assert heading in md, heading
    assert "34,723" in md and "69,552" in md  # 2019 and Dec 2018–Nov 2020 victims of homicidio doloso
    refs = {int(n) for n in re.findall(r"\[\^(\d+)\](?!:)", md)}
    defined = {n.number for n in en_brief.footnotes}
    assert refs == defined == set(range(1, len(defined) + 1))  # numbered in reading order, none orphaned
    assert (tmp_path / "brief_figures" / "monthly.svg").stat().st_size > 1000
    assert "](brief_figures/map.svg)" in md
    assert en_brief.html().startswith("<!DOCTYPE html>")
    assert en_brief.pdf().startswith(b"%PDF-")
    assert '"footnotes"' in en_brief.json()


def test_pdf_opens_and_holds_the_headline_figures(en_brief, tmp_path):
    pdftoppm, pdftotext = _tool("pdftoppm"), _tool("pdftotext")
    pdf = tmp_path / "brief.pdf"
    en_brief.pdf(pdf)
    subprocess.run([pdftoppm, "-r", "50", "-f", "1", "-l", "1", "-png", str(pdf), str(tmp_path / "page")],
                   check=True, timeout=60)
    page = next(tmp_path.glob("page*.png"))
    assert page.read_bytes().startswith(b"\x89PNG") and page.stat().st_size > 5000
    text = subprocess.run([pdftotext, "-layout", str(pdf), "-"], check=True, capture_output=True, text=True,
                          timeout=60).stdout
    head = en_brief.data["headline"]["homicidio_doloso_victimas"]
    for figure in ("34,723", "69,552", f"{head['period']['rate']:.1f}", "IDVFC_NM_jun25_reconstructed.csv"):
        assert figure in text, figure


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.refs: list[tuple[str, str, str]] = []  # tag, attribute, value

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "srcset", "poster", "data", "action") and value is not None:
                self.refs.append((tag, name, value))


def test_html_is_self_contained(en_brief):
    page = en_brief.html()
    parser = _Refs()
    parser.feed(page)
    assert not {"script", "link", "iframe", "object", "embed", "base"} & set(parser.tags)
    assert "@import" not in page and "url(" not in page
    allowed = {s.url for s in en_brief.sources if s.url}
    from vigia.events import load_events

    allowed |= {src["url"] for sources in load_events()["sources"] for src in sources}
    for tag, attr, value in parser.refs:
        if attr == "src":
            assert value.startswith("data:image/"), value[:60]
        else:  # links only: to a cited source, an event's source, or inside the page
            assert tag == "a" and attr == "href", (tag, attr)
            assert value.startswith("#") or value in allowed, value
    assert sum(1 for _, attr, _ in parser.refs if attr == "src") == 2  # the monthly chart and the map


def test_same_inputs_give_byte_identical_output(en_brief, brief_store, geometry, tmp_path):
    again = _en_brief(brief_store, geometry)
    a, b = tmp_path / "a" / "brief_figures", tmp_path / "b" / "brief_figures"
    assert en_brief.markdown(figure_dir=a) == again.markdown(figure_dir=b)
    for name in ("monthly.svg", "map.svg"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert en_brief.html() == again.html()
    assert en_brief.pdf() == again.pdf()
    assert en_brief.json() == again.json()


def _raw_counts(data_dir: Path) -> dict[str, pd.DataFrame]:
    """The official state files, melted to one row per state, category and month."""
    out = {}
    for key, rel in (("victims", VICTIMS), ("incidence", INCIDENCE)):
        raw = pd.read_csv(data_dir / rel, encoding="latin-1")
        long = raw.melt(id_vars=[c for c in raw.columns if c not in MONTHS], value_vars=list(MONTHS),
                        var_name="mes", value_name="n").dropna(subset=["n"])
        long["month"] = pd.to_datetime(dict(year=long["Año"], month=long["mes"].map(
            {m: i for i, m in enumerate(MONTHS, start=1)}), day=1))
        long["geo"] = long["Clave_Ent"].astype(int).map("{:02d}".format)
        out[key] = long
    return out


RAW_FILTERS = {  # indicator → (file, column, value): the categories as the SESNSP files name them
    "homicidio_doloso_victimas": ("victims", "Subtipo de delito", "Homicidio doloso"),
    "feminicidio_victimas": ("victims", "Subtipo de delito", "Feminicidio"),
    "homicidio_doloso": ("incidence", "Subtipo de delito", "Homicidio doloso"),
    "secuestro": ("incidence", "Tipo de delito", "Secuestro"),
    "extorsion": ("incidence", "Tipo de delito", "Extorsión"),
}


def test_numbers_rederived_from_the_raw_files(en_brief, data_dir):
    raw = _raw_counts(data_dir)
    conapo = pd.read_excel(data_dir / CONAPO, usecols=["AÑO", "CVE_GEO", "POB_MIT_AÑO"])
    pop = {(f"{int(g):02d}", int(y)): float(p) for y, g, p in conapo.itertuples(index=False)}
    sha = {rel: hashlib.sha256((data_dir / rel).read_bytes()).hexdigest() for rel in (VICTIMS, INCIDENCE, CONAPO)}
    checked = 0
    for note in en_brief.footnotes:
        facts = note.facts
        if facts.get("indicator") not in RAW_FILTERS or "rate" not in facts:
            continue
        file_key, column, value = RAW_FILTERS[facts["indicator"]]
        months = pd.date_range(facts["start"] + "-01", facts["end"] + "-01", freq="MS")
        rows = raw[file_key]
        rows = rows[(rows[column] == value) & rows["month"].isin(months)]
        if facts["geo"] != "00":
            rows = rows[rows["geo"] == facts["geo"]]
        assert rows["n"].sum() == facts["count"], note.text
        # Month-weighted mean CONAPO population of the window, the annual rate, and the note's own words.
        mean = sum(pop[(facts["geo"], m.year)] for m in months) / len(months)
        factor = 1 if (len(months) == 12 and months[0].month == 1) else 12 / len(months)
        rate = facts["count"] / mean * 100_000 * factor
        assert abs(rate - facts["rate"]) < 1e-9, note.text
        assert f"{int(facts['count']):,} / {round(mean):,} × 100,000" in note.text
        cited = {s.file_name: s.sha256 for s in note.sources}
        rel = VICTIMS if file_key == "victims" else INCIDENCE
        assert cited[Path(rel).name] == sha[rel] and cited[Path(CONAPO).name] == sha[CONAPO]
        assert sha[rel][:8] in note.text
        checked += 1
    assert checked >= 20
    # The headline checked by hand: 34,723 / 127,215,666 × 100,000 (MANIFEST §2.1 and §4).
    year = en_brief.data["headline"]["homicidio_doloso_victimas"]["2019"]
    assert (year["count"], year["population"]) == (34_723, 127_215_666)


def test_state_brief_in_spanish(brief_store):
    doc = brief(brief_store.con, geo="Sinaloa", start="2019-01", end="2019-12", lang="es", generated=GENERATED,
                quality=False)
    md = doc.markdown()
    assert md.startswith("# Informe de seguridad pública: Sinaloa")
    assert "## Indicadores principales por año" in md and "## Advertencias sobre los datos" in md
    assert [p["label"] for p in doc.data["perception"]] == ["ENVIPE 2018", "ENVIPE 2019"]
    assert any(s["geo"] == "25" for s in doc.data["states"])
    assert "| **" in md  # Sinaloa's own row stands out in the ranking
    assert doc.data["headline"]["homicidio_doloso_victimas"]["2019"]["count"] > 0


def test_degrades_when_sources_are_missing(data_dir, tmp_path, monkeypatch):
    from vigia.reports import geometry as geometry_module
    from vigia.store import Store

    path = _store(tmp_path, data_dir, (INCIDENCE, VICTIMS))
    monkeypatch.setitem(sys.modules, "vigia.analysis.service", None)  # the quality service not installed
    monkeypatch.setattr(geometry_module, "_packaged", lambda: [])
    monkeypatch.delenv("VIGIA_GEOMETRY", raising=False)
    with Store(path, read_only=True) as store:
        doc = brief(store.con, administration="amlo", months=12, lang="en", generated=GENERATED)
    md = doc.markdown()
    assert "Perception-of-insecurity data (ENVIPE) are not available in this store." in md
    assert "Rule-of-law data (World Justice Project) are not available in this store." in md
    assert "There is no CONAPO population in this store" in md
    assert "The data-quality service (vigia.analysis.service) is not installed" in md
    assert "No state map was drawn" in md
    assert doc.data["headline"]["homicidio_doloso_victimas"]["2019"]["count"] > 0
    assert all("rate" not in n.facts for n in doc.footnotes)
    assert doc.pdf().startswith(b"%PDF-") and "<table>" in doc.html()


def test_cli_acceptance_command(brief_store, tmp_path, monkeypatch):
    from vigia.cli import app

    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(brief_store.path, home / "vigia.duckdb")  # the CLI's store: $VIGIA_HOME/vigia.duckdb
    monkeypatch.setenv("VIGIA_HOME", str(home))
    out = tmp_path / "brief.md"
    result = CliRunner().invoke(app, ["brief", "--administration", "lopez_obrador", "--months", "24", "--lang", "en",
                                      "--format", "md", "--out", str(out), "--generated", GENERATED])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "First 24 months of Andrés Manuel López Obrador's term" in text and "69,552" in text
    assert (tmp_path / "brief_figures" / "monthly.svg").exists()
    bad = CliRunner().invoke(app, ["brief", "--administration", "amlo", "--from", "2019"])
    assert bad.exit_code != 0 and "either --administration" in bad.output


def test_multi_release_store_cites_the_release_that_publishes_each_number(data_dir, tmp_path):
    """With several releases stored, a note cites the latest release covering its months (the file that
    prints the number), not the older releases that first recorded the unchanged cells."""
    from vigia.analysis.administrations import compare
    from vigia.store import Store

    files = ("sesnsp/estatal_delitos_nm/IDEFC_NM_oct2020.csv", INCIDENCE,
             "sesnsp/estatal_victimas_nm/IDVFC_NM_nov24_reconstructed.csv", VICTIMS, CONAPO)
    with Store(_store(tmp_path, data_dir, files), read_only=True) as store:
        doc = brief(store.con, administration="lopez_obrador", months=24, lang="en", generated=GENERATED,
                    quality=False)
        table = compare(store.con, "homicidio_doloso_victimas", align_months=24)
        old = brief(store.con, start="2019-01", end="2019-12", vintage="2020-10", generated=GENERATED,
                    quality=False)
    notes = {(n.facts.get("indicator"), n.facts.get("start"), n.facts.get("end")): n for n in doc.footnotes}
    victims = notes[("homicidio_doloso_victimas", "2019-01", "2019-12")]
    carpetas = notes[("homicidio_doloso", "2019-01", "2019-12")]
    assert victims.sources[0].file_name == "IDVFC_NM_jun25_reconstructed.csv"
    assert carpetas.sources[0].file_name == "IDEFC_NM_nov24.csv"
    assert (victims.facts["count"], carpetas.facts["count"]) == (34_723, 29_500)  # MANIFEST §2.1 and §1.1
    # The comparison agrees with administrations.compare().
    amlo = table[table["administration"] == "lopez_obrador"].iloc[0]
    mine = doc.data["compare"]["homicidio_doloso_victimas"]["current"]
    assert mine["count"] == amlo["total"] and abs(mine["rate"] - amlo["rate"]) < 1e-9
    # As published in October 2020: the older file is cited, with its own (unrevised) total.
    then = old.data["headline"]["homicidio_doloso"]["2019"]
    assert then["count"] == 29_458
    assert any(n.facts is then and n.sources[0].file_name == "IDEFC_NM_oct2020.csv" for n in old.footnotes)


def test_bad_requests_are_explained(brief_store):
    with pytest.raises(QueryError, match="either --administration"):
        brief(brief_store.con, administration="amlo", start="2019")
    with pytest.raises(QueryError, match="--months counts"):
        brief(brief_store.con, months=12)
    with pytest.raises(QueryError, match="language"):
        brief(brief_store.con, lang="fr")
    with pytest.raises(QueryError, match="unknown geography"):
        brief(brief_store.con, geo="Sinaloaa")


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_claim_checker_agrees_with_a_brief(brief_store, geometry, lang):
    """Vigía's own brief, read back by `vigia check`: no figure contradicted (quality warnings' ratios and revisions
    are not read as crime counts), most figures found exactly, in either language."""
    from vigia.claims import check_text

    doc = brief(brief_store.con, administration="lopez_obrador", months=24, lang=lang, generated=GENERATED,
                geometry=geometry)
    claims = check_text(brief_store.con, doc.markdown(), lang=lang)
    contradicted = [(c.text, c.sentence[:80], c.explanation[:80]) for c in claims if c.verdict == "contradicted"]
    assert not contradicted
    assert sum(c.verdict == "exact" for c in claims) >= 0.7 * len(claims)
