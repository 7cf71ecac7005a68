"""The one renderer of every report: Markdown (figures linked from ``figures/``), one
self-contained HTML page (figures embedded as base64 PNG, inline CSS, no script, no external
resource) and the report folder (figures in PNG/SVG/PDF, CSV tables, text files).

Each block type of :mod:`.elements` has one Markdown and one HTML drawing here; nothing here
computes a number.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Sequence
from functools import singledispatch
from pathlib import Path

from .elements import Block, Bullets, Figure, Report, Section, Table, Text

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1200px;
padding:0 1rem;color:#1d1d1f;line-height:1.45}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2.2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:.85rem;margin:.6rem 0}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f2f2f2}td.num{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:1rem 0}figure img{max-width:100%;height:auto}
figcaption{font-size:.8rem;color:#555}.meta{color:#555;font-size:.9rem}
li{margin:.3rem 0}.caveat{font-style:italic;color:#444}
.scroll{overflow-x:auto}code{background:#f5f5f5;padding:0 .2rem}
"""
_CODE = re.compile(r"`([^`]*)`")


# ---- Markdown ------------------------------------------------------------------------------


def _md_cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def md_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    """A GitHub-flavoured Markdown table ('|' in cells escaped)."""
    lines = ["| " + " | ".join(_md_cell(h) for h in header) + " |"]
    lines.append("|" + "---|" * len(header))
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return lines


@singledispatch
def _md(block: Block) -> list[str]:
    raise TypeError(f"not a report block: {block!r}")


@_md.register
def _(block: Text) -> list[str]:
    marks = {"strong": "**", "emphasis": "*"}.get(block.style, "")
    return [f"{marks}{block.text}{marks}", ""]


@_md.register
def _(block: Bullets) -> list[str]:
    items = [f"`{i}`" if block.style == "code" else i for i in block.items]
    return [*(f"- {i}" for i in items), ""]


@_md.register
def _(block: Table) -> list[str]:
    return [*md_table(block.header, block.rows), ""]


@_md.register
def _(block: Figure) -> list[str]:
    return [f"![{block.caption}]({block.png_path})", ""]


@_md.register
def _(block: Section) -> list[str]:
    out = ["#" * block.level + f" {block.title}", ""]
    for child in block.blocks:
        out += _md(child)
    return out


def render_markdown(report: Report) -> str:
    """The report as GitHub-flavoured Markdown; figures are linked from ``figures/``."""
    out = [f"# {report.title}", ""]
    for block in report.blocks:
        out += _md(block)
    return "\n".join(out).rstrip("\n") + "\n"


# ---- HTML ----------------------------------------------------------------------------------


def _inline(text: str) -> str:
    """Escaped text with ```code``` spans as ``<code>``."""
    return _CODE.sub(lambda m: f"<code>{m.group(1)}</code>", html.escape(text))


def html_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A scrollable HTML table of escaped cells."""
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    return f'<div class="scroll">{table}</div>'


@singledispatch
def _html(block: Block) -> list[str]:
    raise TypeError(f"not a report block: {block!r}")


@_html.register
def _(block: Text) -> list[str]:
    text = _inline(block.text)
    if block.style == "meta":
        return [f'<p class="meta">{text}</p>']
    tag = {"strong": "strong", "emphasis": "em"}.get(block.style)
    return [f"<p><{tag}>{text}</{tag}></p>" if tag else f"<p>{text}</p>"]


@_html.register
def _(block: Bullets) -> list[str]:
    cls = ' class="caveat"' if block.style == "caveat" else ""
    items = [
        f"<li><code>{html.escape(i)}</code></li>"
        if block.style == "code"
        else f"<li>{_inline(i)}</li>"
        for i in block.items
    ]
    return [f"<ul{cls}>", *items, "</ul>"]


@_html.register
def _(block: Table) -> list[str]:
    return [html_table(block.header, block.rows)]


@_html.register
def _(block: Figure) -> list[str]:
    data = base64.b64encode(block.rendered.png or b"").decode("ascii")
    caption = html.escape(block.caption)
    return [
        f'<figure><img alt="{caption}" src="data:image/png;base64,{data}">'
        f"<figcaption>{caption}</figcaption></figure>"
    ]


@_html.register
def _(block: Section) -> list[str]:
    anchor = f' id="{html.escape(block.anchor)}"' if block.anchor else ""
    out = [f"<h{block.level}{anchor}>{html.escape(block.title)}</h{block.level}>"]
    for child in block.blocks:
        out += _html(child)
    return out


def render_html(report: Report) -> str:
    """The report as one self-contained HTML page."""
    title = html.escape(report.title)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>{title}</h1>",
    ]
    for block in report.blocks:
        parts += _html(block)
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


# ---- the folder ----------------------------------------------------------------------------


def write_report(report: Report, folder: Path) -> None:
    """Write every file of *report* into *folder* (which exists): ``figures/<stem>.png``,
    ``.svg`` and ``.pdf``, each CSV table, each text file, ``report.md`` and ``report.html``."""
    figures = folder / "figures"
    figures.mkdir(exist_ok=True)
    for figure in report.figures:
        figure.rendered.write(figures / figure.stem)
    for name, table in report.tables.items():
        table.to_csv(folder / name, index=False)
    for name, text in report.texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "report.md").write_text(render_markdown(report), encoding="utf-8")
    (folder / "report.html").write_text(render_html(report), encoding="utf-8")
