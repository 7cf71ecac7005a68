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

from qml_entanglement.compare.figures import Rendered
from qml_entanglement.compare.narrative import GroupProse
from qml_entanglement.compare.settings import CompareSettings
from qml_entanglement.compare.statistics import METHOD_SYMBOLS
from qml_entanglement.metrics.catalogue import label

MAX_QUALITY_ROWS = 200


@dataclass(frozen=True)
class FigureFile:
    """A rendered figure: file stem under ``figures/`` (``.png``, ``.svg``, ``.pdf``), caption."""

    stem: str
    caption: str
    rendered: Rendered

    @property
    def png_name(self) -> str:
        """The PNG's file name (what the Markdown links to)."""
        return f"{self.stem}.png"


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
    headline: str
    caveats: Sequence[str]
    summary: pd.DataFrame
    controls: pd.DataFrame
    sections: Sequence[GroupSection]
    data_quality: pd.DataFrame
    heatmap: FigureFile | None = None
    comparisons: Sequence[FigureFile] = field(default_factory=tuple)
    files: Sequence[str] = field(default_factory=tuple)
    notes: Sequence[str] = field(default_factory=tuple)  # more findings (e.g. trainability)

    @property
    def figures(self) -> list[FigureFile]:
        """Every figure of the report."""
        out = [self.heatmap] if self.heatmap else []
        return out + list(self.comparisons) + [f for s in self.sections for f in s.figures]


def _num(value: object, digits: int = 2) -> str:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)
    return "–" if not math.isfinite(number) else f"{number:+.{digits}f}"


def _mean_ci(row: pd.Series) -> str:
    mean = float(row.get("mean", math.nan))
    low = float(row.get("ci_low", math.nan))
    high = float(row.get("ci_high", math.nan))
    if not math.isfinite(mean):
        return "undefined"
    if not math.isfinite(low):
        return f"{mean:+.2f}"
    mark = "" if (low > 0 or high < 0) else " (spans 0)"
    return f"{mean:+.2f} [{low:+.2f}, {high:+.2f}]{mark}"


def _relation(row: pd.Series) -> str:
    kind = str(row.get("relation", "") or "")
    if not kind:
        return ""
    return "identity with loss" if kind == "identity" else f"redundant with {row['related_to']}"


def summary_table(summary: pd.DataFrame, settings: CompareSettings) -> tuple[list, list]:
    """Header and rows of the main summary table (primary method, raw and differenced)."""
    symbol = METHOD_SYMBOLS[settings.primary_method]
    level = f"{settings.ci.level:.0%}"
    header = [
        "Group",
        "Metric",
        "Seeds",
        f"{symbol} raw, mean [{level} CI]",
        f"{symbol} diff, mean [{level} CI]",
        f"Seeds for ±{settings.ci.target_half_width:g}",
        "n_eff (raw, median)",
        f"Change from step 0 [{level} CI]",
        "Note",
    ]
    rows = []
    if summary.empty:
        return header, rows
    primary = summary[summary["method"] == settings.primary_method]
    for (group, metric), frame in primary.groupby(["group", "metric"], sort=False):
        raw = frame[frame["series"] == "raw"].iloc[0]
        diff = frame[frame["series"] == "diff"].iloc[0]
        change = _num(raw.get("change_mean", math.nan), 3)
        if math.isfinite(float(raw.get("change_ci_low", math.nan))):
            change += f" [{_num(raw['change_ci_low'], 3)}, {_num(raw['change_ci_high'], 3)}]"
        need = float(raw.get("seeds_for_target", math.nan))
        rows.append(
            [
                group,
                label(str(metric)),
                str(int(raw["n_runs"])),
                _mean_ci(raw),
                _mean_ci(diff),
                "–" if not math.isfinite(need) else f"{need:.0f}",
                "–"
                if not math.isfinite(float(raw.get("n_eff_median", math.nan)))
                else f"{float(raw['n_eff_median']):.1f}",
                change,
                _relation(raw),
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
    if summary.empty:
        return header, rows
    for (group, metric), frame in summary.groupby(["group", "metric"], sort=False):
        cells = [group, label(str(metric))]
        means = {(r.method, r.series): r.mean for r in frame.itertuples()}
        for method in settings.methods:
            for series in ("raw", "diff"):
                cells.append(_num(means.get((method, series), math.nan)))
        rows.append(cells)
    return header, rows


def controls_table(controls: pd.DataFrame, level: float) -> tuple[list, list]:
    """Header and rows of the entangling-vs-control table."""
    header = [
        "Group",
        "Control (no entangler)",
        "Quantity",
        "Mean",
        "Control mean",
        f"Difference [{level:.0%} CI]",
    ]
    rows = []
    for r in controls.itertuples():
        diff = _num(r.difference, 3)
        if math.isfinite(r.ci_low):
            diff += f" [{_num(r.ci_low, 3)}, {_num(r.ci_high, 3)}]"
        rows.append(
            [r.group, r.control_group, r.quantity, f"{r.mean:.3g}", f"{r.control_mean:.3g}", diff]
        )
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


def _method_text(content: ReportContent) -> list[str]:
    s = content.settings
    symbol = METHOD_SYMBOLS[s.primary_method]
    grouping = (
        "one group per configuration (every logged setting that differs, except seeds), so "
        "only seeds are pooled"
        if s.group_by is None
        else f"groups by {', '.join(s.group_by) or 'nothing'} (user-chosen)"
    )
    return [
        f"{content.n_used} of {content.n_selected} selected runs used, {grouping}; "
        f"{len(content.sections)} group(s).",
        "How to read it: each run's entanglement metrics are correlated with its loss across "
        "epochs, on the raw curves and on their epoch-to-epoch changes (first differences; two "
        "curves that both trend correlate whatever their relation). Consecutive epochs are not "
        "independent, so each per-run p-value uses an effective number of independent epochs "
        "(n_eff, from the two series' autocorrelations) instead of the number of epochs. The "
        f"answer for a configuration is the mean {symbol} over its seeds with a "
        f"{s.ci.level:.0%} confidence interval over seeds (Fisher z, t interval): an interval "
        "that includes zero is no evidence either way. A positive correlation means the metric "
        "falls as the loss falls. "
        f"{content.n_significant} of {content.n_tests} per-run tests are significant after "
        f"Benjamini-Hochberg within each method and series (q < {s.alpha:g}); identities with "
        "the loss and redundant metrics are not counted.",
    ]


def render_markdown(content: ReportContent) -> str:
    """The report as GitHub-flavoured Markdown; figures are linked from ``figures/``."""
    s = content.settings
    out = [f"# Entanglement vs loss: {s.name}", ""]
    out += [
        f"Generated {content.generated_at} from `{content.tracking_uri}`, experiment(s) "
        f"{', '.join(f'`{e}`' for e in s.experiments)}, filter `{s.filter or '(none)'}`.",
        "",
        f"**{content.headline}**",
        "",
    ]
    for paragraph in [*content.notes, *_method_text(content)]:
        out += [paragraph, ""]
    out += ["## Caveats", ""] + [f"- {c}" for c in content.caveats] + [""]
    for figure in [content.heatmap, *content.comparisons]:
        if figure is not None:
            out += [f"![{figure.caption}](figures/{figure.png_name})", ""]
    out += ["## Summary", ""]
    out += md_table(*summary_table(content.summary, s))
    if not content.controls.empty:
        out += ["", "## Against the no-entangler control", ""]
        out += md_table(*controls_table(content.controls, s.ci.level))
    out += ["", "### Every method (mean correlation over seeds)", ""]
    out += md_table(*methods_table(content.summary, s))
    out += [""]
    for section in content.sections:
        out += [f"## {section.label}", "", section.prose.intro, ""]
        out += [f"- {item}" for item in section.prose.items]
        out += [""]
        for figure in section.figures:
            out += [f"![{figure.caption}](figures/{figure.png_name})", ""]
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
    out += md_table(["Kind", "Group", "Run", "Seed", "Detail"], _quality_rows(quality))
    if len(quality) > MAX_QUALITY_ROWS:
        out += ["", f"First {MAX_QUALITY_ROWS} of {len(quality)} shown; see data_quality.csv."]
    return out


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(_md_cell(h) for h in header) + " |"]
    lines.append("|" + "---|" * len(header))
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return lines


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


def _img(figure: FigureFile) -> str:
    data = base64.b64encode(figure.rendered.png).decode("ascii")
    caption = html.escape(figure.caption)
    return (
        f'<figure><img alt="{caption}" src="data:image/png;base64,{data}">'
        f"<figcaption>{caption}</figcaption></figure>"
    )


def html_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
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
        f"<style>{CSS}</style></head><body>",
        f"<h1>Entanglement vs loss: {esc(s.name)}</h1>",
        f'<p class="meta">Generated {esc(content.generated_at)} from '
        f"<code>{esc(content.tracking_uri)}</code>, experiment(s) "
        f"{', '.join(f'<code>{esc(e)}</code>' for e in s.experiments)}, filter "
        f"<code>{esc(s.filter or '(none)')}</code>.</p>",
    ]
    parts.append(f"<p><strong>{esc(content.headline)}</strong></p>")
    parts += [f"<p>{esc(p)}</p>" for p in [*content.notes, *_method_text(content)]]
    parts.append('<h2 id="caveats">Caveats</h2><ul class="caveat">')
    parts += [f"<li>{esc(c)}</li>" for c in content.caveats]
    parts.append("</ul>")
    parts += [_img(f) for f in [content.heatmap, *content.comparisons] if f is not None]
    parts += ['<h2 id="summary">Summary</h2>', html_table(*summary_table(content.summary, s))]
    if not content.controls.empty:
        parts.append('<h2 id="controls">Against the no-entangler control</h2>')
        parts.append(html_table(*controls_table(content.controls, s.ci.level)))
    parts += ["<h3>Every method (mean correlation over seeds)</h3>"]
    parts.append(html_table(*methods_table(content.summary, s)))
    for index, section in enumerate(content.sections):
        parts.append(f'<h2 id="group-{index}">{esc(section.label)}</h2>')
        parts.append(f"<p>{esc(section.prose.intro)}</p><ul>")
        parts += [f"<li>{esc(item)}</li>" for item in section.prose.items]
        parts.append("</ul>")
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
            html_table(
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
