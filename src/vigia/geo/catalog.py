"""The 32 states with INEGI codes, their official SESNSP names and the spellings people use.

Names match accent-, case- and punctuation-insensitively; an unknown name gets a "did you mean" error.
"""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from vigia.errors import QueryError

NATIONAL = "00"
_NATIONAL_NAMES = (
    "00", "0", "nacional", "national", "nation", "total nacional", "republica mexicana",
    "estados unidos mexicanos", "pais", "mexico (pais)", "mexico (national)", "mx", "mex", "nal",
)


@dataclass(frozen=True)
class State:
    code: str
    name: str  # official SESNSP/INEGI name
    short_name: str  # the name people use
    abbreviation: str
    iso3166: str
    aliases: tuple[str, ...]


def normalize_name(text: str) -> str:
    """Lower-case, strip accents and punctuation, collapse spaces: 'Michoacán de Ocampo' → 'michoacan de ocampo'."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    plain = re.sub(r"[^a-z0-9()]+", " ", plain)
    return re.sub(r"\s+", " ", plain).strip()


@lru_cache(maxsize=1)
def _load() -> tuple[State, ...]:
    text = resources.files("vigia.geo").joinpath("states.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(text.splitlines())
    return tuple(
        State(
            code=r["code"],
            name=r["name"],
            short_name=r["short_name"],
            abbreviation=r["abbreviation"],
            iso3166=r["iso3166"],
            aliases=tuple(a for a in r["aliases"].split("|") if a),
        )
        for r in rows
    )


STATES: tuple[State, ...] = _load()


@lru_cache(maxsize=1)
def _lookup() -> dict[str, str]:
    table: dict[str, str] = {normalize_name(n): NATIONAL for n in _NATIONAL_NAMES}
    # "mex"/"mx" denote the country in ISO-3 contexts; the state is reached by its names.
    for st in STATES:
        for spelling in (st.code, str(int(st.code)), st.name, st.short_name, st.abbreviation, st.iso3166,
                         *st.aliases):
            table.setdefault(normalize_name(spelling), st.code)
        table[normalize_name(st.name)] = st.code
        table[normalize_name(st.short_name)] = st.code
    table[normalize_name("México")] = "15"  # the SESNSP official name of the state
    table[normalize_name("Estado de Mexico")] = "15"
    return table


def state_code_for(name_or_code: str | int) -> str | None:
    """The two-digit code for a state name or code, '00' for national, or None when unknown."""
    key = normalize_name(str(name_or_code))
    if key.isdigit() and len(key) <= 2:
        key = str(int(key))
        return NATIONAL if key == "0" else (f"{int(key):02d}" if 1 <= int(key) <= 32 else None)
    return _lookup().get(key)


def state_name(code: str, *, official: bool = False) -> str:
    if code == NATIONAL:
        return "Nacional"
    for st in STATES:
        if st.code == code:
            return st.name if official else st.short_name
    raise QueryError("geo", f"unknown state code '{code}'.", [s.code for s in STATES])


def resolve_geo(value: str | int, *, parameter: str = "geo", allow_municipal: bool = True) -> str:
    """Resolve a geography given as code or name to its INEGI code ('00', '01'…'32', or 5 digits)."""
    text = str(value).strip()
    if allow_municipal and re.fullmatch(r"\d{4,5}", text):
        return text.zfill(5)
    code = state_code_for(text)
    if code is not None:
        return code
    if allow_municipal:
        from vigia.geo.municipalities import resolve_municipality, suggest_municipalities

        mun = resolve_municipality(text, parameter=parameter)
        if mun is not None:
            return mun
    else:
        suggest_municipalities = None
    names = sorted({s.short_name for s in STATES} | {"Nacional"})
    near = difflib.get_close_matches(normalize_name(text), [normalize_name(n) for n in names], n=3, cutoff=0.5)
    by_key = {normalize_name(n): n for n in names}
    pretty = [by_key[k] for k in near]
    if suggest_municipalities is not None:
        pretty += [m for m in suggest_municipalities(text) if m not in pretty]
    hint = f" Did you mean: {', '.join(pretty)}?" if pretty else ""
    raise QueryError(parameter, f"unknown geography '{value}'.{hint}", ["00"] + [s.code for s in STATES])
