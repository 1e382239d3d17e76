"""Where a text places a state among the 32: "Guanajuato fue el estado con más homicidios", "Colima, la entidad
con la tasa más alta", "ocupa el tercer lugar nacional en feminicidios", "ranked second", "Yucatán, el estado con
menos homicidios".

A phrase gives a position counted from the top (the most) or from the bottom (the fewest), and whether it ranks
counts or rates; the state, crime and year come from the sentence like any other claim's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

ORDINALS = {
    "primer": 1, "primero": 1, "primera": 1, "segundo": 2, "segunda": 2, "tercer": 3, "tercero": 3, "tercera": 3,
    "cuarto": 4, "cuarta": 4, "quinto": 5, "quinta": 5, "sexto": 6, "sexta": 6, "septimo": 7, "septima": 7,
    "octavo": 8, "octava": 8, "noveno": 9, "novena": 9, "decimo": 10, "decima": 10,
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9,
    "tenth": 10,
}
_TOP = r"mas|mayor|mayores|most|highest|largest|greatest"
_BOTTOM = r"menos|menor|menores|fewest|lowest|least|smallest"
RATE_RE = re.compile(r"(?<![a-z])(?:tasa|tasas|rate|rates|por\s+cada\s+100|por\s+100|per\s+100)(?![a-z])")


@dataclass(frozen=True)
class RankPhrase:
    start: int
    end: int
    position: int  # 1 = first
    from_bottom: bool  # "el estado con menos…", "último lugar"


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern, ...]:
    words = "|".join(sorted(ORDINALS, key=len, reverse=True))
    ordinal = rf"(?P<ord>{words}|\d{{1,2}}\s*(?:o|°|er|ero|do|to|vo|no|mo|st|nd|rd|th)?)"
    return (
        # "el estado con más homicidios", "la entidad con la tasa más alta", "the state with the most murders"
        re.compile(rf"(?<![a-z])(?:estado|entidad|state)\s+(?:del\s+pais\s+|in\s+the\s+country\s+)?(?:con|with)\s+"
                   rf"(?:(?:el|la|los|las|the)\s+)?(?:(?:tasa|rate|numero|cantidad|number)\s+(?:de\s+\w+\s+)?)?"
                   rf"(?:(?P<top>{_TOP})|(?P<bottom>{_BOTTOM}))(?:\s+(?P<high>alta|alto|altas|altos)"
                   rf"|\s+(?P<low>baja|bajo|bajas|bajos))?(?![a-z])"),
        # "el tercer lugar nacional", "1er lugar", "third place", "ranked second"
        re.compile(rf"(?<![a-z0-9]){ordinal}\s+(?:lugar|sitio|puesto|place|position)(?![a-z])"),
        re.compile(rf"(?<![a-z])(?:ranked|ranks|ranking)\s+{ordinal}(?![a-z0-9])"),
        # "último lugar", "penúltimo lugar", "last place"
        re.compile(r"(?<![a-z])(?P<last>penultimo|ultimo|last)\s+(?:lugar|sitio|puesto|place)(?![a-z])"),
        # "Guanajuato encabeza la lista", "leads the country in homicides" (not "encabezó la reunión", "led to")
        re.compile(r"(?<![a-z])(?:encabez[a-z]*|lidera[a-z]*|leads|led|tops|topped)\s+(?:(?:la|el|los|las|the)\s+)?"
                   r"(?:lista|listado|ranking|tabla|clasificacion|pais|estados|entidades|nacion|list|country|nation|"
                   r"states|table)(?![a-z])"),
    )


def rank_phrases(folded: str, start: int, end: int) -> list[RankPhrase]:
    """The first state-ranking phrase of folded[start:end] (a sentence places one state once), or none."""
    superlative, ordinal, ranked, last, leads = _patterns()
    for m in superlative.finditer(folded, start, end):
        bottom = bool(m.group("bottom") or m.group("low"))
        if m.group("top") and m.group("top").startswith("mas") and m.group("low"):
            bottom = True  # "la tasa más baja"
        return [RankPhrase(m.start(), m.end(), 1, bottom)]
    for rx in (ordinal, ranked):
        for m in rx.finditer(folded, start, end):
            if re.search(r"(?<![a-z])en\s+$", folded[max(start, m.start() - 4):m.start()]) \
                    and re.match(r"\s*,", folded[m.end():end]):
                continue  # "En primer lugar, …": firstly
            token = m.group("ord")
            digits = re.match(r"\d+", token)
            position = int(digits.group(0)) if digits else ORDINALS[token]
            if 1 <= position <= 32:
                return [RankPhrase(m.start(), m.end(), position, False)]
    for m in last.finditer(folded, start, end):
        return [RankPhrase(m.start(), m.end(), 2 if m.group("last") == "penultimo" else 1, True)]
    for m in leads.finditer(folded, start, end):
        return [RankPhrase(m.start(), m.end(), 1, False)]
    return []


def by_rate(folded: str, start: int, end: int) -> bool:
    """The sentence ranks rates ("la tasa más alta", "per 100,000"), not counts."""
    return bool(RATE_RE.search(folded, start, end))
