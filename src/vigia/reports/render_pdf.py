"""PDF with reportlab (pure Python): the same blocks, charts as PNG, fixed metadata.

`invariant=1` makes reportlab write a fixed creation date and document id, so the same brief gives
the same bytes. The standard Helvetica fonts need no embedding; they cover Spanish (WinAnsi), and
the few characters they lack are replaced by plain equivalents.
"""

from __future__ import annotations

import io
import re
from xml.sax.saxutils import escape

import vigia
from vigia.reports import text as tx
from vigia.reports.model import FOOTNOTE_RE, LINK_RE, Brief, Bullets, Figure, Heading, Para, Table

REPLACEMENTS = {"−": "-", "→": "->", "←": "<-", "≈": "~", "≥": ">=", "≤": "<=", "\u00a0": " ", "\u2009": " ",
                "\u202f": " ", "✓": "v"}


def _plain(text: str) -> str:
    """Characters the standard PDF fonts (WinAnsi) can show; anything else becomes '?'."""
    for a, b in REPLACEMENTS.items():
        text = text.replace(a, b)
    return "".join(ch if _winansi(ch) else "?" for ch in text)


def _winansi(ch: str) -> bool:
    try:
        ch.encode("cp1252")
        return True
    except UnicodeEncodeError:
        return False


def _inline(text: str) -> str:
    out, pos = [], 0
    for m in LINK_RE.finditer(text):
        out.append(_refs(escape(_plain(text[pos:m.start()]))))
        label = escape(_plain(m.group("label")))
        out.append(f'<link href="{escape(m.group("url"), {chr(34): "&quot;"})}" color="#0b5cad">{label}</link>')
        pos = m.end()
    out.append(_refs(escape(_plain(text[pos:]))))
    return "".join(out)


def _refs(escaped: str) -> str:
    return FOOTNOTE_RE.sub(lambda m: f'<super><font color="#b2182b" size="6">{m.group(1)}</font></super>', escaped)


def render(brief: Brief) -> bytes:
    try:
        import reportlab  # noqa: F401
    except ImportError:
        from vigia.errors import VigiaError

        raise VigiaError("PDF briefs need reportlab: pip install 'vigia[report]' (or use --format md/html).") from None
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import cm, inch
    from reportlab.platypus import (
        Image,
        KeepTogether,
        ListFlowable,
        ListItem,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        TableStyle,
    )
    from reportlab.platypus import Table as RLTable

    base = getSampleStyleSheet()
    styles = {
        "title": ParagraphStyle("t", parent=base["Title"], fontSize=18, leading=22, alignment=0, spaceAfter=4),
        "subtitle": ParagraphStyle("st", parent=base["Normal"], fontSize=11, leading=14, textColor="#5b5b60"),
        "h2": ParagraphStyle("h2", parent=base["Heading2"], fontSize=13, leading=16, spaceBefore=12, spaceAfter=4,
                             textColor="#1d1d1f", keepWithNext=1),
        "h3": ParagraphStyle("h3", parent=base["Heading3"], fontSize=11, leading=14, spaceBefore=8, spaceAfter=3,
                             keepWithNext=1),
        "body": ParagraphStyle("b", parent=base["Normal"], fontSize=9.5, leading=12.5, spaceAfter=5),
        "lead": ParagraphStyle("l", parent=base["Normal"], fontSize=10.5, leading=14, spaceAfter=6),
        "small": ParagraphStyle("s", parent=base["Normal"], fontSize=8, leading=10, textColor="#5b5b60",
                                spaceAfter=5),
        "cell": ParagraphStyle("c", parent=base["Normal"], fontSize=7.5, leading=9),
        "cell_r": ParagraphStyle("cr", parent=base["Normal"], fontSize=7.5, leading=9, alignment=TA_RIGHT),
        "note": ParagraphStyle("n", parent=base["Normal"], fontSize=6.8, leading=8.4, spaceAfter=1.5),
    }
    styles["head"] = ParagraphStyle("h", parent=styles["cell"], fontName="Helvetica-Bold")
    styles["head_r"] = ParagraphStyle("hr", parent=styles["cell_r"], fontName="Helvetica-Bold")
    styles["em"] = ParagraphStyle("e", parent=styles["cell"], fontName="Helvetica-Bold")
    styles["em_r"] = ParagraphStyle("er", parent=styles["cell_r"], fontName="Helvetica-Bold")

    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=A4, leftMargin=1.8 * cm, rightMargin=1.8 * cm, topMargin=1.6 * cm, bottomMargin=1.6 * cm,
        title=_plain(f"{brief.title} · {brief.subtitle}"), author="Vigía", subject=_plain(brief.generated_line),
        creator=f"Vigía {vigia.__version__}", producer="Vigía (reportlab)", keywords="", invariant=1,
        lang=brief.lang,
    )
    width = doc.width
    story: list = [Paragraph(_inline(brief.title), styles["title"]), Paragraph(_inline(brief.subtitle),
                                                                                styles["subtitle"]),
                   Spacer(1, 3), Paragraph(_inline(brief.generated_line), styles["small"])]

    def table(block: Table):
        weights = block.widths or [1.0] * len(block.header)
        scale = width / sum(weights)
        right = [a == "r" for a in block.align]
        data = [[Paragraph(_inline(h), styles["head_r" if r else "head"]) for h, r in zip(block.header, right)]]
        for i, row in enumerate(block.rows):
            em = i in block.emphasis
            data.append([Paragraph(_inline(v), styles[("em" if em else "cell") + ("_r" if r else "")])
                         for v, r in zip(row, right)])
        tbl = RLTable(data, colWidths=[w * scale for w in weights], repeatRows=1)
        style = [("VALIGN", (0, 0), (-1, -1), "TOP"), ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f0f0f3")),
                 ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#d0d0d6")),
                 ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                 ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3)]
        style += [("BACKGROUND", (0, i + 1), (-1, i + 1), colors.HexColor("#fff4e8")) for i in sorted(block.emphasis)]
        tbl.setStyle(TableStyle(style))
        return tbl

    pending: list = []  # a heading waits for its figure, so the two share a page
    for block in brief.blocks:
        if pending and not isinstance(block, Figure):
            story += pending
            pending = []
        if isinstance(block, Heading):
            heading = Paragraph(_inline(block.text), styles["h2" if block.level <= 2 else "h3"])
            pending.append(heading)
        elif isinstance(block, Para):
            story.append(Paragraph(_inline(block.text), styles.get(block.style, styles["body"])))
        elif isinstance(block, Bullets):
            items = [ListItem(Paragraph(_inline(i), styles["body"]), leftIndent=10) for i in block.items]
            story.append(ListFlowable(items, bulletType="bullet", start="•", leftIndent=10, bulletFontSize=7))
        elif isinstance(block, Table):
            story += [table(block), Spacer(1, 6)]
        elif isinstance(block, Figure):
            w = min(width, block.width_in * inch)
            h = w * block.height_in / block.width_in
            story.append(KeepTogether([*pending, Image(io.BytesIO(block.png), width=w, height=h),
                                       Paragraph(_inline(block.caption), styles["small"])]))
            pending = []
    story += pending
    story.append(Paragraph(_inline(tx.t("h_notes", brief.lang)), styles["h2"]))
    story += [Paragraph(f"{n.number}. " + _inline(n.text), styles["note"]) for n in brief.footnotes]

    footer = _plain(f"Vigía · {brief.title} · {brief.subtitle.split(' · ')[0]}")
    page_word = tx.t("page", brief.lang)

    stamp = "D:" + brief.generated.replace("-", "") + "000000+00'00'"

    def on_page(canvas, document) -> None:
        # The document's dates are the brief's generation date (not the clock): same inputs, same bytes.
        canvas.setDateFormatter(lambda *_: stamp)
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.setFillColor(colors.HexColor("#5b5b60"))
        canvas.drawString(document.leftMargin, 0.9 * cm, footer)
        canvas.drawRightString(document.leftMargin + document.width, 0.9 * cm, f"{page_word} {document.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buf.getvalue()


def text_of(block_text: str) -> str:
    """The words a PDF reader will extract for a block text (for tests)."""
    return re.sub(r"\s+", " ", LINK_RE.sub(lambda m: m.group("label"), FOOTNOTE_RE.sub("", _plain(block_text))))
