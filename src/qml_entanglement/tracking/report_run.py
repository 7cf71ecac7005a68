"""Record a report folder as a run of an MLflow experiment (``comparison``, by default).

The run gets the folder as artifacts, the report's numbers as metrics, its settings as params
and the run ids it read as a tag. MLflow caps a tag value at 8000 characters (about 240 run
ids), so the tag holds as many ids as fit plus a count, and ``run_ids.txt`` (written by the
report itself) always has them all. A sweep's parent run can get a link to the report's run.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from mlflow.entities import Metric, Param, RunStatus
from mlflow.tracking import MlflowClient
from mlflow.utils.validation import (
    MAX_METRICS_PER_BATCH,
    MAX_PARAM_VAL_LENGTH,
    MAX_PARAMS_TAGS_PER_BATCH,
    MAX_TAG_VAL_LENGTH,
)

from .store import ensure_experiment
from .ui_links import run_link

RUN_IDS_ARTIFACT = "run_ids.txt"


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


def _log_values(
    client: MlflowClient, run_id: str, params: Mapping[str, str], metrics: Mapping[str, float]
) -> None:
    """Params and metrics in batches of MLflow's maximum size."""
    param_list = [Param(k, str(v)[:MAX_PARAM_VAL_LENGTH]) for k, v in params.items()]
    for start in range(0, len(param_list), MAX_PARAMS_TAGS_PER_BATCH):
        client.log_batch(run_id, params=param_list[start : start + MAX_PARAMS_TAGS_PER_BATCH])
    now = int(time.time() * 1000)
    metric_list = [Metric(key, value, now, 0) for key, value in metrics.items()]
    for start in range(0, len(metric_list), MAX_METRICS_PER_BATCH):
        client.log_batch(run_id, metrics=metric_list[start : start + MAX_METRICS_PER_BATCH])


def log_report_run(
    tracking_uri: str,
    experiment: str,
    run_name: str,
    folder: Path,
    *,
    run_ids: Sequence[str],
    tags: Mapping[str, str],
    params: Mapping[str, str],
    metrics: Mapping[str, float],
    link_run: str | None = None,
) -> str:
    """Create the report's run, log everything, end it FINISHED (FAILED on any error, which is
    raised) and return its id; ``link_run`` (a sweep's parent run) then links to it."""
    client = MlflowClient(tracking_uri=tracking_uri)
    experiment_id = ensure_experiment(client, tracking_uri, experiment)
    ids_tag, truncated = run_ids_tag(run_ids)
    all_tags = {
        **tags,
        "selected_run_ids": ids_tag,
        "selected_run_ids_truncated": str(truncated).lower(),
        "selected_run_count": str(len(run_ids)),
    }
    run_id = client.create_run(experiment_id, run_name=run_name, tags=all_tags).info.run_id
    try:
        _log_values(client, run_id, params, metrics)
        client.log_artifacts(run_id, str(folder))
    except BaseException:
        client.set_terminated(run_id, RunStatus.to_string(RunStatus.FAILED))
        raise
    client.set_terminated(run_id)
    if link_run:
        _link_from(client, link_run, run_link(tracking_uri, experiment_id, run_id))
    return run_id


def _link_from(client: MlflowClient, source_run_id: str, link: str) -> None:
    """Tags on ``source_run_id`` (a sweep's parent run) pointing at the report's run; its
    description (``mlflow.note.content``, shown on the run page) links to it too."""
    try:
        client.set_tag(source_run_id, "comparison_report", link)
        note = f"Comparison report: [{link}]({link}) (`report.html` among its artifacts)"
        client.set_tag(source_run_id, "mlflow.note.content", note)
    except Exception as exc:  # noqa: BLE001 -- the report exists; only the link is missing
        print(f"compare: could not link run {source_run_id} to the report: {exc}")
