"""The batched engine against qiskit's own simulation (qiskit.quantum_info.Statevector)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from qiskit.circuit import Parameter, QuantumCircuit
from qiskit.quantum_info import Statevector

from qml_entanglement.engine import CircuitCompileError, StatevectorSimulator, compile_circuit
from qml_entanglement.models import ANSATZE, FEATURE_MAPS, build_ansatz, build_feature_map

PATTERNS = ("linear", "circular", "full", "none")


def reference_states(feature_map, ansatz, features, theta):
    full = feature_map.compose(ansatz)
    out = []
    for x in features:
        binding = dict(zip(feature_map.parameters, x, strict=True))
        binding.update(zip(ansatz.parameters, theta, strict=True))
        out.append(Statevector(full.assign_parameters(binding)).data)
    return np.array(out)


def parameter_shift_gradient(feature_map, ansatz, features, theta, weights) -> np.ndarray:
    """d/d theta of sum_bk w_bk p_bk by the parameter-shift rule on qiskit's own states."""
    shift = np.zeros(len(theta))
    for j in range(len(theta)):
        e = np.zeros_like(theta)
        e[j] = np.pi / 2
        plus = np.abs(reference_states(feature_map, ansatz, features, theta + e)) ** 2
        minus = np.abs(reference_states(feature_map, ansatz, features, theta - e)) ** 2
        shift[j] = np.sum(weights * (plus - minus)) / 2
    return shift


def weighted_objective(weights):
    """sum_bk w_bk p_bk: its gradient is the weighted sum of probability derivatives."""
    return lambda probs: (float(np.sum(weights * probs)), weights)


@pytest.mark.parametrize("mode", ["gate", "unitary"])
@pytest.mark.parametrize("feature_map_name", FEATURE_MAPS)
def test_states_match_qiskit_for_every_feature_map(feature_map_name, mode):
    rng = np.random.default_rng(1)
    fm = build_feature_map(feature_map_name, 3, reps=2)
    an = build_ansatz("real_amplitudes", 3, reps=2, entanglement="full")
    sim = StatevectorSimulator(fm, an, mode=mode)
    x = rng.uniform(0, np.pi, (4, 3))
    theta = rng.uniform(-np.pi, np.pi, an.num_parameters)
    ours = sim.states(theta, sim.encode(x))
    assert np.abs(ours - reference_states(fm, an, x, theta)).max() < 1e-10


@pytest.mark.parametrize(
    ("feature_map_name", "ansatz_name", "pattern"),
    list(itertools.product(FEATURE_MAPS, ANSATZE, PATTERNS)),
)
def test_gradient_matches_parameter_shift(feature_map_name, ansatz_name, pattern):
    """Exact adjoint gradient vs the parameter-shift rule evaluated with qiskit Statevector.

    Every parameter of these ansaetze enters one rotation exp(-i theta P / 2), for which
    d<p>/dtheta = (<p>(theta + pi/2) - <p>(theta - pi/2)) / 2 exactly.
    """
    rng = np.random.default_rng([ANSATZE.index(ansatz_name), PATTERNS.index(pattern)])
    n = 3
    fm = build_feature_map(feature_map_name, n, reps=1)
    an = build_ansatz(ansatz_name, n, reps=2, entanglement=pattern)
    x = rng.uniform(0, np.pi, (3, n))
    theta = rng.uniform(-np.pi, np.pi, an.num_parameters)
    weights = rng.normal(size=(3, 2**n))
    for mode in ("gate", "unitary"):
        sim = StatevectorSimulator(fm, an, mode=mode)
        _, probs, value, grad = sim.value_and_grad(
            theta, sim.encode(x), weighted_objective(weights)
        )
        shift = parameter_shift_gradient(fm, an, x, theta, weights)
        assert np.abs(grad - shift).max() < 1e-8
        assert value == pytest.approx(
            np.sum(weights * np.abs(reference_states(fm, an, x, theta)) ** 2)
        )


def test_shared_and_scaled_parameters_through_expressions():
    """Angles like 2*t + 0.3 with t reused in several gates: gradient by finite differences."""
    t, s = Parameter("t"), Parameter("s")
    an = QuantumCircuit(2)
    an.ry(2 * t + 0.3, 0)
    an.rzz(t - s, 0, 1)
    an.crx(0.5 * s, 0, 1)
    an.p(-t, 1)
    an.rx(s, 1)
    fm = build_feature_map("zz", 2, reps=1)
    sim = StatevectorSimulator(fm, an, mode="gate")
    rng = np.random.default_rng(3)
    x = rng.uniform(0, np.pi, (5, 2))
    theta = np.array([0.37, -1.1])
    weights = rng.normal(size=(5, 4))
    _, _, _, grad = sim.value_and_grad(theta, sim.encode(x), weighted_objective(weights))
    h = 1e-6
    fd = []
    for j in range(2):
        e = np.zeros(2)
        e[j] = h
        plus = np.abs(reference_states(fm, an, x, theta + e)) ** 2
        minus = np.abs(reference_states(fm, an, x, theta - e)) ** 2
        fd.append(np.sum(weights * (plus - minus)) / (2 * h))
    assert np.allclose(grad, fd, atol=1e-7)


def test_sampler_qnn_forward_and_backward_agree():
    """Probabilities and weight gradients vs qiskit-machine-learning's SamplerQNN (exact mode)."""
    from qiskit_machine_learning.neural_networks import SamplerQNN

    n = 2
    fm = build_feature_map("zz", n, reps=2)
    an = build_ansatz("real_amplitudes", n, reps=1, entanglement="linear")
    qnn = SamplerQNN(
        circuit=fm.compose(an), input_params=fm.parameters, weight_params=an.parameters
    )
    rng = np.random.default_rng(7)
    x = rng.uniform(0, 2 * np.pi, (6, n))
    theta = rng.uniform(-np.pi, np.pi, an.num_parameters)
    probs_ref = qnn.forward(x, theta)
    _, jac_ref = qnn.backward(x, theta)  # (B, 2**n, P)
    sim = StatevectorSimulator(fm, an)
    weights = rng.normal(size=(6, 2**n))
    _, probs, _, grad = sim.value_and_grad(theta, sim.encode(x), weighted_objective(weights))
    assert np.abs(probs - probs_ref).max() < 1e-10
    assert np.abs(grad - np.einsum("bk,bkp->p", weights, jac_ref)).max() < 1e-8


def test_unitary_and_gate_modes_agree_on_large_batch():
    fm = build_feature_map("zz", 4, reps=2)
    an = build_ansatz("efficient_su2", 4, reps=2, entanglement="circular")
    rng = np.random.default_rng(5)
    x = rng.uniform(0, np.pi, (40, 4))
    theta = rng.uniform(-np.pi, np.pi, an.num_parameters)
    weights = rng.normal(size=(40, 16))
    results = []
    for mode in ("gate", "unitary"):
        sim = StatevectorSimulator(fm, an, mode=mode)
        results.append(sim.value_and_grad(theta, sim.encode(x), weighted_objective(weights)))
    assert np.abs(results[0][0] - results[1][0]).max() < 1e-12
    assert np.abs(results[0][3] - results[1][3]).max() < 1e-10


def test_fused_permutations_match_separate_gates():
    qc = QuantumCircuit(3)
    qc.cx(0, 1)
    qc.swap(1, 2)
    qc.y(0)
    qc.cz(0, 2)
    qc.ccx(0, 1, 2)
    program = compile_circuit(qc)
    assert len(program.ops) == 1
    sim = StatevectorSimulator(QuantumCircuit(3), qc)
    psi = np.random.default_rng(0).normal(size=(2, 8)) + 0j
    psi /= np.linalg.norm(psi, axis=1, keepdims=True)
    from qiskit.quantum_info import Operator

    expected = psi @ Operator(qc).data.T
    assert np.abs(sim.states(np.zeros(0), psi) - expected).max() < 1e-12


def test_bad_circuits_are_rejected_with_the_instruction_named():
    t = Parameter("t")
    measured = QuantumCircuit(1, 1)
    measured.measure(0, 0)
    with pytest.raises(CircuitCompileError, match="measure"):
        compile_circuit(measured)
    nonlinear = QuantumCircuit(1)
    nonlinear.ry(t * t, 0)
    with pytest.raises(CircuitCompileError, match="not affine"):
        compile_circuit(nonlinear)
    fm = QuantumCircuit(1)
    fm.rx(t, 0)
    with pytest.raises(CircuitCompileError, match="both data and trainable: t"):
        StatevectorSimulator(fm, fm.copy())


def test_nested_single_threaded_blas_keeps_the_limit_until_the_outermost_block_ends():
    from threadpoolctl import threadpool_info

    from qml_entanglement.engine.statevector import single_threaded_blas

    def blas_threads() -> list[int]:
        return [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]

    before = blas_threads()
    with single_threaded_blas():
        with single_threaded_blas():
            assert all(n == 1 for n in blas_threads())
        assert all(n == 1 for n in blas_threads())  # the inner block did not lift it
    assert blas_threads() == before


def test_feature_map_compile_peaks_near_the_fused_program_not_every_gate():
    """Issue 28: the ops are merged as they are compiled, so the traced peak is the fused
    program (kept) plus about one run's generators and temporaries, not every gate's ``2**n``
    arrays (measured at n = 12: 10.8 MB for a 5.2 MB program; the compile that held every op
    first peaked at 34.2 MB)."""
    import tracemalloc

    from qml_entanglement.models import build_feature_map

    feature_map = build_feature_map("zz", 12, reps=2)
    compile_circuit(feature_map, allow_nonlinear=True, fuse_diagonals=True)  # imports, caches
    tracemalloc.start()
    try:
        program = compile_circuit(feature_map, allow_nonlinear=True, fuse_diagonals=True)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    arrays = ("phases", "perm", "matrix")
    kept = sum(
        getattr(op, a).nbytes for op in program.ops for a in arrays if getattr(op, a) is not None
    )
    assert peak <= 2.5 * kept, (peak, kept)
