"""The study's toy model: ``RY(theta)`` on qubit 0, then CNOT(0 -> 1), no data."""

from __future__ import annotations

import numpy as np
from qiskit.circuit import Parameter, QuantumCircuit

from .readout import READOUTS


def bell_toy_circuit() -> QuantumCircuit:
    """``RY(theta)`` on qubit 0, then CNOT(0 -> 1).

    Output ``cos(theta/2)|00> + sin(theta/2)|11>``: a product state at ``theta = 0`` and a Bell
    state at ``theta = pi/2``.
    """
    circuit = QuantumCircuit(2, name="bell_toy")
    circuit.ry(Parameter("θ"), 0)
    circuit.cx(0, 1)
    return circuit


class BellToy:
    """The toy as a model: no feature map, the identity readout (four basis-state "classes"),
    the single angle starting at ``initial_angle``."""

    published_point = None  # the write-up's toy quantities use its only state

    def __init__(self, num_qubits: int, initial_angle: float, readout: str, init_seed: int):
        self.num_qubits = num_qubits
        self.feature_map = QuantumCircuit(num_qubits, name="no_encoding")
        self.ansatz = bell_toy_circuit()
        self.readout = READOUTS[readout](num_qubits)
        self.initial_angle = initial_angle

    def initial_parameters(self) -> np.ndarray:
        return np.full(self.ansatz.num_parameters, float(self.initial_angle))

    def tags(self) -> dict[str, str]:
        return {"ansatz": "bell_toy", "feature_map": "none", "entanglement": "cx"}
