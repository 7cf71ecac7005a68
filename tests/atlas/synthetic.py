"""A synthetic atlas: per-run values simulated with known truth (no training)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from qml_entanglement.atlas.quantities import METRICS

GRID = {
    "qubits": (4, 6, 8),
    "ansatz": ("real_amplitudes",),
    "entanglement": ("none", "linear", "full"),
    "reps": (1, 3),
    "data": ("ad_hoc", "blobs"),
}
CONTROLS = ("shuffled_labels", "untrained")


def _configs() -> list[dict]:
    trained = [
        dict(zip(GRID, levels, strict=True), control="trained")
        for levels in itertools.product(*GRID.values())
    ]
    controls = [
        {
            "qubits": q,
            "ansatz": "real_amplitudes",
            "entanglement": "linear",
            "reps": 3,
            "data": d,
            "control": c,
        }
        for q, d, c in itertools.product(GRID["qubits"], GRID["data"], CONTROLS)
    ]
    return trained + controls


def synthetic_atlas(
    rise: float, comovement: float, seeds: int = 6, noise: float = 0.005, seed: int = 0
) -> pd.DataFrame:
    """One row per run. Trained runs with an entangling ansatz get a change of Q of ``rise``
    and a co-movement of Q with the loss of ``comovement`` (each plus Gaussian noise); the
    feature-map-only and shuffled-label runs get 0 plus noise; lr = 0 runs change nothing
    (every change exactly 0, co-movement undefined). Other metrics: noise around 0."""
    rng = np.random.default_rng(seed)
    rows = []
    for config in _configs():
        entangling = config["control"] == "trained" and config["entanglement"] != "none"
        for s in range(seeds):
            values = {m: rng.normal(0.0, noise) for m in METRICS}
            values["delta_meyer_wallach"] += rise if entangling else 0.0
            values["q_loss_comovement"] = rng.normal(comovement if entangling else 0.0, 0.1)
            values["final_test_accuracy"] = 0.5 + rng.normal(0.0, 0.05)
            if config["control"] == "untrained":
                values = {m: 0.0 for m in METRICS if m.startswith("delta_")}
                values.update(q_loss_comovement=np.nan, final_test_accuracy=0.5)
                values["log10_init_grad_variance"] = -2.0
            rows.append({"run_id": f"r{len(rows)}", "seed": str(s), **config, **values})
    return pd.DataFrame(rows)


def dl_by_hand(y: np.ndarray, s: np.ndarray) -> tuple[float, float, float, float]:
    """DerSimonian-Laird written out term by term: pooled, its se, tau2, I2."""
    w = [1 / v**2 for v in s]
    fixed = sum(wi * yi for wi, yi in zip(w, y, strict=True)) / sum(w)
    q = sum(wi * (yi - fixed) ** 2 for wi, yi in zip(w, y, strict=True))
    k = len(y)
    tau2 = max(0.0, (q - (k - 1)) / (sum(w) - sum(wi**2 for wi in w) / sum(w)))
    w_star = [1 / (v**2 + tau2) for v in s]
    pooled = sum(wi * yi for wi, yi in zip(w_star, y, strict=True)) / sum(w_star)
    return pooled, (1 / sum(w_star)) ** 0.5, tau2, max(0.0, (q - (k - 1)) / q)
