"""The Aer backend against the exact engine, and its noisy / sampled modes."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit.circuit import Parameter, QuantumCircuit
from qiskit.quantum_info import DensityMatrix, Statevector, partial_trace

from qml_entanglement.engine import CircuitCompileError, StatevectorSimulator
from qml_entanglement.engine.aer import AerSimulatorEngine, apply_readout_error
from qml_entanglement.models import ANSATZE, build_ansatz, build_feature_map
from qml_entanglement.models.readout import parity_readout
from qml_entanglement.training.classifier import QuantumClassifier
from qml_entanglement.training.losses import CrossEntropy


@pytest.mark.parametrize("ansatz_name", ANSATZE)
def test_exact_aer_matches_statevector_engine(ansatz_name):
    """Probabilities, loss and gradient agree to 1e-10 (parameter shift vs adjoint)."""
    fm = build_feature_map("zz", 3, reps=2)
    an = build_ansatz(ansatz_name, 3, reps=1, entanglement="circular")
    rng = np.random.default_rng(2)
    x = rng.uniform(0, np.pi, (8, 3))
    y = rng.integers(0, 2, 8)
    theta = rng.uniform(-np.pi, np.pi, an.num_parameters)
    results = []
    for sim in (StatevectorSimulator(fm, an), AerSimulatorEngine(fm, an)):
        clf = QuantumClassifier(sim, parity_readout(3), CrossEntropy())
        results.append(clf.evaluate(theta, sim.encode(x), y, with_grad=True))
    exact, aer = results
    assert np.abs(exact.class_probs - aer.class_probs).max() < 1e-10
    assert abs(exact.loss - aer.loss) < 1e-10
    assert np.abs(exact.grad - aer.grad).max() < 1e-8


def test_depolarising_noise_gives_density_matrices_of_the_reference_channel():
    """One-qubit depolarising error after each gate; the result must be a valid, mixed state
    whose reduced state matches the qiskit partial trace of the full density matrix."""
    fm = build_feature_map("z", 2, reps=1)
    an = build_ansatz("real_amplitudes", 2, reps=1, entanglement="linear")
    sim = AerSimulatorEngine(fm, an, noise={"depolarizing": 0.05})
    rng = np.random.default_rng(0)
    states, probs = sim.probabilities_and_states(rng.uniform(-3, 3, 4), rng.uniform(0, 3, (3, 2)))
    assert states.shape == (3, 4, 4)
    for rho in states:
        dm = DensityMatrix(rho)
        assert dm.is_valid(atol=1e-8)
        assert dm.purity().real < 1 - 1e-3
    assert np.allclose(probs, np.real(np.einsum("bii->bi", states)))
    noiseless = AerSimulatorEngine(fm, an).probabilities_and_states(np.zeros(4), np.zeros((1, 2)))[
        0
    ]
    assert np.isclose(np.linalg.norm(noiseless), 1.0)
    assert partial_trace(Statevector(noiseless[0]), [1]).purity().real == pytest.approx(1.0)


def test_sampled_probabilities_are_within_statistical_error():
    fm = build_feature_map("zz", 2, reps=1)
    an = build_ansatz("real_amplitudes", 2, reps=1, entanglement="linear")
    rng = np.random.default_rng(4)
    x, theta = rng.uniform(0, np.pi, (20, 2)), rng.uniform(-3, 3, 4)
    exact = StatevectorSimulator(fm, an)
    p = np.abs(exact.states(theta, exact.encode(x))) ** 2
    shots = 4000
    sampled = AerSimulatorEngine(fm, an, shots=shots, seed=11).probabilities_and_states(theta, x)[1]
    sigma = np.sqrt(p * (1 - p) / shots) + 1e-12
    assert np.all(np.abs(sampled - p) < 5 * sigma + 1e-9)
    assert not np.allclose(sampled, p)  # it really sampled


def test_readout_error_analytic_and_sampled_agree():
    probs = np.array([[1.0, 0.0, 0.0, 0.0]])
    e = 0.1
    assert np.allclose(apply_readout_error(probs, e, 2), [[0.81, 0.09, 0.09, 0.01]])
    fm, an = QuantumCircuit(2), QuantumCircuit(2)
    an.ry(Parameter("t"), 0)
    shots = 20000
    sim = AerSimulatorEngine(fm, an, shots=shots, noise={"readout_error": e}, seed=3)
    sampled = sim.probabilities_and_states(np.array([0.0]), np.zeros((1, 0)))[1][0]
    assert np.allclose(sampled, [0.81, 0.09, 0.09, 0.01], atol=5 * np.sqrt(0.25 / shots))


def test_invalid_aer_settings_are_rejected():
    fm = build_feature_map("z", 2, reps=1)
    with pytest.raises(ValueError, match="simulator.shots=0"):
        AerSimulatorEngine(fm, build_ansatz("real_amplitudes", 2, 1, "linear"), shots=0)
    an = QuantumCircuit(2)
    an.crx(Parameter("t"), 0, 1)
    with pytest.raises(CircuitCompileError, match="crx"):
        AerSimulatorEngine(fm, an)
