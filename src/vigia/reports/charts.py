"""The brief's two charts (monthly series, state map) with matplotlib, as SVG and PNG bytes.

Deterministic on purpose: a fixed SVG hash salt, no date or creator metadata, a bundled font, and
Figure objects used without pyplot (no global state, no GUI backend).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import pandas as pd

RC = {
    "svg.hashsalt": "vigia-brief",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 9,
    "path.simplify": True,
}
VICTIMS_COLOR = "#b2182b"
CARPETAS_COLOR = "#2166ac"
PERIOD_COLOR = "#fdd9b5"
BAND_COLORS = ("#f0f0f0", "#ffffff")
PNG_DPI = 170


@dataclass(frozen=True)
class Band:
    label: str
    start: pd.Timestamp
    end: pd.Timestamp  # first day of the last month


def available() -> bool:
    """matplotlib is an optional dependency (the `report` extra): without it briefs have no charts."""
    import importlib.util

    return importlib.util.find_spec("matplotlib") is not None


def _save(fig) -> tuple[bytes, bytes]:
    svg, png = io.BytesIO(), io.BytesIO()
    fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
    fig.savefig(png, format="png", dpi=PNG_DPI, metadata={"Software": None})
    return svg.getvalue(), png.getvalue()


def monthly_chart(series: dict[str, pd.Series], *, bands: list[Band], period: tuple[pd.Timestamp, pd.Timestamp],
                  events: list[tuple[str, pd.Timestamp]], ylabel: str, size: tuple[float, float] = (7.0, 3.3),
                  breaks: list[tuple[pd.Timestamp, str]] = ()) -> tuple[bytes, bytes]:
    """Lines (label → monthly Series indexed by month start), term bands, the period shaded, event markers, and
    methodology changes (the line is cut there: a change of catalogue is not a trend)."""
    import matplotlib
    from matplotlib.figure import Figure

    colors = (VICTIMS_COLOR, CARPETAS_COLOR)
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=size)
        ax = fig.add_axes((0.08, 0.2, 0.9, 0.68))
        lo = min(s.index.min() for s in series.values())
        hi = max(s.index.max() for s in series.values()) + pd.offsets.MonthEnd(1)
        for i, band in enumerate(bands):
            a, b = max(band.start, lo), min(band.end + pd.offsets.MonthEnd(1), hi)
            if a >= b:
                continue
            ax.axvspan(a, b, color=BAND_COLORS[i % 2], zorder=0, lw=0)
            ax.text(a + (b - a) / 2, 1.02, band.label, transform=ax.get_xaxis_transform(), ha="center", va="bottom",
                    fontsize=7, color="#555555")
        ax.axvspan(period[0], period[1] + pd.offsets.MonthEnd(1), color=PERIOD_COLOR, alpha=0.55, zorder=0.5, lw=0)
        cuts = sorted({when for when, _ in breaks})
        for (label, values), color in zip(series.items(), colors):
            # Missing months show as gaps, and each methodology is its own segment: never a bridged line.
            full = values.reindex(pd.date_range(values.index.min(), values.index.max(), freq="MS"))
            edges = [full.index[0], *[c for c in cuts if full.index[0] < c <= full.index[-1]], None]
            for k, (a, b) in enumerate(zip(edges[:-1], edges[1:])):
                part = full[(full.index >= a) & ((full.index < b) if b is not None else True)]
                ax.plot(part.index, part.to_numpy(dtype=float), color=color, lw=1.4, zorder=3,
                        label=label if k == 0 else None)
        for when, text in breaks:
            ax.axvline(when, color="#b35900", lw=1.0, ls="--", zorder=2.5)
            ax.text(when, 0.03, " " + text, transform=ax.get_xaxis_transform(), fontsize=5.5, color="#b35900",
                    ha="left", va="bottom", zorder=4)
        shown = [(label, when) for label, when in events if lo <= when <= hi]
        for i, (label, when) in enumerate(shown):
            ax.axvline(when, color="#444444", lw=0.5, ls=(0, (2, 2)), zorder=2)
            # Labels step down over four rows so that events days apart stay readable.
            ax.text(when, 0.98 - 0.07 * (i % 4), label, transform=ax.get_xaxis_transform(), fontsize=5.5,
                    ha="center", va="top", color="#222222", zorder=4,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.4, "alpha": 0.85})
        ax.set_xlim(lo, hi)
        ax.set_ylim(0, max(float(s.max()) for s in series.values()) * (1.3 if shown else 1.08))
        ax.set_ylabel(ylabel)
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.grid(axis="y", color="#dddddd", lw=0.5)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, frameon=False)
        return _save(fig)


def state_map(rings: dict[str, tuple], values: dict[str, float], *, label: str, highlight: str | None = None,
              size: tuple[float, float] = (7.0, 4.6)) -> tuple[bytes, bytes]:
    """A choropleth of `values` (state code → number) over the state polygons."""
    import matplotlib
    from matplotlib.collections import PolyCollection
    from matplotlib.colors import Normalize
    from matplotlib.figure import Figure

    with matplotlib.rc_context(RC):
        fig = Figure(figsize=size)
        ax = fig.add_axes((0.01, 0.02, 0.84, 0.96))
        cax = fig.add_axes((0.87, 0.15, 0.025, 0.7))
        finite = [v for v in values.values() if v is not None and math.isfinite(v)]
        norm = Normalize(vmin=0, vmax=max(finite) if finite else 1)
        cmap = matplotlib.colormaps["OrRd"]
        polys, faces = [], []
        for code in sorted(rings):
            v = values.get(code)
            for ring in rings[code]:
                polys.append(ring)
                faces.append(cmap(norm(v)) if v is not None and math.isfinite(v) else (0.85, 0.85, 0.85, 1))
        ax.add_collection(PolyCollection(polys, facecolors=faces, edgecolors="white", linewidths=0.4))
        if highlight in rings:
            ax.add_collection(PolyCollection(list(rings[highlight]), facecolors="none", edgecolors="black",
                                             linewidths=1.2))
        xs = [x for code in rings for ring in rings[code] for x, _ in ring]
        ys = [y for code in rings for ring in rings[code] for _, y in ring]
        ax.set_xlim(min(xs), max(xs))
        ax.set_ylim(min(ys), max(ys))
        ax.set_aspect(1 / math.cos(math.radians(23.5)))  # lon/lat drawn to scale at Mexico's mid-latitude
        ax.set_axis_off()
        bar = fig.colorbar(matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap), cax=cax)
        bar.set_label(label)
        bar.outline.set_linewidth(0.4)
        return _save(fig)
