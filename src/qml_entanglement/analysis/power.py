r"""Power, minimum detectable effects, equivalence, and co-movement that trends cannot fake.

Pure functions on replicate values (one number per seed) or on pairs of series; no I/O, no
report text. The write-up study (:mod:`qml_entanglement.study.claims`) uses them for its
verdicts; they are meant to be reused by any stage that says "no effect".

Power of the one-sample t test
------------------------------
With :math:`k` replicates of spread (s.d.) :math:`\sigma`, a true mean :math:`\Delta` gives
the statistic :math:`T = \bar x \sqrt k / s` a noncentral t distribution with
:math:`\nu = k - 1` degrees of freedom and noncentrality :math:`\delta = \Delta\sqrt k/\sigma`.
The two-sided test at level :math:`\alpha` rejects when :math:`|T| > t_{1-\alpha/2,\nu}`, so

.. math::

    \operatorname{power}(\Delta) = P(T'_{\nu,\delta} > t_{1-\alpha/2,\nu})
        + P(T'_{\nu,\delta} < -t_{1-\alpha/2,\nu})

(Cohen 1988 [1]_, ch. 2; ``scipy.stats.nct``). The *minimum detectable effect* (MDE) is the
:math:`\Delta > 0` whose power is the target (80%), solved by Brent's method; the *seeds
needed* for an effect :math:`\Delta` are the smallest :math:`k \ge 2` whose power reaches the
target (found by walking up from the normal-theory count
:math:`((z_{1-\alpha/2} + z_{\text{power}})\sigma/\Delta)^2`). The spread is the observed
one, so both are estimates: a study with few seeds knows its own spread only roughly.

Equivalence (two one-sided tests, TOST)
---------------------------------------
"No change larger than :math:`\pm m`" is tested as two one-sided null hypotheses
:math:`H_{0-}: \mu \le -m` and :math:`H_{0+}: \mu \ge m` (Schuirmann 1987 [2]_; Lakens 2017
[3]_): with :math:`s_{\bar x} = s/\sqrt k`,

.. math::

    p_- = P\bigl(T_{k-1} > (\bar x + m)/s_{\bar x}\bigr), \quad
    p_+ = P\bigl(T_{k-1} < (\bar x - m)/s_{\bar x}\bigr), \quad p = \max(p_-, p_+).

Equivalence is concluded when :math:`p < \alpha`, i.e. when the :math:`1 - 2\alpha`
interval :math:`\bar x \pm t_{1-\alpha,k-1} s_{\bar x}` lies inside :math:`(-m, m)`.

Co-movement of two trending series
----------------------------------
Two independent monotone series always have :math:`|\rho| = 1` and a large Pearson
:math:`r`: shared direction is not shared movement. :func:`co_movement` therefore correlates
the *detrended first differences*: each series is differenced (which removes a linear trend
and turns a smooth curve into a slowly varying mean step), the differences get a
least-squares Legendre polynomial of degree :math:`d` (default 6, i.e. a trend of degree 7
in the series) removed, and Pearson's :math:`r` of the residual steps is tested with
:math:`t = r\sqrt{(n_\text{eff}-2)/(1-r^2)}` on :math:`n_\text{eff} - 2` degrees of freedom,
where :math:`n_\text{eff}` is the effective sample size of the residual steps
(:func:`~qml_entanglement.analysis.statistics.effective_sample_size`, Bartlett/Ebisuzaki)
less the :math:`d` fitted slope terms. What is left to correlate is how the two series move
step by step around their own trends; a trend alone contributes nothing.
``tests/compare/test_compare_power.py`` checks the level on independent monotone series with
random signs and red noise and the power on coupled ones.

p-value floor
-------------
No p-value is exactly 0. A test on :math:`n_\text{eff}` effectively independent points cannot
be more certain than the most extreme of their :math:`n_\text{eff}!` orderings, so p-values are
floored at the permutation bound :math:`2/\Gamma(n_\text{eff} + 1)` (2/720 = 0.0028 for
:math:`n_\text{eff} = 6`) and reported with their :math:`n_\text{eff}`.

References
----------
.. [1] J. Cohen, *Statistical Power Analysis for the Behavioral Sciences*, 2nd ed. (1988).
.. [2] D. J. Schuirmann, "A comparison of the two one-sided tests procedure and the power
   approach for assessing the equivalence of average bioavailability", J. Pharmacokinet.
   Biopharm. 15, 657-680 (1987).
.. [3] D. Lakens, "Equivalence tests", Soc. Psychol. Personal. Sci. 8, 355-362 (2017).
.. [4] W. Ebisuzaki, J. Climate 10, 2147-2153 (1997).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

from qml_entanglement.analysis.statistics import effective_sample_size, p_value_floor

POWER = 0.8
ROUNDING = 1e-9  # steps within this fraction of a series' range are rounding
ALPHA = 0.05
TREND_DEGREE = 6


def t_test_power(effect: float, spread: float, n: int, alpha: float = ALPHA) -> float:
    """Power of the two-sided one-sample t test of mean 0 against a true mean *effect*.

    *spread* is the replicates' s.d., *n* their number (noncentral t, see the module notes).

    >>> round(t_test_power(0.5, 1.0, 34), 3)  # Cohen's d = 0.5 with 34 replicates
    0.808
    """
    if n < 2 or not (math.isfinite(spread) and spread > 0 and math.isfinite(effect)):
        return math.nan
    df = n - 1
    critical = stats.t.ppf(1 - alpha / 2, df)
    delta = abs(effect) * math.sqrt(n) / spread
    if delta > critical + 40.0:  # 1 to double precision (and scipy's nct is slow out there)
        return 1.0
    lower = float(stats.nct.cdf(-critical, df, delta))  # NaN in scipy once it is ~1e-25
    return float(stats.nct.sf(critical, df, delta)) + (lower if math.isfinite(lower) else 0.0)


def minimum_detectable_effect(
    spread: float, n: int, power: float = POWER, alpha: float = ALPHA
) -> float:
    """The effect (in the replicates' units) the t test detects with probability *power*.

    >>> round(minimum_detectable_effect(1.0, 34), 3)
    0.495
    """
    if n < 2 or not (math.isfinite(spread) and spread > 0):
        return math.nan
    scale = spread / math.sqrt(n)
    upper = (stats.t.ppf(1 - alpha / 2, n - 1) + stats.norm.ppf(power) + 3.0) * scale
    return float(
        optimize.brentq(lambda d: t_test_power(d, spread, n, alpha) - power, 0.0, upper, xtol=1e-12)
    )


def seeds_for_power(
    effect: float, spread: float, power: float = POWER, alpha: float = ALPHA
) -> float:
    """Smallest number of replicates (>= 2) whose t test detects *effect* with *power*.

    >>> seeds_for_power(0.5, 1.0)
    34.0
    """
    if not (math.isfinite(effect) and math.isfinite(spread)):
        return math.nan
    if effect == 0:
        return math.inf
    if spread == 0:
        return 2.0
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    n = max(2, math.floor((z * spread / abs(effect)) ** 2))
    while n <= 10_000_000:
        reached = t_test_power(effect, spread, n, alpha)
        if not math.isfinite(reached):
            return math.nan
        if reached >= power:
            return float(n)
        n += 1
    return math.inf


@dataclass(frozen=True)
class Equivalence:
    """TOST result: the mean, the margin, the two one-sided p-values and the 1 - 2 alpha CI."""

    mean: float
    margin: float
    p_value: float
    p_lower: float
    p_upper: float
    ci_low: float
    ci_high: float
    n: int
    equivalent: bool


def tost(values: Sequence[float], margin: float, alpha: float = ALPHA) -> Equivalence:
    """Two one-sided t tests of ``|mean| < margin`` over replicate *values* (NaN dropped).

    >>> e = tost([0.001, -0.002, 0.0005, 0.0015, -0.001], margin=0.005)
    >>> e.equivalent, round(e.p_value, 4)
    (True, 0.0008)
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n < 2 or not (math.isfinite(margin) and margin > 0):
        nan = math.nan
        return Equivalence(float(x.mean()) if n else nan, margin, nan, nan, nan, nan, nan, n, False)
    mean, df = float(x.mean()), n - 1
    se = float(x.std(ddof=1)) / math.sqrt(n)
    if se == 0:  # identical replicates: no test (no p-value), only where the value lies
        inside = abs(mean) < margin
        nan = math.nan
        return Equivalence(mean, margin, nan, nan, nan, mean, mean, n, inside)
    p_lower = float(stats.t.sf((mean + margin) / se, df))
    p_upper = float(stats.t.cdf((mean - margin) / se, df))
    p = max(p_lower, p_upper)
    half = float(stats.t.ppf(1 - alpha, df)) * se
    return Equivalence(
        mean, margin, p, p_lower, p_upper, mean - half, mean + half, n, bool(p < alpha)
    )


def detrended_differences(x: np.ndarray, degree: int = TREND_DEGREE) -> np.ndarray:
    """First differences along the last axis minus their least-squares Legendre fit of *degree*.

    >>> t = np.arange(20.0)
    >>> bool(np.allclose(detrended_differences(3 + 2 * t - 0.1 * t**2 + 0.01 * t**3), 0))
    True
    """
    steps = np.diff(np.asarray(x, dtype=float), axis=-1)
    m = steps.shape[-1]
    basis = np.polynomial.legendre.legvander(np.linspace(-1.0, 1.0, m), degree)  # (m, d + 1)
    coefficients, *_ = np.linalg.lstsq(basis, np.moveaxis(steps, -1, 0).reshape(m, -1), rcond=None)
    fitted = (basis @ coefficients).reshape((m, *steps.shape[:-1]))
    return steps - np.moveaxis(fitted, 0, -1)


@dataclass(frozen=True)
class CoMovement:
    """Correlation of detrended steps per pair of series, with n_eff and floored p-values."""

    r: np.ndarray
    p_value: np.ndarray
    n_eff: np.ndarray
    n: int


def co_movement(x: np.ndarray, y: np.ndarray, degree: int = TREND_DEGREE) -> CoMovement:
    """Trend-robust co-movement of rows of *x* and *y* (shape ``(k, n)`` or ``(n,)``).

    Pearson r of :func:`detrended_differences`, tested on ``n_eff - degree`` effective points
    (see the module notes); NaN where a row's steps are constant or fewer than 3 effective
    points remain (series need more than ``degree + 5`` points).

    >>> rng = np.random.default_rng(0)
    >>> t = np.linspace(0, 1, 60)
    >>> a, b = np.exp(-3 * t), -np.sqrt(t)  # two independent monotone trends
    >>> naive = np.corrcoef(a, b)[0, 1]
    >>> c = co_movement(a + 0.01 * rng.standard_normal(60), b + 0.01 * rng.standard_normal(60))
    >>> bool(naive > 0.9), bool(c.p_value[0] > 0.05)
    (True, True)
    """
    x2, y2 = np.atleast_2d(np.asarray(x, dtype=float)), np.atleast_2d(np.asarray(y, dtype=float))
    dx, dy = detrended_differences(x2, degree), detrended_differences(y2, degree)
    dx = dx - dx.mean(axis=-1, keepdims=True)
    dy = dy - dy.mean(axis=-1, keepdims=True)
    # steps that are rounding around the trend (a smooth deterministic curve) carry nothing
    flat = (np.ptp(dx, axis=-1) <= ROUNDING * np.ptp(x2, axis=-1)) | (
        np.ptp(dy, axis=-1) <= ROUNDING * np.ptp(y2, axis=-1)
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(
            flat, np.nan, (dx * dy).sum(-1) / np.sqrt((dx * dx).sum(-1) * (dy * dy).sum(-1))
        )
        n_eff = effective_sample_size(dx, dy) - degree
        df = n_eff - 2.0
        t = np.abs(r) * np.sqrt(df / np.maximum(1.0 - r**2, 1e-300))
        p = 2.0 * stats.t.sf(t, np.where(df > 0, df, np.nan))
    p = np.where(n_eff >= 3.0, np.maximum(p, p_value_floor(n_eff)), np.nan)
    return CoMovement(np.clip(r, -1.0, 1.0), p, n_eff, dx.shape[-1])


@dataclass(frozen=True)
class ReplicateEvidence:
    """What k replicate values (one per seed) say about their mean, and what they could say.

    ``effect`` with its ``level`` t interval; ``spread`` the s.d. over replicates; ``mde`` the
    effect detectable with ``power`` at ``alpha`` from that spread; ``power_at_reference`` the
    power at the reference effect (the write-up's own); ``seeds_needed`` for ``power`` at it;
    ``equivalence`` the TOST against ``+-margin``.
    """

    effect: float
    ci_low: float
    ci_high: float
    n: int
    spread: float
    mde: float
    reference: float
    power_at_reference: float
    seeds_needed: float
    equivalence: Equivalence


def replicate_evidence(
    values: Sequence[float],
    reference: float,
    margin: float,
    level: float = 1 - ALPHA,
    power: float = POWER,
) -> ReplicateEvidence:
    """Effect, interval, MDE, power at *reference*, seeds needed and TOST of *values*.

    >>> e = replicate_evidence([0.01, -0.02, 0.005, 0.0, 0.012], reference=-0.0027, margin=0.0027)
    >>> e.n, round(e.mde, 4), e.equivalence.equivalent
    (5, 0.0216, False)
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n, alpha = len(x), 1 - level
    mean = float(x.mean()) if n else math.nan
    spread = float(x.std(ddof=1)) if n > 1 else math.nan
    if n > 1:
        half = float(stats.t.ppf(1 - alpha / 2, n - 1)) * spread / math.sqrt(n)
        low, high = mean - half, mean + half
    else:
        low = high = math.nan
    return ReplicateEvidence(
        effect=mean,
        ci_low=low,
        ci_high=high,
        n=n,
        spread=spread,
        mde=minimum_detectable_effect(spread, n, power, alpha),
        reference=reference,
        power_at_reference=t_test_power(reference, spread, n, alpha),
        seeds_needed=seeds_for_power(reference, spread, power, alpha),
        equivalence=tost(x, margin, alpha),
    )
