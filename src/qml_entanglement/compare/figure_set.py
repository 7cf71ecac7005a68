"""Which figures the comparison report holds, named and captioned: per group its curves and
its metrics against the loss, and across groups the heatmap, every swept key's values
overlaid and the correlation against each numeric swept key (drawn by :mod:`.figures`)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from qml_entanglement.analysis.grouping import (
    Group,
    Grouping,
    determines,
    figure_keys,
    short_names,
)
from qml_entanglement.analysis.selection import MISSING
from qml_entanglement.compare import figures
from qml_entanglement.compare.settings import CompareSettings
from qml_entanglement.report import Figure


def loss_name(histories) -> str | None:
    """The loss function(s) of these runs (param ``loss.name``), for the loss axis."""
    names = sorted({h.run.params.get("loss.name") for h in histories} - {None, MISSING})
    return " / ".join(n.replace("_", " ") for n in names) or None


def safe(text: str) -> str:
    """*text* with every character that is not a letter or digit as ``_``."""
    return "".join(c if c.isalnum() else "_" for c in text)


def stems(labels: Sequence[str], prefix: str) -> list[str]:
    """File names that say what a figure shows: ``<prefix>_<group label>``, made safe and
    unique (``curves_dataset_blobs_cluster_std_0.5``)."""
    out: list[str] = []
    for text in labels:
        stem = f"{prefix}_{safe(text)}"[:100].rstrip("_")
        base, index = stem, 1
        while stem in out:
            index += 1
            stem = f"{base}_{index}"
        out.append(stem)
    return out


def _plot_job(group: Group, settings: CompareSettings) -> figures.GroupPlotJob:
    metrics = tuple(sorted({m for h in group.histories for m in h.entanglement_metrics}))
    columns = [settings.loss_metric, *figures.ACCURACIES, *metrics]
    frames = tuple(h.frame[[c for c in columns if c in h.frame.columns]] for h in group.histories)
    return figures.GroupPlotJob(
        group.label,
        frames,
        metrics,
        settings.loss_metric,
        settings.plots.dpi,
        loss_name(group.histories),
    )


def group_figures(grouping: Grouping, settings: CompareSettings) -> list[list[Figure]]:
    """Per group (in order): its curves over training and, where it has metrics, the metrics
    against the loss."""
    jobs = [_plot_job(group, settings) for group in grouping.groups]
    rendered = figures.render_groups(jobs, settings.plots.workers)
    labels = [g.label for g in grouping.groups]
    curves, versus = stems(labels, "curves"), stems(labels, "vs_loss")
    out = []
    for index, (label, (lines, scatter)) in enumerate(zip(labels, rendered, strict=True)):
        caption = f"{label}: loss, accuracy and entanglement metrics over training"
        files = [Figure(curves[index], caption, lines)]
        if scatter is not None:
            caption = f"{label}: entanglement metrics against the loss, coloured by epoch"
            files.append(Figure(versus[index], caption, scatter))
        out.append(files)
    return out


def heatmap(summary: pd.DataFrame, settings: CompareSettings) -> list[Figure]:
    """The heatmap of mean correlations (none for an empty summary)."""
    if summary.empty:
        return []
    caption = "Mean correlation with the loss over seeds, groups x metrics (raw and differenced)"
    rendered = figures.heatmap(summary, settings.primary_method, settings.plots.dpi)
    return [Figure("heatmap", caption, rendered)]


def value_labels(grouping: Grouping, key: str, names: dict[str, str]) -> dict[str, str]:
    """Legend entries for *key*'s values; ``n/a`` says what it stands for through the keys
    *key* determines (``n/a (dataset=ad_hoc)`` for ``cluster_std``)."""
    coarser = [o for o in grouping.keys if o != key and determines(grouping.groups, key, o)]
    labels = {}
    for group in grouping.groups:
        value = group.values[key]
        words = [f"{names[o]}={group.values[o]}" for o in coarser if group.values[o] != MISSING]
        labels[value] = f"{value} ({', '.join(words)})" if value == MISSING and words else value
    return labels


def is_number(value: str) -> bool:
    """Whether *value* reads as a finite number."""
    try:
        float(value)
    except ValueError:
        return False
    return value.lower() not in ("nan", "inf", "-inf")


def _numeric_first(value: str) -> tuple[int, float, str]:
    return (0, float(value), value) if is_number(value) else (1, 0.0, value)


def _panels(grouping: Grouping, settings: CompareSettings) -> list[str]:
    metrics = sorted(
        {m for g in grouping.groups for h in g.histories for m in h.entanglement_metrics}
    )
    present = {c for g in grouping.groups for h in g.histories for c in h.frame.columns}
    return [settings.loss_metric, *(a for a in figures.ACCURACIES if a in present), *metrics]


def _by_value(grouping: Grouping, key: str, short: str, settings: CompareSettings) -> Figure:
    values = sorted({g.values[key] for g in grouping.groups}, key=_numeric_first)
    shown = value_labels(grouping, key, short_names(grouping.keys))
    frames = {
        shown[v]: [h.frame for g in grouping.groups if g.values[key] == v for h in g.histories]
        for v in values
    }
    every = [h for g in grouping.groups for h in g.histories]
    rendered = figures.overlay_by_value(
        frames,
        _panels(grouping, settings),
        short,
        settings.plots.dpi,
        loss_metric=settings.loss_metric,
        loss_name=loss_name(every),
    )
    caption = (
        f"Every metric over training for each value of {short} (mean over the runs with that "
        "value, whatever their other settings)"
    )
    return Figure(f"by_{safe(short)}", caption, rendered)


def _versus_value(summary: pd.DataFrame, short: str, settings: CompareSettings) -> Figure:
    rendered = figures.correlation_vs_value(
        summary, short, short, settings.primary_method, settings.plots.dpi
    )
    caption = (
        f"Mean correlation with the loss (interval over seeds) against {short}; each point is "
        "a group"
    )
    return Figure(f"loss_correlation_vs_{safe(short)}", caption, rendered)


def comparison_figures(
    grouping: Grouping, summary: pd.DataFrame, settings: CompareSettings
) -> list[Figure]:
    """Conditions on one axis: every swept key's values overlaid, and correlation vs each
    numeric swept key; a key that another swept key determines adds no figure
    (:func:`~qml_entanglement.analysis.grouping.figure_keys`)."""
    if len(grouping.groups) < 2:
        return []
    names = short_names(grouping.keys)
    out = []
    for key in figure_keys(grouping):
        short = names[key]
        out.append(_by_value(grouping, key, short, settings))
        numeric = [v for v in {g.values[key] for g in grouping.groups} if is_number(v)]
        if len(numeric) >= 2 and not summary.empty and short in summary.columns:
            out.append(_versus_value(summary, short, settings))
    return out
