"""qiskit-aer backend: exact or sampled probabilities, optional noise, parameter-shift gradients.

The model circuit ``feature_map + ansatz`` runs on ``AerSimulator`` with every sample (and every
shifted parameter set) bound in one job (``parameter_binds``). Without noise the output states
are saved as statevectors; with depolarising noise the simulation uses density matrices and the
states returned are ``(B, 2**n, 2**n)`` density matrices, so the run logs mixed-state measures.

Gradients use the two-term parameter-shift rule per gate occurrence (Mitarai et al. 2018;
Schuld et al. 2019): each trainable gate angle ``phi_j = b_j + A_j theta`` gets its own
parameter, ``d<p>/d phi_j = (<p>(phi_j + pi/2) - <p>(phi_j - pi/2)) / 2`` for generators with
eigenvalues ``{r, r + 1}`` (``rx, ry, rz, p, rzz, ...``), and ``d/d theta = A^T d/d phi``.

Readout error is applied by Aer at measurement (``shots`` set) or, for exact probabilities
(``shots=None``), analytically as the per-qubit confusion matrix ``[[1-e, e], [e, 1-e]]``.
"""

from __future__ import annotations

import numpy as np
from qiskit import transpile
from qiskit.circuit import Parameter, ParameterExpression, QuantumCircuit

from .compile import CircuitCompileError, compile_circuit

SHIFT = np.pi / 2


def _shift_rule_ok(op) -> bool:
    spectrum = op.eigvals if op.kind == "dense" else op.phases
    values = np.unique(np.round(spectrum, 9))
    return len(values) == 2 and abs(values[1] - values[0] - 1.0) < 1e-9


def _per_occurrence(ansatz: QuantumCircuit) -> tuple[QuantumCircuit, list[Parameter]]:
    """The ansatz with every trainable gate angle replaced by its own parameter ``phi_j``."""
    out = QuantumCircuit(*ansatz.qregs, *ansatz.cregs, name=ansatz.name)
    phis: list[Parameter] = []
    for instruction in ansatz.data:
        op = instruction.operation
        symbolic = any(isinstance(p, ParameterExpression) and p.parameters for p in op.params)
        if symbolic:
            phi = Parameter(f"φ_{len(phis)}")
            phis.append(phi)
            op = op.to_mutable()
            op.params = [phi]
        out.append(op, instruction.qubits, instruction.clbits)
    return out, phis


def apply_readout_error(probs: np.ndarray, error: float, n: int) -> np.ndarray:
    """Symmetric bit-flip readout error ``error`` on each of ``n`` qubits, vectorised."""
    if error == 0:
        return probs
    shape = probs.shape
    tensor = probs.reshape(shape[:-1] + (2,) * n)
    for axis in range(-n, 0):
        tensor = (1 - error) * tensor + error * np.flip(tensor, axis=axis)
    return tensor.reshape(shape)


def _counts(result, experiments: int, dim: int) -> np.ndarray:
    """Counts ``(experiments, dim)`` of an Aer result; outcome ``x`` has qubit ``k`` as bit
    ``k`` (qiskit's bitstrings, most significant qubit first)."""
    counts = np.zeros((experiments, dim), dtype=np.int64)
    for i in range(experiments):
        for key, count in result.get_counts(i).items():
            counts[i, int(key.replace(" ", ""), 2)] = count
    return counts


class AerSimulatorEngine:
    """Same interface as :class:`~qml_entanglement.engine.StatevectorSimulator`, on qiskit-aer."""

    name = "aer"

    def __init__(
        self,
        feature_map: QuantumCircuit,
        ansatz: QuantumCircuit,
        *,
        shots: int | None = None,
        noise: dict | None = None,
        seed: int | None = None,
    ):
        from qiskit_aer import AerSimulator

        if shots is not None and shots <= 0:
            raise ValueError(f"simulator.shots={shots} must be a positive integer or null")
        noise = dict(noise or {})
        depolarizing = float(noise.get("depolarizing", 0.0))
        self.readout_error = float(noise.get("readout_error", 0.0))
        self.shots = shots
        self.mixed = depolarizing > 0
        self.num_qubits = ansatz.num_qubits
        self.block = compile_circuit(ansatz)  # validates gates, gives phi = b + A theta
        occurrence, self.phis = _per_occurrence(ansatz)
        rows = [op for op in self.block.ops if op.angle is not None]
        if len(rows) != len(self.phis):
            raise CircuitCompileError("simulator=aer needs an ansatz of one-parameter gates")
        for op in rows:
            if not _shift_rule_ok(op):
                raise CircuitCompileError(
                    f"instruction '{op.name}' has no two-term parameter-shift rule; "
                    "use simulator=statevector for its exact gradient"
                )
        circuit = feature_map.compose(occurrence)
        self._model = circuit.copy()  # without saves or measurements (randomized_counts)
        self._randomized = None  # its circuit with random local unitaries, built on first use
        if self.mixed:
            circuit.save_density_matrix(label="state")
        else:
            circuit.save_statevector(label="state")
        if shots is not None:
            circuit.measure_all()
        self.backend = AerSimulator(
            method="density_matrix" if self.mixed else "statevector",
            noise_model=self._noise_model(depolarizing, self.readout_error if shots else 0.0),
            seed_simulator=seed,
        )
        self.circuit = transpile(circuit, self.backend, optimization_level=0)
        self.x_params = list(feature_map.parameters)

    @property
    def num_parameters(self) -> int:
        return self.block.num_parameters

    def randomized_estimator(self, features, unitaries: int, shots: int, seed: int):
        """Randomized-measurement estimates with the shots measured by Aer on ``features``
        (:class:`~qml_entanglement.metrics.randomized_estimates.CountsRandomizedEstimates`)."""
        from ..metrics.randomized_estimates import CountsRandomizedEstimates

        return CountsRandomizedEstimates(self, features, self.num_qubits, unitaries, shots, seed)

    @staticmethod
    def _noise_model(depolarizing: float, readout: float):
        if depolarizing == 0 and readout == 0:
            return None
        from qiskit_aer.noise import NoiseModel, ReadoutError, depolarizing_error

        model = NoiseModel()
        if depolarizing > 0:
            one = ["h", "x", "y", "z", "s", "sdg", "sx", "rx", "ry", "rz", "p", "u"]
            model.add_all_qubit_quantum_error(depolarizing_error(depolarizing, 1), one)
            model.add_all_qubit_quantum_error(depolarizing_error(depolarizing, 2), ["cx", "cz"])
        if readout > 0:
            model.add_all_qubit_readout_error(
                ReadoutError([[1 - readout, readout], [readout, 1 - readout]])
            )
        return model

    def encode(self, features: np.ndarray) -> np.ndarray:
        """Aer binds the raw features; nothing to precompute."""
        return np.atleast_2d(np.asarray(features, dtype=float))

    def _run(self, features: np.ndarray, phis: np.ndarray):
        """States and probabilities for every (phi set, sample): shapes (S, B, ...)."""
        n_sets, batch = len(phis), len(features)
        binds = {p: np.tile(features[:, i], n_sets) for i, p in enumerate(self.x_params)}
        binds.update({p: np.repeat(phis[:, j], batch) for j, p in enumerate(self.phis)})
        result = self.backend.run(
            self.circuit, parameter_binds=[binds], shots=self.shots or 1
        ).result()
        total = n_sets * batch
        states = np.array([np.asarray(result.data(i)["state"]) for i in range(total)])
        dim = 2**self.num_qubits
        if self.shots is None:
            mixed = self.mixed
            probs = np.real(np.einsum("bii->bi", states)) if mixed else np.abs(states) ** 2
            probs = apply_readout_error(probs, self.readout_error, self.num_qubits)
        else:
            probs = _counts(result, total, dim) / self.shots
        return (
            states.reshape((n_sets, batch) + states.shape[1:]),
            probs.reshape(n_sets, batch, dim),
        )

    def randomized_counts(
        self, theta: np.ndarray, features: np.ndarray, angles: np.ndarray, shots: int
    ) -> np.ndarray:
        """Counts ``(B, U, 2**n)`` of ``shots`` measurements of each sample's output state after
        each of ``U`` local unitaries, run by Aer (with the model's noise and readout error).

        ``angles`` ``(U, n, 3)`` are ``u(theta, phi, lambda)`` angles per unitary and qubit; one
        Aer job binds every (unitary, sample) pair. Outcome ``x`` has qubit ``k`` as bit ``k``.
        """
        n, batch, units = self.num_qubits, len(features), len(angles)
        if self._randomized is None:
            from qiskit.circuit import ParameterVector

            u = ParameterVector("u", 3 * n)
            circuit = self._model.copy()
            for q in range(n):
                circuit.u(u[3 * q], u[3 * q + 1], u[3 * q + 2], q)
            circuit.measure_all()
            self._randomized = (transpile(circuit, self.backend, optimization_level=0), u)
        circuit, u = self._randomized
        phi = self.block.angles.evaluate(np.asarray(theta, dtype=float))
        binds = {p: np.tile(features[:, i], units) for i, p in enumerate(self.x_params)}
        binds.update({p: np.full(units * batch, phi[j]) for j, p in enumerate(self.phis)})
        flat = angles.reshape(units, 3 * n)
        binds.update({u[k]: np.repeat(flat[:, k], batch) for k in range(3 * n)})
        result = self.backend.run(circuit, parameter_binds=[binds], shots=shots).result()
        counts = _counts(result, units * batch, 2**n)
        return counts.reshape(units, batch, 2**n).transpose(1, 0, 2)

    def probabilities_and_states(self, theta, encoded):
        phi = self.block.angles.evaluate(np.asarray(theta, dtype=float))
        states, probs = self._run(encoded, phi[None, :])
        return states[0], probs[0]

    def value_and_grad(self, theta, encoded, objective):
        phi = self.block.angles.evaluate(np.asarray(theta, dtype=float))
        g = len(phi)
        shifts = np.eye(g) * SHIFT
        phis = np.concatenate([phi[None, :], phi + shifts, phi - shifts])
        states, probs = self._run(encoded, phis)
        value, d_prob = objective(probs[0])
        d_phi = np.einsum("bk,jbk->j", d_prob, probs[1 : g + 1] - probs[g + 1 :]) / 2
        return states[0], probs[0], float(value), self.block.angles.jacobian.T @ d_phi
