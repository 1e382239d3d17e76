"""An annotated copy of a checked text: each claim marked with its verdict and a footnote (Markdown or HTML)."""

from __future__ import annotations

import html
import re
from pathlib import Path

from vigia.claims.messages import fmt_value
from vigia.claims.model import Claim

SYMBOLS = {"exact": "✅", "within_0.5pct": "≈", "within_2pct": "~", "contradicted": "❌", "unverifiable": "❓"}
LABELS = {
    "exact": ("exacto", "exact"), "within_0.5pct": ("a menos de 0.5%", "within 0.5%"),
    "within_2pct": ("a menos de 2%", "within 2%"), "contradicted": ("contradicho", "contradicted"),
    "unverifiable": ("no verificable", "unverifiable"),
}
COLORS = {"exact": "#d7f5dd", "within_0.5pct": "#e8f5d0", "within_2pct": "#fff1c2", "contradicted": "#ffd6d6",
          "unverifiable": "#e6e6e6"}
# Private-use characters mark where HTML goes, so the text can be escaped and laid out first.
_OPEN, _MID, _CLOSE = "\ue000", "\ue001", "\ue002"


def verdict_label(verdict: str, lang: str) -> str:
    return LABELS[verdict][1 if lang == "en" else 0]


def _summary(c: Claim, lang: str) -> str:
    """'exacto — víctimas de homicidio doloso … ' : verdict, then the match, then the explanation."""
    head = f"{SYMBOLS[c.verdict]} {verdict_label(c.verdict, lang)}"
    if c.indicator:
        unit = "percent" if c.kind in ("percent", "share") else c.kind
        vint = f", {c.vintage}" if c.vintage else ""
        head += f" — {c.indicator} ({c.measure}{vint}): {fmt_value(c.matched_value, unit)}"
    return f"{head}. {c.explanation}"


def _insertions(claims: list[Claim]) -> list[tuple[int, int, str, Claim]]:
    """(position, order, kind, claim): open marks at starts, close marks at ends; implied changes only close."""
    out = []
    for c in claims:
        if c.kind != "implied_change":
            out.append((c.start, 1, "open", c))
        out.append((c.end, 0, "close", c))
    return sorted(out, key=lambda t: (t[0], t[1], t[3].id))


def to_markdown(text: str, claims: list[Claim], lang: str = "es") -> str:
    pieces, pos = [], 0
    for at, _, what, c in _insertions(claims):
        if what != "close":
            continue
        pieces.append(text[pos:at])
        pieces.append(f" {SYMBOLS[c.verdict]}[^c{c.id}]")
        pos = at
    pieces.append(text[pos:])
    body = "".join(pieces).rstrip("\n")
    title = "Verificación de cifras" if lang != "en" else "Claim check"
    notes = [f"[^c{c.id}]: {_summary(c, lang)}" for c in claims]
    counts = _counts(claims, lang)
    return f"{body}\n\n---\n\n**{title}** — {counts}\n\n" + "\n".join(notes) + "\n"


def _counts(claims: list[Claim], lang: str) -> str:
    parts = []
    for v in SYMBOLS:
        n = sum(c.verdict == v for c in claims)
        if n:
            parts.append(f"{SYMBOLS[v]} {verdict_label(v, lang)}: {n}")
    return " · ".join(parts)


def to_html(text: str, claims: list[Claim], lang: str = "es", title: str = "") -> str:
    by_id = {c.id: c for c in claims}
    pieces, pos = [], 0
    for at, _, what, c in _insertions(claims):
        pieces.append(text[pos:at])
        pieces.append(f"{_OPEN}{c.id}{_MID}" if what == "open" else f"{_CLOSE}{c.id}{_MID}")
        pos = at
    pieces.append(text[pos:])
    body = _blocks(html.escape("".join(pieces), quote=False))

    def open_mark(m: re.Match) -> str:
        c = by_id[int(m.group(1))]
        return f'<mark class="claim {c.verdict}" title="{html.escape(_summary(c, lang))}">'

    def close_mark(m: re.Match) -> str:
        c = by_id[int(m.group(1))]
        end = "" if c.kind == "implied_change" else "</mark>"
        return f'{end}<sup><a href="#c{c.id}" id="r{c.id}">{SYMBOLS[c.verdict]}{c.id}</a></sup>'

    body = re.sub(f"{_OPEN}(\\d+){_MID}", open_mark, body)
    body = re.sub(f"{_CLOSE}(\\d+){_MID}", close_mark, body)
    notes = "\n".join(
        f'<li id="c{c.id}" class="{c.verdict}"><a href="#r{c.id}">↑</a> {html.escape(_summary(c, lang))}</li>'
        for c in claims)
    style = "\n".join(f"mark.{v}, li.{v} {{ background: {col}; }}" for v, col in COLORS.items())
    heading = "Verificación de cifras" if lang != "en" else "Claim check"
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(title or heading)}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; line-height: 1.5; padding: 0 1rem; }}
mark {{ padding: 0 .15em; border-radius: .2em; }} sup a {{ text-decoration: none; }}
table {{ border-collapse: collapse; }} td, th {{ border: 1px solid #ccc; padding: .2em .5em; }}
ol.claims li {{ margin: .3em 0; padding: .2em .4em; border-radius: .2em; }}
{style}
</style></head><body>
{body}
<hr><h2>{heading}</h2><p>{html.escape(_counts(claims, lang))}</p>
<ol class="claims">
{notes}
</ol>
</body></html>
"""


def _inline(text: str) -> str:
    text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
    text = re.sub(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?!\w)", r"<em>\1</em>", text)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    return re.sub(r"\[([^\]]+)\]\(([^)\s]+)\)", r'<a href="\2">\1</a>', text)


def _blocks(text: str) -> str:
    """A small Markdown subset — headings, lists, tables, code, paragraphs — enough to read an article."""
    out, para, items, rows = [], [], [], []
    in_code = False

    def flush() -> None:
        if para:
            out.append(f"<p>{_inline(' '.join(para))}</p>")
            para.clear()
        if items:
            out.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in items) + "</ul>")
            items.clear()
        if rows:
            out.append("<table>" + "".join("<tr>" + "".join(f"<td>{_inline(c.strip())}</td>" for c in r) + "</tr>"
                                           for r in rows) + "</table>")
            rows.clear()

    for line in text.splitlines():
        if re.match(r"\s*(```|~~~)", line):
            flush()
            out.append("</code></pre>" if in_code else "<pre><code>")
            in_code = not in_code
            continue
        if in_code:
            out.append(line)
            continue
        if not line.strip():
            flush()
        elif m := re.match(r"\s{0,3}(#{1,6})\s+(.*)", line):
            flush()
            level = len(m.group(1))
            out.append(f"<h{level}>{_inline(m.group(2))}</h{level}>")
        elif re.match(r"\s*\|?\s*:?-{2,}", line):
            continue
        elif line.lstrip().startswith("|"):
            rows.append(line.strip().strip("|").split("|"))
        elif m := re.match(r"\s*(?:[-*+•]|\d{1,2}[.)])\s+(.*)", line):
            if para:
                flush()
            items.append(m.group(1))
        else:
            if items and line.startswith((" ", "\t")):
                items[-1] += " " + line.strip()
            else:
                para.append(line.strip())
    flush()
    return "\n".join(out)


def write_annotated(path: Path, text: str, claims: list[Claim], lang: str, title: str = "") -> None:
    """Write the annotated copy: HTML for .html/.htm, Markdown otherwise."""
    doc = to_html(text, claims, lang, title) if path.suffix.lower() in (".html", ".htm") else to_markdown(
        text, claims, lang)
    path.write_text(doc, encoding="utf-8")
