"""Train a few tiny runs with ``pipelines/train.py`` into a temporary store, then compare them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _python(cwd: Path, script: str, *overrides: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    result = subprocess.run(
        [sys.executable, str(ROOT / "pipelines" / script), *overrides],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        check=False,
    )
    assert result.returncode == 0, f"{script} {overrides}:\n{result.stderr[-3000:]}"
    return result


def test_train_then_compare(tmp_path):
    uri = f"sqlite:///{tmp_path}/mlruns/mlflow.db"
    for seed in range(3):
        _python(
            tmp_path,
            "train.py",
            "experiment=vqc_adhoc",
            "trainer.epochs=4",
            f"seed={seed}",
            f"tracking.uri={uri}",
        )
    _python(tmp_path, "train.py", "experiment=bell_toy", "trainer.epochs=4", f"tracking.uri={uri}")

    result = _python(tmp_path, "compare.py", f"tracking.uri={uri}", "name=e2e")
    assert "Report: reports/e2e/report.html" in result.stdout
    folder = tmp_path / "reports" / "e2e"

    correlations = pd.read_csv(folder / "correlations.csv")
    assert correlations["run_id"].nunique() == 4
    assert {"meyer_wallach", "von_neumann_entropy"} <= set(correlations["metric"])
    assert set(correlations["n_epochs"][correlations["series"] == "raw"]) == {5}  # steps 0..4

    summary = pd.read_csv(folder / "summary.csv")
    spearman_raw = summary[(summary["method"] == "spearman") & (summary["series"] == "raw")]
    assert set(spearman_raw["group"]) == {"model=vqc", "model=bell_toy"}
    vqc = spearman_raw[spearman_raw["group"] == "model=vqc"]
    assert set(vqc["n_runs"]) == {3}
    assert vqc["ci_method"].str.startswith("bootstrap").all()  # 5 points per run
    toy = spearman_raw[spearman_raw["group"] == "model=bell_toy"]
    assert set(toy["ci_method"]) == {"single run"}
    assert set(toy["relation"]) == {"identity"}  # the Bell toy's Meyer-Wallach is 1 - loss

    client = MlflowClient(uri)
    comparison = client.get_experiment_by_name("comparison")
    (run,) = client.search_runs([comparison.experiment_id])
    assert run.data.tags["selected_run_count"] == "4"
    assert "report.html" in {a.path for a in client.list_artifacts(run.info.run_id)}
