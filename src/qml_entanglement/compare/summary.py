"""``summary.csv``: the seed-level answer, one tidy row per group x metric x method x series.

The headline of a group is the mean of its per-seed correlations with a confidence interval
over seeds (:func:`~.statistics.pool`), its half-width, and the number of seeds a half-width of
``ci.target_half_width`` would take (:func:`~.statistics.seeds_needed`). Per-run significance
counts (after Benjamini-Hochberg) are kept as context. Each row also carries how the metric
moved (start, end, change from step 0 with a t interval over seeds, peak) and the group's
grouping-key values, so the table can be filtered and plotted without parsing labels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from qml_entanglement.analysis.grouping import Grouping, short_names
from qml_entanglement.analysis.redundancy import Relation
from qml_entanglement.analysis.statistics import SERIES, mean_interval, pool, seeds_needed
from qml_entanglement.compare.settings import CompareSettings


def summarise(
    grouping: Grouping,
    correlations: pd.DataFrame,
    trends: pd.DataFrame,
    relations: Sequence[Relation],
    settings: CompareSettings,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """The long summary table (see the module notes); empty if nothing was correlated."""
    names = short_names(grouping.keys)
    related = {(r.group, r.second): r for r in relations}
    corr_index = dict(list(correlations.groupby(["group", "metric", "method", "series"])))
    trend_index = dict(list(trends.groupby(["group", "metric"])))
    rows = []
    for group in grouping.groups:
        metrics = sorted({m for h in group.histories for m in h.entanglement_metrics})
        keys = {names[k]: v for k, v in group.values.items()}
        for metric in metrics:
            having = [h for h in group.histories if metric in h.entanglement_metrics]
            lengths = [h.n_epochs for h in having]
            relation = related.get((group.label, metric))
            common = {
                "group": group.label,
                "metric": metric,
                "n_runs": len(having),
                "n_seeds": len({h.run.seed for h in having}),
                "n_epochs_min": min(lengths),
                "n_epochs_max": max(lengths),
                "relation": "" if relation is None else relation.kind,
                "related_to": "" if relation is None else relation.first,
                "pooled_keys": group.pooled_text,
            }
            common.update(_trend(trend_index.get((group.label, metric)), settings.ci.level))
            for method in settings.methods:
                for series in SERIES:
                    frame = corr_index.get((group.label, metric, method, series))
                    row = {**common, "method": method, "series": series}
                    row.update(_pooled(frame, settings, rng))
                    row.update(keys)
                    rows.append(row)
    return pd.DataFrame(rows)


def _trend(trend: pd.DataFrame | None, level: float) -> dict[str, float]:
    if trend is None or trend.empty:
        return {}
    change, low, high = mean_interval(trend["change"], level)
    verdicts = trend["rises_then_falls"].dropna()
    over_feature_map = mean_interval(trend["change_from_feature_map"], level)
    return {
        "feature_map_baseline_mean": float(trend["feature_map_baseline"].mean()),
        "change_from_feature_map_mean": over_feature_map[0],
        "change_from_feature_map_ci_low": over_feature_map[1],
        "change_from_feature_map_ci_high": over_feature_map[2],
        "start_mean": float(trend["start"].mean()),
        "end_mean": float(trend["end"].mean()),
        "change_mean": change,
        "change_ci_low": low,
        "change_ci_high": high,
        "epoch_of_max_mean": float(trend["epoch_of_max"].mean()),
        "rises_then_falls_share": float(verdicts.astype(float).mean())
        if len(verdicts)
        else math.nan,
    }


def _pooled(
    frame: pd.DataFrame | None, settings: CompareSettings, rng: np.random.Generator
) -> dict[str, object]:
    if frame is None or frame.empty:
        return {"mean": math.nan, "ci_method": "no defined correlation", "n_defined": 0}
    r = frame["r"].to_numpy(dtype=float)
    defined = frame[np.isfinite(r)]
    min_points = int(defined["n_epochs"].min()) if len(defined) else 0
    pooled = pool(r, min_points, settings.ci, rng)
    significant = defined["significant"].to_numpy(dtype=bool)
    tested = defined[np.isfinite(defined["q_value"].to_numpy(dtype=float))]
    half = (pooled.ci_high - pooled.ci_low) / 2
    return {
        "mean": pooled.mean,
        "ci_low": pooled.ci_low,
        "ci_high": pooled.ci_high,
        "ci_half_width": half,
        "ci_method": pooled.method,
        "seeds_for_target": seeds_needed(
            pooled.spread, settings.ci.target_half_width, settings.ci.level
        ),
        "n_defined": pooled.n,
        "n_eff_median": float(np.nanmedian(defined["n_eff"])) if len(defined) else math.nan,
        "n_tested": len(tested),
        "n_significant": int(significant.sum()),
        "n_significant_positive": int((significant & (defined["r"].to_numpy() > 0)).sum()),
    }
