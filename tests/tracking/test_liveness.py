"""No run stays RUNNING once its process is gone (issue 12, cases 5 and 6)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from qml_entanglement.tracking.liveness import (
    HOST_TAG,
    PID_TAG,
    STARTED_TAG,
    owner_alive,
    owner_tags,
    reap_stale_runs,
)
from tests.conftest import (
    ROOT,
    clean_env,
    run_train,
    start_logged,
    store_client,
    wait_for_steps,
)


def test_owner_liveness_of_this_a_dead_and_a_foreign_process():
    assert owner_alive(owner_tags()) is True
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    tags = owner_tags(child.pid)
    child.wait()
    assert owner_alive(tags) is False
    assert owner_alive({**owner_tags(), STARTED_TAG: "12.0"}) is False  # a reused pid
    assert owner_alive({**owner_tags(), HOST_TAG: "another-host"}) is None
    assert owner_alive({}) is None


def test_reap_closes_only_runs_whose_owner_is_gone(store_uri):
    from qml_entanglement.tracking import ensure_experiment, ensure_store

    client = ensure_store(store_uri)
    experiment = ensure_experiment(client, store_uri, "liveness")
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    dead_tags = owner_tags(child.pid)
    child.wait()
    dead = client.create_run(experiment, tags=dead_tags).info.run_id
    live = client.create_run(experiment, tags=owner_tags()).info.run_id
    foreign = client.create_run(experiment, tags={HOST_TAG: "elsewhere", PID_TAG: "1"})
    assert reap_stale_runs(client, [experiment]) == [dead]
    run = client.get_run(dead)
    assert run.info.status == "FAILED" and run.data.tags["failure_reason"] == "killed"
    assert client.get_run(live).info.status == "RUNNING"
    assert client.get_run(foreign.info.run_id).info.status == "RUNNING"


@pytest.mark.integration
def test_sigkill_of_an_inline_run_is_failed_by_the_next_run(store_uri, tmp_path):
    proc = start_logged(
        "tracking.writer=inline",
        "tracking.flush_seconds=0",
        "trainer.epochs=100000",
        "tracking.experiment=killed",
        f"tracking.uri={store_uri}",
        output_file=tmp_path / "output.log",
    )
    client = store_client(store_uri, proc)
    try:
        run_id = wait_for_steps(client, proc, 3, "killed")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert client.get_run(run_id).info.status == "RUNNING"  # nobody could close it yet
    stored = len(client.get_metric_history(run_id, "loss"))
    done = run_train("trainer.epochs=1", "tracking.experiment=killed", f"tracking.uri={store_uri}")
    assert done.returncode == 0, done.stderr
    run = client.get_run(run_id)
    assert run.info.status == "FAILED"
    assert run.data.tags["failure_reason"] == "killed"
    assert len(client.get_metric_history(run_id, "loss")) == stored  # what was stored stays


@pytest.mark.slow
@pytest.mark.integration
def test_sigkill_of_a_sweep_launcher_leaves_nothing_running_after_the_next_comparison(
    store_uri, tmp_path
):
    env = clean_env()
    proc = start_logged(
        "-m",
        "seed=0,1",
        "trainer.epochs=100000",
        "tracking.flush_seconds=0",
        "hydra/launcher=basic",
        "tracking.experiment=killed-sweep",
        f"tracking.uri={store_uri}",
        f"hydra.sweep.dir={tmp_path / 'sweep'}",
        output_file=tmp_path / "output.log",
        start_new_session=True,
    )
    client = store_client(store_uri, proc)
    try:
        wait_for_steps(client, proc, 3, "killed-sweep")
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    experiment = client.get_experiment_by_name("killed-sweep").experiment_id
    assert {r.info.status for r in client.search_runs([experiment])} == {"RUNNING"}
    compare = subprocess.run(
        [
            sys.executable,
            str(ROOT / "pipelines" / "compare.py"),
            "experiments=[killed-sweep]",
            "filter=",
            f"output_dir={tmp_path / 'reports'}",
            "mlflow.log=false",
            f"tracking.uri={store_uri}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    runs = client.search_runs([experiment])
    assert len(runs) == 2, compare.stderr  # the parent and the one job that had started
    assert {r.info.status for r in runs} == {"FAILED"}
    assert {r.data.tags["failure_reason"] for r in runs} == {"killed"}
