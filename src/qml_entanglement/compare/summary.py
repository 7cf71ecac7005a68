"""Pool per-run results into one row per group x metric (``summary.csv``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from qml_entanglement.compare.histories import RunHistory
from qml_entanglement.compare.selection import group_label
from qml_entanglement.compare.settings import CompareSettings
from qml_entanglement.compare.statistics import SERIES, pool


def column(method: str, series: str, what: str) -> str:
    """Name of a pooled-correlation column, e.g. ``spearman_raw_mean``."""
    return f"{method}_{series}_{what}"


def group_key_columns(group_by: Sequence[str]) -> list[str]:
    """Column names holding the group's key values (``tags.``/``params.`` prefixes dropped)."""
    names = []
    for key in group_by:
        short = key.split(".", 1)[1] if key.startswith(("tags.", "params.")) else key
        names.append(short if short not in ("group", "metric") else f"group_{short}")
    return names


def summarise(
    histories: Sequence[RunHistory],
    correlations: pd.DataFrame,
    trends: pd.DataFrame,
    settings: CompareSettings,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """One row per group x entanglement metric, with pooled correlations and trend shares.

    For each method and series: mean correlation, CI bounds and how they were built, the
    number of runs with a defined correlation, and the share of those significant after
    Benjamini-Hochberg (``q < alpha``). Groups with a single run keep their row, with a NaN
    interval and ``ci_method = "single run"``.
    """
    key_columns = group_key_columns(settings.group_by)
    group_runs: dict[str, list[RunHistory]] = {}
    group_values: dict[str, tuple[str, ...]] = {}
    for history in histories:
        label = group_label(settings.group_by, history.run.group)
        group_runs.setdefault(label, []).append(history)
        group_values[label] = history.run.group

    corr_index = {
        key: frame for key, frame in correlations.groupby(["group", "metric", "method", "series"])
    }
    trend_index = {key: frame for key, frame in trends.groupby(["group", "metric"])}

    rows = []
    for label, members in group_runs.items():
        metrics = sorted({m for h in members for m in h.entanglement_metrics})
        for metric in metrics:
            having = [h for h in members if metric in h.entanglement_metrics]
            row = {"group": label}
            row.update(zip(key_columns, group_values[label], strict=True))
            lengths = [h.n_epochs for h in having]
            row.update(
                metric=metric,
                n_runs=len(having),
                n_group_runs=len(members),
                n_seeds=len({h.run.seed for h in having}),
                n_epochs_min=min(lengths),
                n_epochs_max=max(lengths),
            )
            for method in settings.methods:
                for series in SERIES:
                    frame = corr_index.get((label, metric, method, series))
                    row.update(_pooled(frame, method, series, settings, rng))
            trend = trend_index.get((label, metric))
            if trend is not None:
                row.update(
                    start_mean=trend["start"].mean(),
                    end_mean=trend["end"].mean(),
                    change_mean=trend["change"].mean(),
                    epoch_of_max_mean=trend["epoch_of_max"].mean(),
                    rises_then_falls_share=trend["rises_then_falls"].mean(),
                )
            rows.append(row)
    return pd.DataFrame(rows)


def _pooled(
    frame: pd.DataFrame | None,
    method: str,
    series: str,
    settings: CompareSettings,
    rng: np.random.Generator,
) -> dict[str, object]:
    names = (
        "mean",
        "ci_low",
        "ci_high",
        "ci_method",
        "n",
        "n_significant",
        "n_significant_positive",
        "sig_share",
    )
    if frame is None or frame.empty:
        return {column(method, series, n): np.nan for n in names}
    defined = frame[np.isfinite(frame["r"].to_numpy())]
    min_points = int(defined["n_epochs"].min()) if len(defined) else 0
    pooled = pool(frame["r"].to_numpy(), min_points, settings.ci, rng)
    significant = defined["significant"].to_numpy(dtype=bool)
    n_sig = int(significant.sum())
    n_sig_positive = int((significant & (defined["r"].to_numpy() > 0)).sum())
    values = (
        pooled.mean,
        pooled.ci_low,
        pooled.ci_high,
        pooled.method,
        pooled.n,
        n_sig,
        n_sig_positive,
        n_sig / pooled.n if pooled.n else np.nan,
    )
    return {column(method, series, n): v for n, v in zip(names, values, strict=True)}
