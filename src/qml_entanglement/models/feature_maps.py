"""Feature maps (data encodings, parameters ``x[i]``), built with ``qiskit.circuit.library``.

One function per ``model/feature_map`` option (:mod:`qml_entanglement.config.models`); each
records what it is in ``circuit.metadata`` (``feature_map``, ``entanglement``) for run tags.
``entanglement="none"`` builds the map without entangling gates.
"""

from __future__ import annotations

from qiskit.circuit import QuantumCircuit
from qiskit.circuit import library as lib


def pattern(entanglement: str) -> str | list:
    """qiskit's entanglement argument; ``"none"`` = no pairs at all."""
    return [] if entanglement == "none" else entanglement


def _labelled(circuit: QuantumCircuit, **metadata: object) -> QuantumCircuit:
    circuit.metadata = {**(circuit.metadata or {}), **metadata}
    return circuit


def zz(num_qubits: int, *, reps: int, entanglement: str, alpha: float) -> QuantumCircuit:
    """qiskit ``zz_feature_map`` (Havlicek et al., Nature 567, 209 (2019))."""
    circuit = lib.zz_feature_map(
        num_qubits, reps=reps, entanglement=pattern(entanglement), alpha=alpha
    )
    return _labelled(circuit, feature_map="zz", entanglement=entanglement)


def z(num_qubits: int, *, reps: int, alpha: float) -> QuantumCircuit:
    """qiskit ``z_feature_map``: single-qubit phases only (a product-state encoding)."""
    circuit = lib.z_feature_map(num_qubits, reps=reps, alpha=alpha)
    return _labelled(circuit, feature_map="z", entanglement="none")


def pauli(
    num_qubits: int, *, reps: int, entanglement: str, alpha: float, paulis: list[str]
) -> QuantumCircuit:
    """qiskit ``pauli_feature_map`` with the Pauli strings ``paulis``."""
    circuit = lib.pauli_feature_map(
        num_qubits,
        reps=reps,
        entanglement=pattern(entanglement),
        alpha=alpha,
        paulis=list(paulis),
    )
    return _labelled(circuit, feature_map="pauli", entanglement=entanglement)
