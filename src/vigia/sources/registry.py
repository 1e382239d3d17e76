"""The source registry: registry.toml loaded, validated and queried.

The packaged file can be overlaid, without editing the installed package, by `$VIGIA_HOME/registry.toml`
or the file named by `$VIGIA_REGISTRY`: each overlay table replaces the keys it names in the packaged
entry (or adds a new source). That is how a user follows a source that moved before a new release of Vigía.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from vigia.errors import QueryError, VigiaError

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

PACKAGED = Path(__file__).with_name("registry.toml")
FORMATS = frozenset({"csv", "xlsx", "xls", "zip"})
CADENCES = frozenset({"monthly", "annual"})
SPANISH_MON = ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic")
_REQUIRED = ("name", "producer", "landing_url", "licence", "citation")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_KNOWN_PLACEHOLDERS = frozenset({"yyyy", "yy", "mm", "mon"})


class RegistryError(VigiaError):
    """The registry file is malformed: names the file, the source and the key."""


@dataclass(frozen=True)
class PinnedFile:
    url: str
    sha256: str | None = None
    size: int | None = None
    vintage: str | None = None


@dataclass(frozen=True)
class Candidate:
    """One URL to fetch, with the period it stands for (None for a fixed URL).

    A probe comes from a template: probes are tried newest first and the first that exists is taken;
    fixed and pinned URLs are all fetched.
    """

    url: str
    vintage: str | None = None
    sha256: str | None = None
    size: int | None = None
    probe: bool = False


@dataclass(frozen=True)
class Source:
    id: str
    name: str
    producer: str
    landing_url: str
    licence: str
    citation: str
    formats: frozenset[str] = FORMATS
    cadence: str = "monthly"
    lookback: int = 3
    urls: tuple[str, ...] = ()
    url_templates: tuple[str, ...] = ()
    file_patterns: tuple[str, ...] = ()
    members: tuple[str, ...] = ()
    files: tuple[PinnedFile, ...] = ()
    licence_url: str | None = None
    reader: str | None = None
    notes: str | None = None

    @property
    def fetchable(self) -> bool:
        return bool(self.urls or self.url_templates or self.files)

    def matches(self, file_name: str) -> bool:
        return any(re.search(p, file_name) for p in self.file_patterns)

    def wants_member(self, member: str) -> bool:
        """Whether a zip member should be ingested (every data file when `members` is empty)."""
        return not self.members or any(fnmatch.fnmatch(member, g) for g in self.members)

    def candidates(self, vintage: str | None = None, today: dt.date | None = None) -> list[Candidate]:
        """URLs to try. Pinned and fixed URLs come first; then templates, newest period first.

        With a vintage ("YYYY-MM" or "YYYY") only that period is tried; without one, the last
        `lookback` periods, since the producer may not have published the newest yet.
        """
        out = [Candidate(f.url, f.vintage, f.sha256, f.size) for f in self.files
               if vintage is None or f.vintage is None or vintage.startswith(f.vintage)]
        out += [Candidate(u) for u in self.urls]
        for period in self._periods(vintage, today or dt.date.today()):
            label = _label(period, self.cadence)
            out += [Candidate(expand(t, period), label, probe=True) for t in self.url_templates]
        return _unique(out)

    def _periods(self, vintage: str | None, today: dt.date) -> list[dt.date]:
        if vintage:
            year, _, month = vintage.partition("-")
            return [dt.date(int(year), int(month or 12), 1)]
        if self.cadence == "annual":
            return [dt.date(today.year - i, 12, 1) for i in range(self.lookback)]
        # Monthly: a release covers the previous month at the earliest.
        first = dt.date(today.year, today.month, 1)
        out = []
        for _ in range(self.lookback):
            first = (first - dt.timedelta(days=1)).replace(day=1)
            out.append(first)
        return out


def expand(template: str, period: dt.date) -> str:
    values = {"yyyy": f"{period.year:04d}", "yy": f"{period.year % 100:02d}", "mm": f"{period.month:02d}",
              "mon": SPANISH_MON[period.month - 1]}
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


def _label(period: dt.date, cadence: str) -> str:
    return f"{period.year:04d}" if cadence == "annual" else f"{period.year:04d}-{period.month:02d}"


def _unique(cands: list[Candidate]) -> list[Candidate]:
    seen: set[str] = set()
    out = []
    for c in cands:
        if c.url not in seen:
            seen.add(c.url)
            out.append(c)
    return out


@dataclass(frozen=True)
class Registry:
    sources: dict[str, Source] = field(default_factory=dict)
    paths: tuple[Path, ...] = ()

    def get(self, source_id: str) -> Source:
        try:
            return self.sources[source_id]
        except KeyError:
            raise QueryError("source", f"unknown source '{source_id}'.", sorted(self.sources)) from None

    def match(self, file_name: str) -> Source | None:
        """The first source whose file_patterns match a file name (registry order)."""
        return next((s for s in self.sources.values() if s.matches(file_name)), None)

    def __iter__(self):
        return iter(self.sources.values())


def overlay_paths() -> list[Path]:
    """User overlays, in the order they apply: $VIGIA_HOME/registry.toml, then $VIGIA_REGISTRY."""
    out = []
    home = os.environ.get("VIGIA_HOME")
    if home and (Path(home).expanduser() / "registry.toml").is_file():
        out.append(Path(home).expanduser() / "registry.toml")
    env = os.environ.get("VIGIA_REGISTRY")
    if env:
        path = Path(env).expanduser()
        if not path.is_file():
            raise RegistryError(f"VIGIA_REGISTRY names {path}, which does not exist.")
        out.append(path)
    return out


def load_registry(path: Path | None = None, *, overlays: list[Path] | None = None) -> Registry:
    """Load the packaged registry (or `path`) plus overlays; raises RegistryError when malformed."""
    base = path or PACKAGED
    raw = _read(base)
    tables: dict[str, dict] = {k: dict(v) for k, v in raw.get("sources", {}).items()}
    used = [base]
    for extra in overlay_paths() if overlays is None else overlays:
        for sid, table in _read(extra).get("sources", {}).items():
            tables.setdefault(sid, {}).update(table)
        used.append(extra)
    where = ", ".join(str(p) for p in used)
    return Registry({sid: _source(sid, t, where) for sid, t in tables.items()}, tuple(used))


def _read(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise RegistryError(f"The source registry {path} does not exist.") from None
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"The source registry {path} is not valid TOML: {exc}.") from None
    if not isinstance(data.get("sources", {}), dict):
        raise RegistryError(f"The source registry {path}: 'sources' must be a table of tables.")
    return data


def _source(sid: str, t: dict, where: str) -> Source:
    def bad(key: str, problem: str) -> RegistryError:
        return RegistryError(f"Source registry ({where}), source '{sid}', key '{key}': {problem}")

    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", sid):
        raise bad("id", "source ids are lower-case words joined by hyphens.")
    for key in _REQUIRED:
        if not isinstance(t.get(key), str) or not t[key].strip():
            raise bad(key, "required, a non-empty string.")
    formats = frozenset(_strings(t, "formats", bad) or FORMATS)
    if not formats <= FORMATS:
        unknown = sorted(formats - FORMATS)
        raise bad("formats", f"unknown format(s) {unknown}; expected some of {sorted(FORMATS)}.")
    cadence = t.get("cadence", "monthly")
    if cadence not in CADENCES:
        raise bad("cadence", f"'{cadence}' is not one of {sorted(CADENCES)}.")
    lookback = t.get("lookback", 3)
    if not isinstance(lookback, int) or not 1 <= lookback <= 24:
        raise bad("lookback", "an integer from 1 to 24.")
    urls = _strings(t, "urls", bad)
    templates = _strings(t, "url_templates", bad)
    for u in urls + templates:
        if not re.match(r"https?://", u):
            raise bad("urls", f"'{u}' is not an http(s) URL.")
    for tpl in templates:
        unknown = set(_PLACEHOLDER.findall(tpl)) - _KNOWN_PLACEHOLDERS
        if unknown:
            raise bad("url_templates", f"unknown placeholder(s) {sorted(unknown)} in '{tpl}'.")
    patterns = _strings(t, "file_patterns", bad)
    for p in patterns:
        try:
            re.compile(p)
        except re.error as exc:
            raise bad("file_patterns", f"'{p}' is not a valid regular expression ({exc}).") from None
    return Source(
        id=sid, name=t["name"], producer=t["producer"], landing_url=t["landing_url"],
        licence=t["licence"], citation=t["citation"], formats=formats, cadence=cadence, lookback=lookback,
        urls=tuple(urls), url_templates=tuple(templates), file_patterns=tuple(patterns),
        members=tuple(_strings(t, "members", bad)), files=tuple(_pinned(t.get("files", []), bad)),
        licence_url=t.get("licence_url"), reader=t.get("reader"), notes=t.get("notes"),
    )


def _strings(t: dict, key: str, bad) -> list[str]:
    value = t.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad(key, "a list of strings.")
    return value


def _pinned(entries, bad) -> list[PinnedFile]:
    if not isinstance(entries, list):
        raise bad("files", "an array of tables ([[sources.<id>.files]]).")
    out = []
    for e in entries:
        url = e.get("url") if isinstance(e, dict) else None
        if not isinstance(url, str) or not re.match(r"https?://", url):
            raise bad("files", "each pinned file needs an http(s) 'url'.")
        sha = e.get("sha256")
        if sha is not None and not re.fullmatch(r"[0-9a-f]{64}", str(sha)):
            raise bad("files", f"sha256 of {url} must be 64 lower-case hex digits.")
        size = e.get("size")
        if size is not None and (not isinstance(size, int) or size <= 0):
            raise bad("files", f"size of {url} must be a positive integer (bytes).")
        vintage = e.get("vintage")
        out.append(PinnedFile(url, sha, size, str(vintage) if vintage is not None else None))
    return out
