"""Which sweep a run belongs to, and skipping runs a sweep has already finished.

A job of a sweep carries three tags: ``sweep_id`` (the sweep that trained it),
``mlflow.parentRunId`` (that sweep's parent run, so the MLflow UI nests it) and ``sweeps``,
every sweep that counts it, as ``|id1|id2|``: a job skipped because an identical run already
FINISHED adds its sweep to that run's ``sweeps``, so ``tags.sweeps LIKE '%|<id>|%'`` selects the
whole of a sweep even when parts of it were trained by another one.
"""

from __future__ import annotations

from typing import Any

from omegaconf import DictConfig

from ..config.fields import ConfigError

SWEEPS_TAG = "sweeps"
PARENT_TAG = "mlflow.parentRunId"


def sweep_id_of(cfg: DictConfig) -> str | None:
    """The id of the sweep a job belongs to (set by the sweep callback), else None."""
    sweep = cfg.get("sweep")
    return None if sweep is None else sweep.get("id")


def sweep_tags(cfg: DictConfig) -> dict[str, str]:
    """Tags that put a run into its sweep; empty outside a sweep."""
    sweep_id = sweep_id_of(cfg)
    if not sweep_id:
        return {}
    tags = {"sweep_id": sweep_id, SWEEPS_TAG: f"|{sweep_id}|"}
    if cfg.sweep.get("name"):
        tags["sweep_name"] = str(cfg.sweep.name)
    if cfg.sweep.get("parent_run_id"):
        tags[PARENT_TAG] = str(cfg.sweep.parent_run_id)
    return tags


def wants_skip_check(cfg: DictConfig) -> bool:
    """Sweep jobs skip configs that already FINISHED unless ``force=true``; single runs always
    train (so running one config twice, e.g. to check determinism, still works)."""
    force = cfg.get("force", False)
    if not isinstance(force, bool):
        raise ConfigError(f"force={force!r} must be true or false")
    return sweep_id_of(cfg) is not None and not force


def find_finished(client, experiment_id: str, config_hash: str):
    """The newest FINISHED run of ``experiment_id`` tagged with ``config_hash``, or None."""
    runs = client.search_runs(
        [experiment_id],
        filter_string=f"tags.config_hash = '{config_hash}' and attributes.status = 'FINISHED'",
        order_by=["attributes.start_time DESC"],
        max_results=1,
    )
    return runs[0] if runs else None


def join_sweep(client, run, sweep_id: str) -> None:
    """Count an existing run as part of ``sweep_id`` too (idempotent)."""
    members = run.data.tags.get(SWEEPS_TAG, "|")
    if f"|{sweep_id}|" not in members:
        client.set_tag(run.info.run_id, SWEEPS_TAG, f"{members}{sweep_id}|")


def skipped_summary(run, uri: str) -> dict[str, Any]:
    """What :func:`~qml_entanglement.training.run_experiment` returns for a skipped job."""
    return {
        "run_id": run.info.run_id,
        "run_name": run.info.run_name,
        "experiment_id": run.info.experiment_id,
        "status": "SKIPPED",
        "tracking_uri": uri,
        **run.data.metrics,
    }
