r"""Random-effects meta-analysis across configurations: pooling, heterogeneity, meta-regression.

A design-space sweep gives, per configuration :math:`i = 1..k`, an effect :math:`y_i` (e.g.
the mean change of Meyer-Wallach Q over seeds) and its standard error :math:`s_i` (the spread
between seeds over :math:`\sqrt{n_i}`). Configurations are *not* replicates of one another, so
they are pooled with a random-effects model

.. math::

    y_i = \mu + u_i + \varepsilon_i, \qquad u_i \sim N(0, \tau^2), \quad
    \varepsilon_i \sim N(0, s_i^2).

Pooling (DerSimonian & Laird 1986 [1]_)
---------------------------------------
With fixed-effect weights :math:`w_i = 1/s_i^2`, :math:`\hat\mu_F = \sum w_i y_i / \sum w_i`
and Cochran's :math:`Q = \sum w_i (y_i - \hat\mu_F)^2`, the moment estimate of the
between-configuration variance is

.. math::

    \hat\tau^2 = \max\Bigl(0,\ \frac{Q - (k - 1)}{\sum w_i - \sum w_i^2 / \sum w_i}\Bigr).

The pooled effect uses :math:`w_i^* = 1/(s_i^2 + \hat\tau^2)`:
:math:`\hat\mu = \sum w_i^* y_i / \sum w_i^*`, :math:`\operatorname{se}(\hat\mu) =
(\sum w_i^*)^{-1/2}`, interval :math:`\hat\mu \pm z_{(1+\gamma)/2}\operatorname{se}`.
Heterogeneity :math:`I^2 = \max(0, (Q - (k-1))/Q)` (Higgins & Thompson 2002 [2]_) is the share
of the spread that is between configurations rather than sampling error. The *prediction
interval* for the effect of a new configuration (Higgins, Thompson & Spiegelhalter 2009 [3]_)
is :math:`\hat\mu \pm t_{k-2,(1+\gamma)/2}\sqrt{\hat\tau^2 + \operatorname{se}^2}` (needs
:math:`k \ge 3`).

Meta-regression (Thompson & Sharp 1999 [4]_)
--------------------------------------------
The effect is regressed on configuration factors :math:`X` (qubits, depth, topology, data set,
trained vs control): :math:`y = X\beta + u + \varepsilon`. :math:`\tau^2` is the method-of-moments
residual heterogeneity (the DerSimonian-Laird estimator generalised to covariates):
with :math:`W = \operatorname{diag}(w_i)` and
:math:`P = W - WX(X^\top W X)^{-1}X^\top W`,

.. math::

    \hat\tau^2 = \max\Bigl(0,\ \frac{Q_E - (k - p)}{\operatorname{tr} P}\Bigr), \qquad
    Q_E = y^\top P y.

Coefficients are weighted least squares with :math:`w_i^*`; their standard errors use the
Knapp-Hartung adjustment [5]_ (the residual mean square :math:`s^2 = \sum w_i^* r_i^2/(k-p)`
scales :math:`(X^\top W^* X)^{-1}`, and tests use :math:`t_{k-p}`), which keeps the nominal
level with few configurations where the plain :math:`z` test does not.

References
----------
.. [1] R. DerSimonian and N. Laird, "Meta-analysis in clinical trials", Control. Clin. Trials
   7, 177-188 (1986).
.. [2] J. P. T. Higgins and S. G. Thompson, "Quantifying heterogeneity in a meta-analysis",
   Stat. Med. 21, 1539-1558 (2002).
.. [3] J. P. T. Higgins, S. G. Thompson and D. J. Spiegelhalter, "A re-evaluation of
   random-effects meta-analysis", J. R. Stat. Soc. A 172, 137-159 (2009).
.. [4] S. G. Thompson and S. J. Sharp, "Explaining heterogeneity in meta-analysis: a comparison
   of methods", Stat. Med. 18, 2693-2708 (1999).
.. [5] G. Knapp and J. Hartung, "Improved tests for a random effects meta-regression with a
   single covariate", Stat. Med. 22, 2693-2710 (2003).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = ["MetaResult", "MetaRegression", "dersimonian_laird", "meta_regression", "q_values"]


@dataclass(frozen=True)
class MetaResult:
    """A random-effects pooled effect with its interval, heterogeneity and prediction interval.

    ``pi_low``/``pi_high`` are NaN for fewer than 3 configurations; ``i2`` is a fraction in
    [0, 1] (NaN when Q = 0).
    """

    pooled: float
    se: float
    ci_low: float
    ci_high: float
    tau2: float
    i2: float
    q: float
    p_heterogeneity: float
    pi_low: float
    pi_high: float
    k: int


def _checked(effects: Sequence[float], ses: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(effects, dtype=float)
    s = np.asarray(ses, dtype=float)
    if y.ndim != 1 or y.shape != s.shape:
        raise ValueError(f"effects and ses must be 1-d of equal length, got {y.shape}, {s.shape}")
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(s)) and np.all(s > 0)):
        raise ValueError("effects must be finite and standard errors finite and > 0")
    return y, s


def dersimonian_laird(
    effects: Sequence[float], ses: Sequence[float], level: float = 0.95
) -> MetaResult:
    """Pool per-configuration effects with the DerSimonian-Laird random-effects model.

    Examples
    --------
    >>> r = dersimonian_laird([0.1, 0.3, 0.2], [0.1, 0.1, 0.1])
    >>> round(r.pooled, 6), r.tau2
    (0.2, 0.0)
    """
    y, s = _checked(effects, ses)
    k = y.size
    if k < 1:
        raise ValueError("at least one effect is needed")
    w = 1.0 / s**2
    mu_fixed = np.sum(w * y) / np.sum(w)
    q = float(np.sum(w * (y - mu_fixed) ** 2))
    c = np.sum(w) - np.sum(w**2) / np.sum(w)
    tau2 = max(0.0, (q - (k - 1)) / c) if k > 1 and c > 0 else 0.0
    w_star = 1.0 / (s**2 + tau2)
    pooled = float(np.sum(w_star * y) / np.sum(w_star))
    se = float(np.sqrt(1.0 / np.sum(w_star)))
    z = stats.norm.ppf(0.5 + level / 2)
    i2 = max(0.0, (q - (k - 1)) / q) if q > 0 else float("nan")
    p_het = float(stats.chi2.sf(q, k - 1)) if k > 1 else float("nan")
    if k >= 3:
        half = stats.t.ppf(0.5 + level / 2, k - 2) * np.sqrt(tau2 + se**2)
        pi_low, pi_high = pooled - half, pooled + half
    else:
        pi_low = pi_high = float("nan")
    return MetaResult(
        pooled=pooled,
        se=se,
        ci_low=float(pooled - z * se),
        ci_high=float(pooled + z * se),
        tau2=float(tau2),
        i2=float(i2),
        q=q,
        p_heterogeneity=p_het,
        pi_low=float(pi_low),
        pi_high=float(pi_high),
        k=int(k),
    )


@dataclass(frozen=True)
class MetaRegression:
    """Random-effects meta-regression: one row per design column (coefficient, Knapp-Hartung
    standard error, t statistic on ``df`` degrees of freedom, two-sided p, interval)."""

    names: tuple[str, ...]
    coef: np.ndarray
    se: np.ndarray
    t: np.ndarray
    p: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    tau2: float
    df: int

    def rows(self) -> list[dict[str, float | str]]:
        """One dict per coefficient, for a table."""
        return [
            {
                "term": name,
                "coef": float(self.coef[j]),
                "se": float(self.se[j]),
                "t": float(self.t[j]),
                "p_value": float(self.p[j]),
                "ci_low": float(self.ci_low[j]),
                "ci_high": float(self.ci_high[j]),
                "tau2": self.tau2,
                "df": self.df,
            }
            for j, name in enumerate(self.names)
        ]


def meta_regression(
    effects: Sequence[float],
    ses: Sequence[float],
    design: np.ndarray,
    names: Sequence[str],
    level: float = 0.95,
) -> MetaRegression:
    """Regress effects on configuration factors (columns of *design*, intercept included by the
    caller) with method-of-moments :math:`\\tau^2` and Knapp-Hartung standard errors.

    Raises ``ValueError`` when the design is rank deficient or leaves no residual degree of
    freedom.
    """
    y, s = _checked(effects, ses)
    x = np.asarray(design, dtype=float)
    k, p = x.shape
    if k != y.size or len(names) != p:
        raise ValueError(f"design is {x.shape}, effects {y.size}, names {len(names)}")
    if np.linalg.matrix_rank(x) < p or k <= p:
        raise ValueError(f"the design ({k} configurations, {p} terms) is not estimable")
    w = 1.0 / s**2
    xtwx_inv = np.linalg.inv(x.T @ (w[:, None] * x))
    projector = np.diag(w) - (w[:, None] * x) @ xtwx_inv @ (x.T * w)
    q_e = float(y @ projector @ y)
    tau2 = max(0.0, (q_e - (k - p)) / float(np.trace(projector)))
    w_star = 1.0 / (s**2 + tau2)
    cov = np.linalg.inv(x.T @ (w_star[:, None] * x))
    coef = cov @ (x.T @ (w_star * y))
    resid = y - x @ coef
    s2 = float(np.sum(w_star * resid**2) / (k - p))
    se = np.sqrt(np.diag(cov) * s2)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(se > 0, coef / se, np.nan)
    df = k - p
    pvals = 2 * stats.t.sf(np.abs(t), df)
    half = stats.t.ppf(0.5 + level / 2, df) * se
    return MetaRegression(
        names=tuple(names),
        coef=coef,
        se=se,
        t=t,
        p=pvals,
        ci_low=coef - half,
        ci_high=coef + half,
        tau2=float(tau2),
        df=int(df),
    )


def q_values(p_values: Sequence[float]) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values) [BH 1995]; NaN entries stay NaN and are
    not counted among the tests.

    >>> q_values([0.01, 0.04, 0.03, float("nan")]).round(3).tolist()
    [0.03, 0.04, 0.04, nan]
    """
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    finite = np.isfinite(p)
    if finite.any():
        out[finite] = stats.false_discovery_control(p[finite], method="bh")
    return out
