"""Find and list what is wrong or uneven in the selected runs, so the report can say so.

Nothing here drops data silently: each finding becomes one row of the report's
"Data quality" table (``data_quality.csv``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from qml_entanglement.analysis.grouping import Grouping
from qml_entanglement.analysis.histories import HistoryProblem, RunHistory
from qml_entanglement.analysis.redundancy import IDENTITY, Relation
from qml_entanglement.analysis.selection import SelectedRun

COLUMNS = ("kind", "group", "run_id", "seed", "detail")


@dataclass(frozen=True)
class DataIssue:
    """One finding: what kind, where (group, run), and a sentence of detail."""

    kind: str
    group: str
    run_id: str
    seed: str
    detail: str


def check_runs(
    grouping: Grouping,
    problems: Sequence[HistoryProblem],
    excluded: Sequence[tuple[SelectedRun, str]],
    loss_metric: str,
    missing_experiments: Sequence[str] = (),
) -> list[DataIssue]:
    """List missing experiments, runs set aside, pooled configurations, missing metrics, uneven
    epochs, NaNs and single-run groups."""
    issues = [
        DataIssue("missing_experiment", "", "", "", f"experiment {name!r} does not exist")
        for name in missing_experiments
    ]
    issues += [
        DataIssue("not_training_run", "", run.run_id, run.seed, f"excluded: {why}")
        for run, why in excluded
    ]
    issues += [
        DataIssue("unusable_run", "", p.run.run_id, p.run.seed, f"excluded: {p.reason}")
        for p in problems
    ]
    for group in grouping.groups:
        members = group.histories
        label = group.label
        if group.pooled:
            issues.append(
                DataIssue(
                    "pooled_configs",
                    label,
                    "",
                    "",
                    f"group_by pools runs whose configurations differ ({group.pooled_text}): its "
                    "runs are not replicates of one configuration",
                )
            )
        if len(members) < 2:
            issues.append(
                DataIssue(
                    "single_run_group",
                    label,
                    members[0].run.run_id,
                    members[0].run.seed,
                    "only 1 usable run: no spread across seeds, no confidence interval",
                )
            )
        issues.extend(_metric_coverage(members, label))
        issues.extend(_epoch_counts(members, label))
        issues.extend(_seeds(members, label))
        for history in members:
            issues.extend(_run_content(history, label, loss_metric))
    return issues


def relation_issues(relations: Sequence[Relation]) -> list[DataIssue]:
    """One finding per identity with the loss and per redundant metric pair."""
    return [
        DataIssue(
            "identity" if r.kind == IDENTITY else "redundant_metric",
            r.group,
            "",
            "",
            f"{r.second} vs {r.first}: {r.reason}"
            + ("; no p-value" if r.kind == IDENTITY else f"; only {r.first} is tested"),
        )
        for r in relations
    ]


def undefined_correlations(correlations: pd.DataFrame) -> list[DataIssue]:
    """One finding per run x metric x series whose correlation is undefined, with the reason.

    A constant series (constant up to rounding of the metric's scale, e.g. Meyer-Wallach of a
    circuit without entangling gates; its differences are then rounding noise too), constant
    changes (a metric moving by the same step every epoch) or fewer than 3 finite points give no
    correlation; the row stays in ``correlations.csv`` with NaN.
    """
    if correlations.empty:
        return []
    undefined = correlations[correlations["note"] != ""].drop_duplicates(
        ["run_id", "metric", "series"]
    )
    return [
        DataIssue(
            "undefined_correlation" if not np.isfinite(row.r) else "no_valid_p_value",
            row.group,
            row.run_id,
            str(row.seed),
            f"{row.metric} ({row.series}): {row.note}; "
            + ("no correlation with the loss" if not np.isfinite(row.r) else "no p-value"),
        )
        for row in undefined.itertuples()
    ]


def to_frame(issues: Sequence[DataIssue]) -> pd.DataFrame:
    """Issues as a table with the columns of ``data_quality.csv``."""
    return pd.DataFrame([asdict(i) for i in issues], columns=list(COLUMNS))


def _metric_coverage(members: Sequence[RunHistory], label: str) -> list[DataIssue]:
    union = sorted({m for h in members for m in h.entanglement_metrics})
    issues = []
    for history in members:
        run = history.run
        if not history.entanglement_metrics:
            issues.append(
                DataIssue(
                    "no_entanglement_metrics",
                    label,
                    run.run_id,
                    run.seed,
                    "no entanglement metric in the history; nothing to correlate",
                )
            )
        absent = [m for m in union if m not in history.entanglement_metrics]
        if absent and history.entanglement_metrics:
            issues.append(
                DataIssue(
                    "missing_metric",
                    label,
                    run.run_id,
                    run.seed,
                    f"lacks {', '.join(absent)} that other runs of the group logged",
                )
            )
        if history.declared_missing:
            issues.append(
                DataIssue(
                    "declared_metric_not_logged",
                    label,
                    run.run_id,
                    run.seed,
                    "tag entanglement_metrics names "
                    f"{', '.join(history.declared_missing)} but history.csv has no such column",
                )
            )
    return issues


def _epoch_counts(members: Sequence[RunHistory], label: str) -> list[DataIssue]:
    counts = Counter(h.n_epochs for h in members)
    if len(counts) < 2:
        return []
    usual, _ = counts.most_common(1)[0]
    summary = ", ".join(f"{n} steps x{c}" for n, c in sorted(counts.items()))
    return [
        DataIssue(
            "epoch_count_differs",
            label,
            h.run.run_id,
            h.run.seed,
            f"{h.n_epochs} steps where the group mostly has {usual} ({summary}); "
            "each run is correlated over its own epochs, curves average what is there",
        )
        for h in members
        if h.n_epochs != usual
    ]


def _seeds(members: Sequence[RunHistory], label: str) -> list[DataIssue]:
    counts = Counter(h.run.seed for h in members)
    return [
        DataIssue(
            "duplicate_seed",
            label,
            "",
            seed,
            f"{count} runs share seed {seed}; each still counts as one replicate",
        )
        for seed, count in counts.items()
        if count > 1
    ]


def _run_content(history: RunHistory, label: str, loss_metric: str) -> list[DataIssue]:
    run = history.run
    issues = []
    epochs = history.frame.index.to_numpy()
    if len(epochs) > 1 and not np.all(np.diff(epochs) == 1):
        issues.append(
            DataIssue(
                "epoch_gaps",
                label,
                run.run_id,
                run.seed,
                f"epochs are not consecutive ({epochs.min()}..{epochs.max()}, {len(epochs)} rows)",
            )
        )
    nan_parts = []
    for metric in (loss_metric, *history.entanglement_metrics):
        n_nan = int((~np.isfinite(history.frame[metric].to_numpy())).sum())
        if n_nan:
            nan_parts.append(f"{metric}: {n_nan} of {len(epochs)}")
    if nan_parts:
        issues.append(
            DataIssue(
                "nan_values",
                label,
                run.run_id,
                run.seed,
                "NaN or inf (excluded from correlations, counted in n_nan): "
                + "; ".join(nan_parts),
            )
        )
    return issues
