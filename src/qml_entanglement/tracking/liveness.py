"""Who owns a RUNNING run, and closing the runs whose owning process is gone.

A process killed outright (SIGKILL, out of memory) cannot close its MLflow run, which would then
show as RUNNING forever. Every run and sweep parent therefore records its owner: the tags
``owner.host``, ``owner.pid`` and ``owner.started`` (the process's start time, so that a reused
pid is not taken for the owner). :func:`reap_stale_runs` marks FAILED, with
``failure_reason=killed``, every RUNNING run of the given experiments whose owner ran on this
host and no longer exists. It is called before every run, at the start and end of every sweep
and before every comparison, so a dead run is closed as soon as anything touches the store
again. Runs owned by another host are left alone: their liveness cannot be checked from here.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable

import psutil

HOST_TAG, PID_TAG, STARTED_TAG = "owner.host", "owner.pid", "owner.started"
_START_TOLERANCE = 1.0  # seconds: create_time() is rounded differently across calls


def owner_tags(pid: int | None = None) -> dict[str, str]:
    """The owner tags of process *pid* (default: this process)."""
    pid = os.getpid() if pid is None else pid
    return {
        HOST_TAG: socket.gethostname(),
        PID_TAG: str(pid),
        STARTED_TAG: f"{psutil.Process(pid).create_time():.3f}",
    }


def owner_alive(tags: dict[str, str]) -> bool | None:
    """Whether the process named by *tags* still runs; None if it cannot be told from here."""
    if tags.get(HOST_TAG) != socket.gethostname() or PID_TAG not in tags:
        return None
    try:
        process = psutil.Process(int(tags[PID_TAG]))
        started = float(tags.get(STARTED_TAG, "nan"))
        alive = process.status() != psutil.STATUS_ZOMBIE
        same = not (abs(process.create_time() - started) > _START_TOLERANCE)  # NaN: same
        return alive and same
    except (psutil.NoSuchProcess, ValueError):
        return False


def every_experiment(client) -> list[str]:
    """Ids of the store's active experiments: a run or sweep closes the dead runs of the whole
    store (a killed sweep's parent may sit in another experiment than the next run)."""
    return [e.experiment_id for e in client.search_experiments()]


def reap_stale_runs(client, experiment_ids: Iterable[str]) -> list[str]:
    """Mark FAILED every RUNNING run of *experiment_ids* whose owner on this host is gone.

    Returns the ids of the runs it closed.
    """
    ids = [str(e) for e in experiment_ids]
    if not ids:
        return []
    host = socket.gethostname().replace("'", "")
    running = client.search_runs(
        ids,
        filter_string=f"attributes.status = 'RUNNING' and tags.`{HOST_TAG}` = '{host}'",
        max_results=10000,
    )
    closed = []
    for run in running:
        tags = dict(run.data.tags)
        if owner_alive(tags) is not False:
            continue
        try:  # another process may be closing the same run right now: then it is done
            client.set_tag(run.info.run_id, "failure_reason", "killed")
            client.set_tag(
                run.info.run_id,
                "error",
                f"process {tags[PID_TAG]} on {tags[HOST_TAG]} ended without closing the run "
                "(killed); closed by a later run, sweep or comparison on the same store",
            )
            client.set_terminated(run.info.run_id, "FAILED")
        except Exception:
            continue
        closed.append(run.info.run_id)
    return closed
