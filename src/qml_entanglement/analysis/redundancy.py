"""Identities and redundant metrics: pairs of series that are one piece of evidence, not two.

Two kinds of relation are found, per group:

* **Measured:** across every epoch of every run of the group, one series is a monotone
  function of the other (sorted by the first, the second never turns back by more than
  rounding, and equal first values have equal second values). The Bell toy's Meyer-Wallach
  is exactly ``1 - loss``; a metric that is a function of the loss gives a correlation of
  +-1 by construction (an *identity*, not a finding), and two metrics that are functions of
  each other give the same test twice.
* **Known:** with 2 qubits, both single-qubit reduced states of a pure state have the same
  spectrum, so each sample's entanglement entropy and concurrence are fixed monotone
  functions of its Meyer-Wallach value ``Q = 2(1 - Tr rho_0^2)`` (Meyer & Wallach 2002;
  Wootters 1998: ``Q = C^2``). The logged means over samples are then not exact functions of
  each other, but they carry the same information.

An identity with the loss gets no p-value; of a redundant pair of metrics the one earlier in
:data:`qml_entanglement.metrics.catalogue.PRIORITY` is tested and the other is kept out of
the multiple-testing family.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from qml_entanglement.analysis.grouping import Group
from qml_entanglement.analysis.statistics import ROUNDING
from qml_entanglement.metrics.catalogue import PRIORITY, info

IDENTITY = "identity"
REDUNDANT = "redundant"
_TWO_QUBIT_FUNCTIONS = ("von_neumann_entropy", "concurrence")


@dataclass(frozen=True)
class Relation:
    """*second* is a function of *first* in *group* (``kind``: identity or redundant)."""

    group: str
    first: str
    second: str
    kind: str
    reason: str


def monotone_function(a: np.ndarray, b: np.ndarray, scale_b: float | None = None) -> bool:
    """Whether *b* is a monotone function of *a* up to rounding (1e-9 of b's scale).

    >>> a = np.array([0.3, 0.1, 0.2, 0.4])
    >>> monotone_function(a, 1 - a), monotone_function(a, np.exp(a))
    (True, True)
    >>> monotone_function(a, (a - 0.25) ** 2)  # falls then rises: not monotone
    False
    >>> monotone_function(np.array([1.0, 1.0]), np.array([0.0, 1.0]))  # one a, two b: no function
    False
    """
    mask = np.isfinite(a) & np.isfinite(b)
    a, b = a[mask], b[mask]
    if len(a) < 3:
        return False
    tol_a = ROUNDING * max(float(np.max(np.abs(a))), 1e-300)
    tol_b = ROUNDING * max(scale_b or 0.0, float(np.max(np.abs(b))), 1e-300)
    if np.ptp(a) <= tol_a or np.ptp(b) <= tol_b:
        return False  # degenerate series are reported as such, not as functions
    order = np.lexsort((b, a))
    da, db = np.diff(a[order]), np.diff(b[order])
    same_a = da <= tol_a
    if np.any(np.abs(db[same_a]) > tol_b):
        return False
    steps = db[~same_a]
    return bool(np.all(steps >= -tol_b) or np.all(steps <= tol_b))


def _pooled(group: Group, key: str) -> np.ndarray:
    return np.concatenate(
        [
            h.frame[key].to_numpy(dtype=float) if key in h.frame else np.full(len(h.frame), np.nan)
            for h in group.histories
        ]
    )


def find_relations(groups: Sequence[Group], loss_metric: str) -> list[Relation]:
    """Every identity with the loss and every redundant metric pair, per group."""
    relations = []
    for group in groups:
        metrics = sorted(
            {m for h in group.histories for m in h.entanglement_metrics},
            key=lambda m: (PRIORITY.index(m) if m in PRIORITY else len(PRIORITY), m),
        )
        n_points = sum(len(h.frame) for h in group.histories)
        loss = _pooled(group, loss_metric)
        values = {m: _pooled(group, m) for m in metrics}
        identities = set()
        for metric in metrics:
            if monotone_function(loss, values[metric], info(metric).scale):
                identities.add(metric)
                relations.append(
                    Relation(
                        group.label,
                        loss_metric,
                        metric,
                        IDENTITY,
                        f"{metric} is a monotone function of {loss_metric} over all {n_points} "
                        f"epochs of the group's {group.n_runs} run(s): its correlation is +-1 "
                        "by construction, not evidence",
                    )
                )
        redundant = set()
        for first, second in combinations(metrics, 2):
            if {first, second} & (redundant | identities):
                continue
            reason = _known(group, first, second)
            if not reason and monotone_function(values[first], values[second], info(second).scale):
                reason = (
                    f"{second} is a monotone function of {first} over all {n_points} epochs "
                    "of the group"
                )
            if reason:
                redundant.add(second)
                relations.append(Relation(group.label, first, second, REDUNDANT, reason))
    return relations


def _known(group: Group, first: str, second: str) -> str:
    qubits = {h.run.params.get("model.num_qubits") for h in group.histories}
    if qubits == {"2"} and first == "meyer_wallach" and second in _TWO_QUBIT_FUNCTIONS:
        return (
            f"with 2 qubits each sample's {info(second).label} is a fixed monotone function of "
            "its Meyer-Wallach value (both reduced states share one spectrum)"
        )
    return ""
