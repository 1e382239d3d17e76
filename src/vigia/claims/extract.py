"""Find the numeric claims of a text and what each is about: indicator, measure, place, period.

Kinds of claim: count ("34,588 víctimas"), percent (ENVIPE's "74.3%"), share ("Guanajuato concentró el
10% de los homicidios"), rate ("29 por cada 100 mil"), rank ("lugar 99 de 126"), score (WJP "0.45"),
change ("aumentó 15.1%"; "+2 puntos porcentuales" is change_pp), money ("28,929 millones de pesos") and
implied_change ("from 428 in 2015 to 1,006 in 2019": the two counts plus the change they imply).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from vigia.claims.dateline import dateline_end
from vigia.claims.numbers import YM, Number, month_spans, scan, year_ranges
from vigia.claims.segments import Block, Sentence, sentences
from vigia.claims.state_ranks import by_rate, rank_phrases
from vigia.claims.terms import term_spans
from vigia.claims.vocabulary import Hit, fold, vocabulary
from vigia.geo.catalog import NATIONAL

YEAR_MIN, YEAR_MAX = 1990, 2035  # years a figure can be about
YEAR_LIKE = (1800, 2100)  # integers written like years are never claims
WINDOW = 40  # characters around a figure searched for its measure word when its indicator words are carried
MEASURE_REACH = 8  # …and beyond the figure and its indicator words when they are in the sentence
RANK_RES = (
    # "lugar 99 de 126", "ocupa el 99 de 126", "posición número 99"
    re.compile(r"(?:lugar|posicion|puesto|sitio|ocupa(?:ba|ria)?|ocupo|se\s+ubico|se\s+ubica|quedo)\s+"
               r"(?:el\s+|en\s+el\s+)?(?:lugar\s+)?(?:numero\s+|no\.\s*|#)?(?P<rank>\d{1,3})(?!\d|[.,]\d)"
               r"(?:\s*[°º]|o|vo|avo)?"
               r"(?:\s+(?:de|entre)\s+(?:los\s+|las\s+)?(?P<total>\d{1,3})(?!\d))?"),
    # "ranked 99th of 126", "ranks 99 out of 126", "#99 of 126", "placed 99th"
    re.compile(r"(?:(?:rank(?:ed|s|ing)?|plac(?:ed|es)|position|came)\s*|#)(?:no\.\s*)?(?P<rank>\d{1,3})"
               r"(?!\d|[.,]\d)(?:st|nd|rd|th)?(?:\s+(?:out\s+)?of\s+(?:the\s+)?(?P<total>\d{1,3})(?!\d))?"),
    # "99th of 126", "99 out of 126 countries", "99 de 126 países"
    re.compile(r"(?<![\d.,])(?P<rank>\d{1,3})(?:st|nd|rd|th|\s*[°º])\s+(?:out\s+of|of|de|entre)\s+(?:the\s+|los\s+)?"
               r"(?P<total>\d{1,3})(?!\d)"),
    re.compile(r"(?<![\d.,])(?P<rank>\d{1,3})\s+(?:out\s+of|of|de|entre)\s+(?:the\s+|los\s+)?(?P<total>\d{1,3})\s+"
               r"(?:countries|nations|economies|paises|naciones|economias)"),
    re.compile(r"(?<![\d.,])(?P<rank>\d{1,3})\s+out\s+of\s+(?P<total>\d{1,3})(?!\d)"),
)
# "ranked Mexico 97 of 126", "92/113" in a Rank column: a bare "N of M" is a rank when the context says so.
CUED_RANK_RES = (
    re.compile(r"(?<![\d.,])(?P<rank>\d{1,3})\s+(?:of|de)\s+(?P<total>\d{1,3})(?!\d|[.,]\d)"),
    re.compile(r"(?<![\d.,/])(?P<rank>\d{1,3})\s*/\s*(?P<total>\d{1,3})(?![\d/]|[.,]\d)"),
)
RANK_CUE_RE = re.compile(r"(?<![a-z])(?:rank\w*|lugar|posicion|puesto|ocup\w*|ubic\w*|place[ds]?|position)(?![a-z])")
RATIO_RE = re.compile(r"(?<![\d.,])(?P<x>\d{1,2})\s+(?:de\s+cada|out\s+of\s+every|of\s+every|in\s+every|in)\s+"
                      r"(?P<y>\d{1,3})(?!\d|[.,]\d)")
FROM_RE = re.compile(r"(?:from|de|desde|paso\s+de|pasaron\s+de|went\s+from)\s+(?:unos?\s+|about\s+)?$")
CONNECT_RE = re.compile(r"^[^.;]{0,40}?(?:\s(?:to|a|hasta|and\s+then)\s|→|->|=>)")
ARROW_RE = re.compile(r"→|->|=>")
SINCE_RE = re.compile(r"(?:desde|since|a\s+partir\s+de)\s+(?:el\s+)?(?:ano\s+)?$")
BASELINE_RE = re.compile(r"(?:previous|previa|anterior(?:es)?|against|frente\s+a|compared\s+(?:with|to)|"
                         r"respecto\s+(?:a|de)|en\s+comparacion\s+con|comparad[oa]s?\s+con|comparables?|"
                         r"mismo\s+(?:tramo|periodo)|same\s+(?:stretch|period|point)|baseline)\b[^.;]{0,30}$")
# A ratio between two sources and a cell's revision are not levels or yearly changes of the crime they name.
NOT_A_LEVEL_RE = re.compile(r"(?<![a-z])(?:razon\s+(?:sesnsp|inegi|entre)|cociente|ratio\s+(?:of|between|sesnsp)|"
                            r"(?:the\s+)?sesnsp\s*/\s*inegi\s+ratio|revisad[oa]s?\s+de|revised\s+from)"
                            r"(?:[^.;:]|\.(?=\d))*$")
OTHER_PLACE_RE = re.compile(r"(?<![a-z])(?:seguid[oa]s?\s+(?:por|de)|followed\s+by|le\s+sigue[n]?|mientras|"
                            r"en\s+tanto|frente\s+a|whereas|while|than|compared)(?![a-z])")
RATE_HINT_RE = re.compile(r"(?:tasa|rate)\b[^.;]{0,30}$")
RATE_WORD_RE = re.compile(r"(?<![a-z])(?:tasa|rate)")
SCORE_HINT_RE = re.compile(r"(?:puntaje|puntuacion|calificacion|scor\w*)\b[^.;]{0,25}$")
OPERATORS = "×*/÷=+"
REFERENCE_RE = re.compile(r"(?<![a-z])(?:articulo|art\.|article|fraccion|seccion|section|capitulo|chapter|nota|note|"
                          r"pagina|page|p\.|los|las|the|tabla|table|figura|figure|grafica|cuadro)\s*$")
UNIT_AFTER_RE = re.compile(r"^\s*(?:anos|ano|years?|year-old|meses|mes|months?|semanas?|weeks?|dias|days?|horas?|"
                           r"hours?|minutos?|minutes?|km|kilometros|kilometres|kilometers|metros|meters|hectareas)"
                           r"(?![a-z])")
UNIT_BEFORE_RE = re.compile(r"(?:per|por|by|entre|×|multipl\w*)\s*$")
DATE_AFTER_RE = re.compile(r"^\s+de\s+(?:enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|"
                           r"noviembre|diciembre)")
DATE_BEFORE_RE = re.compile(r"(?:january|february|march|april|may|june|july|august|september|october|november|"
                            r"december)\s+$")
SEPARATOR_RE = re.compile(r"(?<![a-z])(?:to|a|hasta|y|and|e)(?![a-z])|→|->|;")


@dataclass(frozen=True)
class When:
    """A period written in the text: a year, a span of years, or months."""

    start: int
    end: int
    first: YM  # (year, month)
    last: YM
    label: str | None = None  # "2017-2018" as written (a WJP edition)
    baseline: bool = False  # "the previous 24 months (Dec 2016 – Nov 2018)": what a figure is compared with

    @property
    def year(self) -> int:
        return self.last[0]


@dataclass
class Mention:
    """One numeric claim found in a text, with the context it was read in."""

    start: int
    end: int
    text: str
    kind: str
    value: float
    precision: float
    line: int
    sentence: str
    bound: str | None = None  # above | below | nearly
    total: int | None = None  # rank: out of how many
    topic: str | None = None
    measure: str | None = None  # the measure the text names
    geo: str = "00"
    geo_named: bool = False
    year: int | None = None
    base_year: int | None = None  # changes: the year compared with; counts: the first year of a span of years
    edition: str | None = None  # "2017-2018", when the text names an edition
    months: tuple[int, int] | None = None  # a part of the year ("enero a noviembre")
    span: tuple[YM, YM] | None = None  # months across years ("Dec 2018 – Nov 2020")
    daily: bool = False
    direction: int = 0  # changes: +1 up, -1 down, 0 unsaid
    municipal: bool = False
    since: bool = False  # "desde 2015": the change runs to the latest year
    parts: tuple[int, int] | None = None  # implied_change: indexes of its two counts
    ratio: tuple[int, int] | None = None  # "7 de cada 10"
    notes: list[str] = field(default_factory=list)  # small | skip | no_period | term


@dataclass
class _Context:
    topic: Hit | None = None
    measure: str | None = None
    geo: str | None = None
    when: When | None = None


@dataclass
class _Hits:
    topics: list[Hit]
    measures: list[Hit]
    geos: list[Hit]
    whens: list[When]
    parts: list[Hit]
    terms: bool


def _nearest(hits: list, start: int, end: int, *, before_penalty: int = 3, folded: str | None = None):
    """The hit nearest to [start, end); a hit after the figure is preferred ("34,588 homicidios").

    With `folded`, a hit separated from the figure by "to", "y", "→"… counts as farther: in "from 428 in
    2015 to 1,006 in 2019" the 2015 belongs to 428, not to 1,006.
    """
    best, best_d = None, None
    for h in hits:
        if h.start >= end:
            d, gap = h.start - end, folded[end:h.start] if folded is not None else ""
        elif h.end <= start:
            d, gap = start - h.end + before_penalty, folded[h.end:start] if folded is not None else ""
        else:
            d, gap = 0, ""
        if gap and SEPARATOR_RE.search(gap):
            d += 20
        if best_d is None or d < best_d:
            best, best_d = h, d
    return best


def _whens(text: str, folded: str, start: int, end: int) -> list[When]:
    """Every period written in text[start:end]: month spans, year ranges, then bare years."""
    out: list[When] = []

    def free(a: int, b: int) -> bool:
        return all(b <= w.start or a >= w.end for w in out)

    def baseline(a: int) -> bool:
        return bool(BASELINE_RE.search(folded[max(start, a - 45):a]))

    for a, b, first, last in term_spans(folded, start, end):
        out.append(When(a, b, first, last, baseline=baseline(a)))
    for a, b, first, last in month_spans(folded, start, end):
        if free(a, b):
            out.append(When(a, b, first, last, baseline=baseline(a)))
    for a, b, y1, y2 in year_ranges(text, start, end):
        if free(a, b):
            out.append(When(a, b, (y1, 1), (y2, 12), f"{y1}-{y2}", baseline(a)))
    for n in scan(text, folded, start, end):
        if n.is_integer_literal and YEAR_MIN <= n.value <= YEAR_MAX and not n.percent and not n.money \
                and free(n.start, n.end):
            y = int(n.value)
            out.append(When(n.start, n.end, (y, 1), (y, 12), baseline=baseline(n.start)))
    return sorted(out, key=lambda w: w.start)


def _hits(text: str, folded: str, s: Sentence) -> _Hits:
    v = vocabulary()
    spans = [(s.start, s.end), *s.context]
    hits = _Hits([], [], [], [], [], False)
    line_start = folded.rfind("\n", 0, s.start) + 1
    if not folded[line_start:s.start].strip(" *_>#"):  # a sentence that opens its line may open with a dateline
        spans[0] = (max(s.start, dateline_end(folded, line_start, s.end)), s.end)
    for a, b in spans:
        per = v.per_100k.find(folded, a, b)
        # "per 100,000 inhabitants" is a unit, not a population figure
        hits.topics += [h for h in v.topic_phrases.find(folded, a, b)
                        if h.key != "poblacion" or not any(0 <= h.start - p.end <= 3 for p in per)]
        hits.measures += v.measures.find(folded, a, b)
        hits.geos += v.geo.find(folded, a, b)
        hits.whens += _whens(text, folded, a, b)
        hits.parts += v.parts.find(folded, a, b)
        hits.terms = hits.terms or bool(v.terms.find(folded, a, b))
    return hits


def _skip(n: Number, folded: str, text: str, s: Sentence, whens: list[When], consumed: list[tuple[int, int]]) -> bool:
    """Numbers that are not claims: years, dates, list markers, footnote marks, ages, parts of a rank or ratio."""
    if any(a <= n.start < b for a, b in consumed) or any(w.start <= n.start < w.end for w in whens):
        return True
    if n.is_integer_literal and YEAR_LIKE[0] <= n.value <= YEAR_LIKE[1] and not n.percent:
        return True
    if n.value <= 31 and n.is_integer_literal and (DATE_AFTER_RE.match(folded[n.end:s.end])
                                                   or DATE_BEFORE_RE.search(folded[s.start:n.start])):
        return True
    if not n.percent and not n.money and UNIT_AFTER_RE.match(folded[n.end:s.end]):
        return True  # ages and durations: "18 años y más", "six months"
    if n.value == 100_000 and UNIT_BEFORE_RE.search(folded[max(s.start, n.start - 15):n.start]):
        return True  # "multiply by 100,000": the unit of a rate
    if NOT_A_LEVEL_RE.search(folded[max(s.start, n.start - 60):n.start]):
        return True  # "la razón SESNSP/INEGI pasó de 0.48 a 0.76", "revisado de 4 a 14 (+10, +250%)"
    line_start = text.rfind("\n", 0, n.start) + 1
    if re.fullmatch(r"\s*(?:#+\s*)?", text[line_start:n.start]) and re.match(r"[.)]\s", text[n.end:n.end + 2]):
        return True  # "1. " list marker or numbered heading
    return text[max(0, n.start - 2):n.start].endswith(("[", "^", "[^"))


def _formula(folded: str, s: Sentence, n: Number) -> str | None:
    """'operand' for a number inside arithmetic ("34,723 / 127,215,666 × 100,000"), the label before '=' for its
    result ("rate = … = 27.3" → 'rate'), None for a number that is neither."""
    before = folded[s.start:n.start].rstrip()
    after = folded[n.end:s.end].lstrip()
    prev_op = bool(before) and before[-1] in OPERATORS or before.endswith((" -", " −"))
    next_op = bool(after) and after[0] in OPERATORS or after.startswith(("- ", "− "))
    if next_op or (prev_op and not before.endswith("=")):
        return "operand"
    if before.endswith("="):
        clause = re.split(r"[;:,.](?:\s|$)", before)[-1]
        label = re.findall(r"[a-z][a-z-]*", clause.split("=")[0])
        return label[-1] if label else "result"
    return None


def _measure_for(hits: _Hits, n_start: int, n_end: int, topic: Hit | None, allowed: set[str]) -> str | None:
    """The measure word between the figure and its indicator words, or right next to either."""
    if topic is not None:
        lo, hi = min(n_start, topic.start) - MEASURE_REACH, max(n_end, topic.end) + MEASURE_REACH
    else:
        lo, hi = n_start - WINDOW, n_end + WINDOW
    near = [h for h in hits.measures if h.key in allowed and h.end >= lo and h.start <= hi]
    best = _nearest(near, n_start, n_end, before_penalty=0)
    return best.key if best else None


def _direction(folded: str, s: Sentence, n: Number) -> int:
    if n.sign:
        return n.sign
    v = vocabulary()
    after = v.after_change.find(folded, n.end, min(s.end, n.end + 15))
    if after:
        return 1 if after[0].key == "up" else -1
    before = v.change.find(folded, max(s.start, n.start - 60), n.start)
    if before:
        return 1 if before[-1].key == "up" else -1
    return 0


def _is_level(folded: str, s: Sentence, n: Number) -> bool:
    """'rose to 79.4%', 'aumentó a 79.4%', 'de 74.3% a 79.4%': levels, not the change."""
    if vocabulary().level.search(folded[max(s.start, n.start - 20):n.start]):
        return True
    return bool(FROM_RE.search(folded[max(s.start, n.start - 25):n.start])
                and re.match(r"[^.;%]{0,40}?(?:\s(?:to|a|hasta)\s|→|->)\s*\d[\d.,]*\s*(?:%|por\s*ciento|percent)",
                             folded[n.end:s.end]))


def _bound(folded: str, s: Sentence, n: Number) -> str | None:
    hits = vocabulary().bounds.find(folded, max(s.start, n.start - 25), n.start)
    if hits and n.start - hits[-1].end <= 3:
        return hits[-1].key
    return None


# ---- the document ---------------------------------------------------------------------------------------

def extract(text: str) -> list[Mention]:
    """Every numeric claim of `text` (Markdown or plain), in reading order."""
    folded = fold(text)
    sents, blocks = sentences(text)
    mentions: list[Mention] = []
    para_ctx: dict[int, _Context] = {}
    section_ctx: dict[int, _Context] = {}
    doc = _document_context(text, folded, sents, blocks)
    for s in sents:
        if s.kind == "header":
            continue
        hits = _hits(text, folded, s)
        ctx = para_ctx.setdefault(s.paragraph, _Context())
        fallback = _fallback(s, blocks, para_ctx, section_ctx, doc, text)
        mentions.extend(_sentence_mentions(text, folded, s, hits, fallback, len(mentions)))
        if s.kind != "cell":  # a table's cells do not lend each other their columns' years
            _remember(ctx, hits)
        if s.kind == "heading":
            section_ctx[s.paragraph] = _first_context(hits)
    for m in mentions:  # a bare number with no indicator near it is a claim only if it looks like a statistic
        if m.topic is None and m.kind in ("count", "rate", "score") and not (m.value >= 1000 or "," in m.text
                                                                             or "." in m.text or m.bound):
            m.notes.append("skip")
        elif m.kind == "count" and "small" in m.notes:
            m.notes.append("skip")
        elif m.kind == "count" and not m.daily and m.value < 100 and not float(m.value).is_integer():
            m.notes.append("skip")  # "0.71": a count of events is a whole number (a ratio, an index, a median)
    return _reindex(mentions)


def _document_context(text: str, folded: str, sents: list[Sentence], blocks: list[Block]) -> _Context:
    """The title and the line under it (a brief's "*Dec 2018 – Nov 2020*") set a document's place and period."""
    if not blocks or blocks[0].kind != "heading":
        return _Context()
    wanted = {0, 1} if len(blocks) > 1 and blocks[1].kind == "prose" else {0}
    ctx = _Context()
    for s in sents:
        if s.paragraph in wanted:
            hits = _hits(text, folded, s)
            ctx.geo = ctx.geo or (hits.geos[0].key if hits.geos else None)
            ctx.when = ctx.when or next((w for w in hits.whens if not w.baseline), None)
    return ctx


def _reindex(mentions: list[Mention]) -> list[Mention]:
    """Drop skipped mentions and re-point the implied changes at their parts' new positions."""
    keep = [i for i, m in enumerate(mentions) if "skip" not in m.notes]
    new_index = {old: new for new, old in enumerate(keep)}
    out = []
    for i in keep:
        m = mentions[i]
        if m.parts is not None:
            if not all(p in new_index for p in m.parts):
                continue
            m.parts = (new_index[m.parts[0]], new_index[m.parts[1]])
        out.append(m)
    return out


def _first_context(hits: _Hits) -> _Context:
    return _Context(hits.topics[0] if hits.topics else None, hits.measures[0].key if hits.measures else None,
                    hits.geos[0].key if hits.geos else None, next((w for w in hits.whens if not w.baseline), None))


def _remember(ctx: _Context, hits: _Hits) -> None:
    topics = [h for h in hits.topics if h.key != "poblacion"]  # a population figure does not set the subject
    if topics:
        ctx.topic, ctx.measure = topics[-1], hits.measures[0].key if hits.measures else None
    if hits.geos:
        ctx.geo = hits.geos[-1].key
    whens = [w for w in hits.whens if not w.baseline]
    if whens:
        ctx.when = whens[-1]


def _fallback(s: Sentence, blocks: list[Block], para_ctx, section_ctx, doc: _Context, text: str) -> _Context:
    """Context carried into a sentence: its paragraph, an introducing 'xxx:' paragraph, its section, the title."""
    out = _Context()
    chain: list[tuple[str, _Context | None]] = []
    if s.kind != "cell":
        chain.append(("paragraph", para_ctx.get(s.paragraph)))
    prev = s.paragraph - 1
    if prev >= 0 and blocks[prev].kind == "prose" and (
            s.kind == "cell" or text[blocks[prev].start:blocks[prev].end].rstrip().endswith(":")):
        chain.append(("intro", para_ctx.get(prev)))
    chain += [("section", section_ctx.get(s.section)), ("document", doc)]
    for where, c in chain:
        if c is None:
            continue
        # A heading lends its indicator to the list or table under it, not to prose, which names its own.
        lends_topic = where in ("paragraph", "intro") or (where == "section" and s.kind in ("list", "cell"))
        if out.topic is None and c.topic is not None and lends_topic:
            out.topic, out.measure = c.topic, c.measure
        out.geo = out.geo or c.geo
        out.when = out.when or c.when
    return out


# ---- one sentence -------------------------------------------------------------------------------------------

def _sentence_mentions(text: str, folded: str, s: Sentence, hits: _Hits, fallback: _Context,
                       offset: int) -> list[Mention]:
    v = vocabulary()
    sentence_text = " ".join(text[s.start:s.end].split())
    consumed: list[tuple[int, int]] = [(h.start, h.end) for h in v.per_100k.find(folded, s.start, s.end)]
    out: list[Mention] = []
    header = folded[s.header[0]:s.header[1]] if s.header else ""
    cue_text = folded[s.start:s.end] + " " + header
    for rx in (*RANK_RES, *CUED_RANK_RES) if RANK_CUE_RE.search(cue_text) else RANK_RES:
        for m in rx.finditer(folded, s.start, s.end):
            r0 = m.start("rank")
            if any(a <= r0 < b for a, b in consumed) or any(w.start <= r0 < w.end for w in hits.whens):
                continue
            total = int(m.group("total")) if m.group("total") else None
            out.append(Mention(r0, m.end(), text[r0:m.end()], "rank", float(m.group("rank")), 1.0, s.line,
                               sentence_text, total=total))
            consumed.append((m.start(), m.end()))
    for p in rank_phrases(folded, s.start, s.end):
        if not any(a <= p.start < b for a, b in consumed):
            rank = Mention(p.start, p.end, text[p.start:p.end], "state_rank", float(p.position), 0.0, s.line,
                           sentence_text, direction=-1 if p.from_bottom else 1)
            if by_rate(folded, s.start, s.end):
                rank.notes.append("by_rate")
            out.append(rank)
            consumed.append((p.start, p.end))
    for m in RATIO_RE.finditer(folded, s.start, s.end):
        x, y = int(m.group("x")), int(m.group("y"))
        if any(a <= m.start() < b for a, b in consumed) or not (0 < x <= y <= 100 and (y <= 10 or y == 100)):
            continue
        out.append(Mention(m.start(), m.end(), text[m.start():m.end()], "percent", 100.0 * x / y, 100.0 / y, s.line,
                           sentence_text, ratio=(x, y)))
        consumed.append((m.start(), m.end()))
    numbers = [n for n in scan(text, folded, s.start, s.end)
               if not _skip(n, folded, text, s, [w for w in hits.whens if s.start <= w.start < s.end], consumed)]
    previous: Number | None = None
    for n in numbers:
        formula = _formula(folded, s, n)
        if formula == "operand" or (formula is not None and formula not in ("rate", "tasa")):
            continue  # arithmetic written out: only a rate's result is a claim
        m = _classify(text, folded, s, n, sentence_text, previous)
        if formula is not None:
            m.kind = "rate"
        out.append(m)
        previous = n
    out.sort(key=lambda m: m.start)
    for m in out:
        _attach(m, folded, s, hits, fallback)
    # A ranking phrase is a claim only about a named state and a crime ("el estado con más homicidios").
    out = [m for m in out if m.kind != "state_rank" or (m.topic is not None and m.geo_named and m.geo != NATIONAL)]
    out.extend(_implied_changes(out, text, folded, offset))
    return out


def _classify(text: str, folded: str, s: Sentence, n: Number, sentence_text: str, previous: Number | None) -> Mention:
    v = vocabulary()
    kind = "count"
    before = folded[s.start:n.start]
    header = folded[s.header[0]:s.header[1]] if s.header else ""
    context = " ".join(folded[a:b] for a, b in s.context)
    in_brackets = previous is not None and re.fullmatch(r"\s*\(\s*", folded[previous.end:n.start]) is not None
    if n.money:
        kind = "money"
    elif n.percent:
        if v.points.find(folded, n.end, min(s.end, n.end + 25)):
            kind = "change_pp"
        elif n.sign or v.after_change.find(folded, n.end, min(s.end, n.end + 15)):
            kind = "change"  # "+15%", "a 16% drop", "un 15% más"
        elif _direction(folded, s, n) and not _is_level(folded, s, n):
            kind = "change"
        else:
            kind = "percent"
    elif v.points.find(folded, n.end, min(s.end, n.end + 25)):
        kind = "change_pp"
    elif _rate_after(folded, s, n) or RATE_HINT_RE.search(before[-40:]):
        kind = "rate"
    elif s.kind == "cell" and in_brackets and (RATE_WORD_RE.search(header) or RATE_WORD_RE.search(context)):
        kind = "rate"  # "count (rate)" in a table whose caption or header says so
    elif s.kind == "cell" and RATE_WORD_RE.search(re.sub(r"\([^)]*\)", "", header)) \
            and "(" not in folded[s.start:s.end]:
        kind = "rate"  # a Rate column (not "Period (annual rate)", whose rates are the bracketed numbers)
    elif s.kind == "cell" and ("%" in header or "porcentaje" in header or "percent" in header):
        kind = "percent"
    elif 0 < n.value < 1 and n.precision < 1 and SCORE_HINT_RE.search(before[-40:]):
        kind = "score"
    value = abs(n.value) if kind in ("change", "change_pp") else n.value
    m = Mention(n.start, n.end, text[n.start:n.end], kind, value, n.precision, s.line, sentence_text)
    if kind == "count" and n.is_integer_literal and n.value < 100 and not _counted(folded, s, n):
        m.notes.append("small")  # "los 12 delitos", "artículo 21", "10:30": not a count of anything
    if kind in ("change", "change_pp"):
        m.direction = _direction(folded, s, n)
    if s.kind == "cell" and v.no_period.find(header):
        m.notes.append("no_period")  # "Previous rate", "Change": the table does not say which periods
    m.bound = _bound(folded, s, n)
    return m


def _counted(folded: str, s: Sentence, n: Number) -> bool:
    """A small number is a count only when its noun follows ('45 homicidios', '12 víctimas', '95 al día')."""
    v = vocabulary()
    if REFERENCE_RE.search(folded[max(s.start, n.start - 12):n.start]):
        return False
    if s.kind == "cell":  # in a table the row says what the number counts
        return True
    ahead = min(s.end, n.end + 30)
    for hits in (v.topic_phrases.find(folded, n.end, ahead), v.measures.find(folded, n.end, ahead),
                 v.daily.find(folded, n.end, ahead)):
        if hits and re.fullmatch(r"[\s\w]*", folded[n.end:hits[0].start]) and hits[0].start - n.end <= 20:
            return not re.search(r"\d", folded[n.end:hits[0].start])
    return False


def _rate_after(folded: str, s: Sentence, n: Number) -> bool:
    hits = vocabulary().per_100k.find(folded, n.end, min(s.end, n.end + 80))
    if not hits:
        return False
    between = folded[n.end:hits[0].start]
    return not re.search(r"\d", between)


# ---- context of one figure --------------------------------------------------------------------------------

def _attach(m: Mention, folded: str, s: Sentence, hits: _Hits, fallback: _Context) -> None:
    """Topic, measure, geography, period and qualifiers of one mention."""
    v = vocabulary()
    # "Población" names a count of people right next to it only ("131.1 millones de habitantes", "una población
    # de 131.1 millones"): "74.3% de la población" and "…; población media ponderada = …" are not it.
    topics = [h for h in hits.topics if h.key != "poblacion" or (m.kind == "count" and _adjacent(folded, h, m))]
    topic = _nearest(topics, m.start, m.end)
    carried = topic is None
    if carried:
        topic = fallback.topic
    if topic is not None:
        m.topic = topic.key
        allowed = set(v.topics[topic.key].series)
        m.measure = _measure_for(hits, m.start, m.end, topic if not carried else None, allowed)
        if m.measure is None and "defunciones" in allowed and _cites_inegi(folded, s, hits):
            m.measure = "defunciones"  # "Según el INEGI, en 2022 hubo 32,223 homicidios": the source names it
        if m.measure is None and carried and fallback.measure in allowed:
            m.measure = fallback.measure
        if m.kind in ("count", "percent") and "puntaje" in allowed and 0 < m.value < 1:  # "Mexico scored 0.45"
            m.kind = "score"
    _attach_geo(m, folded, s, hits, fallback)
    m.daily = _daily(folded, s, m)
    own = [w for w in hits.whens if s.start <= w.start < s.end]
    if hits.terms and not own and s.kind != "cell":
        m.notes.append("term")  # "en los primeros 3 meses de su sexenio": no calendar period to check
    if m.kind in ("change", "change_pp"):
        _change_years(m, folded, s, hits, fallback)
    else:
        level = [w for w in hits.whens if not w.baseline] or hits.whens
        when = _column_when(folded, s, hits) or _nearest(level, m.start, m.end, before_penalty=1, folded=folded) \
            or fallback.when
        _set_period(m, when, hits)


def _cites_inegi(folded: str, s: Sentence, hits: _Hits) -> bool:
    """The sentence attributes its figures to INEGI ("según el INEGI", "INEGI reported"): death certificates."""
    return any(h.key == "defunciones" and folded[h.start:h.end] == "inegi" and s.start <= h.start < s.end
               for h in hits.measures)


def _column_when(folded: str, s: Sentence, hits: _Hits) -> When | None:
    """A column headed by a name the caption dates: "Enrique Peña Nieto" in "…against Enrique Peña Nieto
    (Dec 2012 – Nov 2014)" is that span."""
    if s.kind != "cell" or s.header is None or len(s.context) < 2:
        return None
    name = folded[s.header[0]:s.header[1]].strip(" *_")
    intro = s.context[-1]
    if len(name) < 4 or re.search(r"\d", name):
        return None
    at = folded.find(name, intro[0], intro[1])
    if at < 0:
        return None
    after = [w for w in hits.whens if intro[0] <= w.start < intro[1] and w.start >= at + len(name)]
    return min(after, key=lambda w: w.start) if after and after[0].start - at - len(name) < 15 else None


def _adjacent(folded: str, h: Hit, m: Mention) -> bool:
    gap = folded[m.end:h.start] if h.start >= m.end else folded[h.end:m.start]
    return len(gap) <= 25 and not re.search(r"[\d;:]", gap)


def _attach_geo(m: Mention, folded: str, s: Sentence, hits: _Hits, fallback: _Context) -> None:
    v = vocabulary()
    # "Guanajuato, con 2,982, seguido por Baja California": a place after "seguido por", "mientras"… is another's
    geos = [h for h in hits.geos if not (h.start >= m.end and OTHER_PLACE_RE.search(folded, m.end, h.start))]
    geo = _nearest(geos or hits.geos, m.start, m.end)
    states = [h for h in hits.geos if h.key != "00"]
    if m.kind == "percent" and states:  # "Guanajuato concentró el 10% de los homicidios del país": the state's share
        geo = _nearest(states, m.start, m.end)
    if m.kind == "state_rank":  # "Chihuahua ocupó el tercer lugar nacional": the state, not the nation, is placed
        geo = _nearest(states, m.start, m.end)
    carried_geo = fallback.geo
    if m.topic is not None and not ({"victimas", "carpetas", "defunciones", "porcentaje"}
                                    & set(v.topics[m.topic].series)):
        carried_geo = None  # budget lines and WJP ranks are national: a state named earlier is not theirs
    m.geo_named = geo is not None or carried_geo is not None
    m.geo = geo.key if geo is not None else (carried_geo or "00")
    # "en el municipio de León": a figure below the state level (the word must be near the figure)
    m.municipal = bool(v.municipal.find(folded, max(s.start, m.start - 80), min(s.end, m.end + 80)))


def _set_period(m: Mention, when: When | None, hits: _Hits) -> None:
    """Year, span of years, months of a year, or months across years, from the period nearest the figure."""
    if when is None:
        return
    m.year = when.year
    if when.label:
        m.edition = when.label
    (y1, m1), (y2, m2) = when.first, when.last
    if m1 == 1 and m2 == 12:
        if y1 != y2:
            m.base_year = y1  # "entre 2019 y 2023 hubo…": the sum of those years
    elif y1 == y2:
        m.months = (m1, m2)
    else:
        m.span = (when.first, when.last)
    if m.months is None and m.span is None and hits.parts:
        a, b = hits.parts[0].key.split("-")  # "primer semestre de 2025"
        m.months = (int(a), int(b))


def _daily(folded: str, s: Sentence, m: Mention) -> bool:
    """'95 al día', '95 homicidios diarios': a daily figure, with nothing but words between."""
    hits = vocabulary().daily.find(folded, m.end, min(s.end, m.end + 70))
    return bool(hits) and not re.search(r"[\d,;.:()]", folded[m.end:hits[0].start])


def _change_years(m: Mention, folded: str, s: Sentence, hits: _Hits, fallback: _Context) -> None:
    """Which two years a change compares: a span's ends, the two years of its sentence, else the year before."""
    own = [w for w in hits.whens if s.start <= w.start < s.end]
    if any(w.first[1] != 1 or w.last[1] != 12 for w in own):
        m.notes.append("months_change")  # changes between parts of years are not checked
    near = sorted(own, key=lambda w: min(abs(w.start - m.end), abs(m.start - w.end)))
    ranged = next((w for w in near if w.first[0] != w.last[0]), None)
    years = sorted({w.year for w in own})
    if ranged is not None and (len(years) < 2 or ranged is near[0]):
        m.base_year, m.year = ranged.first[0], ranged.last[0]
        return
    if len(years) >= 2:
        pair = sorted({w.year for w in near[:2]})
        pair = pair if len(pair) == 2 else years[:2]
        m.base_year, m.year = pair[0], pair[-1]
        return
    when = near[0] if near else fallback.when
    if when is None:
        return
    if near and when.baseline:  # "se redujo 30% frente a 2023": 2023 is the base; the year is the text's own
        m.base_year = when.year
        later = fallback.when.year if fallback.when is not None else None
        m.year = later if later is not None and later > when.year else when.year + 1
        return
    m.year = when.year
    if near and SINCE_RE.search(folded[max(s.start, when.start - 25):when.start]):
        m.since, m.base_year, m.year = True, when.year, None
        return
    m.base_year = m.year - 1


def _implied_changes(mentions: list[Mention], text: str, folded: str, offset: int) -> list[Mention]:
    """'from 428 in 2015 to 1,006 in 2019', '28,870 (2017) → 33,742 (2018)': the change two counts imply."""
    out = []
    for i in range(len(mentions) - 1):
        a, b = mentions[i], mentions[i + 1]
        if a.kind != "count" or b.kind != "count" or a.topic is None or a.topic != b.topic or a.geo != b.geo:
            continue
        if a.year is None or b.year is None or a.year == b.year or a.months or b.months or a.span or b.span:
            continue
        between, before = folded[a.end:b.start], folded[max(0, a.start - 25):a.start]
        if not (ARROW_RE.search(between) or (CONNECT_RE.match(between) and FROM_RE.search(before))):
            continue
        if a.value <= 0:
            continue
        change = (b.value / a.value - 1.0) * 100.0
        # The rounding of the two figures carries into the change they imply.
        precision = 100.0 * (b.value / a.value) * (a.precision / a.value + b.precision / b.value)
        m = Mention(a.start, b.end, text[a.start:b.end], "implied_change", change, precision, a.line, a.sentence,
                    topic=a.topic, measure=a.measure or b.measure, geo=a.geo, geo_named=a.geo_named,
                    year=b.year, base_year=a.year, parts=(offset + i, offset + i + 1))
        m.direction = 1 if change > 0 else -1 if change < 0 else 0
        out.append(m)
    return out
