"""Issue #8, update from the official sources: downloads against a real HTTP fault_server on 127.0.0.1 that
fails on demand (5xx, cuts, 404, HTML with 200, truncated zips, slow answers), then ingest end to end.

Every failure must end with a clear one-paragraph message and an unchanged store; every recoverable
fault with a correct ingest after retry; never a partial release. Nothing here leaves 127.0.0.1.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import time
import zipfile
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from vigia.errors import DownloadError, FileError
from vigia.sources.registry import RegistryError, load_registry
from vigia.update import ContentError, DownloadConfig, Expected, NotFound, Validators, download, update
from vigia.update.cli import register
from vigia.update.content import sniff, unpack

# The fault-injecting server and the fixtures, from the same folder (tests/ may or may not be a package).
pytest_plugins = [f"{__package__}.conftest_update" if __package__ else "conftest_update"]

RNID = "sesnsp/rnid_2026/estatal_n.csv"
RNID_SHA = "d035b4aff74e103f4cf6790e9440412d665c93f4103b6901f52b4f0f4e55f2d3"
DIC2020 = "sesnsp/estatal_delitos_nm/IDEFC_NM_dic2020.csv"
DIC2020_SHA = "32d909fe01e7f330cf23ca0d9b2c3e3560d22b24f7fea15d13cd629fc764172c"
NOV24 = "sesnsp/estatal_delitos_nm/IDEFC_NM_nov24.csv"
NOV24_SHA = "2589a7562c0211986d636f1068a037bf375d10e31be6257c7605123e54a1e70b"

FAST = DownloadConfig(read_timeout=0.5, connect_timeout=0.5, retries=2, backoff=0.01, max_backoff=0.05,
                      progress=False)


def _zip_of(path: Path, *, arcname: str | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(path, arcname or path.name)
    return buf.getvalue()


def _leftovers(folder: Path) -> list[Path]:
    """Finished downloads still lying in a downloads folder (there should be none after a failure)."""
    return [p for p in folder.rglob("*") if p.is_file() and ".partial" not in p.parts
            and "failed" not in p.parts and p.name != ".lock"]


# -- the download layer (no store) ---------------------------------------------------------------------


def test_download_checks_and_renames_atomically(fault_server, update_data, tmp_path):
    url = fault_server.add("estatal_n.csv", update_data / RNID)
    dl = download(url, tmp_path, config=FAST)
    assert (dl.kind, dl.sha256, dl.size) == ("csv", RNID_SHA, 454_592)
    assert dl.path == tmp_path / RNID_SHA[:16] / "estatal_n.csv" and dl.path.is_file()
    assert dl.etag and dl.last_modified and dl.accessed_at.endswith("+00:00")
    assert not list((tmp_path / ".partial").iterdir())  # no .part left behind


@pytest.mark.parametrize("status", ["500", "503"])
def test_retries_a_server_error_then_succeeds(fault_server, update_data, tmp_path, status):
    url = fault_server.add("estatal_n.csv", update_data / RNID)
    fault_server.fault("estatal_n.csv", status)
    dl = download(url, tmp_path, config=FAST)
    assert dl.sha256 == RNID_SHA and dl.attempts == 2
    assert len(fault_server.requests("estatal_n.csv")) == 2


def test_gives_up_after_retries_with_a_clear_message(fault_server, update_data, tmp_path):
    url = fault_server.add("estatal_n.csv", update_data / RNID)
    fault_server.fault("estatal_n.csv", "500", "500", "500", "500")
    with pytest.raises(DownloadError, match=r"after 3 attempts: the server answered 500") as info:
        download(url, tmp_path, config=FAST)
    assert "try again later" in str(info.value) and "\n" not in str(info.value)
    assert _leftovers(tmp_path) == []


def test_resumes_with_range_after_a_cut(fault_server, update_data, tmp_path):
    url = fault_server.add("IDEFC_NM_dic2020.csv", update_data / DIC2020)
    fault_server.fault("IDEFC_NM_dic2020.csv", "cut")
    dl = download(url, tmp_path, config=FAST)
    assert dl.sha256 == DIC2020_SHA and dl.resumed
    first, second = fault_server.requests("IDEFC_NM_dic2020.csv")
    assert "range" not in first
    start = int(second["range"].removeprefix("bytes=").rstrip("-"))
    assert 0 < start <= 2_503_712 // 2  # only what was missing was asked for…
    assert second["if-range"] == dl.etag  # …and only if the file is still the same


def test_resumes_a_part_file_left_by_an_earlier_run(fault_server, update_data, tmp_path):
    url = fault_server.add("IDEFC_NM_dic2020.csv", update_data / DIC2020)
    fault_server.fault("IDEFC_NM_dic2020.csv", "cut", "503")  # a cut makes progress: only the 503 counts
    with pytest.raises(DownloadError, match="after 2 attempts: the server answered 503"):
        download(url, tmp_path, config=DownloadConfig(retries=0, backoff=0.01, progress=False))
    parts = list((tmp_path / ".partial").glob("*.part"))
    assert len(parts) == 1 and 0 < (kept := parts[0].stat().st_size) <= 2_503_712 // 2
    dl = download(url, tmp_path, config=FAST)  # a new run, e.g. tomorrow's cron job
    assert dl.sha256 == DIC2020_SHA and dl.resumed
    assert fault_server.requests("IDEFC_NM_dic2020.csv")[-1]["range"] == f"bytes={kept}-"


def test_starts_over_when_the_server_ignores_range(fault_server, update_data, tmp_path):
    url = fault_server.add("estatal_n.csv", update_data / RNID)
    fault_server.fault("estatal_n.csv", "cut", "norange")
    dl = download(url, tmp_path, config=FAST)
    assert dl.sha256 == RNID_SHA and not dl.resumed  # the 200 replaced the half file, not appended to it


def test_a_compressed_answer_is_decoded(fault_server, update_data, tmp_path):
    url = fault_server.add("estatal_n.csv", update_data / RNID)
    fault_server.fault("estatal_n.csv", "gzip")
    dl = download(url, tmp_path, config=FAST)
    assert fault_server.requests("estatal_n.csv")[0]["accept-encoding"] == "identity"
    assert (dl.kind, dl.sha256) == ("csv", RNID_SHA)


def test_a_server_without_validators_is_resumed_only_within_the_run(bare_fault_server, update_data, tmp_path):
    url = bare_fault_server.add("estatal_n.csv", update_data / RNID)
    bare_fault_server.fault("estatal_n.csv", "cut")
    dl = download(url, tmp_path, config=FAST)
    assert dl.sha256 == RNID_SHA
    assert "range" not in bare_fault_server.requests("estatal_n.csv")[1]  # no Accept-Ranges: full restart


def test_404_is_not_found_with_what_to_do(fault_server, tmp_path):
    with pytest.raises(NotFound, match=r"404 Not Found .*--url NEW_URL.*--file PATH") as info:
        download(fault_server.url("IDEFC_NM_dic99.csv"), tmp_path, config=FAST)
    assert len(fault_server.requests("IDEFC_NM_dic99.csv")) == 1  # a 404 is not retried
    assert "\n" not in str(info.value)


def test_html_with_status_200_is_not_a_csv(fault_server, update_data, tmp_path):
    url = fault_server.add("IDEFC_NM_nov24.csv", update_data / NOV24)
    fault_server.fault("IDEFC_NM_nov24.csv", "html")
    with pytest.raises(ContentError, match=r"web page titled “Challenge Validation”.*bot check") as info:
        download(url, tmp_path, config=FAST)
    assert "--file PATH" in str(info.value)
    assert (tmp_path / "failed" / "IDEFC_NM_nov24.csv").read_bytes().startswith(b"<!DOCTYPE html>")
    assert _leftovers(tmp_path) == []


def test_truncated_zip_is_rejected(fault_server, update_data, tmp_path):
    whole = _zip_of(update_data / RNID)
    url = fault_server.add("incidencia.zip", whole[: len(whole) * 2 // 3])
    with pytest.raises(ContentError, match="damaged zip file"):
        download(url, tmp_path, config=FAST)
    assert _leftovers(tmp_path) == []


def test_slow_server_times_out_quickly_and_clearly(fault_server, update_data, tmp_path):
    url = fault_server.add("estatal_n.csv", update_data / RNID)
    fault_server.fault("estatal_n.csv", "slow", "slow", "slow")
    t0 = time.monotonic()
    with pytest.raises(DownloadError, match=r"after 3 attempts: timed out \(the server stopped sending\)"):
        download(url, tmp_path, config=FAST)
    assert time.monotonic() - t0 < 3.0  # 3 × 0.5 s timeouts plus tiny backoffs


def test_slow_once_then_fine(fault_server, update_data, tmp_path):
    url = fault_server.add("estatal_n.csv", update_data / RNID)
    fault_server.fault("estatal_n.csv", "slow")
    assert download(url, tmp_path, config=FAST).sha256 == RNID_SHA


def test_overall_deadline_stops_a_trickle(fault_server, update_data, tmp_path):
    url = fault_server.add("estatal_n.csv", update_data / RNID)
    fault_server.fault("estatal_n.csv", "trickle")
    cfg = DownloadConfig(read_timeout=1.0, retries=0, backoff=0.01, deadline=0.4, progress=False)
    with pytest.raises(DownloadError, match="longer than the 0.4 s allowed"):
        download(url, tmp_path, config=cfg)


def test_conditional_request_gets_304(fault_server, update_data, tmp_path):
    url = fault_server.add("estatal_n.csv", update_data / RNID)
    first = download(url, tmp_path, config=FAST)
    again = download(url, tmp_path / "again", config=FAST,
                     validators=Validators(first.etag, first.last_modified))
    assert again.not_modified and again.path is None
    assert fault_server.requests("estatal_n.csv")[-1]["if-none-match"] == first.etag
    assert not (tmp_path / "again").exists() or _leftovers(tmp_path / "again") == []


def test_published_size_and_checksum_are_enforced(fault_server, update_data, tmp_path):
    url = fault_server.add("estatal_n.csv", update_data / RNID)
    with pytest.raises(ContentError, match="has 454,592 bytes, but the registry expects 454,000"):
        download(url, tmp_path, config=FAST, expected=Expected(size=454_000))
    with pytest.raises(ContentError, match="does not have the published checksum"):
        download(url, tmp_path, config=FAST, expected=Expected(sha256="0" * 64))
    ok = download(url, tmp_path, config=FAST, expected=Expected(sha256=RNID_SHA, size=454_592))
    assert ok.sha256 == RNID_SHA


def test_format_not_published_by_the_source_is_rejected(fault_server, update_data, tmp_path):
    url = fault_server.add("estatal_n.csv", update_data / RNID)
    with pytest.raises(ContentError, match="is a CSV file, but this source publishes XLSX"):
        download(url, tmp_path, config=FAST, expected=Expected(formats=frozenset({"xlsx"})))


def test_sniff_tells_real_formats_apart(update_data, tmp_path):
    assert sniff(update_data / RNID) == "csv"
    assert sniff(update_data / "inegi/homicidios/mexico-state-month-homicide-rates-2000-2022.csv") == "csv"
    assert sniff(update_data / "wjp/2024_wjp_rule_of_law_index_HISTORICAL_DATA_FILE.xlsx") == "xlsx"
    assert sniff(update_data / "budget/cuenta_publica_2023_gasto_por_categoria_programatica.xls") == "xls"
    assert sniff(update_data / "inegi/homicidios/mexico-muni-month-homicide-rates-2000-2021.csv.gz") == "gzip"
    assert sniff(update_data / "conapo/DICCIONARIO_2023_v3_07082023.pdf") == "pdf"
    for content, kind in ((b"", "empty"), (b"Service temporarily unavailable\n", "text"),
                          (b'{"error": "quota"}', "json"), (b"\xef\xbb\xbf<html><body>x", "html")):
        (tmp_path / "x").write_bytes(content)
        assert sniff(tmp_path / "x") == kind


def test_unpack_keeps_data_files_and_stays_inside(update_data, tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.write(update_data / RNID, "datos/estatal_n.csv")
        zf.writestr("__MACOSX/datos/._estatal_n.csv", b"junk")
        zf.writestr("../../evil.csv", b"a,b\n1,2\n")
        zf.writestr("LEEME.txt", b"solo texto")
    (tmp_path / "z.zip").write_bytes(buf.getvalue())
    out = unpack(tmp_path / "z.zip", tmp_path / "out", label="test")
    assert out == [tmp_path / "out" / "datos" / "estatal_n.csv"]
    assert not (tmp_path / "evil.csv").exists()


# -- the registry --------------------------------------------------------------------------------------


def test_packaged_registry_has_every_source():
    reg = load_registry(overlays=[])
    assert set(reg.sources) == {
        "sesnsp-estatal-delitos", "sesnsp-estatal-victimas", "sesnsp-municipal-delitos", "sesnsp-rnid",
        "conapo-proyecciones", "inegi-homicidios", "inegi-envipe", "wjp-rule-of-law", "shcp-cuenta-publica"}
    for s in reg:
        assert s.producer and s.landing_url.startswith("https://") and s.licence and s.citation
    assert reg.match("IDEFC_NM_nov24.csv").id == "sesnsp-estatal-delitos"
    assert reg.match("Estatal-Delitos-2015-2021_feb2021.xlsx").id == "sesnsp-estatal-delitos"
    assert reg.match("IDVFC_NM_jun25_reconstructed.csv").id == "sesnsp-estatal-victimas"
    assert reg.match("cuenta_publica_2019_gasto_por_categoria_programatica.xls").id == "shcp-cuenta-publica"


def test_candidates_follow_cadence_and_vintage():
    src = load_registry(overlays=[]).get("sesnsp-estatal-victimas")
    cands = src.candidates(today=dt.date(2026, 1, 20))
    assert [c.url.rsplit("/", 1)[1] for c in cands] == ["IDVFC_NM_dic25.csv", "IDVFC_NM_nov25.csv",
                                                        "IDVFC_NM_oct25.csv"]
    assert [c.vintage for c in cands] == ["2025-12", "2025-11", "2025-10"] and all(c.probe for c in cands)
    assert [c.url.rsplit("/", 1)[1] for c in src.candidates("2024-09")] == ["IDVFC_NM_sep24.csv"]


def test_registry_overlay_and_validation(tmp_path, monkeypatch):
    overlay = tmp_path / "mine.toml"
    overlay.write_text('[sources.sesnsp-estatal-victimas]\nurl_templates = ["https://example.org/V_{yyyy}{mm}.csv"]\n',
                       encoding="utf-8")
    monkeypatch.setenv("VIGIA_REGISTRY", str(overlay))
    src = load_registry().get("sesnsp-estatal-victimas")
    assert src.candidates("2025-03")[0].url == "https://example.org/V_202503.csv"
    assert src.licence == "Términos de Libre Uso MX"  # untouched keys stay
    overlay.write_text('[sources.nueva]\nname = "x"\nproducer = "y"\nlanding_url = "https://x"\n'
                       'licence = "l"\ncitation = "c"\nformats = ["pdf"]\n', encoding="utf-8")
    with pytest.raises(RegistryError, match=r"source 'nueva', key 'formats': unknown format\(s\) \['pdf'\]"):
        load_registry()
    overlay.write_text("[sources.nueva\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="not valid TOML"):
        load_registry()


# -- update, end to end with the real store --------------------------------------------------------------


@pytest.fixture
def store_api():
    from vigia.store import open_store

    return open_store


def _open(open_store, home: Path, **kw):
    try:
        return open_store(home / "vigia.duckdb", fallback=False, **kw)
    except TypeError:
        return open_store(home / "vigia.duckdb", **kw)


def _releases(open_store, home: Path):
    if not (home / "vigia.duckdb").exists():
        return None
    store = _open(open_store, home, read_only=True)
    try:
        return store.releases()
    finally:
        store.close()


def _cli(*args: str):
    app = typer.Typer()
    register(app)
    app.command("noop")(lambda: None)  # two commands, so `update` stays a subcommand
    return CliRunner().invoke(app, ["update", *args], env={"COLUMNS": "200"})


def _assert_clean_failure(result, *needles: str) -> None:
    assert result.exit_code != 0
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    text = " ".join(result.output.split())
    for needle in needles:
        assert needle in text


def test_cli_update_url_then_nothing_new(fault_server, update_data, update_env, store_api):
    url = fault_server.add("IDEFC_NM_nov24.csv", update_data / NOV24)
    result = _cli("--url", url)
    assert result.exit_code == 0, result.output
    assert "nueva / new" in result.output and "IDEFC_NM_nov24.csv" in result.output
    rel = _releases(store_api, update_env)
    assert len(rel) == 1
    row = rel.iloc[0]
    assert (row.file_name, row.sha256, row.origin_url) == ("IDEFC_NM_nov24.csv", NOV24_SHA, url)
    assert row.etag.startswith('"') and row.last_modified.endswith("GMT")
    assert row.licence == "Términos de Libre Uso MX" and row.citation.startswith("Secretariado Ejecutivo")
    assert row.vintage == "2024-11"

    again = _cli("--url", url)
    assert again.exit_code == 0, again.output
    assert "sin cambios / not modified" in again.output and "Nada nuevo" in again.output
    assert fault_server.requests("IDEFC_NM_nov24.csv")[-1]["if-none-match"] == row.etag  # answered 304
    assert _releases(store_api, update_env).equals(rel)
    assert _leftovers(update_env / "downloads") == []


def test_second_update_without_validators_skips_by_checksum(bare_fault_server, update_data, update_env, store_api):
    url = bare_fault_server.add("estatal_n.csv", update_data / RNID)
    assert _cli("--url", url).exit_code == 0
    before = _releases(store_api, update_env)
    again = _cli("--url", url)
    assert again.exit_code == 0 and "ya guardada / already stored" in again.output
    assert _releases(store_api, update_env).equals(before)


def test_500_then_success_ingests(fault_server, update_data, update_env, store_api):
    url = fault_server.add("estatal_n.csv", update_data / RNID)
    fault_server.fault("estatal_n.csv", "500")
    assert _cli("--url", url).exit_code == 0
    rel = _releases(store_api, update_env)
    assert list(rel.sha256) == [RNID_SHA] and rel.iloc[0].vintage == "2026-03"


def test_cut_then_resume_ingests(fault_server, update_data, update_env, store_api):
    url = fault_server.add("IDEFC_NM_dic2020.csv", update_data / DIC2020)
    fault_server.fault("IDEFC_NM_dic2020.csv", "cut")
    result = _cli("--url", url)
    assert result.exit_code == 0, result.output
    assert "range" in fault_server.requests("IDEFC_NM_dic2020.csv")[1]
    assert list(_releases(store_api, update_env).sha256) == [DIC2020_SHA]


@pytest.mark.parametrize(
    ("fault", "name", "needles"),
    [
        ("404", "IDEFC_NM_nov24.csv", ["404 Not Found", "--url NEW_URL"]),
        ("html", "IDEFC_NM_nov24.csv", ["web page titled “Challenge Validation”", "--file PATH"]),
        ("zip", "IDEFC_NM_nov24.zip", ["damaged zip file", "Nothing was stored"]),
        ("slow", "IDEFC_NM_nov24.csv", ["timed out", "try again later"]),
    ],
)
def test_failures_leave_the_store_unchanged(fault_server, update_data, update_env, store_api, fault, name, needles):
    seed = fault_server.add("estatal_n.csv", update_data / RNID)
    assert _cli("--url", seed).exit_code == 0
    before = _releases(store_api, update_env)
    if fault == "zip":
        whole = _zip_of(update_data / NOV24)
        url = fault_server.add(name, whole[: len(whole) // 2])
    else:
        url = fault_server.add(name, update_data / NOV24)
        fault_server.fault(name, *[fault] * 3)
    fault_server.slow_seconds = 1.5
    result = _cli("--url", url)
    _assert_clean_failure(result, "Error:", *needles)
    assert _releases(store_api, update_env).equals(before)
    assert _leftovers(update_env / "downloads") == []
    state = json.loads((update_env / "update_state.json").read_text())
    assert list(state["urls"]) == [seed]  # the failed URL left no validators behind


def test_a_file_no_reader_knows_is_not_stored(fault_server, update_env, store_api):
    url = fault_server.add("IDEFC_NM_ene30.csv", b"a,b\n1,2\n")
    result = _cli("--url", url)
    _assert_clean_failure(result, "Error:", "IDEFC_NM_ene30.csv")
    rel = _releases(store_api, update_env)
    assert rel is None or rel.empty


def test_zip_is_checked_unpacked_and_ingested(fault_server, update_data, update_env, store_api):
    url = fault_server.add("RNID-Delitos_Estatal-2026-mar2026.zip", _zip_of(update_data / RNID))
    result = _cli("--url", url)
    assert result.exit_code == 0, result.output
    rel = _releases(store_api, update_env)
    assert list(rel.sha256) == [RNID_SHA] and rel.iloc[0].origin_url == url
    assert rel.iloc[0].licence == "Términos de Libre Uso MX"  # matched to sesnsp-rnid by the zip's name
    state = json.loads((update_env / "update_state.json").read_text())["urls"][url]
    assert state["members"] == [RNID_SHA] and state["sha256"] != RNID_SHA
    assert _cli("--url", url).output.count("sin cambios / not modified") == 1


def test_local_file_records_its_origin(update_data, update_env, store_api, tmp_path):
    path = tmp_path / "estatal_n.csv"
    path.write_bytes((update_data / RNID).read_bytes())
    result = _cli("sesnsp-rnid", "--file", str(path), "--url", "https://example.org/RNID.csv")
    assert result.exit_code == 0, result.output
    row = _releases(store_api, update_env).iloc[0]
    assert row.origin_url == "https://example.org/RNID.csv" and row.citation.startswith("Secretariado")
    assert "ya guardada" in _cli("--file", str(path)).output


def _registry_overlay(home: Path, fault_server, **templates: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    lines = []
    for sid, tpl in templates.items():
        lines += [f"[sources.{sid}]", f'url_templates = ["{fault_server.url(tpl)}"]', "lookback = 2", ""]
    (home / "registry.toml").write_text("\n".join(lines), encoding="utf-8")


def test_sources_probe_the_newest_release_first(fault_server, update_data, update_env, store_api):
    _registry_overlay(update_env, fault_server, **{"sesnsp-estatal-delitos": "IDEFC_NM_{mon}{yy}.csv"})
    fault_server.add("IDEFC_NM_dic20.csv", update_data / DIC2020)
    store = _open(store_api, update_env)
    try:
        results = update(store, ["sesnsp-estatal-delitos"], today=dt.date(2021, 2, 10), config=FAST)
    finally:
        store.close()
    assert [(r.status, r.vintage, r.file_name) for r in results] == [("new", "2020-12", "IDEFC_NM_dic20.csv")]
    assert len(fault_server.requests("IDEFC_NM_ene21.csv")) == 1  # the newer one, not published yet: 404


def test_one_failing_source_does_not_stop_the_others(fault_server, update_data, update_env, store_api):
    _registry_overlay(update_env, fault_server, **{"sesnsp-estatal-delitos": "IDEFC_NM_{mon}{yy}.csv",
                                            "sesnsp-estatal-victimas": "IDVFC_NM_{mon}{yy}.csv"})
    fault_server.add("IDEFC_NM_dic20.csv", update_data / DIC2020)
    store = _open(store_api, update_env)
    try:
        with pytest.raises(DownloadError, match=r"1 of 2 sources failed.*\[sesnsp-estatal-victimas\]") as info:
            update(store, ["sesnsp-estatal-delitos", "sesnsp-estatal-victimas"], today=dt.date(2021, 2, 10),
                   config=FAST)
        assert [r.status for r in info.value.results] == ["new", "failed"]
        assert len(store.releases()) == 1
    finally:
        store.close()


def test_dry_run_fetches_and_writes_nothing(fault_server, update_env):
    _registry_overlay(update_env, fault_server, **{"sesnsp-estatal-delitos": "IDEFC_NM_{mon}{yy}.csv"})
    before = sorted(p.name for p in update_env.iterdir())
    result = _cli("--dry-run")
    assert result.exit_code == 0, result.output
    assert fault_server.url("IDEFC_NM_") in result.output and "conapo-proyecciones" in result.output
    assert fault_server.log == []  # no request at all
    assert sorted(p.name for p in update_env.iterdir()) == before  # not even a store file


def test_the_main_vigia_app_has_the_command(fault_server, update_data, update_env, store_api):
    from vigia.cli import app

    assert "update" in {c.name or c.callback.__name__ for c in app.registered_commands}
    url = fault_server.add("IDEFC_NM_nov24.csv", update_data / NOV24)
    result = CliRunner().invoke(app, ["update", "--url", url], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert list(_releases(store_api, update_env).sha256) == [NOV24_SHA]
    assert CliRunner().invoke(app, ["update", "--dry-run"]).exit_code == 0


def test_bad_arguments_are_one_line_errors(update_env, tmp_path):
    _assert_clean_failure(_cli("--vintage", "nov24", "--dry-run"), "YYYY-MM")
    _assert_clean_failure(_cli("no-such-source", "--dry-run"), "unknown source 'no-such-source'")
    _assert_clean_failure(_cli("sesnsp-rnid"), "has no known download URL", "--file PATH")
    _assert_clean_failure(_cli("--file", str(tmp_path / "missing.csv")), "no such file")


def test_update_raises_file_error_for_a_missing_local_file(update_env, store_api, tmp_path):
    store = _open(store_api, update_env)
    try:
        with pytest.raises(FileError, match="no such file"):
            update(store, file=tmp_path / "nope.csv")
    finally:
        store.close()
