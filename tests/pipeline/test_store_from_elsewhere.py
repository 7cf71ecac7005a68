"""``pipelines/train.py`` run from another folder trains into the project's store, announces it
as new, and names the ``make ui`` that serves it; the folder it ran in stays clean."""

from __future__ import annotations

import subprocess
import sys

import pytest
from mlflow.tracking import MlflowClient

from tests.conftest import ROOT, clean_env

pytestmark = [pytest.mark.slow, pytest.mark.integration]


def test_a_run_from_another_folder_lands_in_the_projects_store(tmp_path):
    project, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**clean_env(), "QML_PROJECT_ROOT": str(project)}  # stands in for the clone's root
    proc = subprocess.run(
        [sys.executable, str(ROOT / "pipelines" / "train.py"), "trainer.epochs=1"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    db = project / "mlruns" / "mlflow.db"
    assert list(elsewhere.iterdir()) == []  # no ./mlruns where it ran
    (run,) = MlflowClient(f"sqlite:///{db}").search_runs(["1"])
    assert run.info.status == "FINISHED" and run.info.run_name == "vqc-ad_hoc epochs=1"
    assert run.data.params["loss.name"] == "sigmoid_estimate"  # the documented default
    out = proc.stdout
    assert f"new tracking store {db}" in out and out.count("new tracking store") == 1
    assert f"run {run.info.run_id} FINISHED" in out  # results on stdout: `> log` keeps the id
    assert f"view it: make -C {project} ui, then open http" in out
