"""Which release a number comes from, and the numbered footnotes that say so.

The store keeps only what each release changed, so the releases that *recorded* a value are often
older than the one that *publishes* it today. A brief cites the release a reader can open to find
the number: per dataset, the latest release (at or before the requested vintage) whose coverage
includes the number's years. That file, on its own, gives the figure.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import duckdb

from vigia.reports import text as tx
from vigia.reports.model import Footnote, SourceRef


@lru_cache(maxsize=1)
def _registry():
    try:
        from vigia.sources.registry import load_registry

        return load_registry(overlays=[])  # the packaged registry only: same output on every machine
    except Exception:  # noqa: BLE001 - citations are a courtesy; a broken registry must not stop a brief
        return None


class Provenance:
    def __init__(self, con: duckdb.DuckDBPyConnection, vintage: str | None = None) -> None:
        self.con = con
        self.vintage = vintage
        rows = con.execute(
            "SELECT release_id, source, dataset, strftime(vintage, '%Y-%m'), file_name, sha256, citation, origin_url, "
            "licence FROM releases ORDER BY release_id"
        ).fetchall()
        self.releases = {r[0]: self._ref(r) for r in rows}
        self.coverage: dict[int, set[int]] = {}
        for rid, year in con.execute("SELECT DISTINCT release_id, year FROM release_coverage").fetchall():
            self.coverage.setdefault(rid, set()).add(int(year))

    @staticmethod
    def _ref(row) -> SourceRef:
        rid, source, dataset, vintage, file_name, sha, citation, url, licence = row
        reg = _registry()
        entry = reg.match(file_name) if reg is not None else None
        return SourceRef(
            release_id=int(rid), source=source, dataset=dataset, vintage=vintage, file_name=file_name, sha256=sha,
            citation=citation if isinstance(citation, str) and citation else (entry.citation if entry else None),
            url=url if isinstance(url, str) and url else (entry.landing_url if entry else None),
            producer=tx.PRODUCERS.get(source, source.upper()),
            licence=licence if isinstance(licence, str) and licence else (entry.licence if entry else None),
        )

    def _eligible(self, dataset: str) -> list[SourceRef]:
        refs = [r for r in self.releases.values() if r.dataset == dataset]
        if self.vintage:
            refs = [r for r in refs if r.vintage <= self.vintage]
        return sorted(refs, key=lambda r: (r.vintage, r.release_id))

    def for_frame(self, sources: list[dict], years: Iterable[int]) -> tuple[SourceRef, ...]:
        """The citing release(s) for numbers covering `years`, from a frame's `attrs['sources']`."""
        years = {int(y) for y in years}
        out: list[SourceRef] = []
        for dataset in sorted({s["dataset"] for s in sources}):
            ref = self.covering(dataset, years)
            if ref is not None:
                out.append(ref)
            else:  # no single file holds them all: cite every release that recorded one
                out.extend(self.releases[s["release_id"]] for s in sources if s["dataset"] == dataset
                           and s["release_id"] in self.releases)
        return tuple(out)

    def covering(self, dataset: str, years: Iterable[int]) -> SourceRef | None:
        """The latest release of `dataset` (at or before the vintage) that holds every one of `years`."""
        years = {int(y) for y in years}
        refs = [r for r in self._eligible(dataset) if years <= self.coverage.get(r.release_id, set())]
        return refs[-1] if refs else None

    def latest(self, dataset: str) -> SourceRef | None:
        refs = self._eligible(dataset) or [r for r in self.releases.values() if r.dataset == dataset]
        return refs[-1] if refs else None

    def population(self) -> SourceRef | None:
        # Rates use the newest CONAPO projection whatever the vintage asked (population_for does the same).
        refs = sorted((r for r in self.releases.values() if r.dataset == "population"),
                      key=lambda r: (r.vintage, r.release_id))
        return refs[-1] if refs else None


class Notes:
    """Numbered footnotes in order of first use; an identical note is given one number."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.items: list[Footnote] = []
        self._by_text: dict[str, int] = {}
        self.cited: dict[int, SourceRef] = {}

    def add(self, body: str, sources: Iterable[SourceRef], *, kind: str = "note", value: float | None = None,
            formula: str | None = None, facts: dict | None = None) -> str:
        """Register a note and return its marker `[^n]` for the text."""
        sources = tuple(sources)
        text = body
        if sources:
            text += " " + tx.t("fn_sources", self.lang, sources="; ".join(self.source_label(s) for s in sources)) + "."
        if text in self._by_text:
            return f"[^{self._by_text[text]}]"
        n = len(self.items) + 1
        self.items.append(Footnote(number=n, text=text, sources=sources, kind=kind, value=value, formula=formula,
                                   facts=facts if facts is not None else {}))  # kept as given: callers find notes by it
        self._by_text[text] = n
        for s in sources:
            self.cited[s.release_id] = s
        return f"[^{n}]"

    def source_label(self, ref: SourceRef) -> str:
        return tx.t("src_release", self.lang, producer=ref.producer, file=ref.file_name, vintage=ref.vintage,
                    sha=ref.short_sha)
