"""Model circuits against circuits written out gate by gate in the test (qiskit Operators)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.quantum_info import Operator, Statevector

from qml_entanglement.models import (
    ANSATZE,
    FEATURE_MAPS,
    BellToy,
    Model,
    build_ansatz,
    build_feature_map,
)
from qml_entanglement.models.vqc import VQC


def _bound(circuit: QuantumCircuit, values: np.ndarray) -> Operator:
    return Operator(circuit.assign_parameters(list(values)))


def _zz_by_hand(x: np.ndarray, reps: int) -> QuantumCircuit:
    """Havlicek et al.: H, P(2 x_i), and for every pair CX P(2 (pi - x_i)(pi - x_j)) CX."""
    n = len(x)
    qc = QuantumCircuit(n)
    for _ in range(reps):
        qc.h(range(n))
        for i in range(n):
            qc.p(2 * x[i], i)
        for i, j in itertools.combinations(range(n), 2):
            qc.cx(i, j)
            qc.p(2 * (np.pi - x[i]) * (np.pi - x[j]), j)
            qc.cx(i, j)
    return qc


def _real_amplitudes_by_hand(theta: np.ndarray, n: int, reps: int) -> QuantumCircuit:
    """RY on every qubit, then a linear CX chain, ``reps`` times, and a final RY layer."""
    qc, k = QuantumCircuit(n), 0
    for layer in range(reps + 1):
        for q in range(n):
            qc.ry(theta[k], q)
            k += 1
        if layer < reps:
            for q in range(n - 1):
                qc.cx(q, q + 1)
    return qc


def test_zz_feature_map_is_havlicek_s_circuit():
    x = np.array([0.3, 1.1, 2.5])
    ours = _bound(build_feature_map("zz", 3, reps=2, entanglement="full"), x)
    assert ours.equiv(Operator(_zz_by_hand(x, reps=2)))


def test_real_amplitudes_is_ry_layers_between_cx_chains():
    theta = np.random.default_rng(0).uniform(0, 2 * np.pi, 12)
    ours = _bound(build_ansatz("real_amplitudes", 4, reps=2, entanglement="linear"), theta)
    assert ours.equiv(Operator(_real_amplitudes_by_hand(theta, 4, reps=2)))


@pytest.mark.parametrize("name", ANSATZE)
def test_ansatz_without_entanglement_has_no_two_qubit_gate(name):
    circuit = build_ansatz(name, 3, reps=2, entanglement="none").decompose(reps=3)
    assert all(inst.operation.num_qubits == 1 for inst in circuit.data)
    assert circuit.metadata["entanglement"] == "none" and circuit.metadata["ansatz"] == name


@pytest.mark.parametrize("name", FEATURE_MAPS)
def test_feature_maps_label_themselves(name):
    circuit = build_feature_map(name, 2)
    assert circuit.metadata["feature_map"] == name and circuit.num_parameters == 2


def test_bell_toy_prepares_cos_sin_bell_states():
    toy = BellToy(num_qubits=2, initial_angle=0.05, readout="identity", init_seed=0)
    theta = 0.7
    state = Statevector(toy.ansatz.assign_parameters([theta])).data
    expected = np.zeros(4)
    expected[[0, 3]] = np.cos(theta / 2), np.sin(theta / 2)
    assert np.allclose(state, expected)
    assert toy.initial_parameters() == pytest.approx([0.05])


def test_both_models_offer_the_same_interface():
    vqc = VQC(
        num_qubits=2,
        feature_map=lambda n: build_feature_map("zz", n),
        ansatz=lambda n: build_ansatz("real_amplitudes", n),
        readout="parity",
        init_low=0.0,
        init_high=1.0,
        init_seed=3,
        init_generator="default",
    )
    toy = BellToy(num_qubits=2, initial_angle=0.05, readout="identity", init_seed=0)
    for model in (vqc, toy):
        assert isinstance(model, Model)
        assert set(model.tags()) == {"ansatz", "feature_map", "entanglement"}
        assert model.readout.shape[0] == 2**model.num_qubits
        assert len(model.initial_parameters()) == model.ansatz.num_parameters
    assert np.array_equal(vqc.initial_parameters(), vqc.initial_parameters())  # seeded
