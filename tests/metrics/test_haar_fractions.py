"""Page's mean entropy, the Haar mean of Meyer-Wallach, and the fractions built on them.

Statistical checks are z-tests with 4 sample standard errors and fixed seeds.
"""

from __future__ import annotations

import doctest
import math
from fractions import Fraction

import numpy as np
import pytest

import qml_entanglement.metrics.haar as haar_module
from qml_entanglement.metrics import (
    bipartite_entropy,
    meyer_wallach,
    meyer_wallach_haar_fraction,
    meyer_wallach_haar_mean,
    page_entropy,
    page_fraction,
    page_half_cut,
)

Z = 4.0


def page_nats_exact(m: int, k: int) -> Fraction:
    """Page's formula with exact rational arithmetic, m <= k."""
    return sum(Fraction(1, j) for j in range(k + 1, m * k + 1)) - Fraction(m - 1, 2 * k)


def haar_states(n: int, size: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    states = rng.standard_normal((size, 2**n)) + 1j * rng.standard_normal((size, 2**n))
    return states / np.linalg.norm(states, axis=1, keepdims=True)


def half_cut_entropy_numpy(states: np.ndarray) -> np.ndarray:
    """Half-cut entropy in bits from Schmidt coefficients (SVD), qubits 0..n//2-1 vs rest."""
    n = int(round(math.log2(states.shape[1])))
    m = 2 ** (n // 2)
    # index = low + m * high: rows = high qubits, columns = low qubits (the A side)
    mats = states.reshape(states.shape[0], -1, m)
    p = np.linalg.svd(mats, compute_uv=False) ** 2
    p = np.clip(p, 1e-300, None)
    return -(p * np.log2(p)).sum(axis=1)


def assert_mean_close(values, expected):
    mean = values.mean()
    se = values.std(ddof=1) / math.sqrt(values.size)
    assert abs(mean - expected) <= Z * se, (mean, expected, se)


def test_page_small_values():
    # Two qubits: 1/3 + 1/4 - 1/4 = 1/3 nat.
    assert page_entropy(1, 1, base=math.e) == pytest.approx(1 / 3, rel=1e-13)
    assert page_half_cut(2) == pytest.approx(1 / (3 * math.log(2)), rel=1e-13)
    for n_a, n_b in [(1, 2), (2, 1), (1, 3), (2, 2), (2, 3), (3, 3), (1, 6)]:
        m, k = 2 ** min(n_a, n_b), 2 ** max(n_a, n_b)
        expected = float(page_nats_exact(m, k))
        assert page_entropy(n_a, n_b, base=math.e) == pytest.approx(expected, rel=1e-12)
        assert page_entropy(n_a, n_b) == pytest.approx(expected / math.log(2), rel=1e-12)
    # 1 qubit vs 2: 1/5 + ... + 1/8 - 1/8
    assert page_entropy(1, 2, base=math.e) == pytest.approx(1 / 5 + 1 / 6 + 1 / 7, rel=1e-13)


def test_page_limits_and_vectorisation():
    assert page_entropy(0, 5) == 0.0 and page_entropy(3, 0) == 0.0
    assert page_half_cut(1) == 0.0
    values = page_entropy(np.array([[1], [2]]), np.array([1, 2, 3]))
    assert values.shape == (2, 3)
    np.testing.assert_allclose(values[1, 0], page_entropy(1, 2))
    # Large registers: ln m - m / (2k) nats to leading order, below the maximum n_a bits.
    big = page_half_cut(40)
    assert 20 - 1 / (2 * math.log(2)) - 1e-9 <= big < 20
    np.testing.assert_allclose(page_half_cut([3, 4]), [page_entropy(1, 2), page_entropy(2, 2)])


@pytest.mark.parametrize(("n_a", "n_b"), [(1, 1), (1, 2), (2, 2), (2, 3)])
def test_page_by_direct_haar_sampling(n_a, n_b):
    states = haar_states(n_a + n_b, 3000, seed=n_a * 10 + n_b)
    m = 2**n_a
    mats = states.reshape(states.shape[0], -1, m)  # qubits 0..n_a-1 on the columns
    p = np.clip(np.linalg.svd(mats, compute_uv=False) ** 2, 1e-300, None)
    entropies = -(p * np.log(p)).sum(axis=1)
    assert_mean_close(entropies, page_entropy(n_a, n_b, base=math.e))


def test_haar_states_n8_reach_page_and_meyer_wallach_means():
    n = 8
    states = haar_states(n, 200, seed=2024)
    entropies = bipartite_entropy(states)
    np.testing.assert_allclose(entropies, half_cut_entropy_numpy(states), atol=1e-10)
    fractions = page_fraction(entropies, n)
    assert_mean_close(fractions, 1.0)
    q = meyer_wallach(states)
    mw_fractions = meyer_wallach_haar_fraction(q, n)
    assert_mean_close(mw_fractions, 1.0)
    np.testing.assert_allclose(mw_fractions, q / meyer_wallach_haar_mean(n))


def test_meyer_wallach_haar_mean_values():
    assert meyer_wallach_haar_mean(2) == pytest.approx(2 / 5)
    assert meyer_wallach_haar_mean(3) == pytest.approx(6 / 9)
    np.testing.assert_allclose(
        meyer_wallach_haar_mean(np.arange(1, 6)), [(2**n - 2) / (2**n + 1) for n in range(1, 6)]
    )


def test_meyer_wallach_haar_mean_by_sampling():
    states = haar_states(3, 3000, seed=7)
    assert_mean_close(meyer_wallach(states), meyer_wallach_haar_mean(3))


def test_fractions_broadcast_and_one_qubit_is_nan():
    np.testing.assert_allclose(meyer_wallach_haar_fraction([0.4, 0.8], 2), [1.0, 2.0])
    out = meyer_wallach_haar_fraction(np.zeros((2, 3)), np.array([1, 2, 3]))
    assert out.shape == (2, 3)
    assert np.isnan(out[:, 0]).all() and (out[:, 1:] == 0).all()
    assert np.isnan(page_fraction(0.0, 1))
    both = page_fraction(np.array([1.0, 1.0]), np.array([2, 4]))
    np.testing.assert_allclose(both, [1 / page_half_cut(2), 1 / page_half_cut(4)])
    # base: an entropy in nats divided by Page's value in nats
    nats = page_half_cut(4, base=math.e)
    assert page_fraction(nats, 4, base=math.e) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: page_entropy(-1, 2), "n_a must be >= 0"),
        (lambda: page_entropy(1.5, 2), "n_a must be integers"),
        (lambda: page_half_cut(0), "n_qubits must be >= 1"),
        (lambda: meyer_wallach_haar_mean(0), "n_qubits must be >= 1"),
        (lambda: page_entropy(1, 1, base=1), "base"),
        (lambda: page_fraction(0.5, 0), "n_qubits must be >= 1"),
    ],
)
def test_validation(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_docstring_examples():
    result = doctest.testmod(haar_module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
