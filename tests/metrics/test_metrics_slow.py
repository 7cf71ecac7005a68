"""Longer checks (larger registers, deeper circuits, the benchmark itself): marked slow."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest
from qiskit.circuit import ParameterVector, QuantumCircuit
from qiskit.quantum_info import DensityMatrix, Statevector, entropy, partial_trace

from qml_entanglement.metrics import (
    entangling_capability,
    expressibility,
    meyer_wallach,
    single_qubit_entropies,
)

pytestmark = pytest.mark.slow

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_metrics.py"


def layered_circuit(n: int, layers: int) -> QuantumCircuit:
    theta = ParameterVector("t", 3 * n * layers)
    qc = QuantumCircuit(n)
    i = 0
    for _ in range(layers):
        for q in range(n):
            qc.u(theta[i], theta[i + 1], theta[i + 2], q)
            i += 3
        for q in range(n - 1):
            qc.cx(q, q + 1)
    return qc


@pytest.mark.parametrize("n", [5, 6])
def test_capability_of_deep_random_circuit_is_haar_on_more_qubits(n):
    dim = 2**n
    capability = entangling_capability(layered_circuit(n, 30), n_samples=3000, seed=5)
    # Haar MW has standard deviation ~0.05 here: 5 standard errors ~ 0.005, plus depth slack.
    assert capability == pytest.approx((dim - 2) / (dim + 1), abs=0.01)


def test_deep_three_qubit_circuit_is_close_to_haar():
    assert expressibility(layered_circuit(3, 15), n_samples=5000, seed=2) < 0.03


def test_sixteen_qubit_states_match_qiskit():
    rng = np.random.default_rng(16)
    states = rng.standard_normal((2, 2**16)) + 1j * rng.standard_normal((2, 2**16))
    states /= np.linalg.norm(states, axis=1, keepdims=True)
    n = 16
    reduced = [
        [
            DensityMatrix(partial_trace(Statevector(s), [q for q in range(n) if q != k]))
            for k in range(n)
        ]
        for s in states
    ]
    expected_entropy = [[entropy(r) for r in row] for row in reduced]
    expected_mw = [2 * (1 - np.mean([r.purity().real for r in row])) for row in reduced]
    np.testing.assert_allclose(single_qubit_entropies(states), expected_entropy, atol=1e-10)
    np.testing.assert_allclose(meyer_wallach(states), expected_mw, atol=1e-10)


def test_benchmark_quick_run_reports_every_field():
    spec = importlib.util.spec_from_file_location("bench_metrics", BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows = module.run(quick=True)
    keys = {"benchmark", "n_qubits", "n_states", "ours_s", "qiskit_loop_s", "ratio"}
    keys |= {"peak_mem_mb", "note"}
    assert rows and all(set(row) == keys for row in rows)
    for row in rows:
        assert row["benchmark"] == "metrics"
        assert row["ours_s"] > 0 and row["ratio"] > 1 and math.isfinite(row["peak_mem_mb"])
        assert "scaled" in row["note"]
    assert "ratio" in module.format_table(rows)
