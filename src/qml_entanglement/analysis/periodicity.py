r"""Is there a spectral peak at a given period, beyond what red noise makes? (one test per run)

A training curve is a trend plus autocorrelated fluctuations, so a periodogram of it always has
"peaks"; the question is whether the power near the claimed period exceeds what an AR(1)
("red noise") process with the same lag-1 autocorrelation gives (Gilman, Fuglister & Mitchell
1963; Torrence & Compo, Bull. Amer. Meteor. Soc. 79, 61 (1998), Sect. 4). Per run:

1. remove a polynomial trend of degree ``degree`` (least squares in the epoch index);
2. statistic :math:`T = \max_{f \in B} P(f) / \overline{P}`, the largest periodogram ordinate
   in the band :math:`B = [1/p_\text{max}, 1/p_\text{min}]` (cycles per epoch) relative to the
   mean ordinate over all non-zero frequencies (scale-free);
3. null distribution: ``n_sim`` AR(1) series :math:`e_t = \hat\phi e_{t-1} + \varepsilon_t`
   with :math:`\hat\phi` the coefficient whose detrended AR(1) series have, on average, the
   run's lag-1 autocorrelation :math:`r_1` (the short-series and detrending bias of
   :math:`r_1`, about :math:`-(1 + 3\phi)/n` before detrending (Kendall 1954), is inverted by
   simulation), detrended and scored
   the same way (a parametric bootstrap, so the detrending's effect on the spectrum is part of
   the null); :math:`p = (1 + \#\{T^* \ge T\}) / (1 + n_\text{sim})`.

Seeds are independent replicates, so the per-run p-values of a configuration are combined with
Fisher's method (:func:`scipy.stats.combine_pvalues`). A series at rounding level (see
:func:`qml_entanglement.analysis.statistics.degenerate`) gets no p-value.
``tests/study/test_periodicity.py`` checks the level on AR(1) series with trends and the power
on a period-10 oscillation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import signal, stats

from qml_entanglement.analysis.statistics import degenerate


@dataclass(frozen=True)
class PeriodicityResult:
    """Per-run p-values, their Fisher combination and the runs' dominant in-band periods."""

    p_values: np.ndarray
    combined_p: float
    peak_periods: np.ndarray
    phi: np.ndarray


def _detrend(rows: np.ndarray, degree: int) -> np.ndarray:
    t = np.linspace(-1.0, 1.0, rows.shape[-1])
    basis = np.vander(t, degree + 1)
    coef, *_ = np.linalg.lstsq(basis, rows.T, rcond=None)
    return rows - (basis @ coef).T


def _statistic(rows: np.ndarray, band: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    freqs, power = signal.periodogram(rows, detrend=False, axis=-1)
    power, freqs = power[..., 1:], freqs[1:]
    in_band = (freqs >= band[0]) & (freqs <= band[1])
    if not in_band.any():
        raise ValueError(f"no Fourier frequency of {rows.shape[-1]} points lies in band {band}")
    mean = power.mean(axis=-1)
    peak = power[..., in_band].max(axis=-1)
    which = freqs[in_band][power[..., in_band].argmax(axis=-1)]
    with np.errstate(invalid="ignore", divide="ignore"):
        return peak / mean, 1.0 / which


def _lag1(rows: np.ndarray) -> np.ndarray:
    centred = rows - rows.mean(axis=-1, keepdims=True)
    num = np.sum(centred[..., 1:] * centred[..., :-1], axis=-1)
    den = np.sum(centred**2, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return num / den


def _debiased_phi(r1: np.ndarray, n: int, degree: int, rng: np.random.Generator) -> np.ndarray:
    """The AR(1) coefficient whose detrended series of length *n* have mean lag-1
    autocorrelation *r1* (inverting the simulated bias of estimate and detrending)."""
    grid = np.linspace(0.0, 0.98, 50)
    noise = rng.standard_normal((200, n + 50))
    mean_r1 = np.array(
        [
            np.mean(_lag1(_detrend(signal.lfilter([1.0], [1.0, -g], noise)[:, 50:], degree)))
            for g in grid
        ]
    )
    mean_r1 = np.maximum.accumulate(mean_r1)  # monotone for the inversion
    return np.interp(r1, mean_r1, grid, left=0.0, right=grid[-1])


def periodicity_test(
    series: np.ndarray,
    *,
    period: tuple[float, float] = (8.0, 12.0),
    degree: int = 2,
    n_sim: int = 999,
    rng: np.random.Generator,
    scale: float | None = 1.0,
) -> PeriodicityResult:
    """Test each row of *series* ``(k, n)`` for a spectral peak with period in *period* epochs.

    Returns per-row p-values (NaN for degenerate rows), their Fisher combination over the
    finite ones, the in-band period with the most power, and the fitted AR(1) coefficients.
    """
    rows = np.atleast_2d(np.asarray(series, dtype=float))
    k, n = rows.shape
    band = np.array([1.0 / period[1], 1.0 / period[0]])
    usable = np.array([np.all(np.isfinite(r)) and not degenerate(r, scale) for r in rows])
    p = np.full(k, math.nan)
    peaks = np.full(k, math.nan)
    phi = np.full(k, math.nan)
    if usable.any():
        resid = _detrend(rows[usable], degree)
        observed, peaks[usable] = _statistic(resid, band)
        phi[usable] = _debiased_phi(_lag1(resid), n, degree, rng)
        for index, (stat, coef) in zip(
            np.flatnonzero(usable), zip(observed, phi[usable], strict=True), strict=True
        ):
            noise = rng.standard_normal((n_sim, n + 50))
            red = signal.lfilter([1.0], [1.0, -coef], noise, axis=-1)[:, 50:]
            null, _ = _statistic(_detrend(red, degree), band)
            p[index] = (1 + np.sum(null >= stat)) / (1 + n_sim)
    finite = p[np.isfinite(p)]
    combined = (
        float(stats.combine_pvalues(finite, method="fisher").pvalue) if finite.size else math.nan
    )
    return PeriodicityResult(p, combined, peaks, phi)
