"""Correlations and intervals against values known exactly or computed by hand."""

from __future__ import annotations

import math
import statistics as pystats

import numpy as np
import pytest
from scipy import stats

from qml_entanglement.analysis.statistics import (
    benjamini_hochberg,
    bootstrap_interval,
    correlate,
    effective_sample_size,
    fisher_z_interval,
    pool,
    seeds_needed,
)
from qml_entanglement.compare.settings import CISettings

# Student t quantiles t_{0.975, df} from a printed table (not from scipy).
T_975 = {3: 3.182446305284263, 4: 2.7764451051977987, 9: 2.2621571627409915}
T_950_DF3 = 2.3533634348018264


@pytest.mark.parametrize("method", ["pearson", "spearman", "kendall"])
def test_exact_linear_relation_gives_one(method):
    x = np.linspace(0.0, 1.0, 25)
    assert correlate(2.5 * x - 1.0, x, method).r == pytest.approx(1.0, abs=1e-12)
    assert correlate(-3.0 * x, x, method).r == pytest.approx(-1.0, abs=1e-12)


def test_monotone_nonlinear_relation_gives_rank_correlation_one_but_pearson_less():
    x = np.linspace(0.0, 5.0, 30)
    y = np.exp(2 * x)
    assert correlate(y, x, "spearman").r == pytest.approx(1.0)
    assert correlate(y, x, "kendall").r == pytest.approx(1.0)
    assert correlate(y, x, "pearson").r < 0.9


def test_known_four_point_arrangement():
    # x = 1,2,3,4 against y = 1,3,2,4: one discordant pair of six, one swapped rank.
    # Pearson = Spearman = 4/5 (sum dx*dy = 4, sum dx^2 = sum dy^2 = 5);
    # Kendall = (C - D) / 6 = (5 - 1) / 6 = 2/3.
    x, y = [1, 2, 3, 4], [1, 3, 2, 4]
    assert correlate(x, y, "pearson").r == pytest.approx(0.8)
    assert correlate(x, y, "spearman").r == pytest.approx(0.8)
    assert correlate(x, y, "kendall").r == pytest.approx(2 / 3)


def test_differencing_removes_a_shared_trend():
    # Both series rise by 1 per epoch; their wiggles are opposite, so the raw series
    # correlate almost perfectly while the changes are exactly anti-correlated.
    t = np.arange(40, dtype=float)
    wiggle = 0.1 * (-1.0) ** t
    loss, metric = t + wiggle, t - wiggle
    assert correlate(metric, loss, "pearson").r > 0.99
    assert correlate(np.diff(metric), np.diff(loss), "pearson").r == pytest.approx(-1.0)


def test_non_finite_values_are_excluded_and_counted():
    x = np.arange(10, dtype=float)
    y = 3 * x
    x[3] = np.nan
    y[7] = np.inf
    c = correlate(x, y, "pearson")
    assert (c.n, c.n_nan) == (8, 2)
    assert c.r == pytest.approx(1.0)
    d = correlate(np.diff(x), np.diff(y), "spearman")
    assert (d.n, d.n_nan) == (5, 4)


@pytest.mark.parametrize("method", ["pearson", "spearman"])
def test_naive_p_value_is_scipys_and_the_valid_one_is_larger_for_smooth_series(method):
    x = np.linspace(0, 1, 40)
    y = np.sin(9 * x)
    reference = {"pearson": stats.pearsonr, "spearman": stats.spearmanr}[method](x, y)
    c = correlate(x, y, method)
    assert c.r == pytest.approx(reference.statistic)
    assert c.p_value_naive == pytest.approx(reference.pvalue, rel=1e-9)
    assert c.n_eff < 40 / 2 and c.p_value > c.p_value_naive


def _bartlett_n_eff(x, y):
    """Independent oracle: Bartlett's variance of r with circular sample autocorrelations,
    Var r = (1/n) sum_tau rho_x(tau) rho_y(tau), summed in the time domain with np.roll."""
    x = np.asarray(x, float) - np.mean(x)
    y = np.asarray(y, float) - np.mean(y)
    n = len(x)
    rho_x = np.array([np.dot(x, np.roll(x, -tau)) for tau in range(n)]) / np.dot(x, x)
    rho_y = np.array([np.dot(y, np.roll(y, -tau)) for tau in range(n)]) / np.dot(y, y)
    return min(1 + n / np.dot(rho_x, rho_y), n)


@pytest.mark.parametrize("n", [30, 31, 101])
def test_effective_sample_size_is_bartletts_formula(n):
    rng = np.random.default_rng(n)
    x = np.cumsum(rng.standard_normal(n))
    y = np.cumsum(rng.standard_normal(n)) + np.linspace(0, 3, n)
    assert float(effective_sample_size(x, y)) == pytest.approx(_bartlett_n_eff(x, y), rel=1e-9)


def test_effective_sample_size_is_the_phase_randomisation_variance():
    # Draw phase-randomised surrogates of x explicitly (random phases on every Fourier
    # coefficient except the mean; the Nyquist term gets a random sign) and compare the
    # variance of their correlation with y to the closed form.
    rng = np.random.default_rng(5)
    n = 64
    x = np.cumsum(rng.standard_normal(n))
    y = np.cumsum(rng.standard_normal(n))
    spectrum = np.fft.rfft(x - x.mean())
    draws = 20000
    phases = np.exp(1j * rng.uniform(0, 2 * np.pi, (draws, spectrum.size)))
    phases[:, 0] = 1.0
    phases[:, -1] = rng.choice([-1.0, 1.0], draws)
    surrogates = np.fft.irfft(spectrum * phases, n=n, axis=1)
    r = np.array([np.corrcoef(s, y)[0, 1] for s in surrogates])
    expected = 1 + 1 / np.mean(r**2)
    assert float(effective_sample_size(x, y)) == pytest.approx(expected, rel=0.05)


def test_white_noise_keeps_nearly_every_point():
    rng = np.random.default_rng(1)
    n_eff = effective_sample_size(rng.standard_normal((200, 100)), rng.standard_normal((200, 100)))
    assert 85 < np.median(n_eff) <= 100


def test_constant_and_short_series_are_undefined_not_errors():
    constant = correlate([0.0] * 10, np.arange(10), "kendall")
    assert math.isnan(constant.r) and constant.note == "constant series"
    # a linear ramp's differences are constant, up to rounding
    ramp = correlate(np.diff(np.linspace(1.0, 0.2, 12)), np.arange(11), "pearson")
    assert math.isnan(ramp.r) and ramp.note == "constant series"
    short = correlate([1.0, 2.0], [2.0, 1.0], "pearson")
    assert math.isnan(short.r) and short.n == 2 and "fewer than" in short.note


def _hand_fisher(r, t_quantile):
    z = [math.atanh(v) for v in r]
    center = sum(z) / len(z)
    half = t_quantile * pystats.stdev(z) / math.sqrt(len(z))
    return math.tanh(center), math.tanh(center - half), math.tanh(center + half)


@pytest.mark.parametrize(
    "r", [[0.5, 0.6, 0.7, 0.4], [-0.2, 0.1, 0.35, -0.05, 0.0], [0.9, 0.8, 0.95, 0.85]]
)
def test_fisher_interval_matches_hand_computation(r):
    expected = _hand_fisher(r, T_975[len(r) - 1])
    got = fisher_z_interval(r, 0.95)
    assert (got.mean, got.ci_low, got.ci_high) == pytest.approx(expected, abs=1e-10)
    assert got.method == "fisher-z" and got.n == len(r)


def test_fisher_interval_other_level():
    r = [0.5, 0.6, 0.7, 0.4]
    got = fisher_z_interval(r, 0.90)
    assert (got.mean, got.ci_low, got.ci_high) == pytest.approx(_hand_fisher(r, T_950_DF3))


def test_fisher_interval_covers_the_population_correlation():
    # 10 seeds of 60 bivariate-normal epochs with rho = 0.5, 300 repetitions: the 95% interval
    # should contain rho about 95% of the time.
    rng = np.random.default_rng(12345)
    rho, seeds, epochs, reps = 0.5, 10, 60, 300
    cov = [[1.0, rho], [rho, 1.0]]
    hits = 0
    for _ in range(reps):
        r = []
        for _ in range(seeds):
            x, y = rng.multivariate_normal([0, 0], cov, size=epochs).T
            r.append(correlate(x, y, "pearson").r)
        interval = fisher_z_interval(r)
        hits += interval.ci_low <= rho <= interval.ci_high
    assert 0.90 <= hits / reps <= 0.99


def test_pool_reports_single_run_without_interval_and_ignores_nan():
    one = pool([0.4, np.nan], min_epochs=50, ci=CISettings(), rng=np.random.default_rng(0))
    assert one.mean == pytest.approx(0.4) and one.n == 1 and one.method == "single run"
    assert math.isnan(one.ci_low) and math.isnan(one.ci_high)
    none = pool([np.nan], min_epochs=50, ci=CISettings(), rng=np.random.default_rng(0))
    assert none.n == 0 and math.isnan(none.mean)


def test_pool_auto_uses_fisher_for_long_runs_and_bootstrap_for_short_or_perfect_ones():
    rng = np.random.default_rng(0)
    ci = CISettings(n_resamples=999)
    r = [0.3, 0.5, 0.4, 0.6]
    assert pool(r, min_epochs=50, ci=ci, rng=rng).method == "fisher-z"
    assert pool(r, min_epochs=5, ci=ci, rng=rng).method.startswith("bootstrap")
    assert pool([1.0, 0.8, 0.9], min_epochs=50, ci=ci, rng=rng).method.startswith("bootstrap")
    forced = CISettings(method="bootstrap", n_resamples=999)
    assert pool(r, min_epochs=50, ci=forced, rng=rng).method.startswith("bootstrap")


def test_bootstrap_interval_is_reproducible_and_brackets_the_mean():
    r = [0.1, 0.4, 0.35, 0.6, 0.2, 0.5]
    a = bootstrap_interval(r, rng=np.random.default_rng(7), n_resamples=2000)
    b = bootstrap_interval(r, rng=np.random.default_rng(7), n_resamples=2000)
    assert (a.ci_low, a.ci_high) == (b.ci_low, b.ci_high)
    assert a.mean == pytest.approx(np.mean(r))
    assert min(r) <= a.ci_low < a.mean < a.ci_high <= max(r)


def test_bootstrap_interval_of_identical_values_is_a_point():
    got = bootstrap_interval([1.0, 1.0, 1.0], rng=np.random.default_rng(0))
    assert (got.mean, got.ci_low, got.ci_high) == (1.0, 1.0, 1.0)


def test_benjamini_hochberg_matches_hand_computation():
    # Sorted p: 0.01, 0.03, 0.04, 0.5 with m = 4 -> p*m/rank = 0.04, 0.06, 0.0533, 0.5, then
    # the running minimum from the top: 0.04, 0.0533, 0.0533, 0.5.
    q = benjamini_hochberg([0.01, 0.04, np.nan, 0.03, 0.5])
    assert q[[0, 1, 3, 4]] == pytest.approx([0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.5])
    assert math.isnan(q[2])
    assert benjamini_hochberg([np.nan]).tolist() == [pytest.approx(np.nan, nan_ok=True)]


def test_seeds_needed_reaches_the_target_and_one_fewer_does_not():
    spread, target = 0.4, 0.15
    k = int(seeds_needed(spread, target))
    assert stats.t.ppf(0.975, k - 1) * spread / math.sqrt(k) <= target
    assert stats.t.ppf(0.975, k - 2) * spread / math.sqrt(k - 1) > target
