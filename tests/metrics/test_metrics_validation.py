"""Invalid input raises ValueError with a message that says what is wrong."""

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
    mixed_state_entropy,
    negativity,
    purity,
    reduced_density_matrix,
    renyi_entropy,
    single_qubit_entropies,
    von_neumann_entropy,
)

BELL = np.array([1, 0, 0, 1]) / np.sqrt(2)
GHZ3 = np.zeros(8)
GHZ3[[0, 7]] = 1 / np.sqrt(2)
STATE_FUNCTIONS = [
    meyer_wallach,
    entanglement_entropy,
    single_qubit_entropies,
    lambda s, **kw: reduced_density_matrix(s, [0], **kw),
    lambda s, **kw: von_neumann_entropy(s, [0], **kw),
    lambda s, **kw: renyi_entropy(s, [0], 3, **kw),
    lambda s, **kw: linear_entropy(s, [0], **kw),
    lambda s, **kw: bipartite_entropy(s, **kw),
]


@pytest.mark.parametrize("func", STATE_FUNCTIONS)
@pytest.mark.parametrize("dim", [0, 1, 3, 6, 12])
def test_dimension_must_be_a_power_of_two(func, dim):
    with pytest.raises(ValueError, match="not a power of two"):
        func(np.ones((2, dim)) / np.sqrt(max(dim, 1)))


@pytest.mark.parametrize("func", STATE_FUNCTIONS)
def test_unnormalised_states_are_rejected(func):
    states = np.stack([BELL, 1.01 * BELL])
    with pytest.raises(ValueError, match=r"states\[1\] is not normalised"):
        func(states)
    func(states, atol=0.02)  # within a looser tolerance


@pytest.mark.parametrize("func", STATE_FUNCTIONS)
def test_nan_and_inf_states_are_rejected(func):
    for bad in (np.nan, np.inf):
        states = np.stack([BELL, BELL, BELL]).astype(complex)
        states[2, 1] = bad
        with pytest.raises(ValueError, match=r"states\[2\] contains NaN or infinite"):
            func(states)


def test_error_names_the_batch_position():
    states = np.tile(GHZ3, (2, 3, 1))
    states[1, 2] *= 2
    with pytest.raises(ValueError, match=r"states\[1, 2\] is not normalised"):
        meyer_wallach(states)


def test_zero_vector_is_rejected():
    with pytest.raises(ValueError, match="not normalised"):
        meyer_wallach(np.zeros(4))


@pytest.mark.parametrize(
    ("subsystem", "message"),
    [
        ([3], r"out of range for 3 qubits"),
        ([-1], r"out of range"),
        ([0, 0], r"repeats qubit indices \[0\]"),
        ([], r"is empty"),
        ([0.5], r"integer qubit indices"),
        ("01", r"qubit index or a sequence"),
    ],
)
def test_bad_subsystems_are_rejected(subsystem, message):
    for call in (
        lambda: von_neumann_entropy(GHZ3, subsystem),
        lambda: renyi_entropy(GHZ3, subsystem),
        lambda: linear_entropy(GHZ3, subsystem),
        lambda: negativity(np.outer(GHZ3, GHZ3), subsystem),
    ):
        with pytest.raises(ValueError, match=message):
            call()
    with pytest.raises(ValueError, match=message.replace("subsystem", "keep")):
        reduced_density_matrix(GHZ3, subsystem)


def test_bad_cut_base_and_alpha():
    with pytest.raises(ValueError, match=r"cut must be an integer in \[1, 2\]"):
        bipartite_entropy(GHZ3, cut=3)
    with pytest.raises(ValueError, match="cut must be"):
        bipartite_entropy(GHZ3, cut=0)
    with pytest.raises(ValueError, match="at least 2 qubits"):
        bipartite_entropy(np.array([1.0, 0.0]))
    for base in (1, 0, -2, np.nan):
        with pytest.raises(ValueError, match="base must be"):
            entanglement_entropy(GHZ3, base=base)
    for alpha in (0, -1, np.nan):
        with pytest.raises(ValueError, match="alpha must be"):
            renyi_entropy(GHZ3, [0], alpha=alpha)
    with pytest.raises(ValueError, match="atol must be"):
        meyer_wallach(GHZ3, atol=-1)


def test_scalar_and_non_numeric_input():
    with pytest.raises(ValueError, match="got a scalar"):
        meyer_wallach(1.0)
    with pytest.raises(ValueError, match="numeric"):
        meyer_wallach(np.array(["a", "b"]))


DENSITY_FUNCTIONS = [
    purity,
    mixed_state_entropy,
    negativity,
    log_negativity,
    lambda r, **kw: concurrence(r, density=True, **kw),
]


@pytest.mark.parametrize("func", DENSITY_FUNCTIONS)
def test_density_matrices_must_be_hermitian_with_unit_trace(func):
    rho = np.outer(BELL, BELL).astype(complex)
    non_hermitian = rho.copy()
    non_hermitian[0, 1] = 0.3
    with pytest.raises(ValueError, match=r"rho\[1\] is not Hermitian"):
        func(np.stack([rho, non_hermitian]))
    with pytest.raises(ValueError, match="does not have unit trace"):
        func(2 * rho)
    nan = rho.copy()
    nan[2, 2] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite"):
        func(nan)
    with pytest.raises(ValueError, match="square matrices"):
        func(np.ones((4, 2)))
    with pytest.raises(ValueError, match="not a power of two"):
        func(np.eye(3) / 3)
    func(rho * (1 + 1e-9))  # within the default tolerance


def test_negative_density_matrix_is_rejected_by_entropy():
    rho = np.diag([1.5, -0.5, 0, 0])
    with pytest.raises(ValueError, match="not positive semidefinite"):
        mixed_state_entropy(rho)


def test_concurrence_needs_two_qubits():
    with pytest.raises(ValueError, match="two qubits"):
        concurrence(GHZ3)
    with pytest.raises(ValueError, match="two qubits"):
        concurrence(np.eye(8) / 8)


def test_concurrence_reads_4x4_as_density_unless_told():
    states = np.tile(BELL, (4, 1))  # four Bell states look like a (4, 4) matrix
    with pytest.raises(ValueError, match="pass density=False"):
        concurrence(states)
    np.testing.assert_allclose(concurrence(states, density=False), np.ones(4))


def test_density_matrix_passed_as_states_gets_a_hint():
    rho = np.outer(GHZ3, GHZ3)[None].repeat(8, axis=0)  # shape (8, 8, 8)
    with pytest.raises(ValueError, match="takes statevectors"):
        meyer_wallach(rho)
