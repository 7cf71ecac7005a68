"""Per-sample losses on class probabilities, with their exact derivatives.

Each loss maps class probabilities ``P`` of shape ``(B, C)`` and integer labels ``y`` ``(B,)`` to
the per-sample loss ``(B,)`` and ``d loss / d P`` ``(B, C)``. The training objective is the mean
over samples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

_EPS = 1e-12


def _correct(probs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    return probs[np.arange(len(labels)), labels]


def _at_label(values: np.ndarray, labels: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    grad = np.zeros(shape)
    grad[np.arange(len(labels)), labels] = values
    return grad


@dataclass(frozen=True)
class CrossEntropy:
    """``-ln P_y`` (natural log), clipped at ``1e-12``."""

    def __call__(self, probs, labels):
        p = np.maximum(_correct(probs, labels), _EPS)
        return -np.log(p), _at_label(-1.0 / p, labels, probs.shape)


@dataclass(frozen=True)
class MeanSquaredError:
    """``sum_c (P_c - onehot(y)_c)**2``."""

    def __call__(self, probs, labels):
        residual = probs - np.eye(probs.shape[1])[labels]
        return np.sum(residual**2, axis=1), 2.0 * residual


@dataclass(frozen=True)
class SigmoidEstimate:
    """The study's cost: probability of misclassifying a sample from ``shots`` = R measurements.

    With ``p = P_y`` the probability of the correct label (Havlicek et al., Nature 567, 209
    (2019), Eq. (S8) without bias):

    ``loss = sigmoid( sqrt(R) (1/2 - p) / sqrt(2 p (1 - p)) )``

    which tends to 0 as ``p -> 1``, to 1 as ``p -> 0`` and is 1/2 at ``p = 1/2``. Its derivative
    ``d loss/dp = -sigmoid'(z) sqrt(R/2) / (4 (p(1-p))**1.5)`` vanishes at both limits; ``p``
    is clipped to ``[1e-12, 1 - 1e-12]`` so neither limit produces ``0/0``.
    """

    shots: int = 1024

    def __call__(self, probs, labels):
        p = np.clip(_correct(probs, labels), _EPS, 1.0 - _EPS)
        var = p * (1.0 - p)
        z = np.sqrt(self.shots) * (0.5 - p) / np.sqrt(2.0 * var)
        loss = expit(z)
        dz_dp = -np.sqrt(self.shots / 2.0) * 0.25 / var**1.5
        return loss, _at_label(expit(z) * expit(-z) * dz_dp, labels, probs.shape)


@dataclass(frozen=True)
class BellMSE:
    """The Bell toy's cost ``(p_00 - p_11)**2`` on two-qubit basis probabilities.

    Zero exactly on states with equal weight on ``|00>`` and ``|11>``; labels are ignored.
    Needs the identity readout (``C = 4``; index 0 is ``|00>``, index 3 is ``|11>``).
    """

    def __call__(self, probs, labels):
        if probs.shape[1] != 4:
            raise ValueError("loss 'bell_mse' needs a two-qubit model with the identity readout")
        diff = probs[:, 0] - probs[:, 3]
        grad = np.zeros_like(probs)
        grad[:, 0], grad[:, 3] = 2 * diff, -2 * diff
        return diff**2, grad
