"""Gate mode on chunks of samples, several threads at once: the same states and gradient as
qiskit's Statevector and the parameter-shift rule, whatever the chunking."""

from __future__ import annotations

import numpy as np
import pytest

from qml_entanglement.engine import StatevectorSimulator
from qml_entanglement.engine import statevector as engine
from qml_entanglement.models import build_ansatz, build_feature_map
from tests.engine.test_statevector import (
    parameter_shift_gradient,
    reference_states,
    weighted_objective,
)


def test_chunks_cover_the_batch_once():
    chunks = engine.sample_chunks(10, 20)  # 16 MiB per sample at n = 20: one sample a chunk
    assert [(c.start, c.stop) for c in chunks] == [(i, i + 1) for i in range(10)]
    assert engine.sample_chunks(500, 8) == [slice(0, 500)]


@pytest.mark.parametrize("per_chunk", [1, 3, 7])
def test_chunked_gate_mode_matches_qiskit_and_parameter_shift(monkeypatch, per_chunk):
    n, batch = 3, 11
    monkeypatch.setattr(engine, "CHUNK_BYTES", 16 * 2**n * per_chunk)
    rng = np.random.default_rng(5)
    fm = build_feature_map("zz", n, reps=2)
    an = build_ansatz("real_amplitudes", n, reps=2, entanglement="full")
    sim = StatevectorSimulator(fm, an, mode="gate")
    x = rng.uniform(0, np.pi, (batch, n))
    theta = rng.uniform(-np.pi, np.pi, an.num_parameters)
    weights = rng.normal(size=(batch, 2**n))
    encoded = sim.encode(x)
    assert len(engine.sample_chunks(batch, n)) == -(-batch // per_chunk)
    expected = reference_states(fm, an, x, theta)
    assert np.allclose(sim.states(theta, encoded), expected, atol=1e-12)
    psi, _, value, grad = sim.value_and_grad(theta, encoded, weighted_objective(weights))
    assert np.allclose(psi, expected, atol=1e-12)
    assert value == pytest.approx(np.sum(weights * np.abs(expected) ** 2))
    shift = parameter_shift_gradient(fm, an, x, theta, weights)
    assert np.abs(grad - shift).max() < 1e-10


def test_engine_threads_leave_signals_to_the_main_thread(monkeypatch):
    """A run blocks Ctrl-C in the main thread while it records a step; an engine thread that
    took the signal instead would let it through (Python runs handlers in the main thread)."""
    import signal

    monkeypatch.setenv(engine.THREADS_VARIABLE, "2")
    engine._workers.cache_clear()
    try:
        masks = engine.map_chunks(
            lambda _: signal.pthread_sigmask(signal.SIG_BLOCK, set()), [slice(0, 1)] * 4
        )
    finally:
        engine._workers.cache_clear()
    assert all({signal.SIGINT, signal.SIGTERM} <= mask for mask in masks)
