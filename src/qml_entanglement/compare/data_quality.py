"""Find and list what is wrong or uneven in the selected runs, so the report can say so.

Nothing here drops data silently: each finding becomes one row of the report's
"Data quality" table (``data_quality.csv``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from qml_entanglement.compare.histories import HistoryProblem, RunHistory
from qml_entanglement.compare.selection import group_label

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
    histories: Sequence[RunHistory],
    problems: Sequence[HistoryProblem],
    group_by: Sequence[str],
    loss_metric: str,
    missing_experiments: Sequence[str] = (),
) -> list[DataIssue]:
    """List missing experiments, unusable runs, missing metrics, uneven epochs, NaNs, etc."""
    issues = [
        DataIssue("missing_experiment", "", "", "", f"experiment {name!r} does not exist")
        for name in missing_experiments
    ]
    for problem in problems:
        run = problem.run
        issues.append(
            DataIssue(
                "unusable_run",
                group_label(group_by, run.group),
                run.run_id,
                run.seed,
                f"excluded: {problem.reason}",
            )
        )

    by_group: dict[tuple[str, ...], list[RunHistory]] = defaultdict(list)
    for history in histories:
        by_group[history.run.group].append(history)
    grouped_problems = Counter(p.run.group for p in problems)

    for group, members in by_group.items():
        label = group_label(group_by, group)
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
    for group, count in grouped_problems.items():
        if group not in by_group:
            issues.append(
                DataIssue(
                    "empty_group",
                    group_label(group_by, group),
                    "",
                    "",
                    f"all {count} selected run(s) of this group were unusable",
                )
            )
    return issues


def undefined_correlations(correlations: pd.DataFrame) -> list[DataIssue]:
    """One finding per run x metric x series whose correlation is undefined, with the reason.

    A constant series (e.g. Meyer-Wallach of a circuit without entangling gates, or a metric
    changing by the same step every epoch, whose differences are constant) or one with fewer
    than 3 finite points has no correlation; the row stays in ``correlations.csv`` with NaN.
    """
    if correlations.empty:
        return []
    undefined = correlations[correlations["note"] != ""].drop_duplicates(
        ["run_id", "metric", "series"]
    )
    return [
        DataIssue(
            "undefined_correlation",
            row.group,
            row.run_id,
            str(row.seed),
            f"{row.metric} ({row.series}): {row.note}; no correlation with the loss",
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
