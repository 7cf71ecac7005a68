"""Tripartite information of unitaries (Hosur, Qi, Roberts, Yoshida 2016) against oracles."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.quantum_info import Operator, Statevector, entropy, partial_trace
from scipy.stats import unitary_group

import qml_entanglement.metrics.scrambling as scrambling_module
from qml_entanglement.metrics import choi_state, tripartite_information


def independent_i3(u: np.ndarray, a, c) -> float:
    """I3 from the explicit 2n-qubit Choi statevector and all six entropies.

    Choi qubits 0..n-1 are the inputs, n..2n-1 the outputs (qiskit little-endian).
    """
    d = u.shape[0]
    n = int(round(math.log2(d)))
    # |U> = sum_i |i>_in (x) U|i>_out / sqrt(d); np.kron(x, y) puts x on the high bits.
    psi = sum(np.kron(u[:, i], np.eye(d)[i]) for i in range(d)) / math.sqrt(d)
    tensor = psi.reshape((2,) * (2 * n))  # qubit q on axis 2n - 1 - q

    def s(qubits) -> float:
        keep = [2 * n - 1 - q for q in qubits]
        letters = "abcdefghijklmnopqrstuvwxyz"
        row = [letters[ax] for ax in range(2 * n)]
        col = [letters[ax].upper() if ax in keep else letters[ax] for ax in range(2 * n)]
        out = "".join(letters[ax] for ax in keep) + "".join(letters[ax].upper() for ax in keep)
        rho = np.einsum(f"{''.join(row)},{''.join(col)}->{out}", tensor, tensor.conj())
        rho = rho.reshape(2 ** len(keep), 2 ** len(keep))
        w = np.clip(np.linalg.eigvalsh(rho), 1e-300, None)
        return float(-(w * np.log2(w)).sum())

    A = list(a)
    C = [n + q for q in c]
    D = [n + q for q in range(n) if q not in c]

    def mutual(x, y):
        return s(x) + s(y) - s(x + y)

    return mutual(A, C) + mutual(A, D) - mutual(A, C + D)


def random_product_of_single_qubit_unitaries(n: int, seed: int) -> np.ndarray:
    gates = unitary_group.rvs(2, size=n, random_state=np.random.default_rng(seed))
    u = np.eye(1)
    for k in range(n):
        u = np.kron(gates[k], u)  # qubit k is more significant
    return u


def permutation_unitary(n: int, target: list[int]) -> np.ndarray:
    """U|x> = |y> with bit target[q] of y equal to bit q of x (qubit q -> qubit target[q])."""
    d = 2**n
    u = np.zeros((d, d))
    for x in range(d):
        y = sum(((x >> q) & 1) << target[q] for q in range(n))
        u[y, x] = 1
    return u


@pytest.mark.parametrize("n", [2, 3, 4])
def test_identity_and_local_unitaries_do_not_scramble(n):
    a, c = list(range(n // 2)), [n - 1]
    assert tripartite_information(np.eye(2**n), a, c) == pytest.approx(0.0, abs=1e-10)
    local = np.stack([random_product_of_single_qubit_unitaries(n, seed) for seed in range(5)])
    np.testing.assert_allclose(tripartite_information(local, a, c), 0.0, atol=1e-9)
    np.testing.assert_allclose(tripartite_information(local, [0], [0]), 0.0, atol=1e-9)


def test_permutation_sending_a_into_d_does_not_scramble():
    n = 4
    cyclic = permutation_unitary(n, [(q + 2) % n for q in range(n)])  # 0,1 -> 2,3 (= D)
    assert tripartite_information(cyclic, [0, 1], [0, 1]) == pytest.approx(0.0, abs=1e-10)
    assert independent_i3(cyclic, [0, 1], [0, 1]) == pytest.approx(0.0, abs=1e-10)
    # A split between C and D by a permutation: still no scrambling (I3 = 0).
    assert tripartite_information(cyclic, [1, 2], [0, 1]) == pytest.approx(0.0, abs=1e-10)


@pytest.mark.parametrize(
    ("n", "reference", "reference_error"), [(4, -2.68, 0.05), (6, -4.59, 0.02)]
)
def test_haar_random_unitaries(n, reference, reference_error):
    samples = 30
    u = unitary_group.rvs(2**n, size=samples, random_state=np.random.default_rng(n))
    half = list(range(n // 2))
    values = tripartite_information(u, half, half)
    assert values.shape == (samples,)
    mean, se = values.mean(), values.std(ddof=1) / math.sqrt(samples)
    # 4 sample SEs plus the uncertainty of the reference value.
    assert abs(mean - reference) <= 4 * se + reference_error, (mean, se)
    # Close to the -2|A| + 1/ln 2 estimate and well above the bound -2|A|.
    assert abs(mean - (-2 * len(half) + 1 / math.log(2))) < 0.15
    assert np.all(values >= -2 * len(half) - 1e-9)


@pytest.mark.parametrize("n", [2, 3])
def test_against_independent_choi_computation(n):
    rng = np.random.default_rng(40 + n)
    cases = [([0], [0]), ([0], [n - 1]), (list(range(n - 1)), [0])]
    if n == 3:
        cases += [([1, 2], [0, 2]), ([2], [1])]
    for u in unitary_group.rvs(2**n, size=3, random_state=rng):
        for a, c in cases:
            expected = independent_i3(u, a, c)
            assert tripartite_information(u, a, c) == pytest.approx(expected, abs=1e-9)


def test_batch_is_vectorised_and_matches_single():
    u = unitary_group.rvs(8, size=6, random_state=np.random.default_rng(1)).reshape(2, 3, 8, 8)
    batch = tripartite_information(u, [0], [1, 2])
    assert batch.shape == (2, 3)
    for i in range(2):
        for j in range(3):
            assert batch[i, j] == pytest.approx(tripartite_information(u[i, j], [0], [1, 2]))


def test_base():
    u = unitary_group.rvs(8, random_state=np.random.default_rng(2))
    bits = tripartite_information(u, [0], [0])
    assert tripartite_information(u, [0], [0], base=math.e) == pytest.approx(bits * math.log(2))


def _qiskit_i3(circuit: QuantumCircuit, a, c) -> float:
    """I3 with qiskit: Bell pairs (input k, output n + k), circuit on the outputs."""
    n = circuit.num_qubits
    choi = QuantumCircuit(2 * n)
    for k in range(n):
        choi.h(k)
        choi.cx(k, n + k)
    choi.compose(circuit, qubits=range(n, 2 * n), inplace=True)
    state = Statevector(choi)

    def s(qubits):
        traced = [q for q in range(2 * n) if q not in qubits]
        return entropy(partial_trace(state, traced), base=2)

    A, C = list(a), [n + q for q in c]
    D = [n + q for q in range(n) if q not in c]
    return (s(A) + s(C) - s(A + C)) + (s(A) + s(D) - s(A + D)) - (s(A) + s(C + D) - s(A + C + D))


def _asymmetric_circuit() -> QuantumCircuit:
    qc = QuantumCircuit(3)
    qc.h(0)
    qc.cx(0, 1)
    qc.ry(0.7, 2)
    qc.cz(1, 2)
    qc.rx(0.3, 1)
    qc.cx(2, 0)
    qc.t(0)
    return qc


def test_qiskit_circuit_input_and_qubit_order():
    qc = _asymmetric_circuit()
    data = Operator(qc).data
    for a, c in [([0], [0]), ([0], [2]), ([2], [0, 1]), ([0, 1], [1])]:
        expected = _qiskit_i3(qc, a, c)
        assert tripartite_information(data, a, c) == pytest.approx(expected, abs=1e-9)
        assert tripartite_information(qc, a, c) == pytest.approx(expected, abs=1e-9)
        assert tripartite_information(Operator(qc), a, c) == pytest.approx(expected, abs=1e-9)
    # Relabelling the qubits (q -> 2 - q) and the subsystems with them leaves I3 unchanged,
    # while the unrelabelled subsystems of the reversed circuit in general give another value.
    reversed_qc = qc.reverse_bits()
    for a, c in [([0], [0, 1]), ([0, 1], [2])]:
        mirrored = tripartite_information(reversed_qc, [2 - q for q in a], [2 - q for q in c])
        assert mirrored == pytest.approx(tripartite_information(qc, a, c), abs=1e-9)
    assert not np.isclose(
        tripartite_information(qc, [0], [0]), tripartite_information(qc, [2], [2])
    )


def test_choi_state_layout():
    # Input qubit k is Choi qubit k, output qubit k is Choi qubit n + k.
    qc = QuantumCircuit(2)
    qc.x(0)
    u = Operator(qc).data
    psi = choi_state(u)
    np.testing.assert_allclose(np.linalg.norm(psi), 1.0)
    choi = QuantumCircuit(4)
    for k in range(2):
        choi.h(k)
        choi.cx(k, 2 + k)
    choi.x(2)
    np.testing.assert_allclose(psi, Statevector(choi).data, atol=1e-12)
    assert choi_state(np.stack([u, u])).shape == (2, 16)


@pytest.mark.parametrize(
    ("u", "a", "c", "match"),
    [
        (np.ones((2, 3)), [0], [0], "square"),
        (np.eye(3), [0], [0], "power of two"),
        (np.ones((4, 4)) / 2, [0], [0], "not unitary"),
        (np.eye(4), [2], [0], "out of range"),
        (np.eye(4), [0], [1, 1], "repeats"),
        (np.eye(4), [], [0], "empty"),
        (np.full((2, 2), np.nan), [0], [0], "NaN"),
    ],
)
def test_validation(u, a, c, match):
    with pytest.raises(ValueError, match=match):
        tripartite_information(u, a, c)


def test_overlapping_integer_labels_are_allowed():
    u = unitary_group.rvs(4, random_state=np.random.default_rng(3))
    assert np.isfinite(tripartite_information(u, [0, 1], [0]))


def test_docstring_examples():
    result = doctest.testmod(scrambling_module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
