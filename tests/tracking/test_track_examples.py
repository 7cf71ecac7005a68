"""``qml_entanglement.track``: the two examples of docs/track_your_loop.md run as written, and
the metrics they log equal an independent computation on the same states."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from mlflow.tracking import MlflowClient

import qml_entanglement

DOC = Path(__file__).resolve().parents[2] / "docs" / "track_your_loop.md"
pytestmark = pytest.mark.slow


def _example(heading: str) -> str:
    section = DOC.read_text().split(f"## {heading}", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def _only_run(uri: str, experiment: str):
    client = MlflowClient(uri)
    runs = client.search_runs([client.get_experiment_by_name(experiment).experiment_id])
    assert len(runs) == 1
    return client, runs[0]


@pytest.fixture
def store(tmp_path, monkeypatch):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.chdir(tmp_path)
    return uri


@pytest.mark.parametrize(
    ("heading", "experiment", "model"),
    [
        ("qiskit-machine-learning", "qiskit-ml-example", "sampler_qnn"),
        ("PennyLane", "pennylane-example", "strongly_entangling"),
    ],
)
def test_documented_example_logs_like_our_runs(store, heading, experiment, model):
    exec(compile(_example(heading), str(DOC), "exec"), {"__name__": "example"})
    client, run = _only_run(store, experiment)
    assert run.info.status == "FINISHED" and run.info.run_name == f"{model}-moons"
    tags = run.data.tags
    assert tags["entanglement_metrics"] == "meyer_wallach,von_neumann_entropy"
    assert tags["seed"] == "0" and tags["dataset"] == "moons"
    steps = [m.step for m in client.get_metric_history(run.info.run_id, "meyer_wallach")]
    assert len(steps) >= 5 and steps == list(range(len(steps)))
    for key in ("loss", "meyer_wallach", "von_neumann_entropy", "half_cut_entropy"):
        values = [m.value for m in client.get_metric_history(run.info.run_id, key)]
        assert len(values) == len(steps) and np.all(np.isfinite(values)), key
    names = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"history.csv", "plots"} <= names


def test_logged_metrics_equal_an_independent_computation(store):
    """cos(t)|00> + sin(t)|11>: Q = sin^2(2t) (2 |c00 c11|)^2 and the entropy of either qubit is
    the binary entropy of cos^2 t; a big-endian copy gives the same numbers."""
    t = np.array([0.1, 0.4, 0.7])
    states = np.zeros((3, 4), dtype=complex)
    states[:, 0], states[:, 3] = np.cos(t), np.sin(t)
    p = np.cos(t) ** 2
    entropy = -(p * np.log2(p) + (1 - p) * np.log2(1 - p))
    with qml_entanglement.track("check", {"seed": 2}) as run:
        logged = run.log_epoch(0, loss=0.5, states=states)
        mirrored = run.log_epoch(1, loss=0.4, states=states, big_endian=True)
    assert logged["meyer_wallach"] == pytest.approx(np.mean(np.sin(2 * t) ** 2))
    assert logged["von_neumann_entropy"] == pytest.approx(np.mean(entropy))
    assert mirrored["meyer_wallach"] == pytest.approx(logged["meyer_wallach"])
    _, run = _only_run(store, "check")
    assert run.data.metrics["loss"] == pytest.approx(0.4)


def test_an_error_in_the_loop_marks_the_run_failed_and_keeps_its_steps(store):
    bell = np.array([1, 0, 0, 1]) / np.sqrt(2)
    with (
        pytest.raises(RuntimeError, match="diverged"),
        qml_entanglement.track("failing", {"seed": 0}) as run,
    ):
        run.log_epoch(0, loss=1.0, states=bell)
        run.log_epoch(1, loss=2.0, states=bell)
        raise RuntimeError("diverged")
    client, failed = _only_run(store, "failing")
    assert failed.info.status == "FAILED"
    assert [m.step for m in client.get_metric_history(failed.info.run_id, "loss")] == [0, 1]
    assert "history.csv" in {a.path for a in client.list_artifacts(failed.info.run_id)}


def test_density_matrices_give_mixed_state_metrics(store):
    bell = np.array([1, 0, 0, 1]) / np.sqrt(2)
    werner = 0.8 * np.outer(bell, bell) + 0.2 * np.eye(4) / 4
    with qml_entanglement.track("mixed", {"seed": 0}) as run:
        logged = run.log_epoch(0, loss=0.1, states=werner)
    assert logged["negativity"] == pytest.approx((3 * 0.8 - 1) / 4)  # Werner: (3p - 1) / 4
    _, mixed = _only_run(store, "mixed")
    assert mixed.data.tags["entanglement_metrics"] == "negativity,log_negativity"


def test_track_says_the_run_id_and_link_on_stdout(store, capsys):
    with qml_entanglement.track("said", {"seed": 1}, writer="inline") as run:
        run.log_epoch(0, loss=0.5)
        run_id = run.run_id
    out = capsys.readouterr().out.splitlines()
    client, logged = _only_run(store, "said")
    assert logged.info.run_id == run_id
    started = next(i for i, line in enumerate(out) if line.startswith(f"run {run_id} ("))
    link = f"/#/experiments/{logged.info.experiment_id}/runs/{run_id}?workflowType="
    assert link in out[started + 1] and f" ui STORE_URI={store}, then open" in out[started + 1]
    assert out[-1] == f"run {run_id} FINISHED (1 steps logged)"
