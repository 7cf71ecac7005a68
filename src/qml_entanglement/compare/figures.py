"""Figures of the report, rendered off-screen to PNG, SVG and PDF bytes.

Uses :class:`matplotlib.figure.Figure` directly (no pyplot state), so it needs no display and
leaves no figures open. Axis labels and units come from :mod:`qml_entanglement.metrics.catalogue`;
dense point clouds are rasterised inside the vector formats to keep them small.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import textwrap
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from qml_entanglement.analysis.statistics import METHOD_SYMBOLS
from qml_entanglement.analysis.trends import mean_curve
from qml_entanglement.figure_output import (  # noqa: F401 (FORMATS, Rendered re-exported)
    FORMATS,
    Rendered,
    figure_style,
    render,
    styled,
)
from qml_entanglement.metrics.catalogue import axis_label, label

PANEL_WIDTH = 3.3
PANEL_HEIGHT = 2.6
MAX_COLUMNS = 4
MAX_SEED_LINES = 30


def _title(label: str, what: str) -> str:
    return "\n".join(textwrap.wrap(label, 90) + [what])


def _columns(n_panels: int) -> int:
    """Columns for *n_panels* (at most :data:`MAX_COLUMNS`): the fewest empty places in the
    last row, then the most columns (5 panels: 3 + 2; 7: 4 + 3; 8: 4 + 4)."""
    if n_panels <= MAX_COLUMNS:
        return max(n_panels, 1)
    return min(range(2, MAX_COLUMNS + 1), key=lambda c: (-n_panels % c, -c))


def _grid(n_panels: int, *, colorbar: bool = False) -> tuple[Figure, list]:
    """A grid of *n_panels* panels with fixed margins (constrained layout would double the
    draw time); a shorter last row is centred, so no empty panel is drawn or left as a hole."""
    columns = _columns(n_panels)
    rows = math.ceil(n_panels / columns)
    bar = 0.9 if colorbar else 0.0
    width = PANEL_WIDTH * columns + bar
    height = PANEL_HEIGHT * rows + 0.6
    figure = Figure(figsize=(width, height))
    figure.subplots_adjust(
        left=0.6 / width,
        right=1 - (0.15 + bar) / width,
        bottom=0.5 / height,
        top=1 - 0.75 / height,
        wspace=0.35 * 2,  # half-columns: the gap between panels stays as before
        hspace=0.55,
    )
    grid = figure.add_gridspec(rows, 2 * columns)
    last = n_panels - (rows - 1) * columns
    axes = []
    for index in range(n_panels):
        row, column = divmod(index, columns)
        start = 2 * column + (columns - last if row == rows - 1 else 0)
        axis = figure.add_subplot(grid[row, start : start + 2])
        # few ticks: tick layout is half the drawing time of these small panels
        axis.xaxis.set_major_locator(MaxNLocator(4))
        axis.yaxis.set_major_locator(MaxNLocator(4))
        axis.tick_params(labelsize=7)
        axes.append(axis)
    return figure, axes


def metric_axis(metric: str, loss_metric: str, loss_name: str | None) -> str:
    """The axis label of *metric*, naming the loss function on a loss axis
    (``training loss (sigmoid estimate)``)."""
    text = axis_label(metric)
    if loss_name and metric in (loss_metric, "test_loss"):
        return f"{text} ({loss_name})"
    return text


ACCURACIES = ("train_accuracy", "test_accuracy")


@styled
def trajectories(
    frames: Sequence[pd.DataFrame],
    metrics: Sequence[str],
    loss_metric: str,
    title: str,
    dpi: int,
    loss_name: str | None = None,
) -> Rendered:
    """Loss, accuracies and each metric against epoch: mean over seeds with a +-1 s.d. band
    (one seed: its curve, no band; the caption says which).

    *frames* are the runs' histories (index epoch). Individual seeds are drawn as faint lines
    when there are 2 to 30 of them.
    """
    accuracies = [a for a in ACCURACIES if any(a in f.columns for f in frames)]
    panels = [loss_metric, *accuracies, *metrics]
    figure, axes = _grid(len(panels))
    for axis, metric in zip(axes, panels, strict=True):
        having = [f for f in frames if metric in f.columns]
        if 1 < len(having) <= MAX_SEED_LINES:
            segments = [
                np.column_stack([f.index.to_numpy(dtype=float), f[metric].to_numpy()])
                for f in having
            ]
            axis.add_collection(LineCollection(segments, colors="0.6", linewidths=0.6, alpha=0.6))
            axis.autoscale_view()
        curve = mean_curve(having, metric)
        if not curve.empty:
            epochs = curve.index.to_numpy()
            mean = curve["mean"].to_numpy(dtype=float)
            spread = np.nan_to_num(curve["std"].to_numpy(dtype=float))
            color = "C3" if metric == loss_metric else "C0"
            axis.fill_between(epochs, mean - spread, mean + spread, color=color, alpha=0.25, lw=0)
            axis.plot(epochs, mean, color=color, lw=1.6)
        axis.set_title(f"{label(metric)} (n={len(having)})", fontsize=9)
        axis.set_ylabel(metric_axis(metric, loss_metric, loss_name), fontsize=7)
        axis.set_xlabel("epoch", fontsize=8)
    if len(frames) == 1:
        what = "one seed: its curve (no band: a spread needs two seeds or more)"
    elif len(frames) <= MAX_SEED_LINES:
        what = "mean over seeds (line), ±1 s.d. (band), each seed (grey)"
    else:
        what = "mean over seeds (line), ±1 s.d. (band)"
    figure.suptitle(_title(title, what), fontsize=9)
    return render(figure, dpi)


@styled
def metric_vs_loss(
    frames: Sequence[pd.DataFrame],
    metrics: Sequence[str],
    loss_metric: str,
    title: str,
    dpi: int,
    loss_name: str | None = None,
) -> Rendered:
    """Each metric against the loss, every epoch of every seed, coloured by epoch."""
    figure, axes = _grid(max(len(metrics), 1), colorbar=True)
    last_epoch = max((int(f.index.max()) for f in frames), default=1)
    norm = Normalize(vmin=0, vmax=max(last_epoch, 1))
    scatter = None
    for axis, metric in zip(axes, metrics, strict=False):
        having = [f for f in frames if metric in f.columns]
        if having:
            scatter = axis.scatter(
                np.concatenate([f[loss_metric].to_numpy() for f in having]),
                np.concatenate([f[metric].to_numpy() for f in having]),
                c=np.concatenate([f.index.to_numpy() for f in having]),
                cmap="viridis",
                norm=norm,
                s=5,
                alpha=0.7,
                linewidths=0,
                rasterized=True,
            )
        axis.set_xlabel(metric_axis(loss_metric, loss_metric, loss_name), fontsize=8)
        axis.set_ylabel(axis_label(metric), fontsize=8)
    if scatter is not None:
        right = figure.subplotpars.right
        bar = figure.colorbar(scatter, cax=figure.add_axes((right + 0.02, 0.2, 0.015, 0.6)))
        bar.set_label("epoch", fontsize=8)
        bar.ax.tick_params(labelsize=7)
    figure.suptitle(_title(title, "each metric against the loss (colour: epoch)"), fontsize=9)
    return render(figure, dpi)


@dataclass(frozen=True)
class GroupPlotJob:
    """What one group's figures need; small and picklable, for a worker process."""

    title: str
    frames: tuple[pd.DataFrame, ...]
    metrics: tuple[str, ...]
    loss_metric: str
    dpi: int
    loss_name: str | None = None  # the loss function, named on the loss axis


def group_figures(job: GroupPlotJob) -> tuple[Rendered, Rendered | None]:
    """The trajectories figure and (if the group has metrics) the metric-vs-loss figure."""
    args = (job.frames, job.metrics, job.loss_metric, job.title, job.dpi, job.loss_name)
    first = trajectories(*args)
    if not job.metrics:
        return first, None
    return first, metric_vs_loss(*args)


def render_groups(
    jobs: Sequence[GroupPlotJob], workers: int = 0
) -> list[tuple[Rendered, Rendered | None]]:
    """Render every group's figures, in up to *workers* processes (0: one per CPU core).

    Matplotlib draws these small multi-panel figures at about 40 ms per panel, which dominates
    a report over hundreds of runs; groups are independent, so they are spread over forked
    processes. Forking is used only when this process runs a single thread (a fork copies
    no other thread, so a lock held elsewhere could never be released in the child) and
    avoids re-importing the caller's ``__main__``; otherwise, and for few groups, it is serial.
    """
    workers = min(workers or os.cpu_count() or 1, len(jobs))
    parallel = (
        workers > 1
        and len(jobs) >= 4
        and "fork" in multiprocessing.get_all_start_methods()
        and threading.active_count() == 1
    )
    if not parallel:
        return [group_figures(job) for job in jobs]
    context = multiprocessing.get_context("fork")
    chunk = max(1, len(jobs) // (4 * workers))
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return list(pool.map(group_figures, jobs, chunksize=chunk))


def heatmap(summary: pd.DataFrame, method: str, dpi: int) -> Rendered:
    """Mean correlation with the loss, groups x metrics, raw and differenced side by side.

    Cells whose interval over seeds spans zero are hatched; undefined cells are grey.
    """
    with figure_style(**{"axes.grid": False}):  # no grid lines across the cells
        return _heatmap(summary, method, dpi)


def _heatmap(summary: pd.DataFrame, method: str, dpi: int) -> Rendered:
    rows = summary[summary["method"] == method]
    groups = list(dict.fromkeys(rows["group"]))
    metrics = sorted(set(rows["metric"]))
    width = max(4.5, 1.0 + 0.9 * len(metrics)) * 2
    height = max(2.2, 1.2 + 0.32 * len(groups))
    figure = Figure(figsize=(width, height), layout="constrained")
    axes = figure.subplots(1, 2, squeeze=False).ravel()
    image = None
    for axis, series in zip(axes, ("raw", "diff"), strict=True):
        part = rows[rows["series"] == series]
        table = part.pivot_table(index="group", columns="metric", values="mean", dropna=False)
        table = table.reindex(index=groups, columns=metrics)
        low = part.pivot_table(index="group", columns="metric", values="ci_low", dropna=False)
        high = part.pivot_table(index="group", columns="metric", values="ci_high", dropna=False)
        low = low.reindex(index=groups, columns=metrics).to_numpy(dtype=float)
        high = high.reindex(index=groups, columns=metrics).to_numpy(dtype=float)
        values = table.to_numpy(dtype=float)
        axis.set_facecolor("0.85")  # NaN cells (undefined correlation) show as grey
        image = axis.imshow(
            np.ma.masked_invalid(values), cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto"
        )
        if values.size <= 400:
            for (i, j), value in np.ndenumerate(values):
                if np.isfinite(value):
                    clear = (low[i, j] > 0) or (high[i, j] < 0)
                    axis.text(
                        j,
                        i,
                        f"{value:.2f}" + ("" if clear else "?"),
                        ha="center",
                        va="center",
                        fontsize=7,
                        color="white" if abs(value) > 0.6 else "black",
                    )
        axis.set_xticks(
            range(len(metrics)),
            [label(m) for m in metrics],
            rotation=30,
            ha="right",
            fontsize=7,
        )
        axis.set_yticks(
            range(len(groups)), groups if series == "raw" else [""] * len(groups), fontsize=7
        )
        axis.set_title("raw curves" if series == "raw" else "first differences", fontsize=9)
    if image is not None:
        bar = figure.colorbar(image, ax=axes.tolist(), shrink=0.9)
        bar.set_label(f"mean {METHOD_SYMBOLS[method]} with loss", fontsize=8)
    figure.suptitle(
        f"Mean {METHOD_SYMBOLS[method]} between each metric and the loss over seeds "
        "(?: interval includes zero)",
        fontsize=9,
    )
    return render(figure, dpi)


@styled
def overlay_by_value(
    frames_by_value: dict[str, Sequence[pd.DataFrame]],
    metrics: Sequence[str],
    key: str,
    dpi: int,
    loss_metric: str = "loss",
    loss_name: str | None = None,
) -> Rendered:
    """Each metric against epoch, one line (mean over runs, ±1 s.e. band) per value of *key*;
    a value with one run has no band, and the caption says so.

    Runs sharing a value of *key* are averaged whatever their other settings, so this is the
    marginal effect of *key*; the per-group figures keep configurations apart.
    """
    figure, axes = _grid(len(metrics))
    for axis, metric in zip(axes, metrics, strict=True):
        for index, (value, frames) in enumerate(frames_by_value.items()):
            curve = mean_curve(frames, metric)
            if curve.empty:
                continue
            epochs = curve.index.to_numpy()
            mean = curve["mean"].to_numpy(dtype=float)
            sem = np.nan_to_num(
                curve["std"].to_numpy(dtype=float) / np.sqrt(curve["n"].to_numpy(dtype=float))
            )
            color = f"C{index % 10}"
            axis.fill_between(epochs, mean - sem, mean + sem, color=color, alpha=0.2, lw=0)
            axis.plot(epochs, mean, color=color, lw=1.4, label=f"{value} (n={len(frames)})")
        axis.set_title(label(metric), fontsize=9)
        axis.set_ylabel(metric_axis(metric, loss_metric, loss_name), fontsize=7)
        axis.set_xlabel("epoch", fontsize=8)
    axes[0].legend(fontsize=6, title=key, title_fontsize=7)
    sizes = [len(frames) for frames in frames_by_value.values()]
    if max(sizes) == 1:
        what = "one run per value (line; no band: a spread needs two runs or more)"
    elif min(sizes) == 1:
        what = "mean over every run with that value (line), ±1 s.e. (band, where n > 1)"
    else:
        what = "mean over every run with that value (line), ±1 s.e. (band)"
    figure.suptitle(f"By {key}: {what}", fontsize=9)
    return render(figure, dpi)


@styled
def correlation_vs_value(
    summary: pd.DataFrame, column_name: str, key: str, method: str, dpi: int
) -> Rendered:
    """Mean correlation with the loss (and its interval over seeds) against a numeric key.

    One panel per series (raw, differences); one colour per metric; each point is a group.
    """
    rows = summary[(summary["method"] == method) & (summary["relation"] == "")]
    figure, axes = _grid(2)
    metrics = sorted(set(rows["metric"]))
    for axis, series in zip(axes, ("raw", "diff"), strict=True):
        part = rows[rows["series"] == series]
        for index, metric in enumerate(metrics):
            sub = part[part["metric"] == metric]
            x = pd.to_numeric(sub[column_name], errors="coerce").to_numpy(dtype=float)
            y = sub["mean"].to_numpy(dtype=float)
            low = (
                sub["ci_low"].to_numpy(dtype=float) if "ci_low" in sub else np.full_like(y, np.nan)
            )
            high = sub["ci_high"].to_numpy(dtype=float) if "ci_high" in sub else low
            error = np.vstack([np.nan_to_num(y - low), np.nan_to_num(high - y)])
            offset = (index - (len(metrics) - 1) / 2) * 0.01 * (np.nanmax(x) - np.nanmin(x) or 1)
            axis.errorbar(
                x + offset,
                y,
                yerr=error,
                fmt="o",
                ms=3,
                capsize=2,
                color=f"C{index % 10}",
                label=label(metric),
            )
        axis.axhline(0, color="0.5", lw=0.6)
        axis.set_ylim(-1.05, 1.05)
        axis.set_xlabel(key, fontsize=8)
        axis.set_ylabel(f"{METHOD_SYMBOLS[method]} with loss", fontsize=8)
        axis.set_title("raw curves" if series == "raw" else "first differences", fontsize=9)
    axes[0].legend(fontsize=6)
    figure.suptitle(
        f"Correlation with the loss against {key}: mean over seeds, {METHOD_SYMBOLS[method]}, "
        "interval over seeds",
        fontsize=9,
    )
    return render(figure, dpi)
