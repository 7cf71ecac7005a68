"""Benchmark: one training epoch of the statevector engine against what a user would otherwise run.

An *epoch* is what the training loop does each step on the full batch: the cross-entropy loss of
the parity readout, its exact gradient, one Adam update, and Meyer-Wallach plus the mean
single-qubit von Neumann entropy of every sample's output state.  Every contender does that
same work on the same data and circuit, and the first evaluation of each is checked against
ours (loss and gradient at the same parameters; the difference is in the row's note).

Sections of the result rows (``section`` key):

``epoch``
    Median seconds per epoch on workload S (qiskit ad hoc data, 2 qubits, 100 samples,
    ZZFeatureMap(reps=2) + RealAmplitudes(reps=1)) and L (8 qubits, 500 samples of
    ``make_classification`` reduced by PCA to 8 features scaled to [0, pi],
    ZZFeatureMap(reps=2) + RealAmplitudes(reps=3)); ``ratio`` is the row's time over ours in
    ``auto`` mode (the pipeline's default).  Contenders: our engine in ``gate``, ``unitary`` and
    ``auto`` modes; qiskit-machine-learning ``SamplerQNN`` forward + backward (its default
    parameter-shift gradient) with its default sampler (exact), qiskit's reference
    ``StatevectorSampler`` and qiskit-aer's ``SamplerV2`` (both 1024 shots), metrics state by
    state with ``qiskit.quantum_info``; PennyLane ``default.qubit`` (backprop through the
    state, inputs broadcast over samples, autograd) and ``lightning.qubit`` (adjoint
    differentiation of the parity observable; its states come from a second, broadcast QNode
    because adjoint mode cannot return states).  The peers that run one circuit per sample
    (SamplerQNN on L, lightning on L; in quick mode SamplerQNN on S too) are timed on a seeded
    subsample and scaled linearly to the full sample count; the note says so.
``ratio``
    Ours (``auto``) against the fastest peer and the fastest SamplerQNN set-up of the same run;
    ``ratio`` = peer seconds / our seconds, with the issue's goals (>= 10 and >= 3000).
``flops``
    The arithmetic bound: complex multiply-adds of every compiled gate on every state in an
    epoch (forward, and the adjoint sweep: un-computing the state and the adjoint state, the
    generator products and overlaps), divided by the best numpy complex multiply-add throughput
    measured on this machine.  ``ratio`` = our seconds / bound seconds.
``scaling``
    n = 2..16 qubits (quick: 2..8), 500 samples, RealAmplitudes(reps=3): seconds per epoch and
    peak memory for the ``gate`` mode and, up to n = 10, the ``unitary`` mode, in fresh
    subprocesses; the ``crossover`` row names the smallest n from which gate mode is the faster
    at every larger n.  The cached encodings are random normalised states (an epoch's cost does
    not depend on them; encoding 500 samples at n = 16 alone takes minutes).  Peak memory is the
    encodings plus the largest extra allocation seen by ``tracemalloc`` (NumPy reports its
    buffers to it) during one epoch; the note adds the process's peak resident size (``VmHWM``).

Every row has the keys ``benchmark, section, workload, impl, seconds, cpu_seconds, ratio,
peak_mb, note`` (``None`` where a value does not apply).  Wall-clock medians are reported;
CPU seconds include every thread (BLAS), so they can exceed the wall time.

Run standalone (``python benchmarks/bench_engine.py [--quick]``) to print the tables, or call
:func:`run` to get the rows as dicts.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

SEED = 0
LEARNING_RATE = 0.05
EPS = 1e-12  # clip of the correct-class probability, as in training.losses.CrossEntropy
MODES = ("gate", "unitary", "auto")
SAMPLER_LABELS = {
    "default": "SamplerQNN, default sampler (exact)",
    "statevector": "SamplerQNN, StatevectorSampler (1024 shots)",
    "aer": "SamplerQNN, Aer SamplerV2 (1024 shots)",
}
PL_LABELS = {
    "default.qubit": "PennyLane default.qubit (backprop)",
    "lightning.qubit": "PennyLane lightning.qubit (adjoint)",
}
GOAL_PEER, GOAL_SAMPLERQNN = 10.0, 3000.0
ROW_KEYS = ("benchmark", "section", "workload", "impl", "seconds", "cpu_seconds", "ratio")


# ----------------------------------------------------------------------------------- settings
@dataclass(frozen=True)
class Sizes:
    """Repeats of our epochs, and per peer ``(subsample size or None for all, repeats)``.

    Peer keys: ``default``, ``statevector``, ``aer`` (SamplerQNN samplers),
    ``default.qubit``, ``lightning.qubit`` (PennyLane devices).  Only SamplerQNN and lightning
    (one circuit per sample, cost linear in the sample count) may be subsampled; default.qubit
    broadcasts the whole batch, so it always runs on all samples.
    """

    ours_repeats: int
    peers: dict[str, tuple[int | None, int]]


@dataclass(frozen=True)
class Settings:
    """Everything that differs between the full and the quick benchmark."""

    s: Sizes
    l: Sizes  # noqa: E741 -- workload L
    scaling_gate: tuple[int, ...]
    scaling_unitary: tuple[int, ...]
    scaling_samples: int = 500
    workloads: tuple[str, ...] = ("S", "L")
    peers: bool = True
    l_samples: int = 500
    s_per_class: int = 50
    scaling_own_process_from: int = 11  # n >= this: one subprocess per point (honest max RSS)
    scaling_single_epoch_from: int = 13  # n >= this: one (traced) epoch instead of repeats


def _peers(qnn: tuple[int | None, int], dq: int, lightning: tuple[int | None, int]) -> dict:
    return {
        "default": qnn,
        "statevector": qnn,
        "aer": qnn,
        "default.qubit": (None, dq),
        "lightning.qubit": lightning,
    }


FULL = Settings(
    s=Sizes(200, _peers((None, 3), 20, (None, 10))),
    l=Sizes(10, _peers((3, 3), 5, (100, 3))),
    scaling_gate=tuple(range(2, 17)),  # n = 15 and 16: ~50 s and ~130 s per epoch on 2 cores
    scaling_unitary=tuple(range(2, 11)),
)
QUICK = Settings(
    s=Sizes(50, _peers((10, 1), 5, (None, 3))),
    l=Sizes(3, _peers((1, 1), 1, (25, 1))),
    scaling_gate=tuple(range(2, 9)),
    scaling_unitary=tuple(range(2, 9)),
)


# ---------------------------------------------------------------------------------- workloads
@dataclass
class Workload:
    """Data and model of one benchmark workload (ZZFeatureMap + RealAmplitudes, parity)."""

    name: str
    num_qubits: int
    feature_reps: int
    ansatz_reps: int
    x: np.ndarray
    y: np.ndarray
    description: str

    def circuits(self):
        from qml_entanglement.models import build_ansatz, build_feature_map

        feature_map = build_feature_map("zz", self.num_qubits, self.feature_reps)  # full
        # qiskit's RealAmplitudes default entanglement is reverse_linear
        ansatz = build_ansatz(
            "real_amplitudes", self.num_qubits, self.ansatz_reps, "reverse_linear"
        )
        return feature_map, ansatz

    def subsample(self, size: int | None, seed: int = SEED) -> np.ndarray:
        """Sorted indices of a seeded subsample (all samples when ``size`` is None or larger)."""
        total = len(self.y)
        if size is None or size >= total:
            return np.arange(total)
        return np.sort(np.random.default_rng(seed).choice(total, size, replace=False))


def workload_s(per_class: int = 50) -> Workload:
    """qiskit's ad hoc data, n = 2, ``per_class`` samples of each class (gap 0.3, seed 0)."""
    from qml_entanglement.data import load_dataset

    data = load_dataset(
        "ad_hoc", seed=SEED, num_features=2, training_size=per_class, test_size=1, gap=0.3
    )
    return Workload(
        "S",
        2,
        2,
        1,
        np.asarray(data.x_train, dtype=float),
        np.asarray(data.y_train, dtype=int),
        f"ad hoc, 2 qubits, {2 * per_class} samples, ZZ(reps=2) + RealAmplitudes(reps=1)",
    )


def workload_l(samples: int = 500, num_qubits: int = 8) -> Workload:
    """``make_classification`` -> PCA to ``num_qubits`` features -> MinMax to [0, pi]."""
    from sklearn.datasets import make_classification
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import MinMaxScaler

    x, y = make_classification(n_samples=samples, n_features=20, n_informative=8, random_state=SEED)
    x = PCA(n_components=num_qubits, random_state=SEED).fit_transform(x)
    x = MinMaxScaler(feature_range=(0.0, np.pi)).fit_transform(x)
    return Workload(
        "L",
        num_qubits,
        2,
        3,
        x,
        y.astype(int),
        f"make_classification, {num_qubits} qubits, {samples} samples, "
        "ZZ(reps=2) + RealAmplitudes(reps=3)",
    )


def initial_theta(num_parameters: int) -> np.ndarray:
    return np.random.default_rng(SEED).uniform(-np.pi, np.pi, num_parameters)


def cross_entropy(class_probs: np.ndarray, labels: np.ndarray) -> float:
    p = np.maximum(class_probs[np.arange(len(labels)), labels], EPS)
    return float(-np.log(p).mean())


# -------------------------------------------------------------------------------- contenders
@dataclass
class Contender:
    """One way to run an epoch.

    ``loss_grad(theta)`` returns the mean loss and its gradient; ``entanglement(theta)``
    computes Meyer-Wallach and the mean entropy of every sample's state at ``theta`` (reusing
    the states of the preceding ``loss_grad`` call where the tool allows it).
    """

    impl: str
    loss_grad: Callable[[np.ndarray], tuple[float, np.ndarray]]
    entanglement: Callable[[np.ndarray], object]
    samples: int
    note: str = ""
    setup_seconds: float = 0.0
    first: tuple[float, np.ndarray] | None = None  # loss and gradient of the first epoch

    def epoch_fn(self, theta0: np.ndarray) -> Callable[[], None]:
        from qml_entanglement.training.optimizers import Adam

        optimizer = Adam(lr=LEARNING_RATE)
        state = {"theta": np.array(theta0, dtype=float)}

        def epoch() -> None:
            theta = state["theta"]
            loss, grad = self.loss_grad(theta)
            if self.first is None:
                self.first = (loss, grad)
            self.entanglement(theta)
            state["theta"] = optimizer.step(theta, loss=loss, grad=grad, objective=None)

        return epoch


def ours(workload: Workload, mode: str, index: np.ndarray | None = None) -> Contender:
    """Our engine exactly as the training loop uses it (classifier + entanglement summary)."""
    from qml_entanglement.engine import StatevectorSimulator
    from qml_entanglement.metrics.summary import entanglement_summary
    from qml_entanglement.models.readout import parity_readout
    from qml_entanglement.training.classifier import QuantumClassifier
    from qml_entanglement.training.losses import CrossEntropy

    start = time.perf_counter()
    feature_map, ansatz = workload.circuits()
    simulator = StatevectorSimulator(feature_map, ansatz, mode=mode)
    x, y = (workload.x, workload.y) if index is None else (workload.x[index], workload.y[index])
    encoded = simulator.encode(x)
    classifier = QuantumClassifier(simulator, parity_readout(workload.num_qubits), CrossEntropy())
    last: dict[str, np.ndarray] = {}

    def loss_grad(theta):
        ev = classifier.evaluate(theta, encoded, y, with_grad=True)
        last["states"] = ev.states
        return ev.loss, ev.grad

    def entanglement(theta):
        return entanglement_summary(last["states"])

    return Contender(
        f"ours ({mode})",
        loss_grad,
        entanglement,
        len(y),
        note="encodings cached (one-off encode + compile in setup)",
        setup_seconds=time.perf_counter() - start,
    )


def _parity(k: int) -> int:
    return bin(k).count("1") % 2


def qiskit_entanglement(circuit, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Meyer-Wallach and mean single-qubit entropy (bits) state by state with quantum_info.

    ``values`` rows are full parameter vectors in ``circuit.parameters`` order.
    """
    from qiskit.quantum_info import Statevector, entropy, partial_trace

    n = circuit.num_qubits
    mw, ee = np.empty(len(values)), np.empty(len(values))
    for i, row in enumerate(values):
        sv = Statevector(circuit.assign_parameters(row))
        purities, entropies = [], []
        for k in range(n):
            rho = partial_trace(sv, [q for q in range(n) if q != k])
            purities.append(rho.purity().real)
            entropies.append(entropy(rho, base=2))
        mw[i] = 2.0 * (1.0 - np.mean(purities))
        ee[i] = np.mean(entropies)
    return mw, ee


def samplerqnn(workload: Workload, sampler_name: str, index: np.ndarray) -> Contender:
    """qiskit-machine-learning SamplerQNN forward + backward on the samples ``index``."""
    from qiskit.primitives import StatevectorSampler
    from qiskit_aer.primitives import SamplerV2 as AerSamplerV2
    from qiskit_machine_learning.neural_networks import SamplerQNN

    start = time.perf_counter()
    feature_map, ansatz = workload.circuits()
    circuit = feature_map.compose(ansatz)
    sampler = {
        "default": lambda: None,  # qiskit-machine-learning's QMLSampler, exact probabilities
        "statevector": lambda: StatevectorSampler(seed=SEED),
        "aer": lambda: AerSamplerV2(seed=SEED),
    }[sampler_name]()
    qnn = SamplerQNN(
        circuit=circuit,
        input_params=feature_map.parameters,
        weight_params=ansatz.parameters,
        interpret=_parity,
        output_shape=2,
        sampler=sampler,
    )
    x, y = workload.x[index], workload.y[index]
    rows = np.arange(len(y))
    # full parameter vectors in circuit.parameters order, for the per-sample states
    position = {p: i for i, p in enumerate(circuit.parameters)}
    x_cols = [position[p] for p in feature_map.parameters]
    w_cols = [position[p] for p in ansatz.parameters]
    values = np.zeros((len(y), circuit.num_parameters))
    values[:, x_cols] = x

    def loss_grad(theta):
        probs = qnn.forward(x, theta)  # (m, 2)
        _, dprobs = qnn.backward(x, theta)  # (m, 2, P)
        p_y = np.maximum(probs[rows, y], EPS)
        grad = -(dprobs[rows, y, :] / p_y[:, None]).mean(axis=0)
        return float(-np.log(p_y).mean()), grad

    def entanglement(theta):
        values[:, w_cols] = theta
        return qiskit_entanglement(circuit, values)

    shots = "exact probabilities" if sampler_name == "default" else "1024 shots"
    return Contender(
        SAMPLER_LABELS[sampler_name],
        loss_grad,
        entanglement,
        len(y),
        note=f"{shots}; parameter-shift gradient; metrics state by state (quantum_info)",
        setup_seconds=time.perf_counter() - start,
    )


def _pennylane_circuit(qml, n: int, feature_reps: int, ansatz_reps: int):
    """ZZFeatureMap (full) + RealAmplitudes (reverse_linear) written in PennyLane gates.

    Qubit ``q`` of qiskit is wire ``q``; PennyLane orders wires most-significant first, so
    basis indices are bit-reversed, which leaves the parity readout and the single-qubit
    measures unchanged (the agreement check in the row's note confirms it).
    """

    def circuit(x, theta):
        for _ in range(feature_reps):
            for q in range(n):
                qml.Hadamard(wires=q)
            for q in range(n):
                qml.PhaseShift(2.0 * x[..., q], wires=q)
            for i in range(n):
                for j in range(i + 1, n):
                    qml.CNOT(wires=[i, j])
                    qml.PhaseShift(2.0 * (np.pi - x[..., i]) * (np.pi - x[..., j]), wires=j)
                    qml.CNOT(wires=[i, j])
        k = 0
        for layer in range(ansatz_reps + 1):
            for q in range(n):
                qml.RY(theta[k], wires=q)
                k += 1
            if layer < ansatz_reps:
                for q in reversed(range(n - 1)):
                    qml.CNOT(wires=[q, q + 1])

    return circuit


def pennylane_entanglement(qml, states: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Meyer-Wallach and mean entropy with ``qml.math`` on a batch of states."""
    purities, entropies = [], []
    for q in range(n):
        rho = qml.math.reduce_statevector(states, indices=[q])
        purities.append(qml.math.purity(rho, indices=[0]))
        entropies.append(qml.math.vn_entropy(rho, indices=[0], base=2))
    mw = 2.0 * (1.0 - np.mean(np.real(purities), axis=0))
    return mw, np.mean(np.real(entropies), axis=0)


def pennylane(workload: Workload, device_name: str, index: np.ndarray) -> Contender:
    """PennyLane ``default.qubit`` (backprop) or ``lightning.qubit`` (adjoint), autograd."""
    import pennylane as qml
    from autograd.tracer import getval
    from pennylane import numpy as pnp

    start = time.perf_counter()
    n = workload.num_qubits
    body = _pennylane_circuit(qml, n, workload.feature_reps, workload.ansatz_reps)
    x = pnp.array(workload.x[index], requires_grad=False)
    y = workload.y[index]
    rows = np.arange(len(y))
    device = qml.device(device_name, wires=n)

    if device_name == "default.qubit":
        odd = np.array([_parity(k) for k in range(2**n)], dtype=float)
        readout = np.stack([1.0 - odd, odd], axis=1)
        last: dict[str, np.ndarray] = {}

        @qml.qnode(device, interface="autograd", diff_method="backprop")
        def state_node(x, theta):
            body(x, theta)
            return qml.state()

        def cost(theta):
            psi = state_node(x, theta)
            last["states"] = getval(psi)  # reuse the forward states for the metrics
            class_probs = pnp.dot(pnp.abs(psi) ** 2, readout)
            return -pnp.mean(pnp.log(pnp.maximum(class_probs[rows, y], EPS)))

        def states(theta):
            return last["states"]

        note = "state-returning QNode, probabilities and metrics from the same forward pass"
    else:
        parity = qml.prod(*[qml.PauliZ(q) for q in range(n)])

        @qml.qnode(device, interface="autograd", diff_method="adjoint")
        def parity_node(x, theta):
            body(x, theta)
            return qml.expval(parity)

        @qml.qnode(device, interface="autograd", diff_method=None)
        def state_node(x, theta):
            body(x, theta)
            return qml.state()

        def cost(theta):
            p_odd = (1.0 - parity_node(x, theta)) / 2.0
            p_y = pnp.where(y == 1, p_odd, 1.0 - p_odd)
            return -pnp.mean(pnp.log(pnp.maximum(p_y, EPS)))

        def states(theta):
            return np.asarray(state_node(x, pnp.array(theta, requires_grad=False)))

        note = "adjoint of <Z...Z> (parity); states from a second broadcast QNode"

    gradient = qml.grad(cost, argnums=0)

    def loss_grad(theta):
        grad = gradient(pnp.array(theta, requires_grad=True))
        return float(gradient.forward), np.asarray(grad, dtype=float)

    def entanglement(theta):
        return pennylane_entanglement(qml, states(theta), n)

    return Contender(
        PL_LABELS[device_name],
        loss_grad,
        entanglement,
        len(y),
        note=note,
        setup_seconds=time.perf_counter() - start,
    )


# ------------------------------------------------------------------------------------ timing
@dataclass(frozen=True)
class Timing:
    """Median wall-clock and CPU seconds of ``repeats`` epochs, and the fastest epoch."""

    wall: float
    cpu: float
    fastest: float
    repeats: int


def time_interleaved(
    epochs: dict[str, Callable[[], None]], repeats: int, warmup: int = 1
) -> dict[str, Timing]:
    """Time several epoch functions round-robin, so drifting machine load hits all alike.

    The garbage collector stays on (as in training) but is run once before the timed epochs,
    not between them: with qiskit and PennyLane loaded one full collection costs ~0.3 s.
    """
    for _ in range(warmup):
        for epoch in epochs.values():
            epoch()
    gc.collect()
    walls: dict[str, list[float]] = {k: [] for k in epochs}
    cpus: dict[str, list[float]] = {k: [] for k in epochs}
    for _ in range(repeats):
        for key, epoch in epochs.items():
            wall, cpu = time.perf_counter(), time.process_time()
            epoch()
            walls[key].append(time.perf_counter() - wall)
            cpus[key].append(time.process_time() - cpu)
    return {
        k: Timing(statistics.median(walls[k]), statistics.median(cpus[k]), min(walls[k]), repeats)
        for k in epochs
    }


def time_epochs(epoch: Callable[[], None], repeats: int, warmup: int = 1) -> Timing:
    """:func:`time_interleaved` of one epoch function."""
    return time_interleaved({"": epoch}, repeats, warmup)[""]


def agreement(reference: tuple[float, np.ndarray], other: tuple[float, np.ndarray]) -> str:
    d_loss = abs(reference[0] - other[0])
    d_grad = float(np.max(np.abs(np.asarray(reference[1]) - np.asarray(other[1]))))
    return f"vs ours: |d loss| {d_loss:.1e}, max |d grad| {d_grad:.1e}"


def _row(section: str, workload: str, impl: str, **values) -> dict:
    row = {
        "benchmark": "engine",
        "section": section,
        "workload": workload,
        "impl": impl,
        "seconds": None,
        "cpu_seconds": None,
        "ratio": None,
        "peak_mb": None,
        "note": "",
    }
    row.update(values)
    return row


def _epoch_row(
    workload: Workload, contender: Contender, timing: Timing, check: str | None = None
) -> dict:
    scale = len(workload.y) / contender.samples
    notes = [contender.note]
    if scale != 1:
        notes.append(
            f"timed on a seeded subsample of {contender.samples} of {len(workload.y)} samples, "
            f"scaled x{scale:g} (linear in samples)"
        )
    notes.append(f"median of {timing.repeats} (fastest {timing.fastest * scale:.3g} s)")
    if check is not None:
        notes.append(check)
    notes.append(f"setup {contender.setup_seconds:.2f} s")
    return _row(
        "epoch",
        workload.name,
        contender.impl,
        seconds=timing.wall * scale,
        cpu_seconds=timing.cpu * scale,
        note="; ".join(n for n in notes if n),
    )


def _peer_row(workload: Workload, contender: Contender, repeats: int, theta0, reference) -> dict:
    """Time a peer from ``theta0`` without warm-up (one epoch can take seconds; the median is
    robust to a slow first call); its first epoch's loss and gradient are compared with
    ``reference``, ours on the same samples."""
    timing = time_epochs(contender.epoch_fn(theta0), repeats, warmup=0)
    return _epoch_row(workload, contender, timing, agreement(reference, contender.first))


def epoch_rows(workload: Workload, sizes: Sizes, peers: bool = True) -> list[dict]:
    """Epoch rows of our modes and (if ``peers``) every peer on ``workload``."""
    feature_map, ansatz = workload.circuits()
    theta0 = initial_theta(ansatz.num_parameters)
    rows: list[dict] = []
    mine = {mode: ours(workload, mode) for mode in MODES}
    timings = time_interleaved(
        {mode: c.epoch_fn(theta0) for mode, c in mine.items()}, sizes.ours_repeats, warmup=1
    )
    rows += [_epoch_row(workload, mine[mode], timings[mode]) for mode in MODES]
    for name, (size, repeats) in (sizes.peers if peers else {}).items():
        factory = samplerqnn if name in SAMPLER_LABELS else pennylane
        label = SAMPLER_LABELS.get(name) or PL_LABELS[name]
        index = workload.subsample(size if name != "default.qubit" else None)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                reference = ours(workload, "gate", index).loss_grad(theta0)
                contender = factory(workload, name, index)
                rows.append(_peer_row(workload, contender, repeats, theta0, reference))
        except Exception as exc:  # a broken peer is reported, the rest still runs
            rows.append(_row("epoch", workload.name, label, note=f"failed: {exc!r}"))
    base = next(r["seconds"] for r in rows if r["impl"] == "ours (auto)")
    for r in rows:
        if r["seconds"] is not None:
            r["ratio"] = r["seconds"] / base
    return rows


def ratio_rows(workload: str, rows: list[dict]) -> list[dict]:
    """Ours (auto) against the fastest peer and the fastest SamplerQNN set-up."""
    timed = [r for r in rows if r["workload"] == workload and r["seconds"] is not None]
    ours_row = next(r for r in timed if r["impl"] == "ours (auto)")
    best_mode = min((r for r in timed if r["impl"].startswith("ours")), key=lambda r: r["seconds"])
    peers = [r for r in timed if not r["impl"].startswith("ours")]
    out = []
    groups = (
        ("fastest peer", peers, GOAL_PEER),
        (
            "fastest SamplerQNN",
            [r for r in peers if r["impl"].startswith("SamplerQNN")],
            GOAL_SAMPLERQNN,
        ),
    )
    for label, group, goal in groups:
        if not group:
            continue
        best = min(group, key=lambda r: r["seconds"])
        ratio = best["seconds"] / ours_row["seconds"]
        verdict = "met" if ratio >= goal else "MISSED"
        out.append(
            _row(
                "ratio",
                workload,
                f"ours (auto) vs {label}",
                seconds=best["seconds"],
                ratio=ratio,
                note=(
                    f"{best['impl']} {best['seconds']:.4g} s / ours {ours_row['seconds']:.4g} s; "
                    f"goal >= {goal:g}: {verdict}; against our fastest mode, {best_mode['impl']}: "
                    f"{best['seconds'] / best_mode['seconds']:.1f}"
                ),
            )
        )
    return out


# ------------------------------------------------------------------------------------- flops
def op_cmadds(op, dim: int) -> int:
    """Complex multiply-adds of one compiled op on one state of dimension ``dim``.

    Dense ``k``-qubit gates: ``2**k`` per amplitude; diagonal gates and permutations with
    phases: one multiply per amplitude; pure permutations (CNOT layers): none.
    """
    if op.kind == "dense":
        return dim * 2 ** len(op.qubits)
    if op.kind == "perm" and np.allclose(op.phases, 1.0):
        return 0
    return dim


def epoch_cmadds(program, batch: int) -> dict[str, int]:
    """Multiply-adds of one epoch's gates, gate by gate on ``batch`` states.

    Forward: every op on every state.  Adjoint sweep: every op's inverse on the state and on
    the adjoint state, and for every parametric op its generator on the state plus the overlap
    with the adjoint state (one multiply-add per amplitude).
    """
    dim = 2**program.num_qubits
    gates = sum(op_cmadds(op, dim) for op in program.ops)
    generators = sum(op_cmadds(op, dim) + dim for op in program.ops if op.angle is not None)
    return {"forward": batch * gates, "adjoint": 2 * batch * gates + batch * generators}


def numpy_cmadd_throughput(
    exponents: tuple[int, ...] = (12, 16, 20), seconds: float = 0.3
) -> dict[int, float]:
    """Complex multiply-adds per second of ``out = a * b; out += c`` (complex128), by size."""
    rng = np.random.default_rng(SEED)
    result = {}
    for e in exponents:
        size = 2**e
        a, b, c = (rng.standard_normal(size) + 1j * rng.standard_normal(size) for _ in range(3))
        out = np.empty_like(a)
        best = math.inf
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline or best == math.inf:
            reps = max(1, 2**18 // size)
            start = time.perf_counter()
            for _ in range(reps):
                np.multiply(a, b, out=out)
                out += c
            best = min(best, (time.perf_counter() - start) / reps)
        result[e] = size / best
    return result


def flop_rows(workloads: list[Workload], rows: list[dict]) -> list[dict]:
    from qml_entanglement.engine import StatevectorSimulator

    throughput = numpy_cmadd_throughput()
    peak = max(throughput.values())
    sizes = ", ".join(f"2^{e}: {v / 1e9:.2f}" for e, v in throughput.items())
    out = [
        _row(
            "flops",
            "-",
            "numpy complex multiply-add throughput",
            note=f"best {peak / 1e9:.2f} G/s (array size: G/s, {sizes}); out = a*b; out += c",
        )
    ]
    for workload in workloads:
        feature_map, ansatz = workload.circuits()
        program = StatevectorSimulator(feature_map, ansatz, mode="gate").block
        counts = epoch_cmadds(program, len(workload.y))
        total = sum(counts.values())
        bound = total / peak
        mine = {
            r["impl"]: r["seconds"]
            for r in rows
            if r["section"] == "epoch"
            and r["workload"] == workload.name
            and r["impl"].startswith("ours")
            and r["seconds"] is not None
        }
        distances = ", ".join(f"{k}: x{v / bound:.1f}" for k, v in mine.items())
        best = min(mine.values())
        out.append(
            _row(
                "flops",
                workload.name,
                "gate-by-gate arithmetic bound",
                seconds=bound,
                ratio=best / bound,
                note=(
                    f"{total / 1e6:.3g} M complex multiply-adds per epoch (forward "
                    f"{counts['forward'] / 1e6:.3g} M, adjoint {counts['adjoint'] / 1e6:.3g} M; "
                    f"{len(program.ops)} compiled ops) at {peak / 1e9:.2f} G/s; ours / bound: "
                    f"{distances}; loss, readout and metrics not counted; unitary mode and real "
                    "arithmetic (real blocks) can go below this gate-by-gate complex bound"
                ),
            )
        )
    return out


# ----------------------------------------------------------------------------------- scaling
def _max_rss_mb() -> float:
    """Peak resident memory of this process (MiB).

    ``VmHWM`` from ``/proc/self/status``, the high-water mark of this process's own address
    space: ``ru_maxrss`` would include the parent's resident size, which Linux carries over
    into a child's ``ru_maxrss`` across fork + exec.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def random_states(rng: np.random.Generator, batch: int, n: int) -> np.ndarray:
    states = np.empty((batch, 2**n), dtype=complex)
    states.real = rng.standard_normal(states.shape)
    states.imag = rng.standard_normal(states.shape)
    states /= np.linalg.norm(states, axis=1, keepdims=True)
    return states


def scaling_point(n: int, mode: str, samples: int, repeats: int) -> dict:
    """One scaling measurement in this process: seconds per epoch and peak memory.

    The feature map runs once per dataset and is not part of an epoch, so the cached
    encodings are random normalised states here (encoding 500 samples at n = 16 alone takes
    minutes).  With ``repeats == 1`` the single epoch is both timed and traced; otherwise the
    traced epoch is an extra one after the timed ones.
    """
    from qml_entanglement.engine import StatevectorSimulator
    from qml_entanglement.metrics.summary import entanglement_summary
    from qml_entanglement.models import build_ansatz, build_feature_map
    from qml_entanglement.models.readout import parity_readout
    from qml_entanglement.training.classifier import QuantumClassifier
    from qml_entanglement.training.losses import CrossEntropy
    from qml_entanglement.training.optimizers import Adam

    rng = np.random.default_rng(SEED + n)
    feature_map = build_feature_map("zz", n, 2, "linear")
    ansatz = build_ansatz("real_amplitudes", n, 3, "reverse_linear")
    simulator = StatevectorSimulator(feature_map, ansatz, mode=mode)
    classifier = QuantumClassifier(simulator, parity_readout(n), CrossEntropy())
    encoded = random_states(rng, samples, n)
    labels = rng.integers(0, 2, samples)
    optimizer = Adam(lr=LEARNING_RATE)
    state = {"theta": initial_theta(simulator.num_parameters)}

    def epoch() -> None:
        ev = classifier.evaluate(state["theta"], encoded, labels, with_grad=True)
        entanglement_summary(ev.states)
        state["theta"] = optimizer.step(state["theta"], loss=ev.loss, grad=ev.grad, objective=None)

    def traced_epoch() -> tuple[float, float, float]:
        gc.collect()
        tracemalloc.start()
        try:
            wall, cpu = time.perf_counter(), time.process_time()
            epoch()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        return wall, cpu, peak

    if repeats > 1:
        timing = time_epochs(epoch, repeats, warmup=1)
        wall, cpu = timing.wall, timing.cpu
        peak = traced_epoch()[2]
    else:
        wall, cpu, peak = traced_epoch()
    return {
        "n": n,
        "mode": mode,
        "samples": samples,
        "repeats": repeats,
        "seconds": wall,
        "cpu_seconds": cpu,
        "peak_mb": (encoded.nbytes + peak) / 2**20,
        "encoded_mb": encoded.nbytes / 2**20,
        "max_rss_mb": _max_rss_mb(),
        "num_parameters": simulator.num_parameters,
    }


def _scaling_worker(spec: str) -> None:
    """Subprocess entry: measure the points of ``spec`` (JSON) and print one JSON line each."""
    import qml_entanglement.engine  # noqa: F401 -- imports count in the baseline, not a point
    import qml_entanglement.training.classifier  # noqa: F401

    job = json.loads(spec)
    baseline = _max_rss_mb()
    for n, repeats in zip(job["ns"], job["repeats"], strict=True):
        point = scaling_point(n, job["mode"], job["samples"], repeats)
        point["baseline_rss_mb"] = baseline
        print("POINT " + json.dumps(point), flush=True)
        gc.collect()


def _scaling_jobs(settings: Settings) -> list[dict]:
    jobs = []
    for mode, ns in (("gate", settings.scaling_gate), ("unitary", settings.scaling_unitary)):
        shared = [n for n in ns if n < settings.scaling_own_process_from]
        groups = ([shared] if shared else []) + [
            [n] for n in ns if n >= settings.scaling_own_process_from
        ]
        for group in groups:
            repeats = [
                1 if n >= settings.scaling_single_epoch_from else (5 if n <= 10 else 2)
                for n in group
            ]
            jobs.append(
                {"mode": mode, "ns": group, "repeats": repeats, "samples": settings.scaling_samples}
            )
    return jobs


def scaling_rows(settings: Settings, timeout: float = 1800.0) -> list[dict]:
    """Run every scaling job in its own subprocess; one row per point plus the crossover."""
    rows: list[dict] = []
    points: dict[tuple[str, int], dict] = {}
    env = dict(os.environ)
    for job in _scaling_jobs(settings):
        try:
            proc = subprocess.run(
                [sys.executable, os.path.abspath(__file__), "--scaling-worker", json.dumps(job)],
                capture_output=True,
                text=True,
                timeout=timeout,
                env=env,
            )
            lines = proc.stdout.splitlines()
            failure = None if proc.returncode == 0 else (proc.stderr.strip().splitlines() or [""])
            failure = failure and f"exit {proc.returncode}: {failure[-1]}"
        except subprocess.TimeoutExpired as exc:
            lines = (exc.stdout or b"").decode().splitlines() if exc.stdout else []
            failure = f"timed out after {timeout:.0f} s"
        done = set()
        for line in lines:
            if line.startswith("POINT "):
                p = json.loads(line[6:])
                points[(p["mode"], p["n"])] = p
                done.add(p["n"])
                shared = "own process" if len(job["ns"]) == 1 else "process shared, n ascending"
                rows.append(
                    _row(
                        "scaling",
                        f"n={p['n']}",
                        f"ours ({p['mode']})",
                        seconds=p["seconds"],
                        cpu_seconds=p["cpu_seconds"],
                        peak_mb=p["peak_mb"],
                        note=(
                            f"{p['samples']} samples, {p['num_parameters']} parameters; "
                            f"{'1 traced epoch' if p['repeats'] == 1 else 'median of ' + str(p['repeats'])}; "  # noqa: E501
                            f"peak = encodings {p['encoded_mb']:.1f} MiB + epoch (tracemalloc); "
                            f"max RSS {p['max_rss_mb']:.0f} MiB ({shared}, "
                            f"{p['baseline_rss_mb']:.0f} MiB after imports)"
                        ),
                    )
                )
        for n in job["ns"]:
            if n not in done:
                rows.append(
                    _row(
                        "scaling",
                        f"n={n}",
                        f"ours ({job['mode']})",
                        note=f"failed: {failure or 'no result'}",
                    )
                )
    rows.append(crossover_row(points))
    return rows


def crossover_row(points: dict[tuple[str, int], dict]) -> dict:
    """Smallest n from which gate mode is faster than unitary mode at every measured n."""
    common = sorted(n for mode, n in points if mode == "unitary" and ("gate", n) in points)
    faster = {n: points[("gate", n)]["seconds"] < points[("unitary", n)]["seconds"] for n in common}
    crossover = next(
        (n for n in common if all(faster[m] for m in common if m >= n)),
        None,
    )
    if crossover is None:
        note = "unitary mode is faster at every n measured in both modes" if common else "no data"
    else:
        detail = ", ".join(
            f"n={n}: gate/unitary {points[('gate', n)]['seconds'] / points[('unitary', n)]['seconds']:.2f}"  # noqa: E501
            for n in common
        )
        note = f"gate mode faster from n = {crossover} on ({detail})"
    samples = next(iter(points.values()))["samples"] if points else None
    return _row(
        "scaling",
        "crossover",
        f"gate vs unitary ({samples} samples)",
        ratio=None if crossover is None else float(crossover),
        note=note,
    )


# --------------------------------------------------------------------------------------- run
def run_with(settings: Settings) -> list[dict]:
    """All rows for ``settings`` (see :data:`FULL` and :data:`QUICK`)."""
    makers = {
        "S": lambda: workload_s(settings.s_per_class),
        "L": lambda: workload_l(settings.l_samples),
    }
    sizes = {"S": settings.s, "L": settings.l}
    workloads = [makers[name]() for name in settings.workloads]
    rows: list[dict] = []
    for workload in workloads:
        rows += epoch_rows(workload, sizes[workload.name], peers=settings.peers)
    for workload in workloads:
        if settings.peers:
            rows += ratio_rows(workload.name, rows)
    rows += flop_rows(workloads, rows)
    if settings.scaling_gate or settings.scaling_unitary:
        rows += scaling_rows(settings)
    return rows


def run(quick: bool = False) -> list[dict]:
    """Benchmark rows; ``quick`` subsamples the slow peers and stops the scaling at n = 8."""
    return run_with(QUICK if quick else FULL)


def _fmt(value, spec: str) -> str:
    width = int(spec.split(".")[0])
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return f"{'-':>{width}}"
    return format(value, spec)


def format_table(rows: list[dict]) -> str:
    """Plain-text tables, one per section."""
    headers = {
        "epoch": "per-epoch time (ratio = time / ours auto)",
        "ratio": "goals (ratio = peer time / ours auto)",
        "flops": "arithmetic bound (seconds = bound; ratio = our best / bound)",
        "scaling": "scaling (500 samples unless noted)",
    }
    lines: list[str] = []
    for section, title in headers.items():
        part = [r for r in rows if r.get("section") == section]
        if not part:
            continue
        width = max(len(r["impl"]) for r in part)
        lines.append(f"-- {title}")
        lines.append(
            f"{'case':<9} {'impl':<{width}} {'seconds':>10} {'cpu s':>10} {'ratio':>9} "
            f"{'peak MiB':>9}  note"
        )
        for r in part:
            lines.append(
                f"{r['workload']:<9} {r['impl']:<{width}} {_fmt(r['seconds'], '10.4g')} "
                f"{_fmt(r['cpu_seconds'], '10.4g')} {_fmt(r['ratio'], '9.4g')} "
                f"{_fmt(r['peak_mb'], '9.1f')}  {r['note']}"
            )
        lines.append("")
    return "\n".join(lines).rstrip()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="subsampled peers, n <= 8 scaling")
    parser.add_argument("--scaling-worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.scaling_worker:
        _scaling_worker(args.scaling_worker)
        return
    print(format_table(run(quick=args.quick)))


if __name__ == "__main__":
    main()
