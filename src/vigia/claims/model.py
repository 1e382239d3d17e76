"""A checked claim: what the text says, the series it was matched to, and the verdict."""

from __future__ import annotations

from dataclasses import asdict, dataclass

# Column order of tables and JSON: the interface fields first.
FIELDS = ("id", "text", "value", "verdict", "indicator", "measure", "geo", "period", "vintage", "matched_value",
          "latest_value", "explanation", "kind", "geo_name", "latest_vintage", "measure_claimed", "error_pct",
          "total", "matched_total", "source", "line", "start", "end", "sentence")


@dataclass
class Claim:
    id: int
    text: str  # the claim as written
    value: float  # the figure it states (a change in %, a rank, a count…)
    kind: str  # count | percent | share | rate | rank | score | change | change_pp | implied_change | money
    verdict: str  # exact | within_0.5pct | within_2pct | contradicted | unverifiable
    explanation: str
    indicator: str | None = None  # the best-matching series (indicator id)
    measure: str | None = None  # carpetas | victimas | defunciones | porcentaje | lugar | puntaje | aprobado…
    geo: str | None = None  # '00', '01'…'32', or 'MEX' (WJP)
    geo_name: str | None = None
    period: str | None = None  # '2019', '2017-2018' (WJP edition), '2015→2019' (changes)
    vintage: str | None = None  # release the match was found in (YYYY-MM)
    matched_value: float | None = None  # the value in that release, in the claim's unit
    latest_value: float | None = None  # the same series at its latest release
    latest_vintage: str | None = None
    measure_claimed: str | None = None  # the measure the text names, if any
    error_pct: float | None = None  # (claimed − matched) / matched × 100
    total: int | None = None  # ranks: "of N" as written
    matched_total: int | None = None  # ranks: countries in the edition
    source: str | None = None  # file of the matching release
    line: int = 0
    start: int = 0
    end: int = 0
    sentence: str = ""

    def to_dict(self) -> dict:
        data = asdict(self)
        for key in ("value", "matched_value", "latest_value"):
            v = data[key]
            if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
                data[key] = int(v)
            elif isinstance(v, float):
                data[key] = round(v, 4)
        if data["error_pct"] is not None:
            data["error_pct"] = round(data["error_pct"], 3)
        return {k: data[k] for k in FIELDS}
