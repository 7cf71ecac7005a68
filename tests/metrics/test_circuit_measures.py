"""Circuit descriptors: batched simulation, entangling capability, expressibility, power."""

from __future__ import annotations

import math
from functools import reduce

import numpy as np
import pytest
import scipy.linalg
from qiskit.circuit import Parameter, ParameterVector, QuantumCircuit
from qiskit.circuit.library import efficient_su2, real_amplitudes
from qiskit.circuit.random import random_circuit
from qiskit.quantum_info import Operator, Statevector

from qml_entanglement.metrics import (
    entangling_capability,
    entangling_power,
    expressibility,
    meyer_wallach,
)
from qml_entanglement.metrics._simulation import simulate_statevectors


def layered_circuit(n: int, layers: int, entangle: bool = True) -> QuantumCircuit:
    """U(theta, phi, lambda) on every qubit, then a CNOT chain, repeated."""
    theta = ParameterVector("t", 3 * n * layers)
    qc = QuantumCircuit(n)
    i = 0
    for _ in range(layers):
        for q in range(n):
            qc.u(theta[i], theta[i + 1], theta[i + 2], q)
            i += 3
        if entangle:
            for q in range(n - 1):
                qc.cx(q, q + 1)
    return qc


def ry_cnot_circuit(n: int, layers: int) -> QuantumCircuit:
    theta = ParameterVector("t", n * layers)
    qc = QuantumCircuit(n)
    for layer in range(layers):
        for q in range(n):
            qc.ry(theta[layer * n + q], q)
        for q in range(n - 1):
            qc.cx(q, q + 1)
    return qc


def mixed_gate_circuit() -> QuantumCircuit:
    """Every simulation path: closed-form rotations, expressions, a generic parameterised gate
    (cu), a composite gate (via its definition), fixed gates, a parameterised global phase."""
    th = ParameterVector("th", 9)
    inner = QuantumCircuit(3)
    for q in range(3):
        inner.u(th[3 * q], th[3 * q + 1], th[3 * q + 2], q)
    inner.cx(0, 1)
    inner.crx(2 * th[0] + th[1], 1, 2)
    inner.rzz(th[4], 0, 2)
    inner.cu(th[5], th[6], th[7], th[8], 2, 0)
    inner.ryy(th[2], 1, 0)
    inner.cry(th[3], 2, 1)
    inner.cp(th[4], 0, 2)
    inner.rxx(th[1], 1, 2)
    inner.p(th[0], 1)
    inner.crz(th[8], 1, 0)
    inner.rx(th[6] * th[7], 2)
    inner.rz(th[5] - 1.0, 0)
    outer = QuantumCircuit(3)
    outer.h(0)
    outer.append(inner.to_gate(), [2, 0, 1])
    outer.barrier()
    outer.swap(0, 2)
    outer.global_phase = th[0] / 3
    return outer


def qiskit_states(circuit: QuantumCircuit, values: np.ndarray) -> np.ndarray:
    return np.array([Statevector(circuit.assign_parameters(v)).data for v in values])


@pytest.mark.parametrize(
    "circuit",
    [
        mixed_gate_circuit(),
        real_amplitudes(4, reps=2),
        efficient_su2(3, reps=2, entanglement="circular"),
        layered_circuit(5, 2),
    ],
    ids=["mixed_gates", "real_amplitudes", "efficient_su2", "layered"],
)
def test_batched_simulation_matches_qiskit_statevector(circuit):
    rng = np.random.default_rng(0)
    values = rng.uniform(0, 2 * np.pi, size=(6, circuit.num_parameters))
    got = simulate_statevectors(circuit, values)
    np.testing.assert_allclose(got, qiskit_states(circuit, values), atol=1e-10)


@pytest.mark.parametrize("seed", range(4))
def test_batched_simulation_of_random_fixed_circuits(seed):
    circuit = random_circuit(4, depth=6, max_operands=3, seed=seed)
    got = simulate_statevectors(circuit, np.zeros((2, 0)))
    np.testing.assert_allclose(got[0], Statevector(circuit).data, atol=1e-10)
    np.testing.assert_allclose(got[1], got[0])


def test_simulation_rejects_non_unitary_circuits():
    qc = QuantumCircuit(2, 2)
    qc.h(0)
    qc.measure(0, 0)
    with pytest.raises(ValueError, match="instruction 'measure' is not unitary"):
        entangling_capability(qc)
    qc = QuantumCircuit(2)
    qc.reset(0)
    with pytest.raises(ValueError, match="'reset'"):
        expressibility(qc)
    with pytest.raises(ValueError, match=r"shape \(S, 1\)"):
        simulate_statevectors(ry_cnot_circuit(1, 1), np.zeros((3, 2)))


# --- entangling capability -------------------------------------------------------------------


def assert_capability_close(circuit, expected, n_samples=2000, seed=1, slack=0.0):
    """Mean MW within 5 standard errors (+ slack for finite-depth circuits) of ``expected``."""
    values = meyer_wallach(
        simulate_statevectors(
            circuit,
            np.random.default_rng(seed).uniform(0, 2 * np.pi, (n_samples, circuit.num_parameters)),
        )
    )
    stderr = values.std(ddof=1) / math.sqrt(n_samples)
    capability = entangling_capability(circuit, n_samples=n_samples, seed=seed)
    assert capability == pytest.approx(values.mean(), abs=1e-12)  # same draws, same seed
    assert abs(capability - expected) <= 5 * stderr + slack, (capability, expected, stderr)


def test_capability_without_entangling_gates_is_zero():
    assert entangling_capability(layered_circuit(3, 3, entangle=False), 200, seed=0) == (
        pytest.approx(0, abs=1e-12)
    )


def test_capability_of_one_ry_and_cnot():
    # cos(a/2)|00> + sin(a/2)|11> has MW = sin^2(a), whose mean over a ~ U[0, 2pi) is 1/2.
    qc = QuantumCircuit(2)
    qc.ry(Parameter("a"), 0)
    qc.cx(0, 1)
    assert_capability_close(qc, 0.5, n_samples=4000)


@pytest.mark.parametrize("n", [2, 3, 4])
def test_capability_of_deep_random_circuit_is_haar(n):
    dim = 2**n
    assert_capability_close(layered_circuit(n, 15), (dim - 2) / (dim + 1), slack=0.005)


@pytest.mark.parametrize("n", [2, 3, 4])
def test_capability_of_deep_real_circuit_is_real_haar(n):
    dim = 2**n
    assert_capability_close(ry_cnot_circuit(n, 20), (dim - 2) / (dim + 2), slack=0.005)


def test_capability_is_reproducible_and_validates():
    qc = layered_circuit(2, 2)
    assert entangling_capability(qc, 100, seed=3) == entangling_capability(qc, 100, seed=3)
    rng = np.random.default_rng(3)
    assert entangling_capability(qc, 100, seed=rng) == entangling_capability(qc, 100, seed=3)
    with pytest.raises(ValueError, match="at least 2 qubits"):
        entangling_capability(QuantumCircuit(1))
    with pytest.raises(ValueError, match="n_samples must be an integer >= 1"):
        entangling_capability(qc, n_samples=0)
    with pytest.raises(ValueError, match="QuantumCircuit"):
        entangling_capability(np.eye(4))


# --- expressibility --------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2])
def test_idle_circuit_has_maximal_divergence(n):
    # Every fidelity is 1, in the last bin, whose Haar mass is (1/75)^(N-1).
    assert expressibility(QuantumCircuit(n), n_samples=50) == pytest.approx(
        (2**n - 1) * math.log(75)
    )
    trivial = QuantumCircuit(1)
    trivial.rz(Parameter("a"), 0)  # only a phase on |0>
    assert expressibility(trivial, n_samples=50) == pytest.approx(math.log(75))
    assert expressibility(QuantumCircuit(1), 50, base=2) == pytest.approx(math.log2(75))


def test_hadamard_rz_circuit_matches_the_arcsine_law():
    # H then RZ: F = cos^2(delta/2) with delta uniform, the arcsine law; Haar for one qubit is
    # uniform on [0, 1].  Exact binned KL, plus the histogram bias (bins - 1) / (2 n_samples).
    qc = QuantumCircuit(1)
    qc.h(0)
    qc.rz(Parameter("a"), 0)
    edges = np.linspace(0, 1, 76)
    p = (2 / np.pi) * (np.arcsin(np.sqrt(edges[1:])) - np.arcsin(np.sqrt(edges[:-1])))
    n_samples = 20000
    expected = np.sum(p * np.log(p * 75)) + 74 / (2 * n_samples)
    assert expressibility(qc, n_samples=n_samples, seed=0) == pytest.approx(expected, abs=0.02)


@pytest.mark.parametrize("n", [1, 2])
def test_deep_random_circuit_is_close_to_haar(n):
    kl = expressibility(layered_circuit(n, 10), n_samples=5000, seed=1)
    assert kl < 0.03  # histogram bias alone is ~0.0074


def test_expressibility_ranks_circuits():
    one = QuantumCircuit(1)
    one.h(0)
    one.rz(Parameter("a"), 0)
    two = one.copy()
    two.rx(Parameter("b"), 0)
    assert expressibility(two, 2000, seed=0) < expressibility(one, 2000, seed=0)


def test_expressibility_validates():
    with pytest.raises(ValueError, match="bins must be an integer >= 2"):
        expressibility(QuantumCircuit(1), bins=1)
    with pytest.raises(ValueError, match="base must be"):
        expressibility(QuantumCircuit(1), base=1)


# --- entangling power ------------------------------------------------------------------------

X = np.array([[0, 1], [1, 0]])
Y = np.array([[0, -1j], [1j, 0]])
Z = np.diag([1, -1])


def canonical_unitary(c1: float, c2: float, c3: float) -> np.ndarray:
    return scipy.linalg.expm(1j * (c1 * np.kron(X, X) + c2 * np.kron(Y, Y) + c3 * np.kron(Z, Z)))


def canonical_power(c1: float, c2: float, c3: float) -> float:
    """Two-qubit entangling power from the canonical parameters (Balakrishnan and
    Sankaranarayanan 2010): [3 - sum of cos(4c_i) cos(4c_j)] / 18."""
    a, b, c = np.cos(4 * c1), np.cos(4 * c2), np.cos(4 * c3)
    return (3 - a * b - b * c - c * a) / 18


def test_cnot_has_entangling_power_two_ninths():
    cnot = QuantumCircuit(2)
    cnot.cx(0, 1)
    assert entangling_power(cnot, n_samples=20000, seed=0) == pytest.approx(2 / 9, abs=0.01)
    assert entangling_power(Operator(cnot), 20000, seed=0) == pytest.approx(2 / 9, abs=0.01)
    gate = cnot.to_gate()
    assert entangling_power(gate, 100, seed=0) == entangling_power(cnot, 100, seed=0)


def test_swap_and_local_unitaries_do_not_entangle(haar_unitary):
    swap = QuantumCircuit(2)
    swap.swap(0, 1)
    assert entangling_power(swap, 500, seed=0) == pytest.approx(0, abs=1e-12)
    rng = np.random.default_rng(1)
    local = reduce(np.kron, [haar_unitary(2, rng) for _ in range(3)])
    assert entangling_power(local, 500, seed=0) == pytest.approx(0, abs=1e-12)
    assert entangling_power(np.eye(8), 500, seed=0, subsystem=[0, 2]) == pytest.approx(0)


def test_entangling_power_matches_canonical_formula(haar_unitary):
    rng = np.random.default_rng(2)
    for _ in range(3):
        c = rng.uniform(0, np.pi / 2, 3)
        left = np.kron(haar_unitary(2, rng), haar_unitary(2, rng))
        right = np.kron(haar_unitary(2, rng), haar_unitary(2, rng))
        unitary = left @ canonical_unitary(*c) @ right  # local unitaries do not change e_p
        got = entangling_power(unitary, n_samples=20000, seed=3)
        assert got == pytest.approx(canonical_power(*c), abs=0.01)
        assert entangling_power(unitary, 2000, seed=4, subsystem=[1]) == pytest.approx(
            entangling_power(unitary, 2000, seed=4)
        )


def test_entangling_power_validates():
    qc = QuantumCircuit(2)
    qc.rx(Parameter("a"), 0)
    with pytest.raises(ValueError, match="all parameters bound; free: a"):
        entangling_power(qc)
    with pytest.raises(ValueError, match="not unitary"):
        entangling_power(np.ones((4, 4)))
    with pytest.raises(ValueError, match="at least 2 qubits"):
        entangling_power(np.eye(2))
    with pytest.raises(ValueError, match="not a power of two"):
        entangling_power(np.eye(3))
