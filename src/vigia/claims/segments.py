"""Split Markdown or plain text into sentences, keeping their offsets, paragraphs and sections.

A claim's context (indicator words, state, year) is looked for in its sentence first, then carried
over from earlier sentences of its paragraph, from a paragraph ending in ':' that introduces a list,
from its section heading and from the document's title. A table cell is a sentence of its own whose
context is its column header, the labels of its row and the paragraph introducing the table.
Footnote definitions ("[^3]: …") are paragraphs of their own. Fenced code is skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_LIST = re.compile(r"^\s*(?:[-*+•]|\d{1,2}[.)])\s+")
_TABLE = re.compile(r"^\s*\|")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s")
_NOTE = re.compile(r"^\s{0,3}\[\^[^\]]+\]:")
_FENCE = re.compile(r"^\s*(```|~~~)")
# A sentence ends at . ! ? … followed by space and a capital, a digit or an opening mark.
_SENT_END = re.compile(r"[.!?…][\"'”»)\]]*\s+(?=[¿¡\"“«(\[*_]?[A-ZÁÉÍÓÚÑ0-9])")
_ABBREV = {"aprox", "núm", "num", "no", "vs", "p", "ej", "e.g", "i.e", "sr", "sra", "dr", "dra", "lic", "ing",
           "art", "fig", "etc", "pág", "pp", "ee", "uu", "u.s", "st", "mr", "mrs", "ms", "cf", "approx", "est"}

Span = tuple[int, int]


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    paragraph: int  # index of its block
    section: int  # index of the heading block above it (-1 = none)
    line: int  # 1-based line of its start
    kind: str  # prose | list | table | heading | note | cell | header
    header: Span | None = None  # cell: its column's header cell
    context: tuple[Span, ...] = ()  # cell: header, row labels, introducing paragraph


@dataclass(frozen=True)
class Block:
    start: int
    end: int
    kind: str
    section: int
    line: int


def _blocks(text: str) -> list[Block]:
    blocks: list[Block] = []
    pos, in_code, section = 0, False, -1
    cur: list[int] | None = None  # [start, end, line] of the open block
    cur_kind = ""

    def close() -> None:
        nonlocal cur
        if cur is not None:
            blocks.append(Block(cur[0], cur[1], cur_kind, section, cur[2]))
            cur = None

    for n, line in enumerate(text.splitlines(keepends=True), start=1):
        start, body = pos, line.rstrip("\r\n")
        pos += len(line)
        if _FENCE.match(body):
            close()
            in_code = not in_code
            continue
        if in_code:
            continue
        if not body.strip():
            close()
            continue
        kind = ("heading" if _HEADING.match(body) else "table" if _TABLE.match(body) or (
            cur_kind == "table" and cur is not None and _TABLE_RULE.match(body)) else "note" if _NOTE.match(body)
            else "list" if _LIST.match(body) else "prose")
        if kind in ("heading", "note"):
            close()
            if kind == "heading":
                blocks.append(Block(start, start + len(body), "heading", section, n))
                section = len(blocks) - 1
                continue
        # A list or a table is one block whose items are its sentences; prose lines wrap into one paragraph.
        if cur is not None and (kind == cur_kind and kind != "note" or (cur_kind in ("list", "note")
                                                                        and kind == "prose")):
            cur[1] = start + len(body)
            continue
        close()
        cur, cur_kind = [start, start + len(body), n], kind
    close()
    return blocks


def _split(text: str, start: int, end: int) -> list[Span]:
    spans, s = [], start
    for m in _SENT_END.finditer(text, start, end):
        word = re.search(r"([\w.]+)$", text[s:m.start()])
        if word and word.group(1).lower().rstrip(".") in _ABBREV:
            continue
        spans.append((s, m.start() + 1))
        s = m.end()
    if s < end:
        spans.append((s, end))
    return spans


def _cells(text: str, start: int, end: int) -> list[Span]:
    """The trimmed cells of one table row (pipes excluded)."""
    cells, s = [], start
    for i in range(start, end + 1):
        if i == end or text[i] == "|":
            a, b = s, i
            while a < b and text[a].isspace():
                a += 1
            while b > a and text[b - 1].isspace():
                b -= 1
            cells.append((a, b))
            s = i + 1
    if cells and cells[0][0] == cells[0][1]:
        cells = cells[1:]
    if cells and cells[-1][0] == cells[-1][1]:
        cells = cells[:-1]
    return cells


def _table(text: str, block: Block, b_idx: int, section: int, intro: Span | None) -> list[Sentence]:
    """One sentence per cell: the header row gives each column's context, the first cell each row's."""
    rows: list[tuple[int, int, int]] = []  # start, end, line
    off, line_no = block.start, block.line
    for line in text[block.start:block.end].splitlines(keepends=True):
        body = line.rstrip("\r\n")
        if body.strip():
            rows.append((off, off + len(body), line_no))
        off += len(line)
        line_no += 1
    has_header = len(rows) > 1 and _TABLE_RULE.match(text[rows[1][0]:rows[1][1]]) is not None
    header = _cells(text, rows[0][0], rows[0][1]) if has_header else []
    out = []
    for r, (a, b, line) in enumerate(rows):
        if _TABLE_RULE.match(text[a:b]):
            continue
        cells = _cells(text, a, b)
        if has_header and r == 0:
            out.extend(Sentence(c0, c1, b_idx, section, line, "header") for c0, c1 in cells)
            continue
        labels = [c for i, c in enumerate(cells) if i == 0 or not re.search(r"\d", text[c[0]:c[1]])]
        for i, cell in enumerate(cells):
            if cell in labels or cell[0] == cell[1]:
                continue
            head = header[i] if i < len(header) else None
            context = tuple(x for x in (head, *labels, intro) if x is not None)
            out.append(Sentence(cell[0], cell[1], b_idx, section, line, "cell", head, context))
    return out


def _intro(blocks: list[Block], b_idx: int) -> Span | None:
    """The paragraph that introduces a table: the nearest prose above it, across headings and other tables."""
    for prev in reversed(blocks[max(0, b_idx - 4):b_idx]):
        if prev.kind == "prose":
            return prev.start, prev.end
        if prev.kind not in ("heading", "table"):
            return None
    return None


def sentences(text: str) -> tuple[list[Sentence], list[Block]]:
    blocks = _blocks(text)
    out: list[Sentence] = []
    for b_idx, block in enumerate(blocks):
        if block.kind == "table":
            out.extend(_table(text, block, b_idx, block.section, _intro(blocks, b_idx)))
            continue
        if block.kind == "list":
            pieces = []
            off = block.start
            for line in text[block.start:block.end].splitlines(keepends=True):
                if line.strip():
                    pieces.append((off, off + len(line.rstrip("\r\n"))))
                off += len(line)
        else:
            pieces = _split(text, block.start, block.end)
        for s, e in pieces:
            while s < e and text[s].isspace():
                s += 1
            if s < e:
                out.append(Sentence(s, e, b_idx, block.section if block.kind != "heading" else b_idx,
                                    text.count("\n", 0, s) + 1, block.kind))
    return out, blocks
