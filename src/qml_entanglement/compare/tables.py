"""Every table of the comparison from the selected histories: groups, identities and
redundancies, per-run correlations, trends, the summary over seeds, the no-entangler
controls, trainability and the data-quality findings (each written as a CSV)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from qml_entanglement.analysis.grouping import Grouping, build_groups
from qml_entanglement.analysis.histories import HistoryProblem, RunHistory
from qml_entanglement.analysis.redundancy import find_relations
from qml_entanglement.analysis.selection import SelectedRun, resolve_key
from qml_entanglement.analysis.trends import trend_table
from qml_entanglement.compare.controls import control_table
from qml_entanglement.compare.correlations import correlation_table
from qml_entanglement.compare.data_quality import (
    check_runs,
    relation_issues,
    to_frame,
    undefined_correlations,
)
from qml_entanglement.compare.settings import CompareSettings, SettingsError
from qml_entanglement.compare.summary import summarise
from qml_entanglement.compare.trainability import trainability_table


@dataclass(frozen=True)
class Selection:
    """The runs read: the training runs (by seed), their usable histories, the runs without
    one, the matching runs that are not training runs (with why) and the experiments that do
    not exist."""

    runs: list[SelectedRun]
    histories: list[RunHistory]
    problems: list[HistoryProblem]
    excluded: list[tuple[SelectedRun, str]]
    missing_experiments: list[str]

    @property
    def n_selected(self) -> int:
        """Every matching run, training or not, usable or not."""
        return len(self.runs) + len(self.excluded)


@dataclass(frozen=True)
class Analysis:
    """Every table of the comparison (each written as a CSV of the same name)."""

    grouping: Grouping
    correlations: pd.DataFrame
    trends: pd.DataFrame
    summary: pd.DataFrame
    controls: pd.DataFrame
    trainability: pd.DataFrame
    quality: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        """``<name>.csv`` -> table, in the report's order."""
        names = ("correlations", "summary", "trends", "controls", "trainability")
        return {**{f"{n}.csv": getattr(self, n) for n in names}, "data_quality.csv": self.quality}

    @property
    def n_tests(self) -> int:
        """Per-run tests with a q-value."""
        return int(np.isfinite(self.correlations["q_value"].to_numpy(dtype=float)).sum())

    @property
    def n_significant(self) -> int:
        """Per-run tests significant after Benjamini-Hochberg."""
        return int(self.correlations["significant"].sum())


def check_group_by(keys: Sequence[str] | None, histories: Sequence[RunHistory]) -> None:
    """Refuse a ``group_by`` key that no selected run has (a typo would make one group)."""
    for key in keys or ():
        if any(resolve_key(h.run.tags, h.run.params, key) is not None for h in histories):
            continue
        known = sorted({k for h in histories for k in (*h.run.tags, *h.run.params)})
        known = [k for k in known if not k.startswith("mlflow.")]
        raise SettingsError(
            f"group_by key {key!r} is neither a tag nor a param of any selected run; "
            f"known keys include: {', '.join(known[:25])}{' ...' if len(known) > 25 else ''}"
        )


def analyse(settings: CompareSettings, selection: Selection) -> Analysis:
    """Group, find identities and redundancies, correlate, describe trends, pool over seeds,
    compare with controls, and collect every data-quality finding."""
    check_group_by(settings.group_keys, selection.histories)
    loss = settings.loss_metric
    grouping = build_groups(selection.histories, settings.group_keys)
    relations = find_relations(grouping.groups, loss)
    issues = check_runs(
        grouping, selection.problems, selection.excluded, loss, selection.missing_experiments
    )
    issues += relation_issues(relations)
    correlations = correlation_table(grouping, loss, settings.methods, relations, settings.alpha)
    issues += undefined_correlations(correlations)
    trends = trend_table(grouping, loss, settings.trends.rise_fall_tolerance)
    rng = np.random.default_rng(settings.seed)
    summary = summarise(grouping, correlations, trends, relations, settings, rng)
    return Analysis(
        grouping,
        correlations,
        trends,
        summary,
        control_table(grouping, loss, settings.ci.level),
        trainability_table(grouping, settings.ci.level),
        to_frame(issues),
    )
