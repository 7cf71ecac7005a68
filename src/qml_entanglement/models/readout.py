"""Readouts: maps from basis-state probabilities ``(B, 2**n)`` to class probabilities ``(B, C)``.

A readout is the matrix ``R`` of shape ``(2**n, C)`` with ``P_class = p @ R``.
"""

from __future__ import annotations

import numpy as np


def parity_readout(num_qubits: int) -> np.ndarray:
    """Class 1 for odd parity of the measured bitstring, class 0 for even (qiskit's VQC parity)."""
    index = np.arange(2**num_qubits)
    odd = np.array([bin(i).count("1") % 2 for i in index], dtype=float)
    return np.stack([1.0 - odd, odd], axis=1)


def identity_readout(num_qubits: int) -> np.ndarray:
    """Every basis state is its own class (index in qiskit little-endian order)."""
    return np.eye(2**num_qubits)


READOUTS = {"parity": parity_readout, "identity": identity_readout}
