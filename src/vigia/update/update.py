"""`update`: fetch what is new from the official sources and ingest it, with its origin.

For each source (or one --url / --file): download (download.py), check and unpack (content.py), skip
files whose sha256 the store already holds, ingest the rest one release at a time (each ingest is atomic
in the store), then remember the URL's validators (state.py) so the next run can ask "changed since?".
The validators are saved only after every file of a download is stored, so a failure is retried in full.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from vigia.errors import DownloadError, FileError, QueryError, VigiaError
from vigia.sources.dispatch import NotRecognised
from vigia.sources.registry import Candidate, Registry, Source, load_registry
from vigia.update.content import DATA_KINDS, ContentError, Expected, check, describe, sha256_of, unpack
from vigia.update.download import DownloadConfig, NotFound, Validators, download, make_client
from vigia.update.state import STATE_FILE, UpdateState, UrlState

_VINTAGE = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
DOWNLOADS = "downloads"

# Spanish-first labels for the report table (CLI); the status values themselves are stable English ids.
STATUS_LABELS = {
    "new": "nueva / new",
    "known": "ya guardada / already stored",
    "not_modified": "sin cambios / not modified",
    "planned": "se descargaría / would fetch",
    "failed": "error",
}


@dataclass
class UpdateResult:
    source: str | None
    url: str | None
    status: str  # new | known | not_modified | planned | failed
    file_name: str | None = None
    sha256: str | None = None
    size: int | None = None
    dataset: str | None = None
    vintage: str | None = None
    release_id: int | None = None
    new: int = 0
    revised: int = 0
    retracted: int = 0
    unchanged: int = 0
    message: str = ""

    @property
    def changed(self) -> bool:
        return self.status == "new"


def update(
    store,
    sources: Sequence[str] | None = None,
    *,
    url: str | None = None,
    file: Path | str | None = None,
    dry_run: bool = False,
    vintage: str | None = None,
    registry: Registry | None = None,
    config: DownloadConfig | None = None,
    home: Path | None = None,
    console: Console | None = None,
    today: dt.date | None = None,
) -> list[UpdateResult]:
    """Fetch and ingest what is new; returns one result per file (or per planned URL in a dry run).

    With `file`, that local file is ingested (and `url`, if given, is recorded as where it came from).
    With `url`, only that URL is fetched. Otherwise every named source, or every source that has a
    download URL, is fetched. A dry run touches neither the network nor the disk (store may be None).

    On failure raises the VigiaError of the failing target; when several sources ran, a DownloadError
    naming every failure. Either way the exception's `results` attribute holds what was done.
    """
    registry = registry or load_registry()
    if vintage is not None and not _VINTAGE.fullmatch(vintage):
        raise QueryError("--vintage", f"'{vintage}' is not a cut-off month in YYYY-MM form.")
    plan = _plan(registry, list(sources or []), url, file, vintage, today)
    if dry_run:
        return [r for target in plan for r in target.preview(_state_or_none(store, home))]
    if store is None:
        raise VigiaError("update needs a store to write to (only a dry run works without one).")
    folder = Path(home) if home else _store_folder(store)
    run = _Run(store, folder, config or DownloadConfig.from_env(), console, vintage)
    results: list[UpdateResult] = []
    failures: list[tuple[_Target, VigiaError]] = []
    with _lock(folder / DOWNLOADS), run:
        for target in plan:
            try:
                results += target.execute(run)
            except VigiaError as exc:
                failures.append((target, exc))
                results.append(UpdateResult(target.source_id, target.url, "failed", message=str(exc)))
    if failures:
        if len(plan) == 1:
            exc = failures[0][1]
        else:
            lines = " ".join(f"[{t.label}] {e}" for t, e in failures)
            exc = DownloadError(
                f"{len(failures)} of {len(plan)} sources failed; the others were updated. {lines}"
            )
        exc.results = results  # type: ignore[attr-defined]
        raise exc
    return results


# -- what to do ----------------------------------------------------------------------------------------


@dataclass
class _Target:
    source: Source | None
    candidates: list[Candidate]
    file: Path | None = None
    url: str | None = None

    @property
    def source_id(self) -> str | None:
        return self.source.id if self.source else None

    @property
    def label(self) -> str:
        return self.source_id or self.url or str(self.file)

    def preview(self, state: UpdateState | None) -> list[UpdateResult]:
        if self.file is not None:
            msg = f"ingeriría el archivo local / would ingest the local file {self.file}"
            return [UpdateResult(self.source_id, self.url, "planned", file_name=self.file.name, message=msg)]
        out = []
        probes = [c for c in self.candidates if c.probe]
        for c in self.candidates:
            known = state.get(c.url) if state else None
            validated = known is not None and bool(known.etag or known.last_modified)
            how = "conditional request (ETag/Last-Modified)" if validated else "full download"
            if c.probe and len(probes) > 1:
                how += f"; the first of these {len(probes)} candidate URLs that exists"
            out.append(UpdateResult(self.source_id, c.url, "planned", file_name=c.url.rsplit("/", 1)[-1],
                                    vintage=c.vintage, sha256=known.sha256 if known else None, message=how))
        return out

    def execute(self, run: _Run) -> list[UpdateResult]:
        if self.file is not None:
            return run.ingest_local(self.file, self.source, self.url)
        out: list[UpdateResult] = []
        for c in (c for c in self.candidates if not c.probe):
            out += run.fetch(c, self.source)
        probes = [c for c in self.candidates if c.probe]
        if probes:
            out += self._first_available(run, probes)
        return out

    def _first_available(self, run: _Run, probes: list[Candidate]) -> list[UpdateResult]:
        """Newest period first; a 404 or a web page means 'not published (yet)': try the next."""
        skipped: list[ContentError] = []
        for c in probes:
            try:
                results = run.fetch(c, self.source)
            except NotFound:
                continue
            except ContentError as exc:
                skipped.append(exc)
                continue
            if skipped:
                note = f"A newer candidate was skipped: {skipped[0]}"
                results[0].message = f"{note} {results[0].message}".strip()
            return results
        if skipped:
            raise skipped[0]
        tried = ", ".join(c.url for c in probes)
        raise NotFound(
            f"None of the candidate URLs of source '{self.label}' exists ({tried}): the producer has not "
            "published a newer file, or moved its files. Check the landing page "
            f"({self.source.landing_url if self.source else 'of the producer'}), then use "
            "`vigia update --url URL` or update url_templates in the registry."
        )


def _plan(registry: Registry, names: list[str], url: str | None, file: Path | str | None,
          vintage: str | None, today: dt.date | None) -> list[_Target]:
    chosen = [registry.get(n) for n in names]
    if url or file:
        if len(chosen) > 1:
            raise QueryError("SOURCE", "give at most one source together with --url or --file.")
        name = Path(file).name if file else url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        source = chosen[0] if chosen else registry.match(name)
        if file:
            return [_Target(source, [], file=Path(file).expanduser(), url=url)]
        return [_Target(source, [Candidate(url, vintage)], url=url)]
    if not chosen:
        chosen = [s for s in registry if s.fetchable]
    targets = []
    for s in chosen:
        if not s.fetchable:
            raise QueryError(
                "SOURCE", f"source '{s.id}' has no known download URL. Download it from {s.landing_url} "
                f"and run `vigia update {s.id} --file PATH`, or give `--url URL`."
            )
        targets.append(_Target(s, s.candidates(vintage, today)))
    return targets


# -- doing it ------------------------------------------------------------------------------------------


class _Run:
    """Shared by the targets of one update: store, folders, HTTP client, state file."""

    def __init__(self, store, folder: Path, config: DownloadConfig, console: Console | None,
                 vintage: str | None) -> None:
        self.store = store
        self.folder = folder
        self.downloads = folder / DOWNLOADS
        self.config = config
        self.console = console
        self.vintage = vintage
        self.state = UpdateState.in_folder(folder)

    def __enter__(self) -> _Run:
        self.client = make_client(self.config)
        return self

    def __exit__(self, *exc) -> None:
        self.client.close()

    def fetch(self, c: Candidate, source: Source | None) -> list[UpdateResult]:
        known = self.state.get(c.url)
        # Ask "changed since?" only when the store still holds what this URL gave last time.
        validators = None
        if known and known.ingested() and all(self.store.has_release(s) for s in known.ingested()):
            validators = Validators(known.etag, known.last_modified)
        expected = Expected(source.formats if source else DATA_KINDS, c.sha256, c.size)
        dl = download(c.url, self.downloads, validators=validators, expected=expected, config=self.config,
                      client=self.client, console=self.console)
        sid = source.id if source else None
        if dl.not_modified:
            return [UpdateResult(sid, c.url, "not_modified", file_name=known.file_name if known else None,
                                 sha256=known.sha256 if known else None, vintage=c.vintage,
                                 message="304 Not Modified: nothing downloaded")]
        origin = _origin(source, c.url, dl.accessed_at, dl.etag, dl.last_modified)
        try:
            results = self._ingest(dl.path, dl.kind, source, origin, self.vintage or _month(c.vintage),
                                   describe(c.url), c.url)
        finally:
            shutil.rmtree(dl.path.parent, ignore_errors=True)  # the store keeps the data, sha and origin
        self.state.record(c.url, UrlState(
            etag=dl.etag, last_modified=dl.last_modified, sha256=dl.sha256, file_name=dl.file_name,
            members=[r.sha256 for r in results if r.sha256], size=dl.size, accessed_at=dl.accessed_at))
        self.state.save()
        return results

    def ingest_local(self, path: Path, source: Source | None, url: str | None) -> list[UpdateResult]:
        if not path.is_file():
            raise FileError(str(path), "no such file.", expected="a CSV, XLSX, XLS or zip file")
        label = describe(path=path)
        kind = check(path, Expected(source.formats if source else DATA_KINDS), label=label)
        mtime = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc).replace(microsecond=0)
        # accessed_at: when the file was saved, the best record of when it was fetched from its origin
        origin = _origin(source, url or path.resolve().as_uri(), mtime.isoformat(), None, None)
        return self._ingest(path, kind, source, origin, self.vintage, label, url)

    def _ingest(self, path: Path, kind: str, source: Source | None, origin: dict, vintage: str | None,
                label: str, url: str | None) -> list[UpdateResult]:
        if kind != "zip":
            return [self._ingest_one(path, source, origin, vintage, url, must=True)]
        self.downloads.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix="unpack-", dir=self.downloads))
        try:
            wanted = source.wants_member if source else None
            members = unpack(path, tmp, label=label, wanted=wanted)
            if not members:
                raise ContentError(f"The zip ({label}) holds no CSV, XLSX or XLS file to ingest; nothing was "
                                   "stored. Check the source's `members` patterns in the registry.")
            results = [self._ingest_one(m, source, origin, vintage, url, must=False) for m in members]
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        if all(r.status == "failed" for r in results):
            raise FileError(path.name, "no file in this zip is a layout Vigía can read: "
                            + "; ".join(r.message for r in results))
        return [r for r in results if r.status != "failed"]

    def _ingest_one(self, path: Path, source: Source | None, origin: dict, vintage: str | None,
                    url: str | None, *, must: bool) -> UpdateResult:
        sid = source.id if source else None
        sha = sha256_of(path)
        if self.store.has_release(sha):
            return UpdateResult(sid, url, "known", file_name=path.name, sha256=sha, size=path.stat().st_size,
                                message="same sha256 already in the store")
        try:
            report = self.store.ingest_path(path, vintage=vintage, origin=origin)
        except NotRecognised as exc:
            if must:
                raise FileError(path.name, f"downloaded and checked, but {exc}. Nothing was stored.",
                                expected="a layout of the source's readers (see sources/)") from None
            return UpdateResult(sid, url, "failed", file_name=path.name, sha256=sha, message=str(exc))
        return UpdateResult(
            sid, url, "known" if report.skipped else "new", file_name=report.file_name or path.name,
            sha256=report.sha256 or sha, size=path.stat().st_size, dataset=report.dataset,
            vintage=report.vintage, release_id=report.release_id, new=report.new, revised=report.revised,
            retracted=report.retracted, unchanged=report.unchanged,
        )


def _origin(source: Source | None, url: str, accessed_at: str, etag: str | None,
            last_modified: str | None) -> dict:
    return {
        "url": url,
        "accessed_at": accessed_at,
        "etag": etag,
        "last_modified": last_modified,
        "licence": source.licence if source else None,
        "citation": source.citation if source else None,
    }


def _month(vintage: str | None) -> str | None:
    """A probe's period as an ingest vintage: cut-off months (YYYY-MM) only; annual ones are the reader's."""
    return vintage if vintage and _VINTAGE.fullmatch(vintage) else None


def _store_folder(store) -> Path:
    path = getattr(store, "path", None)
    if path is not None and str(path) != ":memory:" and not getattr(store, "read_only", False):
        return Path(path).parent
    from vigia.settings import vigia_home

    return vigia_home()


def _state_or_none(store, home: Path | None) -> UpdateState | None:
    """The remembered validators, read only (a dry run creates no folder, not even VIGIA_HOME)."""
    if home:
        folder = Path(home)
    elif getattr(store, "path", None) is not None and not getattr(store, "read_only", False):
        folder = Path(store.path).parent
    else:
        folder = default_home()
    return UpdateState.in_folder(folder) if (folder / STATE_FILE).exists() else None


def default_home() -> Path:
    """settings.vigia_home() without creating the folder."""
    env = os.environ.get("VIGIA_HOME")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("vigia", appauthor=False))


@contextmanager
def _lock(folder: Path) -> Iterator[None]:
    """One update at a time per store (two cron jobs would fight over the .part files and state)."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; run one update at a time
        yield
        return
    with open(folder / ".lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise DownloadError(
                f"Another `vigia update` is running on this store (lock {folder / '.lock'}); try again "
                "when it ends."
            ) from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
