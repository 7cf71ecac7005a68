"""The atlas's forest plots (one style: :mod:`qml_entanglement.figure_output`).

Per metric (:func:`forest_rows` lays it out, :func:`forest` draws it): every configuration's
effect over seeds with its 95 % interval (:math:`\\pm z\\,\\mathrm{se}`), grouped by arm and,
within an arm, by qubit count; after each qubit count its DerSimonian-Laird pooled effect as a
small diamond, and after each arm the arm's pooled effect as a diamond spanning its confidence
interval, with the prediction interval as a thin bar (as metafor's ``forest`` with subgroups,
Viechtbauer 2010, J. Stat. Softw. 36(3)). A qubit count whose configurations all changed by
exactly 0 (no entanglers, lr = 0) is one labelled row, not hundreds of dots. And one plot of the
meta-regression's coefficients.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from qml_entanglement.figure_output import Rendered, render, styled
from qml_entanglement.metrics import catalogue

from .quantities import DELTAS
from .tables import ARMS, pool

ROW_INCHES = 0.11
MAX_INCHES = 40.0
COLORS = {"trained": "C0", "feature map only": "C2", "shuffled labels": "C1", "untrained": "C7"}


FOREST_COLUMNS = ["y", "kind", "arm", "label", "effect", "low", "high", "pi_low", "pi_high"]


def _exactly_zero(part: pd.DataFrame) -> bool:
    return bool((part["se"].fillna(0) == 0).all() and (part["effect"] == 0).all())


def _zero_row(arm: str, name: str, count: int, y: int) -> dict:
    return {"y": y, "kind": "exact zero", "arm": arm, "effect": 0.0, "low": 0.0, "high": 0.0,
            "label": f"{name}: {count} configurations, all exactly 0", "pi_low": np.nan,
            "pi_high": np.nan}  # fmt: skip


def _subgroup(arm: str, qubits: int, part: pd.DataFrame, z: float, y: int) -> list[dict]:
    """The rows of one (arm, qubit count): its configurations and their pooled diamond, or
    one row when every configuration changed by exactly 0."""
    base = {"arm": arm, "pi_low": np.nan, "pi_high": np.nan}
    if _exactly_zero(part):
        return [_zero_row(arm, f"n = {qubits}", len(part), y)]
    se = part["se"].fillna(0).to_numpy()
    effect = part["effect"].to_numpy(dtype=float)
    rows = [
        {**base, "y": y + i, "kind": "config", "label": "", "effect": e,
         "low": e - z * s, "high": e + z * s}
        for i, (e, s) in enumerate(zip(effect, se, strict=True))
    ]  # fmt: skip
    result = pool(part)
    if result is not None:
        rows.append({**base, "y": y + len(rows), "kind": "subgroup",
                     "label": f"n = {qubits}: pooled (k={result.k})", "effect": result.pooled,
                     "low": result.ci_low, "high": result.ci_high})  # fmt: skip
    return rows


def forest_rows(metric: str, table: pd.DataFrame, by_arm: pd.DataFrame) -> pd.DataFrame:
    """The forest plot of *metric* as rows from top to bottom (``y``): per arm (in
    :data:`~.tables.ARMS` order) and qubit count, its configurations (``kind`` ``config``)
    then their pooled effect (``subgroup``), or one ``exact zero`` row; then the arm's pooled
    effect from *by_arm* (``arm``, with its prediction interval). An arm whose every
    configuration changed by exactly 0 is one ``exact zero`` row. ``low``/``high`` are 95 %
    intervals."""
    z = float(stats.norm.ppf(0.975))
    rows = table[table["metric"] == metric].sort_values(["arm", "qubits", "config"])
    pooled = by_arm[by_arm["metric"] == metric].set_index("arm")
    out: list[dict] = []
    y = 0
    for arm in ARMS:
        part = rows[rows["arm"] == arm]
        if not part.empty and _exactly_zero(part):
            out.append(_zero_row(arm, arm, len(part), y))
            y += 2
            continue
        for qubits, group in part.groupby("qubits", sort=True):
            out += _subgroup(arm, int(qubits), group, z, y)
            y = out[-1]["y"] + 1
        if arm in pooled.index:
            row = pooled.loc[arm]
            out.append({"y": y, "kind": "arm", "arm": arm,
                        "label": f"{arm}: pooled (k={int(row['k'])})", "effect": row["pooled"],
                        "low": row["ci_low"], "high": row["ci_high"], "pi_low": row["pi_low"],
                        "pi_high": row["pi_high"]})  # fmt: skip
        y += 2 if not part.empty else 0
    return pd.DataFrame(out, columns=FOREST_COLUMNS)


def _diamond(axes, row: pd.Series, half_height: float) -> None:
    color = COLORS[row["arm"]]
    xs = [row["low"], row["effect"], row["high"], row["effect"]]
    y = row["y"]
    axes.fill(xs, [y, y + half_height, y, y - half_height], color=color, zorder=3)
    if np.isfinite(row["pi_low"]):
        axes.plot([row["pi_low"], row["pi_high"]], [y, y], color=color, lw=0.8)


@styled
def forest(metric: str, table: pd.DataFrame, by_arm: pd.DataFrame, dpi: int = 90) -> Rendered:
    """Forest plot of *metric* (:func:`forest_rows`); configurations are named in
    ``per_config.csv`` in the same order."""
    from matplotlib.figure import Figure

    rows = forest_rows(metric, table, by_arm)
    height = min(MAX_INCHES, 1.5 + ROW_INCHES * (len(rows) + 2))
    figure = Figure(figsize=(6.5, height))
    axes = figure.add_subplot()
    for arm, part in rows[rows["kind"] == "config"].groupby("arm", sort=False):
        effect = part["effect"].to_numpy()
        error = [effect - part["low"].to_numpy(), part["high"].to_numpy() - effect]
        axes.errorbar(effect, part["y"], xerr=error, fmt="o", ms=2, lw=0.6, color=COLORS[arm])
    for _, row in rows[rows["kind"].isin(["subgroup", "arm"])].iterrows():
        _diamond(axes, row, 0.4 if row["kind"] == "arm" else 0.25)
    zeros = rows[rows["kind"] == "exact zero"]
    axes.scatter(zeros["effect"], zeros["y"], marker="|", s=30,
                 c=[COLORS[a] for a in zeros["arm"]])  # fmt: skip
    labelled = rows[rows["label"] != ""]
    axes.axvline(0.0, color="black", lw=0.6)
    axes.set_yticks(labelled["y"], labelled["label"])
    for tick, kind in zip(axes.get_yticklabels(), labelled["kind"], strict=True):
        tick.set_fontweight("bold" if kind == "arm" else "normal")
    axes.set_ylim(rows["y"].max() + 1, -1)
    axes.set_xlabel(label(metric))
    axes.set_title(f"{label(metric)}\nper configuration (mean over seeds, 95% CI), pooled")
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
