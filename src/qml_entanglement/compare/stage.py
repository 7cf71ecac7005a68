"""Build a comparison report end to end: select, load, correlate, pool, plot, publish.

:func:`build_report` reads the runs (:mod:`qml_entanglement.tracking.reading`), computes every
table with the analysis library (:mod:`qml_entanglement.analysis`) and the comparison's own
tables, turns them into a :class:`~qml_entanglement.report.Report`
(:func:`~qml_entanglement.compare.report.comparison_report`) and publishes it
(:func:`qml_entanglement.report.publish`: a new folder ``reports/<name>-<time>/`` that
``reports/<name>`` points at, and a run of the experiment ``comparison``). A failure never
leaves a half-written report behind.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from qml_entanglement.analysis.grouping import Grouping, build_groups
from qml_entanglement.analysis.histories import HistoryProblem, RunHistory, load_histories
from qml_entanglement.analysis.redundancy import find_relations
from qml_entanglement.analysis.selection import (
    NoRunsMatchError,
    SelectedRun,
    check_store_exists,
    resolve_key,
    select_runs,
)
from qml_entanglement.analysis.trends import trend_table
from qml_entanglement.compare import figure_set
from qml_entanglement.compare.controls import control_table
from qml_entanglement.compare.correlations import correlation_table
from qml_entanglement.compare.data_quality import (
    check_runs,
    relation_issues,
    to_frame,
    undefined_correlations,
)
from qml_entanglement.compare.narrative import caveats, group_paragraph, headline
from qml_entanglement.compare.publish import run_record
from qml_entanglement.compare.report import GroupSection, ReportContent, comparison_report
from qml_entanglement.compare.settings import CompareSettings, SettingsError
from qml_entanglement.compare.summary import summarise
from qml_entanglement.compare.trainability import sentence as trainability_sentence
from qml_entanglement.compare.trainability import trainability_table
from qml_entanglement.config.uris import redact
from qml_entanglement.report import publish
from qml_entanglement.tracking import resolve_tracking_uri
from qml_entanglement.tracking.reading import FilterRefused, open_store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReportResult:
    """Where the report went and what it covers: *directory* (``<output_dir>/<name>``) points
    at *folder*, this build's own (``<name>-<time>``)."""

    directory: Path
    folder: Path
    n_selected: int
    n_used: int
    n_groups: int
    n_tests: int
    n_significant: int
    comparison_run_id: str | None
    timings: dict[str, float] = field(default_factory=dict)


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


class _Timer:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = now - self._last
        self._last = now
        log.info("%-12s %.2f s", name, self.timings[name])


def select(settings: CompareSettings, uri: str) -> Selection:
    """The selected runs and their histories.

    Raises
    ------
    NoRunsMatchError
        If no run matches, or none of the matching runs has a usable history.
    SettingsError
        If MLflow refuses the filter string.
    """
    check_store_exists(uri, settings.experiments, settings.filter)
    client = open_store(uri)
    try:
        runs, missing, excluded = select_runs(
            client, uri, settings.experiments, settings.filter, page_size=settings.page_size
        )
    except FilterRefused as error:  # a malformed or ill-typed filter string
        raise SettingsError(f"filter={settings.filter!r} was refused by MLflow: {error}") from error
    histories, problems = load_histories(client, runs, settings.loss_metric)
    if not histories:
        reasons = "; ".join(sorted({p.reason for p in problems}))
        raise NoRunsMatchError(
            f"{len(runs)} run(s) of experiment(s) {', '.join(map(repr, settings.experiments))} "
            f"match filter {settings.filter!r}, but none has a usable history ({reasons})."
        )
    return Selection(runs, histories, problems, excluded, missing)


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


def _sections(analysis: Analysis, settings: CompareSettings) -> list[GroupSection]:
    grouping, summary, trends = analysis.grouping, analysis.summary, analysis.trends
    drawn = figure_set.group_figures(grouping, settings)
    sections = []
    for group, figures in zip(grouping.groups, drawn, strict=True):
        rows = summary[summary["group"] == group.label] if not summary.empty else summary
        loss_trend = trends[
            (trends["group"] == group.label) & (trends["metric"] == settings.loss_metric)
        ]
        prose = group_paragraph(group, rows, loss_trend, settings)
        sections.append(GroupSection(group.label, group.n_runs, prose, figures))
    return sections


def content_of(
    settings: CompareSettings, uri: str, selection: Selection, analysis: Analysis
) -> ReportContent:
    """What the report shows: numbers, prose and figures."""
    summary = analysis.summary
    overview = figure_set.heatmap(summary, settings)
    overview += figure_set.comparison_figures(analysis.grouping, summary, settings)
    note = trainability_sentence(analysis.trainability)
    return ReportContent(
        settings=settings,
        generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        tracking_uri=redact(uri),
        n_selected=selection.n_selected,
        n_used=len(selection.histories),
        n_tests=analysis.n_tests,
        n_significant=analysis.n_significant,
        headline=headline(summary, settings),
        caveats=caveats(analysis.correlations, summary, analysis.grouping.groups),
        summary=summary,
        controls=analysis.controls,
        sections=_sections(analysis, settings),
        data_quality=analysis.quality,
        overview=overview,
        notes=tuple(n for n in [note] if n),
    )


def _totals(content: ReportContent) -> dict[str, float]:
    n_tests = content.n_tests
    return {
        "n_runs_selected": float(content.n_selected),
        "n_runs_used": float(content.n_used),
        "n_groups": float(len(content.sections)),
        "n_tests": float(n_tests),
        "n_significant": float(content.n_significant),
        "share_significant": content.n_significant / n_tests if n_tests else float("nan"),
    }


def build_report(settings: CompareSettings) -> ReportResult:
    """Write ``<output_dir>/<name>/`` from the runs the settings select, and log it to MLflow.

    Raises
    ------
    NoRunsMatchError
        If no run matches (or none of the matching runs has a usable history); nothing is
        written then.
    SettingsError
        If the MLflow filter string is malformed, or a ``group_by`` key is unknown.
    """
    timer = _Timer()
    uri = resolve_tracking_uri(settings.tracking_uri)
    selection = select(settings, uri)
    timer.lap("select")
    analysis = analyse(settings, selection)
    timer.lap("analyse")
    content = content_of(settings, uri, selection, analysis)
    timer.lap("plots")
    report = comparison_report(content, analysis.tables())
    record = None
    if settings.mlflow.log:
        record = run_record(settings, uri, analysis.summary, _totals(content))
    run_ids = [run.run_id for run in selection.runs]
    published = publish(report, settings.report_dir, run_ids, record)
    timer.lap("publish")
    return ReportResult(
        directory=published.directory,
        folder=published.folder,
        n_selected=content.n_selected,
        n_used=content.n_used,
        n_groups=len(content.sections),
        n_tests=content.n_tests,
        n_significant=content.n_significant,
        comparison_run_id=published.run_id,
        timings=timer.timings,
    )
