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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from qml_entanglement.analysis.histories import load_histories
from qml_entanglement.analysis.selection import (
    NoRunsMatchError,
    check_store_exists,
    select_runs,
)
from qml_entanglement.compare import figure_set
from qml_entanglement.compare.narrative import caveats, group_paragraph, headline
from qml_entanglement.compare.publish import run_record
from qml_entanglement.compare.report import GroupSection, ReportContent, comparison_report
from qml_entanglement.compare.settings import CompareSettings, SettingsError
from qml_entanglement.compare.tables import Analysis, Selection, analyse
from qml_entanglement.compare.trainability import sentence as trainability_sentence
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
