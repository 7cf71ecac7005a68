"""A tiny real atlas: the declared sweeps (narrowed by overrides), then pipelines/atlas.py."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from tests.conftest import ROOT, clean_env
from tests.sweeps.conftest import run_sweep, sweep_record

NARROW = (
    "sweep/atlas/qubits=q4",
    "model/ansatz=real_amplitudes",
    "model.ansatz.entanglement=linear",
    "model.ansatz.reps=1",
    "sweep/atlas/data=blobs",
    "seed=0,1",
    "trainer.epochs=15",
    "metrics.barren_plateau_samples=3",
)


def _atlas(store_uri: str, output_dir) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            str(ROOT / "pipelines" / "atlas.py"),
            f"tracking.uri={store_uri}",
            f"output_dir={output_dir}",
            "dpi=40",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=clean_env(),
    )


@pytest.mark.slow
def test_a_tiny_atlas_runs_resumes_and_reports(tmp_path, store_uri):
    trained = run_sweep(
        "sweep=atlas/quick", *NARROW, f"tracking.uri={store_uri}", sweep_dir=tmp_path / "main"
    )
    assert trained.returncode == 0, trained.stderr[-3000:]
    controls = run_sweep(
        "sweep=atlas/quick_controls",
        *NARROW[:-3],
        "seed=0,1",
        "control=shuffled_labels,untrained",
        *NARROW[-2:],
        f"tracking.uri={store_uri}",
        sweep_dir=tmp_path / "controls",
    )
    assert controls.returncode == 0, controls.stderr[-3000:]
    again = run_sweep(
        "sweep=atlas/quick", *NARROW, f"tracking.uri={store_uri}", sweep_dir=tmp_path / "again"
    )
    assert again.returncode == 0, again.stderr[-3000:]
    counts = sweep_record(tmp_path / "again")["counts"]
    assert (counts["finished"], counts["skipped"]) == (0, 2)  # resumable: none is rerun

    report = _atlas(store_uri, tmp_path / "reports" / "atlas")
    assert report.returncode == 0, report.stderr[-3000:]
    folder = (tmp_path / "reports" / "atlas").resolve()
    per_config = pd.read_csv(folder / "per_config.csv")
    assert set(per_config["control"]) == {"trained", "shuffled_labels", "untrained"}
    assert set(per_config["n_seeds"]) <= {0, 2}
    q = per_config.query("metric == 'delta_meyer_wallach' and control == 'untrained'")
    assert q["effect"].tolist() == [0.0]  # lr = 0: the states never change
    assert (folder / "figures" / "forest_delta_meyer_wallach.pdf").exists()
    client = MlflowClient(store_uri)
    comparison = client.get_experiment_by_name("comparison")
    runs = client.search_runs([comparison.experiment_id], "tags.report_name = 'atlas'")
    assert len(runs) == 1 and runs[0].info.status == "FINISHED"


def test_a_bad_setting_is_one_line_and_exit_2(tmp_path):
    out = subprocess.run(
        [sys.executable, str(ROOT / "pipelines" / "atlas.py"), "alpha=1.5"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=clean_env(),
    )
    assert out.returncode == 2
    assert out.stderr.strip() == "atlas: alpha=1.5 is not allowed; give a number in (0, 1)"
