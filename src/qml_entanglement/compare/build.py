"""Build a comparison report end to end: select, load, correlate, pool, plot, write, publish.

The report is assembled in a temporary sibling folder and moved into ``reports/<name>/`` only
when complete, so a failure never leaves a half-written or empty report behind.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from qml_entanglement.compare import plots
from qml_entanglement.compare.data_quality import check_runs, to_frame, undefined_correlations
from qml_entanglement.compare.histories import RunHistory, load_histories
from qml_entanglement.compare.narrative import group_paragraph
from qml_entanglement.compare.publish import RUN_IDS_ARTIFACT, publish
from qml_entanglement.compare.report import (
    FigureFile,
    GroupSection,
    ReportContent,
    render_html,
    render_markdown,
)
from qml_entanglement.compare.selection import (
    NoRunsMatchError,
    check_store_exists,
    group_label,
    select_runs,
)
from qml_entanglement.compare.settings import CompareSettings, SettingsError
from qml_entanglement.compare.statistics import add_q_values, correlation_table
from qml_entanglement.compare.summary import summarise
from qml_entanglement.compare.trends import trend_table
from qml_entanglement.tracking import resolve_tracking_uri

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReportResult:
    """Where the report went and what it covers."""

    directory: Path
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


def build_report(settings: CompareSettings) -> ReportResult:
    """Write ``<output_dir>/<name>/`` from the runs the settings select, and log it to MLflow.

    Raises
    ------
    NoRunsMatchError
        If no run matches (or none of the matching runs has a usable history); nothing is
        written then.
    SettingsError
        If the MLflow filter string is malformed.
    """
    timer = _Timer()
    uri = resolve_tracking_uri(settings.tracking_uri)
    check_store_exists(uri, settings.experiments, settings.filter)
    client = MlflowClient(tracking_uri=uri)
    try:
        runs, missing_experiments = select_runs(
            client,
            uri,
            settings.experiments,
            settings.filter,
            settings.group_by,
            page_size=settings.page_size,
        )
    except MlflowException as error:
        if "filter" in str(error).lower() or "invalid" in str(error).lower():
            raise SettingsError(
                f"filter={settings.filter!r} was refused by MLflow: {error}"
            ) from error
        raise
    timer.lap("select")
    histories, problems = load_histories(client, runs, settings.loss_metric)
    timer.lap("histories")
    if not histories:
        reasons = "; ".join(sorted({p.reason for p in problems}))
        raise NoRunsMatchError(
            f"{len(runs)} run(s) of experiment(s) {', '.join(map(repr, settings.experiments))} "
            f"match filter {settings.filter!r}, but none has a usable history ({reasons})."
        )
    issues = check_runs(
        histories, problems, settings.group_by, settings.loss_metric, missing_experiments
    )
    correlations = add_q_values(
        correlation_table(histories, settings.loss_metric, settings.methods, settings.group_by),
        settings.alpha,
    )
    issues += undefined_correlations(correlations)
    timer.lap("correlate")
    trends = trend_table(
        histories, settings.loss_metric, settings.group_by, settings.rise_fall_tolerance
    )
    rng = np.random.default_rng(settings.seed)
    summary = summarise(histories, correlations, trends, settings, rng)
    timer.lap("summarise")

    sections, heatmap = _figures_and_prose(histories, summary, trends, settings)
    timer.lap("plots")

    n_tests = int(np.isfinite(correlations["p_value"]).sum())
    n_significant = int(correlations["significant"].sum())
    quality = to_frame(issues)
    selected_ids = [r.run_id for r in runs]
    report_dir = settings.report_dir
    content = ReportContent(
        settings=settings,
        generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        tracking_uri=_display_uri(uri),
        n_selected=len(runs),
        n_used=len(histories),
        n_tests=n_tests,
        n_significant=n_significant,
        summary=summary,
        sections=sections,
        data_quality=quality,
        heatmap=heatmap,
        files=(
            "report.html",
            "report.md",
            "correlations.csv",
            "summary.csv",
            "trends.csv",
            "data_quality.csv",
            RUN_IDS_ARTIFACT,
            "figures/",
        ),
    )
    _write(report_dir, content, correlations, summary, trends, quality, selected_ids)
    timer.lap("write")

    comparison_run_id = None
    if settings.log_to_mlflow:
        totals = {
            "n_runs_selected": float(len(runs)),
            "n_runs_used": float(len(histories)),
            "n_groups": float(len(sections)),
            "n_tests": float(n_tests),
            "n_significant": float(n_significant),
            "share_significant": n_significant / n_tests if n_tests else float("nan"),
        }
        comparison_run_id = publish(
            client, uri, settings, report_dir, summary, selected_ids, totals
        )
        timer.lap("publish")
    return ReportResult(
        directory=report_dir,
        n_selected=len(runs),
        n_used=len(histories),
        n_groups=len(sections),
        n_tests=n_tests,
        n_significant=n_significant,
        comparison_run_id=comparison_run_id,
        timings=timer.timings,
    )


def _figures_and_prose(
    histories: list[RunHistory],
    summary: pd.DataFrame,
    trends: pd.DataFrame,
    settings: CompareSettings,
) -> tuple[list[GroupSection], FigureFile | None]:
    by_group: dict[str, list[RunHistory]] = {}
    for history in histories:
        by_group.setdefault(group_label(settings.group_by, history.run.group), []).append(history)
    jobs = []
    for label, members in by_group.items():
        metrics = tuple(sorted({m for h in members for m in h.entanglement_metrics}))
        columns = [settings.loss_metric, *metrics]
        frames = tuple(h.frame[[c for c in columns if c in h.frame.columns]] for h in members)
        jobs.append(
            plots.GroupPlotJob(label, frames, metrics, settings.loss_metric, settings.plot_dpi)
        )
    rendered = plots.render_groups(jobs, settings.plot_workers)

    sections = []
    for index, ((label, members), (lines, scatter)) in enumerate(
        zip(by_group.items(), rendered, strict=True)
    ):
        rows = summary[summary["group"] == label] if not summary.empty else summary
        loss_trend = trends[(trends["group"] == label) & (trends["metric"] == settings.loss_metric)]
        prose = group_paragraph(label, rows, loss_trend, [h.run.seed for h in members], settings)
        figures = [
            FigureFile(
                f"group{index:03d}_trajectories.png",
                f"{label}: loss and entanglement metrics over training",
                lines,
            )
        ]
        if scatter is not None:
            figures.append(
                FigureFile(
                    f"group{index:03d}_vs_loss.png",
                    f"{label}: entanglement metrics against the loss, coloured by epoch",
                    scatter,
                )
            )
        sections.append(GroupSection(label, len(members), prose, figures))
    heatmap = None
    if not summary.empty:
        heatmap = FigureFile(
            "heatmap.png",
            "Mean correlation with the loss, groups x metrics (raw and differenced)",
            plots.heatmap(summary, settings.primary_method, settings.plot_dpi),
        )
    return sections, heatmap


def _display_uri(uri: str) -> str:
    """The tracking URI without any user:password part."""
    scheme, sep, rest = uri.partition("://")
    if sep and "@" in rest.split("/", 1)[0]:
        rest = rest.split("@", 1)[1]
    return f"{scheme}{sep}{rest}"


def _write(
    report_dir: Path,
    content: ReportContent,
    correlations: pd.DataFrame,
    summary: pd.DataFrame,
    trends: pd.DataFrame,
    quality: pd.DataFrame,
    run_ids: list[str],
) -> None:
    """Write every file into a temporary sibling folder, then swap it into place."""
    report_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{report_dir.name}.", dir=report_dir.parent))
    try:
        figures = staging / "figures"
        figures.mkdir()
        every_figure = [content.heatmap] if content.heatmap else []
        every_figure += [f for s in content.sections for f in s.figures]
        for figure in every_figure:
            (figures / figure.filename).write_bytes(figure.png)
        correlations.to_csv(staging / "correlations.csv", index=False)
        summary.to_csv(staging / "summary.csv", index=False)
        trends.to_csv(staging / "trends.csv", index=False)
        quality.to_csv(staging / "data_quality.csv", index=False)
        (staging / RUN_IDS_ARTIFACT).write_text("\n".join(run_ids) + "\n")
        (staging / "report.md").write_text(render_markdown(content), encoding="utf-8")
        (staging / "report.html").write_text(render_html(content), encoding="utf-8")
        old = None
        if report_dir.exists():
            old = report_dir.with_name(f".{report_dir.name}.old-{os.getpid()}")
            report_dir.rename(old)
        staging.rename(report_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
