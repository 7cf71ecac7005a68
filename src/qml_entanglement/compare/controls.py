"""Entangling runs against their no-entangler control (``controls.csv``).

A group's *control* is the group whose configuration is identical except that the ansatz has no
entangling gates (``model.ansatz.entanglement=none``). For each pair the report shows, per
quantity, the mean over seeds in both and the difference with a Welch t interval (the seeds of
the two groups are independent replicates; Welch 1947, ``scipy.stats.ttest_ind``):

* the final loss, training and test accuracy: does entanglement help learning?
* each entanglement metric's final value and its change from step 0 (before any update).
  Without entangling gates the ansatz is a product of single-qubit unitaries, which leave every
  entanglement measure unchanged, so the control's metric *is* the feature map's own
  entanglement of the data: the difference is what the trained entangling layers add to it.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from qml_entanglement.analysis.grouping import Group, Grouping
from qml_entanglement.analysis.trends import change_from_start, feature_map_baseline, final_value

CONTROL_KEYS = (
    "model.ansatz.entanglement",
    "entanglement",
    "tags.entanglement",
    "params.model.ansatz.entanglement",
)
NO_ENTANGLER = "none"
OUTCOMES = ("loss", "train_accuracy", "test_accuracy")
COLUMNS = (
    "group",
    "control_group",
    "quantity",
    "mean",
    "control_mean",
    "difference",
    "ci_low",
    "ci_high",
    "p_value",
    "n",
    "n_control",
)


def find_controls(grouping: Grouping) -> list[tuple[Group, Group]]:
    """(entangling group, its control) pairs present in the selection."""
    key = next((k for k in CONTROL_KEYS if k in grouping.keys), None)
    if key is None:
        return []
    index = {tuple(sorted(g.values.items())): g for g in grouping.groups}
    pairs = []
    for group in grouping.groups:
        if group.values[key] == NO_ENTANGLER:
            continue
        twin = tuple(sorted({**group.values, key: NO_ENTANGLER}.items()))
        if twin in index:
            pairs.append((group, index[twin]))
    return pairs


def _quantities(group: Group, loss_metric: str) -> dict[str, list[float]]:
    metrics = sorted({m for h in group.histories for m in h.entanglement_metrics})
    out: dict[str, list[float]] = {}
    for outcome in (loss_metric, *OUTCOMES[1:]):
        out[f"final {outcome}"] = [final_value(h.frame, outcome) for h in group.histories]
    for metric in metrics:
        out[f"final {metric}"] = [final_value(h.frame, metric) for h in group.histories]
        out[f"change of {metric} from step 0"] = [
            change_from_start(h.frame, metric) for h in group.histories
        ]
        added = [feature_map_baseline(h.frame, metric)[1] for h in group.histories]
        if any(math.isfinite(a) for a in added):
            out[f"final {metric} above the feature map's"] = added
    return out


def control_table(grouping: Grouping, loss_metric: str, level: float) -> pd.DataFrame:
    """One row per entangling group x control x quantity, with a Welch interval."""
    rows = []
    for group, control in find_controls(grouping):
        ours, theirs = _quantities(group, loss_metric), _quantities(control, loss_metric)
        for quantity, values in ours.items():
            a = np.asarray(values, dtype=float)
            b = np.asarray(theirs.get(quantity, []), dtype=float)
            a, b = a[np.isfinite(a)], b[np.isfinite(b)]
            if len(a) == 0 or len(b) == 0:
                continue
            low = high = p = math.nan
            if len(a) >= 2 and len(b) >= 2 and (np.ptp(a) > 0 or np.ptp(b) > 0):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    test = stats.ttest_ind(a, b, equal_var=False)
                    low, high = test.confidence_interval(level)
                    p = test.pvalue
            rows.append(
                (
                    group.label,
                    control.label,
                    quantity,
                    a.mean(),
                    b.mean(),
                    a.mean() - b.mean(),
                    float(low),
                    float(high),
                    float(p),
                    len(a),
                    len(b),
                )
            )
    return pd.DataFrame(rows, columns=list(COLUMNS))
