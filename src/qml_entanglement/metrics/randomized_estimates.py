"""Per-epoch estimators of entanglement from simulated randomized measurements.

Meyer-Wallach and the half-cut Renyi-2 entropy of a batch of states, estimated from measurements
after Haar-random local unitaries (Brydges et al., Science 364, 260 (2019);
:func:`~qml_entanglement.metrics.randomized_purities`), with standard errors:
:class:`RandomizedEstimates` samples the shots from exact states (or density matrices);
:class:`CountsRandomizedEstimates` asks a simulator that measures them itself (its
``randomized_counts``, e.g. Aer with the model's noise). Each simulator names the one it uses
(``randomized_estimator``). Qubit order is qiskit's little-endian one; entropies are in bits.
"""

from __future__ import annotations

import numpy as np

from .randomized import (
    mean_over_samples,
    randomized_meyer_wallach,
    randomized_purities,
    randomized_purities_from_counts,
    randomized_renyi2,
)

KEYS = ("meyer_wallach_estimate", "renyi2_half_cut_estimate")  # each also with ``_se``


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

    def estimate(self, theta: np.ndarray, states: np.ndarray) -> dict[str, float]:
        """One epoch's estimates from the measured ``states`` (``theta`` unused)."""
        return self(states)


class CountsRandomizedEstimates:
    """``theta -> {meyer_wallach_estimate, renyi2_half_cut_estimate, and _se}`` with the shots
    measured by ``simulator.randomized_counts`` (``simulator=aer``: Aer itself, with the model's
    noise and readout error) after Haar-random local unitaries (``u`` gates with ``theta =
    arccos(1 - 2 v)``, ``phi``, ``lambda`` uniform: Haar on U(2) up to a phase), on the probed
    training samples ``features``; counts go through
    :func:`~qml_entanglement.metrics.randomized_purities_from_counts`.
    """

    def __init__(self, simulator, features, num_qubits: int, unitaries: int, shots: int, seed):
        self.simulator, self.features = simulator, features
        half = tuple(range(max(num_qubits // 2, 1)))
        self.subsystems = [(q,) for q in range(num_qubits)] + [half]
        self.half, self.n = half, num_qubits
        self.unitaries, self.shots = unitaries, shots
        self.rng = np.random.default_rng([seed, 16])

    def __call__(self, theta: np.ndarray) -> dict[str, float]:
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

    def estimate(self, theta: np.ndarray, states: np.ndarray) -> dict[str, float]:
        """One epoch's estimates at parameters ``theta`` (``states`` unused: measured anew)."""
        return self(theta)


def _estimates(result, half) -> dict[str, float]:
    """Epoch means of the Meyer-Wallach and half-cut Renyi-2 estimates, with their errors."""
    out: dict[str, float] = {}
    estimates = (randomized_meyer_wallach(result), randomized_renyi2(result, half))
    for name, estimate in zip(KEYS, estimates, strict=True):
        mean = mean_over_samples(estimate, error="measurement")
        out[name] = float(mean.value)
        out[f"{name}_se"] = float(mean.standard_error)
    return out
