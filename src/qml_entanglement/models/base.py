"""What every model offers the training run: circuits, readout, initial parameters, tags."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np
from qiskit.circuit import QuantumCircuit


@runtime_checkable
class Model(Protocol):
    """A parameterised model ``ansatz(theta) feature_map(x) |0>`` with a readout.

    ``readout`` is the matrix ``(2**n, C)`` from basis probabilities to class probabilities;
    ``published_point`` is the write-up's input point for its own quantities (``None``: the
    model's only state). Implementations: :class:`~qml_entanglement.models.vqc.VQC`,
    :class:`~qml_entanglement.models.bell_toy.BellToy`.
    """

    num_qubits: int
    feature_map: QuantumCircuit
    ansatz: QuantumCircuit
    readout: np.ndarray
    published_point: tuple[float, ...] | None

    def initial_parameters(self) -> np.ndarray: ...

    def tags(self) -> dict[str, str]:
        """Run tags that describe the circuit: ``ansatz``, ``feature_map``, ``entanglement``."""
        ...
