"""Numbers as people write them: '34,588', '34.588', '34 588', '34 mil', '74,3 %', '1.2 millones'.

Each literal becomes a value and the precision it was written with (half of it is the rounding a
writer may have done): '34,588' → 1, '74.3' → 0.1, '34 mil' → 1,000, '1.2 millones' → 100,000.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from vigia.claims.vocabulary import fold, vocabulary

_SPACES = " \u00a0\u202f\u2009"
NUM_RE = re.compile(
    r"(?<![\w.,\-/−–])(?P<sign>[+\-−–](?=\d))?"
    rf"(?P<num>\d{{1,3}}(?:(?:,|\.|[{_SPACES}])\d{{3}})+(?!\d)(?:[.,]\d+)?|\d+(?:[.,]\d+)?)(?![.,]\d)(?=k(?!\w)|[^\w]|$)"
)
YEAR_RANGE_RE = re.compile(r"(?<![\w.,])((?:19|20)\d{2})\s*[-–—/]\s*((?:19|20)\d{2}|\d{2})(?![\w])")
# "entre 2019 y 2023", "del 2019 al 2023", "between 2019 and 2023": two years side by side are a span.
WORDED_RANGE_RE = re.compile(r"(?i)(?<![\w])(?:entre|between|from|de|del|desde)\s+((?:19|20)\d{2})\s+"
                             r"(?:y|and|to|a|al|hasta|through)\s+(?:el\s+)?((?:19|20)\d{2})(?![\w])")
_PERCENT = re.compile(r"^\s*(?:%|por\s*ciento|percent\b|per\s*cent\b|pct\b)")
_MONEY_AFTER = re.compile(r"^\s*(?:de\s+)?(?:pesos|mdp|mmdp|mxn)(?![a-z])")
_MONEY_BEFORE = re.compile(r"(?:mx)?\$\s*$")
_SPOKEN_REST = re.compile(r"^\s+(\d{1,3})(?![\d.,])")  # "34 mil 588"


@dataclass(frozen=True)
class Number:
    start: int
    end: int  # past the digits, or past the multiplier / percent sign / currency word
    value: float
    precision: float
    digits: str  # the literal as written
    grouped: bool  # written with thousands separators
    percent: bool = False
    money: bool = False
    multiplier: float = 1.0
    sign: int = 0  # +1 / -1 when written with a sign

    @property
    def is_integer_literal(self) -> bool:
        return self.precision >= 1 and not self.grouped and self.multiplier == 1.0


def parse_literal(literal: str) -> tuple[float, float, bool]:
    """(value, precision, grouped) of a numeric literal in either convention.

    A separator followed by exactly three digits groups thousands ('34,588', '34.588', '1,006'), unless the
    integer part is 0; otherwise it is the decimal mark ('74.3', '74,3'). With both marks the last is decimal.
    """
    text = "".join(ch for ch in literal if ch not in _SPACES)
    grouped = len(text) != len(literal)
    marks = [ch for ch in text if ch in ",."]
    if not marks:
        return float(text), 1.0, grouped
    if len(set(marks)) == 2:  # '1,234.5' or '1.234,5'
        dec = text[max(text.rfind(","), text.rfind("."))]
        grp = "," if dec == "." else "."
        whole, frac = text.replace(grp, "").split(dec)
        return float(f"{whole}.{frac}"), 10.0 ** -len(frac), True
    mark = marks[0]
    parts = text.split(mark)
    if len(parts) > 2 or (len(parts[1]) == 3 and parts[0] != "0" and len(parts[0]) <= 3):
        return float("".join(parts)), 1.0, True
    return float(f"{parts[0]}.{parts[1]}"), 10.0 ** -len(parts[1]), grouped


def _multiplier(folded_after: str) -> tuple[float, int]:
    """(factor, characters consumed) of a multiplier word right after a number, e.g. ' mil millones'."""
    for word, factor in vocabulary().multipliers:
        pattern = r"\s*" + r"\s+".join(re.escape(w) for w in word.split()) + r"(?![a-z])"
        m = re.match(pattern, folded_after)
        if m and (word != "k" or m.group(0) == "k"):  # "34k", never "34 k"
            return factor, m.end()
    return 1.0, 0


def scan(text: str, folded: str, start: int, end: int) -> list[Number]:
    """Every number in text[start:end], with its percent sign, multiplier and currency attached."""
    out: list[Number] = []
    for m in NUM_RE.finditer(text, start, end):
        if out and m.start() < out[-1].end:  # the "588" of "34 mil 588" is already taken
            continue
        value, precision, grouped = parse_literal(m.group("num"))
        stop = m.end()
        tail = folded[stop:end]
        factor, used = _multiplier(tail)
        if factor != 1.0:
            stop += used
            if factor == 1e3 and (rest := _SPOKEN_REST.match(folded[stop:end])):  # "34 mil 588" = 34,588
                value, precision, factor = value * 1e3 + int(rest.group(1)), 1.0, 1.0
                stop += rest.end()
        pct = _PERCENT.match(folded[stop:end])
        if pct:
            stop += pct.end()
        money_after = _MONEY_AFTER.match(folded[stop:end])
        money = bool(money_after or _MONEY_BEFORE.search(folded[max(start, m.start() - 4):m.start()])
                     or (factor != 1.0 and folded[m.end():stop].strip().startswith(("mdp", "mmdp"))))
        if money_after:
            stop += money_after.end()
        sign = {"+": 1, "-": -1, "−": -1, "–": -1}.get(m.group("sign") or "", 0)
        out.append(Number(m.start(), stop, value * factor * (sign or 1), precision * factor, m.group(0), grouped,
                          bool(pct), money, factor, sign))
    return out


def year_ranges(text: str, start: int, end: int) -> list[tuple[int, int, int, int]]:
    """(start, end, first_year, last_year) of each '2017-2018' / '2015–2019' in text[start:end]."""
    out = []
    for m in (*YEAR_RANGE_RE.finditer(text, start, end), *WORDED_RANGE_RE.finditer(text, start, end)):
        first = int(m.group(1))
        last_txt = m.group(2)
        last = int(last_txt) if len(last_txt) == 4 else (first // 100) * 100 + int(last_txt)
        if 1990 <= first < last <= 2035:
            out.append((m.start(), m.end(), first, last))
    return sorted(out)


def folded_text(text: str) -> str:
    return fold(text)


YM = tuple[int, int]  # (year, month)


def _month_pattern() -> str:
    names = sorted(vocabulary().month_numbers, key=len, reverse=True)
    return r"(?:" + "|".join(re.escape(n) for n in names) + r")\.?"


@lru_cache(maxsize=1)
def _span_res() -> tuple[re.Pattern, ...]:
    m, y = _month_pattern(), r"((?:19|20)\d{2})"
    of = r"\s+(?:de\s+|del\s+|of\s+)?"
    sep = r"\s*(?:[-–—]|to|a|al|hasta|y|and|through)\s*"
    lead = r"(?:(?:entre|between|from|desde|de|del)\s+)?"
    return (
        # "Dec 2018 – Nov 2020", "entre ene 2023 y dic 2024", "de diciembre de 2018 a noviembre de 2020"
        re.compile(rf"(?<![a-z]){lead}({m}){of}{y}{sep}({m}){of}{y}(?!\d)"),
        # "2020 (Jan–Nov)", "2018 (Dec)"
        re.compile(rf"(?<!\d){y}\s*\(\s*({m})(?:\s*[-–—]\s*({m}))?\s*\)"),
        # "de enero a noviembre de 2024", "January–November 2024"
        re.compile(rf"(?<![a-z]){lead}({m}){sep}({m}){of}{y}(?!\d)"),
        # "marzo de 2024", "March 2024"
        re.compile(rf"(?<![a-z])({m}){of}{y}(?!\d)"),
    )


def _month(token: str) -> int:
    return vocabulary().month_numbers[token.rstrip(".")]


def month_spans(folded: str, start: int, end: int) -> list[tuple[int, int, YM, YM]]:
    """(start, end, first month, last month) of each period written with months in folded[start:end]."""
    full, paren, same_year, single = _span_res()
    out: list[tuple[int, int, YM, YM]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e, _, _ in out)

    for m in full.finditer(folded, start, end):
        first, last = (int(m.group(2)), _month(m.group(1))), (int(m.group(4)), _month(m.group(3)))
        if first <= last and free(m.start(), m.end()):
            out.append((m.start(), m.end(), first, last))
    for m in paren.finditer(folded, start, end):
        year = int(m.group(1))
        a = _month(m.group(2))
        b = _month(m.group(3)) if m.group(3) else a
        if a <= b and free(m.start(), m.end()):
            out.append((m.start(), m.end(), (year, a), (year, b)))
    for m in same_year.finditer(folded, start, end):
        year, a, b = int(m.group(3)), _month(m.group(1)), _month(m.group(2))
        if a <= b and free(m.start(), m.end()):
            out.append((m.start(), m.end(), (year, a), (year, b)))
    for m in single.finditer(folded, start, end):
        if m.group(1).rstrip(".") == "may" and not re.match(r"may\s+\d", m.group(0)):
            continue  # the English verb: "may 2019" is a month only when the year follows at once
        month = _month(m.group(1))
        if free(m.start(), m.end()):
            out.append((m.start(), m.end(), (int(m.group(2)), month), (int(m.group(2)), month)))
    return sorted(out)
