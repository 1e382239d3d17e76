"""Checking where a text places a state among the 32 ("el estado con más homicidios dolosos en 2020").

Every release that covers all 32 states for the year is ranked, by count or by rate per 100,000 (CONAPO mid-year
population) as the sentence says; ties share a place. The claim holds when the state is at the place the text
gives in some release (the latest such release is named); otherwise the latest release's order is shown.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from vigia.claims.bank import Bank, Obs
from vigia.claims.extract import Mention
from vigia.claims.messages import say
from vigia.claims.model import Claim
from vigia.claims.vocabulary import Topic
from vigia.geo.catalog import STATES, state_name


@dataclass(frozen=True)
class Ranking:
    indicator: str
    measure: str
    vintage: str
    place: int  # the state's place, counted from the end the text counts from
    states: int
    leader: str  # the state at that end
    leader_value: float
    value: float  # the state's own value (count or rate)
    source: str
    months: int


def _rank_release(m: Mention, bank: Bank, values: dict[str, Obs], rate: bool) -> tuple[int, str, float, float] | None:
    year = int(m.year)
    scores: dict[str, float] = {}
    for code, obs in values.items():
        if rate:
            pop = bank.population(code, year)
            if not pop:
                return None
            scores[code] = obs.value / pop * 100_000 * 12 / obs.months
        else:
            scores[code] = obs.value
    sign = -1.0 if m.direction < 0 else 1.0  # from the bottom: the fewest first
    mine = sign * scores[m.geo]
    place = 1 + sum(1 for v in scores.values() if sign * v > mine)
    leader = max(scores, key=lambda code: (sign * scores[code], code))
    return place, leader, scores[leader], scores[m.geo]


def rankings(bank: Bank, m: Mention, topic: Topic, measures: list[str]) -> list[Ranking]:
    """The state's place in every release that publishes the year for all 32 states (same months for all)."""
    out: list[Ranking] = []
    codes = [st.code for st in STATES]
    for measure in measures:
        ind = topic.series[measure]
        bank.ensure({ind})
        if ind in bank.missing or bank.measure_of(ind) not in ("carpetas", "victimas", "defunciones"):
            continue
        by_vintage: dict[str, dict[str, Obs]] = defaultdict(dict)
        for code in codes:
            for obs in bank.get(ind, measure, code, str(m.year)):
                by_vintage[obs.vintage][code] = obs
        for vintage, values in by_vintage.items():
            if len(values) < len(codes) or len({o.months for o in values.values()}) != 1:
                continue
            ranked = _rank_release(m, bank, values, "by_rate" in m.notes)
            if ranked is None:
                continue
            place, leader, leader_value, value = ranked
            obs = values[m.geo]
            out.append(Ranking(ind, measure, vintage, place, len(codes), leader, leader_value, value, obs.source,
                               obs.months))
    return out


def check_state_rank(bank: Bank, lang: str, m: Mention, claim: Claim, topic: Topic, measures: list[str],
                     describe) -> Claim:
    """Fill `claim` with the verdict on a state's place; `describe(measure, indicator)` names the series."""
    found = rankings(bank, m, topic, measures)
    if not found:
        claim.explanation = say(lang, "state_rank_no_data", what=f"{topic.label(lang)} · {m.year}")
        return claim
    order = {measure: i for i, measure in enumerate(measures)}
    latest_first = sorted(found, key=lambda r: (r.months < 12, order[r.measure], [-int(p) for p in
                                                                                  r.vintage.split("-")]))
    good = [r for r in latest_first if r.place == int(m.value)]
    best = good[0] if good else latest_first[0]
    latest = next(r for r in latest_first if r.measure == best.measure)
    claim.verdict = "exact" if good else "contradicted"
    claim.indicator, claim.measure, claim.period, claim.vintage = best.indicator, best.measure, str(m.year), \
        best.vintage
    claim.matched_value, claim.latest_value, claim.latest_vintage = best.place, latest.place, latest.vintage
    claim.matched_total, claim.source = best.states, best.source
    unit = "rate" if "by_rate" in m.notes else "count"
    key = ("state_rank_bottom" if m.direction < 0 else "state_rank_top") + ("_rate" if unit == "rate" else "")
    claim.explanation = say(
        lang, key, state=state_name(m.geo), place=best.place, states=best.states,
        what=describe(best.measure, best.indicator), year=m.year, vintage=best.vintage,
        leader=state_name(best.leader), leader_value=_fmt(best.leader_value, unit), value=_fmt(best.value, unit))
    if best.months < 12:
        claim.explanation += " (" + say(lang, "partial_year", months=f"{best.months}/12") + ")"
    return claim


def _fmt(value: float, unit: str) -> str:
    return f"{value:,.1f}" if unit == "rate" else f"{value:,.0f}"
