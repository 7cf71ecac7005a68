"""The opt-in per-step measurements and the always-on half-cut summary, against analytic
values and independent computations."""

from __future__ import annotations

import numpy as np
import pytest

from qml_entanglement.engine import compile_circuit
from qml_entanglement.metrics.randomized_estimates import RandomizedEstimates
from qml_entanglement.metrics.summary import entanglement_summary
from qml_entanglement.models import build_ansatz
from qml_entanglement.training.measurements import Scrambling, initial_gradient_variance


def _ghz(n: int) -> np.ndarray:
    state = np.zeros(2**n, dtype=complex)
    state[[0, -1]] = 1 / np.sqrt(2)
    return state


def _page_bits(m: int, k: int) -> float:
    """Page's mean entropy of the smaller (dimension m <= k) side of a Haar state, in bits."""
    nats = sum(1 / j for j in range(k + 1, m * k + 1)) - (m - 1) / (2 * k)
    return nats / np.log(2)


def test_half_cut_summary_of_ghz_and_product_states():
    product = np.zeros(16, dtype=complex)
    product[0] = 1
    out = entanglement_summary(np.stack([_ghz(4), product]))
    assert out["half_cut_entropy"] == pytest.approx(0.5)  # 1 bit and 0 bits
    assert out["half_cut_page_fraction"] == pytest.approx(0.5 / _page_bits(4, 4))
    assert out["meyer_wallach_haar_fraction"] == pytest.approx(0.5 * 17 / 14)
    only_product = entanglement_summary(np.stack([_ghz(4), product]), half_cut_subset=[1])
    assert only_product["half_cut_entropy"] == pytest.approx(0.0, abs=1e-12)
    assert only_product["meyer_wallach"] == pytest.approx(0.5)  # the others use every state
    assert "half_cut_entropy" not in entanglement_summary(np.stack([_ghz(4)]), half_cut=False)


def test_randomized_estimates_agree_with_exact_values():
    product = np.zeros(16, dtype=complex)
    product[0] = 1
    states = np.stack([_ghz(4)] * 3 + [product] * 3)
    out = RandomizedEstimates(4, unitaries=60, shots=200, seed=3)(states)
    # exact: MW = 1 (GHZ) and 0 (product); half-cut Renyi-2 = 1 bit and 0
    for key, exact in (("meyer_wallach_estimate", 0.5), ("renyi2_half_cut_estimate", 0.5)):
        assert abs(out[key] - exact) < 5 * out[f"{key}_se"], (key, out)
        assert 0 < out[f"{key}_se"] < 0.1


def test_randomized_estimates_are_reproducible_and_fresh_each_epoch():
    states = np.stack([_ghz(3)] * 4)
    first, second = RandomizedEstimates(3, 20, 50, seed=1), RandomizedEstimates(3, 20, 50, seed=1)
    a, b = first(states), second(states)
    assert a == b
    assert first(states) != a  # the next epoch draws new unitaries and shots


def test_scrambling_of_a_product_block_is_zero_and_large_registers_are_refused():
    block = compile_circuit(build_ansatz("real_amplitudes", 4, reps=2, entanglement="none"))
    theta = np.random.default_rng(0).uniform(0, 2 * np.pi, block.num_parameters)
    identity = np.eye(16, dtype=complex)[None]
    out = Scrambling(block, 4, identity)(theta)
    assert out["tripartite_information"] == pytest.approx(0.0, abs=1e-9)
    assert out["tripartite_information_model"] == pytest.approx(0.0, abs=1e-9)
    with pytest.raises(ValueError, match="at most 6 qubits"):
        Scrambling(compile_circuit(build_ansatz("real_amplitudes", 7, reps=1)), 7, None)


def test_scrambling_of_a_swap_block_sends_a_into_d():
    """CX(0,1) CX(1,0) CX(0,1) = SWAP(0, 1): input qubit 0 leaves as output qubit 1 (in D),
    so I(A:C) = 0, I(A:D) = 2 = I(A:CD) and I3 = 0 (Hosur et al. 2016)."""
    from qiskit import QuantumCircuit
    from qiskit.circuit import Parameter

    qc = QuantumCircuit(2)
    t = Parameter("t")
    qc.ry(t, 0)
    qc.ry(-t, 0)
    qc.cx(0, 1)
    qc.cx(1, 0)
    qc.cx(0, 1)
    out = Scrambling(compile_circuit(qc), 2, None)(np.array([0.3]))
    assert out["tripartite_information"] == pytest.approx(0.0, abs=1e-9)


def test_initial_gradient_variance_of_a_known_distribution():
    """d_k L = sin(theta_k) with theta_k ~ U[0, 2 pi): Var = 1/2 for every k."""
    out = initial_gradient_variance(np.sin, 3, samples=4000, seed=0)
    assert abs(out["init_grad_variance"] - 0.5) < 4 * out["init_grad_variance_se"]
    assert out["init_grad_variance_se"] < 0.01


def test_initial_gradient_variance_standard_error_is_calibrated():
    """The jackknife SE matches the spread of the estimate over independent seeds (25%)."""
    runs = [initial_gradient_variance(np.sin, 2, samples=25, seed=s) for s in range(400)]
    values = np.array([r["init_grad_variance"] for r in runs])
    ses = np.array([r["init_grad_variance_se"] for r in runs])
    assert np.std(values, ddof=1) == pytest.approx(np.sqrt(np.mean(ses**2)), rel=0.25)
    assert np.mean(values) == pytest.approx(0.5, abs=3 * np.std(values) / np.sqrt(400))
