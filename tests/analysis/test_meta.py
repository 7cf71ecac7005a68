"""Random-effects pooling and meta-regression against a textbook example and hand computations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from qml_entanglement.analysis.meta import dersimonian_laird, meta_regression, q_values

# BCG vaccine trials (Colditz et al. 1994, JAMA 271, 698): TB cases / no case in the vaccinated
# and control arms, and absolute latitude. The textbook example of random-effects meta-analysis.
BCG = np.array(
    [
        [4, 119, 11, 128, 44],
        [6, 300, 29, 274, 55],
        [3, 228, 11, 209, 42],
        [62, 13536, 248, 12619, 52],
        [33, 5036, 47, 5761, 13],
        [180, 1361, 372, 1079, 44],
        [8, 2537, 10, 619, 19],
        [505, 87886, 499, 87892, 13],
        [29, 7470, 45, 7232, 27],
        [17, 1699, 65, 1600, 42],
        [186, 50448, 141, 27197, 18],
        [5, 2493, 3, 2338, 33],
        [27, 16886, 29, 17825, 33],
    ],
    dtype=float,
)


def _bcg_log_risk_ratios() -> tuple[np.ndarray, np.ndarray]:
    tpos, tneg, cpos, cneg, _ = BCG.T
    yi = np.log(tpos / (tpos + tneg)) - np.log(cpos / (cpos + cneg))
    vi = 1 / tpos - 1 / (tpos + tneg) + 1 / cpos - 1 / (cpos + cneg)
    return yi, np.sqrt(vi)


def test_dersimonian_laird_reproduces_the_published_bcg_analysis() -> None:
    # Published DL results for the log risk ratio (Viechtbauer 2010, J. Stat. Softw. 36(3),
    # and the metafor documentation): mu = -0.7141 (se 0.1787), CI -1.0644 to -0.3638,
    # tau^2 = 0.3088, I^2 = 92.12 %, Q(12) = 152.23.
    yi, si = _bcg_log_risk_ratios()
    r = dersimonian_laird(yi, si)
    assert r.k == 13
    assert r.pooled == pytest.approx(-0.7141, abs=1e-4)
    assert r.se == pytest.approx(0.1787, abs=1e-4)
    assert (r.ci_low, r.ci_high) == pytest.approx((-1.0644, -0.3638), abs=1e-4)
    assert r.tau2 == pytest.approx(0.3088, abs=1e-4)
    assert r.i2 == pytest.approx(0.9212, abs=1e-4)
    assert r.q == pytest.approx(152.2330, abs=1e-3)


def test_prediction_interval_follows_higgins_thompson_spiegelhalter() -> None:
    yi, si = _bcg_log_risk_ratios()
    r = dersimonian_laird(yi, si)
    # hand computation: mu +- t_{k-2} sqrt(tau^2 + se^2)
    half = stats.t.ppf(0.975, 11) * math.sqrt(0.30876026 + 0.17874209**2)
    assert (r.pi_low, r.pi_high) == pytest.approx((-0.71411722 - half, -0.71411722 + half), 1e-6)
    assert r.pi_low < r.ci_low and r.pi_high > r.ci_high


def test_homogeneous_effects_pool_to_the_inverse_variance_mean() -> None:
    y, s = [0.1, 0.3, 0.2, 0.25], [0.2, 0.2, 0.1, 0.4]
    r = dersimonian_laird(y, s)
    w = 1 / np.square(s)
    q = float(np.sum(w * (np.array(y) - np.sum(w * y) / np.sum(w)) ** 2))
    assert q < 3  # below its degrees of freedom: no heterogeneity
    assert r.tau2 == 0.0 and r.i2 == 0.0
    assert r.pooled == pytest.approx(np.sum(w * y) / np.sum(w))
    assert r.se == pytest.approx(1 / math.sqrt(np.sum(w)))


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="standard errors"):
        dersimonian_laird([0.1, 0.2], [0.1, 0.0])
    with pytest.raises(ValueError, match="equal length"):
        dersimonian_laird([0.1, 0.2], [0.1])


def _independent_meta_regression(y, s, x):
    """tau^2 from the residual Q of an unweighted-by-tau WLS fit, written with lstsq."""
    w = 1 / s**2
    sw = np.sqrt(w)
    beta_f, *_ = np.linalg.lstsq(x * sw[:, None], y * sw, rcond=None)
    q_e = np.sum(w * (y - x @ beta_f) ** 2)
    xtwx = x.T @ np.diag(w) @ x
    trace_p = np.sum(w) - np.trace(np.linalg.solve(xtwx, x.T @ np.diag(w**2) @ x))
    k, p = x.shape
    tau2 = max(0.0, (q_e - (k - p)) / trace_p)
    ws = 1 / (s**2 + tau2)
    sws = np.sqrt(ws)
    beta, *_ = np.linalg.lstsq(x * sws[:, None], y * sws, rcond=None)
    s2 = np.sum(ws * (y - x @ beta) ** 2) / (k - p)
    se = np.sqrt(s2 * np.diag(np.linalg.inv(x.T @ np.diag(ws) @ x)))
    return beta, se, tau2


def test_meta_regression_on_latitude_matches_an_independent_computation() -> None:
    yi, si = _bcg_log_risk_ratios()
    x = np.column_stack([np.ones(13), BCG[:, 4]])
    fit = meta_regression(yi, si, x, ["intercept", "latitude"])
    beta, se, tau2 = _independent_meta_regression(yi, si, x)
    np.testing.assert_allclose(fit.coef, beta, rtol=1e-9)
    np.testing.assert_allclose(fit.se, se, rtol=1e-9)
    assert fit.tau2 == pytest.approx(tau2, rel=1e-9)
    # latitude explains most of the heterogeneity: the residual tau^2 is far below the pooled one
    assert fit.tau2 < dersimonian_laird(yi, si).tau2 / 3
    assert fit.coef[1] < 0 and fit.p[1] < 0.05
    assert fit.df == 11
    assert [row["term"] for row in fit.rows()] == ["intercept", "latitude"]


def test_meta_regression_keeps_its_level_on_a_null_covariate() -> None:
    # 2000 simulated sweeps of 12 configurations with heterogeneity and a covariate that has no
    # effect: the Knapp-Hartung test rejects about 5 %.
    rng = np.random.default_rng(7)
    k, reps, rejections = 12, 2000, 0
    covariate = np.repeat([4.0, 6.0, 8.0, 10.0], 3)
    x = np.column_stack([np.ones(k), covariate])
    for _ in range(reps):
        s = rng.uniform(0.05, 0.3, k)
        y = 0.1 + rng.normal(0, 0.15, k) + rng.normal(0, s)
        rejections += meta_regression(y, s, x, ["intercept", "qubits"]).p[1] < 0.05
    assert 0.03 <= rejections / reps <= 0.07


def test_meta_regression_finds_a_planted_slope() -> None:
    rng = np.random.default_rng(3)
    covariate = np.tile([4.0, 6.0, 8.0, 10.0, 12.0], 4)
    s = rng.uniform(0.01, 0.03, covariate.size)
    y = -0.005 * covariate + rng.normal(0, 0.004, covariate.size) + rng.normal(0, s)
    x = np.column_stack([np.ones(covariate.size), covariate])
    fit = meta_regression(y, s, x, ["intercept", "qubits"])
    assert fit.p[1] < 0.05
    assert fit.ci_low[1] < -0.005 < fit.ci_high[1]


def test_an_unestimable_design_is_refused() -> None:
    x = np.column_stack([np.ones(4), np.ones(4)])
    with pytest.raises(ValueError, match="not estimable"):
        meta_regression([0.1, 0.2, 0.3, 0.4], [0.1] * 4, x, ["a", "b"])


def test_q_values_follow_benjamini_hochberg_by_hand() -> None:
    p = [0.001, 0.02, 0.03, 0.5, float("nan")]
    # by hand: sorted p * m / rank, then the running minimum from the largest rank; m = 4
    expected = [0.004, 0.04, 0.04, 0.5]
    np.testing.assert_allclose(q_values(p)[:4], expected)
    assert math.isnan(q_values(p)[4])
