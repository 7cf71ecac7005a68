"""Haar-random averages against their closed forms.

Every check is a z-test: |sample mean - exact mean| <= 5 standard errors (estimated from the
sample), with fixed seeds so the outcome is reproducible.  A false failure at 5 sigma has
probability below 1e-6 per check.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from qml_entanglement.metrics import bipartite_entropy, entanglement_entropy, meyer_wallach

N_SAMPLES = 4000
Z = 5.0


def assert_mean_close(values: np.ndarray, expected: float) -> None:
    mean = values.mean()
    stderr = values.std(ddof=1) / math.sqrt(values.size)
    assert abs(mean - expected) <= Z * stderr + 1e-12, (mean, expected, stderr)


def page_entropy_bits(m: int, k: int) -> float:
    """Page's mean entanglement entropy of an m x k bipartition (m <= k), in bits."""
    nats = sum(1.0 / j for j in range(k + 1, m * k + 1)) - (m - 1) / (2 * k)
    return nats / math.log(2)


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6])
def test_haar_mean_meyer_wallach(haar_states, n):
    dim = 2**n
    assert_mean_close(meyer_wallach(haar_states(n, N_SAMPLES, seed=n)), (dim - 2) / (dim + 1))


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6])
def test_haar_mean_single_qubit_entropy_is_pages(haar_states, n):
    states = haar_states(n, N_SAMPLES, seed=10 + n)
    assert_mean_close(entanglement_entropy(states), page_entropy_bits(2, 2 ** (n - 1)))


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6])
def test_haar_mean_half_cut_entropy_is_pages(haar_states, n):
    states = haar_states(n, N_SAMPLES, seed=20 + n)
    m, k = 2 ** (n // 2), 2 ** (n - n // 2)
    assert_mean_close(bipartite_entropy(states), page_entropy_bits(m, k))


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_real_haar_mean_meyer_wallach(n):
    # Real Gaussian vectors are Haar-random real states: E[Q] = (2^n - 2)/(2^n + 2).
    rng = np.random.default_rng(30 + n)
    states = rng.standard_normal((N_SAMPLES, 2**n))
    states /= np.linalg.norm(states, axis=1, keepdims=True)
    dim = 2**n
    assert_mean_close(meyer_wallach(states), (dim - 2) / (dim + 2))


def test_page_formula_sanity():
    # Page (1993): two Haar-random qubits have mean entropy 1/3 nat.
    assert page_entropy_bits(2, 2) == pytest.approx(1 / (3 * math.log(2)))
