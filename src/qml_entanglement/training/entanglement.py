"""Entanglement of the trained block itself, independent of the data: Zanardi's entangling
power at the current parameters (per step with ``metrics.entangling_power_samples``). The
entanglement of the model's output states is :mod:`qml_entanglement.metrics.summary`.
"""

from __future__ import annotations

import numpy as np

from ..engine import program_unitary
from ..metrics import entangling_power


def block_entangling_power(program, n_samples: int, seed: int):
    """``theta -> {"entangling_power": e_p(U(theta))}`` for the trainable block's unitary.

    Zanardi's entangling power (mean single-qubit linear entropy produced from random product
    inputs) describes the trained circuit itself, independent of the data. The same seeded
    inputs are used every epoch, so epoch-to-epoch changes are not sampling noise.
    """

    def measure(theta: np.ndarray) -> dict[str, float]:
        unitary = program_unitary(program, theta)
        return {"entangling_power": float(entangling_power(unitary, n_samples, seed=seed))}

    return measure
