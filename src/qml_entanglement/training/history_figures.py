"""Per-run plots: loss and entanglement against epoch and against loss."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from qml_entanglement.metrics.catalogue import axis_label, label  # noqa: E402


def plot_history(history: pd.DataFrame, metrics: tuple[str, ...], out_dir: Path) -> list[Path]:
    """Write ``loss_vs_epoch.png`` and, per entanglement metric, ``<m>_vs_epoch.png`` and
    ``<m>_vs_loss.png`` (points coloured by epoch); return the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [_line(history, "loss", out_dir)]
    for metric in metrics:
        if metric in history:
            paths.append(_line(history, metric, out_dir))
            paths.append(_versus_loss(history, metric, out_dir))
    return paths


def _line(history: pd.DataFrame, metric: str, out_dir: Path) -> Path:
    fig, ax = plt.subplots(figsize=(5, 3.4), constrained_layout=True)
    ax.plot(history["epoch"], history[metric], color="tab:blue")
    std = f"{metric}_std"
    if std in history:
        lo, hi = history[metric] - history[std], history[metric] + history[std]
        ax.fill_between(
            history["epoch"], lo, hi, alpha=0.2, color="tab:blue", label="±1 sd over samples"
        )
        ax.legend(loc="best", fontsize=8)
    ax.set(xlabel="epoch", ylabel=axis_label(metric), title=f"{label(metric)} vs epoch")
    path = out_dir / f"{metric}_vs_epoch.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _versus_loss(history: pd.DataFrame, metric: str, out_dir: Path) -> Path:
    fig, ax = plt.subplots(figsize=(5, 3.4), constrained_layout=True)
    points = ax.scatter(history["loss"], history[metric], c=history["epoch"], cmap="viridis", s=12)
    fig.colorbar(points, ax=ax, label="epoch")
    ax.set(xlabel=axis_label("loss"), ylabel=axis_label(metric), title=f"{label(metric)} vs loss")
    path = out_dir / f"{metric}_vs_loss.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
