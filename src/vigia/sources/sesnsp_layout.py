"""SESNSP's wide layouts (state/municipal incidence and victims): which columns, recognised from the header.

Known header spellings live in `maps/sesnsp_columns.csv` (header drift is data, not code).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from vigia.errors import HeaderError
from vigia.geo.catalog import normalize_name

SOURCE = "sesnsp"
MONTHS = tuple(f"m{i:02d}" for i in range(1, 13))
YEAR_MIN, YEAR_MAX = 1997, 2030
RNID_FIRST_YEAR = 2026  # SESNSP's new catalogue (RNID) replaces CNSP/38/15 from January 2026

_BASE = ("year", "state_code", "state_name")
_CRIME = ("bien", "tipo", "subtipo", "modalidad")
LAYOUTS: dict[str, tuple[str, ...]] = {
    "incidence": _BASE + _CRIME + MONTHS,
    "victims": _BASE + _CRIME + ("sexo", "edad") + MONTHS,
    "municipal_incidence": _BASE + ("mun_code", "mun_name") + _CRIME + MONTHS,
    "municipal_victims": _BASE + ("mun_code", "mun_name") + _CRIME + ("sexo", "edad") + MONTHS,
}


@dataclass(frozen=True)
class Layout:
    dataset: str
    columns: tuple[str, ...]  # canonical names in file order
    headers: tuple[str, ...]  # the file's own header names, same order

    @property
    def municipal(self) -> bool:
        return "mun_code" in self.columns

    @property
    def labels(self) -> tuple[str, ...]:
        """The text columns (place and categories), in file order."""
        return tuple(c for c in self.columns if c != "year" and c not in MONTHS)

    def header_of(self, canonical: str) -> str:
        return self.headers[self.columns.index(canonical)]


@lru_cache(maxsize=1)
def _header_map() -> tuple[dict[str, str], dict[str, str]]:
    text = resources.files("vigia.sources").joinpath("maps/sesnsp_columns.csv").read_text(encoding="utf-8")
    variants: dict[str, str] = {}
    labels: dict[str, str] = {}
    for row in csv.DictReader(io.StringIO(text)):
        labels[row["canonical"]] = row["label"]
        variants[normalize_name(row["label"])] = row["canonical"]
        for v in row["variants"].split("|"):
            variants[normalize_name(v)] = row["canonical"]
    return variants, labels


def canonical_header(name: str) -> str | None:
    return _header_map()[0].get(normalize_name(name))


def detect_layout(headers: list[str], file: str) -> Layout | None:
    """The dataset a header describes, None when it is not a SESNSP wide layout at all.

    A header that is mostly SESNSP but has missing, extra or renamed columns is an error that names them.
    """
    canon = [canonical_header(h) for h in headers]
    known = [c for c in canon if c]
    # Claim the file only when it carries SESNSP's own structure (an entity code or the crime columns):
    # the old CIEISP layout also has months and ENTIDAD, and belongs to another reader.
    if sum(c in MONTHS for c in known) < 6 or not {"state_code", "tipo", "subtipo", "bien"} & set(known):
        return None
    if "mun_code" in known or "mun_name" in known:
        dataset = "municipal_victims" if {"sexo", "edad"} & set(known) else "municipal_incidence"
    else:
        dataset = "victims" if {"sexo", "edad"} & set(known) else "incidence"
    expected = LAYOUTS[dataset]
    labels = _header_map()[1]
    missing = [labels[c] for c in expected if c not in known]
    unknown = [h for h, c in zip(headers, canon) if c is None]
    dupes = sorted({labels[c] for c in known if known.count(c) > 1})
    if missing or unknown or dupes:
        parts = []
        if missing:
            parts.append("missing column(s): " + ", ".join(f"'{m}'" for m in missing))
        if unknown:
            parts.append("unexpected column(s): " + ", ".join(f"'{u}'" for u in unknown))
        if dupes:
            parts.append("repeated column(s): " + ", ".join(f"'{d}'" for d in dupes))
        raise HeaderError(
            file,
            "the header does not match the SESNSP " + dataset.replace("_", " ") + " layout; " + "; ".join(parts) + ".",
            line=1,
            expected=", ".join(labels[c] for c in expected),
        )
    if tuple(canon) != expected:
        raise HeaderError(
            file,
            "the SESNSP columns are in an unexpected order.",
            line=1,
            expected=", ".join(labels[c] for c in expected),
        )
    return Layout(dataset=dataset, columns=expected, headers=tuple(headers))
