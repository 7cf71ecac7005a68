"""Optimizers on quadratics with known minima."""

from __future__ import annotations

import numpy as np
import pytest

from qml_entanglement.training.optimizers import COBYLA, SPSA, Adam, GradientDescent, StudyToyUpdate

TARGET = np.array([0.5, -1.0, 2.0])


def quadratic(theta):
    return float(np.sum((theta - TARGET) ** 2))


def gradient(theta):
    return 2 * (theta - TARGET)


def run(optimizer, steps, theta=None):
    theta = np.zeros(3) if theta is None else theta
    for _ in range(steps):
        theta = optimizer.step(
            theta, loss=quadratic(theta), grad=gradient(theta), objective=quadratic
        )
    return theta


def test_sgd_step_is_exact_gradient_step():
    theta = GradientDescent(lr=0.1).step(np.zeros(3), loss=0.0, grad=np.ones(3), objective=None)
    assert np.allclose(theta, -0.1)


def test_adam_first_step_moves_by_lr_against_the_gradient_sign():
    grad = np.array([3.0, -0.2, 1e-3])
    theta = Adam(lr=0.01).step(np.zeros(3), loss=0.0, grad=grad, objective=None)
    assert np.allclose(theta, -0.01 * np.sign(grad), rtol=1e-4)


@pytest.mark.parametrize(
    ("optimizer", "steps"),
    [
        (GradientDescent(lr=0.1), 200),
        (Adam(lr=0.1), 500),
        (SPSA(lr=0.5, seed=1), 500),
        (COBYLA(lr=0.5), 30),
    ],
)
def test_converges_on_quadratic(optimizer, steps):
    assert quadratic(run(optimizer, steps)) < 1e-3


def test_study_toy_update_moves_by_the_cost_not_the_gradient():
    theta = StudyToyUpdate(lr=0.1).step(
        np.array([0.2]), loss=0.8, grad=np.array([-5.0]), objective=None
    )
    assert theta == pytest.approx([0.2 - 0.08])


def test_spsa_is_reproducible_with_its_seed():
    assert np.array_equal(run(SPSA(lr=0.3, seed=4), 20), run(SPSA(lr=0.3, seed=4), 20))
