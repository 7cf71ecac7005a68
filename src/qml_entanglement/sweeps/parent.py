"""A sweep's identity and its parent run in MLflow.

The sweep id is ``<name>-<hash>``, the hash taken over the sweep's definition (its sweeper
params and command-line overrides, minus ``force`` and where runs are tracked), so running the
same sweep again gets the same id and reopens the same parent run: resuming a sweep adds to it
instead of starting a second one.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

PARENT_ROLE = "parent"
_IGNORED_KEYS = ("force", "sweep.id", "sweep.parent_run_id")


def _key(override: str) -> str:
    return override.lstrip("+~").split("=", 1)[0]


def sweep_arguments(config: DictConfig) -> list[str]:
    """The sweep as Hydra's basic sweeper sees it: sweeper params, then the task overrides."""
    params = config.hydra.sweeper.get("params") or {}
    return [f"{key}={value}" for key, value in params.items()] + list(config.hydra.overrides.task)


def sweep_definition(config: DictConfig) -> list[str]:
    """The overrides that decide which runs a sweep makes, sorted (order does not change a
    cartesian product)."""
    return sorted(
        arg
        for arg in sweep_arguments(config)
        if _key(arg) not in _IGNORED_KEYS and not _key(arg).startswith("tracking")
    )


def sweep_id(config: DictConfig) -> str:
    """``sweep.id`` when given, else ``<sweep.name or "multirun">-<8 hex of the definition>``."""
    given = config.sweep.get("id") if config.get("sweep") is not None else None
    if given:
        return str(given)
    name = (config.get("sweep") or {}).get("name") or "multirun"
    digest = hashlib.sha256("\n".join(sweep_definition(config)).encode()).hexdigest()[:8]
    return f"{name}-{digest}"


def count_jobs(config: DictConfig) -> int | None:
    """How many jobs Hydra's basic sweeper (or a subclass, such as ``hydra/sweeper=signature``)
    will launch, or None if that cannot be told here (another sweeper, or a glob that needs the
    config loader)."""
    try:
        from hydra.core.override_parser.overrides_parser import OverridesParser
        from hydra.utils import get_class

        from .library_internals import basic_sweeper

        BasicSweeper = basic_sweeper()[0]  # noqa: N806 -- a class

        if not issubclass(get_class(str(config.hydra.sweeper.get("_target_", ""))), BasicSweeper):
            return None
        overrides = OverridesParser.create().parse_overrides(sweep_arguments(config))
        return sum(len(batch) for batch in BasicSweeper.split_arguments(overrides, None))
    except Exception:
        return None


class ParentRun:
    """The MLflow run that stands for a whole sweep; its jobs are its children."""

    def __init__(self, uri: str | None, experiment: str, sweep_id: str, run_id: str | None = None):
        from ..tracking import ensure_experiment, ensure_store, resolve_tracking_uri

        self.uri = resolve_tracking_uri(uri)
        self.sweep_id = sweep_id
        self.client = ensure_store(self.uri)  # create store + experiment once, before any job
        self.experiment_id = ensure_experiment(self.client, self.uri, experiment)
        self.run_id = run_id
        self.resumed = False

    def open(self, name: str, definition: list[str], owner: dict[str, str]) -> str:
        """Reopen this sweep's parent run if an earlier attempt made one, else create it.

        *owner* (:func:`~qml_entanglement.tracking.liveness.owner_tags` of the launching
        process) lets a later run, sweep or comparison close the parent if the launcher is
        killed; runs of earlier sweeps whose process is gone are closed first.
        """
        from ..tracking.liveness import every_experiment, reap_stale_runs

        reap_stale_runs(self.client, every_experiment(self.client))
        found = self.client.search_runs(
            [self.experiment_id],
            filter_string=f"tags.sweep_id = '{self.sweep_id}' and tags.sweep_role = 'parent'",
            max_results=1,
        )
        if found:
            self.run_id = found[0].info.run_id
            self.resumed = True
            self.client.update_run(self.run_id, status="RUNNING")
            for key, value in owner.items():
                self.client.set_tag(self.run_id, key, value)
            return self.run_id
        run = self.client.create_run(
            self.experiment_id,
            run_name=f"sweep-{self.sweep_id}",
            tags={
                "sweep_id": self.sweep_id,
                "sweep_name": name,
                "sweep_role": PARENT_ROLE,
                "overrides": " ".join(definition)[:5000],
                "mlflow.note.content": f"Parent run of sweep {self.sweep_id}: "
                f"{' '.join(definition)}",
                **owner,
            },
        )
        self.run_id = run.info.run_id
        return self.run_id

    def fail_orphans(self, reason: str) -> int:
        """Mark this sweep's runs still RUNNING as FAILED (their worker was killed, e.g. by
        Ctrl-C, before it could say so); their logged epochs stay. Returns how many."""
        orphans = self.client.search_runs(
            [self.experiment_id],
            filter_string=f"tags.sweep_id = '{self.sweep_id}' and attributes.status = 'RUNNING'",
        )
        count = 0
        for run in orphans:
            if run.info.run_id == self.run_id:
                continue
            self.client.set_tag(run.info.run_id, "error", f"sweep {self.sweep_id}: {reason}")
            self.client.set_tag(run.info.run_id, "failure_reason", "interrupted")
            self.client.set_terminated(run.info.run_id, "FAILED")
            count += 1
        return count

    def close(self, counts: dict[str, int], wall_seconds: float, record: dict[str, Any]) -> str:
        """Log the job counts and the sweep record; FINISHED only if no job failed or vanished."""
        from mlflow.entities import Metric

        from ..tracking.uri import redact

        status = "FAILED" if counts["failed"] or counts["missing"] else "FINISHED"
        stamp = int(time.time() * 1000)
        metrics = [Metric(f"jobs_{k}", float(v), stamp, 0) for k, v in counts.items()]
        metrics.append(Metric("wall_seconds", float(wall_seconds), stamp, 0))
        try:
            self.client.log_batch(self.run_id, metrics=metrics)
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "sweep.json"
                path.write_text(redact(json.dumps(record, indent=1, default=str)))
                self.client.log_artifact(self.run_id, str(path))
        finally:
            self.client.set_terminated(self.run_id, status)
        return status


# Plain functions over plain values, so the sweep callback can run them in a warm joblib worker
# (which has MLflow imported anyway) instead of importing MLflow in the launching process.
def open_parent(
    uri: str | None,
    experiment: str,
    sweep_id: str,
    name: str,
    definition: list[str],
    owner: dict[str, str],
) -> dict[str, Any]:
    """Create the store and experiment if needed and open the sweep's parent run."""
    parent = ParentRun(uri, experiment, sweep_id)
    run_id = parent.open(name, definition, owner)
    return {
        "parent_run_id": run_id,
        "tracking_uri": parent.uri,
        "experiment_id": parent.experiment_id,
        "resumed": parent.resumed,
    }


def close_parent(
    uri: str,
    experiment: str,
    sweep_id: str,
    run_id: str,
    counts: dict[str, int],
    wall_seconds: float,
    record: dict[str, Any],
    orphans_reason: str | None,
) -> dict[str, Any]:
    """Fail the sweep's orphaned runs (if ``orphans_reason``) and close its parent run."""
    from ..tracking.liveness import reap_stale_runs

    parent = ParentRun(uri, experiment, sweep_id, run_id)
    result: dict[str, Any] = {}
    if orphans_reason is not None:
        result["orphaned_runs_failed"] = parent.fail_orphans(orphans_reason)
        record = {**record, **result}
    killed = reap_stale_runs(parent.client, [parent.experiment_id])  # e.g. a SIGKILLed worker
    if killed:
        result["killed_runs_failed"] = len(killed)
        record = {**record, **result}
    result["status"] = parent.close(counts, wall_seconds, record)
    return result


if __name__ == "__main__":  # the sweep callback closing a parent run at exit
    import sys

    print(json.dumps(close_parent(*json.loads(sys.stdin.read())), default=str))
