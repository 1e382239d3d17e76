"""Match each claim against every stored release of every candidate series, and pick the best match.

Candidates: the series of the claim's indicator under each measure (carpetas, victims, INEGI deaths…),
at the claim's geography and year, as published in every stored release. Preference when several match:
the measure the text names, then exact over approximate, then whole years over part-years, then the
topic's usual measure, then the latest release. A claim that matches only another measure than the one
it names is contradicted, and says which series it does match.
"""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass, field

from vigia.claims import verdict as rules
from vigia.claims.bank import COUNTRY, Bank, Obs
from vigia.claims.extract import Mention
from vigia.claims.messages import (
    KIND_LABELS,
    MEASURE_LABELS,
    SERIES_NAMES,
    fmt_error,
    fmt_value,
    label,
    month_span,
    say,
)
from vigia.claims.model import Claim
from vigia.claims.numbers import YM
from vigia.claims.state_rank_check import check_state_rank
from vigia.claims.vocabulary import Topic, vocabulary
from vigia.geo.catalog import NATIONAL, state_name

CHANGE_KINDS = ("change", "change_pp", "implied_change")


# INEGI's headline national total also counts deaths whose place of occurrence is unknown or abroad; the stored
# series (by state) leaves them out and runs 2–6% below it (2015–2022).
INEGI_HEADLINE_GAP = 0.08


@dataclass
class Candidate:
    indicator: str
    measure: str
    geo: str
    period: str
    vintage: str
    value: float  # in the claim's unit (a count, a rate, a change in %…)
    verdict: str
    error: float
    months: int = 12
    source: str = ""
    total: int | None = None
    detail: dict = field(default_factory=dict)
    note: str = ""  # "annualised": a rate over part of a year scaled to twelve months

    @property
    def key(self) -> tuple[str, str, str, str]:
        return self.indicator, self.measure, self.geo, self.period


class Checker:
    def __init__(self, bank: Bank, lang: str) -> None:
        self.bank = bank
        self.lang = lang
        self.vocab = vocabulary()

    # ---- entry point ------------------------------------------------------------------------------------
    def check(self, n: int, m: Mention, done: list[Claim]) -> Claim:
        claim = Claim(id=n, text=m.text, value=m.value, kind=m.kind, verdict="unverifiable", explanation="",
                      measure_claimed=m.measure, total=m.total, line=m.line, start=m.start, end=m.end,
                      sentence=m.sentence, geo=m.geo, geo_name=self._geo_name(m.geo))
        if m.kind == "rank" and m.topic and "lugar" not in self.vocab.topics[m.topic].series and m.geo != NATIONAL:
            m.kind = claim.kind = "state_rank"  # "Chihuahua ocupa el lugar 3 de 32": a place among the states
            m.direction = 1
        reason = self._precheck(m)
        if reason:
            claim.explanation = reason
            return claim
        topic = self.vocab.topics[m.topic]
        if m.kind == "percent" and "porcentaje" not in topic.series:  # a state's share of the national total
            m.kind = claim.kind = "share"
        if m.kind == "rank":
            return self._rank(m, claim, topic)
        if m.kind == "state_rank":
            return check_state_rank(self.bank, self.lang, m, claim, topic, self._measures(topic, m),
                                    self._series_name)
        if m.kind in CHANGE_KINDS:
            cands, why = self._change_candidates(m, topic, done)
        else:
            cands, why = self._level_candidates(m, topic)
        if not cands:
            claim.explanation = why or say(self.lang, "no_data", what=self._what_topic(topic, m))
            return claim
        return self._decide(m, claim, topic, cands, done)

    def _precheck(self, m: Mention) -> str | None:
        lang = self.lang
        if m.topic is None:
            return say(lang, "no_topic")
        if m.municipal:
            return say(lang, "municipal")
        for note in ("no_period", "term", "months_change"):
            if note in m.notes:
                return say(lang, note)
        topic = self.vocab.topics[m.topic]
        if m.kind == "state_rank":
            if not _is_count_topic(topic) or "poblacion" in topic.series:
                return say(lang, "kind_unsupported", kind=label(KIND_LABELS, m.kind, lang), topic=topic.label(lang))
            return None if m.year is not None else say(lang, "no_year")
        if m.kind == "rank":
            return None if "lugar" in topic.series else say(lang, "state_rank")
        if m.year is None and not m.since and m.kind != "rank":
            return say(lang, "no_year")
        kind_ok = {
            "money": topic.is_budget, "score": "puntaje" in topic.series,
            "percent": "porcentaje" in topic.series or m.geo != NATIONAL and _is_count_topic(topic),
            "rate": _is_count_topic(topic), "count": _is_count_topic(topic),
            "change": "lugar" not in topic.series, "change_pp": "porcentaje" in topic.series,
            "implied_change": _is_count_topic(topic),
        }
        if not kind_ok.get(m.kind, False):
            return say(lang, "kind_unsupported", kind=label(KIND_LABELS, m.kind, lang), topic=topic.label(lang))
        if topic.is_budget and m.geo != NATIONAL:
            return say(lang, "no_data", what=f"{topic.label(lang)} · {self._geo_name(m.geo)}")
        return None

    # ---- levels ------------------------------------------------------------------------------------------
    def _level_candidates(self, m: Mention, topic: Topic) -> tuple[list[Candidate], str | None]:
        cands: list[Candidate] = []
        why = None
        for measure in self._measures(topic, m):
            ind = topic.series[measure]
            self.bank.ensure({ind})
            if ind in self.bank.missing:
                why = say(self.lang, "not_stored", indicator=ind, why=self.bank.missing[ind])
                continue
            geo = COUNTRY if measure == "puntaje" else m.geo  # WJP: the country
            months = None if measure == "puntaje" else _months_of(m)  # "2017-2018" is an edition, not a span
            if months is not None and self.bank.measure_of(ind) not in ("carpetas", "victimas"):
                why = say(self.lang, "months_unsupported")
                continue
            period, observations = self._observations(ind, measure, geo, m, months)
            for obs in observations:
                for value, note in self._level_values(m, ind, measure, obs, months):
                    verdict, error = rules.level(m.value, value, m.precision, m.bound)
                    notes = [say(self.lang, note)] if note else []
                    if obs.until:
                        notes.append(say(self.lang, "published_until", until=obs.until))
                    cands.append(Candidate(ind, measure, geo, period, obs.vintage, value, verdict, error,
                                           12 if months or obs.until else obs.months, obs.source, obs.total,
                                           note="; ".join(notes)))
        return cands, why

    def _observations(self, ind: str, measure: str, geo: str, m: Mention,
                      months: list[YM] | None) -> tuple[str, list[Obs]]:
        """The period's label and its value in every release that holds all of it."""
        if months is not None:  # "marzo de 2024" → 2024-03; "Dec 2018 – Nov 2020" → 2018-12/2020-11
            first, last = months[0], months[-1]
            label = f"{first[0]}-{first[1]:02d}" + (f"/{last[0]}-{last[1]:02d}" if first != last else "")
            return label, self._months_obs(ind, geo, months)
        if measure == "puntaje":  # WJP: the edition that covers the year
            return (period := self._edition(ind, measure, m) or str(m.year)), self.bank.get(ind, measure, geo, period)
        if m.base_year is not None and m.kind == "count" and not m.daily:  # "entre 2019 y 2023 hubo…"
            return f"{m.base_year}-{m.year}", self._years_obs(ind, measure, geo, m.base_year, m.year)
        return str(m.year), self.bank.get(ind, measure, geo, str(m.year))

    def _years_obs(self, ind: str, measure: str, geo: str, first: int, last: int) -> list[Obs]:
        """The sum of whole years first…last in every release that holds them all; failing that, the releases
        that hold all but the end of the last year (marked `until`)."""
        by_year = [{o.vintage: o for o in self.bank.get(ind, measure, geo, str(y))} for y in range(first, last + 1)]
        whole, partial = [], []
        for vintage in sorted(set.intersection(*(set(d) for d in by_year))) if by_year else []:
            obs = [d[vintage] for d in by_year]
            total = sum(o.value for o in obs)
            if all(o.months == 12 for o in obs):
                whole.append(Obs(vintage, total, 12, obs[-1].source))
            elif all(o.months == 12 for o in obs[:-1]):
                partial.append(Obs(vintage, total, 12, obs[-1].source, until=f"{last}-{obs[-1].months:02d}"))
        return whole or partial

    def _months_obs(self, ind: str, geo: str, months: list[YM]) -> list[Obs]:
        """The sum of the given months in every release that published them all; failing that, the releases
        that lack only the last months (a release cut before the period ends, marked `until`)."""
        years = sorted({y for y, _ in months})
        by_year = {y: self.bank.monthly(ind, geo, y) for y in years}
        vintages = set.intersection(*(set(v) for v in by_year.values())) if by_year else set()
        whole, partial = [], []
        for vintage in sorted(vintages):
            have = [mo in by_year[y][vintage] for y, mo in months]
            n = have.index(False) if False in have else len(have)
            if n and all(not h for h in have[n:]):
                value = sum(by_year[y][vintage][mo] for y, mo in months[:n])
                until = "" if n == len(months) else f"{months[n - 1][0]}-{months[n - 1][1]:02d}"
                (whole if not until else partial).append(Obs(vintage, value, n, self.bank.source(ind, vintage),
                                                             until=until))
        return whole or partial

    def _level_values(self, m: Mention, ind: str, measure: str, obs: Obs,
                      months: list[YM] | None) -> list[tuple[float, str]]:
        """The published value in the claim's unit; a rate over part of a year both annualised and not."""
        year = int(m.year)
        if m.kind == "rate":
            # A year published only in part (a release cut in November) gives its annualised rate.
            weights = _year_weights(months[:obs.months]) if months else {year: obs.months}
            pops = {y: self.bank.population(m.geo, y) for y in weights}
            if not all(pops.values()):
                return []
            n = sum(weights.values())
            rate = obs.value / (sum(w * pops[y] for y, w in weights.items()) / n) * 100_000
            return [(rate, "")] if n == 12 else [(rate * 12 / n, "annualised"), (rate, "")]
        if m.kind == "share":
            if months:
                nat = next((o for o in self._months_obs(ind, NATIONAL, months) if o.vintage == obs.vintage), None)
            else:
                nat = next((o for o in self.bank.get(ind, measure, NATIONAL, str(year)) if o.vintage == obs.vintage),
                           None)
            ok = nat is not None and nat.value and nat.months == obs.months
            return [(obs.value / nat.value * 100, "")] if ok else []
        if m.daily and m.kind == "count":
            span = months or [(year, mo) for mo in range(1, obs.months + 1)]
            return [(obs.value / sum(calendar.monthrange(y, mo)[1] for y, mo in span), "")]
        return [(obs.value, "")]

    # ---- changes -----------------------------------------------------------------------------------------
    def _change_candidates(self, m: Mention, topic: Topic, done: list[Claim]) -> tuple[list[Candidate], str | None]:
        measures = self._measures(topic, m)
        if m.kind == "implied_change":
            parts = [done[i] for i in m.parts or () if i < len(done)]
            matched = {p.measure for p in parts if p.verdict not in ("contradicted", "unverifiable")}
            if len(matched) == 1 and matched <= set(measures):
                measures = [matched.pop()]
        cands: list[Candidate] = []
        why = say(self.lang, "change_unsupported")
        for measure in measures:
            ind = topic.series[measure]
            self.bank.ensure({ind})
            if ind in self.bank.missing:
                why = say(self.lang, "not_stored", indicator=ind, why=self.bank.missing[ind])
                continue
            for vintage, base_year, year, v0, v1, source in self._pairs(ind, measure, m):
                if m.kind == "change_pp":
                    true = v1 - v0
                    verdict, error = rules.points(m.value, true, m.precision, m.direction, v1)
                else:
                    if not v0:
                        continue
                    true = (v1 / v0 - 1.0) * 100.0
                    claimed = abs(m.value)
                    verdict, error = rules.change(claimed, true, m.precision, m.direction)
                period = f"{base_year}→{year}"
                cands.append(Candidate(ind, measure, m.geo, period, vintage, true, verdict, error, 12, source,
                                       detail={"v0": v0, "v1": v1, "base": base_year, "year": year}))
        return cands, why

    def _pairs(self, ind: str, measure: str, m: Mention):
        """(vintage, base_year, year, base value, value, file) for every release holding both whole years."""
        geo = m.geo
        by_year: dict[int, dict[str, Obs]] = {}
        for period in self.bank.periods(ind, measure, geo):
            if period.isdigit():
                by_year[int(period)] = {o.vintage: o for o in self.bank.get(ind, measure, geo, period)}
        if m.base_year not in by_year:
            return
        for vintage, base in by_year[m.base_year].items():
            year = m.year
            if m.since:  # "desde 2015": to the latest whole year of that release
                full = [y for y, obs in by_year.items() if vintage in obs and obs[vintage].months == 12]
                year = max(full) if full else None
            if year is None or year not in by_year or vintage not in by_year[year]:
                continue
            target = by_year[year][vintage]
            if base.months != 12 or target.months != 12:
                continue
            yield vintage, m.base_year, year, base.value, target.value, target.source

    # ---- ranks (WJP) ------------------------------------------------------------------------------------
    def _rank(self, m: Mention, claim: Claim, topic: Topic) -> Claim:
        lang = self.lang
        ind = topic.series["lugar"]
        self.bank.ensure({ind})
        if m.geo not in (NATIONAL, COUNTRY):
            claim.explanation = say(lang, "wjp_state")
            return claim
        editions = self.bank.periods(ind, "lugar", COUNTRY)
        if not editions:
            claim.explanation = say(lang, "no_data", what=topic.label(lang))
            return claim
        edition = self._edition(ind, "lugar", m)
        claim.indicator, claim.measure, claim.geo, claim.geo_name = ind, "lugar", COUNTRY, "México"
        if edition is None:
            claim.explanation = say(lang, "no_edition", year=m.year if m.year else "—", editions=", ".join(editions))
            return claim
        obs = self.bank.get(ind, "lugar", COUNTRY, edition)[-1]
        claim.period, claim.vintage, claim.source = edition, obs.vintage, obs.source
        claim.matched_value = claim.latest_value = obs.value
        claim.matched_total, claim.latest_vintage = obs.total, obs.vintage
        if int(m.value) == int(obs.value) and (m.total is None or m.total == obs.total):
            claim.verdict = "exact"
            claim.error_pct = 0.0
            claim.explanation = say(lang, "rank_match", edition=edition, rank=int(obs.value), total=obs.total)
            return claim
        claim.verdict = "contradicted"
        claim.error_pct = (m.value - obs.value) / obs.value * 100
        elsewhere = ""
        for other in editions:
            o = self.bank.get(ind, "lugar", COUNTRY, other)[-1]
            if other != edition and int(o.value) == int(m.value) and (m.total is None or m.total == o.total):
                elsewhere = say(lang, "rank_elsewhere", claimed=f"{int(m.value)}/{o.total}", other=other)
                break
        if not elsewhere and m.total is not None:
            other = next((e for e in editions if self.bank.get(ind, "lugar", COUNTRY, e)[-1].total == m.total), None)
            if other and other != edition:
                elsewhere = say(lang, "rank_countries", total=m.total, other=other)
        claim.explanation = say(lang, "rank_none", edition=edition, rank=int(obs.value), total=obs.total,
                                elsewhere=elsewhere)
        return claim

    def _edition(self, ind: str, measure: str, m: Mention) -> str | None:
        """The WJP edition a claim speaks of: the one it names, else the one whose label holds its year."""
        editions = self.bank.periods(ind, measure, COUNTRY)
        if m.edition and m.edition in editions:
            return m.edition
        if m.year is not None:
            return next((e for e in editions if str(m.year) in e.split("-")), None)
        return None

    # ---- choosing and explaining -----------------------------------------------------------------------
    def _measures(self, topic: Topic, m: Mention) -> list[str]:
        order = list(topic.order)
        if m.measure in order:
            order.remove(m.measure)
            order.insert(0, m.measure)
        return order

    def _decide(self, m: Mention, claim: Claim, topic: Topic, cands: list[Candidate], done: list[Claim]) -> Claim:
        order = self._measures(topic, m) if m.measure else list(topic.order)

        def key(c: Candidate):
            partial = c.months < 12
            return (rules.RANK[c.verdict], partial, order.index(c.measure) if c.measure in order else 99,
                    _neg(c.vintage), abs(c.error))

        good = [c for c in cands if c.verdict != "contradicted"]
        own = [c for c in cands if m.measure is None or c.measure == m.measure]
        own_good = [c for c in own if c.verdict != "contradicted"]
        other_measure = None
        if own_good:
            best = min(own_good, key=key)
        elif m.measure and good:  # matches only a measure the text does not name
            best = min(good, key=key)
            other_measure = self._latest(own, order) if own else None
        elif good:
            best = min(good, key=key)
        elif m.measure and not own:  # the measure it names is not published for that year: nothing to hold it to
            claim.explanation = say(self.lang, "no_data", what=self._what_topic(topic, m, m.measure))
            return claim
        else:
            best = self._latest(own or cands, order)
        latest = max((c for c in cands if c.key == best.key), key=lambda c: c.vintage)
        self._fill(claim, best, latest, m)
        lang = self.lang
        if other_measure is not None or (m.measure and best.measure != m.measure):
            claim.verdict = "contradicted"
            named = label(MEASURE_LABELS, m.measure, lang)
            other = label(MEASURE_LABELS, best.measure, lang)
            if other_measure is not None:
                claim.explanation = say(lang, "other_measure", other=other, named=named,
                                        named_what=self._what(other_measure), named_value=self._fmt(
                                            other_measure.value, m), named_vintage=other_measure.vintage)
            else:
                claim.explanation = say(lang, "other_measure_missing", other=other, named=named, period=best.period)
            return claim
        claim.explanation = self._explain(m, best, latest, done)
        if (m.measure is None and best.measure != topic.order[0] and best.verdict != "contradicted"
                and {"victimas", "carpetas"} <= set(topic.series) and best.measure == "carpetas"):
            claim.explanation += f"; {say(lang, 'unnamed_measure')}"
        return claim

    def _latest(self, cands: list[Candidate], order: list[str]) -> Candidate:
        def key(c: Candidate):
            return (order.index(c.measure) if c.measure in order else 99, c.months < 12, _neg(c.vintage),
                    abs(c.error))
        return min(cands, key=key)

    def _fill(self, claim: Claim, best: Candidate, latest: Candidate, m: Mention) -> None:
        claim.verdict = best.verdict
        claim.indicator, claim.measure, claim.geo = best.indicator, best.measure, best.geo
        claim.geo_name = self._geo_name(best.geo)
        claim.period, claim.vintage, claim.source = best.period, best.vintage, best.source
        claim.matched_value, claim.latest_value, claim.latest_vintage = best.value, latest.value, latest.vintage
        claim.error_pct = None if math.isinf(best.error) else best.error * 100
        if m.kind in ("change", "change_pp") and m.direction:
            claim.value = m.value * m.direction

    def _explain(self, m: Mention, best: Candidate, latest: Candidate, done: list[Claim]) -> str:
        lang = self.lang
        what = self._what(best)
        value, latest_value = self._fmt(best.value, m), self._fmt(latest.value, m)
        if m.kind in CHANGE_KINDS:
            d = best.detail
            text = say(lang, "change_is", what=what, base=d["base"], year=d["year"], true=value,
                       v0=fmt_value(d["v0"]), v1=fmt_value(d["v1"]), vintage=best.vintage)
            if m.kind == "implied_change":
                parts = [done[i] for i in m.parts or () if i < len(done)]
                vints = sorted({p.vintage for p in parts if p.vintage and p.verdict != "unverifiable"})
                if len(vints) > 1:
                    text = say(lang, "mixed_releases", vintages=", ".join(vints), vintage=best.vintage, true=value,
                               v0=fmt_value(d["v0"]), v1=fmt_value(d["v1"]))
            if best.verdict == "contradicted" and m.direction and best.value and (best.value > 0) != (m.direction > 0):
                text = f"{say(lang, 'wrong_direction')}: {text}"
            return text
        error = fmt_error(best.error, lang)
        if best.verdict == "contradicted":
            text = say(lang, "contradicted", what=what, value=value, vintage=best.vintage, error=error)
        elif best.verdict == "exact" and m.bound and abs(best.error) > 1e-12:
            text = say(lang, "bound", what=what, value=value, vintage=best.vintage)
        elif best.vintage == latest.vintage or best.value == latest.value:
            if best.verdict == "exact":
                key = "match_latest" if best.vintage == latest.vintage else "match_only"
                text = say(lang, key, what=what, vintage=best.vintage, file=best.source)
            else:
                text = say(lang, "close", what=what, value=value, vintage=best.vintage, error=error)
        elif best.verdict == "exact":
            text = say(lang, "match_older", what=what, vintage=best.vintage, file=best.source, latest=latest_value,
                       latest_vintage=latest.vintage)
        else:
            text = say(lang, "close_older", what=what, value=value, vintage=best.vintage, latest=latest_value,
                       latest_vintage=latest.vintage, error=error)
        if best.months < 12 and not m.months and not m.span:
            text += f" ({say(lang, 'partial_year', months=month_span(1, best.months, lang))})"
        if best.note:
            text += f" ({best.note})"
        if (best.measure == "defunciones" and best.geo == "00" and m.kind == "count" and best.value
                and 0 < m.value / best.value - 1 <= INEGI_HEADLINE_GAP):
            text += f" ({say(lang, 'inegi_headline')})"
        return text

    def _what(self, c: Candidate) -> str:
        return f"{self._series_name(c.measure, c.indicator)} · {self._geo_name(c.geo)} · {c.period}"

    def _series_name(self, measure: str, indicator: str) -> str:
        topic = next((t for t in self.vocab.topics.values() if t.series.get(measure) == indicator), None)
        name = topic.label(self.lang) if topic else indicator
        if measure in SERIES_NAMES:
            if measure == "defunciones":
                name = "homicidio" if self.lang == "es" else "homicide"
            name = SERIES_NAMES[measure][1 if self.lang == "en" else 0].format(topic=name)
        return name

    def _what_topic(self, topic: Topic, m: Mention, measure: str | None = None) -> str:
        period = f"{m.base_year}→{m.year}" if m.kind in CHANGE_KINDS and m.base_year else str(m.year)
        name = topic.label(self.lang)
        if measure in SERIES_NAMES and measure != "defunciones":
            name = SERIES_NAMES[measure][1 if self.lang == "en" else 0].format(topic=name)
        return f"{name} · {self._geo_name(m.geo)} · {period}"

    def _geo_name(self, geo: str | None) -> str | None:
        if geo is None:
            return None
        if geo == COUNTRY:
            return "México"
        if geo == NATIONAL:
            return "nacional" if self.lang == "es" else "national"
        try:
            return state_name(geo)
        except Exception:  # an unknown code is shown as it is
            return geo

    def _fmt(self, value: float, m: Mention) -> str:
        kind = "percent" if m.kind in ("percent", "share") else m.kind
        if m.kind == "count" and m.daily:
            kind = "daily"
        return fmt_value(value, kind, self.lang)


def _months_of(m: Mention) -> list[YM] | None:
    """The (year, month) pairs a claim covers when it names months, else None (whole years).

    A span of whole years counts month by month too when it is a rate, a share or a daily average
    (their denominators are weighted by the months of each year); a plain count sums the years."""
    span = m.span
    if span is None and m.base_year is not None and m.year is not None and (m.kind != "count" or m.daily):
        span = ((m.base_year, 1), (m.year, 12))
    if span is not None:
        (y, mo), last = span
        out = []
        while (y, mo) <= last:
            out.append((y, mo))
            y, mo = (y + 1, 1) if mo == 12 else (y, mo + 1)
        return out
    if m.months and m.months != (1, 12) and m.year is not None:
        return [(m.year, mo) for mo in range(m.months[0], m.months[1] + 1)]
    return None


def _year_weights(months: list[YM]) -> dict[int, int]:
    """Months per year: a rate over Dec 2018 – Nov 2020 weighs 2018 by 1, 2019 by 12, 2020 by 11."""
    out: dict[int, int] = {}
    for y, _ in months:
        out[y] = out.get(y, 0) + 1
    return out


def _is_count_topic(topic: Topic) -> bool:
    return bool({"victimas", "carpetas", "defunciones", "poblacion"} & set(topic.series))


def _neg(vintage: str) -> tuple[int, ...]:
    """Sort key that puts later vintages first."""
    return tuple(-int(p) for p in vintage.split("-")) if vintage else (0,)
