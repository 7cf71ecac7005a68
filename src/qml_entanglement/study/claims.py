"""The write-up's claims as data: claim -> runs -> the function that finds the evidence ->
the verdict rule.

Each :class:`Claim` names the faithful experiment whose runs test it (``toy``, ``adhoc``,
``blobs``: ``faithful.*`` in ``conf/study.yaml``), the pair of quantities it is tested on --
the quantity the write-up plotted ("as published", logged as ``published_*`` by
``metrics.as_published=true``) and the correct measurement (mean single-qubit entropy in bits,
Meyer-Wallach Q over every training state at the actual parameters) -- the finder that looks
for the claimed pattern in one quantity (:mod:`~qml_entanglement.study.evidence`) and the rule
that turns the two findings into a verdict (:func:`~qml_entanglement.study.evidence.verdict`).
Seeds are the replicates; the Bell toy has no randomness, so its one run is the whole answer
and its findings are exact, not statistical. A new claim is one entry of :data:`CLAIMS`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from qml_entanglement.study.evidence import (
    ARTEFACT,
    EQUIVALENT,
    IDENTITY,
    INCONCLUSIVE,
    LOSS,
    NOT_SUPPORTED,
    SUPPORTED,
    VERDICTS,
    Finding,
    change_finding,
    co_movement_finding,
    periodicity_finding,
    power_statement,
    rise_fall_finding,
    verdict,
)
from qml_entanglement.study.settings import StudySettings

__all__ = [
    "ARTEFACT",
    "CLAIMS",
    "COLUMNS",
    "EQUIVALENT",
    "EVALUATION_LOSS",
    "IDENTITY",
    "INCONCLUSIVE",
    "NOT_SUPPORTED",
    "PUBLISHED_PAIRS",
    "SUPPORTED",
    "VERDICTS",
    "Claim",
    "Finding",
    "Quantity",
    "StudySettings",
    "evaluate_claims",
    "published_pairing",
    "verdict",
]

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


@dataclass(frozen=True)
class Quantity:
    """A logged quantity: its column and the words the evidence names it with."""

    column: str
    what: str


@dataclass(frozen=True)
class Measured:
    """What a claim is about, measured twice: as the write-up's code did and correctly.

    ``name`` and ``symbol`` word the figures; ``published_axis`` labels the write-up's
    quantity and ``explained`` says what its curve is; ``margin_applies``: the equivalence
    margin (a change of Q) is drawn for it.
    """

    correct: Quantity
    published: Quantity
    name: str
    symbol: str
    published_axis: str
    explained: str
    margin_applies: bool


MEYER_WALLACH = Measured(
    Quantity("meyer_wallach", "Meyer-Wallach Q over the training states"),
    Quantity("published_meyer_wallach", "Q at x=[0.5, 0.9] and m_t"),
    "Meyer-Wallach Q",
    "Q",
    "Q at x=[0.5, 0.9], params = m_t",
    "Left: the write-up's curve, Q of one input point outside the data set, evaluated with "
    "ADAM's first moment m_t as parameters (its shape follows m_t, which starts at 0 and "
    "saturates). Right: Q over every training state at the actual parameters.",
    True,
)
VON_NEUMANN = Measured(
    Quantity("von_neumann_entropy", "single-qubit entropy (bits)"),
    Quantity("published_von_neumann_entropy", "whole-state entropy"),
    "von Neumann entropy",
    "the entropy",
    "entropy of the whole pure state (bits)",
    "Left: the write-up's entropy of the whole pure state: rounding noise around 1e-15 bits, "
    "whose wiggles are its 'peaks'. Right: the mean single-qubit entropy.",
    False,
)
MEASURED = {m.correct.column: m for m in (MEYER_WALLACH, VON_NEUMANN)}

Frames = Sequence[pd.DataFrame]
Finder = Callable[[Frames, Quantity, StudySettings], Finding]
DETERMINISTIC = "The toy is deterministic: its one run is exact, with no sampling error."


def rises_then_falls(frames: Frames, quantity: Quantity, settings: StudySettings) -> Finding:
    """The quantity rises, peaks, then falls (one deterministic run)."""
    return rise_fall_finding(frames, quantity.column, quantity.what)


def changes(sign: int) -> Finder:
    """The quantity's change over training has sign *sign* (over seeds)."""
    return lambda frames, q, s: change_finding(frames, q.column, sign, s, q.what)


def moves_with_loss(sign: int) -> Finder:
    """The quantity moves with the loss (sign *sign*) beyond both series' trends."""
    return lambda frames, q, s: co_movement_finding(frames, q.column, sign, s, q.what)


def periodic(frames: Frames, quantity: Quantity, settings: StudySettings) -> Finding:
    """A spectral peak in ``settings.period`` above red noise."""
    return periodicity_finding(frames, quantity.column, settings, quantity.what)


def published_pairing(frames: Frames) -> list[pd.DataFrame]:
    """The write-up's pairing: its Q at t = 1..48 against the loss of evaluations 1..48.

    *frames* carry ``published_meyer_wallach`` (Q at m_t, row t) and ``evaluation_loss``
    (the loss of function evaluation t - 1, row t; added by the study stage).
    """
    out = []
    column = MEYER_WALLACH.published.column
    for frame in frames:
        if column in frame and EVALUATION_LOSS in frame:
            part = frame.loc[:, [column, EVALUATION_LOSS]].iloc[1 : PUBLISHED_PAIRS + 1]
            out.append(part.rename(columns={EVALUATION_LOSS: LOSS}))
    return out


def moves_with_loss_as_paired(
    frames: Frames, quantity: Quantity, settings: StudySettings
) -> Finding:
    """The published Q against the loss the write-up plotted it with (its pairing), when the
    runs carry their evaluation losses; else against the loss of each step."""
    pairing = published_pairing(frames)
    if not pairing:
        return co_movement_finding(frames, quantity.column, 1, settings, quantity.what)
    return co_movement_finding(
        pairing,
        quantity.column,
        1,
        settings,
        f"{quantity.what} (t = 1..{PUBLISHED_PAIRS})",
        against="the loss of evaluations 1..48 (the write-up's pairing)",
    )


@dataclass(frozen=True)
class Claim:
    """One claim: what the write-up says, the runs that test it, the quantities, the finder
    (``find_published`` for the published quantity when it differs), what a test without
    replicate numbers could detect, and the verdict rule."""

    text: str
    runs: str
    measured: Measured
    find: Finder
    find_published: Finder | None = None
    fixed_power: str = ""
    rule: Callable[[Finding, Finding | None], str] = verdict

    def findings(self, frames: Frames, settings: StudySettings) -> tuple[Finding, Finding]:
        """The finding on the correct measurement and on the published quantity."""
        correct = self.find(frames, self.measured.correct, settings)
        published = (self.find_published or self.find)(frames, self.measured.published, settings)
        return correct, published


CLAIMS: dict[str, Claim] = {
    "toy_vn_rise_fall": Claim(
        "Bell toy: the von Neumann entropy rises, peaks, then falls",
        "toy",
        VON_NEUMANN,
        rises_then_falls,
        fixed_power=DETERMINISTIC,
    ),
    "toy_vn_vs_loss": Claim(
        "Bell toy: the von Neumann entropy rises as the loss falls",
        "toy",
        VON_NEUMANN,
        moves_with_loss(-1),
        fixed_power=DETERMINISTIC,
    ),
    "vqc_mw_decreases_adhoc": Claim(
        "VQC, ad hoc data: Meyer-Wallach decreases as the model trains",
        "adhoc",
        MEYER_WALLACH,
        changes(-1),
    ),
    "vqc_mw_decreases_blobs": Claim(
        "VQC, blobs: Meyer-Wallach decreases as the model trains",
        "blobs",
        MEYER_WALLACH,
        changes(-1),
    ),
    "vqc_vn_period_10": Claim(
        "VQC, ad hoc data: the von Neumann entropy peaks about every 10 epochs",
        "adhoc",
        VON_NEUMANN,
        periodic,
        fixed_power=(
            "The spectral test finds a period-10 oscillation of 1.5 noise s.d. in more than "
            "80% of single runs at alpha 0.05 (tests/study/test_periodicity.py); smaller ones "
            "can go unseen in one seed, and Fisher's method combines the seeds."
        ),
    ),
    "vqc_mw_vs_loss": Claim(
        "VQC, ad hoc data: Meyer-Wallach falls as the cost falls",
        "adhoc",
        MEYER_WALLACH,
        moves_with_loss(1),
        find_published=moves_with_loss_as_paired,
    ),
}


def _evidence(correct: Finding, published: Finding | None) -> str:
    """One sentence: the correct measurement, then the published quantity."""
    text = f"Measured correctly, the {correct.text}"
    if published is not None:
        text += f"; as published, the {published.text}"
    return text + "."


def claim_row(key: str, frames: Frames, settings: StudySettings) -> dict[str, object]:
    """The ``claims.csv`` row of claim *key* on *frames* (its runs)."""
    claim = CLAIMS[key]
    if not frames:
        return {
            "claim": key,
            "verdict": INCONCLUSIVE,
            "evidence": "No finished run of this experiment.",
        }
    correct, published = claim.findings(frames, settings)
    numbers = correct.numbers
    return {
        "claim": key,
        "verdict": claim.rule(correct, published),
        "evidence": _evidence(correct, published),
        "power_statement": power_statement(numbers, settings) or claim.fixed_power,
        **(numbers.row() if numbers is not None else {}),
    }


def evaluate_claims(
    runs: Mapping[str, Frames], settings: StudySettings | None = None
) -> pd.DataFrame:
    """``claims.csv`` rows (:data:`COLUMNS`) from the faithful runs.

    *runs* maps ``"toy"``, ``"adhoc"`` and ``"blobs"`` to the per-seed history frames of the
    faithful experiments (``epoch``, ``loss``, the correct metrics, the ``published_*`` ones
    and, for the ad hoc runs, ``evaluation_loss``). A claim whose runs are missing is
    ``inconclusive`` with the reason.
    """
    settings = settings or StudySettings()
    rows = [claim_row(key, runs.get(claim.runs, ()), settings) for key, claim in CLAIMS.items()]
    return pd.DataFrame(rows, columns=list(COLUMNS))
