"""Publish a report: write its folder, then record it as a run of the tracking store.

:func:`publish` is the one way every stage (``make compare``, ``make study``, ``make atlas``)
puts a :class:`~.elements.Report` out: a new folder ``<directory>-<time>/`` that
``<directory>`` then points at (:mod:`.folder`; earlier reports are kept), and, with a
:class:`RunRecord`, a run of the MLflow experiment ``comparison`` holding the folder as
artifacts (:mod:`qml_entanglement.tracking.report_run`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .elements import RUN_IDS_FILE, Report
from .folder import write_report_folder
from .render import write_report

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


@dataclass(frozen=True)
class RunRecord:
    """How a report is recorded in the tracking store: the experiment and run name, and the
    run's tags, params (settings, as text) and metrics (non-finite values are left out)."""

    tracking_uri: str
    name: str
    experiment: str = "comparison"
    tags: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, str] = field(default_factory=dict)
    metrics: Mapping[str, float] = field(default_factory=dict)
    link_run: str | None = None  # a run (a sweep's parent) that gets a link to this one


@dataclass(frozen=True)
class Published:
    """Where a report went: *directory* points at *folder* (this build's), and its run id."""

    directory: Path
    folder: Path
    run_id: str | None


def metric_key(*parts: str) -> str:
    """A valid MLflow metric key from free-text parts, joined by ``/``.

    >>> metric_key("dataset=moons, ansatz=ra", "meyer_wallach", "spearman_raw_mean")
    'dataset_moons_ansatz_ra/meyer_wallach/spearman_raw_mean'
    """
    return "/".join(_UNSAFE.sub("_", p).strip("_") or "_" for p in parts)[:250]


def publish(
    report: Report,
    directory: Path,
    run_ids: Sequence[str],
    record: RunRecord | None = None,
) -> Published:
    """Write *report* (with ``run_ids.txt``: the runs it read) into a new folder that
    *directory* points at; with *record*, log the folder as a run. Nothing is left behind
    when writing fails; a failed logging marks its run FAILED and raises."""
    texts = {**report.texts, RUN_IDS_FILE: "\n".join(run_ids) + "\n"}
    full = Report(report.title, report.blocks, report.tables, texts)
    folder = write_report_folder(directory, lambda path: write_report(full, path))
    if record is None:
        return Published(directory, folder, None)
    from qml_entanglement.tracking.report_run import log_report_run

    metrics = {k: float(v) for k, v in record.metrics.items() if math.isfinite(float(v))}
    run_id = log_report_run(
        record.tracking_uri,
        record.experiment,
        record.name,
        folder,
        run_ids=run_ids,
        tags=record.tags,
        params=record.params,
        metrics=metrics,
        link_run=record.link_run,
    )
    return Published(directory, folder, run_id)
