"""A sweep's parent run in MLflow: the run that stands for a whole sweep.

Reopened when the same sweep runs again (its id, :func:`qml_entanglement.sweeps.parent.sweep_id`,
is a hash of its definition), closed with the job counts and the sweep record; its orphaned
and killed jobs are marked FAILED.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

PARENT_ROLE = "parent"


class ParentRun:
    """The MLflow run that stands for a whole sweep; its jobs are its children."""

    def __init__(self, uri: str | None, experiment: str, sweep_id: str, run_id: str | None = None):
        from . import ensure_experiment, ensure_store, resolve_tracking_uri

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
        from .liveness import every_experiment, reap_stale_runs

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

        from .uri import redact

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
