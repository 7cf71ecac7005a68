"""The write-up's figures, regenerated side by side: as published (left) vs measured correctly.

Each figure is a :class:`StudyFigure` with two panels drawn by matplotlib's object API (no
pyplot state) and rendered to PNG/SVG/PDF in the project's style
(:mod:`qml_entanglement.figure_output`).
The left panel is what the write-up's code computes (its quantity, its x axis); the right panel
is the correct quantity over every seed of the same experiment (thin lines) with their mean.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from qml_entanglement.figure_output import render, styled
from qml_entanglement.metrics.catalogue import axis_label
from qml_entanglement.report import Figure as StudyFigure
from qml_entanglement.study.claims import MEYER_WALLACH, Measured

PUBLISHED_COLOR, CORRECT_COLOR = "C1", "C0"


def _pair(
    title: str, n_runs: int, *, mean: bool = True, right: str = "measured correctly"
) -> tuple[Figure, tuple]:
    """Two panels: the write-up's quantity (left) and the correct one (right)."""
    figure = Figure(figsize=(8.6, 3.2))
    axes = figure.subplots(1, 2)
    figure.suptitle(title, fontsize=10)
    figure.subplots_adjust(left=0.09, right=0.98, bottom=0.2, top=0.78, wspace=0.32)
    left_title = "as published (the write-up's code)"
    axes[0].set_title(left_title, fontsize=9, color=PUBLISHED_COLOR, pad=12)
    axes[1].set_title(right, fontsize=9, pad=12)
    if n_runs > 1:
        legend = "seed 137 (the write-up's) bold, other seeds thin"
        figure.text(
            0.5,
            0.01,
            legend + (", mean over seeds dashed" if mean else ""),
            ha="center",
            fontsize=7,
            color="0.4",
        )
    for axis in axes:
        axis.tick_params(labelsize=7)
    return figure, axes


def _lines(axis, frames, x: str | None, y: str, color: str, faithful_first: bool = True) -> None:
    """One thin line per run, the first (the write-up's own seed) bold; mean dashed."""
    curves = []
    for index, frame in enumerate(frames):
        if y not in frame:
            continue
        data = frame[[y] + ([x] if x else [])].dropna()
        xs = data[x].to_numpy() if x else data.index.to_numpy()
        ys = data[y].to_numpy()
        bold = faithful_first and index == 0
        axis.plot(xs, ys, color=color, lw=1.6 if bold else 0.6, alpha=1.0 if bold else 0.45)
        curves.append(data[y])
    if x is None and len(curves) > 1:
        mean = pd.concat(curves, axis=1).mean(axis=1)
        axis.plot(mean.index, mean.to_numpy(), color="k", lw=1.2, ls="--", label="mean")
        axis.legend(fontsize=7, loc="best")


def _labels(axis, x: str, y: str) -> None:
    axis.set_xlabel(x, fontsize=8)
    axis.set_ylabel(y, fontsize=8)


@styled
def toy_entropy(frames: Sequence[pd.DataFrame], dpi: int) -> StudyFigure:
    figure, (left, right) = _pair("Bell toy: von Neumann entropy during training", len(frames))
    _lines(left, frames, None, "published_von_neumann_entropy", PUBLISHED_COLOR)
    _labels(left, "iteration", "entropy of the whole pure state (bits)")
    _lines(right, frames, None, "von_neumann_entropy", CORRECT_COLOR)
    _labels(right, "epoch", axis_label("von_neumann_entropy"))
    caption = (
        "Left: the write-up's 'von Neumann entropy' is that of the whole pure two-qubit state, "
        "zero up to floating-point rounding. Right: the single-qubit entanglement entropy rises "
        "monotonically towards 1 bit as the angle approaches -pi/2 (one deterministic run)."
    )
    return StudyFigure("toy_entropy", caption, render(figure, dpi))


@styled
def toy_entropy_vs_loss(frames: Sequence[pd.DataFrame], dpi: int) -> StudyFigure:
    figure, (left, right) = _pair(
        "Bell toy: von Neumann entropy against the loss", len(frames), mean=False
    )
    _lines(left, frames, "loss", "published_von_neumann_entropy", PUBLISHED_COLOR)
    _labels(left, "loss (p00 - p11)^2", "entropy of the whole pure state (bits)")
    _lines(right, frames, "loss", "von_neumann_entropy", CORRECT_COLOR)
    _labels(right, "loss (p00 - p11)^2", axis_label("von_neumann_entropy"))
    caption = (
        "The single-qubit entropy is an exact decreasing function of this toy's loss, "
        "S = h((1 + sqrt(L)) / 2): their correlation is an identity, not a finding."
    )
    return StudyFigure("toy_entropy_vs_loss", caption, render(figure, dpi))


@styled
def toy_loss(frames: Sequence[pd.DataFrame], dpi: int) -> StudyFigure:
    figure, (left, right) = _pair(
        "Bell toy: loss during training", len(frames), right="measured (log axis)"
    )
    _lines(left, frames, None, "loss", PUBLISHED_COLOR)
    _labels(left, "iteration", "loss (p00 - p11)^2")
    _lines(right, frames, None, "loss", CORRECT_COLOR)
    right.set_yscale("log")
    _labels(right, "epoch", "loss (p00 - p11)^2")
    caption = (
        "The toy's loss, one point per update in both panels: the write-up's curve is "
        "reproduced exactly (its degree-based update, checked against an independent "
        "re-computation in the tests). On a log axis (right) it falls geometrically to 0 as the "
        "angle approaches pi/2, where the state is a Bell state."
    )
    return StudyFigure("toy_loss", caption, render(figure, dpi))


@styled
def vqc_loss(
    frames: Sequence[pd.DataFrame], evaluations: pd.DataFrame | None, title: str, dpi: int
) -> StudyFigure:
    figure, (left, right) = _pair(
        f"{title}: training loss", len(frames), right="one point per epoch"
    )
    if evaluations is not None and len(evaluations):
        first = evaluations.iloc[:48]
        left.plot(first["evaluation"], first["loss"], color=PUBLISHED_COLOR, lw=1.2, marker=".")
    _labels(left, "function evaluation (first 48, the write-up's plot)", "sigmoid cost")
    _lines(right, frames, None, "loss", CORRECT_COLOR)
    _labels(right, "epoch", "sigmoid cost")
    caption = (
        "Left: one point per loss evaluation, as the write-up plotted it; each epoch evaluates "
        "the loss at theta and at theta + 1e-10 e_i for each of the 4 parameters, so the curve "
        "is flat for 5 points then steps: the 'step-like' loss is the finite-difference "
        "gradient, not the training. Right: one point per epoch."
    )
    return StudyFigure(f"{_slug(title)}_loss", caption, render(figure, dpi))


Interval = tuple[float, float, float]  # mean, low, high


def _change_band(axis, frames, column: str, change: Interval, margin: float, level: float):
    """On a Q-vs-epoch panel: the band +-margin around the mean Q at step 0 (shaded) and the
    mean Q at the end as step-0 mean + the mean change, with its interval (error bar)."""
    starts = [f[column].dropna().iloc[0] for f in frames if column in f and f[column].notna().any()]
    ends = [f[column].dropna().index[-1] for f in frames if column in f and f[column].notna().any()]
    if not starts:
        return
    start, last = float(np.mean(starts)), float(max(ends))
    mean, low, high = change
    axis.axhspan(
        start - margin,
        start + margin,
        color="0.6",
        alpha=0.25,
        lw=0,
        label=f"step-0 mean ±{margin:g} (margin)",
    )
    if np.isfinite(low) and np.isfinite(high):
        axis.errorbar(
            [last],
            [start + mean],
            yerr=[[mean - low], [high - mean]],
            color="k",
            capsize=4,
            lw=1.5,
            fmt="o",
            ms=3,
            label=f"mean change, {level:.0%} CI",
        )
    axis.legend(fontsize=6, loc="best")


@styled
def vqc_metric(
    frames: Sequence[pd.DataFrame],
    measured: Measured,
    title: str,
    dpi: int,
    change: Interval | None = None,
    margin: float | None = None,
    level: float = 0.95,
) -> StudyFigure:
    """*change* (mean change of the correct quantity with its interval) and *margin* draw the
    band."""
    correct = measured.correct.column
    figure, (left, right) = _pair(f"{title}: {measured.name} during training", len(frames))
    _lines(left, frames, None, measured.published.column, PUBLISHED_COLOR)
    _labels(left, "ADAM iteration t", measured.published_axis)
    _lines(right, frames, None, correct, CORRECT_COLOR)
    _labels(right, "epoch", axis_label(correct))
    caption = measured.explained
    if change is not None and margin is not None:
        _change_band(right, frames, correct, change, margin, level)
        caption += (
            f" Grey band: the mean {measured.symbol} at step 0 ± {margin:g} (the equivalence "
            f"margin, the size of the write-up's own change); black bar: the mean change over "
            f"training ({change[0]:.2g}) with its {level:.0%} interval ({change[1]:.2g} to "
            f"{change[2]:.2g}), drawn from the step-0 mean. Inside the band: no change as "
            "large as the write-up's."
        )
    return StudyFigure(f"{_slug(title)}_{correct}", caption, render(figure, dpi))


@styled
def vqc_metric_vs_loss(
    frames: Sequence[pd.DataFrame], measured: Measured, title: str, dpi: int
) -> StudyFigure:
    """Each seed's trajectory through (loss, quantity): published (left), correct (right)."""
    correct = measured.correct.column
    figure, (left, right) = _pair(
        f"{title}: {measured.name} against the loss", len(frames), mean=False
    )
    _lines(left, frames, "loss", measured.published.column, PUBLISHED_COLOR)
    _labels(left, "sigmoid cost", measured.published_axis)
    _lines(right, frames, "loss", correct, CORRECT_COLOR)
    _labels(right, "sigmoid cost", axis_label(correct))
    caption = (
        f"Each line is one seed's trajectory through (loss, {measured.symbol}); the left "
        "panel's quantity is the write-up's. Co-movement of two trending "
        "series is judged with per-seed correlations whose p-values use the effective sample "
        "size, pooled over seeds (see claims.csv)."
    )
    return StudyFigure(f"{_slug(title)}_{correct}_vs_loss", caption, render(figure, dpi))


@styled
def controls(
    changes: Mapping[str, Sequence[float]],
    metric: str,
    dpi: int,
    intervals: Mapping[str, Interval] | None = None,
    margin: float | None = None,
    level: float = 0.95,
) -> StudyFigure:
    """Per-seed change of *metric* over training for every variant (faithful and controls);
    with *intervals* each mean gets its interval, with *margin* the band +-margin around 0."""
    figure = Figure(figsize=(8.6, 0.9 + 0.45 * max(len(changes), 1)))
    axis = figure.subplots()
    names = list(changes)
    if margin is not None:
        axis.axvspan(-margin, margin, color="0.6", alpha=0.25, lw=0)
    for row, name in enumerate(names):
        values = np.asarray(changes[name], dtype=float)
        values = values[np.isfinite(values)]
        axis.scatter(
            values,
            np.full(len(values), row),
            s=8 if len(values) > 40 else 14,
            color=CORRECT_COLOR,
            alpha=0.5 if len(values) > 40 else 0.7,
        )
        if len(values):
            axis.plot([values.mean()] * 2, [row - 0.3, row + 0.3], color="k", lw=1.5)
        interval = (intervals or {}).get(name)
        if interval is not None and np.isfinite(interval[1]):
            axis.plot([interval[1], interval[2]], [row + 0.32] * 2, color="k", lw=2.5)
    axis.axvline(0.0, color="0.5", lw=0.8, ls=":")
    axis.set_yticks(range(len(names)), names, fontsize=7)
    axis.set_xlabel(f"change of {axis_label(metric)} from step 0 to the end", fontsize=8)
    axis.set_title(
        f"{axis_label(metric)}: change over training per seed (dots) and its mean (bar)",
        fontsize=9,
    )
    axis.tick_params(labelsize=7)
    figure.subplots_adjust(left=0.3, right=0.98, top=0.88, bottom=0.2 if len(names) < 4 else 0.14)
    caption = (
        f"Change of {axis_label(metric)} over training, one dot per seed, mean as a bar, for the "
        "faithful experiments and the controls (4 qubits, symmetric blob centres)."
    )
    if intervals:
        caption += f" Thick horizontal bar: the {level:.0%} interval of the mean change."
    if margin is not None:
        caption += (
            f" Grey band: ±{margin:g} around 0, the equivalence margin (the size of the "
            "write-up's own change of its plotted Q): an interval inside it rules out a change "
            "that large."
        )
    return StudyFigure(f"controls_{metric}", caption, render(figure, dpi))


def _slug(title: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in title.lower()).strip("_")


@styled
def change_interval(
    changes: Mapping[str, Sequence[float]],
    intervals: Mapping[str, Interval],
    margin: float,
    published_change: float,
    title: str,
    dpi: int,
    level: float = 0.95,
) -> StudyFigure:
    """One MW claim: per-seed changes (dots), the mean with its interval (bar), the
    equivalence band +-margin around 0 and the write-up's own change (dashed)."""
    names = list(changes)
    figure = Figure(figsize=(8.6, 1.2 + 0.5 * max(len(names), 1)))
    axis = figure.subplots()
    axis.axvspan(-margin, margin, color="0.6", alpha=0.3, lw=0, label=f"±{margin:g} (margin)")
    axis.axvline(
        published_change,
        color=PUBLISHED_COLOR,
        ls="--",
        lw=1.2,
        label=f"the write-up's change ({published_change:g})",
    )
    axis.axvline(0.0, color="0.5", lw=0.8, ls=":")
    widest = margin * 3
    for row, name in enumerate(names):
        values = np.asarray(changes[name], dtype=float)
        values = values[np.isfinite(values)]
        axis.scatter(values, np.full(len(values), row) + 0.15, s=6, color=CORRECT_COLOR, alpha=0.35)
        mean, low, high = intervals[name]
        if np.isfinite(low):
            axis.plot([low, high], [row - 0.15] * 2, color="k", lw=3)
            widest = max(widest, abs(low), abs(high))
        axis.plot([mean], [row - 0.15], "o", color="k", ms=4)
    axis.set_xlim(-1.3 * widest, 1.3 * widest)  # seeds far out are clipped; the CI is not
    axis.set_yticks(range(len(names)), names, fontsize=7)
    axis.set_xlabel(f"change of {MEYER_WALLACH.name} from step 0 to the end", fontsize=8)
    axis.set_title(f"{title}: change of Q, its {level:.0%} interval and the margin", fontsize=9)
    axis.legend(fontsize=7, loc="upper right")
    axis.tick_params(labelsize=7)
    figure.subplots_adjust(left=0.3, right=0.98, top=0.86, bottom=0.22 if len(names) < 4 else 0.14)
    caption = (
        f"Per-seed change of Q (dots; seeds beyond the axis are clipped), the mean with its "
        f"{level:.0%} interval (black bar), the equivalence band ±{margin:g} (grey: the size of "
        f"the write-up's own change of its plotted Q, {published_change:g}, dashed). An interval "
        "inside the band rules out a change that large (see the TOST p in claims.csv); one "
        "that crosses both the band's edge and 0 cannot tell."
    )
    stem = f"{_slug(title)}_{MEYER_WALLACH.correct.column}_change"
    return StudyFigure(stem, caption, render(figure, dpi))
