"""Opt-in measurements of a training run beyond the exact entanglement summary.

* :class:`RandomizedEstimates` (``metrics.estimator=randomized``): Meyer-Wallach and the
  half-cut Renyi-2 entropy estimated from simulated randomized measurements of each probed
  state, with standard errors, next to the exact values (Brydges et al., Science 364, 260
  (2019); :func:`qml_entanglement.metrics.randomized_purities`); shots sampled from the exact
  probabilities (``simulator=statevector``) or measured by Aer (:class:`AerRandomizedEstimates`,
  ``simulator=aer``, noise included).
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
from ..metrics import (
    mean_over_samples,
    randomized_meyer_wallach,
    randomized_purities,
    randomized_purities_from_counts,
    randomized_renyi2,
    tripartite_information,
)


class RandomizedEstimates:
    """``states -> {meyer_wallach_estimate, renyi2_half_cut_estimate, and their _se}``.

    Each call draws fresh Haar single-qubit unitaries (``unitaries`` per state) and ``shots``
    samples from each rotated state's exact probabilities, from one generator seeded once per
    run (so a run is reproducible and epochs are independent). The epoch value is the mean
    over the probed states; its standard error is the measurement error of that mean,
    ``sqrt(sum_b SE_b**2) / B`` with ``SE_b`` the spread over unitaries of state ``b`` (the
    error against the exact epoch value logged next to it; ``mean_over_samples``,
    ``error="measurement"``).
    """

    def __init__(self, num_qubits: int, unitaries: int, shots: int, seed: int):
        half = tuple(range(max(num_qubits // 2, 1)))
        self.subsystems = [(q,) for q in range(num_qubits)] + [half]
        self.half = half
        self.unitaries, self.shots = unitaries, shots
        self.rng = np.random.default_rng([seed, 16])  # its own stream, apart from the run's

    def __call__(self, states: np.ndarray) -> dict[str, float]:
        result = randomized_purities(
            states,
            self.subsystems,
            self.unitaries,
            self.shots,
            self.rng,
            density=states.ndim == 3,
        )
        return _estimates(result, self.half)


class AerRandomizedEstimates:
    """``(theta, optimizer) -> {meyer_wallach_estimate, renyi2_half_cut_estimate, and _se}``
    with ``simulator=aer``: the shots are measured by Aer itself (with the model's noise and
    readout error) after Haar-random local unitaries (``u`` gates with ``theta = arccos(1 -
    2 v)``, ``phi``, ``lambda`` uniform: Haar on U(2) up to a phase), on the probed training
    samples; counts go through :func:`~qml_entanglement.metrics.randomized_purities_from_counts`.
    """

    def __init__(self, simulator, features, num_qubits: int, unitaries: int, shots: int, seed):
        self.simulator, self.features = simulator, features
        half = tuple(range(max(num_qubits // 2, 1)))
        self.subsystems = [(q,) for q in range(num_qubits)] + [half]
        self.half, self.n = half, num_qubits
        self.unitaries, self.shots = unitaries, shots
        self.rng = np.random.default_rng([seed, 16])

    def __call__(self, theta: np.ndarray, _optimizer: object = None) -> dict[str, float]:
        shape = (self.unitaries, self.n)
        angles = np.stack(
            [
                np.arccos(1.0 - 2.0 * self.rng.uniform(size=shape)),
                self.rng.uniform(0.0, 2 * np.pi, size=shape),
                self.rng.uniform(0.0, 2 * np.pi, size=shape),
            ],
            axis=-1,
        )
        counts = self.simulator.randomized_counts(theta, self.features, angles, self.shots)
        return _estimates(randomized_purities_from_counts(counts, self.subsystems), self.half)


def _estimates(result, half) -> dict[str, float]:
    """Epoch means of the Meyer-Wallach and half-cut Renyi-2 estimates, with their errors."""
    out: dict[str, float] = {}
    for name, estimate in (
        ("meyer_wallach_estimate", randomized_meyer_wallach(result)),
        ("renyi2_half_cut_estimate", randomized_renyi2(result, half)),
    ):
        mean = mean_over_samples(estimate, error="measurement")
        out[name] = float(mean.value)
        out[f"{name}_se"] = float(mean.standard_error)
    return out


class Scrambling:
    """``(theta, optimizer) -> {tripartite_information, tripartite_information_model}``.

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

    def __call__(self, theta: np.ndarray, _optimizer: object = None) -> dict[str, float]:
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
