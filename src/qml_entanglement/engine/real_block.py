"""The fast path for real trainable blocks, with one-qubit phases: lowered steps run by the
compiled kernels.

:class:`RealBlockPath` evaluates ``readout(|U(theta) phi_b|**2)`` for a batch of encodings
``phi_b`` and, given ``dL/dP_class``, the exact gradient in ``theta`` (the block's angle table
maps angle gradients to parameter gradients: ``d theta = J^T d angle``). It is chosen
automatically by :class:`~.statevector.StatevectorSimulator` when
:func:`~.lowering.lower_real_block` accepts the block; its name (logged as the run's
``engine_path``) is :data:`NAME` for a real block (RY, fixed real gates, signed
permutations: RealAmplitudes) and :data:`PHASE_NAME` when one-qubit phases (``rz``, ``p``)
couple the real and imaginary parts (EfficientSU2); the kernels are the same. The kernels
are compiled once and cached on disk (numba ``cache=True``); ``make setup`` compiles them
ahead (``python -m qml_entanglement.engine``), so a run only loads them.

Threads: numba's threading layer is ``forksafe`` (TBB when numba can load it, else numba's
``workqueue``; never GNU OpenMP, whose thread pool does not survive ``fork`` -- sweeps fork
their workers; at n = 12 on this loaded 2-core machine TBB's work stealing gave the same epoch
time as ``workqueue``'s static shares, and at n = 14 / 16 beside busy neighbours TBB's work
stealing over single chunks gained nothing either (benchmarks/README.md), so TBB is not a
dependency), with as many threads as ``os.sched_getaffinity`` gives; the kernels are the only
threads at work (the session keeps BLAS on one thread). ``workqueue`` must not be entered from
two Python threads at once, so calls are serialised by a lock.

The segmentation fault that once made the old engine's threads opt-in: one CI dry run (issue
14) died in pandas' C CSV reader inside ``test_compare_report``, with an idle
``concurrent.futures`` thread and tqdm's monitor thread alive. Both are started by MLflow's
artifact downloads, not by the engine, and an idle pool thread waiting on its queue touches no
memory, so the record points away from the engine threads; it was not reproduced, and the
cause was not established. Threads are on by default on both paths (one meaning of
``QML_ENGINE_THREADS``: a cap); these kernels start no Python threads at all, and the NumPy
path's threads run with BLAS held to one thread and with SIGINT/SIGTERM blocked.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import numpy as np

from .compile import Program
from .lowering import RealBlock, lower_real_block

NAME = "real-block (numba)"
PHASE_NAME = "real-block+phases (numba)"
THREADS_VARIABLE = "QML_ENGINE_THREADS"  # a cap on the engine's threads (both paths)
L2_FALLBACK = 512 << 10
L3_FALLBACK = 16 << 20
WORKING_BUFFERS = 3  # state, adjoint state, permutation target
MIN_CHUNK = 8
# The most output states (complex128) one evaluation holds beside the encodings: larger
# batches are evaluated in slices (:func:`slice_width`). A fixed size, not the free memory, so
# the same config always sums its gradient in the same order.
SLICE_BYTES = 1 << 30
_lock = threading.Lock()


def _cache_bytes(index: int, fallback: int) -> int:
    path = Path(f"/sys/devices/system/cpu/cpu0/cache/index{index}/size")
    try:
        text = path.read_text().strip().upper()
        scale = {"K": 1 << 10, "M": 1 << 20}.get(text[-1], 1)
        return int(text.rstrip("KM")) * scale
    except (OSError, ValueError):
        return fallback


@cache
def l2_bytes() -> int:
    """A core's L2 cache in bytes (sysfs), 512 KiB when it cannot be read."""
    return _cache_bytes(2, L2_FALLBACK)


@cache
def l3_bytes() -> int:
    """The L3 cache in bytes (sysfs), 16 MiB when it cannot be read."""
    return _cache_bytes(3, L3_FALLBACK)


def engine_threads() -> int:
    """Every core this process may run on (``os.sched_getaffinity``), capped by
    ``$QML_ENGINE_THREADS`` when set."""
    cores = len(os.sched_getaffinity(0))
    cap = os.environ.get(THREADS_VARIABLE)
    return max(1, min(cores, int(cap))) if cap else cores


@cache
def chunk_width(batch: int, num_qubits: int) -> int:
    """Samples per chunk: the largest ``b`` with three buffers of ``2**n * 2 b`` float64 in
    L2 when that is at least :data:`MIN_CHUNK` (rows of ``2 b >= 16`` reals keep the
    innermost loops long); else as many as fit in a quarter of L3 (at least 1, at most
    :data:`MIN_CHUNK`): measured at n = 14 / 16, 4 / 1-2 samples per chunk beat 8 by
    1.1-1.6x. At most the batch; independent of the thread count, so are the results."""
    states = WORKING_BUFFERS * 16 * 2**num_qubits
    fits = l2_bytes() // states
    if fits < MIN_CHUNK:
        fits = min(MIN_CHUNK, max(1, l3_bytes() // (4 * states)))
    return int(max(1, min(batch, fits)))


@cache
def slice_width(batch: int, num_qubits: int) -> int:
    """Samples per slice of an evaluation: the whole batch while its output states fit in
    :data:`SLICE_BYTES`, else the most whole chunks (:func:`chunk_width`) that do, at least
    one chunk. Independent of the thread count and of the free memory."""
    state = 16 * 2**num_qubits
    if batch * state <= SLICE_BYTES:
        return batch
    chunk = chunk_width(batch, num_qubits)
    return max(chunk, SLICE_BYTES // state // chunk * chunk)


@contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM blocked on the calling thread for a parallel call, so the kernel
    threads numba starts in it (first call, or first call after ``fork``) inherit the block
    and never take those signals: the kernel then delivers them to the main thread, whose own
    blocking (a run recording a step, ``signals_deferred``) must hold. A signal arriving
    during the call waits until it returns."""
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@cache
def _kernels():
    """Import the kernels once, after choosing the threading layer (numba reads it at the
    first parallel launch)."""
    import numba

    numba.config.THREADING_LAYER = "forksafe"
    from . import real_kernels

    return numba, real_kernels


class RealBlockPath:
    """Forward and gradient of a lowered real block on batches of encodings."""

    def __init__(self, program: Program, block: RealBlock):
        self.program = program
        self.block = block
        self.name = PHASE_NAME if block.has_phases else NAME
        self.n = program.num_qubits
        b = block
        self._steps = (b.kind, b.table, b.size, b.qubit, b.gates, b.slot, b.angle, b.scale,
                       b.fixed, b.phase, b.perms, b.signs)  # fmt: skip
        self._to_theta = _pair_sums_to_theta(program, block)
        self._last: tuple[bytes, np.ndarray] = (b"", np.empty(0))

    def _angles(self, theta: np.ndarray) -> np.ndarray:
        """The gate angles at ``theta``, kept for the last ``theta`` (an epoch's forward and
        gradient share them)."""
        theta = np.asarray(theta, dtype=float)
        key = theta.tobytes()
        if key != self._last[0]:
            self._last = (key, self.program.angles.evaluate(theta))
        return self._last[1]

    @classmethod
    def for_program(cls, program: Program) -> RealBlockPath | None:
        block = lower_real_block(program)
        return None if block is None else cls(program, block)

    def _call(self, name: str, batch: int, *args) -> None:
        """Run kernel ``name`` (``forward`` / ``backward``) on ``(data, angles, *outputs)``
        with the block's steps: its parallel form when the batch spans several chunks, else
        the serial one."""
        numba, kernels = _kernels()
        chunk = chunk_width(batch, self.n)
        if chunk >= batch:
            getattr(kernels, name + "_serial")(args[0], self.n, chunk, self._steps, *args[1:])
            return
        with _lock, _signals_held():
            numba.set_num_threads(min(engine_threads(), numba.config.NUMBA_NUM_THREADS))
            getattr(kernels, name)(args[0], self.n, chunk, self._steps, *args[1:])

    def forward(
        self, theta: np.ndarray, encoded: np.ndarray, readout: np.ndarray, purities: bool = False
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Output states ``(B, 2**n)`` complex, class probabilities ``(B, C)`` and, when
        asked, every qubit's reduced-state purity ``(B, n)`` (from the same pass)."""
        encoded = np.ascontiguousarray(encoded, dtype=complex)
        batch = encoded.shape[0]
        angles = self._angles(theta)
        states = np.empty_like(encoded)
        class_probs = np.empty((batch, readout.shape[1]))
        out = np.empty((batch if purities else 0, self.n))
        self._call(
            "forward", batch, encoded.view(np.float64), angles,
            np.ascontiguousarray(readout, dtype=float), states.view(np.float64), class_probs, out,
        )  # fmt: skip
        return states, class_probs, out if purities else None

    def gradient(
        self, theta: np.ndarray, states: np.ndarray, readout: np.ndarray, d_class: np.ndarray
    ) -> np.ndarray:
        """``dL/dtheta`` from the output ``states`` and ``d_class = dL/dP_class`` ``(B, C)``:
        the kernel's pair sums, summed over chunks, through :func:`_pair_sums_to_theta`."""
        states = np.ascontiguousarray(states, dtype=complex)
        batch = states.shape[0]
        angles = self._angles(theta)
        sums = np.empty((-(-batch // chunk_width(batch, self.n)),) + self.block.angle.shape)
        self._call(
            "backward", batch, states.view(np.float64), angles,
            np.ascontiguousarray(readout, dtype=float),
            np.ascontiguousarray(d_class, dtype=float), sums,
        )  # fmt: skip
        return self._to_theta @ sums.sum(axis=0).ravel()


def _pair_sums_to_theta(program: Program, block: RealBlock) -> np.ndarray:
    """The matrix ``(P, G * GROUP_GATES)`` from the kernel's pair sums (summed over chunks,
    flattened) to ``dL/dtheta``: ``2 k`` per rotation or phase (``k = (k_0 - k_1) / 2``)
    onto its angle row, then the angle
    table's ``J^T``."""
    rotations = (block.angle >= 0).ravel()
    onto_angles = np.zeros((program.angles.jacobian.shape[0], rotations.size))
    columns = np.flatnonzero(rotations)
    onto_angles[block.angle.ravel()[columns], columns] = 2 * block.scale.ravel()[columns]
    return program.angles.jacobian.T @ onto_angles


def compile_ahead() -> float:
    """Compile (or load) both kernels on a tiny block; returns the seconds it took."""
    import time

    from qiskit.circuit.library import real_amplitudes

    from .compile import compile_circuit

    tic = time.perf_counter()
    n = 10
    path = RealBlockPath.for_program(compile_circuit(real_amplitudes(n, reps=1)))
    theta = np.zeros(path.program.num_parameters)
    readout = np.ones((2**n, 1))
    for batch in (1, 3 * chunk_width(1 << 20, n)):  # the serial and the parallel kernels
        encoded = np.zeros((batch, 2**n), dtype=complex)
        encoded[:, 0] = 1.0
        states, _, _ = path.forward(theta, encoded, readout, purities=True)
        path.gradient(theta, states, readout, np.ones((batch, 1)))
    return time.perf_counter() - tic
