"""Synthetic runs with known correlations, shared by the comparison tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from qml_entanglement.compare.settings import PublishSettings
from qml_entanglement.tracking.synthetic import RunSpec

EXPERIMENT = "qml-entanglement"
NO_RUN = PublishSettings(log=False)  # settings_for(mlflow=NO_RUN): the folder only


def history(loss: Sequence[float], **metrics: Sequence[float]) -> pd.DataFrame:
    """A history frame with step index 0..E, ``loss`` and the given metric columns."""
    frame = pd.DataFrame({"loss": np.asarray(loss, dtype=float)})
    for name, values in metrics.items():
        frame[name] = np.asarray(values, dtype=float)
    frame.index.name = "epoch"
    return frame


def labels(
    dataset: str = "moons",
    ansatz: str = "real_amplitudes",
    entanglement: str = "linear",
    seed: int = 0,
    metrics: str | None = "meyer_wallach,von_neumann_entropy",
) -> dict[str, str]:
    """Tags as the training pipeline sets them."""
    tags = {
        "dataset": dataset,
        "ansatz": ansatz,
        "entanglement": entanglement,
        "seed": str(seed),
        "model": "vqc",
    }
    if metrics is not None:
        tags["entanglement_metrics"] = metrics
    return tags


def config(
    dataset: str = "moons",
    ansatz: str = "real_amplitudes",
    entanglement: str = "linear",
    seed: int = 0,
    **more: object,
) -> dict[str, str]:
    """Flattened config params as the training pipeline logs them (seed and bookkeeping too)."""
    params = {
        "seed": str(seed),
        "dataset.name": dataset,
        "model.ansatz.name": ansatz,
        "model.ansatz.entanglement": entanglement,
        "tracking.uri": "sqlite:///elsewhere.db",
        "run_name": f"vqc-{dataset}",
    }
    params.update({k: str(v) for k, v in more.items()})
    return params


def make_known_runs(add: Callable[[Sequence[RunSpec]], list[str]]) -> dict[str, list[str]]:
    """Create runs whose correlations are known exactly; return their ids by group.

    The configurations differ only in ``model.ansatz.entanglement``, so the default grouping
    gives the groups ``entanglement=linear``, ``=full`` and ``=circular``.

    - group ``linear``: 3 seeds, meyer_wallach = 2 * loss + 1 (Pearson = Spearman = Kendall
      = +1, raw and differenced); von_neumann_entropy = loss ** 2.
    - group ``full``: 3 seeds, meyer_wallach = exp(-loss) (perfectly anti-monotone: Spearman
      = Kendall = -1 raw, Pearson > -1); the third seed has a NaN at epoch 4, only 15 steps,
      and lacks von_neumann_entropy.
    - group ``circular``: a single run.
    """
    epochs = np.arange(21)
    ids: dict[str, list[str]] = {"linear": [], "full": [], "circular": []}
    specs = []
    for seed in range(3):
        loss = 1.0 / (1.0 + epochs) + 0.01 * np.sin(epochs + seed)
        specs.append(
            RunSpec(
                history(loss, meyer_wallach=2 * loss + 1, von_neumann_entropy=loss**2),
                tags=labels(entanglement="linear", seed=seed),
                params=config(entanglement="linear", seed=seed),
            )
        )
    ids["linear"] = add(specs)
    specs = []
    for seed in range(3):
        loss = np.linspace(2.0, 0.5, 21) + 0.05 * np.cos(epochs * (seed + 1))
        mw = np.exp(-loss)
        if seed == 2:
            mw[4] = np.nan
            frame = history(loss[:15], meyer_wallach=mw[:15])
            tags = labels(entanglement="full", seed=seed, metrics="meyer_wallach")
        else:
            frame = history(loss, meyer_wallach=mw, von_neumann_entropy=0.5 + 0.01 * epochs)
            tags = labels(entanglement="full", seed=seed)
        specs.append(RunSpec(frame, tags=tags, params=config(entanglement="full", seed=seed)))
    ids["full"] = add(specs)
    loss = np.linspace(1.0, 0.2, 21)
    ids["circular"] = add(
        [
            RunSpec(
                history(loss, meyer_wallach=loss, von_neumann_entropy=-loss),
                tags=labels(entanglement="circular", seed=0),
                params=config(entanglement="circular", seed=0),
            )
        ]
    )
    return ids
