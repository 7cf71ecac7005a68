"""The cluster launchers, on this machine: submitit's local executor (the SLURM path without
SLURM) and Ray's launcher against a local Ray cluster."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.sweeps.conftest import TINY, sweep_record, sweep_runs

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def launch(launcher: str, store_uri: str, sweep_dir, *extra: str):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QML_", "MLFLOW_TRACKING_URI"))}
    return subprocess.run(
        [
            sys.executable,
            str(ROOT / "pipelines" / "train.py"),
            "-m",
            f"hydra/launcher={launcher}",
            f"hydra.sweep.dir={sweep_dir}",
            "seed=0,1",
            *TINY,
            f"tracking.uri={store_uri}",
            *extra,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )


def check(proc, store_uri, sweep_dir) -> None:
    assert proc.returncode == 0, proc.stdout + proc.stderr
    record = sweep_record(sweep_dir)
    assert record["counts"]["finished"] == 2, record
    parent, children = sweep_runs(store_uri, record["sweep_id"])
    assert parent.info.status == "FINISHED"
    assert sorted(r.data.tags["seed"] for r in children) == ["0", "1"]
    assert all(r.data.tags["mlflow.parentRunId"] == parent.info.run_id for r in children)


def test_submitit_local_sweep(store_uri, tmp_path):
    sweep_dir = tmp_path / "sweep"
    proc = launch("submitit_local", store_uri, sweep_dir, "hydra.launcher.timeout_min=10")
    check(proc, store_uri, sweep_dir)
    assert (sweep_dir / ".submitit").is_dir()  # each job ran as its own submitit job


@pytest.mark.skipif(
    importlib.util.find_spec("hydra_plugins.hydra_ray_launcher") is None,
    reason="hydra-ray-launcher is not installed (`make ray` installs it)",
)
def test_ray_local_cluster_sweep(store_uri, tmp_path):
    sweep_dir = tmp_path / "sweep"
    proc = launch(
        "ray",
        store_uri,
        sweep_dir,
        "+hydra.launcher.ray.init.num_cpus=2",
        "+hydra.launcher.ray.init.include_dashboard=false",
    )
    check(proc, store_uri, sweep_dir)
