"""Per-run figures: the loss and each entanglement metric against epoch and against the loss.

Titles name the run (its name carries the model, the data set and every overridden value, the
seed included); axes carry units from :mod:`qml_entanglement.metrics.catalogue` and the loss
function's name. Each figure is written as PNG, SVG and PDF
(:mod:`qml_entanglement.figure_output`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from qml_entanglement.figure_output import FORMATS, figure_style, render
from qml_entanglement.metrics.catalogue import axis_label, label

SIZE = (5.0, 3.4)  # inches
DPI = 110  # PNG (the vector formats are for print)


@dataclass(frozen=True)
class _Style:
    run: str  # the run's name, the figures' second title line
    loss_label: str
    formats: tuple[str, ...]

    def axis(self, metric: str) -> str:
        return self.loss_label if metric == "loss" else axis_label(metric)

    def title(self, what: str) -> str:
        return f"{what}\n{self.run}" if self.run else what


def plot_history(
    history: pd.DataFrame,
    metrics: tuple[str, ...],
    out_dir: Path,
    *,
    title: str = "",
    loss_name: str | None = None,
    formats: tuple[str, ...] = FORMATS,
) -> list[Path]:
    """Write ``loss_vs_epoch`` and, per entanglement metric, ``<m>_vs_epoch`` and
    ``<m>_vs_loss`` (points coloured by epoch), each as ``.png``, ``.svg`` and ``.pdf``;
    return the paths. ``title`` names the run, ``loss_name`` the loss function; ``formats``
    chooses among PNG, SVG and PDF."""
    out_dir.mkdir(parents=True, exist_ok=True)
    loss_label = axis_label("loss") + (f" ({loss_name.replace('_', ' ')})" if loss_name else "")
    style = _Style(title, loss_label, tuple(formats))
    paths = []
    with figure_style():
        paths += _line(history, "loss", out_dir, style)
        for metric in metrics:
            if metric in history:
                paths += _line(history, metric, out_dir, style)
                paths += _versus_loss(history, metric, out_dir, style)
    return paths


def _line(history: pd.DataFrame, metric: str, out_dir: Path, style: _Style) -> list[Path]:
    fig = Figure(figsize=SIZE, layout="constrained")
    ax = fig.subplots()
    ax.plot(history["epoch"], history[metric], color="tab:blue")
    std = f"{metric}_std"
    if std in history:
        lo, hi = history[metric] - history[std], history[metric] + history[std]
        ax.fill_between(
            history["epoch"], lo, hi, alpha=0.2, color="tab:blue", label="±1 sd over samples"
        )
        ax.legend(loc="best")
    ax.set(
        xlabel="epoch", ylabel=style.axis(metric), title=style.title(f"{label(metric)} vs epoch")
    )
    return render(fig, DPI, style.formats).write(out_dir / f"{metric}_vs_epoch")


def _versus_loss(history: pd.DataFrame, metric: str, out_dir: Path, style: _Style) -> list[Path]:
    fig = Figure(figsize=SIZE, layout="constrained")
    ax = fig.subplots()
    points = ax.scatter(history["loss"], history[metric], c=history["epoch"], cmap="viridis", s=12)
    fig.colorbar(points, ax=ax, label="epoch")
    ax.set(
        xlabel=style.axis("loss"),
        ylabel=style.axis(metric),
        title=style.title(f"{label(metric)} vs loss"),
    )
    return render(fig, DPI, style.formats).write(out_dir / f"{metric}_vs_loss")
