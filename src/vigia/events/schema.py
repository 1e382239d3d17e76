"""The schema of an events file: field names, event kinds and the checks on single values.

Kept apart from the loader so the docs, the validator and the tests read the same lists.
"""

from __future__ import annotations

import re
from datetime import date

# Spanish-first labels for the kinds; the keys are the codes written in the file.
KINDS: dict[str, str] = {
    "policy": "Política pública",
    "law": "Ley o reforma",
    "deployment": "Despliegue de fuerzas",
    "operation": "Operativo",
    "violent_event": "Hecho violento",
    "arrest": "Detención",
    "judicial": "Decisión judicial o ministerial",
    "institutional": "Cambio institucional",
    "data_change": "Cambio en los datos o la metodología",
}

REQUIRED_FIELDS = ("id", "date", "kind", "geo", "title_es", "title_en", "summary", "sources")
OPTIONAL_FIELDS = ("end_date",)
FIELDS = REQUIRED_FIELDS + OPTIONAL_FIELDS

SOURCE_REQUIRED = ("publisher", "title", "url")
SOURCE_OPTIONAL = ("date",)
SOURCE_FIELDS = SOURCE_REQUIRED + SOURCE_OPTIONAL

NATIONAL = "00"
STATE_CODES = tuple(f"{i:02d}" for i in range(1, 33))

_ID = re.compile(r"[a-z0-9][a-z0-9_-]*")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_PARTIAL_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
_URL = re.compile(r"https?://[^\s/]+\.[^\s]+")


def valid_id(text: str) -> bool:
    return bool(_ID.fullmatch(text))


def parse_iso_day(text: str) -> date | None:
    """A real calendar day written as YYYY-MM-DD, else None (2019-02-30 is None)."""
    if not _ISO_DAY.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def valid_partial_date(text: str) -> bool:
    """Source dates may be known only to the month or year: YYYY, YYYY-MM or YYYY-MM-DD."""
    if not _PARTIAL_DATE.fullmatch(text):
        return False
    parts = [int(p) for p in text.split("-")]
    if len(parts) >= 2 and not 1 <= parts[1] <= 12:
        return False
    return len(parts) < 3 or parse_iso_day(text) is not None


def normalize_geo_code(text: str) -> str | None:
    """'00' or '01'…'32'; a bare '1'…'32' is padded, since YAML users often drop the zero."""
    text = text.strip()
    if not text.isdigit() or len(text) > 2:
        return None
    code = f"{int(text):02d}"
    return code if code == NATIONAL or code in STATE_CODES else None


def valid_url(text: str) -> bool:
    return bool(_URL.fullmatch(text.strip()))
