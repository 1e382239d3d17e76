"""What a file is, from its bytes: format (CSV, XLSX, XLS, zip, bz2, gzip, HTML, PDF) and text encoding."""

from __future__ import annotations

import re
from pathlib import Path

from vigia.errors import FileError

_HTML = re.compile(rb"^\s*(<!doctype html|<html|<head|<body|<\?xml[^>]*>\s*<html)", re.IGNORECASE)
_NON_ASCII = re.compile(rb"[\x80-\xff]")
_CHUNK = 1 << 20


def head_bytes(path: Path, n: int = 4096) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(n)


def sniff_format(path: Path) -> str:
    """One of: csv, xlsx, xls, zip, bz2, gzip, pdf, html, binary, empty."""
    head = head_bytes(path)
    if not head:
        return "empty"
    if head.startswith(b"PK\x03\x04"):
        import zipfile

        try:
            with zipfile.ZipFile(path) as zf:
                names = zf.namelist()
        except zipfile.BadZipFile:
            return "zip"  # a truncated zip: the caller reports it
        return "xlsx" if any(n.startswith("xl/") for n in names) else "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if head.startswith(b"BZh"):
        return "bz2"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"%PDF"):
        return "pdf"
    body = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    if _HTML.match(body) or b"<html" in body[:512].lower():
        return "html"
    if b"\x00" in head:
        return "binary"
    return "csv"


def sniff_encoding(path: Path) -> str:
    """'utf-8' or 'latin-1'. SESNSP publishes both; the first non-ASCII byte decides.

    Reads chunk by chunk until a non-ASCII byte appears (the header's 'Año' usually settles it at once).
    """
    with open(path, "rb") as fh:
        start = fh.read(3)
        if start == b"\xef\xbb\xbf":
            return "utf-8"
        fh.seek(0)
        carry = b""
        while True:
            chunk = fh.read(_CHUNK)
            if not chunk:
                return "utf-8"
            data = carry + chunk
            m = _NON_ASCII.search(data)
            if m:
                sample = data[m.start(): m.start() + 64]
                for cut in range(0, 4):  # a multi-byte character may straddle the sample's end
                    try:
                        sample[: len(sample) - cut].decode("utf-8")
                        return "utf-8"
                    except UnicodeDecodeError as exc:
                        if exc.start < len(sample) - cut - 4:
                            return "latin-1"
                return "latin-1"
            carry = data[-4:]


def read_text_head(path: Path, encoding: str, n: int = 65536) -> str:
    raw = head_bytes(path, n)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    return raw.decode("utf-8" if encoding == "utf-8" else "latin-1", errors="replace")


def require_tabular(path: Path) -> str:
    """The format of a data file, or a FileError when it is empty, HTML or binary junk."""
    fmt = sniff_format(path)
    if fmt == "empty":
        raise FileError(str(path), "the file is empty.", line=1, expected="a CSV or XLSX file with a header row")
    if fmt == "html":
        raise FileError(str(path), "the file is an HTML page, not data (a download error or bot-check page?).",
                        line=1, expected="a CSV or XLSX file")
    if fmt == "binary":
        raise FileError(str(path), "the file is binary, not CSV text.", expected="a CSV or XLSX file")
    return fmt
