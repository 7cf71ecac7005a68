"""The study's variants: its runs by configured name, one per seed, and their table.

A variant is the runs of one study experiment (``study-vqc-ad_hoc``, its controls...): the
runs with that ``run_name`` param, grouped by :func:`~qml_entanglement.analysis.grouping.
build_groups`, of which :func:`~qml_entanglement.analysis.grouping.latest_per_seed` keeps the
newest configuration and one run per seed. ``variants.csv`` has a row per variant.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from qml_entanglement.analysis.grouping import build_groups, latest_per_seed
from qml_entanglement.analysis.histories import RunHistory
from qml_entanglement.analysis.power import replicate_evidence
from qml_entanglement.analysis.statistics import mean_interval
from qml_entanglement.analysis.trends import change_from_start, final_value
from qml_entanglement.study.claims import EVALUATION_LOSS, MEYER_WALLACH, VON_NEUMANN
from qml_entanglement.study.settings import StudySettings

NAME_KEY = "params.run_name"  # the configured name (the displayed one adds the overrides)


@dataclass
class Variant:
    """The runs of one study experiment, one per seed, sorted by seed."""

    name: str
    histories: list[RunHistory]

    @property
    def frames(self) -> list[pd.DataFrame]:
        """The runs' history frames, in seed order."""
        return [h.frame for h in self.histories]

    @property
    def seeds(self) -> list[str]:
        """The runs' seeds, in order."""
        return [h.run.seed for h in self.histories]


def variants_of(histories: Sequence[RunHistory]) -> dict[str, Variant]:
    """The variants by configured name, each its newest configuration, one run per seed."""
    grouping = build_groups(histories, [NAME_KEY])
    variants = {}
    for group in grouping.groups:
        name = group.values[NAME_KEY]
        variants[name] = Variant(name, latest_per_seed(group.histories))
    return dict(sorted(variants.items()))


def restrict_seeds(
    variants: Mapping[str, Variant], seeds: tuple[int, int] | None, keep: str
) -> dict[str, Variant]:
    """Only the runs whose seed is in ``[start, stop)`` (variant *keep*, the toy, untouched);
    variants left without runs are dropped."""
    if seeds is None:
        return dict(variants)
    start, stop = seeds
    out = {}
    for name, variant in variants.items():
        members = variant.histories
        if name != keep:
            members = [h for h in members if _in_range(h.run.seed, start, stop)]
        if members:
            out[name] = Variant(name, members)
    return out


def _in_range(seed: str, start: int, stop: int) -> bool:
    try:
        return start <= int(seed) < stop
    except ValueError:
        return False


def split_halves(variant: Variant) -> tuple[Variant, Variant]:
    """The first and second half of a variant's runs in seed order (disjoint seed sets)."""
    half = len(variant.histories) // 2
    return (
        Variant(variant.name, variant.histories[:half]),
        Variant(variant.name, variant.histories[half:]),
    )


def _mean(values) -> float:
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    return float(values.mean()) if values.size else math.nan


def _change_columns(frames: Sequence[pd.DataFrame], column: str, level: float) -> dict:
    """The start of *column* and its mean change over training with a t interval."""
    mean, low, high = mean_interval([change_from_start(f, column) for f in frames], level)
    return {
        f"{column}_start": _mean([f[column].iloc[0] for f in frames if column in f]),
        f"{column}_change": mean,
        f"{column}_change_ci_low": low,
        f"{column}_change_ci_high": high,
    }


def variant_row(variant: Variant, settings: StudySettings) -> dict[str, object]:
    """Runs, final loss and accuracy, entanglement and its change; for Q (and the published
    Q, where logged) also the MDE, the power at the write-up's change, the seeds it needs,
    and the TOST against the margin; the feature map's Q and the class separation."""
    frames = variant.frames
    mw = MEYER_WALLACH.correct.column
    row: dict[str, object] = {
        "variant": variant.name,
        "runs": len(frames),
        "seeds": ",".join(variant.seeds),
        "epochs": int(np.median([len(f) - 1 for f in frames])) if frames else 0,
        "final_loss": _mean([final_value(f, "loss") for f in frames]),
        "final_train_accuracy": _mean([final_value(f, "train_accuracy") for f in frames]),
    }
    for measured in (MEYER_WALLACH, VON_NEUMANN):
        row.update(_change_columns(frames, measured.correct.column, settings.level))
    for quantity in (MEYER_WALLACH.correct, MEYER_WALLACH.published):
        row.update(_power_columns(frames, quantity.column, settings))
    baseline = [float((f[mw] - f[f"{mw}_change"]).iloc[0]) for f in frames if f"{mw}_change" in f]
    row[f"feature_map_{mw}"] = _mean(baseline)
    separations = [h.run.metrics.get("class_separation") for h in variant.histories]
    row["class_separation_std"] = _mean([s for s in separations if s is not None])
    return row


def variant_table(variants: Mapping[str, Variant], settings: StudySettings) -> pd.DataFrame:
    """``variants.csv``: one :func:`variant_row` per variant."""
    return pd.DataFrame([variant_row(v, settings) for v in variants.values()])


def _power_columns(
    frames: Sequence[pd.DataFrame], column: str, settings: StudySettings
) -> dict[str, float]:
    """``{column}_change`` with its interval, spread, MDE, power at the write-up's change,
    seeds needed and TOST p (empty when no run logs *column*)."""
    changes = []
    for frame in frames:
        if column in frame:
            values = frame[column].to_numpy(dtype=float)
            values = values[np.isfinite(values)]
            if values.size:
                changes.append(values[-1] - values[0])
    if not changes:
        return {}
    e = replicate_evidence(
        changes,
        settings.published_change,
        settings.equivalence_margin,
        settings.level,
        settings.power,
    )
    return {
        f"{column}_change": e.effect,
        f"{column}_change_ci_low": e.ci_low,
        f"{column}_change_ci_high": e.ci_high,
        f"{column}_change_sd": e.spread,
        f"{column}_change_mde": e.mde,
        f"{column}_change_power_at_published": e.power_at_reference,
        f"{column}_change_seeds_needed": e.seeds_needed,
        f"{column}_change_tost_p": e.equivalence.p_value,
        f"{column}_change_equivalent": e.equivalence.equivalent,
    }


def with_evaluation_loss(frame: pd.DataFrame, evaluations: pd.DataFrame | None) -> pd.DataFrame:
    """*frame* with ``evaluation_loss``: the loss of function evaluation ``t - 1`` at row t
    (the write-up plotted its Q at ADAM iteration t against its t-th loss evaluation)."""
    if evaluations is None or "loss" not in evaluations:
        return frame
    out = frame.copy()
    losses = evaluations["loss"].to_numpy(dtype=float)
    column = np.full(len(out), np.nan)
    count = min(len(out) - 1, len(losses))
    column[1 : count + 1] = losses[:count]
    out[EVALUATION_LOSS] = column
    return out
