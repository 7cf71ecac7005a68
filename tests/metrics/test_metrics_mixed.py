"""Density-matrix measures on noisy states with closed-form values."""

from __future__ import annotations

import numpy as np
import pytest

from qml_entanglement.metrics import (
    concurrence,
    log_negativity,
    mixed_state_entropy,
    negativity,
    partial_transpose,
    purity,
    renyi_entropy,
)

PHI_PLUS = np.array([1, 0, 0, 1]) / np.sqrt(2)


def werner(p: float) -> np.ndarray:
    return p * np.outer(PHI_PLUS, PHI_PLUS) + (1 - p) * np.eye(4) / 4


def noisy_ghz(n: int, p: float) -> np.ndarray:
    ghz = np.zeros(2**n)
    ghz[[0, -1]] = 1 / np.sqrt(2)
    return p * np.outer(ghz, ghz) + (1 - p) * np.eye(2**n) / 2**n


PS = np.linspace(0, 1, 11)


def test_werner_state_closed_forms():
    rhos = np.array([werner(p) for p in PS])
    expected_negativity = np.maximum(0, (3 * PS - 1) / 4)
    np.testing.assert_allclose(negativity(rhos), expected_negativity, atol=1e-12)
    np.testing.assert_allclose(negativity(rhos, [1]), expected_negativity, atol=1e-12)
    np.testing.assert_allclose(
        log_negativity(rhos), np.log2(1 + 2 * expected_negativity), atol=1e-12
    )
    np.testing.assert_allclose(concurrence(rhos), np.maximum(0, (3 * PS - 1) / 2), atol=1e-7)
    # Spectrum: (1 + 3p)/4 once and (1 - p)/4 three times.
    high, low = (1 + 3 * PS) / 4, (1 - PS) / 4
    np.testing.assert_allclose(purity(rhos), high**2 + 3 * low**2, atol=1e-12)
    with np.errstate(divide="ignore", invalid="ignore"):
        entropy = -(high * np.log2(high) + 3 * np.nan_to_num(low * np.log2(low)))
    np.testing.assert_allclose(mixed_state_entropy(rhos), entropy, atol=1e-12)


@pytest.mark.parametrize("n", [3, 4])
def test_noisy_ghz_negativity(n):
    # The partial transpose of GHZ has a 2x2 block [[w, p/2], [p/2, w]] with w = (1-p)/2^n.
    rhos = np.array([noisy_ghz(n, p) for p in PS])
    expected = np.maximum(0, PS / 2 - (1 - PS) / 2**n)
    for subsystem in ([0], [n - 1], [0, 2], list(range(n // 2))):
        np.testing.assert_allclose(negativity(rhos, subsystem), expected, atol=1e-12)
    np.testing.assert_allclose(negativity(rhos), expected, atol=1e-12)


def test_maximally_mixed_state():
    for n in (1, 2, 4):
        rho = np.eye(2**n) / 2**n
        assert purity(rho) == pytest.approx(2.0**-n)
        assert mixed_state_entropy(rho) == pytest.approx(n)
        assert mixed_state_entropy(rho, base=np.e) == pytest.approx(n * np.log(2))
        if n >= 2:
            assert negativity(rho) == 0


def test_pure_state_density_measures(haar_states):
    states = haar_states(4, 20, seed=1)
    rhos = np.einsum("bi,bj->bij", states, states.conj())
    np.testing.assert_allclose(purity(rhos), 1, atol=1e-12)
    np.testing.assert_allclose(mixed_state_entropy(rhos), 0, atol=1e-10)
    # For pure states the log-negativity is the Renyi-1/2 entropy of either side.
    for subsystem in ([0], [1, 3], [0, 1]):
        np.testing.assert_allclose(
            log_negativity(rhos, subsystem), renyi_entropy(states, subsystem, 0.5), atol=1e-10
        )


def test_partial_transpose_is_an_involution_and_preserves_trace(haar_states):
    rng = np.random.default_rng(2)
    g = rng.standard_normal((5, 8, 8)) + 1j * rng.standard_normal((5, 8, 8))
    rho = g @ g.conj().swapaxes(1, 2)
    rho /= np.trace(rho, axis1=1, axis2=2)[:, None, None]
    once = partial_transpose(rho, [0, 2])
    np.testing.assert_allclose(partial_transpose(once, [0, 2]), rho, atol=1e-15)
    np.testing.assert_allclose(np.trace(once, axis1=1, axis2=2), 1, atol=1e-12)
    np.testing.assert_allclose(partial_transpose(rho, [0, 1, 2]), rho.swapaxes(1, 2), atol=1e-15)
