"""Metrics on states whose values are known in closed form."""

from __future__ import annotations

import numpy as np
import pytest

from qml_entanglement.metrics import (
    bipartite_entropy,
    concurrence,
    entanglement_entropy,
    linear_entropy,
    log_negativity,
    meyer_wallach,
    negativity,
    reduced_density_matrix,
    renyi_entropy,
    single_qubit_entropies,
    single_qubit_measures,
    single_qubit_purities,
    von_neumann_entropy,
)

BELL_STATES = {
    "phi+": np.array([1, 0, 0, 1]) / np.sqrt(2),
    "phi-": np.array([1, 0, 0, -1]) / np.sqrt(2),
    "psi+": np.array([0, 1, 1, 0]) / np.sqrt(2),
    "psi-": np.array([0, 1j, -1j, 0]) / np.sqrt(2),
}


def binary_entropy(p):
    p = np.asarray(p, dtype=float)
    return -(p * np.log2(p) + (1 - p) * np.log2(1 - p))


def product_states(n_qubits: int, size: int, seed: int) -> np.ndarray:
    """Random product states built by Kronecker products of random qubits."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(size):
        state = np.ones(1, dtype=complex)
        for _ in range(n_qubits):
            qubit = rng.standard_normal(2) + 1j * rng.standard_normal(2)
            state = np.kron(qubit / np.linalg.norm(qubit), state)
        out.append(state)
    return np.array(out)


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_product_states_have_no_entanglement(n):
    states = product_states(n, 20, seed=n)
    np.testing.assert_allclose(meyer_wallach(states), 0, atol=1e-12)
    np.testing.assert_allclose(entanglement_entropy(states), 0, atol=1e-12)
    np.testing.assert_allclose(single_qubit_purities(states), 1, atol=1e-12)
    if n >= 2:
        np.testing.assert_allclose(bipartite_entropy(states), 0, atol=1e-12)
        np.testing.assert_allclose(linear_entropy(states, [0, n - 1]), 0, atol=1e-12)
        rho = np.einsum("bi,bj->bij", states, states.conj())
        np.testing.assert_allclose(negativity(rho), 0, atol=1e-12)
    if n == 2:
        np.testing.assert_allclose(concurrence(states, density=False), 0, atol=1e-12)


@pytest.mark.parametrize("name", sorted(BELL_STATES))
def test_bell_states_are_maximally_entangled(name):
    bell = BELL_STATES[name]
    assert meyer_wallach(bell) == pytest.approx(1, abs=1e-12)
    assert entanglement_entropy(bell) == pytest.approx(1, abs=1e-12)
    assert von_neumann_entropy(bell, [1]) == pytest.approx(1, abs=1e-12)
    assert von_neumann_entropy(bell, 0, base=np.e) == pytest.approx(np.log(2), abs=1e-12)
    assert concurrence(bell) == pytest.approx(1, abs=1e-12)
    assert linear_entropy(bell, 0) == pytest.approx(0.5, abs=1e-12)
    rho = np.outer(bell, bell.conj())
    assert negativity(rho) == pytest.approx(0.5, abs=1e-12)
    assert log_negativity(rho) == pytest.approx(1, abs=1e-12)
    assert concurrence(rho) == pytest.approx(1, abs=1e-7)
    np.testing.assert_allclose(reduced_density_matrix(bell, [0]), np.eye(2) / 2, atol=1e-15)


@pytest.mark.parametrize("n", [2, 3, 4, 6, 8])
def test_ghz_has_one_bit_per_qubit(ghz, n):
    state = ghz(n)
    assert meyer_wallach(state) == pytest.approx(1, abs=1e-12)
    np.testing.assert_allclose(single_qubit_entropies(state), np.ones(n), atol=1e-12)
    for cut in range(1, n):
        assert bipartite_entropy(state, cut) == pytest.approx(1, abs=1e-12)
    for alpha in [0.5, 2, 3, np.inf]:
        assert renyi_entropy(state, range(n // 2), alpha) == pytest.approx(1, abs=1e-12)
    rho = np.outer(state, state.conj())
    if n <= 6:
        assert negativity(rho, [0]) == pytest.approx(0.5, abs=1e-12)
        assert log_negativity(rho, [n - 1]) == pytest.approx(1, abs=1e-12)


@pytest.mark.parametrize("n", [2, 3, 4, 5, 7])
def test_w_state_matches_closed_forms(w_state, n):
    # rho_k = diag((n-1)/n, 1/n): purity ((n-1)^2 + 1)/n^2, MW = 4(n-1)/n^2, S = h(1/n).
    state = w_state(n)
    assert meyer_wallach(state) == pytest.approx(4 * (n - 1) / n**2, abs=1e-12)
    np.testing.assert_allclose(
        single_qubit_purities(state), np.full(n, ((n - 1) ** 2 + 1) / n**2), atol=1e-12
    )
    np.testing.assert_allclose(single_qubit_entropies(state), binary_entropy(1 / n), atol=1e-12)
    assert entanglement_entropy(state) == pytest.approx(binary_entropy(1 / n), abs=1e-12)
    # k qubits of a W state hold the excitation with probability k/n.
    for k in range(1, n):
        assert bipartite_entropy(state, k) == pytest.approx(binary_entropy(k / n), abs=1e-12)
        expected_purity = (k / n) ** 2 + (1 - k / n) ** 2
        assert linear_entropy(state, range(k)) == pytest.approx(1 - expected_purity, abs=1e-12)
        assert renyi_entropy(state, range(k), 2) == pytest.approx(
            -np.log2(expected_purity), abs=1e-12
        )


@pytest.mark.parametrize("theta", np.linspace(0, np.pi / 2, 7))
def test_two_qubit_concurrence_and_meyer_wallach(theta):
    # cos(t)|00> + sin(t)|11>: C = sin(2t), MW = C^2, S = h(cos^2 t).
    state = np.array([np.cos(theta), 0, 0, np.sin(theta)])
    c = abs(np.sin(2 * theta))
    assert concurrence(state) == pytest.approx(c, abs=1e-12)
    assert meyer_wallach(state) == pytest.approx(c**2, abs=1e-12)
    p = min(np.cos(theta) ** 2, np.sin(theta) ** 2)
    expected = 0.0 if p < 1e-15 else float(binary_entropy(p))
    assert entanglement_entropy(state) == pytest.approx(expected, abs=1e-12)
    # Negativity of a pure two-qubit state is C/2.
    assert negativity(np.outer(state, state)) == pytest.approx(c / 2, abs=1e-12)


def test_meyer_wallach_is_concurrence_squared_on_random_two_qubit_states(haar_states):
    states = haar_states(2, 200, seed=3)
    np.testing.assert_allclose(meyer_wallach(states), concurrence(states, density=False) ** 2)


def test_renyi_orders_are_ordered_and_limit_to_von_neumann(haar_states):
    states = haar_states(5, 50, seed=4)
    subsystem = [0, 3]
    values = [renyi_entropy(states, subsystem, a) for a in (0.5, 0.999999, 1, 2, 5, np.inf)]
    for higher, lower in zip(values, values[1:], strict=False):
        assert np.all(higher >= lower - 1e-12)
    np.testing.assert_allclose(values[1], von_neumann_entropy(states, subsystem), atol=1e-5)


def test_single_qubit_measures_bundle_matches_separate_calls(haar_states):
    states = haar_states(4, 30, seed=5)
    measures = single_qubit_measures(states)
    np.testing.assert_allclose(measures.meyer_wallach, meyer_wallach(states), atol=1e-15)
    np.testing.assert_allclose(
        measures.entanglement_entropy, entanglement_entropy(states), atol=1e-15
    )
    np.testing.assert_allclose(measures.entropies, single_qubit_entropies(states), atol=1e-15)
    np.testing.assert_allclose(measures.purities, single_qubit_purities(states), atol=1e-15)
    nats = single_qubit_measures(states, base=np.e)
    np.testing.assert_allclose(nats.entropies, measures.entropies * np.log(2), atol=1e-14)


def test_full_register_subsystem_of_pure_state_has_zero_entropy(haar_states):
    states = haar_states(3, 5, seed=6)
    np.testing.assert_allclose(von_neumann_entropy(states, [0, 1, 2]), 0, atol=1e-12)
    np.testing.assert_allclose(linear_entropy(states, [2, 0, 1]), 0, atol=1e-12)
