"""Verifiable briefs: headline figures, comparisons, rankings, context, events and data-quality notes for
a geography and a period, in Spanish or English, as Markdown, HTML or PDF. Every number is footnoted
with the release(s) it comes from (file, vintage, sha256) and its formula.

    import vigia
    from vigia.reports import brief
    with vigia.open_store(read_only=True) as store:
        b = brief(store.con, administration="lopez_obrador", months=24, lang="en", generated="2025-01-01")
        b.pdf("brief.pdf")
"""

from vigia.reports.assemble import HEADLINE, brief
from vigia.reports.model import Brief, Footnote, SourceRef

__all__ = ["HEADLINE", "Brief", "Footnote", "SourceRef", "brief"]
