"""Calibration: p-values and intervals keep their nominal level on autocorrelated series.

Truth is known by construction: pairs of *independent* AR(1) series (no relation at all) with
lag-1 autocorrelation phi = 0.9-0.97, as training curves have. A valid 5% test rejects about 5%
of them; the textbook test (epochs treated as independent) rejects about half.
"""

from __future__ import annotations

import numpy as np
import pytest

from qml_entanglement.analysis.statistics import correlate_batch, fisher_z_interval

PAIRS = 600
EPOCHS = 101


def ar1(phi: float, n: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """*count* stationary AR(1) series x_t = phi x_{t-1} + e_t of length *n*."""
    x = np.empty((count, n))
    x[:, 0] = rng.standard_normal(count) / np.sqrt(1 - phi**2)
    noise = rng.standard_normal((count, n))
    for t in range(1, n):
        x[:, t] = phi * x[:, t - 1] + noise[:, t]
    return x


@pytest.mark.parametrize("phi", [0.9, 0.95, 0.97])
@pytest.mark.parametrize("method", ["pearson", "spearman", "kendall"])
@pytest.mark.parametrize("series", ["raw", "diff"])
def test_independent_autocorrelated_series_are_rejected_at_about_five_percent(phi, method, series):
    rng = np.random.default_rng(int(phi * 1000) + len(method) + len(series))
    x, y = ar1(phi, EPOCHS, PAIRS, rng), ar1(phi, EPOCHS, PAIRS, rng)
    if series == "diff":
        x, y = np.diff(x), np.diff(y)
    _, p, naive, n_eff = correlate_batch(x, y, method)
    share = np.mean(p < 0.05)
    # binomial s.e. of a 5% share over 600 pairs is 0.9%; 0.08 allows 3 s.e.
    assert share <= 0.08, f"valid test rejects {share:.1%}"
    assert share >= 0.01, f"valid test rejects only {share:.1%}: power thrown away"
    if series == "raw":
        assert np.mean(naive < 0.05) > 0.3  # the naive test is badly anti-conservative here
        assert np.median(n_eff) < 25


@pytest.mark.parametrize("method", ["pearson", "spearman", "kendall"])
def test_coupled_autocorrelated_series_are_detected(method):
    rng = np.random.default_rng(11)
    x = ar1(0.95, EPOCHS, 300, rng)
    y = 0.95 * x + 0.3 * ar1(0.95, EPOCHS, 300, rng)  # population correlation about 0.95
    r, p, _, _ = correlate_batch(x, y, method)
    assert np.mean(p < 0.05) > 0.8
    assert np.all(r > 0)


def test_interval_over_seeds_covers_zero_when_there_is_no_relation():
    # 10 seeds of independent AR(1) pairs, 300 repetitions: the 95% interval over seeds of
    # the mean correlation should contain the true value 0 about 95% of the time.
    rng = np.random.default_rng(2024)
    reps, seeds = 300, 10
    x, y = ar1(0.95, EPOCHS, reps * seeds, rng), ar1(0.95, EPOCHS, reps * seeds, rng)
    r, _, _, _ = correlate_batch(x, y, "spearman")
    hits = 0
    for chunk in r.reshape(reps, seeds):
        interval = fisher_z_interval(chunk)
        hits += interval.ci_low <= 0.0 <= interval.ci_high
    assert 0.90 <= hits / reps <= 0.99
