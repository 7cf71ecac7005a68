"""Absurd sizes are refused before anything large is allocated (issue 12, case 10)."""

from __future__ import annotations

import psutil
import pytest
from mlflow.tracking import MlflowClient

from qml_entanglement.training.resources import COPIES, estimate_bytes, memory_problem
from tests.conftest import run_train


def test_estimate_counts_states_of_two_to_the_n_amplitudes_and_density_matrices():
    assert estimate_bytes(10, 7) == COPIES * 7 * 16 * 2**10
    assert estimate_bytes(3, 5, mixed=True) == COPIES * 5 * 16 * 4**3


def test_small_runs_fit_and_huge_ones_name_the_estimate_and_the_knobs():
    assert memory_problem(2, 200) is None
    problem = memory_problem(34, 100)
    need = estimate_bytes(34, 100) / 1024**3
    assert need > psutil.virtual_memory().total / 1024**3
    assert problem is not None and f"about {need:.1f} GiB" in problem
    assert "GiB is available" in problem and "dataset.num_features" in problem


@pytest.mark.parametrize("qubits", [24, 30])
def test_a_run_too_large_for_memory_exits_2_before_any_run_exists(qubits, store_uri):
    proc = run_train(
        "dataset=blobs",
        f"dataset.num_features={qubits}",
        "dataset.n_samples=400",
        f"tracking.uri={store_uri}",
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr[-2000:]
    lines = [x for x in proc.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and "GiB is available" in lines[0], proc.stderr
    client = MlflowClient(store_uri)
    experiment = client.get_experiment_by_name("qml-entanglement")
    assert experiment is None or not client.search_runs([experiment.experiment_id])
