"""Trainable ansatze (parameters ``theta[j]``), built with ``qiskit.circuit.library``.

One function per ``model/ansatz`` option (:mod:`qml_entanglement.config.models`); each records
what it is in ``circuit.metadata`` (``ansatz``, ``entanglement``). ``entanglement="none"``
builds the ansatz without any entangling gate (the study's control: same rotations, no
entanglers).
"""

from __future__ import annotations

from qiskit.circuit import QuantumCircuit
from qiskit.circuit import library as lib

from .feature_maps import _labelled, pattern


def real_amplitudes(num_qubits: int, *, reps: int, entanglement: str) -> QuantumCircuit:
    """qiskit ``real_amplitudes``: RY layers between CX entanglers."""
    circuit = lib.real_amplitudes(num_qubits, reps=reps, entanglement=pattern(entanglement))
    return _labelled(circuit, ansatz="real_amplitudes", entanglement=entanglement)


def efficient_su2(num_qubits: int, *, reps: int, entanglement: str) -> QuantumCircuit:
    """qiskit ``efficient_su2``: RY and RZ layers between CX entanglers."""
    circuit = lib.efficient_su2(num_qubits, reps=reps, entanglement=pattern(entanglement))
    return _labelled(circuit, ansatz="efficient_su2", entanglement=entanglement)


def two_local(
    num_qubits: int,
    *,
    reps: int,
    entanglement: str,
    rotation_blocks: list[str],
    entanglement_blocks: str,
) -> QuantumCircuit:
    """qiskit ``n_local`` with the given rotation and entangling blocks."""
    circuit = lib.n_local(
        num_qubits,
        rotation_blocks=list(rotation_blocks),
        entanglement_blocks=entanglement_blocks,
        entanglement=pattern(entanglement),
        reps=reps,
    )
    return _labelled(circuit, ansatz="two_local", entanglement=entanglement)
