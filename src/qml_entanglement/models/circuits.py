"""Circuits of the models, all built with ``qiskit.circuit.library``.

A model is a feature map (data encoding, parameters ``x[i]``) followed by a trainable ansatz
(parameters ``theta[j]``). ``entanglement="none"`` builds the ansatz without any entangling gate
(the control of the study: same rotations, no entanglers).
"""

from __future__ import annotations

from qiskit.circuit import Parameter, QuantumCircuit
from qiskit.circuit import library as lib

ENTANGLEMENT_PATTERNS = ("linear", "reverse_linear", "circular", "full", "pairwise", "sca", "none")


def _pattern(entanglement: str) -> str | list:
    return [] if entanglement == "none" else entanglement


def build_feature_map(
    name: str,
    num_qubits: int,
    reps: int,
    entanglement: str = "full",
    alpha: float = 2.0,
    paulis: list[str] | None = None,
) -> QuantumCircuit:
    """``zz`` = ZZFeatureMap, ``z`` = ZFeatureMap, ``pauli`` = PauliFeatureMap (qiskit library)."""
    if name == "zz":
        return lib.zz_feature_map(
            num_qubits, reps=reps, entanglement=_pattern(entanglement), alpha=alpha
        )
    if name == "z":
        return lib.z_feature_map(num_qubits, reps=reps, alpha=alpha)
    if name == "pauli":
        return lib.pauli_feature_map(
            num_qubits,
            reps=reps,
            entanglement=_pattern(entanglement),
            alpha=alpha,
            paulis=list(paulis) if paulis else None,
        )
    raise ValueError(f"model.feature_map.name={name!r} is not one of {', '.join(FEATURE_MAPS)}")


def build_ansatz(
    name: str,
    num_qubits: int,
    reps: int,
    entanglement: str,
    rotation_blocks: list[str] | None = None,
    entanglement_blocks: str = "cx",
) -> QuantumCircuit:
    """``real_amplitudes``, ``efficient_su2`` or ``two_local`` (``n_local``), qiskit library."""
    pattern = _pattern(entanglement)
    if name == "real_amplitudes":
        return lib.real_amplitudes(num_qubits, reps=reps, entanglement=pattern)
    if name == "efficient_su2":
        return lib.efficient_su2(num_qubits, reps=reps, entanglement=pattern)
    if name == "two_local":
        return lib.n_local(
            num_qubits,
            rotation_blocks=list(rotation_blocks or ["ry", "rz"]),
            entanglement_blocks=entanglement_blocks,
            entanglement=pattern,
            reps=reps,
        )
    raise ValueError(f"model.ansatz.name={name!r} is not one of {', '.join(ANSATZE)}")


def bell_toy_circuit() -> QuantumCircuit:
    """The study's toy: ``RY(theta)`` on qubit 0, then CNOT(0 -> 1).

    Output ``cos(theta/2)|00> + sin(theta/2)|11>``: a product state at ``theta = 0`` and a Bell
    state at ``theta = pi/2``.
    """
    circuit = QuantumCircuit(2, name="bell_toy")
    circuit.ry(Parameter("θ"), 0)
    circuit.cx(0, 1)
    return circuit


FEATURE_MAPS = ("zz", "z", "pauli")
ANSATZE = ("real_amplitudes", "efficient_su2", "two_local")
