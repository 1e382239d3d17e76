"""The brief as data: blocks of a document, footnotes with their provenance, and the cited releases.

The assembler (assemble.py) builds these; the renderers (render_md/html/pdf) only translate them, so
the three formats say exactly the same thing. Inline markup inside block text is minimal and shared:
`[^n]` is a reference to footnote n and `{{link:URL|label}}` a link to a source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

FOOTNOTE_RE = re.compile(r"\[\^(\d+)\]")
LINK_RE = re.compile(r"\{\{link:(?P<url>[^|}]+)\|(?P<label>[^}]*)\}\}")


def link(url: str, label: str) -> str:
    return "{{link:" + url.replace("|", "%7C").replace("}", "%7D") + "|" + label.replace("}", ")") + "}}"


@dataclass(frozen=True)
class SourceRef:
    """One ingested release (file) a number comes from."""

    release_id: int
    source: str
    dataset: str
    vintage: str
    file_name: str
    sha256: str
    citation: str | None = None
    url: str | None = None
    producer: str | None = None
    licence: str | None = None

    @property
    def short_sha(self) -> str:
        return self.sha256[:8]


@dataclass
class Footnote:
    """A note behind one or more numbers: what, formula, releases. `facts` keeps the numbers as data so
    that tests (and the claim checker) can re-derive them without parsing prose."""

    number: int
    text: str
    sources: tuple[SourceRef, ...]
    kind: str = "note"
    value: float | None = None
    formula: str | None = None
    facts: dict = field(default_factory=dict)


@dataclass
class Heading:
    level: int
    text: str
    anchor: str = ""


@dataclass
class Para:
    text: str
    style: str = "body"  # body | lead | small


@dataclass
class Bullets:
    items: list[str]


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    align: list[str]  # 'l' or 'r' per column
    emphasis: frozenset[int] = frozenset()  # row indices shown in bold (the brief's own state)
    widths: list[float] | None = None  # relative column widths for the PDF


@dataclass
class Figure:
    key: str
    svg: bytes
    png: bytes
    caption: str
    alt: str
    width_in: float
    height_in: float


Block = Heading | Para | Bullets | Table | Figure


@dataclass
class Brief:
    """A rendered-independent brief. `.markdown()`, `.html()` and `.pdf()` give the three formats."""

    lang: str
    title: str
    subtitle: str
    generated_line: str
    generated: str
    geo: str
    geo_name: str
    start: str  # YYYY-MM
    end: str  # YYYY-MM
    administration: str | None
    blocks: list[Block]
    footnotes: list[Footnote]
    sources: list[SourceRef]
    warnings: list[str]
    data: dict = field(default_factory=dict)

    def markdown(self, figure_dir: Path | str | None = None, figure_prefix: str | None = None) -> str:
        """Markdown; charts are written as SVG files into `figure_dir` (linked as `figure_prefix/NAME.svg`)
        or left out with a note when no folder is given (Markdown cannot hold images portably)."""
        from vigia.reports.render_md import render

        return render(self, figure_dir=figure_dir, figure_prefix=figure_prefix)

    def html(self) -> str:
        """One self-contained HTML file: inline CSS, charts as data: URIs, no script, works offline."""
        from vigia.reports.render_html import render

        return render(self)

    def pdf(self, path: Path | str | None = None) -> bytes:
        """PDF bytes (also written to `path` when given); fixed metadata, so identical inputs give identical bytes."""
        from vigia.reports.render_pdf import render

        data = render(self)
        if path is not None:
            Path(path).write_bytes(data)
        return data

    def json(self) -> str:
        """The brief's numbers as data: footnotes (formula, facts, releases), sections' values, warnings."""
        import dataclasses
        import json

        doc = {
            "title": self.title, "subtitle": self.subtitle, "lang": self.lang, "generated": self.generated,
            "geo": self.geo, "geo_name": self.geo_name, "start": self.start, "end": self.end,
            "administration": self.administration, "warnings": self.warnings, "data": self.data,
            "footnotes": [{**{k: v for k, v in dataclasses.asdict(n).items() if k != "sources"},
                           "sources": [s.release_id for s in n.sources]} for n in self.footnotes],
            "sources": [dataclasses.asdict(s) for s in self.sources],
        }
        return json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True, default=_jsonable) + "\n"

    def footnote(self, number: int) -> Footnote:
        return self.footnotes[number - 1]


def _jsonable(value):
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return str(value)
