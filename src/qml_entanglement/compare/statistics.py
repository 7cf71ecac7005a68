r"""Correlations of entanglement with loss, per run and pooled across seeds.

Every coefficient and p-value comes from :mod:`scipy.stats` (``pearsonr``, ``spearmanr``,
``kendalltau``, ``bootstrap``, ``false_discovery_control``); this module only decides what is
fed to them and how the results are pooled.

Notes
-----
Per run, a metric :math:`m_t` and the loss :math:`\ell_t` (:math:`t = 0..E`) are correlated on
the *raw* series and on their *first differences* :math:`\Delta m_t = m_t - m_{t-1}`. Two
series that both trend over training correlate strongly whatever their relation; differencing
removes the shared trend, so a correlation that survives it says that epoch-to-epoch changes
move together. A non-finite value in either series excludes that epoch (and, for differences,
the two changes touching it) and is counted in ``n_nan``. Spearman p-values for 12 points or
fewer come from a permutation test (exact up to 7 points), since the t approximation
``spearmanr`` uses is badly anti-conservative there; Kendall's are exact for small samples.

Across the :math:`k` seeds of a group, the mean correlation and its confidence interval use the
Fisher transform :math:`z_i = \operatorname{artanh} r_i`:

.. math::

    \bar z = \frac{1}{k}\sum_i z_i, \qquad
    \bar z \pm t_{k-1,\,(1+\gamma)/2}\,\frac{s_z}{\sqrt{k}}, \qquad
    \bar r = \tanh \bar z,

back-transformed with :math:`\tanh` (seeds are the replicates; :math:`s_z` is the sample
standard deviation of the :math:`z_i`, so the interval reflects the spread between seeds, not
the autocorrelated epochs within one run). When runs are short (fewer than
``min_epochs_fisher`` points) or some :math:`|r_i| = 1`, :math:`z` is unusable and a
bootstrap over seeds of the mean :math:`r` (BCa, percentile if BCa degenerates) is used instead.

p-values across the whole report are adjusted with the Benjamini-Hochberg procedure [1]_.

References
----------
.. [1] Y. Benjamini and Y. Hochberg, "Controlling the false discovery rate: a practical and
   powerful approach to multiple testing", J. R. Stat. Soc. B 57, 289-300 (1995).
.. [2] R. A. Fisher, "On the probable error of a coefficient of correlation deduced from a
   small sample", Metron 1, 3-32 (1921).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from qml_entanglement.compare.histories import RunHistory
from qml_entanglement.compare.selection import group_label
from qml_entanglement.compare.settings import CISettings

SERIES = ("raw", "diff")
MIN_POINTS = 3
SPEARMAN_PERMUTATION_MAX = 12  # up to this many points, Spearman p-values by permutation
_FUNCTIONS = {
    "pearson": stats.pearsonr,
    "spearman": stats.spearmanr,
    "kendall": stats.kendalltau,
}
CORRELATION_COLUMNS = (
    "run_id",
    "group",
    "seed",
    "metric",
    "method",
    "series",
    "r",
    "p_value",
    "q_value",
    "significant",
    "n_epochs",
    "n_nan",
    "note",
)


@dataclass(frozen=True)
class Correlation:
    """One coefficient: value, p-value, points used, points excluded, and why it may be NaN."""

    r: float
    p_value: float
    n: int
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


def correlate(x: Sequence[float], y: Sequence[float], method: str) -> Correlation:
    """Correlation of *x* and *y* by *method*, ignoring pairs where either is not finite.

    Returns NaN (with a ``note``) for fewer than 3 usable pairs or a constant series, where
    the coefficient is undefined.

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
        return Correlation(math.nan, math.nan, n, n_nan, f"fewer than {MIN_POINTS} points")
    xs, ys = x[mask], y[mask]
    if _constant(xs) or _constant(ys):
        return Correlation(math.nan, math.nan, n, n_nan, "constant series")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.ConstantInputWarning)
        warnings.simplefilter("ignore", stats.NearConstantInputWarning)
        result = _FUNCTIONS[method](xs, ys)
    r, p = float(result.statistic), float(result.pvalue)
    if method == "spearman" and n <= SPEARMAN_PERMUTATION_MAX and math.isfinite(r):
        p = spearman_permutation_p(xs, ys)
    note = "" if math.isfinite(r) else "undefined"
    return Correlation(r, p, n, n_nan, note)


def spearman_permutation_p(x: np.ndarray, y: np.ndarray, n_resamples: int = 9999) -> float:
    """Two-sided permutation p-value of Spearman's rho, for short series.

    ``spearmanr``'s p-value uses a t approximation that is far off for a handful of points
    (rho = 1 on 4 points gives p = 0; the exact value is 2/4! = 0.083), and short runs are
    common (a few epochs). Up to 7 points every re-pairing is enumerated (exact); beyond, a
    fixed-seed Monte Carlo sample of *n_resamples* re-pairings is used.

    >>> round(spearman_permutation_p(np.arange(4.0), np.arange(4.0)), 4)
    0.0833
    """
    rank_x = stats.rankdata(x)
    centred_y = stats.rankdata(y) - (len(y) + 1) / 2

    def rho(ranks: np.ndarray, axis: int = -1) -> np.ndarray:
        centred = ranks - ranks.mean(axis=axis, keepdims=True)
        scale = np.sqrt((centred**2).sum(axis=axis) * (centred_y**2).sum())
        return (centred * centred_y).sum(axis=axis) / scale

    result = stats.permutation_test(
        (rank_x,),
        rho,
        permutation_type="pairings",
        vectorized=True,
        n_resamples=n_resamples,
        rng=np.random.default_rng(0),
    )
    return float(result.pvalue)


def _constant(values: np.ndarray) -> bool:
    """Constant up to rounding (a range below 1e-12 of the largest magnitude)."""
    return bool(np.ptp(values) <= 1e-12 * np.max(np.abs(values)))


def correlation_table(
    histories: Iterable[RunHistory],
    loss_metric: str,
    methods: Sequence[str],
    group_by: Sequence[str],
) -> pd.DataFrame:
    """One row per run x metric x method x series (raw | diff), without q-values yet."""
    rows = []
    for history in histories:
        run = history.run
        label = group_label(group_by, run.group)
        loss = history.frame[loss_metric].to_numpy()
        series = {"raw": loss, "diff": np.diff(loss)}
        for metric in history.entanglement_metrics:
            values = history.frame[metric].to_numpy()
            metric_series = {"raw": values, "diff": np.diff(values)}
            for method in methods:
                for kind in SERIES:
                    c = correlate(metric_series[kind], series[kind], method)
                    rows.append(
                        (run.run_id, label, run.seed, metric, method, kind)
                        + (c.r, c.p_value, math.nan, False, c.n, c.n_nan, c.note)
                    )
    return pd.DataFrame(rows, columns=list(CORRELATION_COLUMNS))


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


def add_q_values(correlations: pd.DataFrame, alpha: float) -> pd.DataFrame:
    """Fill ``q_value`` (BH over every finite p-value in the table) and ``significant``."""
    out = correlations.copy()
    out["q_value"] = benjamini_hochberg(out["p_value"].to_numpy())
    out["significant"] = out["q_value"].to_numpy() < alpha
    return out


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
    half = stats.t.ppf(0.5 + level / 2, k - 1) * z.std(ddof=1) / math.sqrt(k)
    return PooledCorrelation(
        float(np.tanh(center)),
        float(np.tanh(center - half)),
        float(np.tanh(center + half)),
        "fisher-z",
        k,
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
    if np.ptp(r) == 0:
        return PooledCorrelation(mean, mean, mean, "bootstrap (all equal)", k)
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
                mean, float(low), float(high), f"bootstrap-{method.lower()}", k
            )
    return PooledCorrelation(mean, math.nan, math.nan, "bootstrap failed", k)


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
