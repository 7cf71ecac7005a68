"""Calibration of the periodicity test on simulated series whose truth is known."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from qml_entanglement.analysis.periodicity import periodicity_test

N = 51  # 50 epochs + step 0, the write-up's run length


def _ar1(rng, k: int, phi: float) -> np.ndarray:
    noise = rng.standard_normal((k, N + 100))
    return signal.lfilter([1.0], [1.0, -phi], noise, axis=-1)[:, 100:]


def _trend() -> np.ndarray:
    t = np.arange(N)
    return 2.0 * np.exp(-t / 15.0)  # a training-curve-like decay


@pytest.mark.parametrize("phi", [0.3, 0.7, 0.9])
def test_level_holds_on_red_noise_with_a_trend(phi):
    rng = np.random.default_rng(11)
    series = _ar1(rng, 300, phi) + _trend()
    result = periodicity_test(series, n_sim=199, rng=rng)
    rate = np.mean(result.p_values < 0.05)
    # nominal 5%; 300 replicates give a binomial s.d. of 1.3 points
    assert 0.01 <= rate <= 0.09, rate


def test_fisher_combination_over_independent_null_seeds_keeps_its_level():
    rng = np.random.default_rng(5)
    rejections = []
    for _ in range(60):
        result = periodicity_test(_ar1(rng, 10, 0.8) + _trend(), n_sim=99, rng=rng)
        rejections.append(result.combined_p < 0.05)
    assert np.mean(rejections) <= 0.15  # nominal 5%; 60 sets of 10 seeds


def test_detects_a_period_of_ten_epochs():
    rng = np.random.default_rng(2)
    t = np.arange(N)
    series = _ar1(rng, 100, 0.5) + _trend() + 1.5 * np.sin(2 * np.pi * t / 10.0)
    result = periodicity_test(series, n_sim=199, rng=rng)
    assert np.mean(result.p_values < 0.05) > 0.8
    assert np.nanmedian(result.peak_periods) == pytest.approx(10.2, abs=1.5)


def test_other_periods_are_not_counted():
    rng = np.random.default_rng(3)
    t = np.arange(N)
    series = 0.2 * _ar1(rng, 100, 0.3) + np.sin(2 * np.pi * t / 3.0)  # period 3, far from 10
    assert np.mean(periodicity_test(series, n_sim=199, rng=rng).p_values < 0.05) < 0.15


def test_degenerate_series_get_no_p_value():
    rng = np.random.default_rng(0)
    rows = np.vstack([np.full(N, 0.4) + 1e-16 * rng.standard_normal(N), _ar1(rng, 1, 0.5)[0]])
    result = periodicity_test(rows, n_sim=99, rng=rng)
    assert np.isnan(result.p_values[0]) and np.isfinite(result.p_values[1])
    assert np.isfinite(result.combined_p)
