"""Per-epoch entanglement summaries against analytic values."""

from __future__ import annotations

import numpy as np
import pytest

from qml_entanglement.engine import compile_circuit
from qml_entanglement.metrics.summary import entanglement_summary
from qml_entanglement.models import bell_toy_circuit, build_ansatz
from qml_entanglement.training.entanglement import block_entangling_power


def test_summary_of_bell_and_product_states():
    bell = np.array([1, 0, 0, 1]) / np.sqrt(2)
    product = np.array([1, 0, 0, 0], dtype=complex)
    out = entanglement_summary(np.stack([bell, product]).astype(complex))
    assert out["meyer_wallach"] == pytest.approx(0.5)
    assert out["meyer_wallach_std"] == pytest.approx(0.5)
    assert out["von_neumann_entropy"] == pytest.approx(0.5)


def test_summary_of_werner_density_matrices():
    """Werner state p|Phi+><Phi+| + (1-p) I/4: negativity max(0, (3p-1)/4), purity (1+3p^2)/4."""
    bell = np.array([1, 0, 0, 1]) / np.sqrt(2)
    p = np.array([0.2, 0.6, 1.0])
    rho = p[:, None, None] * np.outer(bell, bell)[None] + (1 - p)[:, None, None] * np.eye(4) / 4
    out = entanglement_summary(rho.astype(complex))
    assert out["negativity"] == pytest.approx(np.mean(np.maximum(0, (3 * p - 1) / 4)))
    assert out["purity"] == pytest.approx(np.mean((1 + 3 * p**2) / 4))


def test_entangling_power_of_the_bell_toy_is_that_of_cnot():
    """RY(theta) x I then CNOT: local gates do not change e_p, so e_p = 2/9 for every theta."""
    measure = block_entangling_power(compile_circuit(bell_toy_circuit()), 4000, seed=0)
    for theta in (0.05, 0.8, np.pi / 2):
        assert measure(np.array([theta]))["entangling_power"] == pytest.approx(2 / 9, abs=0.015)


def test_entangling_power_without_entanglers_is_zero():
    block = compile_circuit(build_ansatz("real_amplitudes", 3, reps=2, entanglement="none"))
    theta = np.random.default_rng(0).uniform(-3, 3, block.num_parameters)
    assert block_entangling_power(block, 200, seed=1)(theta)["entangling_power"] < 1e-12
