"""Which figures the study report holds: the toy's three, per faithful VQC experiment its
loss, its Q (with the change band), the change of Q against the margin (ours, the write-up's
design, the published Q) and, for the ad hoc data, the entropy and both quantities against
the loss; then every variant's change of each quantity (drawn by :mod:`.figures`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from qml_entanglement.analysis.selection import seed_sort_key
from qml_entanglement.analysis.statistics import mean_interval
from qml_entanglement.analysis.trends import change_from_start
from qml_entanglement.report import Figure
from qml_entanglement.study import figures
from qml_entanglement.study.claims import MEYER_WALLACH, VON_NEUMANN
from qml_entanglement.study.settings import StudySettings
from qml_entanglement.study.variants import Variant

WRITE_UP_SEED = "137"
VQC_EXPERIMENTS = (("adhoc", "VQC on ad hoc data"), ("blobs", "VQC on blobs"))
Evaluations = Mapping[str, pd.DataFrame | None]  # run id -> its function_evaluations.csv


def faithful_first(variant: Variant, seed: str = WRITE_UP_SEED) -> list[pd.DataFrame]:
    """The variant's frames with the write-up's own seed first (drawn bold)."""
    order = sorted(variant.histories, key=lambda h: (h.run.seed != seed, seed_sort_key(h.run.seed)))
    return [h.frame for h in order]


def _changes(frames: Sequence[pd.DataFrame], column: str) -> list[float]:
    return [change_from_start(f, column) for f in frames]


def change_figure(
    variants: Mapping[str, Variant], faithful: Variant, title: str, settings: StudySettings
) -> Figure:
    """The MW claim's change of Q: ours, the write-up's design (``<name>-fixed_init``), and the
    published Q, each with its interval, against the margin."""
    q, published = MEYER_WALLACH.correct.column, MEYER_WALLACH.published.column
    rows = {}
    for variant, column, label in (
        (faithful, q, "Q, ours (data and init vary)"),
        (variants.get(f"{faithful.name}-fixed_init"), q, "Q, write-up's design (init 137)"),
        (faithful, published, "published Q at m_t, ours"),
    ):
        if variant is None:
            continue
        changes = _changes(variant.frames, column)
        if any(np.isfinite(changes)):
            rows[f"{label} ({len(variant.frames)} seeds)"] = changes
    intervals = {name: mean_interval(c, settings.level) for name, c in rows.items()}
    margin = settings.equivalence_margin
    return figures.change_interval(
        rows, intervals, margin, settings.published_change, title, settings.dpi, settings.level
    )


def toy_figures(toy: Variant | None, dpi: int) -> list[Figure]:
    """The Bell toy's loss, entropy, and entropy against the loss."""
    if toy is None:
        return []
    drawers = (figures.toy_loss, figures.toy_entropy, figures.toy_entropy_vs_loss)
    return [draw(toy.frames, dpi) for draw in drawers]


def vqc_figures(
    key: str,
    title: str,
    variants: Mapping[str, Variant],
    evaluations: Evaluations,
    settings: StudySettings,
) -> list[Figure]:
    """One faithful VQC experiment's figures (none when it has no runs)."""
    variant = variants.get(getattr(settings.faithful, key))
    if variant is None:
        return []
    frames, dpi = faithful_first(variant), settings.dpi
    own = next((h for h in variant.histories if h.run.seed == WRITE_UP_SEED), variant.histories[0])
    change = mean_interval(_changes(frames, MEYER_WALLACH.correct.column), settings.level)
    out = [
        figures.vqc_loss(frames, evaluations.get(own.run.run_id), title, dpi),
        figures.vqc_metric(
            frames,
            MEYER_WALLACH,
            title,
            dpi,
            change=change,
            margin=settings.equivalence_margin,
            level=settings.level,
        ),
        change_figure(variants, variant, title, settings),
    ]
    if key == "adhoc":
        out.append(figures.vqc_metric(frames, VON_NEUMANN, title, dpi))
        out += [
            figures.vqc_metric_vs_loss(frames, m, title, dpi) for m in (MEYER_WALLACH, VON_NEUMANN)
        ]
    return out


def control_figures(vqc: Mapping[str, Variant], settings: StudySettings) -> list[Figure]:
    """Every VQC variant's change of each quantity, with its interval (and the margin for Q)."""
    out = []
    for measured in (MEYER_WALLACH, VON_NEUMANN):
        metric = measured.correct.column
        changes = {name: _changes(v.frames, metric) for name, v in vqc.items()}
        if not changes:
            continue
        intervals = {n: mean_interval(c, settings.level) for n, c in changes.items()}
        margin = settings.equivalence_margin if measured.margin_applies else None
        out.append(
            figures.controls(
                changes,
                metric,
                settings.dpi,
                intervals=intervals,
                margin=margin,
                level=settings.level,
            )
        )
    return out


def study_figures(
    variants: Mapping[str, Variant], evaluations: Evaluations, settings: StudySettings
) -> list[Figure]:
    """Every figure of the study report, in reading order."""
    toy = settings.faithful.toy
    out = toy_figures(variants.get(toy), settings.dpi)
    for key, title in VQC_EXPERIMENTS:
        out += vqc_figures(key, title, variants, evaluations, settings)
    vqc = {name: v for name, v in variants.items() if name != toy}
    return out + control_figures(vqc, settings)
