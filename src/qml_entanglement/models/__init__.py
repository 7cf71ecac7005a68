"""Models (a feature map, an ansatz, a readout) and their circuits (qiskit circuit library).

Options are registered in :mod:`qml_entanglement.config.models`; :func:`build_feature_map` and
:func:`build_ansatz` build one by name with its config defaults, for use outside a run.
"""

from typing import Any

from qiskit.circuit import QuantumCircuit

from ..config.store import build_option, option_names
from .base import Model
from .bell_toy import BellToy, bell_toy_circuit
from .readout import READOUTS
from .vqc import VQC

FEATURE_MAPS = option_names("model/feature_map")
ANSATZE = option_names("model/ansatz")


def _given(**fields: Any) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


def build_feature_map(
    name: str, num_qubits: int, reps: int | None = None, entanglement: str | None = None, **options
) -> QuantumCircuit:
    """Feature map ``name`` (``zz``, ``z``, ``pauli``) on ``num_qubits`` qubits."""
    return build_option(
        "model/feature_map", name, **_given(reps=reps, entanglement=entanglement, **options)
    )(num_qubits)


def build_ansatz(
    name: str, num_qubits: int, reps: int | None = None, entanglement: str | None = None, **options
) -> QuantumCircuit:
    """Ansatz ``name`` (``real_amplitudes``, ``efficient_su2``, ``two_local``)."""
    return build_option(
        "model/ansatz", name, **_given(reps=reps, entanglement=entanglement, **options)
    )(num_qubits)


__all__ = [
    "ANSATZE",
    "FEATURE_MAPS",
    "READOUTS",
    "VQC",
    "BellToy",
    "Model",
    "bell_toy_circuit",
    "build_ansatz",
    "build_feature_map",
]
