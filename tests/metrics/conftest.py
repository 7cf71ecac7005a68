"""Shared state factories for the metrics tests (independent of the code under test)."""

from __future__ import annotations

import numpy as np
import pytest


def _haar_states(n_qubits: int, size: int, seed: int) -> np.ndarray:
    """Haar-random pure states: normalised complex Gaussian vectors, shape (size, 2**n)."""
    rng = np.random.default_rng(seed)
    dim = 2**n_qubits
    states = rng.standard_normal((size, dim)) + 1j * rng.standard_normal((size, dim))
    return states / np.linalg.norm(states, axis=1, keepdims=True)


def _ghz(n_qubits: int) -> np.ndarray:
    state = np.zeros(2**n_qubits, dtype=complex)
    state[0] = state[-1] = 1 / np.sqrt(2)
    return state


def _w_state(n_qubits: int) -> np.ndarray:
    state = np.zeros(2**n_qubits, dtype=complex)
    state[[2**k for k in range(n_qubits)]] = 1 / np.sqrt(n_qubits)
    return state


def _haar_unitary(dim: int, rng: np.random.Generator) -> np.ndarray:
    """Haar-random unitary (QR of a Ginibre matrix with the phase correction of Mezzadri)."""
    z = rng.standard_normal((dim, dim)) + 1j * rng.standard_normal((dim, dim))
    q, r = np.linalg.qr(z)
    return q * (np.diag(r) / np.abs(np.diag(r)))


@pytest.fixture
def haar_states():
    return _haar_states


@pytest.fixture
def ghz():
    return _ghz


@pytest.fixture
def w_state():
    return _w_state


@pytest.fixture
def haar_unitary():
    return _haar_unitary
