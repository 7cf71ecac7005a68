"""`make sweep`: 8 jobs on 2 workers into a fresh sqlite store lose nothing, and the comparison
report covers exactly the sweep's runs."""

from __future__ import annotations

import csv
import os
import re
import subprocess
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from tests.conftest import ROOT, clean_env
from tests.sweeps.conftest import sweep_record, sweep_runs

EPOCHS = 4
EVERY_RUN = (  # gradient-free optimizers have no grad_norm
    "loss",
    "train_accuracy",
    "test_loss",
    "test_accuracy",
    "epoch_seconds",
    "meyer_wallach",
    "meyer_wallach_std",
    "von_neumann_entropy",
    "von_neumann_entropy_std",
)

pytestmark = pytest.mark.slow


@pytest.mark.skipif(
    not (ROOT / "pipelines" / "compare.py").exists(), reason="no comparison stage yet"
)
def test_make_sweep_in_parallel_into_a_fresh_store_then_compare(store_uri, tmp_path):
    """The store does not exist before; every job writes every epoch as it goes (flush 0 s)."""
    sweep_dir, reports = tmp_path / "sweep", tmp_path / "reports"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QML_", "MLFLOW_TRACKING_URI"))}
    proc = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "sweep",
            "SWEEP=optimizer",
            "JOBS=2",
            f"SWEEP_DIR={sweep_dir}",
            f"COMPARE_ARGS=output_dir={reports}",
            f"ARGS=seed=0,1 trainer.epochs={EPOCHS} dataset.training_size=6 "
            f"dataset.test_size=4 tracking.flush_seconds=0 tracking.uri={store_uri}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    record = sweep_record(sweep_dir)
    assert record["counts"] == {"finished": 8, "skipped": 0, "failed": 0, "missing": 0, "total": 8}
    assert "8 finished, 0 skipped (already finished), 0 failed" in proc.stdout
    # one line per job as it ends, [k/N] <run name> FINISHED loss=... (t s), then one link
    progress = [line for line in proc.stdout.splitlines() if re.match(r"\[\d+/", line)]
    assert sorted(int(line[1 : line.index("/")]) for line in progress) == list(range(1, 9))
    assert all("/8] vqc-ad_hoc" in line and " FINISHED loss=" in line for line in progress)
    assert sum("ETA" in line for line in progress) >= 1
    # one link to the sweep's runs (the new store's announcement names only its make ui)
    assert proc.stdout.count(", then open http") == 1
    assert "workflowType=machine_learning" in proc.stdout

    parent, children = sweep_runs(store_uri, record["sweep_id"])
    assert parent.info.status == "FINISHED" and parent.data.metrics["jobs_finished"] == 8
    # the parent run links to the comparison's run (set once the report exists)
    parent = MlflowClient(store_uri).get_run(parent.info.run_id)
    assert "#/experiments/" in parent.data.tags["comparison_report"]
    assert "Comparison report" in parent.data.tags["mlflow.note.content"]
    assert len(children) == 8
    client = MlflowClient(store_uri)
    for run in children:
        assert run.info.status == "FINISHED"
        assert run.data.tags["mlflow.parentRunId"] == parent.info.run_id
        assert run.data.tags["sweeps"] == f"|{record['sweep_id']}|"
        assert set(EVERY_RUN) <= set(run.data.metrics)
        for metric in run.data.metrics:  # every epoch of every per-epoch metric the run has
            steps = sorted(m.step for m in client.get_metric_history(run.info.run_id, metric))
            once = metric.startswith("feature_map_")  # logged once per run, at step 0
            expected = [0] if once else list(range(EPOCHS + 1))
            assert steps == expected, (run.data.tags["optimizer"], metric)
        assert "history.csv" in {a.path for a in client.list_artifacts(run.info.run_id)}

    report_dir = reports / f"sweep-{record['sweep_id']}"
    assert (report_dir / "report.html").exists()
    run_ids = set(Path(report_dir / "run_ids.txt").read_text().split())
    assert run_ids == {job["run_id"] for job in record["jobs"]}  # this sweep's runs, all of them
    with open(report_dir / "summary.csv") as handle:
        groups = {row["optimizer"] for row in csv.DictReader(handle)}
    assert groups == {"adam", "sgd", "spsa", "cobyla"}  # grouped as conf/sweep/optimizer.yaml says


def test_a_misspelt_sweep_says_so_once_and_runs_no_comparison(tmp_path):
    proc = subprocess.run(
        ["make", "--no-print-directory", "sweep", "SWEEP=stduy", f"SWEEP_DIR={tmp_path / 's'}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=clean_env(),
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = (proc.stdout + proc.stderr).splitlines()
    said = [x for x in lines if x.strip() and not re.match(r"make(\[\d+\])?: \*\*\*", x)]
    assert len(said) == 1 and "did you mean 'study'" in said[0], said
    assert "sweep.json" not in proc.stdout + proc.stderr
