"""Fetch one URL to a local file, carefully.

- Timeouts on connect and on every read, plus an overall deadline per file.
- Retries with exponential backoff on connection errors, timeouts, 429 and 5xx (Retry-After honoured);
  an attempt that delivered bytes does not use up a retry, since the next one resumes after them.
- Resume: bytes go to a `.part` file; after a cut the next request asks `Range: bytes=N-` (with If-Range,
  so a file that changed meanwhile restarts from zero). Across runs a `.part` is resumed only when a
  validator (ETag or Last-Modified) proves it is the same file.
- Conditional requests: given the validators remembered from the last run, a 304 means "nothing new".
- The finished file is checked (content.check: format, size, checksum, zip integrity) and only then
  renamed atomically to `<folder>/<sha256[:16]>/<name>`; a file that fails is moved to `<folder>/failed/`.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import json
import os
import random
import re
import time
import urllib.parse
from contextlib import nullcontext
from dataclasses import dataclass, fields, replace
from pathlib import Path

import httpx
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from vigia.errors import DownloadError
from vigia.update.content import Expected, check, describe, sha256_of

USER_AGENT = "vigia/0.1 (observatorio de seguridad publica; python-httpx)"  # ASCII: a header
_RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524})
_MAX_ATTEMPTS = 100  # hard stop even when every attempt makes progress
_ENV = {  # environment variable → DownloadConfig field (how tests and cron jobs tune it)
    "VIGIA_HTTP_TIMEOUT": "read_timeout",
    "VIGIA_HTTP_CONNECT_TIMEOUT": "connect_timeout",
    "VIGIA_HTTP_RETRIES": "retries",
    "VIGIA_HTTP_BACKOFF": "backoff",
    "VIGIA_HTTP_MAX_BACKOFF": "max_backoff",
    "VIGIA_HTTP_DEADLINE": "deadline",
}


@dataclass(frozen=True)
class DownloadConfig:
    connect_timeout: float = 15.0
    read_timeout: float = 60.0  # longest silence tolerated while waiting for bytes
    retries: int = 4  # failed attempts (without progress) allowed after the first
    backoff: float = 1.0  # first delay; doubles on each failure
    max_backoff: float = 60.0
    deadline: float = 6 * 3600.0  # seconds for one file, all attempts included
    chunk_size: int = 1 << 16
    user_agent: str = USER_AGENT
    progress: bool | None = None  # None: a bar only when stderr is a terminal

    @classmethod
    def from_env(cls, **overrides) -> DownloadConfig:
        cfg = cls(**overrides)
        types = {f.name: f.type for f in fields(cls)}
        for var, name in _ENV.items():
            text = os.environ.get(var)
            if text is None or name in overrides:
                continue
            try:
                value = int(text) if types[name] in ("int", int) else float(text)
                if value < 0:
                    raise ValueError
            except ValueError:
                raise DownloadError(f"{var}={text!r} is not a non-negative number.") from None
            cfg = replace(cfg, **{name: value})
        return cfg


@dataclass(frozen=True)
class Validators:
    etag: str | None = None
    last_modified: str | None = None

    def __bool__(self) -> bool:
        return bool(self.etag or self.last_modified)


@dataclass
class Download:
    url: str
    not_modified: bool = False
    path: Path | None = None
    file_name: str | None = None
    kind: str | None = None
    size: int = 0
    sha256: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    final_url: str | None = None
    accessed_at: str = ""
    attempts: int = 0
    resumed: bool = False


class NotFound(DownloadError):
    """The server says the file is not there (404/410): a probe for an unpublished period, or a move."""


class _Transient(Exception):
    """A failure worth retrying."""

    def __init__(self, reason: str, *, progressed: bool = False, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.progressed = progressed
        self.retry_after = retry_after


def make_client(config: DownloadConfig) -> httpx.Client:
    timeout = httpx.Timeout(config.read_timeout, connect=config.connect_timeout)
    # identity: byte ranges must count the file's bytes, not a compressed stream's
    headers = {"User-Agent": config.user_agent, "Accept-Encoding": "identity", "Accept": "*/*"}
    return httpx.Client(follow_redirects=True, timeout=timeout, headers=headers)


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def download(
    url: str,
    folder: Path,
    *,
    validators: Validators | None = None,
    expected: Expected | None = None,
    config: DownloadConfig | None = None,
    client: httpx.Client | None = None,
    console: Console | None = None,
) -> Download:
    """Download url into folder; returns a checked file, or not_modified=True after a 304.

    Raises DownloadError (one paragraph: what happened, what to do) when the file cannot be had.
    """
    config = config or DownloadConfig.from_env()
    own = client is None
    client = client or make_client(config)
    try:
        return _Fetch(url, folder, validators or Validators(), expected or Expected(), config, client,
                      console).run()
    finally:
        if own:
            client.close()


class _Partial:
    """The .part file of a URL and its sidecar (the validators it was fetched under)."""

    def __init__(self, folder: Path, url: str) -> None:
        key = hashlib.sha256(url.encode()).hexdigest()[:24]
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{key}.part"
        self.meta_path = folder / f"{key}.part.json"
        self.url = url
        self.meta: dict = {}
        try:
            meta = json.loads(self.meta_path.read_text(encoding="utf-8"))
            self.meta = meta if meta.get("url") == url else {}
        except (OSError, ValueError):
            self.meta = {}
        if self.path.exists() and not self.meta:
            self.reset()  # bytes of unknown origin: never append to them

    @property
    def size(self) -> int:
        return self.path.stat().st_size if self.path.exists() else 0

    @property
    def if_range(self) -> str | None:
        # A weak ETag may not be used in If-Range (RFC 9110 §13.1.5).
        etag = self.meta.get("etag")
        if etag and not etag.startswith("W/"):
            return etag
        return self.meta.get("last_modified")

    def start(self, *, etag: str | None, last_modified: str | None, total: int | None) -> None:
        self.path.write_bytes(b"")
        self.meta = {"url": self.url, "etag": etag, "last_modified": last_modified, "total": total}
        self.meta_path.write_text(json.dumps(self.meta), encoding="utf-8")

    def reset(self) -> None:
        self.path.unlink(missing_ok=True)
        self.meta_path.unlink(missing_ok=True)
        self.meta = {}


class _Fetch:
    def __init__(self, url, folder, validators, expected, config, client, console) -> None:
        self.url = url
        self.folder = folder
        self.validators = validators
        self.expected = expected
        self.config = config
        self.client = client
        self.partial = _Partial(folder / ".partial", url)
        self.result = Download(url=url)
        self.same_run_ranges = False  # the server honoured Range earlier in this run
        self.decode = False  # the server compressed the body despite Accept-Encoding: identity
        self.console = console or Console(stderr=True)
        show = config.progress if config.progress is not None else self.console.is_terminal
        self.progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
            TimeRemainingColumn(), console=self.console, transient=True, disable=not show,
        )

    def run(self) -> Download:
        deadline = time.monotonic() + self.config.deadline
        failures = 0
        last = "no attempt was made"
        with self.progress if not self.progress.disable else nullcontext():  # no live display when off
            self.task = self.progress.add_task(f"Descargando {_name_from_url(self.url)}", total=None)
            for attempt in range(1, _MAX_ATTEMPTS + 1):
                self.result.attempts = attempt
                try:
                    done = self._attempt(deadline)
                except _Transient as exc:
                    last = exc.reason
                    failures = 0 if exc.progressed else failures + 1
                    if failures > self.config.retries:
                        break
                    delay = min(self.config.max_backoff, self.config.backoff * 2 ** max(failures - 1, 0))
                    delay = max(delay * (0.75 + random.random() / 2), exc.retry_after or 0.0)
                    delay = min(delay, self.config.max_backoff)
                    if time.monotonic() + delay > deadline:
                        raise self._timeout_error() from None
                    time.sleep(delay)
                    continue
                return done if done.not_modified else self._finish()
        tries = self.result.attempts
        kept = self.partial.size
        resume = (f" The {kept:,} bytes received so far are kept; the next run resumes from them where the "
                  "server allows." if kept else "")
        raise DownloadError(
            f"Could not download {self.url} after {tries} attempt{'s' * (tries != 1)}: {last}. Nothing was "
            f"stored. The server may be down or overloaded: try again later.{resume}"
        )

    def _headers(self, offset: int) -> dict[str, str]:
        headers: dict[str, str] = {}
        if offset:
            headers["Range"] = f"bytes={offset}-"
            if self.partial.if_range:
                headers["If-Range"] = self.partial.if_range
        elif self.validators.etag:
            headers["If-None-Match"] = self.validators.etag
        if not offset and self.validators.last_modified:
            headers["If-Modified-Since"] = self.validators.last_modified
        return headers

    def _resume_offset(self) -> int:
        size = self.partial.size
        if not size:
            return 0
        if self.partial.if_range or self.same_run_ranges:
            return size
        self.partial.reset()  # no proof that a retry would get the same file
        return 0

    def _attempt(self, deadline: float) -> Download:
        offset = self._resume_offset()
        headers = self._headers(offset)
        wrote = 0
        try:
            with self.client.stream("GET", self.url, headers=headers) as resp:
                self.result.final_url = str(resp.url)
                status = resp.status_code
                if status == 304 and ("If-None-Match" in headers or "If-Modified-Since" in headers):
                    self.result.not_modified = True
                    self.result.accessed_at = now_iso()
                    v = self.validators
                    self.result.etag = resp.headers.get("etag") or v.etag
                    self.result.last_modified = resp.headers.get("last-modified") or v.last_modified
                    return self.result
                if status in _RETRY_STATUS:
                    raise _Transient(f"the server answered {status} {resp.reason_phrase}",
                                     retry_after=_retry_after(resp.headers.get("retry-after")))
                if status == 416 and offset:
                    self.partial.reset()  # our .part no longer fits the file: start over
                    raise _Transient("the server refused to resume (416)", progressed=True)
                if status in (404, 410):
                    raise NotFound(_status_message(self.url, status, resp.reason_phrase))
                if status not in (200, 206):
                    raise DownloadError(_status_message(self.url, status, resp.reason_phrase))
                total, append = self._prepare(resp, offset)
                self.progress.update(self.task, total=total, completed=self.partial.size,
                                     description=f"Descargando {self.result.file_name}")
                with open(self.partial.path, "ab" if append else "wb") as fh:
                    chunks = resp.iter_bytes if self.decode else resp.iter_raw
                    for chunk in chunks(self.config.chunk_size):
                        fh.write(chunk)
                        wrote += len(chunk)
                        self.progress.update(self.task, advance=len(chunk))
                        if time.monotonic() > deadline:
                            raise self._timeout_error()
        except httpx.TimeoutException as exc:
            raise _Transient(f"timed out ({_kind_of_timeout(exc)})", progressed=wrote > 0) from None
        except httpx.TransportError as exc:
            detail = str(exc) or type(exc).__name__
            why = "the connection was cut mid-file" if wrote else f"connection error ({detail})"
            raise _Transient(why, progressed=wrote > 0) from None
        got = self.partial.size
        if total is not None and got < total:
            raise _Transient(f"the connection closed after {got:,} of {total:,} bytes", progressed=wrote > 0)
        if total is not None and got > total:
            self.partial.reset()
            raise _Transient(f"received {got:,} bytes, more than the announced {total:,}")
        return self.result

    def _prepare(self, resp: httpx.Response, offset: int) -> tuple[int | None, bool]:
        """Total size of the file, and whether to append to the .part (a good 206) or start over."""
        h = resp.headers
        self.result.content_type = h.get("content-type")
        self.result.file_name = _file_name(h.get("content-disposition"), str(resp.url))
        length = _int(h.get("content-length"))
        if resp.status_code == 206:
            m = re.fullmatch(r"\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*", h.get("content-range", ""))
            if m and int(m.group(1)) == offset:
                self.same_run_ranges = True
                self.result.resumed = True
                meta, r = self.partial.meta, self.result
                r.etag = r.etag or meta.get("etag")
                r.last_modified = r.last_modified or meta.get("last_modified")
                total = _int(m.group(3)) or (offset + length if length is not None else None)
                known = self.partial.meta.get("total")
                if known is None or total is None or known == total:
                    return total, True
            # A range we did not ask for, or a different file size: the bytes cannot be trusted.
            self.partial.reset()
            raise _Transient("the server resumed at an unexpected position", progressed=True)
        # 200: the whole file from byte 0 (a server that ignores Range lands here too).
        self.result.etag = h.get("etag")
        self.result.last_modified = h.get("last-modified")
        self.result.accessed_at = now_iso()
        if h.get("content-encoding", "identity").lower() not in ("", "identity"):
            # Compressed although we asked for identity: decode, and since byte offsets then count the
            # compressed stream, neither check the length nor resume (no validators in the sidecar).
            self.decode = True
            self.same_run_ranges = False
            self.partial.start(etag=None, last_modified=None, total=None)
            return None, False
        self.decode = False
        if "bytes" in h.get("accept-ranges", "").lower():
            self.same_run_ranges = True
        self.partial.start(etag=self.result.etag, last_modified=self.result.last_modified, total=length)
        return length, False

    def _finish(self) -> Download:
        part = self.partial.path
        name = self.result.file_name or _name_from_url(self.url)
        try:
            kind = check(part, self.expected, label=describe(self.url), content_type=self.result.content_type)
        except DownloadError as exc:
            kept = self.folder / "failed" / name
            kept.parent.mkdir(parents=True, exist_ok=True)
            os.replace(part, kept)
            self.partial.reset()
            raise type(exc)(f"{exc.message} What arrived was kept at {kept} for inspection.") from None
        name = _with_suffix(name, kind)
        sha = sha256_of(part)
        final = self.folder / sha[:16] / name
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(part, final)  # atomic on one filesystem: a file is either whole or absent
        self.partial.reset()
        r = self.result
        r.path, r.file_name, r.kind, r.sha256, r.size = final, name, kind, sha, final.stat().st_size
        r.accessed_at = r.accessed_at or now_iso()
        return r

    def _timeout_error(self) -> DownloadError:
        return DownloadError(
            f"Downloading {self.url} took longer than the {self.config.deadline:g} s allowed for one file; "
            "nothing was stored. The bytes received so far are kept and the next run resumes from them. "
            "Raise VIGIA_HTTP_DEADLINE for a slow connection."
        )


def _status_message(url: str, status: int, reason: str) -> str:
    if status in (404, 410):
        return (
            f"The server answered {status} {reason} for {url}: the file is not there. The release may not be "
            "published yet, or the producer moved it. Look for it on the producer's page (see the source's "
            "landing_url in the registry) and run `vigia update --url NEW_URL`, or download it in a browser "
            "and use `--file PATH`."
        )
    if status in (401, 403, 407, 451):
        return (
            f"The server refused access to {url} ({status} {reason}), often a bot check that only a browser "
            "passes. Download the file in a browser and run `vigia update --file PATH --url URL`."
        )
    return f"The server answered {status} {reason} for {url}; nothing was stored."


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - dt.datetime.now(dt.timezone.utc)).total_seconds())


def _kind_of_timeout(exc: httpx.TimeoutException) -> str:
    return {httpx.ConnectTimeout: "no connection", httpx.ReadTimeout: "the server stopped sending",
            httpx.PoolTimeout: "no free connection", httpx.WriteTimeout: "could not send"}.get(
        type(exc), "no answer")


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _file_name(disposition: str | None, url: str) -> str:
    if disposition:
        m = re.search(r"filename\*\s*=\s*[\w-]+'[^']*'([^;]+)", disposition, re.IGNORECASE)
        if m:
            return _safe(urllib.parse.unquote(m.group(1).strip()))
        m = re.search(r'filename\s*=\s*"([^"]+)"|filename\s*=\s*([^;]+)', disposition, re.IGNORECASE)
        if m:
            return _safe((m.group(1) or m.group(2)).strip())
    return _name_from_url(url)


def _name_from_url(url: str) -> str:
    path = urllib.parse.urlsplit(url).path
    return _safe(urllib.parse.unquote(path.rstrip("/").rsplit("/", 1)[-1])) or "download"


def _safe(name: str) -> str:
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r'[\x00-\x1f<>:"|?*]', "_", name).strip(" .")
    return name[:200] or "download"


def _with_suffix(name: str, kind: str) -> str:
    """Give a file name the extension of its kind when it has none (e.g. '.../download?id=…')."""
    if name.lower().endswith(f".{kind}"):
        return name
    return name if re.search(r"\.(csv|xlsx|xls|zip|txt)$", name, re.IGNORECASE) else f"{name}.{kind}"
