"""Optimizers with one interface: ``step(theta, loss=..., grad=..., objective=...) -> theta``.

``uses_gradient`` tells the training loop whether to compute the exact gradient. One call of
``step`` is one epoch's update (for the gradient-free methods: one SPSA iteration, or one COBYLA
call with ``evals_per_epoch`` function evaluations).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.optimize import minimize

Objective = Callable[[np.ndarray], float]


class GradientDescent:
    """Plain gradient descent ``theta <- theta - lr * grad``."""

    uses_gradient = True

    def __init__(self, lr: float):
        self.lr = lr

    def step(self, theta, *, loss, grad, objective):
        return theta - self.lr * grad


class Adam:
    """Adam (Kingma & Ba 2015) with bias correction."""

    uses_gradient = True

    def __init__(self, lr: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m = self.v = None
        self.t = 0

    def step(self, theta, *, loss, grad, objective):
        if self.m is None:
            self.m, self.v = np.zeros_like(theta), np.zeros_like(theta)
        self.t += 1
        self.m = self.beta1 * self.m + (1 - self.beta1) * grad
        self.v = self.beta2 * self.v + (1 - self.beta2) * grad**2
        m_hat = self.m / (1 - self.beta1**self.t)
        v_hat = self.v / (1 - self.beta2**self.t)
        return theta - self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


class FiniteDifferenceAdam:
    """ADAM as implemented in qiskit-aqua (the write-up's optimizer), with its gradient.

    The gradient is the forward difference ``g_i = (f(theta + eps e_i) - f(theta)) / eps``
    (``P`` extra loss evaluations per epoch; ``f(theta)`` is the epoch's own loss). Then
    ``m_t = beta1 m + (1 - beta1) g``, ``v_t = beta2 v + (1 - beta2) g**2`` and

    ``theta <- theta - lr sqrt(1 - beta2**t) / (1 - beta1**t) * m_t / (sqrt(v_t) + noise_factor)``

    (Kingma & Ba 2015, Algorithm 1 in its "efficient" form; qiskit-aqua
    ``qiskit.aqua.components.optimizers.ADAM``, whose ``eps`` is the finite-difference step).
    Every loss evaluation is kept in ``evaluations`` (the write-up plotted its loss per
    evaluation, not per epoch). aqua's ``tol`` stop (``|Delta theta| < 1e-6``) is not modelled:
    with ``lr = 1e-3`` a step moves each angle by about ``lr``, far above it.
    """

    uses_gradient = False

    def __init__(
        self,
        lr: float,
        beta1: float = 0.9,
        beta2: float = 0.99,
        noise_factor: float = 1e-8,
        eps: float = 1e-10,
    ):
        self.lr, self.beta1, self.beta2 = lr, beta1, beta2
        self.noise_factor, self.eps = noise_factor, eps
        self.m = self.v = None
        self.t = 0
        self.evaluations: list[float] = []

    def gradient(self, theta: np.ndarray, loss: float, objective: Objective) -> np.ndarray:
        shifted = theta + self.eps * np.eye(len(theta))
        values = np.array([objective(row) for row in shifted])
        self.evaluations.extend([float(loss), *values.tolist()])
        return (values - loss) / self.eps

    def step(self, theta, *, loss, grad, objective):
        grad = self.gradient(theta, loss, objective)
        if self.m is None:
            self.m, self.v = np.zeros_like(theta), np.zeros_like(theta)
        self.t += 1
        self.m = self.beta1 * self.m + (1 - self.beta1) * grad
        self.v = self.beta2 * self.v + (1 - self.beta2) * grad**2
        lr_eff = self.lr * np.sqrt(1 - self.beta2**self.t) / (1 - self.beta1**self.t)
        return theta - lr_eff * self.m / (np.sqrt(self.v) + self.noise_factor)


class StudyToyUpdate:
    """The study's own toy update ``theta <- theta - lr * loss``.

    NOT a gradient step: it moves every parameter by the cost itself, in the same direction,
    whatever the slope. Provided only so the study's published Bell-toy curves can be
    reproduced; use ``sgd`` for gradient descent.
    """

    uses_gradient = False

    def __init__(self, lr: float):
        self.lr = lr

    def step(self, theta, *, loss, grad, objective):
        return theta - self.lr * loss


class SPSA:
    """Simultaneous perturbation stochastic approximation (Spall 1998), one iteration per epoch.

    Gains ``a_k = lr / (k + 1 + A)**alpha`` and ``c_k = perturbation / (k + 1)**gamma``; two
    objective evaluations per iteration; perturbations drawn from the seeded generator.
    """

    uses_gradient = False

    def __init__(
        self,
        lr: float,
        perturbation: float = 0.1,
        alpha: float = 0.602,
        gamma: float = 0.101,
        stability: float = 0.0,
        seed: int = 0,
    ):
        self.lr, self.c, self.alpha, self.gamma, self.A = lr, perturbation, alpha, gamma, stability
        self.rng = np.random.default_rng(seed)
        self.k = 0

    def step(self, theta, *, loss, grad, objective):
        a_k = self.lr / (self.k + 1 + self.A) ** self.alpha
        c_k = self.c / (self.k + 1) ** self.gamma
        delta = self.rng.choice([-1.0, 1.0], size=theta.shape)
        g = (objective(theta + c_k * delta) - objective(theta - c_k * delta)) / (2 * c_k) * delta
        self.k += 1
        return theta - a_k * g


COBYLA_TOL = 1e-4  # scipy's default final trust radius (RHOEND)
PRIMA_RHOEND = 1e-6  # what scipy's PRIMA takes instead when RHOEND > RHOBEG


def final_radius(radius: float) -> float:
    """COBYLA's final trust radius (RHOEND) for a start radius (RHOBEG): scipy's default 1e-4,
    or, once the decayed radius is below it, ``max(eps, min(radius / 10, 1e-6))`` -- the value
    scipy's PRIMA would substitute itself, with a warning per call (26 per run, 520 lines in a
    20-job sweep)."""
    if radius >= COBYLA_TOL:
        return COBYLA_TOL
    return max(float(np.finfo(float).eps), min(0.1 * radius, PRIMA_RHOEND))


class COBYLA:
    """scipy's COBYLA, restarted each epoch with ``evals_per_epoch`` function evaluations
    (default ``2 (P + 1)``: the first ``P + 1`` rebuild the simplex).

    The trust radius starts at ``lr`` and shrinks by ``radius_decay`` per epoch, since a restart
    forgets COBYLA's own radius.
    """

    uses_gradient = False

    def __init__(self, lr: float, evals_per_epoch: int | None = None, radius_decay: float = 0.8):
        self.radius, self.evals, self.decay = lr, evals_per_epoch, radius_decay

    def step(self, theta, *, loss, grad, objective):
        maxiter = self.evals or 2 * (len(theta) + 1)
        result = minimize(
            objective,
            theta,
            method="COBYLA",
            options={"maxiter": max(maxiter, len(theta) + 2), "rhobeg": self.radius},
            tol=final_radius(self.radius),
        )
        self.radius *= self.decay
        return np.asarray(result.x, dtype=float)
