"""Record a comparison report as a run of the MLflow experiment ``comparison``.

The run gets the report folder as artifacts, the summary numbers as metrics, the settings as
params and the selected run ids as a tag. MLflow caps a tag value at 8000 characters (about
240 run ids), so the tag holds as many ids as fit plus a count, and ``run_ids.txt`` (written by
the report itself) always has them all.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from mlflow.entities import Metric, Param, RunStatus
from mlflow.utils.validation import (
    MAX_METRICS_PER_BATCH,
    MAX_PARAM_VAL_LENGTH,
    MAX_PARAMS_TAGS_PER_BATCH,
    MAX_TAG_VAL_LENGTH,
)

from qml_entanglement.compare.settings import CompareSettings
from qml_entanglement.tracking import ensure_experiment
from qml_entanglement.tracking.ui_links import run_link

RUN_IDS_ARTIFACT = "run_ids.txt"
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def run_ids_tag(run_ids: Sequence[str], limit: int = MAX_TAG_VAL_LENGTH) -> tuple[str, bool]:
    """Comma-separated ids, cut to fit *limit* characters with a pointer to ``run_ids.txt``.

    Returns the tag value and whether it was truncated.

    >>> run_ids_tag(["a", "b"])
    ('a,b', False)
    >>> run_ids_tag([c * 10 for c in "abcde"], limit=50)
    ('aaaaaaaaaa ... (+4 more, see run_ids.txt)', True)
    """
    full = ",".join(run_ids)
    if len(full) <= limit:
        return full, False
    kept: list[str] = []
    for index, run_id in enumerate(run_ids):
        rest = len(run_ids) - index - 1
        suffix = f" ... (+{rest} more, see {RUN_IDS_ARTIFACT})"
        if len(",".join([*kept, run_id])) + len(suffix) > limit:
            break
        kept.append(run_id)
    rest = len(run_ids) - len(kept)
    return ",".join(kept) + f" ... (+{rest} more, see {RUN_IDS_ARTIFACT})", True


def metric_key(*parts: str) -> str:
    """A valid MLflow metric key from free-text parts, joined by ``/``.

    >>> metric_key("dataset=moons, ansatz=ra", "meyer_wallach", "spearman_raw_mean")
    'dataset_moons_ansatz_ra/meyer_wallach/spearman_raw_mean'
    """
    return "/".join(_UNSAFE.sub("_", p).strip("_") or "_" for p in parts)[:250]


def summary_metrics(
    summary: pd.DataFrame, settings: CompareSettings, totals: dict[str, float]
) -> list[tuple[str, float]]:
    """Totals plus, per group x metric x method x series, the mean over seeds, its interval
    and the share of runs significant after correction."""
    values = list(totals.items())
    if summary.empty:
        return values
    for row in summary.to_dict("records"):
        tested = row.get("n_tested", 0) or 0
        share = row.get("n_significant", 0) / tested if tested else math.nan
        prefix = f"{row['method']}_{row['series']}"
        for what, value in (
            ("mean", row.get("mean")),
            ("ci_low", row.get("ci_low")),
            ("ci_high", row.get("ci_high")),
            ("sig_share", share),
        ):
            if isinstance(value, float) and math.isfinite(value):
                values.append((metric_key(row["group"], row["metric"], f"{prefix}_{what}"), value))
    return values


def publish(
    client,
    tracking_uri: str,
    settings: CompareSettings,
    report_dir: Path,
    summary: pd.DataFrame,
    run_ids: Sequence[str],
    totals: dict[str, float],
) -> str:
    """Create the comparison run, log everything, and return its id."""
    experiment_id = ensure_experiment(client, tracking_uri, settings.comparison_experiment)
    ids_tag, truncated = run_ids_tag(run_ids)
    tags = {
        "report_name": settings.name,
        "selected_run_ids": ids_tag,
        "selected_run_ids_truncated": str(truncated).lower(),
        "selected_run_count": str(len(run_ids)),
        "experiments": ",".join(settings.experiments),
        "group_by": _group_by(settings),
    }
    run = client.create_run(experiment_id, run_name=settings.name, tags=tags)
    run_id = run.info.run_id
    try:
        params = {
            "experiments": ",".join(settings.experiments),
            "filter": settings.filter,
            "group_by": _group_by(settings),
            "loss_metric": settings.loss_metric,
            "methods": ",".join(settings.methods),
            "primary_method": settings.primary_method,
            "alpha": str(settings.alpha),
            "ci.method": settings.ci.method,
            "ci.level": str(settings.ci.level),
            "ci.min_epochs_fisher": str(settings.ci.min_epochs_fisher),
            "ci.n_resamples": str(settings.ci.n_resamples),
            "ci.target_half_width": str(settings.ci.target_half_width),
            "seed": str(settings.seed),
        }
        param_list = [Param(k, v[:MAX_PARAM_VAL_LENGTH]) for k, v in params.items()]
        for start in range(0, len(param_list), MAX_PARAMS_TAGS_PER_BATCH):
            client.log_batch(run_id, params=param_list[start : start + MAX_PARAMS_TAGS_PER_BATCH])
        now = int(time.time() * 1000)
        unique = dict(summary_metrics(summary, settings, totals))
        metrics = [Metric(key, value, now, 0) for key, value in unique.items()]
        for start in range(0, len(metrics), MAX_METRICS_PER_BATCH):
            client.log_batch(run_id, metrics=metrics[start : start + MAX_METRICS_PER_BATCH])
        client.log_artifacts(run_id, str(report_dir))
    except BaseException:
        client.set_terminated(run_id, RunStatus.to_string(RunStatus.FAILED))
        raise
    client.set_terminated(run_id)
    if settings.link_run:
        _link_from(client, settings.link_run, run_link(tracking_uri, experiment_id, run_id))
    return run_id


def _link_from(client, source_run_id: str, link: str) -> None:
    """Tags on ``source_run_id`` (a sweep's parent run) pointing at the comparison run; its
    description (``mlflow.note.content``, shown on the run page) links to it too."""
    try:
        client.set_tag(source_run_id, "comparison_report", link)
        note = f"Comparison report: [{link}]({link}) (`report.html` among its artifacts)"
        client.set_tag(source_run_id, "mlflow.note.content", note)
    except Exception as exc:  # noqa: BLE001 -- the report exists; only the link is missing
        print(f"compare: could not link run {source_run_id} to the report: {exc}")


def _group_by(settings: CompareSettings) -> str:
    return "auto" if settings.group_by is None else ",".join(settings.group_by)
