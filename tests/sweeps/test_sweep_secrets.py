"""A password in the tracking URI is never stored, written or printed (issue 12, case 8).

A real PostgreSQL cluster on loopback (trust authentication, so any password connects) is the
store; a 2-job sweep runs against it with the password in `tracking.uri`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from tests.conftest import ROOT
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
