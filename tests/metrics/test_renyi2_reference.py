"""The Renyi-2 half-cut reference against Haar-random states (Monte Carlo)."""

from __future__ import annotations

import numpy as np
import pytest

from qml_entanglement.metrics.haar import renyi2_half_cut_reference


@pytest.mark.parametrize("n", [2, 4, 5])
def test_the_reference_is_minus_log2_of_the_mean_haar_purity(n):
    rng = np.random.default_rng(n)
    states = rng.normal(size=(4000, 2**n)) + 1j * rng.normal(size=(4000, 2**n))
    states /= np.linalg.norm(states, axis=1, keepdims=True)  # Haar-random pure states
    a = 2 ** (n // 2)
    blocks = states.reshape(-1, a, 2**n // a)  # rows: the first n//2 qubits (MSB side)
    rho = blocks @ blocks.conj().transpose(0, 2, 1)
    purity = np.real(np.einsum("bij,bji->b", rho, rho)).mean()
    assert renyi2_half_cut_reference(n) == pytest.approx(-np.log2(purity), rel=0.01)
