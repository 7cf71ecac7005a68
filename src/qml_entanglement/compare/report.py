"""Render the comparison report: ``report.md`` (figures as files) and a self-contained
``report.html`` (figures embedded as base64 PNG, inline CSS, no script, no external resource).
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from qml_entanglement.compare.names import METHOD_SYMBOLS, display_name
from qml_entanglement.compare.narrative import GroupProse
from qml_entanglement.compare.settings import CompareSettings
from qml_entanglement.compare.summary import column

MAX_QUALITY_ROWS = 200


@dataclass(frozen=True)
class FigureFile:
    """A rendered figure: file name under ``figures/``, caption, PNG bytes."""

    filename: str
    caption: str
    png: bytes


@dataclass(frozen=True)
class GroupSection:
    """Everything the report shows for one group."""

    label: str
    n_runs: int
    prose: GroupProse
    figures: Sequence[FigureFile]


@dataclass(frozen=True)
class ReportContent:
    """What goes into both renderings of the report."""

    settings: CompareSettings
    generated_at: str
    tracking_uri: str
    n_selected: int
    n_used: int
    n_tests: int
    n_significant: int
    summary: pd.DataFrame
    sections: Sequence[GroupSection]
    data_quality: pd.DataFrame
    heatmap: FigureFile | None = None
    files: Sequence[str] = field(default_factory=tuple)


def _fmt(value: object, digits: int = 2) -> str:
    if isinstance(value, float):
        return "–" if not math.isfinite(value) else f"{value:+.{digits}f}"
    return str(value)


def _mean_ci(row: pd.Series, method: str, series: str) -> str:
    mean = row.get(column(method, series, "mean"), math.nan)
    low = row.get(column(method, series, "ci_low"), math.nan)
    high = row.get(column(method, series, "ci_high"), math.nan)
    if not isinstance(mean, float) or not math.isfinite(mean):
        return "undefined"
    if not math.isfinite(low):
        return f"{mean:+.2f}"
    return f"{mean:+.2f} [{low:+.2f}, {high:+.2f}]"


def _share(row: pd.Series, method: str, series: str) -> str:
    n = row.get(column(method, series, "n"), math.nan)
    if not isinstance(n, int | float) or not math.isfinite(n) or n == 0:
        return "–"
    return f"{int(row[column(method, series, 'n_significant')])}/{int(n)}"


def summary_table(summary: pd.DataFrame, settings: CompareSettings) -> tuple[list, list]:
    """Header and rows of the main summary table (primary method)."""
    method = settings.primary_method
    symbol = METHOD_SYMBOLS[method]
    level = f"{settings.ci.level:.0%}"
    header = [
        "Group",
        "Metric",
        "Runs",
        f"{symbol} raw, mean [{level} CI]",
        f"{symbol} diff, mean [{level} CI]",
        "Significant raw",
        "Significant diff",
        "CI method (raw)",
        "Rises then falls",
    ]
    rows = []
    for _, row in summary.iterrows():
        share = row.get("rises_then_falls_share", math.nan)
        rows.append(
            [
                row["group"],
                display_name(row["metric"]),
                str(int(row["n_runs"])),
                _mean_ci(row, method, "raw"),
                _mean_ci(row, method, "diff"),
                _share(row, method, "raw"),
                _share(row, method, "diff"),
                str(row.get(column(method, "raw", "ci_method"), "")),
                "–" if not math.isfinite(share) else f"{share:.0%}",
            ]
        )
    return header, rows


def methods_table(summary: pd.DataFrame, settings: CompareSettings) -> tuple[list, list]:
    """Header and rows of the every-method table: mean correlation, raw and differenced."""
    header = ["Group", "Metric"]
    for method in settings.methods:
        for series in ("raw", "diff"):
            header.append(f"{METHOD_SYMBOLS[method]} {series}")
    rows = []
    for _, row in summary.iterrows():
        cells = [row["group"], display_name(row["metric"])]
        for method in settings.methods:
            for series in ("raw", "diff"):
                cells.append(_fmt(row.get(column(method, series, "mean"), math.nan)))
        rows.append(cells)
    return header, rows


def quality_counts(quality: pd.DataFrame) -> list[tuple[str, int]]:
    """Number of findings of each kind, most frequent first."""
    if quality.empty:
        return []
    return [(str(k), int(v)) for k, v in quality["kind"].value_counts().items()]


def _quality_rows(quality: pd.DataFrame) -> list[list[str]]:
    return [
        [r.kind, r.group, r.run_id[:12], str(r.seed), r.detail]
        for r in quality.head(MAX_QUALITY_ROWS).itertuples()
    ]


def _intro(content: ReportContent) -> list[str]:
    s = content.settings
    symbol = METHOD_SYMBOLS[s.primary_method]
    return [
        f"{content.n_used} of {content.n_selected} selected runs used, in "
        f"{len(content.sections)} group(s) by {', '.join(s.group_by) or 'nothing'}; "
        f"{content.n_significant} of {content.n_tests} correlation tests significant after "
        f"Benjamini-Hochberg over the whole report (q < {s.alpha:g}).",
        "Each run's entanglement metrics are correlated with its loss across epochs "
        f"({', '.join(METHOD_SYMBOLS[m] for m in s.methods)}), twice: on the raw series "
        '("raw") and on their epoch-to-epoch changes ("diff", first differences). Two series '
        "that both trend during training correlate on the raw series whatever their relation; "
        "a correlation that survives differencing says the changes move together.",
        f"Group values are means over seeds (the replicates) with a {s.ci.level:.0%} confidence "
        "interval: Fisher z (mean of artanh r, t interval over seeds) when runs are long enough, "
        "a bootstrap over seeds when they are short or a correlation is exactly ±1. "
        f"Tables show {symbol}; correlations.csv and summary.csv hold every method. "
        "A positive correlation means the metric falls as the loss falls.",
    ]


def render_markdown(content: ReportContent) -> str:
    """The report as GitHub-flavoured Markdown; figures are linked from ``figures/``."""
    s = content.settings
    out = [f"# Entanglement vs loss: {s.name}", ""]
    out += [
        f"Generated {content.generated_at} from `{content.tracking_uri}`, experiment(s) "
        f"{', '.join(f'`{e}`' for e in s.experiments)}, filter `{s.filter or '(none)'}`.",
        "",
    ]
    for paragraph in _intro(content):
        out += [paragraph, ""]
    if content.heatmap is not None:
        out += [f"![{content.heatmap.caption}](figures/{content.heatmap.filename})", ""]
    out += ["## Summary", ""]
    out += _md_table(*summary_table(content.summary, s))
    out += ["", "### Every method (mean correlation over seeds)", ""]
    out += _md_table(*methods_table(content.summary, s))
    out += [""]
    for section in content.sections:
        out += [f"## {section.label}", "", section.prose.intro, ""]
        out += [f"- {item}" for item in section.prose.items]
        out += ["", f"*{section.prose.caveats}*", ""]
        for figure in section.figures:
            out += [f"![{figure.caption}](figures/{figure.filename})", ""]
    out += ["## Data quality", ""]
    out += _md_quality(content.data_quality)
    out += ["", "## Files", ""]
    out += [f"- `{name}`" for name in content.files]
    return "\n".join(out) + "\n"


def _md_quality(quality: pd.DataFrame) -> list[str]:
    counts = quality_counts(quality)
    if not counts:
        return ["No problem found: every run has every metric, equal epochs and no NaN."]
    out = ["Findings: " + ", ".join(f"{kind} ({n})" for kind, n in counts) + ".", ""]
    out += _md_table(["Kind", "Group", "Run", "Seed", "Detail"], _quality_rows(quality))
    if len(quality) > MAX_QUALITY_ROWS:
        out += ["", f"First {MAX_QUALITY_ROWS} of {len(quality)} shown; see data_quality.csv."]
    return out


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(_md_cell(h) for h in header) + " |"]
    lines.append("|" + "---|" * len(header))
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return lines


_CSS = """
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


def _img(figure: FigureFile) -> str:
    data = base64.b64encode(figure.png).decode("ascii")
    caption = html.escape(figure.caption)
    return (
        f'<figure><img alt="{caption}" src="data:image/png;base64,{data}">'
        f"<figcaption>{caption}</figcaption></figure>"
    )


def _html_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    return f'<div class="scroll">{table}</div>'


def render_html(content: ReportContent) -> str:
    """The report as one self-contained HTML page."""
    s = content.settings
    esc = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Entanglement vs loss: {esc(s.name)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>Entanglement vs loss: {esc(s.name)}</h1>",
        f'<p class="meta">Generated {esc(content.generated_at)} from '
        f"<code>{esc(content.tracking_uri)}</code>, experiment(s) "
        f"{', '.join(f'<code>{esc(e)}</code>' for e in s.experiments)}, filter "
        f"<code>{esc(s.filter or '(none)')}</code>.</p>",
    ]
    parts += [f"<p>{esc(p)}</p>" for p in _intro(content)]
    if content.heatmap is not None:
        parts.append(_img(content.heatmap))
    parts += ['<h2 id="summary">Summary</h2>', _html_table(*summary_table(content.summary, s))]
    parts += ["<h3>Every method (mean correlation over seeds)</h3>"]
    parts.append(_html_table(*methods_table(content.summary, s)))
    for index, section in enumerate(content.sections):
        parts.append(f'<h2 id="group-{index}">{esc(section.label)}</h2>')
        parts.append(f"<p>{esc(section.prose.intro)}</p><ul>")
        parts += [f"<li>{esc(item)}</li>" for item in section.prose.items]
        parts.append(f'</ul><p class="caveat">{esc(section.prose.caveats)}</p>')
        parts += [_img(f) for f in section.figures]
    parts.append('<h2 id="data-quality">Data quality</h2>')
    counts = quality_counts(content.data_quality)
    if not counts:
        parts.append(
            "<p>No problem found: every run has every metric, equal epochs and no NaN.</p>"
        )
    else:
        parts.append(
            "<p>Findings: " + esc(", ".join(f"{kind} ({n})" for kind, n in counts)) + ".</p>"
        )
        parts.append(
            _html_table(
                ["Kind", "Group", "Run", "Seed", "Detail"], _quality_rows(content.data_quality)
            )
        )
        if len(content.data_quality) > MAX_QUALITY_ROWS:
            parts.append(
                f"<p>First {MAX_QUALITY_ROWS} of {len(content.data_quality)} shown; "
                "see data_quality.csv.</p>"
            )
    parts.append('<h2 id="files">Files</h2><ul>')
    parts += [f"<li><code>{esc(name)}</code></li>" for name in content.files]
    parts.append("</ul></body></html>")
    return "\n".join(parts) + "\n"
