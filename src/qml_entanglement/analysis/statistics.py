r"""Correlations of entanglement with loss: per run (valid under autocorrelation), per group.

Per run
-------
A metric :math:`m_t` and the loss :math:`\ell_t` (:math:`t = 0..E`) are correlated on the
*raw* series and on their *first differences* :math:`\Delta m_t = m_t - m_{t-1}`. Training
curves are strongly autocorrelated (lag-1 autocorrelation 0.9-0.99), so the :math:`n` epochs are
not :math:`n` independent points and the textbook p-values (``p_value_naive``) are far too
small. The headline ``p_value`` uses an *effective sample size*

.. math::

    n_\text{eff} = 1 + 1 / \operatorname{Var}_\theta(r), \qquad
    \operatorname{Var}_\theta(r) = \frac{\sum_k w_k |X_k|^2 |Y_k|^2}
        {\bigl(\sum_k w_k |X_k|^2\bigr)\bigl(\sum_k w_k |Y_k|^2\bigr)},

the exact variance of the correlation between :math:`y` and a *phase-randomised surrogate* of
:math:`x` (Ebisuzaki 1997 [3]_): :math:`X_k, Y_k` are the discrete Fourier coefficients of the
centred series, :math:`w_k = 2` for :math:`0 < k < n/2` and 1 at the Nyquist frequency.
It equals Bartlett's variance of a correlation of two independent autocorrelated series,
:math:`\frac1n \sum_\tau \hat\rho_{xx}(\tau)\hat\rho_{yy}(\tau)` with circular sample
autocorrelations (Bartlett 1935; Pyper & Peterman 1998 [4]_), computed in closed form with
``scipy.fft`` instead of by drawing surrogates. For white noise :math:`n_\text{eff} \approx n`;
for AR(1) with :math:`\phi = 0.95` and 101 epochs it is about 12. It is capped at :math:`n`.

With it, Pearson's :math:`r` and Spearman's :math:`\rho` (computed on ranks, with
:math:`n_\text{eff}` of the rank series) are tested with
:math:`t = r\sqrt{(n_\text{eff} - 2)/(1 - r^2)}` on :math:`n_\text{eff} - 2` degrees of freedom,
and Kendall's :math:`\tau` with the normal approximation
:math:`\operatorname{Var}\tau = 2(2n'+5)/(9n'(n'-1))` at :math:`n' = n_\text{eff}`. Fewer than
3 effective epochs give no p-value. ``tests/compare/test_compare_calibration.py`` checks that
the level holds on independent AR(1) series (:math:`\phi` 0.9-0.97).

A series whose range is at rounding level relative to the metric's scale (1e-9 of it; the
scale comes from :mod:`qml_entanglement.metrics.catalogue`) is *degenerate*: it gets no
coefficient, raw or differenced.

Across seeds
------------
The :math:`k` seeds of a group are the replicates. The mean correlation and its confidence
interval use the Fisher transform :math:`z_i = \operatorname{artanh} r_i`:

.. math::

    \bar z \pm t_{k-1,\,(1+\gamma)/2}\,\frac{s_z}{\sqrt{k}}, \qquad \bar r = \tanh \bar z,

so the interval reflects the spread between seeds, not the autocorrelated epochs within one
run [2]_. When runs are short or some :math:`|r_i| = 1` a bootstrap over seeds (BCa, else
percentile) is used. :func:`seeds_needed` says how many seeds a target half-width takes.

p-values are adjusted with Benjamini-Hochberg [1]_ within each family of one method and one
series (the same question asked of every run x metric), leaving out identities and redundant
metrics (:mod:`~.redundancy`).

References
----------
.. [1] Y. Benjamini and Y. Hochberg, J. R. Stat. Soc. B 57, 289-300 (1995).
.. [2] R. A. Fisher, Metron 1, 3-32 (1921).
.. [3] W. Ebisuzaki, "A method to estimate the statistical significance of a correlation when
   the data are serially correlated", J. Climate 10, 2147-2153 (1997).
.. [4] B. J. Pyper and R. M. Peterman, "Comparison of methods to account for autocorrelation
   in correlation analyses of fish data", Can. J. Fish. Aquat. Sci. 55, 2127-2140 (1998).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import fft, special, stats

from qml_entanglement.analysis.intervals import CISettings

SERIES = ("raw", "diff")
METHOD_SYMBOLS = {"pearson": "Pearson r", "spearman": "Spearman ρ", "kendall": "Kendall τ"}
MIN_POINTS = 3
MIN_EFFECTIVE = 3.0
ROUNDING = 1e-9


@dataclass(frozen=True)
class Correlation:
    """One coefficient with its valid and naive p-values, points used, n_eff, and a note."""

    r: float
    p_value: float
    p_value_naive: float
    n: int
    n_eff: float
    n_nan: int
    note: str = ""


@dataclass(frozen=True)
class PooledCorrelation:
    """Mean of per-seed correlations with its confidence interval and how it was built."""

    mean: float
    ci_low: float
    ci_high: float
    method: str
    n: int
    spread: float = math.nan  # s.d. of the pooled quantity (z, or r for the bootstrap)


def degenerate(values: np.ndarray, scale: float | None) -> bool:
    """Whether *values* vary only at rounding level: range <= 1e-9 x the metric's scale.

    The scale is the larger of the catalogue's natural scale and the series' magnitude, so a
    Meyer-Wallach series constant up to 1e-16 (no entangling gate) is degenerate while a loss
    of order 1e-3 that really changes is not.

    >>> degenerate(np.array([0.3, 0.3 + 1e-16, 0.3 - 2e-16]), 1.0)
    True
    >>> degenerate(np.array([1e-3, 2e-3]), None)
    False
    """
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return True
    size = max(scale or 0.0, float(np.max(np.abs(finite))))
    return bool(np.ptp(finite) <= ROUNDING * size) if size > 0 else True


def effective_sample_size(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Effective number of independent points for correlating *x* with *y* (last axis).

    The inverse of the phase-randomisation variance of their correlation, plus one, capped at
    the series length (see the module notes). Vectorised over leading axes; NaN where either
    series is constant.

    >>> rng = np.random.default_rng(0)
    >>> white = effective_sample_size(rng.standard_normal(200), rng.standard_normal(200))
    >>> 150 < float(white) <= 200
    True
    >>> t = np.arange(100.0)
    >>> round(float(effective_sample_size(t, t**2)), 1)  # two trends: a handful of points
    5.9
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n = x.shape[-1]
    power_x = np.abs(fft.rfft(x - x.mean(axis=-1, keepdims=True), axis=-1)) ** 2
    power_y = np.abs(fft.rfft(y - y.mean(axis=-1, keepdims=True), axis=-1)) ** 2
    weights = np.full(power_x.shape[-1], 2.0)
    weights[0] = 0.0
    if n % 2 == 0:
        weights[-1] = 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        variance = (weights * power_x * power_y).sum(axis=-1) / (
            (weights * power_x).sum(axis=-1) * (weights * power_y).sum(axis=-1)
        )
        return np.minimum(1.0 + 1.0 / variance, n)


def _pearson_rows(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    x = x - x.mean(axis=-1, keepdims=True)
    y = y - y.mean(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = (x * y).sum(axis=-1) / np.sqrt((x * x).sum(axis=-1) * (y * y).sum(axis=-1))
    return np.clip(r, -1.0, 1.0)


def p_value_floor(n_eff: float | np.ndarray) -> np.ndarray:
    """The smallest p-value *n_eff* exchangeable points support: ``2 / Gamma(n_eff + 1)``.

    A test on n_eff effectively independent points cannot be more certain than the most extreme
    of their n_eff! orderings, so no p-value is reported below this (none is exactly 0).

    >>> round(float(p_value_floor(6.0)), 6)  # 2 / 6!
    0.002778
    """
    n = np.maximum(np.asarray(n_eff, dtype=float), 1.0)
    return np.minimum(2.0 * np.exp(-special.gammaln(n + 1.0)), 1.0)


def _t_p_value(r: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Two-sided p of a correlation on *n* (effective) points, t on n - 2 d.o.f., floored at
    :func:`p_value_floor` (``|r| = 1`` gets the floor, not 0)."""
    df = np.asarray(n, dtype=float) - 2.0
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.abs(r) * np.sqrt(df / np.maximum(1.0 - r**2, 1e-300))
        p = 2.0 * stats.t.sf(t, np.where(df > 0, df, np.nan))
    return np.maximum(p, p_value_floor(n))


def _kendall_p_value(tau: np.ndarray, n: np.ndarray) -> np.ndarray:
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        sd = np.sqrt(2.0 * (2.0 * n + 5.0) / (9.0 * n * (n - 1.0)))
        return np.maximum(2.0 * stats.norm.sf(np.abs(tau) / sd), p_value_floor(n))


def correlate_batch(x: np.ndarray, y: np.ndarray, method: str) -> tuple[np.ndarray, ...]:
    """Coefficients, valid p-values, naive p-values and n_eff for rows of equal length.

    *x* and *y* have shape ``(k, n)`` with finite values and non-degenerate rows.
    """
    if method == "pearson":
        r = _pearson_rows(x, y)
        n_eff = effective_sample_size(x, y)
    else:
        rank_x = stats.rankdata(x, axis=-1)
        rank_y = stats.rankdata(y, axis=-1)
        n_eff = effective_sample_size(rank_x, rank_y)
        if method == "spearman":
            r = _pearson_rows(rank_x, rank_y)
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                r = np.array(
                    [stats.kendalltau(a, b).statistic for a, b in zip(x, y, strict=True)]
                ).reshape(len(x))
    n = np.full(len(r), x.shape[-1], dtype=float)
    if method == "kendall":
        p, naive = _kendall_p_value(r, n_eff), _kendall_p_value(r, n)
    else:
        p, naive = _t_p_value(r, n_eff), _t_p_value(r, n)
    p = np.where(n_eff >= MIN_EFFECTIVE, p, np.nan)
    return r, p, naive, n_eff


def correlate(
    x: Sequence[float], y: Sequence[float], method: str, scale: float | None = None
) -> Correlation:
    """Correlation of *x* (a metric) and *y* (the loss) by *method*, valid under autocorrelation.

    Pairs where either value is not finite are dropped. Returns NaN (with a ``note``) for
    fewer than 3 pairs or a degenerate series (range at rounding level of *scale*, see
    :func:`degenerate`), and a NaN p-value for fewer than 3 effective points.

    Examples
    --------
    >>> c = correlate([1, 2, 3, 4], [1, 3, 2, 4], "kendall")
    >>> round(c.r, 6), c.n
    (0.666667, 4)
    >>> correlate([1, 2, float("nan"), 4], [2, 4, 6, 8], "pearson").n_nan
    1
    >>> correlate([0, 0, 0], [1, 2, 3], "spearman").note
    'constant series'
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    mask = np.isfinite(x) & np.isfinite(y)
    n = int(mask.sum())
    n_nan = len(x) - n
    if n < MIN_POINTS:
        return Correlation(
            math.nan, math.nan, math.nan, n, math.nan, n_nan, f"fewer than {MIN_POINTS} points"
        )
    xs, ys = x[mask], y[mask]
    if degenerate(xs, scale) or degenerate(ys, None):
        return Correlation(math.nan, math.nan, math.nan, n, math.nan, n_nan, "constant series")
    r, p, naive, n_eff = (float(v[0]) for v in correlate_batch(xs[None], ys[None], method))
    note = "" if math.isfinite(p) else f"fewer than {MIN_EFFECTIVE:g} effective points"
    return Correlation(r, p, naive, n, n_eff, n_nan, note)


def benjamini_hochberg(p_values: Sequence[float]) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values); NaN stays NaN and is not counted.

    >>> benjamini_hochberg([0.01, 0.04, float("nan"), 0.03, 0.5]).round(4).tolist()
    [0.04, 0.0533, nan, 0.0533, 0.5]
    """
    p = np.asarray(p_values, dtype=float)
    q = np.full_like(p, math.nan)
    mask = np.isfinite(p)
    if mask.any():
        q[mask] = stats.false_discovery_control(p[mask], method="bh")
    return q


def fisher_z_interval(r: Sequence[float], level: float = 0.95) -> PooledCorrelation:
    """Mean correlation over replicates via Fisher z, with a t interval on the z scale.

    Examples
    --------
    >>> p = fisher_z_interval([0.5, 0.6, 0.7, 0.4])
    >>> round(p.mean, 4), round(p.ci_low, 4), round(p.ci_high, 4)
    (0.5604, 0.3181, 0.7339)
    """
    r = np.asarray(r, dtype=float)
    k = len(r)
    if k < 2:
        raise ValueError(f"a Fisher z interval over seeds needs at least 2 values, got {k}")
    z = np.arctanh(np.clip(r, -1 + 1e-12, 1 - 1e-12))
    center = z.mean()
    spread = z.std(ddof=1)
    half = stats.t.ppf(0.5 + level / 2, k - 1) * spread / math.sqrt(k)
    return PooledCorrelation(
        float(np.tanh(center)),
        float(np.tanh(center - half)),
        float(np.tanh(center + half)),
        "fisher-z",
        k,
        float(spread),
    )


def bootstrap_interval(
    r: Sequence[float],
    level: float = 0.95,
    *,
    rng: np.random.Generator,
    n_resamples: int = 9999,
) -> PooledCorrelation:
    """Mean correlation over replicates with a bootstrap (BCa, else percentile) interval."""
    r = np.asarray(r, dtype=float)
    k = len(r)
    if k < 2:
        raise ValueError(f"a bootstrap interval over seeds needs at least 2 values, got {k}")
    mean = float(r.mean())
    spread = float(r.std(ddof=1))
    if np.ptp(r) == 0:
        return PooledCorrelation(mean, mean, mean, "bootstrap (all equal)", k, 0.0)
    for method in ("BCa", "percentile"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = stats.bootstrap(
                (r,),
                np.mean,
                confidence_level=level,
                n_resamples=n_resamples,
                method=method,
                rng=rng,
            )
        low, high = result.confidence_interval
        if math.isfinite(low) and math.isfinite(high):
            return PooledCorrelation(
                mean, float(low), float(high), f"bootstrap-{method.lower()}", k, spread
            )
    return PooledCorrelation(mean, math.nan, math.nan, "bootstrap failed", k, spread)


def pool(
    r: Sequence[float],
    min_epochs: int,
    ci: CISettings,
    rng: np.random.Generator,
) -> PooledCorrelation:
    """Mean and CI of per-seed correlations *r* (NaN ignored), choosing the method as configured.

    *min_epochs* is the smallest number of points any of the correlations used.
    """
    r = np.asarray(r, dtype=float)
    r = r[np.isfinite(r)]
    k = len(r)
    if k == 0:
        return PooledCorrelation(math.nan, math.nan, math.nan, "no defined correlation", 0)
    if k == 1:
        return PooledCorrelation(float(r[0]), math.nan, math.nan, "single run", 1)
    method = ci.method
    if method == "auto":
        usable_z = min_epochs >= ci.min_epochs_fisher and np.all(np.abs(r) < 1)
        method = "fisher" if usable_z else "bootstrap"
    if method == "fisher":
        return fisher_z_interval(r, ci.level)
    return bootstrap_interval(r, ci.level, rng=rng, n_resamples=ci.n_resamples)


def seeds_needed(spread: float, half_width: float, level: float = 0.95) -> float:
    """Seeds for a t interval of half-width *half_width*, given the seed-to-seed s.d. *spread*.

    The smallest :math:`k \\ge 2` with :math:`t_{k-1,(1+\\gamma)/2}\\, s / \\sqrt k \\le h`
    (on the scale of *spread*: Fisher z, about the correlation scale for :math:`|r| < 0.5`).

    >>> seeds_needed(0.3, 0.1)  # (1.96 * 0.3 / 0.1) ** 2 = 34.6, plus the t correction
    38.0
    >>> seeds_needed(0.0, 0.1)
    2.0
    """
    if not math.isfinite(spread):
        return math.nan
    if spread == 0:
        return 2.0
    # t > z, so the normal-theory count is a lower bound; walk up from it
    z = stats.norm.ppf(0.5 + level / 2)
    k = max(2, math.ceil((z * spread / half_width) ** 2))
    while k <= 1_000_000:
        if stats.t.ppf(0.5 + level / 2, k - 1) * spread / math.sqrt(k) <= half_width:
            return float(k)
        k += 1
    return math.inf


def mean_interval(values: Sequence[float], level: float) -> tuple[float, float, float]:
    """Mean and t interval over replicates (NaN ignored); NaN bounds for fewer than 2.

    >>> [round(v, 4) for v in mean_interval([1.0, 2.0, 3.0], 0.95)]
    [2.0, -0.4841, 4.4841]
    """
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return math.nan, math.nan, math.nan
    mean = float(values.mean())
    if len(values) < 2:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + level / 2, len(values) - 1) * stats.sem(values))
    return mean, mean - half, mean + half
