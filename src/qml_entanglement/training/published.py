"""The write-up's own "entanglement" quantities, reproduced only to explain its figures.

The write-up ("Effect of Entanglement on Model Training", QOSF; code in
born-2learn/Entanglement_in_QML) plotted two quantities that do not measure what its text says:

* ``published_von_neumann_entropy``: ``S(rho) = -Tr rho log2 rho`` of the *whole* pure output
  state (qiskit ``entropy(DensityMatrix(psi), base=2)``), which is 0 for every pure state; what
  it plots is floating-point rounding (about 1e-15 bits).
* ``published_meyer_wallach``: Meyer-Wallach ``Q = 2 (1 - (1/n) sum_k Tr rho_k^2)`` (Brennen,
  Quantum Inf. Comput. 3, 619 (2003)) of a *single* input point ``x = [0.5, 0.9]`` that is not
  in the data set, evaluated with ADAM's first-moment vector ``m_t`` in place of the parameters
  and computed from ``Statevector.to_dict().values()``, i.e. only the non-zero amplitudes (the
  helper fails when an amplitude is exactly zero; we log NaN then).

Both are logged under their own ``published_*`` names, never as entanglement evidence. Qubit
ordering is qiskit's little-endian one; Q is symmetric in the qubits, so the write-up's
big-endian reading of the amplitude list gives the same value.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from qiskit.quantum_info import DensityMatrix, entropy

from ..metrics import single_qubit_measures


def whole_state_entropy(state: np.ndarray) -> float:
    """Von Neumann entropy (bits) of the whole state ``|psi><psi|``: 0 up to rounding."""
    return float(entropy(DensityMatrix(np.asarray(state)), base=2))


def amplitude_dict_meyer_wallach(state: np.ndarray) -> float:
    """Meyer-Wallach Q of the normalised vector of ``state``'s non-zero amplitudes.

    This is the write-up's computation (``qutip.Qobj(list(sv.to_dict().values())).unit()``
    then partial traces): NaN when some amplitude is exactly zero, since the shortened vector
    is then no longer a state of the same number of qubits.
    """
    state = np.asarray(state, dtype=complex)
    amplitudes = state[state != 0]
    if amplitudes.size != state.size:
        return float("nan")
    amplitudes = amplitudes / np.linalg.norm(amplitudes)
    return float(single_qubit_measures(amplitudes[None]).meyer_wallach[0])


StepMetrics = Callable[[np.ndarray, object], dict[str, float]]


def as_published_metrics(
    states_at: Callable[[np.ndarray], np.ndarray], *, of_moment: bool
) -> StepMetrics:
    """``(theta, optimizer) -> {published_*: value}`` for one training step.

    ``states_at(params)`` returns the model's output state(s) for parameters ``params``: for the
    VQC at the write-up's point ``x = [0.5, 0.9]``, for the Bell toy its only state. With
    ``of_moment`` (the VQC) the quantities use the optimizer's first moment ``m_t``
    (``optimizer.m``; none before the first update, so step 0 has no value), else (the toy) the
    parameters, and only the whole-state entropy.
    """

    def measure(theta: np.ndarray, optimizer: object) -> dict[str, float]:
        if not of_moment:
            return {"published_von_neumann_entropy": whole_state_entropy(states_at(theta)[0])}
        moment = getattr(optimizer, "m", None)
        if moment is None:
            return {}
        state = states_at(np.asarray(moment, dtype=float))[0]
        return {
            "published_von_neumann_entropy": whole_state_entropy(state),
            "published_meyer_wallach": amplitude_dict_meyer_wallach(state),
        }

    return measure
