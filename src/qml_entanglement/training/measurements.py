"""Opt-in measurements of a training run beyond the exact entanglement summary (used by
:mod:`qml_entanglement.training.builtin_measures`; the randomized-measurement estimates are in
:mod:`qml_entanglement.metrics.randomized_estimates`).

* :class:`Scrambling` (``metrics.scrambling=true``): the tripartite information I3 (bits) of the
  trained block at the current parameters, and of the whole model circuit averaged over a
  seeded probe of training points (Hosur, Qi, Roberts, Yoshida, JHEP 02 (2016) 004;
  :func:`qml_entanglement.metrics.tripartite_information`), with ``A = C`` = the first
  ``n // 2`` qubits.
* :func:`initial_gradient_variance` (``metrics.barren_plateau_samples=N``): the variance of each
  partial derivative of the loss over ``N`` random initialisations (McClean et al., Nat.
  Commun. 9, 4812 (2018)), once per run.

Qubit order is qiskit's little-endian one throughout; entropies and I3 are in bits.
"""

from __future__ import annotations

import numpy as np

from ..config.runtime import MAX_SCRAMBLING_QUBITS
from ..engine import program_unitary
from ..metrics import tripartite_information


class Scrambling:
    """``theta -> {tripartite_information, tripartite_information_model}``.

    ``feature_map_unitaries`` ``(K, 2**n, 2**n)`` are the encodings of ``K`` probe points,
    computed once; the model's unitary at point ``x`` is ``U_block(theta) U_fm(x)``.
    """

    def __init__(self, block, num_qubits: int, feature_map_unitaries: np.ndarray | None):
        if num_qubits > MAX_SCRAMBLING_QUBITS:
            raise ValueError(
                f"metrics.scrambling=true needs at most {MAX_SCRAMBLING_QUBITS} qubits (the "
                f"Choi state has 2n qubits); the model has {num_qubits}"
            )
        self.block = block
        self.half = list(range(max(num_qubits // 2, 1)))
        self.encodings = feature_map_unitaries

    def __call__(self, theta: np.ndarray) -> dict[str, float]:
        unitary = program_unitary(self.block, theta)
        out = {
            "tripartite_information": float(tripartite_information(unitary, self.half, self.half))
        }
        if self.encodings is not None and len(self.encodings):
            models = unitary @ self.encodings
            values = tripartite_information(models, self.half, self.half)
            out["tripartite_information_model"] = float(np.mean(values))
        return out


def feature_map_unitaries(feature_map, points: np.ndarray) -> np.ndarray:
    """Unitaries ``(K, 2**n, 2**n)`` of ``feature_map`` at each of ``points`` (qiskit order)."""
    from qiskit.quantum_info import Operator

    params = list(feature_map.parameters)
    return np.stack(
        [
            Operator(feature_map.assign_parameters(dict(zip(params, x, strict=True)))).data
            for x in points
        ]
    )


def initial_gradient_variance(
    gradient, num_parameters: int, samples: int, seed: int
) -> dict[str, float]:
    """McClean et al.'s barren-plateau diagnostic for one circuit and data set.

    ``gradient(theta)`` is the exact gradient of the training loss. For ``samples``
    initialisations ``theta_i ~ U[0, 2 pi)^P`` (seeded), ``v_k = Var_i(d_k L(theta_i))``
    (``ddof=1``) per parameter; ``init_grad_variance`` is the mean of ``v_k`` over the ``P``
    parameters and ``init_grad_variance_se`` its jackknife standard error over the
    initialisations (no normality assumed).
    """
    rng = np.random.default_rng([seed, 17])
    thetas = rng.uniform(0.0, 2 * np.pi, size=(samples, num_parameters))
    grads = np.stack([gradient(theta) for theta in thetas])  # (N, P): one evaluation each
    value = float(np.mean(np.var(grads, axis=0, ddof=1)))
    n = samples
    # delete-one variances from the sums, vectorised over the left-out initialisation
    total, squares = grads.sum(axis=0), (grads**2).sum(axis=0)
    rest_mean = (total - grads) / (n - 1)
    rest_var = ((squares - grads**2) - (n - 1) * rest_mean**2) / (n - 2)
    leave_one = rest_var.mean(axis=1)
    se = float(np.sqrt((n - 1) / n * np.sum((leave_one - leave_one.mean()) ** 2)))
    return {"init_grad_variance": value, "init_grad_variance_se": se}
