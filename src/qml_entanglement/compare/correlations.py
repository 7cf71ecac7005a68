"""``correlations.csv``: every run x metric x method x series, with valid p- and q-values.

Series of equal length are stacked and correlated in one vectorised call per method
(:func:`~qml_entanglement.analysis.statistics.correlate_batch`); the statistics are explained
in :mod:`qml_entanglement.analysis.statistics`.
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


Pending = dict[int, list[tuple[int, np.ndarray, np.ndarray]]]  # n -> (row, x, y) to correlate


def _note(x: np.ndarray, y: np.ndarray, raw_constant: bool, scale: float, loss: str) -> str:
    """Why a series pair is not correlated (``""``: it is)."""
    if len(x) < MIN_POINTS:
        return f"fewer than {MIN_POINTS} points"
    if raw_constant or degenerate(x, scale):
        return "constant series" if raw_constant else "constant changes"
    if degenerate(y, None):
        return f"constant {loss}"
    return ""


def _series_rows(
    grouping: Grouping, loss_metric: str, relations: Sequence[Relation]
) -> tuple[list[tuple], Pending]:
    """Per run x metric x series the row's fixed part (run_id, group, seed, metric, series,
    n, n_nan, relation, note) and, by length, the series pairs left to correlate."""
    related = {(r.group, r.second): r for r in relations}
    base: list[tuple] = []
    pending: Pending = defaultdict(list)
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
                    note = _note(x[mask], y[mask], raw_constant, scale, loss_metric)
                    if not note:
                        pending[n].append((len(base), x[mask], y[mask]))
                    run = history.run
                    base.append(
                        (
                            run.run_id,
                            group.label,
                            run.seed,
                            metric,
                            series,
                            n,
                            len(x) - n,
                            tag,
                            note,
                        )
                    )
    return base, pending


def _correlate(pending: Pending, methods: Sequence[str], k: int) -> tuple[np.ndarray, ...]:
    """``r``, ``p``, naive ``p`` and ``n_eff`` (methods x rows; NaN where not correlated),
    series of equal length in one vectorised call per method."""
    r, p, naive, n_eff = (np.full((len(methods), k), np.nan) for _ in range(4))
    for items in pending.values():
        index = np.array([i for i, _, _ in items])
        xs = np.stack([x for _, x, _ in items])
        ys = np.stack([y for _, _, y in items])
        for m, method in enumerate(methods):
            r[m, index], p[m, index], naive[m, index], n_eff[m, index] = correlate_batch(
                xs, ys, method
            )
    return r, p, naive, n_eff


def correlation_table(
    grouping: Grouping,
    loss_metric: str,
    methods: Sequence[str],
    relations: Sequence[Relation],
    alpha: float,
) -> pd.DataFrame:
    """One row per run x metric x method x series, q-values filled in."""
    base, pending = _series_rows(grouping, loss_metric, relations)
    r, p, naive, n_eff = _correlate(pending, methods, len(base))
    rows = []
    for m, method in enumerate(methods):
        for i, (run_id, label, seed, metric, series, n, n_nan, tag, note) in enumerate(base):
            p_value, p_naive = p[m, i], naive[m, i]
            if tag.startswith(IDENTITY):
                p_value = p_naive = math.nan
            elif not note and not math.isfinite(p_value):
                note = f"fewer than {MIN_EFFECTIVE:g} effective points"
            rows.append(
                (run_id, label, seed, metric, method, series, r[m, i], p_value, math.nan, False)
                + (n, n_eff[m, i], p_naive, n_nan, tag, note)
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
