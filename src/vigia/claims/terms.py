"""Periods a text names by a presidential term, turned into calendar months.

"durante el sexenio de Peña Nieto" = December 2012 – November 2018; "en los primeros 24 meses del gobierno de
López Obrador" = December 2018 – November 2020; "in AMLO's first two years", "under Calderón". Month 1 of a term
is the month it starts (`vigia.analysis.administrations`), the convention of `vigia compare` and the briefs, so a
figure taken from them is found again. A term still running is read only with its first N months or years:
"so far in the term" names no fixed period.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from vigia.analysis.administrations import Administration, administrations
from vigia.claims.vocabulary import fold

YM = tuple[int, int]

_NUMBER_WORDS = {
    "un": 1, "uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8,
    "nueve": 9, "diez": 10, "once": 11, "doce": 12, "dieciocho": 18, "veinticuatro": 24, "treinta": 30,
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "eighteen": 18, "twenty-four": 24, "thirty": 30,
}
# Words that make "gobierno de X" a period rather than the government as an actor ("el gobierno de X anunció…").
_DURING = r"(?:durante|en|bajo|a\s+lo\s+largo\s+de|during|in|under|over|throughout)"


_RESTATED = re.compile(r"\s*\(\s*(?:19|20)\d{2}\s*[-–—]\s*(?:(?:19|20)\d{2}|\d{2})\s*\)")


@lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[re.Pattern, ...], dict[str, Administration]]:
    by_mention: dict[str, Administration] = {}
    for adm in administrations():
        for mention in (*adm.mentions, adm.name):
            by_mention[fold(mention)] = adm
    names = "(?P<name>" + "|".join(re.escape(n) for n in sorted(by_mention, key=len, reverse=True)) + r")(?![a-z])"
    count = r"(?P<n>\d{1,2}|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + ")"
    first_es = (rf"(?:(?:los|las|sus|el|su)\s+)?primer(?:o|os|as)?\s+(?:{count}\s+)?(?P<unit>meses|mes|anos|ano)"
                r"\s+(?:de|del)\s+(?:su\s+)?")
    first_en = rf"(?:(?:the|its|his|her)\s+)?first\s+(?:{count}\s+)?(?P<unit>months|month|years|year)\s+of\s+"
    president = r"(?:(?:el|la)\s+)?(?:(?:ex)?president[ea]?\s+)?"
    return (
        # "(los primeros 24 meses del) sexenio de López Obrador", "durante el gobierno de Peña Nieto"
        re.compile(rf"(?<![a-z])(?:{first_es}(?:(?:el|la)\s+)?(?:sexenio|gobierno|administracion|mandato|presidencia)"
                   rf"|(?:{_DURING}\s+)?(?:(?:el|la)\s+)?(?:sexenio|mandato)"
                   rf"|{_DURING}\s+(?:(?:el|la)\s+)?(?:gobierno|administracion|presidencia))"
                   rf"\s+(?:de|del)\s+{president}{names}"),
        # "in the first two years of López Obrador's government", "during the Peña Nieto administration"
        re.compile(rf"(?<![a-z])(?:{first_en}|{_DURING}\s+)(?:the\s+)?(?:president\s+)?{names}(?:'s|’s)?\s+"
                   r"(?:term|administration|government|presidency|sexenio)"),
        # "the term of President Calderón", "in the first year of the administration of Fox"
        re.compile(rf"(?<![a-z])(?:{first_en}|{_DURING}\s+)(?:the\s+)?(?:term|administration|government|presidency)"
                   rf"\s+of\s+(?:president\s+)?{names}"),
        # "AMLO's first two years", "López Obrador's first 24 months"
        re.compile(rf"(?<![a-z]){names}(?:'s|’s)\s+first\s+(?:{count}\s+)?(?P<unit>months|month|years|year)"),
        # "under Calderón", "bajo Peña Nieto"
        re.compile(rf"(?<![a-z])(?:under|bajo)\s+(?:president\s+|el\s+presidente\s+)?{names}"),
    ), by_mention


def _add_months(ym: YM, k: int) -> YM:
    index = ym[0] * 12 + ym[1] - 1 + k
    return index // 12, index % 12 + 1


def term_spans(folded: str, start: int, end: int, today: dt.date | None = None) -> list[tuple[int, int, YM, YM]]:
    """(start, end, first month, last month) of each term period written in folded[start:end]."""
    patterns, by_mention = _patterns()
    today = today or dt.date.today()
    out: list[tuple[int, int, YM, YM]] = []
    for pattern in patterns:
        for m in pattern.finditer(folded, start, end):
            if any(m.start() < b and a < m.end() for a, b, _, _ in out):
                continue
            adm = by_mention[m.group("name")]
            first: YM = (adm.start.year, adm.start.month)
            unit = m.groupdict().get("unit")
            if unit:
                n_text = m.group("n")
                n = int(n_text) if n_text and n_text.isdigit() else _NUMBER_WORDS.get(n_text or "", 1)
                months = n * (12 if unit.startswith(("ano", "year")) else 1)
                if not 0 < months <= adm.length_months:
                    continue
                last = _add_months(first, months - 1)
            elif adm.end >= today:
                continue  # a term still running: no fixed last month
            else:
                last = (adm.end.year, adm.end.month)
            # "el sexenio de Peña Nieto (2012-2018)": the years in brackets restate the term, not another period
            restated = _RESTATED.match(folded, m.end(), end)
            out.append((m.start(), restated.end() if restated else m.end(), first, last))
    return sorted(out)
