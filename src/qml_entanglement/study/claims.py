"""Verdicts on the write-up's claims, computed from runs with the comparison stage's statistics.

Each claim is tested twice: on the quantity the write-up plotted ("as published", logged as
``published_*`` by ``metrics.as_published=true``) and on the correct measurement (mean
single-qubit entropy in bits and Meyer-Wallach Q over every training state at the actual
parameters). A :class:`Finding` says whether the claimed pattern is significantly present
(``+1``), significantly contradicted (``-1``) or neither (``0``), and whether the quantity is
degenerate (rounding only). The verdict, in this order:

* ``supported``: the correct measurement shows the pattern;
* ``artefact``: it does not, but the published quantity does, or is rounding noise whatever it
  shows (the published curve then comes from the code, not from the model);
* ``not_supported``: the correct measurement significantly contradicts the pattern;
* ``inconclusive``: none of these.

Statistics (all from :mod:`qml_entanglement.compare`): seeds are the replicates. A change over
training is the per-seed ``final - initial`` with a t interval over seeds
(:func:`~qml_entanglement.compare.summary.mean_interval`); a co-movement with the loss is the
per-seed Spearman correlation (p-value valid under autocorrelation, via the effective sample
size) pooled over seeds with a Fisher-z interval
(:func:`~qml_entanglement.compare.statistics.pool`); an exact monotone relation with the loss
is an identity, reported as such
(:func:`~qml_entanglement.compare.redundancy.monotone_function`); periodicity uses
:mod:`~qml_entanglement.study.periodicity`. The Bell toy has no randomness: its one run is
the whole answer, so its findings are exact, not statistical.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from qml_entanglement.compare.redundancy import monotone_function
from qml_entanglement.compare.settings import CISettings
from qml_entanglement.compare.statistics import correlate, degenerate, pool
from qml_entanglement.compare.summary import mean_interval
from qml_entanglement.compare.trends import describe
from qml_entanglement.study.periodicity import periodicity_test

SUPPORTED, NOT_SUPPORTED, ARTEFACT, INCONCLUSIVE = (
    "supported",
    "not_supported",
    "artefact",
    "inconclusive",
)
VERDICTS = (SUPPORTED, NOT_SUPPORTED, ARTEFACT, INCONCLUSIVE)

CLAIMS = {
    "toy_vn_rise_fall": "Bell toy: the von Neumann entropy rises, peaks, then falls",
    "toy_vn_vs_loss": "Bell toy: the von Neumann entropy rises as the loss falls",
    "vqc_mw_decreases_adhoc": "VQC, ad hoc data: Meyer-Wallach decreases as the model trains",
    "vqc_mw_decreases_blobs": "VQC, blobs: Meyer-Wallach decreases as the model trains",
    "vqc_vn_period_10": "VQC, ad hoc data: the von Neumann entropy peaks about every 10 epochs",
    "vqc_mw_vs_loss": "VQC, ad hoc data: Meyer-Wallach falls as the cost falls",
}

PUBLISHED_VN = "published_von_neumann_entropy"
PUBLISHED_MW = "published_meyer_wallach"
VN, MW, LOSS = "von_neumann_entropy", "meyer_wallach", "loss"


@dataclass(frozen=True)
class Finding:
    """The claimed pattern in one quantity: present (+1), contradicted (-1) or neither (0)."""

    direction: int
    text: str
    degenerate: bool = False


@dataclass(frozen=True)
class Claim:
    claim: str
    verdict: str
    evidence: str


@dataclass(frozen=True)
class StudySettings:
    """Levels and the periodicity band; ``seed`` drives the bootstrap and the null series."""

    level: float = 0.95
    period: tuple[float, float] = (8.0, 12.0)
    n_sim: int = 999
    seed: int = 0

    @property
    def alpha(self) -> float:
        return 1.0 - self.level


def verdict(correct: Finding, published: Finding | None) -> str:
    """The rule of the module docstring."""
    if correct.direction > 0:
        return SUPPORTED
    if published is not None and (published.degenerate or published.direction > 0):
        return ARTEFACT
    if correct.direction < 0:
        return NOT_SUPPORTED
    return INCONCLUSIVE


def _series(frames: Sequence[pd.DataFrame], column: str) -> list[np.ndarray]:
    """The finite values of *column* in each run (the published ones start at step 1)."""
    out = []
    for frame in frames:
        if column in frame:
            values = frame[column].to_numpy(dtype=float)
            out.append(values[np.isfinite(values)])
    return [v for v in out if v.size]


def _fmt(x: float, digits: int = 3) -> str:
    if not math.isfinite(x):
        return "n/a"
    return f"{x:.{digits}g}" if abs(x) >= 1e-3 or x == 0 else f"{x:.1e}"


def _unusable(series: Sequence[np.ndarray], what: str) -> Finding | None:
    """The finding when *series* cannot show a pattern: not logged, or rounding noise in
    every run (range at rounding level of the metric's scale, 1); else None."""
    if not series:
        return Finding(0, f"{what} is not logged")
    if all(degenerate(s, 1.0) for s in series):
        span = max(float(np.ptp(s)) for s in series)
        text = f"{what} is rounding noise (its largest range in a run: {_fmt(span)})"
        return Finding(0, text, degenerate=True)
    return None


def change_finding(
    frames: Sequence[pd.DataFrame], column: str, sign: int, level: float, what: str
) -> Finding:
    """Per-seed ``final - initial`` of *column*; the pattern is a change of sign *sign*."""
    series = _series(frames, column)
    if (unusable := _unusable(series, what)) is not None:
        return unusable
    changes = np.array([s[-1] - s[0] for s in series])
    mean, low, high = mean_interval(changes, level)
    direction = 0
    if math.isfinite(low) and (low > 0 or high < 0):
        direction = 1 if np.sign(mean) == sign else -1
    moved = sum(np.sign(c) == sign for c in changes)
    text = (
        f"{what} changes by {_fmt(mean)} ({level:.0%} CI {_fmt(low)} to {_fmt(high)}) over "
        f"{len(changes)} seeds, in the claimed direction in {moved} of {len(changes)}"
    )
    return Finding(direction, text)


def co_movement_finding(
    frames: Sequence[pd.DataFrame],
    column: str,
    sign: int,
    settings: StudySettings,
    what: str,
) -> Finding:
    """Spearman correlation of *column* with the loss per seed, pooled over seeds.

    The pattern is a correlation of sign *sign*. One run (a deterministic model) gives its own
    coefficient with its n_eff p-value; an exact monotone relation is an identity.
    """
    pairs = []
    for frame in frames:
        if column not in frame or LOSS not in frame:
            continue
        both = frame[[column, LOSS]].to_numpy(dtype=float)
        both = both[np.all(np.isfinite(both), axis=1)]
        if len(both):
            pairs.append(both)
    if (unusable := _unusable([p[:, 0] for p in pairs], what)) is not None:
        return unusable
    stacked = np.vstack(pairs)
    if monotone_function(stacked[:, 1], stacked[:, 0], 1.0):
        r = correlate(stacked[:, 0], stacked[:, 1], "spearman", scale=1.0).r
        direction = 1 if np.sign(r) == sign else -1
        return Finding(
            direction,
            f"{what} is an exact monotone function of the loss over all {len(stacked)} steps "
            f"(Spearman ρ = {_fmt(r)}): an identity by construction, not an independent finding",
        )
    results = [correlate(p[:, 0], p[:, 1], "spearman", scale=1.0) for p in pairs]
    r = np.array([c.r for c in results])
    if len(pairs) > 1 and all(monotone_function(p[:, 1], p[:, 0], 1.0) for p in pairs):
        # within each seed both series are monotone: rho = +-1 only says which way each moved,
        # so the seeds are judged by a sign test (independent seeds, no association: p = 1/2)
        k, n = int(np.sum(np.sign(r) == sign)), len(r)
        p_sign = float(stats.binomtest(k, n, 0.5).pvalue)
        direction = 0 if p_sign >= settings.alpha else (1 if 2 * k > n else -1)
        return Finding(
            direction,
            f"{what} is an exact monotone function of the loss within each of the {n} seeds "
            f"(ρ = ±1: both move monotonically), of the claimed sign in {k} of {n} "
            f"(sign test p = {_fmt(p_sign)})",
        )
    if len(pairs) == 1:
        c = results[0]
        significant = math.isfinite(c.p_value) and c.p_value < settings.alpha
        direction = (1 if np.sign(c.r) == sign else -1) if significant else 0
        return Finding(
            direction,
            f"{what} has Spearman ρ = {_fmt(c.r)} with the loss, p = {_fmt(c.p_value)} "
            f"(n_eff = {_fmt(c.n_eff)} of {c.n} steps)",
        )
    ci = CISettings(level=settings.level)
    min_points = min(len(p) for p in pairs)
    pooled = pool(r, min_points, ci, np.random.default_rng(settings.seed))
    direction = 0
    if math.isfinite(pooled.ci_low) and (pooled.ci_low > 0 or pooled.ci_high < 0):
        direction = 1 if np.sign(pooled.mean) == sign else -1
    n_sig = sum(math.isfinite(c.p_value) and c.p_value < settings.alpha for c in results)
    n_claimed = int(np.sum(np.sign(r) == sign))
    text = (
        f"{what} has a mean Spearman ρ with the loss of {_fmt(pooled.mean)} "
        f"({settings.level:.0%} CI {_fmt(pooled.ci_low)} to {_fmt(pooled.ci_high)}) "
        f"over {pooled.n} seeds, of the claimed sign in {n_claimed} of {len(results)}; "
        f"{n_sig} of {len(results)} runs significant at {settings.alpha:g} with n_eff p-values"
    )
    return Finding(direction, text)


def rise_fall_finding(frames: Sequence[pd.DataFrame], column: str, what: str) -> Finding:
    """Whether *column* rises, peaks and falls (a deterministic run: exact, no test)."""
    series = _series(frames, column)
    if (unusable := _unusable(series, what)) is not None:
        return unusable
    values = series[0]
    trend = describe(np.arange(len(values)), values, tolerance=0.1)
    if trend.rises_then_falls:
        return Finding(
            1,
            f"{what} rises to {_fmt(trend.max_value)} at step {trend.epoch_of_max}, then falls "
            f"to {_fmt(trend.end)}",
        )
    monotone = bool(np.all(np.diff(values) >= -1e-12) or np.all(np.diff(values) <= 1e-12))
    shape = "monotonically" if monotone else "overall"
    return Finding(
        -1,
        f"{what} goes {shape} from {_fmt(trend.start)} to {_fmt(trend.end)} (maximum "
        f"{_fmt(trend.max_value)} at step {trend.epoch_of_max} of {len(values) - 1}): no fall",
    )


def periodicity_finding(
    frames: Sequence[pd.DataFrame], column: str, settings: StudySettings, what: str
) -> Finding:
    """A spectral peak at the claimed period, per seed against red noise, Fisher-combined."""
    series = _series(frames, column)
    if (unusable := _unusable(series, what)) is not None:
        return unusable
    length = min(len(s) for s in series)
    rows = np.vstack([s[:length] for s in series])
    result = periodicity_test(
        rows,
        period=settings.period,
        n_sim=settings.n_sim,
        rng=np.random.default_rng(settings.seed),
    )
    n_sig = int(np.sum(result.p_values < settings.alpha))
    direction = 1 if result.combined_p < settings.alpha else 0
    low, high = settings.period
    return Finding(
        direction,
        f"{what} has a spectral peak at periods of {low:g}-{high:g} epochs above red noise "
        f"in {n_sig} of {len(rows)} seeds at {settings.alpha:g} (Fisher-combined p = "
        f"{_fmt(result.combined_p)})",
    )


def _evidence(correct: Finding, published: Finding | None) -> str:
    """One sentence: the correct measurement, then the published quantity."""
    text = f"Measured correctly, the {correct.text}"
    if published is not None:
        text += f"; as published, the {published.text}"
    return text + "."


Runs = Mapping[str, Sequence[pd.DataFrame]]


def evaluate_claims(runs: Runs, settings: StudySettings | None = None) -> pd.DataFrame:
    """``claims.csv`` rows (``claim, verdict, evidence``) from the faithful runs.

    *runs* maps ``"toy"``, ``"adhoc"`` and ``"blobs"`` to the per-seed history frames of the
    faithful experiments (``epoch``, ``loss``, the correct metrics and the ``published_*``
    ones). A claim whose runs are missing is ``inconclusive`` with the reason.
    """
    settings = settings or StudySettings()
    level = settings.level
    toy, adhoc, blobs = (runs.get(k, ()) for k in ("toy", "adhoc", "blobs"))
    vn_ok, vn_pub = "single-qubit entropy (bits)", "whole-state entropy"
    mw_ok, mw_pub = "Meyer-Wallach Q over the training states", "Q at x=[0.5, 0.9] and m_t"

    def decreases(frames):
        return lambda: (
            change_finding(frames, MW, -1, level, mw_ok),
            change_finding(frames, PUBLISHED_MW, -1, level, mw_pub),
        )

    tests: dict[str, tuple[Sequence[pd.DataFrame], Callable[[], tuple]]] = {
        "toy_vn_rise_fall": (
            toy,
            lambda: (
                rise_fall_finding(toy, VN, vn_ok),
                rise_fall_finding(toy, PUBLISHED_VN, vn_pub),
            ),
        ),
        "toy_vn_vs_loss": (
            toy,
            lambda: (
                co_movement_finding(toy, VN, -1, settings, vn_ok),
                co_movement_finding(toy, PUBLISHED_VN, -1, settings, vn_pub),
            ),
        ),
        "vqc_mw_decreases_adhoc": (adhoc, decreases(adhoc)),
        "vqc_mw_decreases_blobs": (blobs, decreases(blobs)),
        "vqc_vn_period_10": (
            adhoc,
            lambda: (
                periodicity_finding(adhoc, VN, settings, vn_ok),
                periodicity_finding(adhoc, PUBLISHED_VN, settings, vn_pub),
            ),
        ),
        "vqc_mw_vs_loss": (
            adhoc,
            lambda: (
                co_movement_finding(adhoc, MW, 1, settings, mw_ok),
                co_movement_finding(adhoc, PUBLISHED_MW, 1, settings, mw_pub),
            ),
        ),
    }
    rows = []
    for claim, (frames, run_test) in tests.items():
        if not frames:
            rows.append(Claim(claim, INCONCLUSIVE, "No finished run of this experiment."))
            continue
        correct, published = run_test()
        rows.append(Claim(claim, verdict(correct, published), _evidence(correct, published)))
    return pd.DataFrame([r.__dict__ for r in rows], columns=["claim", "verdict", "evidence"])
