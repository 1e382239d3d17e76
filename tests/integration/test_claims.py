"""The claim checker on a corpus built from the real releases (tests/data/claims), plus its CLI contract."""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import Borrowed
from vigia.claims import VERDICTS, check_file, check_text
from vigia.claims.numbers import parse_literal, scan
from vigia.claims.vocabulary import fold
from vigia.store import Store

CORPUS = Path(__file__).resolve().parents[1] / "data" / "claims"
EXPECTED = list(csv.DictReader((CORPUS / "expected.csv").open(encoding="utf-8")))
FILES = sorted({r["file"] for r in EXPECTED})
INTERFACE = ("text", "value", "verdict", "indicator", "measure", "geo", "period", "vintage", "matched_value",
             "latest_value", "explanation")
runner = CliRunner()



@pytest.fixture()
def cli(full_store: Store, monkeypatch):
    monkeypatch.setattr("vigia.store.open_store", lambda **kw: Borrowed(full_store))
    from vigia.cli import app

    def invoke(*args: str, stdin: str | None = None):
        return runner.invoke(app, list(args), input=stdin, env={"COLUMNS": "200"})

    return invoke


# ---- the corpus --------------------------------------------------------------------------------------------

def test_corpus_is_big_and_varied():
    assert len(EXPECTED) >= 25
    assert {r["category"] for r in EXPECTED} >= {"true", "revised", "confused", "false", "unverifiable"}
    assert {r["verdict"] for r in EXPECTED} == set(VERDICTS)
    assert {"es", "en"} == {f[:2] for f in FILES}


@pytest.mark.parametrize("name", FILES)
def test_every_claim_gets_its_verdict(full_store: Store, name: str):
    claims = check_file(full_store.con, CORPUS / name)
    expected = [r for r in EXPECTED if r["file"] == name]
    found = [(c.text, c.verdict) for c in claims]
    assert found == [(r["text"], r["verdict"]) for r in expected], name
    for c, r in zip(claims, expected):
        where = f"{name} #{r['n']} {r['text']!r}"
        assert c.kind == r["kind"], where
        for field in ("indicator", "measure", "vintage"):
            if r[field]:
                assert getattr(c, field) == r[field], f"{where}: {field}"
        assert c.explanation, where
        if c.verdict == "unverifiable":
            assert c.matched_value is None, where


def test_the_feminicide_example(full_store: Store):
    text = "Feminicides rose from 428 in 2015 to 1,006 in 2019."
    a, b, change = check_text(full_store.con, text)
    assert (a.verdict, a.matched_value, a.vintage, a.measure) == ("exact", 428, "2025-06", "victimas")
    assert (b.verdict, b.matched_value, b.vintage, b.latest_value, b.latest_vintage) == (
        "exact", 1006, "2019-12", 970, "2025-06")
    assert "2019-12" in b.explanation and "970" in b.explanation
    assert change.kind == "implied_change" and change.period == "2015→2019"
    assert change.verdict == "contradicted" and round(change.matched_value, 1) == 126.6
    assert "2019-12" in change.explanation


def test_confused_measure_names_the_series_it_matches(full_store: Store):
    (c,) = check_text(full_store.con, "En 2019 hubo 29,455 víctimas de homicidio doloso.")
    assert (c.verdict, c.measure, c.measure_claimed, c.vintage, c.latest_value) == (
        "contradicted", "carpetas", "victimas", "2020-12", 29500)
    assert "carpetas" in c.explanation and "34,723" in c.explanation
    (e,) = check_text(full_store.con, "In 2019 there were 29,455 intentional homicide case files.")
    assert (e.verdict, e.vintage, e.latest_value) == ("exact", "2020-12", 29500)
    assert "2020-12" in e.explanation and "29,500" in e.explanation


def test_ranks_and_editions(full_store: Store):
    (c,) = check_text(full_store.con, "In 2018 the Rule of Law Index ranked Mexico 97 of 126.")
    assert c.verdict == "contradicted" and c.period == "2017-2018"
    assert "no such ranking in that edition" in c.explanation and "92 of 113" in c.explanation
    (s,) = check_text(full_store.con, "En el Índice de Estado de Derecho 2019, México quedó en el lugar 99 de 126.")
    assert s.verdict == "exact" and s.matched_total == 126


# ---- numbers as written -------------------------------------------------------------------------------------

@pytest.mark.parametrize("literal, value, precision", [
    ("34,588", 34588, 1), ("34.588", 34588, 1), ("34 588", 34588, 1), ("1,006", 1006, 1), ("74.3", 74.3, 0.1),
    ("74,3", 74.3, 0.1), ("0.428", 0.428, 0.001), ("1,234.5", 1234.5, 0.1), ("1.234,5", 1234.5, 0.1),
])
def test_literals(literal, value, precision):
    v, p, _ = parse_literal(literal)
    assert v == pytest.approx(value) and p == pytest.approx(precision)


@pytest.mark.parametrize("text, value, precision", [
    ("34 mil homicidios", 34000, 1000), ("74,3 por ciento", 74.3, 0.1), ("1.2 millones", 1_200_000, 100_000),
    ("28.9 mil millones de pesos", 28.9e9, 1e8), ("34 mil 588", 34588, 1), ("34k", 34000, 1000),
])
def test_multipliers(text, value, precision):
    (n,) = scan(text, fold(text), 0, len(text))
    assert n.value == pytest.approx(value) and n.precision == pytest.approx(precision)


def test_spanish_and_english_forms_agree(full_store: Store):
    forms = ["En 2019 hubo 34.723 víctimas de homicidio doloso.", "En 2019 hubo 34 723 víctimas de homicidio doloso.",
             "In 2019 there were 34,723 victims of intentional homicide.",
             "Hubo casi 35 mil víctimas de homicidio doloso en 2019."]
    for text in forms:
        (c,) = check_text(full_store.con, text)
        assert (c.verdict, c.indicator, c.period) == ("exact", "homicidio_doloso_victimas", "2019"), text


# ---- the command ------------------------------------------------------------------------------------------

def test_cli_json_interface(cli):
    r = cli("check", str(CORPUS / "en_feminicides.md"), "--format", "json")
    assert r.exit_code == 0, r.output
    records = json.loads(r.stdout)
    assert isinstance(records, list) and len(records) == sum(x["file"] == "en_feminicides.md" for x in EXPECTED)
    for rec in records:
        assert set(INTERFACE) <= set(rec)
        assert rec["verdict"] in VERDICTS
    assert records[1]["vintage"] == "2019-12" and records[1]["latest_value"] == 970


def test_cli_table_csv_and_stdin(cli):
    r = cli("check", str(CORPUS / "es_contexto.md"))
    assert r.exit_code == 0 and "exact" in r.stdout and "92 de 113" in r.stdout
    r = cli("check", str(CORPUS / "es_contexto.md"), "-f", "csv")
    assert r.exit_code == 0 and r.stdout.splitlines()[0].startswith("id,text,value,verdict,indicator")
    r = cli("check", "-", "-f", "json", stdin="En 2018 hubo 33,742 víctimas de homicidio doloso.")
    assert r.exit_code == 0 and json.loads(r.stdout)[0]["verdict"] == "exact"


def test_cli_annotated_copies(cli, tmp_path):
    md, page = tmp_path / "out.md", tmp_path / "out.html"
    assert cli("check", str(CORPUS / "en_feminicides.md"), "--annotated", str(md)).exit_code == 0
    assert cli("check", str(CORPUS / "en_feminicides.md"), "--annotated", str(page)).exit_code == 0
    text = md.read_text(encoding="utf-8")
    assert "1,006 ✅[^c2]" in text and "[^c2]: ✅ exact" in text and "revised to 970" in text
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and 'class="claim contradicted"' in html and 'id="c3"' in html


def test_cli_no_claims_empty_and_binary(cli, tmp_path):
    none = tmp_path / "none.md"
    none.write_text("# Nota\n\nUn texto sin cifras, publicado en 2024.\n", encoding="utf-8")
    r = cli("check", str(none))
    assert r.exit_code == 0 and "no numeric claims" in r.output.lower()
    r = cli("check", str(none), "-f", "json")
    assert r.exit_code == 0 and json.loads(r.stdout) == []
    empty = tmp_path / "empty.md"
    empty.write_text("  \n", encoding="utf-8")
    binary = tmp_path / "report.pdf"
    binary.write_bytes(b"%PDF-1.7\n\x00\x01\x02binary\xff\xfe" * 20)
    for path in (empty, binary, tmp_path / "missing.md"):
        r = cli("check", str(path))
        assert r.exit_code != 0, path
        assert "Traceback" not in r.output and "Error" in r.output, r.output
        assert r.exception is None or isinstance(r.exception, SystemExit)


def test_a_short_article_checks_in_a_few_seconds(full_store: Store):
    text = "\n\n".join((CORPUS / f).read_text(encoding="utf-8") for f in FILES)
    fresh = duckdb_copy(full_store)  # a new connection: nothing precomputed yet
    try:
        start = time.perf_counter()
        claims = check_text(fresh, text)
        elapsed = time.perf_counter() - start
    finally:
        fresh.close()
    assert len(claims) >= 50
    assert elapsed < 10, f"{elapsed:.1f}s for {len(claims)} claims"


def duckdb_copy(store: Store):
    """A second connection to the session store's database (same process, same configuration)."""
    return store.con.cursor()


def test_spans_months_days_and_rates(full_store: Store):
    """Sums over years, months of a release, daily averages and rates, from MANIFEST §1.1, §2.1 and §4."""
    text = ("Entre 2019 y 2023 hubo 163,351 víctimas de homicidio doloso. "  # 34723+34569+33359+30979+29721
            "De enero a noviembre de 2024 se abrieron 23,581 carpetas por homicidio doloso. "
            "En 2024 hubo unas 82 víctimas de homicidio doloso al día. "  # 30046 / 366
            "La tasa fue de 27.3 víctimas de homicidio doloso por cada 100 mil habitantes en 2019.")  # 34723/127215666
    span, months, daily, rate = check_text(full_store.con, text)
    assert (span.verdict, span.period, span.vintage) == ("exact", "2019-2023", "2025-06")
    assert (months.verdict, months.period, months.vintage) == ("exact", "2024-01/2024-11", "2024-11")
    assert (daily.verdict, daily.vintage) == ("exact", "2025-06") and round(daily.matched_value, 1) == 82.1
    assert (rate.kind, rate.verdict) == ("rate", "exact") and round(rate.matched_value, 2) == 27.29


def test_measure_named_but_not_published_is_unverifiable(full_store: Store):
    (c,) = check_text(full_store.con, "In 2014 there were 20,010 victims of intentional homicide.")
    assert c.verdict == "unverifiable" and "2014" in c.explanation
    (m,) = check_text(full_store.con, "Las policías municipales de León reportaron 500 homicidios en 2019.")
    assert m.verdict == "unverifiable"


def _national_sum(store: Store, indicator: str, first: str, last: str) -> int:
    """The indicator's national monthly values over [first, last], as published now, summed."""
    from vigia.indicators.compute import IndicatorQuery, indicator_series

    frame = indicator_series(store.con, IndicatorQuery(indicator, freq="month", start=first, end=last))
    (y1, m1), (y2, m2) = (map(int, first.split("-")), map(int, last.split("-")))
    assert len(frame) == (y2 - y1) * 12 + m2 - m1 + 1, "the store must hold every month of the span"
    return int(frame["value"].sum())


def test_periods_named_by_a_presidential_term(full_store: Store):
    """'the first 24 months of López Obrador's government' is December 2018 – November 2020 (month 1 of a term is
    the month it starts, as in `vigia compare` and the briefs); a whole finished term runs to its last month."""
    amlo = _national_sum(full_store, "homicidio_doloso_victimas", "2018-12", "2020-11")
    calderon = _national_sum(full_store, "homicidio_doloso", "2006-12", "2012-11")
    text = (f"Durante los primeros 24 meses del gobierno de López Obrador se registraron {amlo:,} víctimas de "
            f"homicidio doloso. In AMLO's first two years there were {round(amlo * 1.05):,} victims of intentional "
            f"homicide. Durante el sexenio de Felipe Calderón (2006-2012) se abrieron {calderon:,} carpetas por "
            "homicidio doloso. El gobierno de López Obrador anunció 2,000 elementos en 2019.")
    first, second, third, *_ = check_text(full_store.con, text)
    assert (first.verdict, first.period, first.matched_value) == ("exact", "2018-12/2020-11", amlo)
    assert (second.verdict, second.period) == ("contradicted", "2018-12/2020-11")
    assert (third.verdict, third.period, third.measure) == ("exact", "2006-12/2012-11", "carpetas")


def test_term_phrases_and_their_months():
    from vigia.claims.terms import term_spans

    def spans(text: str, today=None):
        folded = fold(text)
        return [(folded[a:b], first, last) for a, b, first, last in term_spans(folded, 0, len(folded), today)]

    assert spans("en el primer año de gobierno de Sheinbaum") == [
        ("el primer ano de gobierno de sheinbaum", (2024, 10), (2025, 9))]
    assert spans("los primeros dos años del sexenio de Peña Nieto")[0][1:] == ((2012, 12), (2014, 11))
    assert spans("during the Calderón administration")[0][1:] == ((2006, 12), (2012, 11))
    assert spans("under President Fox")[0][1:] == ((2000, 12), (2006, 11))
    assert spans("durante el mandato del presidente López Obrador")[0][1:] == ((2018, 12), (2024, 9))
    # The government as an actor, a term still running, days: no period.
    assert spans("El gobierno de López Obrador anunció") == []
    assert spans("en lo que va del sexenio de Sheinbaum") == []
    import datetime as dt
    assert spans("durante el sexenio de Sheinbaum", today=dt.date(2031, 1, 1))[0][1:] == ((2024, 10), (2030, 9))
    assert spans("en los primeros 100 días del gobierno de Sheinbaum") == []


def test_a_sentence_citing_inegi_is_about_death_certificates(full_store: Store):
    """'Según el INEGI … homicidios' names INEGI's deaths even with no measure word next to the figure; a national
    figure a few percent above the stored series (by state) gets the reason: INEGI's headline adds deaths of
    unknown place."""
    from vigia.indicators.compute import IndicatorQuery, indicator_series

    deaths = indicator_series(full_store.con, IndicatorQuery("defunciones_homicidio", start="2019", end="2019"))
    value = int(deaths["value"].iloc[0])
    exact, headline = check_text(full_store.con, f"Según el INEGI, en 2019 hubo {value:,} homicidios. "
                                                 f"According to INEGI, there were {round(value * 1.04):,} "
                                                 "homicides in 2019.")
    assert (exact.verdict, exact.measure, exact.indicator) == ("exact", "defunciones", "defunciones_homicidio")
    assert (headline.verdict, headline.measure) == ("contradicted", "defunciones")
    assert "unknown place" in headline.explanation


def test_where_a_text_places_a_state(full_store: Store):
    """'el estado con más…', 'el tercer lugar nacional', 'la entidad con menos…', 'la tasa más alta': the place of a
    state among the 32, ranked here from the indicator series of each state (not from the checker's own bank)."""
    from vigia.geo.catalog import STATES, state_name
    from vigia.indicators.compute import IndicatorQuery, indicator_series

    def by_state(unit: str) -> dict[str, float]:
        return {st.code: float(indicator_series(full_store.con, IndicatorQuery(
            "homicidio_doloso_victimas", geo=st.code, unit=unit, start="2020", end="2020"))["value"].iloc[0])
            for st in STATES}

    counts, rates = by_state("count"), by_state("rate")
    order = sorted(counts, key=counts.get, reverse=True)
    top_rate = max(rates, key=rates.get)
    what = "víctimas de homicidio doloso en 2020"
    text = (f"{state_name(order[0])} fue el estado con más {what}. "
            f"{state_name(order[2])} ocupó el tercer lugar nacional en {what}. "
            f"{state_name(order[-1])} fue la entidad con menos {what}. "
            f"{state_name(top_rate)} fue la entidad con la tasa más alta de {what}. "
            f"{state_name(order[1])} fue el estado con más {what}. "
            "En primer lugar, el gobernador de Sonora encabezó la reunión sobre homicidios en 2020.")
    ranks = [c for c in check_text(full_store.con, text) if c.kind == "state_rank"]
    assert [(c.geo, c.verdict) for c in ranks] == [
        (order[0], "exact"), (order[2], "exact"), (order[-1], "exact"), (top_rate, "exact"), (order[1], "contradicted")]
    assert ranks[1].matched_value == 3 and ranks[-1].matched_value == 2
    assert state_name(order[0]) in ranks[-1].explanation  # who is first instead


def test_news_article_habits(full_store: Store):
    """A dateline's place and date are not the figures' ('Ciudad de México, 15 de enero de 2025.'); 'frente a 2023'
    is the base of a change; a state after 'seguido por' is another's; 'su gobierno' names no calendar period."""
    text = ("# Homicidios en 2024\n\n"
            "Ciudad de México, 15 de enero de 2025. En 2024 se registraron 30,046 víctimas de homicidio doloso.\n\n"
            "Los feminicidios sumaron 852 víctimas en 2024.\n\n"
            "El secuestro aumentó 7.6% frente a 2023.\n\n"
            "Guanajuato fue la entidad con más víctimas de homicidio doloso, con 3,151, seguido por "
            "Baja California.\n\n"
            "La presidenta dijo que en los primeros meses de su gobierno los homicidios bajaron 16%.\n")
    claims = {c.text: c for c in check_text(full_store.con, text)}
    assert (claims["30,046"].geo, claims["30,046"].verdict) == ("00", "exact")
    assert (claims["852"].geo, claims["852"].period, claims["852"].verdict) == ("00", "2024", "exact")
    assert (claims["7.6%"].period, claims["7.6%"].verdict) == ("2023→2024", "exact")
    assert (claims["3,151"].geo, claims["3,151"].verdict) == ("11", "exact")
    assert claims["16%"].verdict == "unverifiable" and "periodo" in claims["16%"].explanation


def test_datelines():
    from vigia.claims.dateline import dateline_end

    def cut(text: str) -> str:
        folded = fold(text)
        return text[:dateline_end(folded, 0, len(folded))]

    assert cut("Ciudad de México, 15 de enero de 2025. En 2024…") == "Ciudad de México, 15 de enero de 2025."
    assert cut("CIUDAD DE MÉXICO (apro).- En 2024 hubo") == "CIUDAD DE MÉXICO (apro).-"
    assert cut("MEXICO CITY, Jan 15 (Reuters) - Mexico recorded") == "MEXICO CITY, Jan 15 (Reuters) -"
    assert cut("Culiacán, Sinaloa.— La violencia") == "Culiacán, Sinaloa.—"
    for prose in ("Guanajuato fue el estado con más víctimas en 2020.", "Sinaloa, mayo 2024: 150 homicidios",
                  "Colima - la entidad con la tasa más alta"):
        assert cut(prose) == ""
