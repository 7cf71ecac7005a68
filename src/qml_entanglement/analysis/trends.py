"""Shape of each metric over training: start, end, change, peak, rise-then-fall; mean curves.

Epoch 0 is the initial parameters (before any update), so ``start`` is the value the circuit
begins with and ``end`` the value after the last epoch. Runs that log their feature map's own
entanglement (the metric ``m`` of the encoded states alone, with ``m_change`` = ``m`` minus it
at every step) also get ``feature_map_baseline`` and ``change_from_feature_map`` (the final
``m_change``): what the trained block adds to the data encoding's entanglement.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from qml_entanglement.analysis.grouping import Grouping
from qml_entanglement.analysis.statistics import degenerate
from qml_entanglement.metrics.catalogue import info

TREND_COLUMNS = (
    "run_id",
    "group",
    "seed",
    "metric",
    "start",
    "end",
    "change",
    "feature_map_baseline",
    "change_from_feature_map",
    "epoch_of_max",
    "max_value",
    "rises_then_falls",
    "n_epochs",
    "note",
)


@dataclass(frozen=True)
class Trend:
    """Descriptors of one series over epochs (NaN epochs ignored)."""

    start: float
    end: float
    change: float
    epoch_of_max: float
    max_value: float
    rises_then_falls: bool
    n_epochs: int


def feature_map_baseline(frame: pd.DataFrame, metric: str) -> tuple[float, float]:
    """(the feature map's own value of *metric*, the final value minus it) from the run's
    ``<metric>_change`` column; NaNs when the run does not log it."""
    column = f"{metric}_change"
    if column not in frame or metric not in frame:
        return math.nan, math.nan
    both = frame[[metric, column]].dropna()
    if both.empty:
        return math.nan, math.nan
    baseline = float((both[metric] - both[column]).iloc[0])
    return baseline, float(both[column].iloc[-1])


def final_value(frame: pd.DataFrame, column: str) -> float:
    """Last finite value of *column* in one run's history; NaN if there is none."""
    values = _finite(frame, column)
    return float(values[-1]) if values.size else math.nan


def change_from_start(frame: pd.DataFrame, column: str) -> float:
    """Last minus first finite value of *column* in one run's history; NaN if there is none."""
    values = _finite(frame, column)
    return float(values[-1] - values[0]) if values.size else math.nan


def _finite(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame:
        return np.empty(0)
    values = frame[column].to_numpy(dtype=float)
    return values[np.isfinite(values)]


def describe(epochs: Sequence[int], values: Sequence[float], tolerance: float = 0.1) -> Trend:
    """Start, end, change, epoch of the maximum and whether the series rises then falls.

    A series *rises then falls* when its maximum lies strictly inside the run and exceeds both
    the first and the last value by at least ``tolerance`` times its range (max - min), so
    noise of a few percent of the range does not count as a peak.

    Examples
    --------
    >>> t = describe([0, 1, 2, 3, 4], [0.1, 0.5, 0.9, 0.6, 0.2])
    >>> t.epoch_of_max, t.rises_then_falls, round(t.change, 2)
    (2, True, 0.1)
    >>> describe([0, 1, 2], [0.0, 0.5, 1.0]).rises_then_falls
    False
    """
    epochs = np.asarray(epochs)
    values = np.asarray(values, dtype=float)
    mask = np.isfinite(values)
    epochs, values = epochs[mask], values[mask]
    n = len(values)
    if n == 0:
        return Trend(math.nan, math.nan, math.nan, math.nan, math.nan, False, 0)
    peak = int(np.argmax(values))
    span = float(values.max() - values.min())
    rises_then_falls = bool(
        0 < peak < n - 1
        and span > 0
        and values[peak] - values[0] >= tolerance * span
        and values[peak] - values[-1] >= tolerance * span
    )
    return Trend(
        start=float(values[0]),
        end=float(values[-1]),
        change=float(values[-1] - values[0]),
        epoch_of_max=int(epochs[peak]),
        max_value=float(values[peak]),
        rises_then_falls=rises_then_falls,
        n_epochs=n,
    )


def trend_table(grouping: Grouping, loss_metric: str, tolerance: float) -> pd.DataFrame:
    """One row per run x metric (the loss and every entanglement metric).

    A degenerate series (constant up to rounding of the metric's scale) keeps its start, end
    and change but gets no shape verdict: ``epoch_of_max`` and ``rises_then_falls`` are empty
    and ``note`` says why (the argmax of rounding noise means nothing).
    """
    rows = []
    for group in grouping.groups:
        for history in group.histories:
            run = history.run
            epochs = history.frame.index.to_numpy()
            for metric in (loss_metric, *history.entanglement_metrics):
                values = history.frame[metric].to_numpy(dtype=float)
                baseline, added = feature_map_baseline(history.frame, metric)
                row = {
                    "run_id": run.run_id,
                    "group": group.label,
                    "seed": run.seed,
                    "metric": metric,
                    **asdict(describe(epochs, values, tolerance)),
                    "feature_map_baseline": baseline,
                    "change_from_feature_map": added,
                    "note": "",
                }
                if degenerate(values, info(metric).scale):
                    row.update(
                        epoch_of_max=math.nan,
                        max_value=math.nan,
                        rises_then_falls=None,
                        note="constant series: no shape verdict",
                    )
                rows.append(row)
    return pd.DataFrame(rows, columns=list(TREND_COLUMNS))


def mean_curve(frames: Iterable[pd.DataFrame], metric: str) -> pd.DataFrame:
    """Mean, standard deviation and count over runs at each epoch (runs may differ in length).

    *frames* are run histories indexed by epoch. Returns a frame indexed by epoch with columns
    ``mean``, ``std`` (NaN where only one run has the epoch) and ``n``.
    """
    columns = [f[metric] for f in frames if metric in f.columns]
    if not columns:
        return pd.DataFrame(columns=["mean", "std", "n"], dtype=float)
    table = pd.concat(columns, axis=1, ignore_index=True)
    table = table.where(np.isfinite(table))
    return pd.DataFrame(
        {"mean": table.mean(axis=1), "std": table.std(axis=1, ddof=1), "n": table.count(axis=1)}
    )
