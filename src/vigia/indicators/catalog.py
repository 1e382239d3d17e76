"""The indicator catalogue (catalog.toml, context_catalog.toml) and the SESNSP crosswalk, loaded and checked.

Each indicator says what it measures and how; which SESNSP categories it sums under each instrument
(CIEISP 1997–2014, CNSP/38/15 2015–2025, RNID 2026+) is in the crosswalk, with a comparability flag.
"""

from __future__ import annotations

import csv
import difflib
import io
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from vigia.errors import QueryError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

MEASURES = ("carpetas", "victimas", "defunciones", "porcentaje", "por_100k", "puntaje", "lugar", "pesos",
            "personas", "valor")
KINDS = ("sesnsp", "store", "budget")
COMPARABLE = ("yes", "partial", "no")
INSTRUMENTS = ("cieisp", "cnsp", "rnid")
INSTRUMENT_YEARS = {"cieisp": (1997, 2014), "cnsp": (2015, 2025), "rnid": (2026, 2100)}


@dataclass(frozen=True)
class CrosswalkRow:
    indicator: str
    instrument: str
    dataset: str
    tipo: tuple[str, ...]
    subtipo: tuple[str, ...]
    modalidad: tuple[str, ...]
    comparable: str
    note: str


@dataclass(frozen=True)
class Indicator:
    id: str
    label_es: str
    label_en: str
    measure: str
    unit: str
    notes: str = ""
    kind: str = "sesnsp"
    components: tuple[str, ...] = ()
    # kind = "store": a series of another source, read from the store as it is
    dataset: str = ""
    variable: str = ""
    detail: str = ""
    additive: bool = True  # may states be summed into a national figure? (not for percentages or ranks)
    concept: str = ""  # kind = "budget"
    # Context indicators (context_catalog.toml): labels for the output frame and an optional municipal dataset
    methodology: str = ""
    comparable: str = "yes"
    municipal_dataset: str = ""
    crosswalk: tuple[CrosswalkRow, ...] = field(default=(), compare=False)

    @property
    def datasets(self) -> tuple[str, ...]:
        if self.kind != "sesnsp":
            return (self.dataset,)
        return tuple(sorted({r.dataset for r in self.crosswalk}))

    @property
    def rateable(self) -> bool:
        return self.measure in ("carpetas", "victimas", "defunciones")

    def label(self, lang: str = "es") -> str:
        return self.label_en if lang == "en" else self.label_es


def _split(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in (text or "").split("|") if p.strip())


@lru_cache(maxsize=1)
def _crosswalk() -> tuple[CrosswalkRow, ...]:
    text = resources.files("vigia.indicators").joinpath("crosswalk.csv").read_text(encoding="utf-8")
    rows = []
    for n, r in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        if r["instrument"] not in INSTRUMENTS or r["comparable"] not in COMPARABLE:
            raise ValueError(f"crosswalk.csv line {n}: bad instrument or comparable flag")
        rows.append(CrosswalkRow(r["indicator"], r["instrument"], r["dataset"], _split(r["tipo"]),
                                 _split(r["subtipo"]), _split(r["modalidad"]), r["comparable"], r["note"]))
    return tuple(rows)


CATALOGUE_FILES = ("catalog.toml", "context_catalog.toml")  # SESNSP indicators, then the other sources'


def _entries() -> list[tuple[str, dict]]:
    out = []
    for name in CATALOGUE_FILES:
        raw = tomllib.loads(resources.files("vigia.indicators").joinpath(name).read_text(encoding="utf-8"))
        out.extend((name, entry) for entry in raw.get("indicator", []))
    return out


@lru_cache(maxsize=1)
def _catalogue() -> dict[str, Indicator]:
    cross = _crosswalk()
    out: dict[str, Indicator] = {}
    for name, entry in _entries():
        ind_id = entry["id"]
        if ind_id in out:
            raise ValueError(f"{name}: duplicate indicator id '{ind_id}'")
        kind = entry.get("kind", "sesnsp")
        if kind not in KINDS or entry["measure"] not in MEASURES:
            raise ValueError(f"{name}: '{ind_id}' has an unknown kind or measure")
        if entry.get("comparable", "yes") not in COMPARABLE:
            raise ValueError(f"{name}: '{ind_id}' has an unknown comparable flag")
        comps = tuple(entry.get("components", ()))
        rows = tuple(r for r in cross if r.indicator in ((ind_id,) + comps))
        if kind == "sesnsp" and not rows:
            raise ValueError(f"{name}: '{ind_id}' has no crosswalk rows")
        out[ind_id] = Indicator(
            id=ind_id, label_es=entry["label_es"], label_en=entry["label_en"], measure=entry["measure"],
            unit=entry["unit"], notes=entry.get("notes", ""), kind=kind, components=comps,
            dataset=entry.get("dataset", ""), variable=entry.get("variable", ""), detail=entry.get("detail", ""),
            additive=bool(entry.get("additive", True)), concept=entry.get("concept", ""),
            methodology=entry.get("methodology", ""), comparable=entry.get("comparable", "yes"),
            municipal_dataset=entry.get("municipal_dataset", ""), crosswalk=rows,
        )
    unknown = {r.indicator for r in cross} - set(out)
    if unknown:
        raise ValueError(f"crosswalk.csv names indicators not in the catalogue: {sorted(unknown)}")
    return out


def indicators() -> list[Indicator]:
    return list(_catalogue().values())


def get(indicator_id: str) -> Indicator:
    cat = _catalogue()
    key = str(indicator_id).strip().lower()
    if key in cat:
        return cat[key]
    near = difflib.get_close_matches(key, list(cat), n=3, cutoff=0.5)
    hint = f" Did you mean: {', '.join(near)}?" if near else ""
    raise QueryError("indicator", f"unknown indicator '{indicator_id}'.{hint}", sorted(cat))


def comparability(ind: Indicator) -> dict[str, str]:
    """Instrument → 'yes' | 'partial' | 'no' for this indicator (composites take the weakest link)."""
    order = {"yes": 0, "partial": 1, "no": 2}
    out: dict[str, str] = {}
    for r in ind.crosswalk:
        cur = out.get(r.instrument)
        out[r.instrument] = r.comparable if cur is None else max(cur, r.comparable, key=order.get)
    if ind.components:  # a component missing under an instrument makes the composite not comparable there
        for inst in list(out):
            covered = {r.indicator for r in ind.crosswalk if r.instrument == inst}
            if not set(ind.components) <= covered:
                out[inst] = "partial" if out[inst] == "yes" else out[inst]
    return out
