"""Verdicts on the write-up's claims, computed from runs with the comparison stage's statistics.

Each claim is tested twice: on the quantity the write-up plotted ("as published", logged as
``published_*`` by ``metrics.as_published=true``) and on the correct measurement (mean
single-qubit entropy in bits and Meyer-Wallach Q over every training state at the actual
parameters). A :class:`Finding` says whether the claimed pattern is significantly present
(``+1``), significantly contradicted (``-1``) or neither (``0``), and whether the quantity is
degenerate (rounding only). The verdict, in this order:

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

Statistics (all from :mod:`qml_entanglement.compare`): seeds are the replicates. A change over
training is the per-seed ``final - initial`` with a t interval over seeds, its minimum
detectable effect, power at the write-up's change, seeds needed and TOST
(:func:`~qml_entanglement.analysis.power.replicate_evidence`); a co-movement with the loss is
the per-seed correlation of the two series' *detrended steps*
(:func:`~qml_entanglement.analysis.power.co_movement`: two independent trends do not pass it),
pooled over seeds with a Fisher-z interval (:func:`~qml_entanglement.analysis.statistics.pool`);
an exact monotone relation with the loss over all runs is an identity
(:func:`~qml_entanglement.analysis.redundancy.monotone_function`); periodicity uses
:mod:`~qml_entanglement.analysis.periodicity`. The Bell toy has no randomness: its one run is
the whole answer, so its findings are exact, not statistical.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

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
from qml_entanglement.analysis.intervals import CISettings

SUPPORTED, NOT_SUPPORTED, EQUIVALENT, ARTEFACT, IDENTITY, INCONCLUSIVE = (
    "supported",
    "not_supported",
    "equivalent",
    "artefact",
    "identity",
    "inconclusive",
)
VERDICTS = (SUPPORTED, NOT_SUPPORTED, EQUIVALENT, ARTEFACT, IDENTITY, INCONCLUSIVE)

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
EVALUATION_LOSS = "evaluation_loss"  # loss of function evaluation t - 1, at row t (stage.py)
PUBLISHED_PAIRS = 48  # the write-up plotted Q at t = 1..48 against its first 48 evaluations
# claims.csv: the verdict, the sentence, then the numbers behind them (NaN where they do not
# apply: the toy is deterministic, periodicity is a spectral test)
COLUMNS = (
    "claim",
    "verdict",
    "evidence",
    "power_statement",
    "effect",
    "ci_low",
    "ci_high",
    "unit",
    "n_seeds",
    "spread",
    "mde",
    "published_effect",
    "power_at_published",
    "seeds_needed",
    "margin",
    "tost_p",
)


# what the tests without replicate numbers could detect (deterministic or spectral)
FIXED_POWER = {
    "toy_vn_rise_fall": "The toy is deterministic: its one run is exact, with no sampling error.",
    "toy_vn_vs_loss": "The toy is deterministic: its one run is exact, with no sampling error.",
    "vqc_vn_period_10": (
        "The spectral test finds a period-10 oscillation of 1.5 noise s.d. in more than 80% "
        "of single runs at alpha 0.05 (tests/study/test_periodicity.py); smaller ones can go "
        "unseen in one seed, and Fisher's method combines the seeds."
    ),
}


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


@dataclass(frozen=True)
class Claim:
    claim: str
    verdict: str
    evidence: str
    numbers: Numbers | None = None


@dataclass(frozen=True)
class StudySettings:
    """Levels, the write-up's own effect and the margin, the periodicity band; ``seed`` drives
    the bootstrap and the null series.

    ``published_change``: the write-up's plotted change of its Q (t = 1 -> 48; see
    conf/study.yaml); ``margin``: the equivalence margin for changes of Q (None: its size).
    """

    level: float = 0.95
    period: tuple[float, float] = (8.0, 12.0)
    n_sim: int = 999
    seed: int = 0
    published_change: float = -0.0027
    margin: float | None = None
    power: float = 0.8

    @property
    def alpha(self) -> float:
        return 1.0 - self.level

    @property
    def equivalence_margin(self) -> float:
        return abs(self.published_change) if self.margin is None else self.margin


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


def published_pairing(frames: Sequence[pd.DataFrame]) -> list[pd.DataFrame]:
    """The write-up's pairing: its Q at t = 1..48 against the loss of evaluations 1..48.

    *frames* carry ``published_meyer_wallach`` (Q at m_t, row t) and ``evaluation_loss``
    (the loss of function evaluation t - 1, row t; added by the study stage).
    """
    out = []
    for frame in frames:
        if PUBLISHED_MW in frame and EVALUATION_LOSS in frame:
            part = frame.loc[:, [PUBLISHED_MW, EVALUATION_LOSS]].iloc[1 : PUBLISHED_PAIRS + 1]
            out.append(part.rename(columns={EVALUATION_LOSS: LOSS}))
    return out


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
    """``claims.csv`` rows (:data:`COLUMNS`) from the faithful runs.

    *runs* maps ``"toy"``, ``"adhoc"`` and ``"blobs"`` to the per-seed history frames of the
    faithful experiments (``epoch``, ``loss``, the correct metrics, the ``published_*`` ones
    and, for the ad hoc runs, ``evaluation_loss``). A claim whose runs are missing is
    ``inconclusive`` with the reason.
    """
    settings = settings or StudySettings()
    toy, adhoc, blobs = (runs.get(k, ()) for k in ("toy", "adhoc", "blobs"))
    vn_ok, vn_pub = "single-qubit entropy (bits)", "whole-state entropy"
    mw_ok, mw_pub = "Meyer-Wallach Q over the training states", "Q at x=[0.5, 0.9] and m_t"

    def decreases(frames):
        return lambda: (
            change_finding(frames, MW, -1, settings, mw_ok),
            change_finding(frames, PUBLISHED_MW, -1, settings, mw_pub),
        )

    def mw_vs_loss():
        pairing = published_pairing(adhoc)
        published = (
            co_movement_finding(
                pairing,
                PUBLISHED_MW,
                1,
                settings,
                f"{mw_pub} (t = 1..{PUBLISHED_PAIRS})",
                against="the loss of evaluations 1..48 (the write-up's pairing)",
            )
            if pairing
            else co_movement_finding(adhoc, PUBLISHED_MW, 1, settings, mw_pub)
        )
        return co_movement_finding(adhoc, MW, 1, settings, mw_ok), published

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
        "vqc_mw_vs_loss": (adhoc, mw_vs_loss),
    }
    rows = []
    for claim, (frames, run_test) in tests.items():
        if not frames:
            rows.append(
                {
                    "claim": claim,
                    "verdict": INCONCLUSIVE,
                    "evidence": "No finished run of this experiment.",
                }
            )
            continue
        correct, published = run_test()
        numbers = correct.numbers
        rows.append(
            {
                "claim": claim,
                "verdict": verdict(correct, published),
                "evidence": _evidence(correct, published),
                "power_statement": power_statement(numbers, settings) or FIXED_POWER.get(claim, ""),
                **(numbers.row() if numbers is not None else {}),
            }
        )
    return pd.DataFrame(rows, columns=list(COLUMNS))
