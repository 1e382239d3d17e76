"""Fixtures for the update tests: a real HTTP server on 127.0.0.1 that can misbehave on demand.

Loaded by test_update.py through `pytest_plugins` (not a conftest.py, so it stays out of other
tests' way; the fixture names are prefixed so that no conftest fixture shadows them). The server serves
named byte strings (real files from the shared data folder, or crafted ones) with ETag/Last-Modified,
conditional requests and byte ranges, and injects faults per path, one per request, in order:

  "500" / "503"   an error status (503 with Retry-After: 0)
  "404"           not found
  "html"          status 200 with a bot-check HTML page instead of the file
  "cut"           headers announce the full length, half the body is sent, then the socket is closed
  "slow"          nothing is sent for `slow_seconds`, then the normal answer
  "trickle"       the body is sent 4 KiB at a time, 0.05 s apart
  "norange"       the Range header is ignored (the whole file with 200)
  "gzip"          the body is gzip-compressed (Content-Encoding: gzip) although the client asked not to
"""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import socket
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

LAST_MODIFIED = email.utils.formatdate(1_700_000_000, usegmt=True)
BOT_PAGE = (b"<!DOCTYPE html><html><head><title>Challenge Validation</title></head>"
            b"<body><p>Please enable JavaScript to continue.</p></body></html>")


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request, client_address) -> None:  # a client that hung up is expected here
        pass


class FaultServer:
    def __init__(self, *, validators: bool = True, ranges: bool = True) -> None:
        self.files: dict[str, bytes] = {}
        self.faults: dict[str, list[str]] = defaultdict(list)
        self.log: list[tuple[str, dict[str, str]]] = []
        self.validators = validators
        self.ranges = ranges
        self.slow_seconds = 2.0
        self.lock = threading.Lock()
        self.httpd = _QuietServer(("127.0.0.1", 0), _Handler)
        self.httpd.owner = self  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}"

    def add(self, name: str, content: bytes | Path) -> str:
        self.files[name] = content.read_bytes() if isinstance(content, Path) else content
        return self.url(name)

    def fault(self, name: str, *faults: str) -> None:
        self.faults[name].extend(faults)

    def requests(self, name: str) -> list[dict[str, str]]:
        return [h for p, h in self.log if p == name]

    def _next_fault(self, name: str) -> str | None:
        with self.lock:
            queue = self.faults.get(name)
            return queue.pop(0) if queue else None

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        try:
            self._get()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True  # the client gave up (a timeout test): fine

    def _get(self) -> None:
        owner: FaultServer = self.server.owner  # type: ignore[attr-defined]
        name = urlsplit(self.path).path.lstrip("/")
        headers = {k.lower(): v for k, v in self.headers.items()}
        with owner.lock:
            owner.log.append((name, headers))
        fault = owner._next_fault(name)
        if fault in ("500", "503"):
            extra = {"Retry-After": "0"} if fault == "503" else {}
            return self._send(int(fault), b"server error", "text/plain", extra)
        if fault == "404" or name not in owner.files:
            return self._send(404, b"<html><title>404 Not Found</title></html>", "text/html")
        if fault == "html":
            return self._send(200, BOT_PAGE, "text/html; charset=utf-8")
        if fault == "slow":
            time.sleep(owner.slow_seconds)
        body = owner.files[name]
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        extra = {"Accept-Ranges": "bytes"} if owner.ranges else {}
        if owner.validators:
            extra |= {"ETag": etag, "Last-Modified": LAST_MODIFIED}
            if headers.get("if-none-match") == etag or (
                "if-none-match" not in headers and headers.get("if-modified-since") == LAST_MODIFIED
            ):
                return self._send(304, b"", None, extra)
        status, start = 200, 0
        wanted = headers.get("range", "")
        if_range = headers.get("if-range")
        if wanted.startswith("bytes=") and owner.ranges and fault != "norange" and (
            if_range is None or if_range in (etag, LAST_MODIFIED)
        ):
            start = int(wanted[6:].split("-")[0])
            if start >= len(body):
                return self._send(416, b"", None, {"Content-Range": f"bytes */{len(body)}"})
            status = 206
            extra["Content-Range"] = f"bytes {start}-{len(body) - 1}/{len(body)}"
        payload = body[start:]
        ctype = "text/csv" if name.endswith(".csv") else "application/octet-stream"
        if fault == "cut":
            self._head(status, ctype, len(payload), extra)
            self.wfile.write(payload[: len(payload) // 2])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        if fault == "gzip":
            return self._send(status, gzip.compress(payload), ctype, extra | {"Content-Encoding": "gzip"})
        if fault == "trickle":
            self._head(status, ctype, len(payload), extra)
            for i in range(0, len(payload), 4096):
                self.wfile.write(payload[i: i + 4096])
                self.wfile.flush()
                time.sleep(0.05)
            return
        self._send(status, payload, ctype, extra)

    def _head(self, status: int, ctype: str | None, length: int, extra: dict) -> None:
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(length))
        for k, v in extra.items():
            self.send_header(k, v)
        self.end_headers()

    def _send(self, status: int, body: bytes, ctype: str | None, extra: dict | None = None) -> None:
        self._head(status, ctype, len(body), extra or {})
        if body:
            self.wfile.write(body)


@pytest.fixture
def fault_server():
    srv = FaultServer()
    yield srv
    srv.close()


@pytest.fixture
def bare_fault_server():
    """A server with no ETag/Last-Modified and no byte ranges (many government hosts)."""
    srv = FaultServer(validators=False, ranges=False)
    yield srv
    srv.close()


@pytest.fixture
def update_data(data_dir) -> Path:
    """The shared data folder (the suite's `data_dir`: a failure, not a skip, when CI requires it)."""
    return Path(data_dir)


@pytest.fixture
def update_env(tmp_path, monkeypatch) -> Path:
    """A private VIGIA_HOME and fast, tiny network settings for one test."""
    home = tmp_path / "home"
    monkeypatch.setenv("VIGIA_HOME", str(home))
    monkeypatch.setenv("VIGIA_HTTP_TIMEOUT", "0.5")
    monkeypatch.setenv("VIGIA_HTTP_CONNECT_TIMEOUT", "0.5")
    monkeypatch.setenv("VIGIA_HTTP_RETRIES", "2")
    monkeypatch.setenv("VIGIA_HTTP_BACKOFF", "0.01")
    monkeypatch.setenv("VIGIA_HTTP_MAX_BACKOFF", "0.05")
    monkeypatch.delenv("VIGIA_REGISTRY", raising=False)
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)  # 127.0.0.1 must be reached directly
    return home
