"""News datelines: "Ciudad de México, 15 de enero de 2025.", "CIUDAD DE MÉXICO (apro).-", "MEXICO CITY, Jan 15
(Reuters) -". The place and date there say where and when the story was filed, not what its figures are about."""

from __future__ import annotations

import re

_MONTHS = (r"(?:enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre|"
           r"jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|july|august|"
           r"september|october|november|december)\.?")
_PLACE = r"[*_>\s]*[a-z][a-z .']{1,40}?(?:,\s*[a-z][a-z .]{1,25}?)?"
_AGENCY = r"(?:\s*\([a-z .]{2,20}\))?"
_DASH = r"(?:\.?\s*[-–—]+|\.)"
DATELINE_RE = re.compile(
    rf"{_PLACE}{_AGENCY}\s*(?:,|\.|{_DASH})\s*(?:(?:a|el)\s+)?"
    rf"(?:(?:lunes|martes|miercoles|jueves|viernes|sabado|domingo|monday|tuesday|wednesday|thursday|friday|saturday|"
    rf"sunday),?\s+)?"
    rf"(?:\d{{1,2}}\s+de\s+{_MONTHS}(?:\s+(?:de|del)\s+\d{{4}})?|{_MONTHS}\s+\d{{1,2}}(?!\d)(?:,\s*\d{{4}})?)"
    rf"{_AGENCY}\s*(?:{_DASH}|,)?"
    rf"|{_PLACE}(?:\s*\([a-z .]{{2,20}}\)\s*\.?|\.)\s*[-–—]+"  # "CIUDAD DE MÉXICO (apro).-", "Culiacán.—"
)


def dateline_end(folded: str, line_start: int, limit: int) -> int:
    """Where the dateline that opens the line at `line_start` ends (`line_start` when there is none)."""
    m = DATELINE_RE.match(folded, line_start, min(limit, line_start + 120))
    return m.end() if m else line_start
