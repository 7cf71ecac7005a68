"""The evidence for or against a claimed pattern in one quantity, and the verdict rule.

A :class:`Finding` says whether the claimed pattern is significantly present (``+1``),
significantly contradicted (``-1``) or neither (``0``) in one quantity, and whether that
quantity is degenerate (rounding only), an identity with the loss, or shown equivalent to no
change; :class:`Numbers` are the effect and what the design could detect. Each finder takes
the per-seed history frames, the column, the claimed sign and the settings:

* :func:`change_finding`: per-seed ``final - initial`` with a t interval over seeds, its
  minimum detectable effect, power at the write-up's change, seeds needed and TOST
  (:func:`~qml_entanglement.analysis.power.replicate_evidence`);
* :func:`co_movement_finding`: the per-seed correlation of the two series' *detrended steps*
  (:func:`~qml_entanglement.analysis.power.co_movement`: two independent trends do not pass
  it), pooled over seeds with a Fisher-z interval
  (:func:`~qml_entanglement.analysis.statistics.pool`); an exact monotone relation with the
  loss over all runs is an identity
  (:func:`~qml_entanglement.analysis.redundancy.monotone_function`);
* :func:`rise_fall_finding`: the shape of one deterministic run (exact, no test);
* :func:`periodicity_finding`: a spectral peak in a band against AR(1) red noise,
  Fisher-combined over seeds (:mod:`~qml_entanglement.analysis.periodicity`).

:func:`verdict` turns the finding on the correct measurement and the one on the published
quantity into one of :data:`VERDICTS`, in this order:

* ``identity``: the correct measurement is an exact monotone function of the loss over every
  step of every run: the relation holds by construction, it is not a finding;
* ``supported``: the correct measurement shows the pattern;
* ``artefact``: it does not, but the published quantity does, or is rounding noise whatever it
  shows (the published curve then comes from the code, not from the model);
* ``not_supported``: the correct measurement significantly contradicts the pattern;
* ``equivalent``: neither, and an equivalence test (TOST) puts the change within
  ``+-margin`` (default: the write-up's own plotted change of Q): no effect that large;
* ``inconclusive``: none of these: the data could not tell (the row says what effect they
  could have found and how many seeds the write-up's effect would need).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from qml_entanglement.analysis.intervals import CISettings
from qml_entanglement.analysis.periodicity import periodicity_test
from qml_entanglement.analysis.power import (
    ReplicateEvidence,
    co_movement,
    minimum_detectable_effect,
    replicate_evidence,
)
from qml_entanglement.analysis.redundancy import monotone_function
from qml_entanglement.analysis.statistics import correlate, degenerate, pool
from qml_entanglement.analysis.trends import describe
from qml_entanglement.study.settings import StudySettings

LOSS = "loss"

SUPPORTED, NOT_SUPPORTED, EQUIVALENT, ARTEFACT, IDENTITY, INCONCLUSIVE = (
    "supported",
    "not_supported",
    "equivalent",
    "artefact",
    "identity",
    "inconclusive",
)
VERDICTS = (SUPPORTED, NOT_SUPPORTED, EQUIVALENT, ARTEFACT, IDENTITY, INCONCLUSIVE)


@dataclass(frozen=True)
class Numbers:
    """The effect behind a finding and what the design could detect (claims.csv columns)."""

    effect: float
    ci_low: float
    ci_high: float
    unit: str
    n_seeds: int
    spread: float = math.nan
    mde: float = math.nan
    published_effect: float = math.nan
    power_at_published: float = math.nan
    seeds_needed: float = math.nan
    margin: float = math.nan
    tost_p: float = math.nan

    def row(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Finding:
    """The claimed pattern in one quantity: present (+1), contradicted (-1) or neither (0).

    ``identity``: an exact monotone function of the loss (holds by construction);
    ``equivalent``: the effect is shown to lie within the margin (TOST).
    """

    direction: int
    text: str
    degenerate: bool = False
    identity: bool = False
    equivalent: bool = False
    numbers: Numbers | None = None


def verdict(correct: Finding, published: Finding | None) -> str:
    """The rule of the module docstring."""
    if correct.identity:
        return IDENTITY
    if correct.direction > 0:
        return SUPPORTED
    if published is not None and (published.degenerate or published.direction > 0):
        return ARTEFACT
    if correct.direction < 0:
        return NOT_SUPPORTED
    if correct.equivalent:
        return EQUIVALENT
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


def _seeds(n: float) -> str:
    return "n/a" if not math.isfinite(n) else f"{n:.0f}"


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
    frames: Sequence[pd.DataFrame],
    column: str,
    sign: int,
    settings: StudySettings,
    what: str,
) -> Finding:
    """Per-seed ``final - initial`` of *column*; the pattern is a change of sign *sign*.

    The numbers: mean change with its t interval, MDE at ``settings.power``, power at the
    write-up's change and the seeds it needs, and the TOST against ``+-margin``.
    """
    series = _series(frames, column)
    if (unusable := _unusable(series, what)) is not None:
        return unusable
    changes = np.array([s[-1] - s[0] for s in series])
    margin = settings.equivalence_margin
    evidence = replicate_evidence(
        changes, settings.published_change, margin, settings.level, settings.power
    )
    mean, low, high = evidence.effect, evidence.ci_low, evidence.ci_high
    direction = 0
    if math.isfinite(low) and (low > 0 or high < 0):
        direction = 1 if np.sign(mean) == sign else -1
    moved = sum(np.sign(c) == sign for c in changes)
    tost = evidence.equivalence
    text = (
        f"{what} changes by {_fmt(mean)} ({settings.level:.0%} CI {_fmt(low)} to {_fmt(high)}) "
        f"over {len(changes)} seeds, in the claimed direction in {moved} of {len(changes)}; "
        f"within ±{_fmt(margin)} by TOST: {'yes' if tost.equivalent else 'not shown'} "
        f"(p = {_fmt(tost.p_value)})"
    )
    return Finding(
        direction,
        text,
        equivalent=tost.equivalent,
        numbers=_change_numbers(evidence, margin),
    )


def _change_numbers(evidence: ReplicateEvidence, margin: float) -> Numbers:
    return Numbers(
        effect=evidence.effect,
        ci_low=evidence.ci_low,
        ci_high=evidence.ci_high,
        unit="change of Q",
        n_seeds=evidence.n,
        spread=evidence.spread,
        mde=evidence.mde,
        published_effect=evidence.reference,
        power_at_published=evidence.power_at_reference,
        seeds_needed=evidence.seeds_needed,
        margin=margin,
        tost_p=evidence.equivalence.p_value,
    )


def power_statement(numbers: Numbers | None, settings: StudySettings) -> str:
    """The numbers in words: what effect the seeds could find, and what the write-up's needs."""
    if numbers is None or not math.isfinite(numbers.mde):
        return ""
    text = (
        f"With {numbers.n_seeds} seeds (s.d. {_fmt(numbers.spread)} over seeds) the smallest "
        f"{numbers.unit} found with {settings.power:.0%} power at alpha {settings.alpha:g} is "
        f"±{_fmt(numbers.mde)}"
    )
    if math.isfinite(numbers.published_effect):
        text += (
            f"; the power to find the write-up's own {_fmt(numbers.published_effect)} is "
            f"{numbers.power_at_published:.0%}, and {settings.power:.0%} power would need "
            f"about {_seeds(numbers.seeds_needed)} seeds"
        )
    if math.isfinite(numbers.margin) and math.isfinite(numbers.tost_p):
        text += f"; equivalence within ±{_fmt(numbers.margin)}: TOST p = {_fmt(numbers.tost_p)}"
    return text + "."


def _pairs(frames: Sequence[pd.DataFrame], column: str) -> list[np.ndarray]:
    """Per run the steps where both *column* and the loss are finite, as ``(n, 2)`` arrays."""
    pairs = []
    for frame in frames:
        if column not in frame or LOSS not in frame:
            continue
        both = frame[[column, LOSS]].to_numpy(dtype=float)
        both = both[np.all(np.isfinite(both), axis=1)]
        if len(both):
            pairs.append(both)
    return pairs


def co_movement_finding(
    frames: Sequence[pd.DataFrame],
    column: str,
    sign: int,
    settings: StudySettings,
    what: str,
    against: str = "the loss",
) -> Finding:
    """Whether *column* moves with the loss beyond each series' own trend (sign *sign*).

    An exact monotone relation over every step of every run is an identity. Otherwise each
    seed gets the correlation of the two series' detrended steps with an n_eff p-value
    (:func:`~qml_entanglement.analysis.power.co_movement`), pooled over seeds with a Fisher-z
    interval; one run (a deterministic model) is judged by its own p-value.
    """
    pairs = _pairs(frames, column)
    if (unusable := _unusable([p[:, 0] for p in pairs], what)) is not None:
        return unusable
    stacked = np.vstack(pairs)
    if monotone_function(stacked[:, 1], stacked[:, 0], 1.0):
        r = correlate(stacked[:, 0], stacked[:, 1], "spearman", scale=1.0).r
        direction = 1 if np.sign(r) == sign else -1
        return Finding(
            direction,
            f"{what} is an exact monotone function of {against} over all {len(stacked)} steps "
            f"(Spearman ρ = {_fmt(r)}): an identity by construction, not an independent finding",
            identity=True,
        )
    length = min(len(p) for p in pairs)
    rows = np.stack([p[-length:] for p in pairs])  # the last `length` steps of every run
    result = co_movement(rows[:, :, 0], rows[:, :, 1])
    r, p = result.r, result.p_value
    defined = np.isfinite(r)
    trend_signs = np.array([np.sign(correlate(q[:, 0], q[:, 1], "spearman").r) for q in pairs])
    same_way = int(np.sum(trend_signs == sign))
    trends = f"their trends go the claimed way in {same_way} of {len(pairs)} seeds"
    if not defined.any():
        return Finding(
            0,
            f"{what} and {against} are smooth trends without steps around them ({trends}): "
            "nothing beyond two trends to correlate",
        )
    if len(pairs) == 1:
        significant = math.isfinite(p[0]) and p[0] < settings.alpha
        direction = (1 if np.sign(r[0]) == sign else -1) if significant else 0
        numbers = Numbers(float(r[0]), math.nan, math.nan, "r of detrended steps", 1)
        return Finding(
            direction,
            f"{what} has r = {_fmt(r[0])} with {against} in its detrended steps, p = "
            f"{_fmt(p[0])} (n_eff = {_fmt(result.n_eff[0])} of {result.n} steps)",
            numbers=numbers,
        )
    return _pooled_finding(result, sign, settings, what, against, trends)


def _pooled_finding(
    result, sign: int, settings: StudySettings, what: str, against: str, trends: str
) -> Finding:
    """The seeds' correlations of detrended steps (:class:`~qml_entanglement.analysis.power.
    CoMovement`) pooled with a Fisher-z interval, the MDE of the pooled r, and the sentence."""
    r, p = result.r, result.p_value
    ci = CISettings(level=settings.level)
    pooled = pool(r, result.n, ci, np.random.default_rng(settings.seed))
    direction = 0
    if math.isfinite(pooled.ci_low) and (pooled.ci_low > 0 or pooled.ci_high < 0):
        direction = 1 if np.sign(pooled.mean) == sign else -1
    tested = np.isfinite(p)
    n_sig = int(np.sum(tested & (p < settings.alpha)))
    n_eff = result.n_eff[tested] if tested.any() else np.array([math.nan])
    spread = pooled.spread  # s.d. of Fisher z over seeds
    mde_z = minimum_detectable_effect(spread, pooled.n, settings.power, settings.alpha)
    numbers = Numbers(
        effect=pooled.mean,
        ci_low=pooled.ci_low,
        ci_high=pooled.ci_high,
        unit="mean r of detrended steps",
        n_seeds=pooled.n,
        spread=spread,
        mde=float(np.tanh(mde_z)) if math.isfinite(mde_z) else math.nan,
    )
    text = (
        f"{what} has a mean correlation with {against} in the steps around both trends of "
        f"{_fmt(pooled.mean)} ({settings.level:.0%} CI {_fmt(pooled.ci_low)} to "
        f"{_fmt(pooled.ci_high)}) over {pooled.n} seeds; {n_sig} of {int(tested.sum())} tested "
        f"runs significant at {settings.alpha:g} (n_eff {_fmt(float(np.min(n_eff)))}-"
        f"{_fmt(float(np.max(n_eff)))}, smallest p {_fmt(float(np.nanmin(p)))}); "
        f"{trends}"
    )
    return Finding(direction, text, numbers=numbers)


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
