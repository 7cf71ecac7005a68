"""A password in the tracking URI is never stored, written or printed (issue 12, case 8).

A real PostgreSQL cluster on loopback (trust authentication, so any password connects) is the
store; a 2-job sweep runs against it with the password in `tracking.uri`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from tests.conftest import ROOT, clean_env
from tests.sweeps.conftest import TINY, run_sweep, sweep_record, sweep_runs, throwaway_postgres

pytestmark = [pytest.mark.integration]
SECRET = "Sw0rdfish-7731"


@pytest.mark.slow
def test_a_password_in_the_tracking_uri_is_never_stored_or_printed(tmp_path):
    with throwaway_postgres() as postgres_uri:
        if postgres_uri is None:
            pytest.skip("PostgreSQL is not available (`make postgres` installs it)")
        clean = postgres_uri
        uri = clean.replace("postgresql://postgres@", f"postgresql://postgres:{SECRET}@")
        sweep_dir = tmp_path / "sweep"
        proc = run_sweep("seed=0,1", *TINY, f"tracking.uri={uri}", sweep_dir=sweep_dir)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
        assert SECRET not in proc.stdout + proc.stderr
        assert ":***@" in proc.stdout  # the URI is still shown, without its password

        for path in sweep_dir.rglob("*"):
            if path.is_file():
                assert SECRET not in path.read_text(errors="replace"), path
        record = sweep_record(sweep_dir)
        assert record["counts"]["finished"] == 2

        client = MlflowClient(clean)
        parent, children = sweep_runs(clean, record["sweep_id"])
        experiment = client.get_experiment_by_name("qml-entanglement")
        location = experiment.artifact_location
        # explicit and absolute (MLflow's default would be ./mlruns/<experiment id>)
        assert location == (ROOT / "mlruns" / "artifacts" / "qml-entanglement").as_uri()
        for run in [parent, *children]:
            values = [*run.data.params.values(), *run.data.tags.values()]
            assert not [v for v in values if SECRET in v], run.info.run_id
            artifacts = Path(run.info.artifact_uri.removeprefix("file://"))
            for path in artifacts.rglob("*"):
                if path.is_file():
                    assert SECRET not in path.read_text(errors="replace"), path
        assert any(":***@" in r.data.params.get("tracking.uri", "") for r in children)


def test_make_server_takes_the_database_uri_from_the_environment():
    """Nothing `ps` or the console shows carries the password."""
    import os
    import subprocess

    env = {**os.environ, "TRACKING_DB": f"postgresql://alice:{SECRET}@127.0.0.1:9/mlflow"}
    dry = subprocess.run(
        ["make", "--no-print-directory", "-n", "server"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert dry.returncode == 0, dry.stderr
    assert SECRET not in dry.stdout  # the command lines refer to $TRACKING_DB
    assert 'MLFLOW_BACKEND_STORE_URI="$TRACKING_DB"' in dry.stdout
    assert "--backend-store-uri" not in dry.stdout


def test_credentials_in_an_http_uri_reach_mlflow_as_its_credential_variables(monkeypatch):
    """Oracle: MLflow's own resolution of a server's credentials (what its REST client sends)."""
    from mlflow.utils.credentials import get_default_host_creds

    from qml_entanglement.tracking import resolve_tracking_uri

    for name in ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    uri = resolve_tracking_uri(f"http://ann:{SECRET}%40x@127.0.0.1:5735/")
    assert uri == "http://127.0.0.1:5735/"
    creds = get_default_host_creds(uri)
    assert (creds.host, creds.username, creds.password) == (uri, "ann", f"{SECRET}@x")
    assert resolve_tracking_uri("postgresql://me:pw@db/x") == "postgresql://me:pw@db/x"


@pytest.mark.slow
def test_a_run_through_a_server_with_a_password_in_the_uri(tracking_server, tmp_path):
    """Issue 27.2: the password made the host unresolvable (exit 3, 'Name or service not
    known'); now the run is stored and the password appears nowhere."""
    server = tracking_server(f"sqlite:///{tmp_path / 'server.db'}")
    uri = server.replace("http://", f"http://user:{SECRET}@")
    env = {**clean_env(), "MLFLOW_TRACKING_URI": uri}
    proc = subprocess.run(
        [sys.executable, str(ROOT / "pipelines" / "train.py"), *TINY],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert SECRET not in proc.stdout + proc.stderr
    client = MlflowClient(server)
    runs = client.search_runs([client.get_experiment_by_name("qml-entanglement").experiment_id])
    assert [r.info.status for r in runs] == ["FINISHED"]
    run = runs[0]
    steps = sorted(m.step for m in client.get_metric_history(run.info.run_id, "loss"))
    assert steps == [0, 1, 2, 3]  # the initial parameters and 3 epochs
    values = [*run.data.params.values(), *run.data.tags.values()]
    assert not [v for v in values if SECRET in v]
    config = Path(client.download_artifacts(run.info.run_id, "config.yaml", str(tmp_path)))
    assert SECRET not in config.read_text()
