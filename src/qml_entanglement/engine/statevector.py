"""Batched exact statevector simulation with adjoint-method gradients.

The model circuit is ``ansatz(theta) @ feature_map(x) |0...0>``. The feature map depends only on
the data, so :meth:`StatevectorSimulator.encode` runs it once per dataset (vectorised over
samples) and the encodings are reused every epoch. The trainable block is then applied to the
whole batch in one of two ways:

* ``gate`` mode: gate by gate on the ``(B, 2**n)`` batch; cost ``O(B 2**n G)``.
* ``unitary`` mode: the block's ``2**n x 2**n`` unitary is built by running it on the
  ``2**n`` basis states, then applied to all samples with one matrix product; the gradient runs
  the adjoint sweep on that basis batch with the sample-summed adjoint ``Phi^H Lambda``
  (see :meth:`StatevectorSimulator.value_and_grad`). Cost ``O(4**n G + B 4**n)``: cheaper while
  ``2**n`` is below the batch size.

Gradients use the adjoint method (Jones & Gacon 2020, arXiv:2009.02823): with
``lambda = dL/dp * psi`` (``p = |psi|**2``) and the generator ``K_j`` of gate ``j``,
``dL/dangle_j = 2 Im <mu_j| K_j |psi_j>``, where ``psi_j`` and ``mu_j`` are the state and the
adjoint state just after gate ``j``, obtained by un-computing gates backwards. The result is
exact to rounding, needs two extra sweeps, and no loop over samples or parameters.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import cache

import numpy as np
from qiskit.circuit import QuantumCircuit
from threadpoolctl import ThreadpoolController

from .compile import CircuitCompileError, Program, compile_circuit
from .kernels import apply_generator, apply_matrix, apply_op
from .real_block import THREADS_VARIABLE as THREADS_VARIABLE  # the one variable, re-exported
from .real_block import RealBlockPath, engine_threads, slice_width

# objective(probabilities (B, 2**n)) -> (value, d value / d probabilities (B, 2**n))
Objective = Callable[[np.ndarray], tuple[float, np.ndarray]]

MODES = ("auto", "gate", "unitary")
# the fast path's per-sample readout costs C multiply-adds per amplitude: parity has C = 2
FAST_MAX_CLASSES = 16
# Gate mode runs the program on chunks of samples small enough to stay in a core's cache while
# every gate passes over them (the whole batch at n = 12 is 33 MB per copy, and each gate would
# stream it from memory): measured at n = 12, 500 samples, forward + adjoint gradient of
# RealAmplitudes(reps=3): 4.79 s whole, 2.38 s in 64-sample chunks on one core, 1.27 s on two
# (threads: every core, see _workers).
CHUNK_BYTES = 4 << 20


@cache
def _threadpools() -> ThreadpoolController:
    return ThreadpoolController()


@cache
def _workers() -> ThreadPoolExecutor | None:
    """Threads for chunks of samples (NumPy releases the GIL in its loops): as many as the
    compiled kernels use (:func:`~.real_block.engine_threads`: every core
    ``os.sched_getaffinity`` gives, capped by ``$QML_ENGINE_THREADS``, the variable's one
    meaning); None when that is one. BLAS stays on one thread inside them
    (:func:`single_threaded_blas`), so the threads are the engine's own."""
    threads = engine_threads()
    if threads <= 1:
        return None
    return ThreadPoolExecutor(threads, thread_name_prefix="engine", initializer=_signals_to_main)


def _signals_to_main() -> None:
    """Engine threads never take Ctrl-C or SIGTERM: the kernel then delivers them to the main
    thread, whose blocking of them (a run recording a step) must hold."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})


def sample_chunks(batch: int, num_qubits: int) -> list[slice]:
    """Slices of the batch whose states take about ``CHUNK_BYTES`` (one slice if all fit)."""
    width = max(1, CHUNK_BYTES // (16 * 2**num_qubits))
    if width >= batch:
        return [slice(0, batch)]
    return [slice(start, min(start + width, batch)) for start in range(0, batch, width)]


def map_chunks(function: Callable, chunks: Sequence[slice]) -> list:
    """``[function(chunk) for chunk in chunks]``, on the worker threads when there are several."""
    workers = _workers() if len(chunks) > 1 else None
    if workers is None:
        return [function(chunk) for chunk in chunks]
    return list(workers.map(function, chunks))


_blas_depth = 0  # how many single_threaded_blas blocks are open (only the outermost limits)


@contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Run BLAS on one thread inside the engine.

    Its matrix products are small; OpenBLAS's worker threads then spin after each call and
    slow the elementwise kernels that follow (measured on 2 cores, workload L unitary mode:
    75 ms per epoch single-threaded vs 167-217 ms with 2 threads). Parallelism comes from
    running jobs side by side instead. Nested blocks cost nothing: the training loop opens one
    around all its epochs (setting the limit costs ~15 us, a few % of a small epoch).
    """
    global _blas_depth
    if _blas_depth:
        _blas_depth += 1
        try:
            yield
        finally:
            _blas_depth -= 1
        return
    with _threadpools().limit(limits=1, user_api="blas"):
        _blas_depth = 1
        try:
            yield
        finally:
            _blas_depth = 0


def run_program(program: Program, psi: np.ndarray, angles: np.ndarray) -> np.ndarray:
    """Apply every op of ``program`` to the batch-last states ``psi`` ``(2**n, B)``.

    ``angles`` is ``(G,)`` (shared) or ``(B, G)`` (one row of gate angles per sample).
    """
    n = program.num_qubits
    for op in program.ops:
        angle = None if op.angle is None else angles[..., op.angle]
        psi = apply_op(psi, op, n, angle)
    return psi


def program_unitary(program: Program, values: np.ndarray) -> np.ndarray:
    """The unitary ``(2**n, 2**n)`` of ``program`` at parameter ``values`` (qiskit ordering);
    a real array for real programs (:attr:`Program.is_real`)."""
    identity = np.eye(2**program.num_qubits, dtype=float if program.is_real else complex)
    return run_program(program, identity, program.angles.evaluate(values))


def adjoint_angle_gradient(
    program: Program, psi: np.ndarray, lam: np.ndarray, angles: np.ndarray
) -> np.ndarray:
    """``sum_b 2 Re <lam_b | d psi_b / d angle_j>`` for every gate angle ``j`` of ``program``.

    ``psi`` are the program's output states, ``lam`` the adjoint states at the output, both
    batch-last ``(2**n, B)``.
    """
    n = program.num_qubits
    batch = psi.shape[1]
    grad = np.zeros(len(angles))
    both = np.concatenate([psi, lam], axis=1)  # one un-compute per gate for both
    for op in reversed(program.ops):
        angle = None
        if op.angle is not None:
            angle = angles[op.angle]
            grad[op.angle] = 2.0 * _overlap_imag(both[:, batch:], both[:, :batch], op, n)
        both = apply_op(both, op, n, angle, adjoint=True)
    return grad


def _overlap_imag(mu: np.ndarray, psi: np.ndarray, op, n: int) -> float:
    """``Im <mu| K |psi>`` summed over the batch (``zdotc``, single-threaded BLAS).

    For real ``mu`` and ``psi`` (a real program, see :attr:`Program.is_real`) the generator is
    ``K = i A`` with ``A`` real, and ``Im <mu| K |psi> = <mu| A |psi>`` in real arithmetic.
    """
    if op.kind == "diag":  # K is diagonal: sum_i k_i Im(conj(mu_i) psi_i)
        return float(np.dot(np.einsum("ib,ib->i", mu.conj(), psi).imag, op.phases))
    if not np.iscomplexobj(psi):
        return float(np.einsum("ib,ib->", mu, apply_matrix(psi, op.matrix.imag, op.qubits, n)))
    return float(np.vdot(np.ascontiguousarray(mu), apply_generator(psi, op, n)).imag)


def _times_real(states: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """``states @ matrix`` for complex ``states`` and a real ``matrix``: one real product on the
    stacked real and imaginary parts, half the arithmetic of a complex product."""
    batch = states.shape[0]
    stacked = np.concatenate([states.real, states.imag]) @ matrix
    return stacked[:batch] + 1j * stacked[batch:]


class StatevectorSimulator:
    """Exact, batched simulator of ``ansatz(theta) feature_map(x) |0>`` with exact gradients.

    Parameters
    ----------
    feature_map, ansatz
        Circuits on the same number of qubits; the feature map's parameters are the data
        (in ``feature_map.parameters`` order, matching feature columns), the ansatz's the
        trainable parameters (in ``ansatz.parameters`` order).
    mode
        ``"gate"``, ``"unitary"`` or ``"auto"``: the compiled real-block path
        (:mod:`.real_block`) when the ansatz lowers to it, else unitary while ``2**n`` is
        below the batch, else gate. ``gate`` and ``unitary`` force the NumPy engine, which
        stays the reference and the fallback.
    """

    name = "statevector"

    def __init__(self, feature_map: QuantumCircuit, ansatz: QuantumCircuit, mode: str = "auto"):
        if mode not in MODES:
            raise ValueError(f"simulator.mode={mode!r} is not one of {', '.join(MODES)}")
        if feature_map.num_qubits != ansatz.num_qubits:
            raise CircuitCompileError(
                f"feature map has {feature_map.num_qubits} qubits but the ansatz "
                f"{ansatz.num_qubits}"
            )
        shared = {p.name for p in feature_map.parameters} & {p.name for p in ansatz.parameters}
        if shared:
            raise CircuitCompileError(
                "parameters are both data and trainable: " + ", ".join(sorted(shared))
            )
        self.num_qubits = ansatz.num_qubits
        self.encoder = compile_circuit(feature_map, allow_nonlinear=True, fuse_diagonals=True)
        self.block = compile_circuit(ansatz)
        self.mode = mode
        self._unitary_cache: tuple[bytes, np.ndarray] | None = None
        self.fast = RealBlockPath.for_program(self.block) if mode == "auto" else None

    @property
    def path(self) -> str:
        """The engine path that evaluates the ansatz (logged as the run's ``engine_path``)."""
        return self.fast.name if self.fast is not None else f"numpy ({self.mode})"

    def readout_evaluation(self, theta, encoded, readout, loss, labels, with_grad: bool, keep=None):
        """``(kept states, class probabilities, mean loss, gradient or None, purities)`` on the
        compiled real-block path, or None when it does not apply (no fast path, or a readout
        with more than :data:`FAST_MAX_CLASSES` classes: the kernel's readout costs ``C`` per
        amplitude).

        ``keep`` selects the samples whose output states are returned (all when None);
        ``purities`` are every qubit's reduced-state purity per sample, ``(B, n)``, from the
        same pass. The batch is evaluated in slices of :func:`~.real_block.slice_width`
        samples, each forward, loss (per sample) and backward in turn, so that no more than
        one slice of output states is held beside the encodings (at n = 20, 500 samples'
        states are 8 GiB); the loss is per sample, so the slices' sums are the batch's.
        """
        if self.fast is None or readout.shape[1] > FAST_MAX_CLASSES:
            return None
        batch = len(labels)
        width = slice_width(batch, self.num_qubits)
        if width >= batch:
            states, class_probs, per_sample, grad, purities = self._evaluate_slice(
                theta, encoded, readout, loss, labels, batch, with_grad
            )
            kept = states if keep is None else states[keep]
        else:
            kept, class_probs, per_sample, grad, purities = self._evaluate_in_slices(
                theta, encoded, readout, loss, labels, with_grad, keep, width
            )
        mean = float(np.add.reduce(per_sample) / per_sample.size)
        return kept, class_probs, mean, grad, purities

    def _evaluate_slice(self, theta, encoded, readout, loss, labels, batch: int, with_grad):
        """``(states, class probabilities, per-sample loss, gradient or None, purities)`` of
        the samples ``encoded``, the gradient's share of a batch of ``batch`` samples."""
        states, class_probs, purities = self.fast.forward(theta, encoded, readout, True)
        per_sample, d_class = loss(class_probs, labels)
        grad = None
        if with_grad:
            d_class = np.asarray(d_class, dtype=float) / batch
            grad = self.fast.gradient(theta, states, readout, d_class)
        return states, class_probs, per_sample, grad, purities

    def _evaluate_in_slices(self, theta, encoded, readout, loss, labels, with_grad, keep, width):
        """:meth:`_evaluate_slice` over slices of ``width`` samples, the kept rows' states
        copied out of each slice and the gradients summed in slice order."""
        batch = len(labels)
        rows = np.arange(batch) if keep is None else np.arange(batch)[keep]
        kept = np.empty((rows.size, 2**self.num_qubits), dtype=complex)
        parts, grad = [], None
        for start in range(0, batch, width):
            part = slice(start, min(start + width, batch))
            states, *outputs, part_grad, purities = self._evaluate_slice(
                theta, encoded[part], readout, loss, labels[part], batch, with_grad
            )
            parts.append((*outputs, purities))
            grad = part_grad if grad is None else grad + part_grad
            inside = (rows >= part.start) & (rows < part.stop)
            kept[inside] = states[rows[inside] - part.start]
            del states  # one slice's states at a time
        class_probs, per_sample, purities = (np.concatenate(a) for a in zip(*parts, strict=True))
        return kept, class_probs, per_sample, grad, purities

    @property
    def num_parameters(self) -> int:
        return self.block.num_parameters

    @property
    def num_features(self) -> int:
        return self.encoder.num_parameters

    def randomized_estimator(self, features, unitaries: int, shots: int, seed: int):
        """Randomized-measurement estimates of the measured states, shots sampled from their
        exact probabilities (:class:`~qml_entanglement.metrics.randomized_estimates.
        RandomizedEstimates`; ``features`` unused)."""
        from ..metrics.randomized_estimates import RandomizedEstimates

        return RandomizedEstimates(self.num_qubits, unitaries, shots, seed)

    def session(self):
        """A context for many calls in a row (a training loop): BLAS limited once, not per
        call (see :func:`single_threaded_blas`)."""
        return single_threaded_blas()

    def encode(self, features: np.ndarray) -> np.ndarray:
        """Feature-map states ``(B, 2**n)`` (C order) for ``features`` ``(B, num_features)``,
        computed chunk by chunk into one array (no per-chunk copies held)."""
        features = np.atleast_2d(np.asarray(features, dtype=float))
        if features.shape[1] != self.num_features:
            raise ValueError(
                f"data has {features.shape[1]} features but the feature map takes "
                f"{self.num_features}"
            )
        angles = self.encoder.angles.evaluate(features)
        encoded = np.empty((features.shape[0], 2**self.num_qubits), dtype=complex)

        def encode_chunk(part: slice) -> None:  # written in place: one copy of the encodings
            psi = np.zeros((2**self.num_qubits, part.stop - part.start), dtype=complex)
            psi[0] = 1.0
            encoded[part] = run_program(self.encoder, psi, angles[part]).T

        with single_threaded_blas():
            map_chunks(encode_chunk, sample_chunks(features.shape[0], self.num_qubits))
        return encoded

    def _use_unitary(self, batch: int) -> bool:
        """``auto``: unitary mode while ``2**n < B`` (``< 2 B`` for real blocks, whose unitary
        costs half as much); measured crossover for RealAmplitudes at B = 300-800 samples."""
        if self.mode == "auto":
            return 2**self.num_qubits < (2 * batch if self.block.is_real else batch)
        return self.mode == "unitary"

    def _unitary(self, theta: np.ndarray) -> np.ndarray:
        """The block's unitary (real for real programs), cached for the last ``theta``."""
        key = theta.tobytes()
        if self._unitary_cache is None or self._unitary_cache[0] != key:
            self._unitary_cache = (key, program_unitary(self.block, theta))
        return self._unitary_cache[1]

    def _apply_unitary(self, encoded: np.ndarray, unitary: np.ndarray) -> np.ndarray:
        """Rows ``U phi_b`` of ``encoded @ U^T``."""
        return _times_real(encoded, unitary.T) if self.block.is_real else encoded @ unitary.T

    def states(self, theta: np.ndarray, encoded: np.ndarray) -> np.ndarray:
        """Output states ``(B, 2**n)`` of the model at parameters ``theta``."""
        theta = np.asarray(theta, dtype=float)
        if self.fast is not None:
            return self.fast.forward(theta, encoded, np.ones((2**self.num_qubits, 1)))[0]
        angles = self.block.angles.evaluate(theta)
        with single_threaded_blas():
            if self._use_unitary(encoded.shape[0]):
                return self._apply_unitary(encoded, self._unitary(theta))
            return np.concatenate([c.T for c in self._forward(encoded, angles)[1]])

    def _forward(self, encoded: np.ndarray, angles: np.ndarray):
        """Gate mode: the chunks and each chunk's output states, batch-last ``(2**n, b)``."""
        chunks = sample_chunks(encoded.shape[0], self.num_qubits)

        def forward(part: slice) -> np.ndarray:
            return run_program(self.block, np.ascontiguousarray(encoded[part].T), angles)

        return chunks, map_chunks(forward, chunks)

    def probabilities_and_states(self, theta, encoded) -> tuple[np.ndarray, np.ndarray]:
        """Output states and their basis probabilities ``|psi|**2``."""
        psi = self.states(theta, encoded)
        return psi, np.abs(psi) ** 2

    def value_and_grad(
        self, theta: np.ndarray, encoded: np.ndarray, objective: Objective
    ) -> tuple[np.ndarray, np.ndarray, float, np.ndarray]:
        """Output states, probabilities, objective value and its exact gradient in ``theta``.

        In unitary mode the sample sum ``sum_b <lam_b| dU |phi_b>`` equals
        ``sum_k <lam~_k| dU |k>`` with ``lam~_k = sum_b conj(phi_b[k]) lam_b``, so the adjoint
        sweep runs on the ``2**n`` basis states instead of the ``B`` samples.
        """
        theta = np.asarray(theta, dtype=float)
        angles = self.block.angles.evaluate(theta)
        with single_threaded_blas():
            if self._use_unitary(encoded.shape[0]):
                unitary = self._unitary(theta)
                psi = self._apply_unitary(encoded, unitary)
                probs = np.abs(psi) ** 2
                value, d_prob = objective(probs)
                lam = d_prob * psi
                if self.block.is_real:  # only Re(lam~) enters a real adjoint sweep
                    lam_t = lam.real.T @ encoded.real + lam.imag.T @ encoded.imag
                else:
                    lam_t = lam.T @ encoded.conj()
                grad_angles = adjoint_angle_gradient(self.block, unitary, lam_t, angles)
            else:
                chunks, outputs = self._forward(encoded, angles)
                psi = np.concatenate([c.T for c in outputs])
                probs = np.abs(psi) ** 2
                value, d_prob = objective(probs)
                lam = d_prob * psi

                def backward(i: int) -> np.ndarray:
                    adjoint = np.ascontiguousarray(lam[chunks[i]].T)
                    return adjoint_angle_gradient(self.block, outputs[i], adjoint, angles)

                grad_angles = np.sum(map_chunks(backward, range(len(chunks))), axis=0)
        return psi, probs, float(value), self.block.angles.jacobian.T @ grad_angles
