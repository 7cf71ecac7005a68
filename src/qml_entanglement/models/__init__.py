"""Model circuits (qiskit circuit library) and readouts."""

from .circuits import ANSATZE, FEATURE_MAPS, bell_toy_circuit, build_ansatz, build_feature_map
from .readout import READOUTS

__all__ = [
    "ANSATZE",
    "FEATURE_MAPS",
    "READOUTS",
    "bell_toy_circuit",
    "build_ansatz",
    "build_feature_map",
]
