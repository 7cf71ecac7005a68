"""The comparison report as data: the blocks of :mod:`qml_entanglement.report` built from
the stage's results (tables of numbers formatted for reading, prose, figures). The one
renderer of :mod:`qml_entanglement.report.render` draws it as ``report.md`` and
``report.html``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from qml_entanglement.analysis.statistics import METHOD_SYMBOLS
from qml_entanglement.compare.narrative import GroupProse
from qml_entanglement.compare.settings import CompareSettings
from qml_entanglement.metrics.catalogue import label
from qml_entanglement.report import Block, Bullets, Figure, Report, Section, Table, Text

MAX_QUALITY_ROWS = 200
TITLE = "Entanglement vs loss"


@dataclass(frozen=True)
class GroupSection:
    """Everything the report shows for one group."""

    label: str
    n_runs: int
    prose: GroupProse
    figures: Sequence[Figure]


@dataclass(frozen=True)
class ReportContent:
    """What the comparison found, ready to be shown."""

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
    overview: Sequence[Figure] = field(default_factory=tuple)  # heatmap, then by key
    notes: Sequence[str] = field(default_factory=tuple)  # more findings (e.g. trainability)


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


def summary_table(summary: pd.DataFrame, settings: CompareSettings) -> Table:
    """The main summary table (primary method, raw and differenced)."""
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
        return Table(header, rows)
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
    return Table(header, rows)


def methods_table(summary: pd.DataFrame, settings: CompareSettings) -> Table:
    """The every-method table: mean correlation, raw and differenced."""
    header = ["Group", "Metric"]
    for method in settings.methods:
        for series in ("raw", "diff"):
            header.append(f"{METHOD_SYMBOLS[method]} {series}")
    rows = []
    if summary.empty:
        return Table(header, rows)
    for (group, metric), frame in summary.groupby(["group", "metric"], sort=False):
        cells = [group, label(str(metric))]
        means = {(r.method, r.series): r.mean for r in frame.itertuples()}
        for method in settings.methods:
            for series in ("raw", "diff"):
                cells.append(_num(means.get((method, series), math.nan)))
        rows.append(cells)
    return Table(header, rows)


def controls_table(controls: pd.DataFrame, level: float) -> Table:
    """The entangling-vs-control table."""
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
    return Table(header, rows)


def quality_counts(quality: pd.DataFrame) -> list[tuple[str, int]]:
    """Number of findings of each kind, most frequent first."""
    if quality.empty:
        return []
    return [(str(k), int(v)) for k, v in quality["kind"].value_counts().items()]


def _quality_blocks(quality: pd.DataFrame) -> list[Block]:
    counts = quality_counts(quality)
    if not counts:
        return [Text("No problem found: every run has every metric, equal epochs and no NaN.")]
    rows = [
        [r.kind, r.group, r.run_id[:12], str(r.seed), r.detail]
        for r in quality.head(MAX_QUALITY_ROWS).itertuples()
    ]
    blocks: list[Block] = [
        Text("Findings: " + ", ".join(f"{kind} ({n})" for kind, n in counts) + "."),
        Table(["Kind", "Group", "Run", "Seed", "Detail"], rows),
    ]
    if len(quality) > MAX_QUALITY_ROWS:
        blocks.append(
            Text(f"First {MAX_QUALITY_ROWS} of {len(quality)} shown; see data_quality.csv.")
        )
    return blocks


def _method_text(content: ReportContent) -> list[str]:
    s = content.settings
    symbol = METHOD_SYMBOLS[s.primary_method]
    grouping = (
        "one group per configuration (every logged setting that differs, except seeds), so "
        "only seeds are pooled"
        if s.group_keys is None
        else f"groups by {', '.join(s.group_keys) or 'nothing'} (user-chosen)"
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


def _group_section(index: int, section: GroupSection) -> Section:
    blocks: list[Block] = [Text(section.prose.intro), Bullets(list(section.prose.items))]
    return Section(section.label, [*blocks, *section.figures], anchor=f"group-{index}")


def _tables(content: ReportContent) -> list[Block]:
    s = content.settings
    blocks: list[Block] = [Section("Summary", [summary_table(content.summary, s)], "summary")]
    if not content.controls.empty:
        table = controls_table(content.controls, s.ci.level)
        blocks.append(Section("Against the no-entangler control", [table], "controls"))
    every = methods_table(content.summary, s)
    blocks.append(Section("Every method (mean correlation over seeds)", [every], level=3))
    return blocks


def comparison_report(content: ReportContent, tables: dict[str, pd.DataFrame]) -> Report:
    """The report: where the runs came from, the headline, how to read it, caveats, overview
    figures, the tables, a section per group, data quality and the files beside it."""
    s = content.settings
    experiments = ", ".join(f"`{e}`" for e in s.experiments)
    blocks: list[Block] = [
        Text(
            f"Generated {content.generated_at} from `{content.tracking_uri}`, experiment(s) "
            f"{experiments}, filter `{s.filter or '(none)'}`.",
            "meta",
        ),
        Text(content.headline, "strong"),
        *(Text(p) for p in [*content.notes, *_method_text(content)]),
        Section("Caveats", [Bullets(list(content.caveats), "caveat")], "caveats"),
        *content.overview,
        *_tables(content),
        *(_group_section(i, section) for i, section in enumerate(content.sections)),
        Section("Data quality", _quality_blocks(content.data_quality), "data-quality"),
    ]
    report = Report(f"{TITLE}: {s.name}", blocks, tables)
    files = Section("Files", [Bullets(report.file_names(), "code")], "files")
    return Report(report.title, [*blocks, files], tables)
