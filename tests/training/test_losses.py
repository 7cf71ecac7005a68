"""Losses: closed-form values and derivatives checked by finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

from qml_entanglement.training.losses import (
    BellMSE,
    CrossEntropy,
    MeanSquaredError,
    SigmoidEstimate,
)


def numeric_grad(loss, probs, labels, h=1e-7):
    grad = np.zeros_like(probs)
    for idx in np.ndindex(probs.shape):
        up, down = probs.copy(), probs.copy()
        up[idx] += h
        down[idx] -= h
        grad[idx] = (loss(up, labels)[0].sum() - loss(down, labels)[0].sum()) / (2 * h)
    return grad


@pytest.mark.parametrize("loss", [CrossEntropy(), MeanSquaredError(), SigmoidEstimate(shots=200)])
def test_derivatives_match_finite_differences(loss):
    rng = np.random.default_rng(0)
    p1 = rng.uniform(0.05, 0.95, 6)
    probs = np.stack([1 - p1, p1], axis=1)
    labels = rng.integers(0, 2, 6)
    _, grad = loss(probs, labels)
    assert np.allclose(grad, numeric_grad(loss, probs, labels), atol=1e-5)


def test_sigmoid_estimate_formula_and_limits():
    shots = 1000
    loss = SigmoidEstimate(shots=shots)
    p = np.array([0.3, 0.5, 0.8])
    probs = np.stack([1 - p, p], axis=1)
    values, _ = loss(probs, np.ones(3, dtype=int))
    expected = 1 / (1 + np.exp(-np.sqrt(shots) * (0.5 - p) / np.sqrt(2 * p * (1 - p))))
    assert np.allclose(values, expected, rtol=1e-12)
    assert values[1] == pytest.approx(0.5)
    # limits: certain and correct -> 0, certain and wrong -> 1, finite zero slope at both
    edge = np.array([[0.0, 1.0], [1.0, 0.0]])
    values, grad = loss(edge, np.array([1, 1]))
    assert values == pytest.approx([0.0, 1.0], abs=1e-12)
    assert np.all(np.isfinite(grad)) and np.allclose(grad, 0.0)
    assert expit(0.0) == 0.5


def test_cross_entropy_and_mse_values():
    probs = np.array([[0.25, 0.75], [0.9, 0.1]])
    labels = np.array([1, 1])
    assert np.allclose(CrossEntropy()(probs, labels)[0], -np.log([0.75, 0.1]))
    assert np.allclose(MeanSquaredError()(probs, labels)[0], [2 * 0.25**2, 2 * 0.9**2])


def test_bell_mse_is_cos_squared_of_the_toy_angle():
    theta = np.linspace(0, np.pi, 7)
    probs = np.zeros((7, 4))
    probs[:, 0], probs[:, 3] = np.cos(theta / 2) ** 2, np.sin(theta / 2) ** 2
    values, grad = BellMSE()(probs, np.zeros(7, dtype=int))
    assert np.allclose(values, np.cos(theta) ** 2)
    assert np.allclose(grad, numeric_grad(BellMSE(), probs, np.zeros(7, dtype=int)), atol=1e-6)
    with pytest.raises(ValueError, match="bell_mse"):
        BellMSE()(np.ones((1, 2)) / 2, np.zeros(1, dtype=int))
