"""Power, MDE, TOST and trend-robust co-movement against independent computations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import signal, stats

from qml_entanglement.analysis.power import (
    co_movement,
    minimum_detectable_effect,
    replicate_evidence,
    seeds_for_power,
    t_test_power,
    tost,
)
from qml_entanglement.analysis.statistics import correlate, p_value_floor


def _nct_power(effect: float, sd: float, n: int, alpha: float = 0.05) -> float:
    """Closed form, written out here: P(|T'| > t_crit) with T' ~ nct(n - 1, effect sqrt(n)/sd)."""
    df, nc = n - 1, effect * math.sqrt(n) / sd
    crit = stats.t.ppf(1 - alpha / 2, df)
    return 1 - stats.nct.cdf(crit, df, nc) + stats.nct.cdf(-crit, df, nc)


@pytest.mark.parametrize(
    ("effect", "sd", "n"),
    [(0.5, 1.0, 34), (0.0027, 0.012, 10), (-0.0027, 0.006, 160), (1.0, 0.5, 3)],
)
def test_power_is_the_noncentral_t_closed_form(effect, sd, n):
    assert t_test_power(effect, sd, n) == pytest.approx(_nct_power(abs(effect), sd, n), abs=1e-9)


def test_power_at_zero_effect_is_the_level_and_matches_simulation():
    assert t_test_power(0.0, 1.0, 10) == pytest.approx(0.05, abs=1e-9)
    rng = np.random.default_rng(3)
    n, sd = 12, 2.0
    effect = minimum_detectable_effect(sd, n)
    samples = rng.normal(effect, sd, size=(20000, n))
    p = stats.ttest_1samp(samples, 0.0, axis=1).pvalue
    assert np.mean(p < 0.05) == pytest.approx(0.8, abs=0.015)  # 3.5 binomial s.e.


@pytest.mark.parametrize(("sd", "n"), [(1.0, 10), (0.012, 10), (0.005, 160)])
def test_mde_has_80_percent_power_and_approaches_the_normal_formula(sd, n):
    mde = minimum_detectable_effect(sd, n)
    assert _nct_power(mde, sd, n) == pytest.approx(0.8, abs=1e-6)
    normal = (stats.norm.ppf(0.975) + stats.norm.ppf(0.8)) * sd / math.sqrt(n)
    assert mde > normal  # the t test needs more than the z test
    if n >= 100:
        assert mde == pytest.approx(normal, rel=0.02)


@pytest.mark.parametrize(("d", "expected"), [(0.5, 34), (0.2, 199)])
def test_seeds_needed_match_the_published_one_sample_tables(d, expected):
    """G*Power / Cohen (1988): one-sample two-sided t, alpha 0.05, power 0.8."""
    assert seeds_for_power(d, 1.0) == expected
    assert _nct_power(d, 1.0, expected) >= 0.8 > _nct_power(d, 1.0, expected - 1)


def test_seeds_needed_edge_cases():
    assert seeds_for_power(0.0, 1.0) == math.inf
    assert seeds_for_power(0.1, 0.0) == 2.0
    assert math.isnan(seeds_for_power(0.1, math.nan))


def test_tost_matches_a_hand_computation():
    x = np.array([0.0012, -0.0008, 0.0004, 0.0021, -0.0015, 0.0003, 0.0009, -0.0002])
    margin, n = 0.0027, len(x)
    mean = sum(x) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in x) / (n - 1))
    se = sd / math.sqrt(n)
    p_lower = 1 - stats.t.cdf((mean + margin) / se, n - 1)  # H0: mu <= -margin
    p_upper = stats.t.cdf((mean - margin) / se, n - 1)  # H0: mu >= +margin
    result = tost(x, margin)
    assert result.p_lower == pytest.approx(p_lower, rel=1e-9)
    assert result.p_upper == pytest.approx(p_upper, rel=1e-9)
    assert result.p_value == pytest.approx(max(p_lower, p_upper), rel=1e-9)
    half = stats.t.ppf(0.95, n - 1) * se  # the 90% interval inside the margin
    assert (result.ci_low, result.ci_high) == pytest.approx((mean - half, mean + half))
    assert result.equivalent == (-margin < mean - half and mean + half < margin)
    assert result.equivalent


def test_tost_does_not_call_a_wide_or_shifted_mean_equivalent():
    rng = np.random.default_rng(0)
    assert not tost(rng.normal(0.0, 0.02, 10), 0.0027).equivalent  # too noisy to say
    assert not tost(rng.normal(0.004, 0.0005, 40), 0.0027).equivalent  # outside the margin


def test_replicate_evidence_bundles_the_pieces():
    x = np.random.default_rng(1).normal(0.003, 0.01, 10)
    e = replicate_evidence(x, reference=-0.0027, margin=0.0027)
    sd = float(np.std(x, ddof=1))
    assert e.effect == pytest.approx(x.mean())
    assert e.mde == pytest.approx(minimum_detectable_effect(sd, 10))
    assert e.power_at_reference == pytest.approx(_nct_power(0.0027, sd, 10), abs=1e-9)
    assert e.seeds_needed == seeds_for_power(0.0027, sd)
    low, high = stats.t.interval(0.95, 9, loc=x.mean(), scale=stats.sem(x))
    assert (e.ci_low, e.ci_high) == pytest.approx((low, high))


# ------------------------------------------------------------- monotone-trend calibration
N_STEPS, N_PAIRS = 51, 500
T = np.linspace(0.0, 1.0, N_STEPS)


def _monotone(rng: np.random.Generator, k: int) -> np.ndarray:
    """k monotone trends with random signs: saturating exponentials of random time scale,
    lines, logarithms and logistic steps (what training curves look like)."""
    kind = rng.integers(0, 4, (k, 1))
    tau = rng.uniform(0.1, 1.0, (k, 1))
    centre = rng.uniform(0.3, 0.7, (k, 1))
    shapes = [
        1 - np.exp(-T / tau),
        np.broadcast_to(T, (k, N_STEPS)),
        np.broadcast_to(np.log1p(10 * T), (k, N_STEPS)),
        1 / (1 + np.exp(-(T - centre) / 0.1)),
    ]
    trend = np.select([kind == i for i in range(3)], shapes[:3], shapes[3])
    return rng.choice([-1.0, 1.0], (k, 1)) * trend


def _red(rng: np.random.Generator, k: int, phi: float, scale: float) -> np.ndarray:
    noise = rng.standard_normal((k, N_STEPS + 50))
    return scale * signal.lfilter([1.0], [1.0, -phi], noise, axis=-1)[:, 50:]


@pytest.mark.parametrize("phi", [0.0, 0.9])
@pytest.mark.parametrize("scale", [0.002, 0.05])
def test_independent_monotone_series_rarely_pass_and_coupled_ones_do(phi, scale):
    rng = np.random.default_rng(int(100 * phi + 1000 * scale))
    x = _monotone(rng, N_PAIRS) + _red(rng, N_PAIRS, phi, scale)
    y = _monotone(rng, N_PAIRS) + _red(rng, N_PAIRS, phi, scale)
    naive = np.array([stats.spearmanr(a, b).statistic for a, b in zip(x, y, strict=True)])
    assert np.mean(np.abs(naive) > 0.9) > 0.3  # the trap: trends alone look like coupling
    null = co_movement(x, y).p_value
    assert np.mean(np.isnan(null)) < 0.05  # too few effective steps: no test, not a rejection
    assert np.mean(null < 0.05) <= 0.07
    shared = _red(rng, N_PAIRS, phi, scale)
    signs = rng.choice([-1.0, 1.0], (N_PAIRS, 1))
    xc = _monotone(rng, N_PAIRS) + shared + 0.5 * _red(rng, N_PAIRS, phi, scale)
    yc = _monotone(rng, N_PAIRS) + signs * shared + 0.5 * _red(rng, N_PAIRS, phi, scale)
    coupled = co_movement(xc, yc)
    assert np.mean(coupled.p_value < 0.05) >= 0.8
    assert np.all(np.sign(coupled.r[coupled.p_value < 0.05]) == signs[coupled.p_value < 0.05, 0])


def test_no_p_value_is_exactly_zero():
    t = np.arange(4.0)
    c = correlate(t, -(t**2), "spearman")  # rho = -1 on 4 points
    assert c.r == pytest.approx(-1.0)
    assert c.p_value > 0 and c.p_value == pytest.approx(float(p_value_floor(c.n_eff)))
    assert float(p_value_floor(6.0)) == pytest.approx(2 / math.factorial(6))
    x = np.linspace(0, 1, 60)
    wiggle = np.random.default_rng(0).standard_normal(60)
    exact = co_movement(x + 0.01 * wiggle, x**2 + 0.01 * wiggle)  # identical steps: r = 1
    assert exact.r[0] == pytest.approx(1.0)
    assert exact.p_value[0] > 0
    assert exact.p_value[0] == pytest.approx(float(p_value_floor(exact.n_eff[0])))
