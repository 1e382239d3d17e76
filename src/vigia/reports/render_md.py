"""Markdown (GitHub-flavoured: pipe tables, [^n] footnotes). Charts go to SVG files beside the text."""

from __future__ import annotations

from pathlib import Path

from vigia.reports import text as tx
from vigia.reports.model import LINK_RE, Brief, Bullets, Figure, Heading, Para, Table


def _inline(text: str) -> str:
    return LINK_RE.sub(lambda m: f"[{m.group('label')}]({m.group('url')})", text)


def _cell(text: str) -> str:
    return _inline(text).replace("|", "\\|").replace("\n", " ")


def _table(block: Table) -> list[str]:
    lines = ["| " + " | ".join(_cell(h) for h in block.header) + " |",
             "|" + "|".join("---:" if a == "r" else "---" for a in block.align) + "|"]
    for i, row in enumerate(block.rows):
        cells = [_cell(c) for c in row]
        if i in block.emphasis:
            cells = [f"**{c}**" if c and c != "—" else c for c in cells]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def render(brief: Brief, figure_dir: Path | str | None = None, figure_prefix: str | None = None) -> str:
    out = [f"# {brief.title}", "", f"*{brief.subtitle}*", "", brief.generated_line, ""]
    for block in brief.blocks:
        if isinstance(block, Heading):
            out += ["#" * block.level + " " + block.text, ""]
        elif isinstance(block, Para):
            text = _inline(block.text)
            out += [f"*{text}*" if block.style == "small" else text, ""]
        elif isinstance(block, Bullets):
            out += [f"- {_inline(item)}" for item in block.items] + [""]
        elif isinstance(block, Table):
            out += _table(block) + [""]
        elif isinstance(block, Figure):
            if figure_dir is not None:
                folder = Path(figure_dir)
                folder.mkdir(parents=True, exist_ok=True)
                (folder / f"{block.key}.svg").write_bytes(block.svg)
                prefix = folder.name if figure_prefix is None else figure_prefix
                target = f"{prefix}/{block.key}.svg" if prefix else f"{block.key}.svg"
                out += [f"![{block.alt}]({target})", ""]
            else:
                out += ["*(" + ("gráfico omitido: escriba el informe a un archivo para obtener las imágenes"
                                if brief.lang == "es" else "chart omitted: write the brief to a file to get the "
                                "images") + ")*", ""]
            out += [f"*{_inline(block.caption)}*", ""]
    out += [f"## {tx.t('h_notes', brief.lang)}", ""]
    out += [f"[^{n.number}]: {_inline(n.text)}" for n in brief.footnotes]
    return "\n".join(out).rstrip("\n") + "\n"
