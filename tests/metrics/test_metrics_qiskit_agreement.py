"""Agreement with qiskit.quantum_info, an independent implementation, to 1e-10."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from qiskit.circuit.library import PermutationGate
from qiskit.circuit.random import random_circuit
from qiskit.quantum_info import (
    DensityMatrix,
    Statevector,
    entropy,
    partial_trace,
    random_density_matrix,
    random_statevector,
)
from qiskit.quantum_info import concurrence as qiskit_concurrence
from qiskit.quantum_info import negativity as qiskit_negativity

from qml_entanglement.metrics import (
    bipartite_entropy,
    concurrence,
    entanglement_entropy,
    linear_entropy,
    log_negativity,
    meyer_wallach,
    mixed_state_entropy,
    negativity,
    partial_transpose,
    purity,
    reduced_density_matrix,
    renyi_entropy,
    single_qubit_entropies,
    single_qubit_purities,
    von_neumann_entropy,
)

ATOL = 1e-10


def random_states(n: int, size: int, seed: int) -> np.ndarray:
    return np.array([random_statevector(2**n, seed=seed + i).data for i in range(size)])


def random_circuit_states(n: int, size: int, seed: int) -> np.ndarray:
    return np.array(
        [
            Statevector(random_circuit(n, depth=4, max_operands=3, seed=seed + i)).data
            for i in range(size)
        ]
    )


def qiskit_reduced(state: np.ndarray, keep: list[int]) -> np.ndarray:
    n = int(np.log2(state.shape[-1]))
    traced = [q for q in range(n) if q not in keep]
    return partial_trace(Statevector(state), traced).data


def qiskit_reduced_in_order(state: np.ndarray, keep: list[int]) -> np.ndarray:
    """Reduced state with qubit ``keep[j]`` as its qubit j, by qiskit alone: permute the
    qubits (``PermutationGate`` pattern[k] = m moves qubit m to position k), then trace out
    positions ``len(keep) .. n-1``."""
    n = int(np.log2(state.shape[-1]))
    pattern = list(keep) + [q for q in range(n) if q not in keep]
    permuted = Statevector(state).evolve(PermutationGate(pattern))
    return partial_trace(permuted, list(range(len(keep), n))).data


STATE_SOURCES = {"random_statevector": random_states, "random_circuit": random_circuit_states}


@pytest.mark.parametrize("source", sorted(STATE_SOURCES))
@pytest.mark.parametrize(
    ("n", "keep"),
    [(1, [0]), (2, [1]), (3, [0, 2]), (4, [1]), (4, [0, 1, 3]), (5, [2, 4]), (5, [1, 2, 3, 4])],
)
def test_reduced_density_matrix_matches_partial_trace(source, n, keep):
    states = STATE_SOURCES[source](n, 6, seed=10 * n)
    expected = np.array([qiskit_reduced(s, keep) for s in states])
    np.testing.assert_allclose(reduced_density_matrix(states, keep), expected, atol=ATOL)


@pytest.mark.parametrize(("n", "keep"), [(3, [2, 0]), (4, [3, 0, 2]), (5, [1, 4, 0, 3])])
def test_reduced_density_matrix_follows_the_order_of_keep(n, keep):
    states = random_states(n, 4, seed=7)
    expected = np.array([qiskit_reduced_in_order(s, keep) for s in states])
    got = reduced_density_matrix(states, keep)
    np.testing.assert_allclose(got, expected, atol=ATOL)
    # The diagonal is also what qiskit's probabilities(qargs=keep) reports, in keep's order.
    probabilities = np.array([Statevector(s).probabilities(keep) for s in states])
    np.testing.assert_allclose(np.diagonal(got, axis1=1, axis2=2).real, probabilities, atol=ATOL)


@pytest.mark.parametrize("source", sorted(STATE_SOURCES))
@pytest.mark.parametrize("n", [2, 3, 5, 6, 10])
def test_single_qubit_quantities_match_qiskit(source, n):
    states = STATE_SOURCES[source](n, 8, seed=100 + n)
    rhos = [[DensityMatrix(qiskit_reduced(s, [k])) for k in range(n)] for s in states]
    expected_entropy = np.array([[entropy(r, base=2) for r in row] for row in rhos])
    expected_purity = np.array([[r.purity().real for r in row] for row in rhos])
    np.testing.assert_allclose(single_qubit_entropies(states), expected_entropy, atol=ATOL)
    np.testing.assert_allclose(single_qubit_purities(states), expected_purity, atol=ATOL)
    np.testing.assert_allclose(entanglement_entropy(states), expected_entropy.mean(1), atol=ATOL)
    np.testing.assert_allclose(meyer_wallach(states), 2 * (1 - expected_purity.mean(1)), atol=ATOL)
    np.testing.assert_allclose(
        single_qubit_entropies(states, base=np.e),
        [[entropy(r, base=np.e) for r in row] for row in rhos],
        atol=ATOL,
    )


@pytest.mark.parametrize("n", [2, 4, 5])
def test_subsystem_entropies_match_qiskit(n):
    states = random_states(n, 5, seed=200 + n)
    subsystems = [s for r in range(1, n) for s in itertools.combinations(range(n), r)]
    for subsystem in subsystems:
        rhos = [qiskit_reduced(s, list(subsystem)) for s in states]
        expected = [entropy(DensityMatrix(r), base=2) for r in rhos]
        got = von_neumann_entropy(states, subsystem)
        np.testing.assert_allclose(got, expected, atol=ATOL, err_msg=str(subsystem))
        eigenvalues = [np.clip(np.linalg.eigvalsh(r), 0, None) for r in rhos]
        np.testing.assert_allclose(
            renyi_entropy(states, subsystem, 3),
            [np.log2(np.sum(e**3)) / (1 - 3) for e in eigenvalues],
            atol=ATOL,
        )
        np.testing.assert_allclose(
            renyi_entropy(states, subsystem, np.inf),
            [-np.log2(e.max()) for e in eigenvalues],
            atol=ATOL,
        )
        np.testing.assert_allclose(
            linear_entropy(states, subsystem),
            [1 - DensityMatrix(r).purity().real for r in rhos],
            atol=ATOL,
        )
    for cut in range(1, n):
        expected = [entropy(DensityMatrix(qiskit_reduced(s, list(range(cut))))) for s in states]
        np.testing.assert_allclose(bipartite_entropy(states, cut), expected, atol=ATOL)


@pytest.mark.filterwarnings("ignore:invalid value encountered in sqrt")
def test_pure_concurrence_matches_qiskit():
    states = np.concatenate([random_states(2, 20, seed=300), random_circuit_states(2, 10, 400)])
    # qiskit returns NaN for (near-)product states (sqrt of a round-off negative): skip those.
    expected = np.array([qiskit_concurrence(Statevector(s)) for s in states])
    defined = np.isfinite(expected)
    assert defined.sum() >= 25
    got = concurrence(states, density=False)
    np.testing.assert_allclose(got[defined], expected[defined], atol=ATOL)


def test_mixed_concurrence_matches_qiskit():
    rhos = np.array([random_density_matrix(4, seed=500 + i).data for i in range(20)])
    rank2 = np.array([random_density_matrix(4, rank=2, seed=600 + i).data for i in range(10)])
    expected = [qiskit_concurrence(DensityMatrix(r)) for r in rhos]
    np.testing.assert_allclose(concurrence(rhos), expected, atol=ATOL)
    # Rank-deficient states: square roots of round-off eigenvalues limit both codes to ~1e-8.
    expected = [qiskit_concurrence(DensityMatrix(r)) for r in rank2]
    np.testing.assert_allclose(concurrence(rank2), expected, atol=1e-6)


@pytest.mark.parametrize(("n", "subsystem"), [(2, [0]), (3, [1]), (3, [0, 2]), (4, [3, 1])])
def test_mixed_state_measures_match_qiskit(n, subsystem):
    rhos = np.array(
        [random_density_matrix(2**n, rank=r, seed=700 + r).data for r in range(1, 2**n + 1, 3)]
    )
    dms = [DensityMatrix(r) for r in rhos]
    np.testing.assert_allclose(purity(rhos), [d.purity().real for d in dms], atol=ATOL)
    np.testing.assert_allclose(
        mixed_state_entropy(rhos), [entropy(d, base=2) for d in dms], atol=ATOL
    )
    expected_negativity = [qiskit_negativity(d, subsystem) for d in dms]
    np.testing.assert_allclose(negativity(rhos, subsystem), expected_negativity, atol=ATOL)
    np.testing.assert_allclose(
        log_negativity(rhos, subsystem),
        np.log2(2 * np.array(expected_negativity) + 1),
        atol=ATOL,
    )
    np.testing.assert_allclose(
        partial_transpose(rhos, subsystem),
        [d.partial_transpose(subsystem).data for d in dms],
        atol=ATOL,
    )


def test_single_qubit_quantities_match_qiskit_on_a_large_register():
    # 14 qubits: exercises the long-stretch path of the single-qubit kernel.
    n = 14
    states = random_states(n, 2, seed=900)
    rhos = [[DensityMatrix(qiskit_reduced(s, [k])) for k in range(n)] for s in states]
    np.testing.assert_allclose(
        single_qubit_purities(states), [[r.purity().real for r in row] for row in rhos], atol=ATOL
    )
    np.testing.assert_allclose(
        single_qubit_entropies(states), [[entropy(r) for r in row] for row in rhos], atol=ATOL
    )
