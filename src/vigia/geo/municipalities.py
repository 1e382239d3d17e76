"""Municipalities: 5-digit INEGI codes and names, from the CONAPO municipal table (derived catalogue).

The packaged `municipalities.csv` holds only codes and names (no population); `vigia snapshot build` rewrites
it from the CONAPO file. Names are matched without regard to accents or case; "Culiacán" works when only one
state has it, "Juárez, Chihuahua" (or "Juárez (Chihuahua)") picks among namesakes.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

from vigia.errors import QueryError
from vigia.geo.catalog import normalize_name, state_code_for

FILE = "municipalities.csv"


@lru_cache(maxsize=1)
def municipalities() -> dict[str, tuple[str, str]]:
    """code → (name, state code)."""
    path = resources.files("vigia.geo").joinpath(FILE)
    if not path.is_file():
        return {}
    rows = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))
    return {r["code"]: (r["name"], r["code"][:2]) for r in rows}


def municipality_name(code: str) -> str | None:
    entry = municipalities().get(code)
    return entry[0] if entry else None


def resolve_municipality(text: str, *, parameter: str = "geo") -> str | None:
    """The 5-digit code for a municipality name (optionally with its state), None if it is not a name at all."""
    raw = str(text).strip()
    m = re.fullmatch(r"(.+?)\s*(?:,|\()\s*([^()]+?)\)?\s*", raw)
    name, state = (m.group(1), m.group(2)) if m else (raw, None)
    state_code = state_code_for(state) if state else None
    key = normalize_name(name)
    table = municipalities()
    hits = [c for c, (n, st) in table.items() if normalize_name(n) == key and (state_code is None or st == state_code)]
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        from vigia.geo.catalog import state_name

        options = [f"{table[c][0]}, {state_name(table[c][1])} ({c})" for c in hits]
        raise QueryError(parameter, f"'{text}' names {len(hits)} municipalities; add the state.", options)
    return None


def suggest_municipalities(text: str, n: int = 3) -> list[str]:
    table = municipalities()
    names = {normalize_name(n): n for n, _ in table.values()}
    return [names[k] for k in difflib.get_close_matches(normalize_name(text), list(names), n=n, cutoff=0.75)]


def write_catalogue(conapo_municipal_csv: Path, out: Path | None = None) -> int:
    """Rewrite the packaged catalogue (codes and names only) from CONAPO's municipal table."""
    out = out or Path(str(resources.files("vigia.geo").joinpath(FILE)))
    with open(conapo_municipal_csv, encoding="utf-8-sig", newline="") as fh:
        rows = [(r["CVE"].strip().zfill(5), r["Municipio"].strip()) for r in csv.DictReader(fh)]
    rows.sort()
    with open(out, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["code", "name"])
        writer.writerows(rows)
    municipalities.cache_clear()
    return len(rows)
