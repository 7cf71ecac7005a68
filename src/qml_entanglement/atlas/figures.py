"""The atlas's forest plots (one style: :mod:`qml_entanglement.figure_output`).

Per metric: every configuration's effect over seeds with its 95 % interval
(:math:`\\pm z\\,\\mathrm{se}`), grouped by arm, and each arm's random-effects pooled effect as a
diamond spanning its confidence interval, with the prediction interval as a thin bar
(as metafor's ``forest``). And one plot of the meta-regression's coefficients.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from qml_entanglement.figure_output import Rendered, render, styled
from qml_entanglement.metrics import catalogue

from .quantities import DELTAS
from .tables import ARMS

ROW_INCHES = 0.11
MAX_INCHES = 40.0
COLORS = {"trained": "C0", "feature map only": "C2", "shuffled labels": "C1", "untrained": "C7"}


def _draw_arm_rows(axes, rows: pd.DataFrame, start: int, color: str, z: float) -> list[int]:
    y = start + np.arange(len(rows))
    se = rows["se"].fillna(0).to_numpy()
    effect = rows["effect"].to_numpy()
    axes.errorbar(effect, y, xerr=z * se, fmt="o", ms=2, lw=0.6, color=color)
    return list(y)


def _diamond(axes, row: pd.Series, y: float, color: str) -> None:
    xs = [row["ci_low"], row["pooled"], row["ci_high"], row["pooled"]]
    axes.fill(xs, [y, y + 0.4, y, y - 0.4], color=color, zorder=3)
    if np.isfinite(row["pi_low"]):
        axes.plot([row["pi_low"], row["pi_high"]], [y, y], color=color, lw=0.8)


@styled
def forest(metric: str, table: pd.DataFrame, by_arm: pd.DataFrame, dpi: int = 90) -> Rendered:
    """Forest plot of *metric*: configurations by arm, then each arm's pooled diamond."""
    from matplotlib.figure import Figure

    z = float(stats.norm.ppf(0.975))
    rows = table[table["metric"] == metric].sort_values(["arm", "qubits", "config"])
    pooled = by_arm[by_arm["metric"] == metric].set_index("arm")
    height = min(MAX_INCHES, 1.5 + ROW_INCHES * (len(rows) + 2 * len(pooled)))
    figure = Figure(figsize=(6.5, height))
    axes = figure.add_subplot()
    y, ticks, labels = 0, [], []
    for arm in ARMS:
        part = rows[rows["arm"] == arm]
        if part.empty:
            continue
        _draw_arm_rows(axes, part, y, COLORS[arm], z)
        y += len(part) + 1
        if arm in pooled.index:
            _diamond(axes, pooled.loc[arm], y, COLORS[arm])
            ticks.append(y)
            labels.append(f"{arm}: pooled (k={int(pooled.loc[arm, 'k'])})")
        y += 2
    axes.axvline(0.0, color="black", lw=0.6)
    axes.set_yticks(ticks, labels)
    axes.invert_yaxis()
    axes.set_xlabel(label(metric))
    axes.set_title(f"{label(metric)}: per configuration (mean over seeds, 95% CI) and pooled")
    figure.tight_layout()
    return render(figure, dpi)


@styled
def coefficients(regression: pd.DataFrame, metric: str, dpi: int = 90) -> Rendered:
    """The meta-regression's coefficients of *metric* with their Knapp-Hartung intervals."""
    from matplotlib.figure import Figure

    rows = regression[(regression["metric"] == metric) & (regression["term"] != "intercept")]
    figure = Figure(figsize=(6.0, 1.2 + 0.25 * max(len(rows), 1)))
    axes = figure.add_subplot()
    y = np.arange(len(rows))
    coef = rows["coef"].to_numpy(dtype=float)
    low, high = rows["ci_low"].to_numpy(dtype=float), rows["ci_high"].to_numpy(dtype=float)
    axes.errorbar(coef, y, xerr=[coef - low, high - coef], fmt="s", ms=3, lw=0.8, color="C0")
    axes.axvline(0.0, color="black", lw=0.6)
    axes.set_yticks(y, list(rows["term"]))
    axes.invert_yaxis()
    axes.set_xlabel(f"difference in {label(metric)} (95% CI)")
    axes.set_title(f"What moves {label(metric)}: meta-regression")
    figure.tight_layout()
    return render(figure, dpi)


SPECIAL_LABELS = {
    "q_loss_comovement": "co-movement of Q with the loss (r)",
    "log10_init_grad_variance": "log10 initial gradient variance",
    "final_test_accuracy": "final test accuracy",
}


def label(metric: str) -> str:
    """A readable name: the catalogue's label of the metric a change is of."""
    if metric in SPECIAL_LABELS:
        return SPECIAL_LABELS[metric]
    return f"change of {catalogue.label(DELTAS.get(metric, metric))}"
