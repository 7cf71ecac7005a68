"""Figures of the report, rendered off-screen to PNG bytes.

Uses :class:`matplotlib.figure.Figure` with the Agg canvas directly (no pyplot state), so it
needs no display and leaves no figures open.
"""

from __future__ import annotations

import io
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
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from qml_entanglement.compare.names import METHOD_SYMBOLS, display_name
from qml_entanglement.compare.summary import column
from qml_entanglement.compare.trends import mean_curve

PANEL_WIDTH = 3.3
PANEL_HEIGHT = 2.6
MAX_COLUMNS = 4
MAX_SEED_LINES = 30


def to_png(figure: Figure, dpi: int) -> bytes:
    """Render *figure* to PNG bytes."""
    buffer = io.BytesIO()
    FigureCanvasAgg(figure)
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def _title(label: str, what: str) -> str:
    return "\n".join(textwrap.wrap(label, 90) + [what])


def _grid(n_panels: int, *, colorbar: bool = False) -> tuple[Figure, list]:
    """A grid of panels with fixed margins (constrained layout would double the draw time)."""
    columns = min(n_panels, MAX_COLUMNS)
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
        wspace=0.35,
        hspace=0.55,
    )
    axes = figure.subplots(rows, columns, squeeze=False).ravel().tolist()
    for extra in axes[n_panels:]:
        extra.set_visible(False)
    for axis in axes[:n_panels]:
        # few ticks: tick layout is half the drawing time of these small panels
        axis.xaxis.set_major_locator(MaxNLocator(4))
        axis.yaxis.set_major_locator(MaxNLocator(4))
        axis.tick_params(labelsize=7)
    return figure, axes[:n_panels]


def trajectories(
    frames: Sequence[pd.DataFrame], metrics: Sequence[str], loss_metric: str, title: str, dpi: int
) -> bytes:
    """Loss and each metric against epoch: mean over seeds with a +-1 standard deviation band.

    *frames* are the runs' histories (index epoch). Individual seeds are drawn as faint lines
    when there are at most 30 of them.
    """
    panels = [loss_metric, *metrics]
    figure, axes = _grid(len(panels))
    for axis, metric in zip(axes, panels, strict=True):
        having = [f for f in frames if metric in f.columns]
        if len(having) <= MAX_SEED_LINES:
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
        axis.set_title(f"{display_name(metric)} (n={len(having)})", fontsize=9)
        axis.set_xlabel("epoch", fontsize=8)
    what = "mean over seeds (line), ±1 s.d. (band), each seed (grey)"
    figure.suptitle(_title(title, what), fontsize=9)
    return to_png(figure, dpi)


def metric_vs_loss(
    frames: Sequence[pd.DataFrame], metrics: Sequence[str], loss_metric: str, title: str, dpi: int
) -> bytes:
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
            )
        axis.set_xlabel(display_name(loss_metric), fontsize=8)
        axis.set_ylabel(display_name(metric), fontsize=8)
    if scatter is not None:
        right = figure.subplotpars.right
        bar = figure.colorbar(scatter, cax=figure.add_axes((right + 0.02, 0.2, 0.015, 0.6)))
        bar.set_label("epoch", fontsize=8)
        bar.ax.tick_params(labelsize=7)
    figure.suptitle(_title(title, "each metric against the loss (colour: epoch)"), fontsize=9)
    return to_png(figure, dpi)


@dataclass(frozen=True)
class GroupPlotJob:
    """What one group's figures need; small and picklable, for a worker process."""

    title: str
    frames: tuple[pd.DataFrame, ...]
    metrics: tuple[str, ...]
    loss_metric: str
    dpi: int


def group_figures(job: GroupPlotJob) -> tuple[bytes, bytes | None]:
    """The trajectories figure and (if the group has metrics) the metric-vs-loss figure."""
    first = trajectories(job.frames, job.metrics, job.loss_metric, job.title, job.dpi)
    if not job.metrics:
        return first, None
    return first, metric_vs_loss(job.frames, job.metrics, job.loss_metric, job.title, job.dpi)


def render_groups(
    jobs: Sequence[GroupPlotJob], workers: int = 0
) -> list[tuple[bytes, bytes | None]]:
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


def heatmap(summary: pd.DataFrame, method: str, dpi: int) -> bytes:
    """Mean correlation with the loss, groups x metrics, raw and differenced side by side."""
    groups = list(dict.fromkeys(summary["group"]))
    metrics = sorted(set(summary["metric"]))
    width = max(4.5, 1.0 + 0.9 * len(metrics)) * 2
    height = max(2.2, 1.2 + 0.32 * len(groups))
    figure = Figure(figsize=(width, height), layout="constrained")
    axes = figure.subplots(1, 2, squeeze=False).ravel()
    image = None
    for axis, series in zip(axes, ("raw", "diff"), strict=True):
        table = summary.pivot_table(
            index="group", columns="metric", values=column(method, series, "mean"), dropna=False
        ).reindex(index=groups, columns=metrics)
        values = table.to_numpy(dtype=float)
        axis.set_facecolor("0.85")  # NaN cells (undefined correlation) show as grey
        image = axis.imshow(
            np.ma.masked_invalid(values), cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto"
        )
        if values.size <= 400:
            for (i, j), value in np.ndenumerate(values):
                if np.isfinite(value):
                    axis.text(
                        j,
                        i,
                        f"{value:.2f}",
                        ha="center",
                        va="center",
                        fontsize=7,
                        color="white" if abs(value) > 0.6 else "black",
                    )
        axis.set_xticks(
            range(len(metrics)),
            [display_name(m) for m in metrics],
            rotation=30,
            ha="right",
            fontsize=7,
        )
        axis.set_yticks(
            range(len(groups)), groups if series == "raw" else [""] * len(groups), fontsize=7
        )
        axis.set_title("raw series" if series == "raw" else "first differences", fontsize=9)
    if image is not None:
        bar = figure.colorbar(image, ax=axes.tolist(), shrink=0.9)
        bar.set_label(f"mean {METHOD_SYMBOLS[method]} with loss", fontsize=8)
    figure.suptitle(
        f"Mean {METHOD_SYMBOLS[method]} between each metric and the loss, over seeds", fontsize=9
    )
    return to_png(figure, dpi)
