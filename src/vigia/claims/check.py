"""The claim checker's Python API: check_text and check_file."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

from vigia.claims.bank import bank_for
from vigia.claims.extract import extract
from vigia.claims.model import Claim
from vigia.claims.search import Checker
from vigia.claims.vocabulary import detect_lang
from vigia.errors import FileError

BINARY_MAGIC = (b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\x89PNG", b"\xff\xd8\xff", b"GIF8")
MAX_BYTES = 5_000_000  # an article, not a corpus: beyond this the text is surely not one


def check_text(con: duckdb.DuckDBPyConnection, text: str, lang: str | None = None) -> list[Claim]:
    """Find the numeric claims of a Spanish or English text and check each against every stored release."""
    lang = lang or detect_lang(text)
    if lang not in ("es", "en"):
        raise ValueError(f"lang must be 'es' or 'en', not {lang!r}")
    mentions = extract(text)
    checker = Checker(bank_for(con), lang)
    needed = {ind for m in mentions if m.topic for ind in checker.vocab.topics[m.topic].series.values()}
    checker.bank.ensure(needed)  # one query for every SESNSP series the text needs
    claims: list[Claim] = []
    for n, m in enumerate(mentions):
        claims.append(checker.check(n + 1, m, claims))
    return claims


def read_text(source: str | Path, data: bytes | None = None) -> str:
    """The text of a file ('-' = stdin), refusing what is empty or binary with a clear FileError."""
    name = "<stdin>" if str(source) == "-" else str(source)
    if data is None:
        if str(source) == "-":
            data = sys.stdin.buffer.read(MAX_BYTES + 1)
        else:
            path = Path(source)
            if not path.exists():
                raise FileError(name, "no such file.")
            if path.is_dir():
                raise FileError(name, "is a folder, not a text file.")
            with path.open("rb") as fh:
                data = fh.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise FileError(name, f"is larger than {MAX_BYTES // 1_000_000} MB; give one article at a time.")
    if not data.strip():
        raise FileError(name, "is empty: there is no text to check.", expected="a Markdown or plain-text article")
    if b"\x00" in data[:8192] or data.startswith(BINARY_MAGIC):
        raise FileError(name, "is a binary file (a PDF, a spreadsheet, an image…), not text.",
                        expected="a Markdown or plain-text article (UTF-8 or Latin-1)")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 fails only on five bytes
        text = data.decode("latin-1")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\r\n\t\f")
    if controls > max(3, len(text) // 100):
        raise FileError(name, "does not look like text (control characters throughout).",
                        expected="a Markdown or plain-text article")
    return text


def check_file(con: duckdb.DuckDBPyConnection, source: str | Path, lang: str | None = None) -> list[Claim]:
    """check_text on a file's text ('-' reads stdin)."""
    return check_text(con, read_text(source), lang)
