"""Bad input: a typed error naming file, line and column, a non-zero exit, and an untouched store."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vigia.cli import app
from vigia.errors import CellError, FileError, HeaderError, RowError
from vigia.sources.dispatch import stage_file
from vigia.store import Store

runner = CliRunner()
SMALL = "sesnsp/estatal_delitos_nm/IDEFC_NM_dic2020.csv"  # Latin-1, CRLF, quoted thousands
GOOD = "sesnsp/rnid_2026/estatal_n.csv"


def _lines(data_dir: Path, rel: str = SMALL, n: int | None = 400) -> list[str]:
    raw = (data_dir / rel).read_bytes().decode("latin-1")
    lines = raw.splitlines()
    return lines if n is None else lines[:n]


def _write(path: Path, lines: list[str], encoding: str = "latin-1", newline: str = "\r\n") -> Path:
    path.write_bytes((newline.join(lines) + newline).encode(encoding))
    return path


def _fingerprint(store: Store) -> tuple:
    con = store.con
    return (
        con.execute("SELECT count(*), coalesce(sum(hash(release_id, sha256)), 0) FROM releases").fetchone(),
        con.execute("SELECT count(*), coalesce(sum(hash(series_id, year, valid_from, mask)), 0) "
                    "FROM cell_versions").fetchone(),
        con.execute("SELECT count(*) FROM series").fetchone(),
    )


@pytest.fixture()
def seeded(tmp_path, data_dir):
    """A store that already holds one real release, so 'unchanged' is a real claim."""
    store = Store(tmp_path / "seeded.duckdb")
    store.ingest_path(data_dir / GOOD)
    yield store
    store.close()


def _bad_cases(data_dir: Path, tmp: Path) -> list[tuple[str, Path, type, int | None, str | None]]:
    lines = _lines(data_dir)
    header, body = lines[0], lines[1:]
    cases = []
    cases.append(("empty", tmp / "empty.csv", FileError, None, None))
    (tmp / "empty.csv").write_bytes(b"")
    html = tmp / "IDEFC_NM_ene21.csv"
    html.write_text("<!DOCTYPE html><html><body>Access denied / verify you are human</body></html>")
    cases.append(("html", html, FileError, 1, None))
    missing = [",".join(h for i, h in enumerate(line.split(",")) if i != 6) for line in [header]] + body
    cases.append(("missing column", _write(tmp / "missing.csv", missing), HeaderError, 1, None))
    cases.append(("extra column", _write(tmp / "extra.csv", [header + ",Total"] + body), HeaderError, 1, None))
    renamed = [header.replace("Modalidad", "Modalidades")] + body
    cases.append(("renamed column", _write(tmp / "renamed.csv", renamed), HeaderError, 1, None))
    truncated = [header] + body[:50] + [",".join(body[50].split(",")[:9])]
    cases.append(("truncated row", _write(tmp / "truncated.csv", truncated), RowError, 52, None))
    nonnum = [header] + body[:9] + [body[9].rsplit(",", 1)[0] + ",12a"] + body[10:]
    cases.append(("non-numeric", _write(tmp / "nonnum.csv", nonnum), CellError, 11, "Diciembre"))
    bad_state = [header] + body[:19] + [body[19].replace(",1,Aguascalientes,", ",33,Aguascalientes,", 1)] + body[20:]
    cases.append(("state code", _write(tmp / "state.csv", bad_state), CellError, 21, "Clave_Ent"))
    bad_name = [header] + body[:4] + [body[4].replace(",Aguascalientes,", ",Atlantis,", 1)] + body[5:]
    cases.append(("state name", _write(tmp / "name.csv", bad_name), CellError, 6, "Entidad"))
    dup = [header] + body[:30] + [body[7]] + body[30:]
    cases.append(("duplicate", _write(tmp / "dup.csv", dup), RowError, 32, None))
    year = [header] + body[:14] + ["1996" + body[14][4:]] + body[15:]
    cases.append(("year", _write(tmp / "year.csv", year), CellError, 16, "Año"))
    return cases


def test_each_bad_input_is_a_typed_error_and_changes_nothing(seeded: Store, data_dir, tmp_path):
    before = _fingerprint(seeded)
    for name, path, kind, line, column in _bad_cases(data_dir, tmp_path):
        with pytest.raises(kind) as info:
            seeded.ingest_path(path)
        err = info.value
        assert err.file.endswith(path.name), name
        if line is not None:
            assert err.line == line, (name, str(err))
        if column is not None:
            assert err.column == column, (name, str(err))
        assert "Expected" in str(err), name
        assert _fingerprint(seeded) == before, name


def test_cli_reports_bad_files_without_traceback(data_dir, tmp_path):
    cases = _bad_cases(data_dir, tmp_path)
    for name, path, _kind, _line, _col in cases:
        result = runner.invoke(app, ["ingest", str(path)])
        assert result.exit_code != 0, name
        assert "Traceback" not in result.output, name
        assert path.name in result.output, name
    # Nothing landed.
    listing = runner.invoke(app, ["releases", "--format", "csv"])
    assert listing.output.strip().splitlines()[1:] == [] or "vigia.duckdb" not in listing.output


def test_header_error_names_the_columns(data_dir, tmp_path):
    lines = _lines(data_dir)
    path = _write(tmp_path / "renamed.csv", [lines[0].replace("Modalidad", "Modalidades")] + lines[1:])
    with pytest.raises(HeaderError) as info:
        Store(tmp_path / "s.duckdb").ingest_path(path)
    assert "'Modalidad'" in str(info.value) and "'Modalidades'" in str(info.value)


def test_encodings_line_endings_and_codes(data_dir, tmp_path):
    """UTF-8 with BOM + LF + zero-padded codes reads exactly like the Latin-1/CRLF original."""
    lines = _lines(data_dir, n=None)
    variant = [lines[0]] + [",".join([p if i != 1 else p.zfill(2) for i, p in enumerate(line.split(",", 2))])
                            for line in lines[1:]]
    a = _write(tmp_path / "IDEFC_NM_dic20.csv", lines)
    b = tmp_path / "IDEFC_NM_dic20_utf8.csv"
    b.write_bytes(b"\xef\xbb\xbf" + ("\n".join(variant) + "\n").encode("utf-8"))
    s1, s2 = Store(tmp_path / "a.duckdb"), Store(tmp_path / "b.duckdb")
    s1.ingest_path(a)
    s2.ingest_path(b)
    f1 = s1.series("incidence", freq="year", by=["subtipo"])
    f2 = s2.series("incidence", freq="year", by=["subtipo"])
    assert f1.drop(columns="published").equals(f2.drop(columns="published"))
    # The quoted thousands ("1,119") are numbers; 2019 homicides match the release.
    assert int(f1[(f1.period == "2019") & (f1.subtipo == "Homicidio doloso")]["value"].iloc[0]) == 29_455


def test_unrecognised_files_are_skipped_and_failures_set_exit_code(data_dir, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "diccionario.pdf").write_bytes(b"%PDF-1.4 fake")
    _write(folder / "IDEFC_NM_dic20.csv", _lines(data_dir, n=None))
    ok = runner.invoke(app, ["ingest", str(folder), "--format", "csv"])
    assert ok.exit_code == 0, ok.output
    assert "skipped (not recognised)" in ok.output and "diccionario.pdf" in ok.output
    (folder / "broken.csv").write_bytes(b"")
    bad = runner.invoke(app, ["ingest", str(folder), "--format", "csv"])
    assert bad.exit_code == 1
    assert "skipped (already stored)" in bad.output


def test_sigkill_mid_ingest_leaves_store_usable(data_dir, tmp_path):
    """A real SIGKILL while a large file is being written: the store is as before, and ingest works after."""
    from vigia.devtools.synthetic import write_municipal_file

    big = tmp_path / "Municipal-Delitos-2015-2025_sep2025.csv"
    write_municipal_file(big, state_file=data_dir / "sesnsp/estatal_delitos_nm/IDEFC_NM_dic2020.csv",
                         municipalities_file=data_dir / "conapo/poblacion_municipal_1990-2040_lapanquecita.csv",
                         municipalities=1200)
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "VIGIA_HOME": str(home)}
    seed = subprocess.run([sys.executable, "-m", "vigia", "ingest", str(data_dir / GOOD)], env=env,
                          capture_output=True, text=True)
    assert seed.returncode == 0, seed.stderr
    store_file = home / "vigia.duckdb"
    wal = Path(str(store_file) + ".wal")
    size0 = store_file.stat().st_size
    proc = subprocess.Popen([sys.executable, "-m", "vigia", "ingest", str(big)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Kill as soon as the ingest starts writing (the database or its WAL grows): mid-transaction.
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        if wal.exists() or store_file.stat().st_size > size0:
            break
        time.sleep(0.005)
    assert proc.poll() is None, "the ingest finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    with Store(store_file) as s:
        rel = s.releases()
        assert list(rel["file_name"]) == ["estatal_n.csv"]
        assert s.con.execute("SELECT count(DISTINCT release_id) FROM cell_versions").fetchone()[0] == 1
    again = subprocess.run([sys.executable, "-m", "vigia", "ingest", str(big)], env=env, capture_output=True,
                           text=True)
    assert again.returncode == 0, again.stderr
    with Store(store_file) as s:
        assert len(s.releases()) == 2


def test_rnid_zeros_for_unpublished_months_are_blanks(data_dir, tmp_path):
    """RNID files may write 0 for months not yet published: those months are blank, not peaceful."""
    import csv as _csv
    import io

    lines = (data_dir / GOOD).read_bytes().decode("latin-1").splitlines()
    rows = [lines[0]]
    for line in lines[1:]:
        cells = ["0" if c == "" else c for c in next(_csv.reader([line]))]
        buf = io.StringIO()
        _csv.writer(buf, lineterminator="").writerow(cells)
        rows.append(buf.getvalue())
    body = "\n".join(rows).encode("utf-8")
    named = tmp_path / "RNID-Delitos_Estatal-2026-mar2026.csv"
    named.write_bytes(b"\xef\xbb\xbf" + body)
    unnamed = tmp_path / "estatal_n_zeros.csv"
    unnamed.write_bytes(b"\xef\xbb\xbf" + body + b"\n")
    for path in (named, unnamed):
        store = Store(tmp_path / f"{path.stem}.duckdb")
        report = store.ingest_path(path)
        assert report.vintage == "2026-03"
        assert "2026-04" in report.note and "2026-12" in report.note
        frame = store.series("incidence", subtype="Homicidio doloso")
        assert list(frame["period"]) == ["2026-01", "2026-02", "2026-03"]
        assert int(frame["value"].sum()) == 3_996
        store.close()


def test_negative_cells_are_kept_and_flagged(data_dir, tmp_path):
    lines = _lines(data_dir, n=None)
    cells = lines[5].split(",")
    cells[-1] = "-1"  # December of the sixth line
    lines[5] = ",".join(cells)
    path = _write(tmp_path / "IDEFC_NM_dic20.csv", lines)
    store = Store(tmp_path / "neg.duckdb")
    report = store.ingest_path(path)
    assert report.flags == 1
    rule, value, line = store.con.execute("SELECT rule, value, line FROM quality_flags").fetchone()
    assert (rule, value, line) == ("negative_value", -1, 6)
    store.close()


def test_zip_archives_ingest_member_by_member(data_dir, tmp_path):
    import zipfile

    good = tmp_path / "RNID-Delitos_Estatal-2026-mar2026.zip"
    with zipfile.ZipFile(good, "w") as zf:
        zf.write(data_dir / GOOD, "estatal_n.csv")
        zf.writestr("LEEME.pdf", b"%PDF-1.4 not data")
    damaged = tmp_path / "cut.zip"
    damaged.write_bytes(good.read_bytes()[:2000])
    ok = runner.invoke(app, ["ingest", str(good), "--format", "csv"])
    assert ok.exit_code == 0, ok.output
    assert "RNID-Delitos_Estatal-2026-mar2026.zip/estatal_n.csv,new,incidence,2026-03,10944" in ok.output
    bad = runner.invoke(app, ["ingest", str(damaged), "--format", "csv"])
    assert bad.exit_code == 1 and "damaged zip" in bad.output and "Traceback" not in bad.output


def test_trailing_empty_rows_are_not_data(data_dir, tmp_path):
    lines = _lines(data_dir, n=None) + [",,,,,,,,,,,,,,,,,,", ""]
    path = _write(tmp_path / "IDEFC_NM_dic20.csv", lines)
    store = Store(tmp_path / "blank.duckdb")
    report = store.ingest_path(path)
    assert report.rows == len(lines) - 3  # header, the comma row and the blank line are not rows
    store.close()


def test_label_errors_in_later_years_name_their_line(seeded: Store, data_dir, tmp_path):
    """Labels are kept once per series (from the first year's rows): a bad label, or a duplicate, that only
    occurs in a later year is still found, at its own line."""
    lines = _lines(data_dir, n=None)
    header, body = lines[0], lines[1:]
    late = next(i for i, line in enumerate(body) if line.startswith("2019,9,"))
    before = _fingerprint(seeded)
    renamed = list(body)
    renamed[late] = renamed[late].replace(",9,Ciudad de México,", ",9,Atlantis,", 1)
    assert renamed[late] != body[late]
    with pytest.raises(CellError) as info:
        seeded.ingest_path(_write(tmp_path / "late_name.csv", [header] + renamed))
    assert (info.value.line, info.value.column) == (late + 2, "Entidad")
    emptied = list(body)
    cells = emptied[late].split(",")
    cells[5] = ""
    emptied[late] = ",".join(cells)
    with pytest.raises(CellError) as info:
        seeded.ingest_path(_write(tmp_path / "late_empty.csv", [header] + emptied))
    assert (info.value.line, info.value.column) == (late + 2, "Subtipo de delito")
    duplicated = body[: late + 1] + [body[late]] + body[late + 1:]
    with pytest.raises(RowError) as info:
        seeded.ingest_path(_write(tmp_path / "late_dup.csv", [header] + duplicated))
    assert info.value.line == late + 3
    assert _fingerprint(seeded) == before


@pytest.mark.parametrize("case", ["absent_first_year", "middle_years_only_and_mixed_codes"])
def test_series_first_seen_after_the_first_year_and_mixed_code_spellings(case, data_dir, tmp_path):
    """A series absent from the file's first year (or present only in middle years), and codes written '1' one
    year and '01' the next, read exactly as the original file does for every cell they have."""
    lines = _lines(data_dir, n=None)
    header, body = lines[0], lines[1:]
    original = _write(tmp_path / "IDEFC_NM_dic20.csv", lines)
    dropped_years = ("2015",) if case == "absent_first_year" else ("2015", "2020")
    edited = []
    for line in body:
        year = line.split(",", 1)[0]
        if year in dropped_years and ",Secuestro," in line:
            continue
        if case != "absent_first_year" and year == "2017":
            code, rest = line.split(",", 2)[1:]
            line = f"{year},{code.zfill(2)},{rest}"
        edited.append(line)
    assert len(edited) < len(body)
    variant = _write(tmp_path / "IDEFC_NM_dic20_edited.csv", [header] + edited)
    with Store(tmp_path / "a.duckdb") as s1, Store(tmp_path / "b.duckdb") as s2:
        # Staged alone first: labels are kept for the first and last years' rows only, unless some label tuple
        # occurs in neither (then for every row).
        stage_file(s2.con, variant, None)
        kept, rows = s2.con.execute("SELECT count(labels), count(*) FROM raw").fetchone()
        assert (kept < rows / 2) if case == "absent_first_year" else (kept == rows)
        s1.ingest_path(original)
        s2.ingest_path(variant)
        assert s1.con.execute("SELECT count(*) FROM series").fetchone() == s2.con.execute(
            "SELECT count(*) FROM series").fetchone()
        f1 = s1.series("incidence", geo="*", freq="year", by=["subtipo", "modalidad"])
        f2 = s2.series("incidence", geo="*", freq="year", by=["subtipo", "modalidad"])
        dropped = f1.period.isin(dropped_years) & (f1.subtipo == "Secuestro")
        assert dropped.any()
        expected = f1[~dropped].drop(columns="published").reset_index(drop=True)
        got = f2.drop(columns="published").reset_index(drop=True)
        assert got.equals(expected)
