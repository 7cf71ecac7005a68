r"""One run's atlas numbers from its per-epoch history (``history.csv``) and run-level values.

For a history :math:`m_0, \dots, m_E` (step 0 before any update) the change of a metric is
:math:`\Delta m = m_E - m_0`:

* ``delta_meyer_wallach``: Meyer-Wallach :math:`Q` of the probed training states;
* ``delta_half_cut_renyi2`` (bits) and ``delta_half_cut_renyi2_fraction`` (over the Renyi-2 of
  Lubkin's Haar-mean purity); ``delta_half_cut_entropy`` (von Neumann, bits) and
  ``delta_half_cut_page_fraction`` (over Page's value): the half cut, qubits ``[0, n//2)``;
* ``delta_tripartite_information``: :math:`I_3` of the trained block (bits), where measured
  (n <= 6);
* ``log10_init_grad_variance``: :math:`\log_{10}` of McClean's variance of the partial
  derivatives over random initialisations (once per run);
* ``final_test_accuracy``: the test accuracy after the last epoch;
* ``q_loss_comovement``: the trend-robust co-movement of :math:`Q` with the loss
  (:func:`qml_entanglement.analysis.power.co_movement`: Pearson r of detrended first
  differences, with its effective sample size ``q_loss_n_eff``); NaN where either series is
  flat (e.g. lr = 0).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from qml_entanglement.analysis.power import co_movement

# per-run quantity -> (history column, how): "delta" = last - first
DELTAS = {
    "delta_meyer_wallach": "meyer_wallach",
    "delta_half_cut_renyi2": "half_cut_renyi2",
    "delta_half_cut_renyi2_fraction": "half_cut_renyi2_haar_fraction",
    "delta_half_cut_entropy": "half_cut_entropy",
    "delta_half_cut_page_fraction": "half_cut_page_fraction",
    "delta_tripartite_information": "tripartite_information",
}
METRICS = (
    *DELTAS,
    "log10_init_grad_variance",
    "final_test_accuracy",
    "q_loss_comovement",
)
FACTORS = ("qubits", "ansatz", "entanglement", "reps", "data", "control")
# the params a factor is read from, and the value when a run does not have it
FACTOR_PARAMS = {
    "qubits": ("dataset.num_features", None),
    "ansatz": ("model.ansatz.name", None),
    "entanglement": ("model.ansatz.entanglement", None),
    "reps": ("model.ansatz.reps", None),
    "data": ("dataset.name", None),
    "control": ("control.name", "trained"),
}
DATA_LABELS = {"ad_hoc_sampled": "ad_hoc"}
ROUNDING = 1e-12


def factors_of(params: Mapping[str, str]) -> dict[str, object]:
    """The run's design factors from its logged params (qubits and reps as integers)."""
    out: dict[str, object] = {}
    for factor, (key, default) in FACTOR_PARAMS.items():
        out[factor] = params.get(key, default)
    out["qubits"], out["reps"] = int(out["qubits"]), int(out["reps"])
    out["data"] = DATA_LABELS.get(str(out["data"]), out["data"])
    return out


def run_quantities(frame: pd.DataFrame, once: Mapping[str, float]) -> dict[str, float]:
    """The atlas numbers of one run (module docstring); NaN for what the run did not log."""
    out = {name: _change(frame, column) for name, column in DELTAS.items()}
    variance = float(once.get("init_grad_variance", math.nan))
    out["log10_init_grad_variance"] = math.log10(variance) if variance > 0 else math.nan
    out["final_test_accuracy"] = _last(frame, "test_accuracy")
    r, n_eff = math.nan, math.nan
    if {"meyer_wallach", "loss"} <= set(frame.columns):
        both = frame[["meyer_wallach", "loss"]].dropna()
        if len(both) > 8:
            moved = co_movement(both["meyer_wallach"].to_numpy(), both["loss"].to_numpy())
            r, n_eff = float(moved.r[0]), float(moved.n_eff[0])
    out["q_loss_comovement"], out["q_loss_n_eff"] = r, n_eff
    return out


def _values(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame.columns:
        return np.array([])
    values = frame[column].to_numpy(dtype=float)
    return values[np.isfinite(values)]


def _change(frame: pd.DataFrame, column: str) -> float:
    """Last minus first; a change at floating-point rounding level (:data:`ROUNDING` of the
    series' magnitude, e.g. any entanglement change under local rotations alone) is 0, so
    rounding noise is neither an effect nor a tiny standard error that outweighs real ones."""
    values = _values(frame, column)
    if len(values) < 2:
        return math.nan
    change = float(values[-1] - values[0])
    return 0.0 if abs(change) <= ROUNDING * max(1.0, float(np.abs(values).max())) else change


def _last(frame: pd.DataFrame, column: str) -> float:
    values = _values(frame, column)
    return float(values[-1]) if len(values) else math.nan
