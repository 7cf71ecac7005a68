"""The variational quantum classifier: feature map + ansatz, parity readout."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from qiskit.circuit import QuantumCircuit

from .readout import READOUTS

PUBLISHED_POINT = (0.5, 0.9)  # the write-up's single input point x for its Meyer-Wallach


class VQC:
    """``feature_map(x)`` then ``ansatz(theta)`` on ``num_qubits`` qubits; class probabilities
    from the ``readout`` of the basis probabilities.

    ``feature_map`` and ``ansatz`` build their circuit for a number of qubits
    (:mod:`~qml_entanglement.models.feature_maps`, :mod:`~qml_entanglement.models.ansatze`).
    Initial angles are ``U(init_low, init_high)`` from ``init_seed``; ``init_generator="legacy"``
    draws from numpy's ``RandomState(init_seed)``, i.e. exactly what
    ``np.random.seed(s); low + (high - low) * np.random.rand(P)`` gives (the write-up's
    initialisation with ``s = 137``, ``low = 0``, ``high = 2 pi``).
    """

    published_point = PUBLISHED_POINT

    def __init__(
        self,
        num_qubits: int,
        feature_map: Callable[[int], QuantumCircuit],
        ansatz: Callable[[int], QuantumCircuit],
        readout: str,
        init_low: float,
        init_high: float,
        init_generator: str,
        init_seed: int,
    ):
        self.num_qubits = num_qubits
        self.feature_map = feature_map(num_qubits)
        self.ansatz = ansatz(num_qubits)
        self.readout = READOUTS[readout](num_qubits)
        self.init_low, self.init_high = init_low, init_high
        self.init_generator, self.init_seed = init_generator, init_seed

    def initial_parameters(self) -> np.ndarray:
        low, high, size = self.init_low, self.init_high, self.ansatz.num_parameters
        if self.init_generator == "legacy":
            return low + (high - low) * np.random.RandomState(self.init_seed).rand(size)
        return np.random.default_rng(self.init_seed).uniform(low, high, size=size)

    def tags(self) -> dict[str, str]:
        return {
            "ansatz": str(self.ansatz.metadata.get("ansatz", self.ansatz.name)),
            "feature_map": str(self.feature_map.metadata.get("feature_map", self.feature_map.name)),
            "entanglement": str(self.ansatz.metadata.get("entanglement", "unknown")),
        }
