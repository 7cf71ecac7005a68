"""A parallel sweep against a real tracking server (`make server`) on loopback, backed by a
real PostgreSQL; artifacts go through the server."""

from __future__ import annotations

import pytest
from mlflow.tracking import MlflowClient

from tests.sweeps.conftest import TINY, run_sweep, sweep_record, sweep_runs, throwaway_postgres

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def check_sweep_through_server(uri: str, tmp_path, artifacts_dir) -> None:
    args = ("seed=0,1,2,3", *TINY, "tracking=server", f"tracking.uri={uri}")
    proc = run_sweep(*args, sweep_dir=tmp_path / "sweep")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    record = sweep_record(tmp_path / "sweep")
    assert record["tracking_uri"] == uri and record["counts"]["finished"] == 4
    parent, children = sweep_runs(uri, record["sweep_id"])
    assert parent.info.status == "FINISHED" and len(children) == 4
    client = MlflowClient(uri)
    for run in children:
        assert run.info.status == "FINISHED"
        assert run.info.artifact_uri.startswith("mlflow-artifacts:")  # proxied by the server
        steps = sorted(m.step for m in client.get_metric_history(run.info.run_id, "loss"))
        assert steps == [0, 1, 2, 3]
        assert "history.csv" in {a.path for a in client.list_artifacts(run.info.run_id)}
    assert list(artifacts_dir.rglob("history.csv"))  # stored where the server was told


def test_parallel_sweep_through_a_tracking_server(tracking_server, tmp_path):
    """`make server` on PostgreSQL (a real cluster on loopback) where it is installed, else on
    sqlite; 4 runs on 2 workers through it."""
    with throwaway_postgres() as postgres_uri:
        backend = postgres_uri or f"sqlite:///{tmp_path / 'server.db'}"
        uri = tracking_server(backend)
        check_sweep_through_server(uri, tmp_path, tmp_path / "server-artifacts")
    if postgres_uri is None:
        pytest.skip("ran on sqlite only: PostgreSQL is not available (see the captured output)")


def test_a_server_that_is_not_there_is_named(tmp_path):
    proc = run_sweep(
        "seed=0", "tracking=server", "tracking.uri=http://127.0.0.1:9", sweep_dir=tmp_path / "s"
    )
    assert proc.returncode != 0
    assert "tracking server http://127.0.0.1:9 does not answer" in proc.stderr + proc.stdout
