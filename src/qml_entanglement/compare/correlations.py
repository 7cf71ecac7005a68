"""``correlations.csv``: every run x metric x method x series, with valid p- and q-values.

Series of equal length are stacked and correlated in one vectorised call per method
(:func:`~.statistics.correlate_batch`); the statistics are explained in :mod:`~.statistics`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
import pandas as pd

from qml_entanglement.analysis.grouping import Grouping
from qml_entanglement.analysis.redundancy import IDENTITY, Relation
from qml_entanglement.analysis.statistics import (
    MIN_EFFECTIVE,
    MIN_POINTS,
    SERIES,
    benjamini_hochberg,
    correlate_batch,
    degenerate,
)
from qml_entanglement.metrics.catalogue import info

CORRELATION_COLUMNS = (
    "run_id",
    "group",
    "seed",
    "metric",
    "method",
    "series",
    "r",
    "p_value",
    "q_value",
    "significant",
    "n_epochs",
    "n_eff",
    "p_value_naive",
    "n_nan",
    "relation",
    "note",
)


def correlation_table(
    grouping: Grouping,
    loss_metric: str,
    methods: Sequence[str],
    relations: Sequence[Relation],
    alpha: float,
) -> pd.DataFrame:
    """One row per run x metric x method x series, q-values filled in."""
    related = {(r.group, r.second): r for r in relations}
    base = []  # (run_id, group, seed, metric, series, n, n_nan, relation, note)
    pending: dict[int, list[tuple[int, np.ndarray, np.ndarray]]] = defaultdict(list)
    for group in grouping.groups:
        for history in group.histories:
            loss = history.frame[loss_metric].to_numpy(dtype=float)
            for metric in history.entanglement_metrics:
                values = history.frame[metric].to_numpy(dtype=float)
                finite = values[np.isfinite(values)]
                scale = max(info(metric).scale or 0.0, float(np.max(np.abs(finite), initial=0)))
                relation = related.get((group.label, metric))
                tag = "" if relation is None else f"{relation.kind}: {relation.reason}"
                raw_constant = degenerate(values, scale)
                for series in SERIES:
                    x, y = (values, loss) if series == "raw" else (np.diff(values), np.diff(loss))
                    mask = np.isfinite(x) & np.isfinite(y)
                    n = int(mask.sum())
                    if n < MIN_POINTS:
                        note = f"fewer than {MIN_POINTS} points"
                    elif raw_constant or degenerate(x[mask], scale):
                        note = "constant series" if raw_constant else "constant changes"
                    elif degenerate(y[mask], None):
                        note = f"constant {loss_metric}"
                    else:
                        note = ""
                        pending[n].append((len(base), x[mask], y[mask]))
                    base.append(
                        (
                            history.run.run_id,
                            group.label,
                            history.run.seed,
                            metric,
                            series,
                            n,
                            len(x) - n,
                            tag,
                            note,
                        )
                    )
    k = len(base)
    shape = (len(methods), k)
    r, p, naive, n_eff = (np.full(shape, np.nan) for _ in range(4))
    for items in pending.values():
        index = np.array([i for i, _, _ in items])
        xs = np.stack([x for _, x, _ in items])
        ys = np.stack([y for _, _, y in items])
        for m, method in enumerate(methods):
            r[m, index], p[m, index], naive[m, index], n_eff[m, index] = correlate_batch(
                xs, ys, method
            )
    rows = []
    for m, method in enumerate(methods):
        for i, (run_id, label, seed, metric, series, n, n_nan, tag, note) in enumerate(base):
            p_value, p_naive = p[m, i], naive[m, i]
            if tag.startswith(IDENTITY):
                p_value = p_naive = math.nan
            elif not note and not math.isfinite(p_value):
                note = f"fewer than {MIN_EFFECTIVE:g} effective points"
            rows.append(
                (
                    run_id,
                    label,
                    seed,
                    metric,
                    method,
                    series,
                    r[m, i],
                    p_value,
                    math.nan,
                    False,
                    n,
                    n_eff[m, i],
                    p_naive,
                    n_nan,
                    tag,
                    note,
                )
            )
    table = pd.DataFrame(rows, columns=list(CORRELATION_COLUMNS))
    return add_q_values(table, alpha)


def add_q_values(correlations: pd.DataFrame, alpha: float) -> pd.DataFrame:
    """Benjamini-Hochberg within each method x series family, identities and redundant
    metrics left out; ``significant`` is ``q < alpha``."""
    out = correlations.copy()
    q = np.full(len(out), np.nan)
    tested = (out["relation"] == "").to_numpy()
    for _, index in out.groupby(["method", "series"]).indices.items():
        family = index[tested[index]]
        q[family] = benjamini_hochberg(out["p_value"].to_numpy()[family])
    out["q_value"] = q
    out["significant"] = q < alpha
    return out
