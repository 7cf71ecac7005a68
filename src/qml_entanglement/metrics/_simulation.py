"""Output states of a parameterised circuit for many parameter values, via the batched engine.

The circuit-level metrics (:mod:`.circuits`) need the states of one circuit for thousands of
random parameter vectors; :mod:`qml_entanglement.engine` compiles the circuit once and applies
every gate to the whole batch, with per-sample angles.
"""

from __future__ import annotations

import numpy as np
from qiskit.circuit import QuantumCircuit

from ..engine.compile import compile_circuit
from ..engine.statevector import run_program


def simulate_statevectors(circuit: QuantumCircuit, parameter_values: np.ndarray) -> np.ndarray:
    """Output statevectors of ``circuit`` applied to ``|0...0>`` for each row of parameters.

    Parameters
    ----------
    circuit : qiskit.QuantumCircuit
        A unitary circuit (no measurements or resets), possibly parameterised.
    parameter_values : array_like, shape (S, circuit.num_parameters)
        Row ``i`` binds ``circuit.parameters`` (qiskit's sorted order) for sample ``i``.

    Returns
    -------
    numpy.ndarray, shape (S, 2**circuit.num_qubits)
        Statevectors in qiskit's little-endian order, including a numeric global phase.
    """
    values = np.asarray(parameter_values, dtype=float)
    params = list(circuit.parameters)
    if values.ndim != 2 or values.shape[1] != len(params):
        raise ValueError(
            f"parameter_values must have shape (S, {len(params)}) for a circuit with "
            f"{len(params)} parameters; got shape {values.shape}"
        )
    program = compile_circuit(circuit, params, allow_nonlinear=True)
    states = np.zeros((2**circuit.num_qubits, values.shape[0]), dtype=complex)  # batch-last
    states[0] = 1.0
    return np.ascontiguousarray(run_program(program, states, program.angles.evaluate(values)).T)
