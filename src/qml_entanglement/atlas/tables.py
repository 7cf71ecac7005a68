r"""The atlas's tables: per configuration over seeds, then across configurations.

Per configuration :math:`i` and metric (seeds are the replicates, nothing else):
effect :math:`y_i = \bar x`, standard error :math:`s_i = \mathrm{sd}(x)/\sqrt{n_i}`; a two-sided
one-sample t test of zero on :math:`n_i - 1` degrees of freedom, its Benjamini-Hochberg q-value
across the configurations of that metric, the TOST equivalence test against
:math:`\pm` the metric's margin, and the minimum detectable effect (80 % power, the
configuration's own spread) that every "no effect" carries
(:mod:`qml_entanglement.analysis.power`).

Across configurations: DerSimonian-Laird pooling per metric and arm, and a Knapp-Hartung
meta-regression of the effect on qubits, depth, topology, ansatz, data set and control
(:mod:`qml_entanglement.analysis.meta`). Configurations whose seeds agree exactly
(:math:`s_i = 0`, e.g. every change under lr = 0) carry no sampling error to weight by and are
left out of pooling and regression (counted in ``AtlasTables.zero_se``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from qml_entanglement.analysis.meta import (
    MetaResult,
    dersimonian_laird,
    meta_regression,
    q_values,
)
from qml_entanglement.analysis.power import minimum_detectable_effect, tost

from .quantities import FACTORS, METRICS

CHANGES = tuple(m for m in METRICS if m.startswith("delta_")) + ("q_loss_comovement",)
ARMS = ("trained", "feature map only", "shuffled labels", "untrained")
META_COLUMNS = ["metric", "pooled", "ci_low", "ci_high", "tau2", "i2", "pi_low", "pi_high", "k"]


@dataclass(frozen=True)
class AtlasTables:
    """``per_config`` (the issue's columns), ``verdicts`` (tests per configuration),
    ``meta`` (the trained, entangling configurations per metric), ``meta_by_arm`` (every arm),
    ``regression`` (one row per metric and term) and how many configurations had ``se = 0``."""

    per_config: pd.DataFrame
    verdicts: pd.DataFrame
    meta: pd.DataFrame
    meta_by_arm: pd.DataFrame
    regression: pd.DataFrame
    zero_se: Mapping[str, int] = field(default_factory=dict)


def arm_of(entanglement: str, control: str) -> str:
    """Which arm a configuration belongs to: a control, or trained with(out) entanglers."""
    if control == "shuffled_labels":
        return "shuffled labels"
    if control == "untrained":
        return "untrained"
    return "feature map only" if entanglement == "none" else "trained"


def config_name(row: Mapping[str, object]) -> str:
    """``qubits=4 ansatz=real_amplitudes entanglement=linear reps=1 data=blobs control=...``."""
    return " ".join(f"{f}={row[f]}" for f in FACTORS)


def per_config(runs: pd.DataFrame, metrics: Sequence[str] = METRICS) -> pd.DataFrame:
    """``config, metric, effect, se, n_seeds`` plus the factor columns and ``arm``, from one
    row per run (factor columns and metric columns)."""
    frame = runs.assign(config=[config_name(r) for _, r in runs.iterrows()])
    rows = []
    for (config, *levels), group in frame.groupby(["config", *FACTORS], sort=True):
        for metric in metrics:
            values = group[metric].to_numpy(dtype=float)
            values = values[np.isfinite(values)]
            n = len(values)
            se = float(values.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
            effect = float(values.mean()) if n else math.nan
            rows.append([config, metric, effect, se, n, *levels])
    out = pd.DataFrame(rows, columns=["config", "metric", "effect", "se", "n_seeds", *FACTORS])
    out["arm"] = [arm_of(e, c) for e, c in zip(out["entanglement"], out["control"], strict=True)]
    return out


def verdicts(
    runs: pd.DataFrame, table: pd.DataFrame, margins: Mapping[str, float], alpha: float
) -> pd.DataFrame:
    """Per configuration and change metric: t-test p, BH q (per metric, across
    configurations), TOST p against the metric's margin, MDE and the verdict."""
    frame = runs.assign(config=[config_name(r) for _, r in runs.iterrows()])
    seeds = {c: g for c, g in frame.groupby("config")}
    rows = []
    for _, row in table[table["metric"].isin(CHANGES)].iterrows():
        values = seeds[row["config"]][row["metric"]].to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        rows.append(_tests(row, values, margins.get(row["metric"], math.nan), alpha))
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    out["q_value"] = np.nan
    for _, index in out.groupby("metric").groups.items():
        out.loc[index, "q_value"] = q_values(out.loc[index, "p_value"].to_numpy())
    out["verdict"] = [_verdict(r, alpha) for _, r in out.iterrows()]
    return out


def _tests(row: pd.Series, values: np.ndarray, margin: float, alpha: float) -> dict:
    n, se, effect = len(values), row["se"], row["effect"]
    p = math.nan
    if n > 1 and se > 0:
        p = float(2 * stats.t.sf(abs(effect) / se, n - 1))
    elif n > 1 and effect != 0:  # identical nonzero replicates: no test, the value is known
        p = 0.0
    spread = float(values.std(ddof=1)) if n > 1 else math.nan
    equivalence = tost(values, margin, alpha) if n > 1 and math.isfinite(margin) else None
    return {
        "config": row["config"],
        "metric": row["metric"],
        "arm": row["arm"],
        "effect": effect,
        "se": se,
        "n_seeds": n,
        "p_value": p,
        "margin": margin,
        "tost_p": math.nan if equivalence is None else equivalence.p_value,
        "within_margin": bool(equivalence is not None and equivalence.equivalent),
        "mde": minimum_detectable_effect(spread, n, alpha=alpha),
    }


def _verdict(row: pd.Series, alpha: float) -> str:
    if np.isfinite(row["q_value"]) and row["q_value"] < alpha:
        return "rises" if row["effect"] > 0 else "falls"
    if row["within_margin"]:
        return "equivalent to zero"
    return "inconclusive"


def poolable(rows: pd.DataFrame) -> pd.DataFrame:
    """The configurations that can be pooled: a finite effect with ``se > 0``."""
    return rows[np.isfinite(rows["effect"]) & (rows["se"] > 0)]


def pool(rows: pd.DataFrame, level: float = 0.95) -> MetaResult | None:
    """DerSimonian-Laird over the :func:`poolable` configurations of *rows*; None if none."""
    usable = poolable(rows)
    return None if usable.empty else dersimonian_laird(usable["effect"], usable["se"], level)


def pooled(table: pd.DataFrame, level: float) -> tuple[pd.DataFrame, dict[str, int]]:
    """DerSimonian-Laird per metric and arm (configurations with ``se > 0``)."""
    rows, zero = [], {}
    for (metric, arm), group in table.groupby(["metric", "arm"], sort=False):
        zero[f"{metric} | {arm}"] = int((group["se"] == 0).sum())
        result = pool(group, level)
        if result is None:
            continue
        rows.append({"metric": metric, "arm": arm, **_meta_row(result)})
    return pd.DataFrame(rows, columns=["metric", "arm", *META_COLUMNS[1:]]), zero


def _meta_row(result) -> dict[str, float]:
    return {k: getattr(result, k) for k in META_COLUMNS[1:]}


def design(table: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """Intercept, qubits and reps (centred), and a dummy per level of each categorical factor
    against its baseline (none, ad_hoc, real_amplitudes, trained; the first level present when
    the baseline's configurations were left out); constant columns out."""
    columns = {"intercept": np.ones(len(table))}
    for numeric in ("qubits", "reps"):
        values = table[numeric].to_numpy(dtype=float)
        columns[f"{numeric} (per unit)"] = values - values.mean()
    baselines = {
        "entanglement": "none",
        "ansatz": "real_amplitudes",
        "data": "ad_hoc",
        "control": "trained",
    }
    for factor, base in baselines.items():
        present = sorted(set(table[factor]))
        base = base if base in present else present[0]  # e.g. none left out with se = 0
        for level in sorted(set(present) - {base}):
            columns[f"{factor}={level}"] = (table[factor] == level).to_numpy(dtype=float)
    kept = {k: v for k, v in columns.items() if k == "intercept" or np.ptp(v) > 0}
    return np.column_stack(list(kept.values())), list(kept)


def regression(table: pd.DataFrame, level: float) -> pd.DataFrame:
    """The meta-regression of each metric's effect on the design (:func:`design`); a metric
    whose configurations cannot estimate it gets one row saying why."""
    rows = []
    for metric, group in table.groupby("metric", sort=False):
        usable = poolable(group)
        if usable.empty:
            continue
        x, names = design(usable)
        try:
            fit = meta_regression(usable["effect"], usable["se"], x, names, level)
        except ValueError as error:
            rows.append({"metric": metric, "term": "not estimable", "note": str(error)})
            continue
        rows.extend({"metric": metric, **r, "note": ""} for r in fit.rows())
    return pd.DataFrame(rows)


def analyse(
    runs: pd.DataFrame,
    margins: Mapping[str, float],
    alpha: float = 0.05,
    level: float = 0.95,
) -> AtlasTables:
    """Every table of the atlas from one row per run (factors and :data:`METRICS`)."""
    table = per_config(runs)
    by_arm, zero = pooled(table, level)
    main = by_arm[by_arm["arm"] == "trained"].drop(columns="arm")
    return AtlasTables(
        per_config=table,
        verdicts=verdicts(runs, table, margins, alpha),
        meta=main[META_COLUMNS].reset_index(drop=True),
        meta_by_arm=by_arm,
        regression=regression(table, level),
        zero_se=zero,
    )
