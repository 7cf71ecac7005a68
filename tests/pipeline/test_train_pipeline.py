"""End to end: the Hydra entry point trains into a real sqlite store, read back by MlflowClient."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from mlflow.tracking import MlflowClient

from tests.conftest import ROOT, run_train

pytestmark = pytest.mark.slow

PER_EPOCH = (
    "loss",
    "train_accuracy",
    "test_loss",
    "test_accuracy",
    "grad_norm",
    "epoch_seconds",
    "meyer_wallach",
    "meyer_wallach_std",
    "von_neumann_entropy",
    "von_neumann_entropy_std",
)


def only_run(uri: str):
    client = MlflowClient(uri)
    experiment = client.get_experiment_by_name("qml-entanglement")
    runs = client.search_runs([experiment.experiment_id])
    assert len(runs) == 1
    return client, runs[0]


def history(client, run_id, metric):
    points = sorted(client.get_metric_history(run_id, metric), key=lambda m: m.step)
    return [m.step for m in points], np.array([m.value for m in points])


def test_default_experiment_logs_every_epoch_and_artifact(store_uri):
    proc = run_train("experiment=vqc_adhoc", "trainer.epochs=4", f"tracking.uri={store_uri}")
    assert proc.returncode == 0, proc.stderr
    client, run = only_run(store_uri)
    assert run.info.status == "FINISHED"
    for metric in PER_EPOCH:
        steps, values = history(client, run.info.run_id, metric)
        assert steps == [0, 1, 2, 3, 4], metric
        assert np.all(np.isfinite(values))
    _, mw = history(client, run.info.run_id, "meyer_wallach")
    assert np.all((mw >= 0) & (mw <= 1))
    tags = run.data.tags
    assert tags["dataset"] == "ad_hoc" and tags["ansatz"] == "real_amplitudes"
    assert tags["entanglement"] == "linear" and tags["seed"] == "0"
    assert "trainer.epochs=4" in tags["overrides"] and len(tags["git_commit"]) >= 7
    assert run.data.params["trainer.epochs"] == "4"
    assert run.data.params["model.feature_map.name"] == "zz"
    # RealAmplitudes lowers to the compiled real-block path, chosen without being asked for
    assert run.data.params["engine_path"] == "real-block (numba)"
    names = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {
        "config.yaml",
        "history.csv",
        "final_parameters.csv",
        "circuit.txt",
        "circuit.svg",
        "plots",
    } <= names
    plots = {a.path for a in client.list_artifacts(run.info.run_id, "plots")}
    assert {
        "plots/loss_vs_epoch.png",
        "plots/meyer_wallach_vs_loss.png",
        "plots/von_neumann_entropy_vs_epoch.png",
        "plots/loss_vs_epoch.svg",  # every figure also for papers
        "plots/loss_vs_epoch.pdf",
    } <= plots
    assert run.info.run_id in proc.stdout  # the closing line names the run (stdout: > log keeps it)
    # ... with a link that opens MLflow's training view of it
    link = f"/#/experiments/{run.info.experiment_id}/runs/{run.info.run_id}"
    assert f"{link}?workflowType=machine_learning" in proc.stdout
    # the name says what was overridden; the console says what happens before training
    assert run.info.run_name == "vqc-ad_hoc epochs=4"
    assert "building: data set ad_hoc" in proc.stdout and "training: 4 epochs" in proc.stdout
    experiment = client.get_experiment(run.info.experiment_id)
    assert experiment.tags["mlflow.experimentKind"] == "custom_model_development"


def test_bell_toy_follows_the_analytic_curve(store_uri):
    """State cos(t/2)|00> + sin(t/2)|11>: loss = cos^2 t, MW = sin^2 t = 1 - loss, and the
    entropy of qubit 0 is the binary entropy of p00 = (1 + sqrt(loss)) / 2 while t < pi/2."""
    proc = run_train("experiment=bell_toy", f"tracking.uri={store_uri}")
    assert proc.returncode == 0, proc.stderr
    client, run = only_run(store_uri)
    _, loss = history(client, run.info.run_id, "loss")
    _, mw = history(client, run.info.run_id, "meyer_wallach")
    _, vn = history(client, run.info.run_id, "von_neumann_entropy")
    assert loss[0] == pytest.approx(np.cos(0.05) ** 2) and loss[-1] < 1e-6
    assert mw[0] < 0.01 and vn[0] < 0.05
    assert mw[-1] > 0.999 and vn[-1] > 0.999
    assert np.allclose(mw, 1 - loss, atol=1e-10)
    p00 = (1 + np.sqrt(loss)) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        binary = -(p00 * np.log2(p00) + (1 - p00) * np.nan_to_num(np.log2(1 - p00)))
    assert np.allclose(vn, binary, atol=1e-6)


def test_same_config_and_seed_give_identical_numbers(tmp_path):
    uris = [f"sqlite:///{tmp_path / f's{i}' / 'mlflow.db'}" for i in range(2)]
    args = ("experiment=vqc_blobs", "trainer.epochs=3", "seed=7")
    for uri in uris:
        assert run_train(*args, f"tracking.uri={uri}").returncode == 0
    runs = [only_run(uri) for uri in uris]
    for metric in PER_EPOCH:
        if metric == "epoch_seconds":
            continue
        a = history(runs[0][0], runs[0][1].info.run_id, metric)[1]
        b = history(runs[1][0], runs[1][1].info.run_id, metric)[1]
        assert np.array_equal(a, b), metric
    assert runs[0][1].data.tags["config_hash"] == runs[1][1].data.tags["config_hash"]


def test_config_mistake_exits_cleanly_without_a_run(store_uri):
    proc = run_train("trainer.epochs=0", f"tracking.uri={store_uri}")
    assert proc.returncode == 2
    assert "trainer.epochs=0" in proc.stderr and "Traceback" not in proc.stderr
    proc = run_train("dataset=nosuch", f"tracking.uri={store_uri}")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "dataset='nosuch' is not an option" in proc.stderr and "blobs" in proc.stderr
    client = MlflowClient(store_uri)
    assert client.search_runs([e.experiment_id for e in client.search_experiments()]) == []


@pytest.mark.parametrize("writer", ["inline", "process"])
def test_interrupt_marks_run_failed_and_keeps_logged_epochs(store_uri, writer):
    """A real Ctrl-C in the middle of a long run: SIGINT to the whole process group, so a
    metric writer process gets it too."""
    proc = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "pipelines" / "train.py"),
            "experiment=vqc_adhoc",
            "trainer.epochs=1000000",
            "tracking.flush_seconds=0.2",
            f"tracking.writer={writer}",
            f"tracking.uri={store_uri}",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    # Poll the database read-only with sqlite3: an MlflowClient opened while the run creates
    # the store would race its schema migration.
    db = Path(store_uri[len("sqlite:///") :])
    deadline = time.time() + 120
    logged = 0
    while time.time() < deadline and logged < 20 and proc.poll() is None:
        time.sleep(0.5)
        try:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
                (logged,) = con.execute(
                    "SELECT COUNT(*) FROM metrics WHERE key = 'loss'"
                ).fetchone()
        except sqlite3.Error:  # store not created yet
            pass
    assert logged >= 20, proc.poll()
    os.killpg(proc.pid, signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    client, run = only_run(store_uri)
    assert proc.returncode == 130, stderr[-3000:]  # was 1, with a 40-44 line traceback
    lines = [x for x in stderr.splitlines() if x.strip()]
    assert len(lines) == 1, stderr[-3000:]
    assert lines[0].startswith(f"interrupted: run {run.info.run_id} FAILED"), lines
    assert "steps and artifacts kept" in lines[0] and run.info.run_id in lines[0].split()[-1]
    assert run.info.status == "FAILED"
    assert run.data.tags["failure_reason"] == "interrupted"
    steps, _ = history(client, run.info.run_id, "loss")
    assert len(steps) >= logged and steps == list(range(len(steps)))
    assert "history.csv" in {a.path for a in client.list_artifacts(run.info.run_id)}


def test_noisy_aer_run_logs_mixed_state_metrics(store_uri):
    proc = run_train(
        "experiment=vqc_adhoc",
        "trainer.epochs=2",
        "simulator=aer",
        "simulator.noise.depolarizing=0.02",
        "dataset.training_size=4",
        "dataset.test_size=2",
        f"tracking.uri={store_uri}",
    )
    assert proc.returncode == 0, proc.stderr
    client, run = only_run(store_uri)
    assert run.data.tags["entanglement_metrics"] == "negativity,log_negativity"
    for metric in ("negativity", "log_negativity", "purity", "loss"):
        steps, values = history(client, run.info.run_id, metric)
        assert steps == [0, 1, 2]
    _, purity = history(client, run.info.run_id, "purity")
    assert np.all((purity > 0.25) & (purity < 1.0))
    # libraries' logging below warnings is silenced (qiskit's transpiler logs "Pass: ...")
    assert "Pass:" not in proc.stdout + proc.stderr
