"""Small, fixed tracking stores for the before/after test of the comparison and study reports.

``compare_store`` holds the known runs of ``tests/compare`` (three configurations differing
in ``model.ansatz.entanglement``) plus a second data set, so the report has numeric and
categorical swept keys and every figure kind. ``study_store`` holds synthetic runs named like
``make study``'s (the faithful toy, ad hoc and blobs experiments, a fixed-init variant and a
control), with the published and the correct quantities. Every number comes from a seeded
generator: the same store gives the same report.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from qml_entanglement.tracking.synthetic import RunSpec, create_runs

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "compare"))
from compare_testdata import EXPERIMENT, config, history, labels, make_known_runs  # noqa: E402

STUDY_EXPERIMENT = "write-up-study"


def compare_store(tracking_uri: str) -> None:
    """The known runs plus two seeds on ``blobs`` with ``dataset.cluster_std`` 0.5 and 1.0."""
    make_known_runs(lambda specs: create_runs(tracking_uri, EXPERIMENT, specs))
    rng = np.random.default_rng(5)
    epochs = np.arange(21)
    specs = []
    for std in (0.5, 1.0):
        for seed in range(2):
            loss = 1.0 / (1.0 + 0.3 * epochs) + 0.02 * rng.standard_normal(21)
            mw = 0.4 + std * loss + 0.03 * rng.standard_normal(21)
            frame = history(loss, meyer_wallach=mw, von_neumann_entropy=0.3 + 0.1 * mw)
            frame["train_accuracy"] = np.clip(1.0 - loss, 0, 1)
            params = config(dataset="blobs", seed=seed, **{"dataset.cluster_std": std})
            specs.append(RunSpec(frame, tags=labels(dataset="blobs", seed=seed), params=params))
    create_runs(tracking_uri, EXPERIMENT, specs)


def _vqc_frame(rng: np.random.Generator, drift: float, n: int = 31) -> pd.DataFrame:
    t = np.arange(n, dtype=float)
    loss = 0.7 * np.exp(-t / 10) + 0.3 + 0.01 * rng.standard_normal(n)
    mw = 0.5 + drift * t / n + 0.01 * rng.standard_normal(n)
    vn = 0.4 + 0.05 * np.sin(2 * np.pi * t / 10) + 0.01 * rng.standard_normal(n)
    frame = history(
        loss,
        meyer_wallach=mw,
        von_neumann_entropy=vn,
        published_meyer_wallach=0.948 - 0.0001 * t + 0.0002 * rng.standard_normal(n),
        published_von_neumann_entropy=1e-15 * rng.standard_normal(n),
        meyer_wallach_change=mw - 0.45,
        train_accuracy=np.clip(1.0 - loss, 0, 1),
    )
    frame.loc[0, ["published_meyer_wallach", "published_von_neumann_entropy"]] = np.nan
    return frame


def _study_params(name: str, seed: int, **more: object) -> dict[str, str]:
    return {
        "run_name": name,
        "seed": str(seed),
        "model.name": "vqc",
        **{k: str(v) for k, v in more.items()},
    }


def study_store(tracking_uri: str) -> None:
    """The toy (one deterministic run), three seeds of each faithful VQC experiment, a
    fixed-init variant and a symmetric-blobs control (two seeds each)."""
    rng = np.random.default_rng(11)
    theta = np.linspace(0.0, -np.pi / 2 * 0.95, 41)
    loss = np.cos(theta) ** 4
    p = (1 + np.sqrt(loss)) / 2
    entropy = -(p * np.log2(p) + (1 - p) * np.log2(1 - p + 1e-300))
    entropy[0] = 0.0
    toy = history(loss, von_neumann_entropy=entropy, published_von_neumann_entropy=1e-16 * theta)
    specs = [RunSpec(toy, params=_study_params("study-bell_toy", 137))]
    variants = (
        ("study-vqc-ad_hoc", (137, 138, 139), -0.02, {}),
        ("study-vqc-blobs", (137, 138, 139), 0.0, {"dataset.name": "blobs"}),
        ("study-vqc-ad_hoc-fixed_init", (138, 139), -0.01, {"model.init_seed": 137}),
        ("study-vqc-blobs-symmetric", (137, 138), 0.01, {"dataset.centers": "symmetric"}),
    )
    for name, seeds, drift, more in variants:
        for seed in seeds:
            once = {"class_separation": 4.0} if name.endswith("symmetric") else {}
            specs.append(
                RunSpec(
                    _vqc_frame(rng, drift),
                    params=_study_params(name, seed, **more),
                    once=once,
                )
            )
    create_runs(tracking_uri, STUDY_EXPERIMENT, specs)
