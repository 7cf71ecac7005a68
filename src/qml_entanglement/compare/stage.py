"""Build a comparison report end to end: select, load, correlate, pool, plot, write, publish.

The report is assembled in a temporary sibling folder and moved into ``reports/<name>/`` only
when complete, so a failure never leaves a half-written or empty report behind.
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
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from qml_entanglement.compare import figures
from qml_entanglement.compare.controls import control_table
from qml_entanglement.compare.correlations import correlation_table
from qml_entanglement.compare.data_quality import (
    check_runs,
    relation_issues,
    to_frame,
    undefined_correlations,
)
from qml_entanglement.compare.grouping import (
    Grouping,
    build_groups,
    determines,
    figure_keys,
    short_names,
)
from qml_entanglement.compare.histories import RunHistory, load_histories
from qml_entanglement.compare.narrative import caveats, group_paragraph, headline
from qml_entanglement.compare.publish import RUN_IDS_ARTIFACT, publish
from qml_entanglement.compare.redundancy import find_relations
from qml_entanglement.compare.report import (
    FigureFile,
    GroupSection,
    ReportContent,
    render_html,
    render_markdown,
)
from qml_entanglement.report.folder import write_report_folder
from qml_entanglement.compare.selection import (
    MISSING,
    NoRunsMatchError,
    check_store_exists,
    resolve_key,
    select_runs,
)
from qml_entanglement.compare.settings import CompareSettings, SettingsError
from qml_entanglement.compare.summary import summarise
from qml_entanglement.compare.trainability import sentence as trainability_sentence
from qml_entanglement.compare.trainability import trainability_table
from qml_entanglement.compare.trends import trend_table
from qml_entanglement.tracking import resolve_tracking_uri
from qml_entanglement.tracking.uri import preflight

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
    preflight(uri)
    client = MlflowClient(tracking_uri=uri)
    try:
        runs, missing_experiments, excluded = select_runs(
            client, uri, settings.experiments, settings.filter, page_size=settings.page_size
        )
    except MlflowException as error:  # a malformed or ill-typed filter string
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise SettingsError(f"filter={settings.filter!r} was refused by MLflow: {first}") from error
    timer.lap("select")
    histories, problems = load_histories(client, runs, settings.loss_metric)
    timer.lap("histories")
    if not histories:
        reasons = "; ".join(sorted({p.reason for p in problems}))
        raise NoRunsMatchError(
            f"{len(runs)} run(s) of experiment(s) {', '.join(map(repr, settings.experiments))} "
            f"match filter {settings.filter!r}, but none has a usable history ({reasons})."
        )
    _check_group_by(settings.group_by, histories)
    grouping = build_groups(histories, settings.group_by)
    relations = find_relations(grouping.groups, settings.loss_metric)
    issues = check_runs(grouping, problems, excluded, settings.loss_metric, missing_experiments)
    issues += relation_issues(relations)
    correlations = correlation_table(
        grouping, settings.loss_metric, settings.methods, relations, settings.alpha
    )
    issues += undefined_correlations(correlations)
    timer.lap("correlate")
    trends = trend_table(grouping, settings.loss_metric, settings.rise_fall_tolerance)
    rng = np.random.default_rng(settings.seed)
    summary = summarise(grouping, correlations, trends, relations, settings, rng)
    controls = control_table(grouping, settings.loss_metric, settings.ci.level)
    trainability = trainability_table(grouping, settings.ci.level)
    timer.lap("summarise")

    sections = _group_sections(grouping, summary, trends, settings)
    comparisons = _comparison_figures(grouping, summary, settings)
    heatmap = None
    if not summary.empty:
        heatmap = FigureFile(
            "heatmap",
            "Mean correlation with the loss over seeds, groups x metrics (raw and differenced)",
            figures.heatmap(summary, settings.primary_method, settings.plot_dpi),
        )
    timer.lap("plots")

    tested = np.isfinite(correlations["q_value"].to_numpy(dtype=float))
    n_tests = int(tested.sum())
    n_significant = int(correlations["significant"].sum())
    quality = to_frame(issues)
    selected_ids = [r.run_id for r in runs]
    report_dir = settings.report_dir
    content = ReportContent(
        settings=settings,
        generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        tracking_uri=_display_uri(uri),
        n_selected=len(runs) + len(excluded),
        n_used=len(histories),
        n_tests=n_tests,
        n_significant=n_significant,
        headline=headline(summary, settings),
        caveats=caveats(correlations, summary, grouping.groups),
        summary=summary,
        controls=controls,
        sections=sections,
        data_quality=quality,
        heatmap=heatmap,
        comparisons=comparisons,
        notes=tuple(n for n in [trainability_sentence(trainability)] if n),
        files=(
            "report.html",
            "report.md",
            "correlations.csv",
            "summary.csv",
            "trends.csv",
            "controls.csv",
            "trainability.csv",
            "data_quality.csv",
            RUN_IDS_ARTIFACT,
            "figures/ (each figure as PNG, SVG and PDF)",
        ),
    )
    tables = {
        "correlations.csv": correlations,
        "summary.csv": summary,
        "trends.csv": trends,
        "controls.csv": controls,
        "trainability.csv": trainability,
        "data_quality.csv": quality,
    }
    folder = _write(report_dir, content, tables, selected_ids)
    timer.lap("write")

    comparison_run_id = None
    if settings.log_to_mlflow:
        totals = {
            "n_runs_selected": float(content.n_selected),
            "n_runs_used": float(len(histories)),
            "n_groups": float(len(sections)),
            "n_tests": float(n_tests),
            "n_significant": float(n_significant),
            "share_significant": n_significant / n_tests if n_tests else float("nan"),
        }
        comparison_run_id = publish(
            client, uri, settings, folder, summary, selected_ids, totals
        )
        timer.lap("publish")
    return ReportResult(
        directory=report_dir,
        folder=folder,
        n_selected=content.n_selected,
        n_used=len(histories),
        n_groups=len(sections),
        n_tests=n_tests,
        n_significant=n_significant,
        comparison_run_id=comparison_run_id,
        timings=timer.timings,
    )


def _check_group_by(keys: Sequence[str] | None, histories: Sequence[RunHistory]) -> None:
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


def _loss_name(histories) -> str | None:
    """The loss function(s) of these runs (param ``loss.name``), for the loss axis."""
    names = sorted({h.run.params.get("loss.name") for h in histories} - {None, MISSING})
    return " / ".join(n.replace("_", " ") for n in names) or None


def _stems(labels: Sequence[str], prefix: str) -> list[str]:
    """File names that say what a figure shows: ``<prefix>_<group label>``, made safe and
    unique (``curves_dataset_blobs_cluster_std_0.5``)."""
    stems: list[str] = []
    for text in labels:
        stem = f"{prefix}_{_safe(text)}"[:100].rstrip("_")
        base, index = stem, 1
        while stem in stems:
            index += 1
            stem = f"{base}_{index}"
        stems.append(stem)
    return stems


def _group_sections(
    grouping: Grouping,
    summary: pd.DataFrame,
    trends: pd.DataFrame,
    settings: CompareSettings,
) -> list[GroupSection]:
    jobs = []
    for group in grouping.groups:
        metrics = tuple(sorted({m for h in group.histories for m in h.entanglement_metrics}))
        columns = [settings.loss_metric, *figures.ACCURACIES, *metrics]
        frames = tuple(
            h.frame[[c for c in columns if c in h.frame.columns]] for h in group.histories
        )
        jobs.append(
            figures.GroupPlotJob(
                group.label,
                frames,
                metrics,
                settings.loss_metric,
                settings.plot_dpi,
                _loss_name(group.histories),
            )
        )
    rendered = figures.render_groups(jobs, settings.plot_workers)
    labels = [g.label for g in grouping.groups]
    curves, versus = _stems(labels, "curves"), _stems(labels, "vs_loss")
    sections = []
    for index, (group, (lines, scatter)) in enumerate(zip(grouping.groups, rendered, strict=True)):
        rows = summary[summary["group"] == group.label] if not summary.empty else summary
        loss_trend = trends[
            (trends["group"] == group.label) & (trends["metric"] == settings.loss_metric)
        ]
        prose = group_paragraph(group, rows, loss_trend, settings)
        files = [
            FigureFile(
                curves[index],
                f"{group.label}: loss, accuracy and entanglement metrics over training",
                lines,
            )
        ]
        if scatter is not None:
            files.append(
                FigureFile(
                    versus[index],
                    f"{group.label}: entanglement metrics against the loss, coloured by epoch",
                    scatter,
                )
            )
        sections.append(GroupSection(group.label, group.n_runs, prose, files))
    return sections


def _value_labels(grouping: Grouping, key: str, names: dict[str, str]) -> dict[str, str]:
    """Legend entries for *key*'s values; ``n/a`` says what it stands for through the keys
    *key* determines (``n/a (dataset=ad_hoc)`` for ``cluster_std``)."""
    coarser = [o for o in grouping.keys if o != key and determines(grouping.groups, key, o)]
    labels = {}
    for group in grouping.groups:
        value = group.values[key]
        words = [f"{names[o]}={group.values[o]}" for o in coarser if group.values[o] != MISSING]
        labels[value] = f"{value} ({', '.join(words)})" if value == MISSING and words else value
    return labels


def _comparison_figures(
    grouping: Grouping, summary: pd.DataFrame, settings: CompareSettings
) -> list[FigureFile]:
    """Conditions on one axis: every swept key's values overlaid, and correlation vs each
    numeric swept key; a key that another swept key determines adds no figure
    (:func:`~.grouping.figure_keys`)."""
    if len(grouping.groups) < 2:
        return []
    names = short_names(grouping.keys)
    metrics = sorted(
        {m for g in grouping.groups for h in g.histories for m in h.entanglement_metrics}
    )
    present = {c for g in grouping.groups for h in g.histories for c in h.frame.columns}
    panels = [settings.loss_metric, *(a for a in figures.ACCURACIES if a in present), *metrics]
    every = [h for g in grouping.groups for h in g.histories]
    files = []
    for key in figure_keys(grouping):
        values = sorted({g.values[key] for g in grouping.groups}, key=_numeric_first)
        shown = _value_labels(grouping, key, names)
        frames_by_value = {
            shown[value]: [
                h.frame for g in grouping.groups if g.values[key] == value for h in g.histories
            ]
            for value in values
        }
        short = names[key]
        files.append(
            FigureFile(
                f"by_{_safe(short)}",
                f"Every metric over training for each value of {short} (mean over the runs "
                "with that value, whatever their other settings)",
                figures.overlay_by_value(
                    frames_by_value,
                    panels,
                    short,
                    settings.plot_dpi,
                    loss_metric=settings.loss_metric,
                    loss_name=_loss_name(every),
                ),
            )
        )
        numeric = [v for v in values if _is_number(v)]
        if len(numeric) >= 2 and not summary.empty and short in summary.columns:
            files.append(
                FigureFile(
                    f"loss_correlation_vs_{_safe(short)}",
                    f"Mean correlation with the loss (interval over seeds) against {short}; "
                    "each point is a group",
                    figures.correlation_vs_value(
                        summary, short, short, settings.primary_method, settings.plot_dpi
                    ),
                )
            )
    return files


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return value.lower() not in ("nan", "inf", "-inf")


def _numeric_first(value: str) -> tuple[int, float, str]:
    return (0, float(value), value) if _is_number(value) else (1, 0.0, value)


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text)


def _display_uri(uri: str) -> str:
    """The tracking URI without any user:password part."""
    scheme, sep, rest = uri.partition("://")
    if sep and "@" in rest.split("/", 1)[0]:
        rest = rest.split("@", 1)[1]
    return f"{scheme}{sep}{rest}"


def _write(
    report_dir: Path,
    content: ReportContent,
    tables: dict[str, pd.DataFrame],
    run_ids: list[str],
) -> Path:
    """Write every file into a new folder of its own; *report_dir* then points at it
    (:mod:`qml_entanglement.report.folder`: earlier reports are kept). Returns the folder."""

    def fill(folder: Path) -> None:
        figure_dir = folder / "figures"
        figure_dir.mkdir()
        for figure in content.figures:
            for fmt in figures.FORMATS:
                (figure_dir / f"{figure.stem}.{fmt}").write_bytes(getattr(figure.rendered, fmt))
        for name, table in tables.items():
            table.to_csv(folder / name, index=False)
        (folder / RUN_IDS_ARTIFACT).write_text("\n".join(run_ids) + "\n")
        (folder / "report.md").write_text(render_markdown(content), encoding="utf-8")
        (folder / "report.html").write_text(render_html(content), encoding="utf-8")

    return write_report_folder(report_dir, fill)
