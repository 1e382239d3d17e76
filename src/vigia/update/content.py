"""Is a downloaded file what we asked for? Format from the bytes, size, checksum, zip integrity; unpacking.

Official hosts answer failures with status 200 surprisingly often: an HTML error page, a bot check
(gob.mx's "Challenge Validation", INEGI's small decoy page), a login form. Only the bytes tell.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from vigia.errors import DownloadError

DATA_KINDS = frozenset({"csv", "xlsx", "xls", "zip"})
_HEAD = 65536
_MARKUP = re.compile(rb"^\s*<(!doctype|html|head|body|\?xml|script|meta|title|!--)", re.IGNORECASE)
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_BOT_WORDS = re.compile(
    rb"captcha|challenge|cloudflare|incapsula|radware|\bbots?\b|are you (a )?human|enable javascript"
    rb"|access denied",
    re.IGNORECASE,
)
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_UNPACKED = 20 * 1024**3  # refuse zips that would unpack to more than this (zip bombs, mistakes)


@dataclass(frozen=True)
class Expected:
    """What a download must be: allowed formats, and size/checksum where the producer published them."""

    formats: frozenset[str] = DATA_KINDS
    sha256: str | None = None
    size: int | None = None


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def sniff(path: Path) -> str:
    """csv, xlsx, xls, zip, html, json, pdf, gzip, bz2, empty, text (no delimiter) or binary."""
    with open(path, "rb") as fh:
        head = fh.read(_HEAD)
    if not head:
        return "empty"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(path)
    if head.startswith(_OLE):
        return "xls"
    for magic, kind in ((b"%PDF", "pdf"), (b"\x1f\x8b", "gzip"), (b"BZh", "bz2")):
        if head.startswith(magic):
            return kind
    body = head.removeprefix(b"\xef\xbb\xbf")
    if _MARKUP.match(body) or b"<html" in body[:2048].lower():
        return "html"
    if body.lstrip()[:1] in (b"{", b"["):
        return "json"
    if b"\x00" in head:
        return "binary"
    first = body.splitlines()[0] if body.strip() else b""
    return "csv" if any(d in first for d in (b",", b";", b"|", b"\t")) else "text"


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
    except (zipfile.BadZipFile, OSError):
        return "zip"  # damaged: check() reports it as such
    if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
        return "xlsx"
    return "zip"


class ContentError(DownloadError):
    """Bytes arrived, but not the expected file (a web page, a damaged zip, a wrong checksum…)."""


def describe(url: str | None = None, path: Path | None = None) -> str:
    """How messages name what was checked: 'the download from URL' or 'the file PATH'."""
    return f"the download from {url}" if url else f"the file {path}"


def check(path: Path, expected: Expected, *, label: str, content_type: str | None = None) -> str:
    """The file's kind, or a ContentError saying what arrived instead and what to do.

    `label` names it in messages (see describe()); messages say nothing was stored because the caller
    checks before it stores anything.
    """
    it = label[0].upper() + label[1:]
    size = path.stat().st_size
    if expected.size is not None and size != expected.size:
        raise ContentError(
            f"{it} has {size:,} bytes, but the registry expects {expected.size:,}: it was cut short or the "
            "producer replaced the file. Nothing was stored. Try again later, or check the producer's page "
            "and update the size in the source registry."
        )
    kind = sniff(path)
    if kind == "html":
        raise ContentError(_html_message(path, it))
    if kind not in DATA_KINDS:
        names = {"empty": "an empty file", "text": "plain text with no column delimiter"}
        what = names.get(kind, f"a {kind} file")
        ctype = f" (Content-Type: {content_type})" if content_type else ""
        raise ContentError(
            f"{it} is {what}{ctype}, not a CSV, XLSX, XLS or zip file; nothing was stored. If the address "
            "changed, find the file on the producer's page and run `vigia update --url NEW_URL`, or download "
            "it yourself and use `--file PATH`."
        )
    if kind not in expected.formats:
        raise ContentError(
            f"{it} is a {kind.upper()} file, but this source publishes "
            f"{', '.join(sorted(f.upper() for f in expected.formats))}; nothing was stored. If the producer "
            f"changed format, add '{kind}' to the source's formats in the registry."
        )
    if kind in ("zip", "xlsx"):
        _check_zip(path, it, kind)
    if kind == "xls" and size % 512:
        raise ContentError(
            f"{it} is a damaged XLS file ({size:,} bytes is not a whole number of 512-byte sectors: it was "
            "probably cut short); nothing was stored. Try again later."
        )
    if expected.sha256 and sha256_of(path) != expected.sha256:
        raise ContentError(
            f"{it} does not have the published checksum (sha256 {expected.sha256[:16]}…); nothing was "
            "stored. It was corrupted on the way or the producer replaced it: try again, and if it persists "
            "check the producer's page and update the checksum in the source registry."
        )
    return kind


def check_archive(path: Path) -> None:
    """A zip given by hand (`vigia ingest x.zip`) gets the same integrity check as a download."""
    _check_zip(path, path.name, "zip")


def _check_zip(path: Path, it: str, kind: str) -> None:
    label = "XLSX" if kind == "xlsx" else "zip"
    try:
        with zipfile.ZipFile(path) as zf:
            bad = zf.testzip()  # reads every member and checks its CRC
    except (zipfile.BadZipFile, OSError, EOFError, zipfile.LargeZipFile) as exc:
        raise ContentError(
            f"{it} is a damaged {label} file ({exc}): probably cut short in transit. Nothing was stored. "
            "Run the update again; if it keeps failing, download it in a browser and use "
            "`vigia update --file PATH`."
        ) from None
    if bad is not None:
        raise ContentError(
            f"{it} is a damaged {label} file: member '{bad}' fails its CRC check. Nothing was stored; run "
            "the update again."
        )


def _html_message(path: Path, it: str) -> str:
    with open(path, "rb") as fh:
        head = fh.read(_HEAD)
    m = _TITLE.search(head)
    title = re.sub(r"\s+", " ", m.group(1).decode("utf-8", "replace")).strip()[:80] if m else ""
    seen = f" titled “{title}”" if title else ""
    why = ("a bot check or challenge page" if _BOT_WORDS.search(head)
           else "an error or landing page, not the data file")
    return (
        f"{it} is a web page{seen} instead of a data file: probably {why}. Nothing was stored. Open the "
        "producer's page in a browser, download the file there and run `vigia update --file PATH` (add "
        "`--url URL` to record where it came from), or give the new direct link with `--url`."
    )


def unpack(zip_path: Path, dest: Path, *, label: str, wanted=None) -> list[Path]:
    """Extract the data files of a checked zip into dest; returns them in archive order.

    Paths are kept relative and confined to dest (no absolute paths or '..'); macOS resource forks and
    hidden files are skipped; `wanted(member_name)` filters members (the registry's `members` globs).
    """
    out: list[Path] = []
    with zipfile.ZipFile(zip_path) as zf:
        infos = [i for i in zf.infolist() if not i.is_dir() and _plain(i.filename)]
        if sum(i.file_size for i in infos) > MAX_UNPACKED:
            raise ContentError(
                f"The zip ({label}) would unpack to more than {MAX_UNPACKED // 1024**3} GiB; refused."
            )
        for info in infos:
            if wanted is not None and not wanted(info.filename):
                continue
            rel = PurePosixPath(info.filename.replace("\\", "/"))
            if rel.is_absolute() or ".." in rel.parts:
                raise ContentError(f"The zip ({label}) holds an unsafe path '{info.filename}'; refused.")
            target = dest.joinpath(*rel.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            if sniff(target) in ("csv", "xlsx", "xls"):
                out.append(target)
    return out


def _plain(name: str) -> bool:
    parts = PurePosixPath(name.replace("\\", "/")).parts
    return not any(p.startswith(".") or p == "__MACOSX" for p in parts)
