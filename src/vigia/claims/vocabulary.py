"""The claim checker's vocabulary (vocabulary.toml), compiled into phrase matchers over folded text.

Matching runs on a *folded* copy of the text — lower case, accents stripped — that keeps every
character at its original offset, so a match's span is also its span in the original.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from vigia.geo.catalog import STATES, normalize_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def fold(text: str) -> str:
    """Lower-case and strip accents, one character for one: offsets in the result are offsets in `text`."""
    out = []
    for ch in text:
        if ch.isascii():
            out.append(ch.lower())
            continue
        base = [c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)]
        out.append(base[0].lower() if len(base) == 1 else (" " if not base else base[0].lower()))
    return "".join(out)


def _phrase_regex(phrase: str) -> str:
    """'homicidio(s) doloso(s)' → 'homicidio(?:s)?\\s+doloso(?:s)?'; a trailing '*' takes any word ending."""
    text = fold(phrase.strip())
    parts = re.split(r"(\([^)]*\)|\*|\s+)", text)
    out = []
    for part in parts:
        if not part:
            continue
        if part.startswith("(") and part.endswith(")"):
            out.append(f"(?:{re.escape(part[1:-1])})?")
        elif part == "*":
            out.append(r"\w*")
        elif part.isspace():
            out.append(r"[\s\-]+")
        else:
            out.append(re.escape(part))
    return "".join(out)


@dataclass(frozen=True)
class Hit:
    start: int
    end: int
    key: str


class PhraseSet:
    """Named groups of phrases; `find` returns non-overlapping hits, the longest winning an overlap."""

    def __init__(self, groups: dict[str, list[str]]) -> None:
        self.patterns: dict[str, re.Pattern] = {}
        for key, phrases in groups.items():
            alts = sorted({_phrase_regex(p) for p in phrases if p.strip()}, key=len, reverse=True)
            if alts:
                self.patterns[key] = re.compile(r"(?<![a-z0-9])(?:" + "|".join(alts) + r")(?![a-z0-9])")

    def find(self, folded: str, start: int = 0, end: int | None = None) -> list[Hit]:
        end = len(folded) if end is None else end
        hits = [Hit(m.start(), m.end(), key) for key, pat in self.patterns.items()
                for m in pat.finditer(folded, start, end)]
        hits.sort(key=lambda h: (-(h.end - h.start), h.start))
        chosen: list[Hit] = []
        for h in hits:
            if all(h.end <= c.start or h.start >= c.end for c in chosen):
                chosen.append(h)
        return sorted(chosen, key=lambda h: h.start)


@dataclass(frozen=True)
class Topic:
    id: str
    label_es: str
    label_en: str
    series: dict[str, str]  # measure → indicator id
    order: tuple[str, ...]  # measure preference when the text names none

    @property
    def is_budget(self) -> bool:
        return set(self.series) == {"aprobado", "ejercido"}

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_es


@dataclass(frozen=True)
class Vocabulary:
    topics: dict[str, Topic]
    topic_phrases: PhraseSet
    measures: PhraseSet
    geo: PhraseSet  # keys: '00', '01'…'32'
    municipal: PhraseSet
    change: PhraseSet  # keys: up, down
    after_change: PhraseSet  # keys: up, down ("15% más")
    level: re.Pattern
    points: PhraseSet
    bounds: PhraseSet  # keys: above, below, nearly
    month_numbers: dict[str, int]  # every folded month name and abbreviation → 1…12
    terms: PhraseSet
    no_period: PhraseSet
    parts: PhraseSet  # keys: 'first-last' month ('1-6' = primer semestre)
    daily: PhraseSet
    per_100k: PhraseSet
    multipliers: list[tuple[str, float]]
    lang_words: dict[str, frozenset[str]]


def _geo_groups(raw: dict) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {"00": list(raw["national"])}
    for st in STATES:
        # Short abbreviations ("Son", "Sin", "Camp") are ordinary words in prose: only longer aliases count.
        names = [st.name, st.short_name, *[a for a in st.aliases if len(a) > 4 or a == "CDMX"]]
        # The state called "México" is only reached by its longer names: bare "México" is the country.
        groups.setdefault(st.code, []).extend(n for n in names if normalize_name(n) != "mexico")
    for code, extra in raw.get("states", {}).items():
        groups.setdefault(code, []).extend(extra)
    return groups


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    raw = tomllib.loads(resources.files("vigia.claims").joinpath("vocabulary.toml").read_text(encoding="utf-8"))
    topics, phrases = {}, {}
    for t in raw["topic"]:
        series, order = dict(t.get("series", {})), tuple(t.get("order", ()))
        if "budget" in t:  # one budget line, two stages; approved is what "the budget of X" means
            series, order = {"aprobado": t["budget"], "ejercido": t["budget"]}, ("aprobado", "ejercido")
        topics[t["id"]] = Topic(t["id"], t["label_es"], t["label_en"], series, order)
        phrases[t["id"]] = [*t.get("es", ()), *t.get("en", ())]
    ch = raw["change"]
    month_numbers = {fold(name): i + 1 for key in ("months_es", "months_en", "abbr_es", "abbr_en")
                     for i, name in enumerate(raw["time"][key])}
    parts: dict[str, list[str]] = {}
    for name, (first, last) in raw["time"]["parts"].items():
        parts.setdefault(f"{first}-{last}", []).append(name)
    level_alts = sorted((_phrase_regex(w) for w in ch["level"]), key=len, reverse=True)
    mult = sorted(((fold(k), float(v)) for k, v in raw["multipliers"].items()), key=lambda kv: -len(kv[0]))
    return Vocabulary(
        topics=topics,
        topic_phrases=PhraseSet(phrases),
        measures=PhraseSet(raw["measures"]),
        geo=PhraseSet(_geo_groups(raw["geo"])),
        municipal=PhraseSet({"municipal": raw["geo"]["municipal"]}),
        change=PhraseSet({"up": ch["up"], "down": ch["down"]}),
        after_change=PhraseSet({"up": ch["after_up"], "down": ch["after_down"]}),
        level=re.compile(r"(?<![a-z0-9])(?:" + "|".join(level_alts) + r")\s*$"),
        points=PhraseSet({"points": ch["points"]}),
        bounds=PhraseSet(raw["bounds"]),
        month_numbers=month_numbers,
        terms=PhraseSet({"term": raw["time"]["terms"]}),
        no_period=PhraseSet({"no_period": raw["time"]["no_period"]}),
        parts=PhraseSet(parts),
        daily=PhraseSet({"daily": raw["time"]["daily"]}),
        per_100k=PhraseSet({"per_100k": raw["rate"]["per_100k"]}),
        multipliers=mult,
        lang_words={k: frozenset(v) for k, v in raw["lang"].items()},
    )


def detect_lang(text: str) -> str:
    """'es' or 'en', by counting common function words (Spanish wins a tie: Vigía is Spanish-first)."""
    words = re.findall(r"[a-z]+", fold(text))
    vocab = vocabulary().lang_words
    es = sum(w in vocab["es"] for w in words)
    en = sum(w in vocab["en"] for w in words)
    return "en" if en > es else "es"
