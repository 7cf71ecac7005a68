"""The compiled real-block path against qiskit, the NumPy engine and finite differences."""

from __future__ import annotations

import multiprocessing
import os
import signal

import numpy as np
import pytest
from qiskit.circuit import Parameter, ParameterVector, QuantumCircuit
from qiskit.circuit import library as lib

from qml_entanglement.engine import StatevectorSimulator
from qml_entanglement.engine.lowering import lower_real_block
from qml_entanglement.engine.real_block import NAME, PHASE_NAME, chunk_width, slice_width
from qml_entanglement.metrics import single_qubit_measures
from qml_entanglement.models import build_ansatz, build_feature_map
from qml_entanglement.models.readout import parity_readout
from qml_entanglement.training.classifier import QuantumClassifier
from qml_entanglement.training.losses import CrossEntropy, MeanSquaredError
from tests.engine.test_statevector import reference_states


def mixed_real_circuit(n: int) -> QuantumCircuit:
    """Every kind the lowering accepts: shared and affine angles, fixed one-qubit matrices
    (h, x), CNOT / CZ / SWAP runs, a rotation on the same qubit twice in a row, and
    more than six distinct qubits' gates in a row (two groups)."""
    a, b, c = Parameter("a"), Parameter("b"), Parameter("c")
    qc = QuantumCircuit(n)
    qc.h(0)
    for q in range(n):
        qc.ry(a if q % 2 else b, q)
    qc.ry(2 * c + 0.3, 1)
    qc.ry(-0.5 * a, 1)
    qc.x(n - 1)
    qc.cx(0, 1)
    qc.cz(1, 2)
    qc.swap(0, 2)
    qc.ry(c - b, 0)
    qc.h(2)
    return qc


def mixed_phase_circuit(n: int) -> QuantumCircuit:
    """Phases among the real kinds: ``rz`` and ``p`` with shared and affine angles, a phase
    on the qubit of the rotation just before it and the reverse, phases in a group with
    rotations and fixed gates, a phase after a permutation, and ``p``'s generator ``diag(0,
    -1)`` (not traceless: its global-phase part must not reach the gradient)."""
    qc = mixed_real_circuit(n)
    a, b, c = sorted(qc.parameters, key=lambda p: p.name)
    qc.rz(a, 0)
    for q in range(n):
        qc.rz(b if q % 2 else 0.5 * c - 0.2, q)
    qc.p(c, 1)
    qc.ry(a + b, 1)
    qc.h(n - 1)
    qc.cx(1, 0)
    qc.p(-2 * a, 0)
    qc.rz(c, 2)
    qc.h(2)
    return qc


def regrouped_circuit(n: int) -> QuantumCircuit:
    """Gates that join earlier groups (:mod:`~qml_entanglement.engine.lowering`): an RZ
    layer joining the RY layer's groups, then, the first group full, gates on its qubits
    going on to the next one, in an order that matters (same-qubit gates in one group)."""
    t = ParameterVector("t", 2 * n + 3)
    qc = QuantumCircuit(n)
    for q in range(n):
        qc.ry(t[q], q)
    for q in range(n):
        qc.rz(t[n + q], q)
    qc.ry(t[2 * n], 0)  # the first group is full: into the second
    qc.h(n - 1)
    qc.ry(t[2 * n + 1], n - 1)
    qc.rz(t[2 * n + 2], 1)
    qc.cx(0, n - 1)
    qc.ry(t[0], 0)
    return qc


def real_amplitudes(reps: int, pattern: str):
    return lambda n: build_ansatz("real_amplitudes", n, reps=reps, entanglement=pattern)


def efficient_su2(reps: int, pattern: str):
    return lambda n: build_ansatz("efficient_su2", n, reps=reps, entanglement=pattern)


ACCEPTED = {
    "real_amplitudes_full": real_amplitudes(2, "full"),
    "real_amplitudes_linear": real_amplitudes(3, "linear"),
    "real_amplitudes_circular": real_amplitudes(1, "circular"),
    "real_amplitudes_none": real_amplitudes(2, "none"),
    "ry_cz_n_local": lambda n: lib.n_local(n, "ry", "cz", entanglement="linear", reps=2),
    "mixed": mixed_real_circuit,
    "efficient_su2_full": efficient_su2(2, "full"),
    "efficient_su2_none": efficient_su2(1, "none"),
    "ry_rz_cz_n_local": lambda n: lib.n_local(n, ["ry", "rz"], "cz", "circular", reps=2),
    "rz_p_swap_n_local": lambda n: lib.n_local(n, ["h", "rz", "p"], "swap", "linear", reps=1),
    "mixed_phases": mixed_phase_circuit,
    "regrouped": regrouped_circuit,
}
WITH_PHASES = {"efficient_su2_full", "efficient_su2_none", "ry_rz_cz_n_local",
               "rz_p_swap_n_local", "mixed_phases", "regrouped"}  # fmt: skip


def setup(ansatz_factory, n: int = 7, batch: int = 11, seed: int = 3):
    rng = np.random.default_rng(seed)
    fm = build_feature_map("zz", n, reps=1)
    ansatz = ansatz_factory(n)
    x = rng.uniform(0, np.pi, (batch, n))
    y = rng.integers(0, 2, batch)
    theta = rng.uniform(-np.pi, np.pi, ansatz.num_parameters)
    return fm, ansatz, x, y, theta


@pytest.mark.parametrize("name", ACCEPTED)
def test_fast_path_matches_qiskit_numpy_engine_and_finite_differences(name):
    check_against_references(*setup(ACCEPTED[name]), PHASE_NAME if name in WITH_PHASES else NAME)


@pytest.mark.parametrize(
    ("n", "reps", "pattern"),
    [(2, 1, "none"), (2, 3, "full"), (3, 2, "linear"), (3, 5, "none"), (5, 1, "circular"),
     (5, 4, "full"), (6, 5, "full"), (6, 3, "reverse_linear"), (6, 2, "sca")],
)  # fmt: skip
def test_efficient_su2_matches_qiskit_numpy_engine_and_finite_differences(n, reps, pattern):
    """EfficientSU2 (RY, RZ, CX) lowers with its phases and is exact at several sizes."""
    check_against_references(*setup(efficient_su2(reps, pattern), n=n, batch=5), PHASE_NAME)


def check_against_references(fm, ansatz, x, y, theta, path: str) -> None:
    """States against qiskit; purities, class probabilities, loss and gradient against the
    NumPy engine; the gradient against a five-point finite difference of the NumPy loss."""
    n = ansatz.num_qubits
    fast = StatevectorSimulator(fm, ansatz)
    assert fast.path == path
    numpy_engine = StatevectorSimulator(fm, ansatz, mode="gate")
    assert numpy_engine.path == "numpy (gate)"
    encoded = fast.encode(x)
    readout, loss = parity_readout(n), CrossEntropy()
    ours = QuantumClassifier(fast, readout, loss).evaluate(theta, encoded, y, with_grad=True)
    ref = QuantumClassifier(numpy_engine, readout, loss).evaluate(theta, encoded, y, with_grad=True)

    assert np.abs(ours.states - reference_states(fm, ansatz, x, theta)).max() < 1e-10
    want = single_qubit_measures(ref.states).purities
    assert np.abs(ours.purities - want).max() < 1e-12
    assert want.min() < 0.99  # entangled qubits: a purity that can disagree
    assert np.abs(ours.class_probs - ref.class_probs).max() < 1e-10
    assert abs(ours.loss - ref.loss) < 1e-10
    assert np.abs(ours.grad - ref.grad).max() < 1e-10
    assert np.abs(ours.grad).max() > 1e-3  # a gradient that can disagree

    def value(t):  # the loss from the NumPy engine (checked against qiskit above)
        probs = np.abs(numpy_engine.states(t, encoded)) ** 2
        return float(loss(probs @ readout, y)[0].mean())

    h = 1e-3  # five-point stencil: truncation O(h^4) ~ 1e-12, rounding ~ 1e-16 / h
    fd = np.zeros_like(theta)
    for j in range(len(theta)):
        e = np.zeros_like(theta)
        e[j] = h
        fd[j] = (
            -value(theta + 2 * e) + 8 * value(theta + e) - 8 * value(theta - e)
            + value(theta - 2 * e)
        ) / (12 * h)  # fmt: skip
    assert np.abs(ours.grad - fd).max() < 1e-10


def test_gradient_with_a_many_class_readout_and_another_loss():
    """Mean squared error on a 4-class readout (the two low bits): a different d loss/dP."""
    fm, ansatz, x, y, theta = setup(ACCEPTED["real_amplitudes_full"], n=4, batch=9)
    y = np.arange(len(y)) % 4
    readout = np.eye(4)[np.arange(16) % 4]
    fast = StatevectorSimulator(fm, ansatz)
    ref = StatevectorSimulator(fm, ansatz, mode="unitary")
    encoded = fast.encode(x)
    ours = QuantumClassifier(fast, readout, MeanSquaredError()).evaluate(
        theta, encoded, y, with_grad=True
    )
    want = QuantumClassifier(ref, readout, MeanSquaredError()).evaluate(
        theta, encoded, y, with_grad=True
    )
    assert abs(ours.loss - want.loss) < 1e-12
    assert np.abs(ours.grad - want.grad).max() < 1e-10


def test_efficient_su2_layers_take_two_groups_of_twelve_gates_at_twelve_qubits():
    """Each RZ layer joins its RY layer's two groups: a rotation layer costs two passes."""
    ansatz = build_ansatz("efficient_su2", 12, reps=2, entanglement="full")
    block = lower_real_block(StatevectorSimulator(build_feature_map("z", 12), ansatz).block)
    groups = block.table[block.kind == 0]
    assert len(groups) == 6  # three rotation layers
    assert list(block.gates[groups]) == [12] * 6 and list(block.size[groups]) == [6] * 6
    assert block.phase[groups].sum() == 36  # every RZ


NOT_LOWERED = {
    "rx": lambda: lib.n_local(3, "rx", "cx", "linear", reps=1),  # complex, not a phase
    "rzz": lambda: lib.n_local(3, "ry", "rzz", "linear", reps=1),  # a two-qubit phase
    "s": lambda: lib.n_local(3, ["ry", "s"], "cx", "linear", reps=1),  # fixed complex phase
}


@pytest.mark.parametrize("name", NOT_LOWERED)
def test_complex_or_two_qubit_rotations_keep_the_numpy_engine(name):
    ansatz = NOT_LOWERED[name]()
    fm = build_feature_map("zz", 3, reps=1)
    sim = StatevectorSimulator(fm, ansatz)
    assert lower_real_block(sim.block) is None
    assert sim.path == "numpy (auto)"
    theta = np.zeros(ansatz.num_parameters)
    assert sim.readout_evaluation(theta, None, None, None, None, True) is None


def test_cry_is_real_but_two_qubit_so_not_lowered():
    theta = Parameter("t")
    qc = QuantumCircuit(2)
    qc.ry(theta, 0)
    qc.cry(theta, 0, 1)
    sim = StatevectorSimulator(build_feature_map("zz", 2, reps=1), qc)
    assert sim.block.is_real
    assert sim.fast is None


@pytest.mark.parametrize("name", ["real_amplitudes_linear", "efficient_su2_full"])
def test_results_do_not_depend_on_the_thread_count(monkeypatch, name):
    """Chunks depend on the qubit count and batch only, and each writes its own gradient
    row: one thread and every thread give identical bits."""
    fm, ansatz, x, y, theta = setup(ACCEPTED[name], n=9, batch=100)
    sim = StatevectorSimulator(fm, ansatz)
    encoded = sim.encode(x)
    clf = QuantumClassifier(sim, parity_readout(9), CrossEntropy())
    many = clf.evaluate(theta, encoded, y, with_grad=True)
    assert -(-100 // chunk_width(100, 9)) > 1  # several chunks
    monkeypatch.setenv("QML_ENGINE_THREADS", "1")
    one = clf.evaluate(theta, encoded, y, with_grad=True)
    assert np.array_equal(one.grad, many.grad)
    assert np.array_equal(one.states, many.states)


def test_a_batch_evaluated_in_slices_is_the_batch_evaluated_whole(monkeypatch):
    """Large batches are evaluated slice by slice (forward, per-sample loss, backward), holding
    only the kept samples' states: slices of 7 samples (the last one short) against the NumPy
    engine's whole batch, the kept rows in any order and across slices."""
    import qml_entanglement.engine.statevector as engine

    fm, ansatz, x, y, theta = setup(ACCEPTED["real_amplitudes_linear"], n=6, batch=40)
    sliced = StatevectorSimulator(fm, ansatz)
    numpy_engine = StatevectorSimulator(fm, ansatz, mode="gate")
    encoded, readout, loss = sliced.encode(x), parity_readout(6), CrossEntropy()
    monkeypatch.setattr(engine, "slice_width", lambda batch, n: 7)
    keep = np.array([39, 0, 13, 6, 7, 20])
    ours = QuantumClassifier(sliced, readout, loss).evaluate(
        theta, encoded, y, with_grad=True, keep=keep
    )
    ref = QuantumClassifier(numpy_engine, readout, loss).evaluate(theta, encoded, y, with_grad=True)
    assert ours.states.shape == (6, 64)
    assert np.abs(ours.states - ref.states[keep]).max() < 1e-12
    assert np.abs(ours.class_probs - ref.class_probs).max() < 1e-12
    assert abs(ours.loss - ref.loss) < 1e-12
    assert np.abs(ours.grad - ref.grad).max() < 1e-12
    assert np.abs(ours.grad).max() > 1e-3
    assert np.abs(ours.purities - single_qubit_measures(ref.states).purities).max() < 1e-12
    none = QuantumClassifier(sliced, readout, loss).evaluate(
        theta, encoded, y, with_grad=False, keep=np.empty(0, dtype=int)
    )
    assert none.states.shape == (0, 64) and none.grad is None and none.loss == ours.loss
    every = QuantumClassifier(sliced, readout, loss).evaluate(theta, encoded, y, with_grad=False)
    assert np.abs(every.states - ref.states).max() < 1e-12


def test_slices_hold_at_most_a_gib_of_whole_chunks_and_small_batches_are_one_slice():
    """At n = 20 a state is 16 MiB: 500 samples' output states (7.8 GiB) become slices of 64
    (1 GiB), whole chunks each; at n = 12 the batch (500 x 64 KiB) is one slice."""
    assert slice_width(500, 12) == 500
    width = slice_width(500, 20)
    assert width * 16 * 2**20 <= 1 << 30 and width % chunk_width(500, 20) == 0
    assert width == 64


def _child(queue, theta, encoded, fm, ansatz) -> None:
    sim = StatevectorSimulator(fm, ansatz)
    queue.put(sim.states(theta, encoded))


def test_kernels_run_in_a_forked_child_after_the_parent_used_its_threads():
    """Sweeps fork workers from a process that may have launched the kernel threads: the
    threading layer must survive fork (GNU OpenMP's does not: the child would hang)."""
    fm, ansatz, x, _, theta = setup(ACCEPTED["real_amplitudes_full"], n=5, batch=30)
    sim = StatevectorSimulator(fm, ansatz)
    encoded = sim.encode(x)
    parent = sim.states(theta, encoded)  # threads launched here
    from numba import threading_layer

    assert threading_layer() in ("tbb", "workqueue")
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_child, args=(queue, theta, encoded, fm, ansatz))
    child.start()
    got = queue.get(timeout=120)
    child.join(timeout=60)
    assert child.exitcode == 0
    assert np.array_equal(got, parent)


def test_threads_default_to_every_core_the_process_may_use(monkeypatch):
    from qml_entanglement.engine.real_block import engine_threads

    monkeypatch.delenv("QML_ENGINE_THREADS", raising=False)
    assert engine_threads() == len(os.sched_getaffinity(0))
    monkeypatch.setenv("QML_ENGINE_THREADS", "1")
    assert engine_threads() == 1


KERNEL_THREADS_SCRIPT = """
import os, numpy as np
from qml_entanglement.engine.real_block import RealBlockPath, chunk_width
from qml_entanglement.engine import compile_circuit
from qiskit.circuit.library import real_amplitudes
before = set(os.listdir("/proc/self/task"))
path = RealBlockPath.for_program(compile_circuit(real_amplitudes(10, reps=1)))
batch = 3 * chunk_width(1 << 20, 10)
encoded = np.zeros((batch, 2**10), dtype=complex)
encoded[:, 0] = 1
path.forward(np.zeros(path.program.num_parameters), encoded, np.ones((2**10, 1)))
for tid in sorted(set(os.listdir("/proc/self/task")) - before):
    status = open(f"/proc/self/task/{tid}/status").read()
    print(int(status.split("SigBlk:")[1].split()[0], 16))
"""


def test_kernel_threads_never_take_ctrl_c_or_sigterm():
    """A process-directed SIGINT goes to a thread that does not block it: the threads numba
    starts for the kernels must block SIGINT and SIGTERM, or a run's held Ctrl-C (the main
    thread blocks it while a step is recorded) would be taken by a kernel thread."""
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-c", KERNEL_THREADS_SCRIPT], capture_output=True, text=True, check=True
    )
    masks = [int(line) for line in proc.stdout.split()]
    assert masks, "the parallel kernel started no thread"
    for mask in masks:
        assert mask >> (signal.SIGINT - 1) & 1 and mask >> (signal.SIGTERM - 1) & 1
