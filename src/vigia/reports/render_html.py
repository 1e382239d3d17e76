"""One self-contained HTML file: inline CSS, charts as data: URIs, no script, no remote font or image.

Links (<a href>) appear only to the official and press sources of the numbers and events: they are
navigations a reader may follow, never resources the page loads, so it works offline.
"""

from __future__ import annotations

import base64
import html

from vigia.reports import text as tx
from vigia.reports.model import FOOTNOTE_RE, LINK_RE, Brief, Bullets, Figure, Heading, Para, Table

CSS = """
:root { --ink: #1d1d1f; --muted: #5b5b60; --rule: #d9d9de; --accent: #b2182b; }
* { box-sizing: border-box; }
body { margin: 0; background: #fafafa; color: var(--ink);
       font: 15px/1.5 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 60rem; margin: 0 auto; padding: 2rem 1.5rem 4rem; background: #fff; }
h1 { font-size: 1.7rem; margin: 0 0 .3rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .6rem; padding-bottom: .2rem; border-bottom: 2px solid var(--accent); }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
.subtitle { font-size: 1.05rem; color: var(--muted); margin: 0; }
.generated, .small { font-size: .85rem; color: var(--muted); }
.lead { font-size: 1.05rem; }
table { border-collapse: collapse; width: 100%; margin: .6rem 0 1rem; font-size: .88rem; }
th, td { padding: .3rem .45rem; border-bottom: 1px solid var(--rule); vertical-align: top; }
th { text-align: left; background: #f3f3f5; }
td.r, th.r { text-align: right; white-space: nowrap; }
tr.em td { font-weight: 700; background: #fff4e8; }
sup.fn a { text-decoration: none; color: var(--accent); font-size: .75em; padding-left: 1px; }
figure { margin: 1rem 0; }
figure img { width: 100%; height: auto; border: 1px solid var(--rule); }
figcaption { font-size: .85rem; color: var(--muted); }
ol.notes { font-size: .8rem; color: #333; padding-left: 2.2rem; }
ol.notes li { margin-bottom: .25rem; }
ol.notes li:target { background: #fff4e8; }
ul.bullets li { margin-bottom: .3rem; }
a { color: #0b5cad; overflow-wrap: anywhere; }
@media print { body { background: #fff; } main { padding: 0; } a { color: inherit; } }
""".strip()


def _inline(text: str) -> str:
    """Escape, then turn the shared markup into footnote references and source links."""
    out, pos = [], 0
    for m in LINK_RE.finditer(text):
        out.append(_refs(html.escape(text[pos:m.start()], quote=False)))
        url = m.group("url")
        label = html.escape(m.group("label"), quote=False)
        if url.startswith(("https://", "http://")):
            out.append(f'<a href="{html.escape(url)}" rel="noopener noreferrer">{label}</a>')
        else:
            out.append(label)
        pos = m.end()
    out.append(_refs(html.escape(text[pos:], quote=False)))
    return "".join(out)


def _refs(escaped: str) -> str:
    return FOOTNOTE_RE.sub(lambda m: f'<sup class="fn"><a href="#fn-{m.group(1)}">{m.group(1)}</a></sup>', escaped)


def _table(block: Table) -> str:
    cls = ['r' if a == 'r' else '' for a in block.align]
    head = "".join(f'<th class="{c}">{_inline(h)}</th>' if c else f"<th>{_inline(h)}</th>"
                   for h, c in zip(block.header, cls))
    rows = []
    for i, row in enumerate(block.rows):
        cells = "".join(f'<td class="{c}">{_inline(v)}</td>' if c else f"<td>{_inline(v)}</td>"
                        for v, c in zip(row, cls))
        rows.append(f'<tr class="em">{cells}</tr>' if i in block.emphasis else f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def render(brief: Brief) -> str:
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{brief.lang}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="Vigía">',
        f"<title>{html.escape(brief.title)} · {html.escape(brief.subtitle)}</title>",
        f"<style>\n{CSS}\n</style>",
        "</head>",
        "<body>",
        "<main>",
        "<header>",
        f"<h1>{html.escape(brief.title)}</h1>",
        f'<p class="subtitle">{html.escape(brief.subtitle)}</p>',
        f'<p class="generated">{html.escape(brief.generated_line)}</p>',
        "</header>",
    ]
    for block in brief.blocks:
        if isinstance(block, Heading):
            anchor = f' id="{block.anchor}"' if block.anchor else ""
            parts.append(f"<h{block.level}{anchor}>{html.escape(block.text)}</h{block.level}>")
        elif isinstance(block, Para):
            cls = f' class="{block.style}"' if block.style != "body" else ""
            parts.append(f"<p{cls}>{_inline(block.text)}</p>")
        elif isinstance(block, Bullets):
            items = "".join(f"<li>{_inline(i)}</li>" for i in block.items)
            parts.append(f'<ul class="bullets">{items}</ul>')
        elif isinstance(block, Table):
            parts.append(_table(block))
        elif isinstance(block, Figure):
            data = base64.b64encode(block.svg).decode("ascii")
            parts.append(f'<figure><img src="data:image/svg+xml;base64,{data}" alt="{html.escape(block.alt)}">'
                         f"<figcaption>{_inline(block.caption)}</figcaption></figure>")
    notes = "".join(f'<li id="fn-{n.number}">{_inline(n.text)}</li>' for n in brief.footnotes)
    parts += [f'<h2 id="notes">{html.escape(tx.t("h_notes", brief.lang))}</h2>', f'<ol class="notes">{notes}</ol>',
              "</main>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"
