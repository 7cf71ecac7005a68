"""Symmetries (local unitaries, qubit permutations) and batch handling."""

from __future__ import annotations

import tracemalloc
from functools import reduce

import numpy as np
import pytest

from qml_entanglement.metrics import (
    bipartite_entropy,
    concurrence,
    entanglement_entropy,
    linear_entropy,
    log_negativity,
    meyer_wallach,
    mixed_state_entropy,
    negativity,
    purity,
    reduced_density_matrix,
    renyi_entropy,
    single_qubit_entropies,
    single_qubit_purities,
    von_neumann_entropy,
)

ATOL = 1e-10


def local_unitary(n: int, rng: np.random.Generator, haar_unitary) -> np.ndarray:
    """u_{n-1} (x) ... (x) u_0: qubit 0 is the least significant (rightmost) factor."""
    return reduce(np.kron, [haar_unitary(2, rng) for _ in range(n)])


def permute_qubits(states: np.ndarray, n: int, new_of_old: list[int]) -> np.ndarray:
    """Move qubit q to position new_of_old[q] (axis of qubit q in (B, 2, ..., 2) is n - q)."""
    tensor = states.reshape((-1,) + (2,) * n)
    axes = [0] * (n + 1)
    for old, new in enumerate(new_of_old):
        axes[n - new] = n - old
    return tensor.transpose(axes).reshape(states.shape)


@pytest.mark.parametrize("n", [2, 3, 5])
def test_local_unitaries_change_nothing(haar_states, haar_unitary, n):
    rng = np.random.default_rng(n)
    states = haar_states(n, 40, seed=n)
    rotated = states @ local_unitary(n, rng, haar_unitary).T
    pairs = [
        (meyer_wallach, {}),
        (entanglement_entropy, {}),
        (single_qubit_entropies, {}),
        (single_qubit_purities, {}),
        (von_neumann_entropy, {"subsystem": [0, n - 1]}),
        (renyi_entropy, {"subsystem": [n - 1], "alpha": 3}),
        (linear_entropy, {"subsystem": [1]}),
    ]
    if n >= 2:
        pairs.append((bipartite_entropy, {}))
    for func, kwargs in pairs:
        np.testing.assert_allclose(
            func(rotated, **kwargs), func(states, **kwargs), atol=ATOL, err_msg=func.__name__
        )
    rho = np.einsum("bi,bj->bij", states, states.conj())
    rho_rotated = np.einsum("bi,bj->bij", rotated, rotated.conj())
    np.testing.assert_allclose(negativity(rho_rotated), negativity(rho), atol=ATOL)
    np.testing.assert_allclose(
        log_negativity(rho_rotated, [0]), log_negativity(rho, [0]), atol=ATOL
    )
    if n == 2:
        np.testing.assert_allclose(concurrence(rho_rotated), concurrence(rho), atol=1e-7)
        np.testing.assert_allclose(
            concurrence(rotated, density=False), concurrence(states, density=False), atol=ATOL
        )


def test_local_unitaries_leave_mixed_state_measures_unchanged(haar_unitary):
    rng = np.random.default_rng(3)
    ginibre = rng.standard_normal((10, 8, 8)) + 1j * rng.standard_normal((10, 8, 8))
    rho = ginibre @ ginibre.conj().swapaxes(1, 2)
    rho /= np.trace(rho, axis1=1, axis2=2)[:, None, None]
    u = local_unitary(3, rng, haar_unitary)
    rotated = u @ rho @ u.conj().T
    for func in (purity, mixed_state_entropy, negativity):
        np.testing.assert_allclose(func(rotated), func(rho), atol=ATOL, err_msg=func.__name__)


@pytest.mark.parametrize("new_of_old", [[1, 0], [2, 0, 1], [3, 1, 0, 2], [4, 0, 3, 1, 2]])
def test_permuting_qubits_permutes_per_qubit_values(haar_states, new_of_old):
    n = len(new_of_old)
    states = haar_states(n, 30, seed=n)
    moved = permute_qubits(states, n, new_of_old)
    for func in (single_qubit_entropies, single_qubit_purities):
        before, after = func(states), func(moved)
        for old, new in enumerate(new_of_old):
            np.testing.assert_allclose(after[:, new], before[:, old], atol=ATOL)
    np.testing.assert_allclose(meyer_wallach(moved), meyer_wallach(states), atol=ATOL)
    np.testing.assert_allclose(entanglement_entropy(moved), entanglement_entropy(states), atol=ATOL)
    # The reduced state of the moved qubits, kept in the same order, is unchanged.
    keep = list(range(min(n, 3)))
    np.testing.assert_allclose(
        reduced_density_matrix(moved, [new_of_old[q] for q in keep]),
        reduced_density_matrix(states, keep),
        atol=ATOL,
    )


def test_swapping_the_qubits_of_a_product_state_swaps_their_reduced_states():
    zero, plus = np.array([1, 0]), np.array([1, 1]) / np.sqrt(2)
    state = np.kron(plus, zero)  # qubit 0 in |0>, qubit 1 in |+>
    np.testing.assert_allclose(reduced_density_matrix(state, [0]), np.outer(zero, zero))
    np.testing.assert_allclose(reduced_density_matrix(state, [1]), np.outer(plus, plus))
    swapped = permute_qubits(state[None], 2, [1, 0])[0]
    np.testing.assert_allclose(swapped, np.kron(zero, plus))


def test_batch_shapes_are_preserved(haar_states):
    states = haar_states(3, 24, seed=1)
    shaped = states.reshape(2, 3, 4, 8)
    assert meyer_wallach(shaped).shape == (2, 3, 4)
    np.testing.assert_allclose(meyer_wallach(shaped).ravel(), meyer_wallach(states))
    assert single_qubit_entropies(shaped).shape == (2, 3, 4, 3)
    assert reduced_density_matrix(shaped, [0, 2]).shape == (2, 3, 4, 4, 4)
    assert von_neumann_entropy(shaped, [1]).shape == (2, 3, 4)
    rho = np.einsum("...i,...j->...ij", shaped, shaped.conj())
    assert negativity(rho).shape == (2, 3, 4)
    assert purity(rho).shape == (2, 3, 4)


def test_single_state_returns_a_scalar(ghz):
    value = meyer_wallach(ghz(3))
    assert np.ndim(value) == 0 and isinstance(value, np.floating)
    assert isinstance(entanglement_entropy(ghz(3)), np.floating)
    assert isinstance(negativity(np.outer(ghz(2), ghz(2))), np.floating)
    assert single_qubit_entropies(ghz(3)).shape == (3,)


def test_empty_batch(haar_states):
    empty = np.zeros((0, 8), dtype=complex)
    assert meyer_wallach(empty).shape == (0,)
    assert single_qubit_entropies(empty).shape == (0, 3)


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of 64 KiB, so that modest batches span many chunks."""
    monkeypatch.setattr("qml_entanglement.metrics._validation.CHUNK_BYTES", 2**16)


def test_chunked_batches_match_one_state_at_a_time(haar_states, small_chunks):
    # 8 qubits = 4 KiB per state: 16 states per chunk, so 300 states span 19 chunks.
    states = haar_states(8, 300, seed=2)
    batch = meyer_wallach(states)
    entropies = von_neumann_entropy(states, [0, 5, 7])
    purities = single_qubit_purities(states)
    for i in [0, 1, 15, 16, 17, 150, 299]:
        assert batch[i] == pytest.approx(meyer_wallach(states[i]), abs=1e-14)
        assert entropies[i] == pytest.approx(von_neumann_entropy(states[i], [7, 0, 5]), abs=1e-12)
        np.testing.assert_allclose(purities[i], single_qubit_purities(states[i]), atol=1e-14)


def test_an_invalid_state_is_found_in_a_late_chunk(haar_states, small_chunks):
    states = haar_states(8, 100, seed=3)
    states[93] *= 1.1
    with pytest.raises(ValueError, match=r"states\[93\] is not normalised"):
        meyer_wallach(states)


def test_memory_is_bounded_by_chunking(haar_states):
    # 11 qubits x 512 states = 16 MiB of input; the metrics may allocate a few 2 MiB chunks,
    # not copies of the batch.
    states = haar_states(11, 512, seed=4)
    for func in (
        meyer_wallach,
        entanglement_entropy,
        lambda s: von_neumann_entropy(s, range(5)),
        lambda s: reduced_density_matrix(s, [3, 7]),
    ):
        tracemalloc.start()
        try:
            func(states)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 12 * 2**20, peak / 2**20


def test_real_and_single_precision_inputs(haar_states):
    rng = np.random.default_rng(4)
    real = rng.standard_normal((20, 16))
    real /= np.linalg.norm(real, axis=1, keepdims=True)
    np.testing.assert_allclose(meyer_wallach(real), meyer_wallach(real.astype(complex)), atol=ATOL)
    np.testing.assert_allclose(
        reduced_density_matrix(real, [1, 3]), reduced_density_matrix(real + 0j, [1, 3]), atol=ATOL
    )
    states = haar_states(4, 20, seed=5)
    single = states.astype(np.complex64)  # norms only good to ~1e-7: loosen the check
    np.testing.assert_allclose(meyer_wallach(single, atol=1e-6), meyer_wallach(states), atol=1e-6)


def test_non_contiguous_input(haar_states):
    states = haar_states(4, 20, seed=6)
    strided = np.asfortranarray(states)
    np.testing.assert_allclose(meyer_wallach(strided), meyer_wallach(states), atol=1e-15)
    np.testing.assert_allclose(meyer_wallach(states[::2]), meyer_wallach(states)[::2], atol=1e-15)


def test_states_are_renormalised_within_tolerance(haar_states):
    states = haar_states(3, 10, seed=7)
    scaled = states * (1 + 1e-9)
    np.testing.assert_allclose(meyer_wallach(scaled), meyer_wallach(states), atol=1e-14)
    rho = reduced_density_matrix(scaled, [0])
    np.testing.assert_allclose(np.trace(rho, axis1=1, axis2=2), 1, atol=1e-14)
