"""Optimizer (``optimizer=<name>``), loss (``loss=<name>``) and trainer options.

Optimizers are built from :mod:`qml_entanglement.training.optimizers`, losses from
:mod:`qml_entanglement.training.losses`; every field is a constructor argument.
"""

from __future__ import annotations

from dataclasses import dataclass

from omegaconf import SI

from .fields import ConfigError, setting
from .store import option


# -------------------------------------------------------------------------------- optimizers
@option("optimizer", "adam")
@dataclass
class Adam:
    """Adam (Kingma & Ba 2015) on exact gradients."""

    _target_: str = "qml_entanglement.training.optimizers.Adam"
    name: str = "adam"
    lr: float = setting(0.05, ge=0.0)  # 0: no training (the atlas's untrained control)
    beta1: float = setting(0.9, ge=0.0, lt=1.0)
    beta2: float = setting(0.999, ge=0.0, lt=1.0)
    eps: float = setting(1e-8, gt=0.0)


@option("optimizer", "fd_adam")
@dataclass
class FiniteDifferenceAdam(Adam):
    """qiskit-aqua's ADAM (the write-up's): ``eps`` is the finite-difference step."""

    _target_: str = "qml_entanglement.training.optimizers.FiniteDifferenceAdam"
    name: str = "fd_adam"
    lr: float = setting(0.001, gt=0.0)
    beta2: float = setting(0.99, ge=0.0, lt=1.0)
    noise_factor: float = setting(1e-8, gt=0.0)
    eps: float = setting(1e-10, gt=0.0)


@option("optimizer", "sgd")
@dataclass
class GradientDescent:
    """Plain gradient descent."""

    _target_: str = "qml_entanglement.training.optimizers.GradientDescent"
    name: str = "sgd"
    lr: float = setting(0.1, gt=0.0)


@option("optimizer", "study_toy")
@dataclass
class StudyToyUpdate:
    """The study's toy update ``theta <- theta - lr * loss`` (not a gradient step)."""

    _target_: str = "qml_entanglement.training.optimizers.StudyToyUpdate"
    name: str = "study_toy"
    lr: float = setting(0.1, gt=0.0)


@option("optimizer", "spsa")
@dataclass
class SPSA:
    """SPSA (Spall 1998), one iteration per epoch; perturbations from ``seed``."""

    _target_: str = "qml_entanglement.training.optimizers.SPSA"
    name: str = "spsa"
    lr: float = setting(0.2, gt=0.0)
    perturbation: float = setting(0.1, gt=0.0)
    alpha: float = setting(0.602, gt=0.0)
    gamma: float = setting(0.101, gt=0.0)
    stability: float = setting(0.0, ge=0.0)
    seed: int = setting(SI("${seed}"), ge=0)


@option("optimizer", "cobyla")
@dataclass
class COBYLA:
    """scipy's COBYLA restarted each epoch; ``lr`` is the initial trust radius."""

    _target_: str = "qml_entanglement.training.optimizers.COBYLA"
    name: str = "cobyla"
    lr: float = setting(0.5, gt=0.0)
    evals_per_epoch: int | None = setting(None, ge=1)  # default 2 (P + 1)
    radius_decay: float = setting(0.8, gt=0.0, le=1.0)


# ------------------------------------------------------------------------------------ losses
@option("loss", "cross_entropy")
@dataclass
class CrossEntropy:
    _target_: str = "qml_entanglement.training.losses.CrossEntropy"
    name: str = "cross_entropy"


@option("loss", "mse")
@dataclass
class MeanSquaredError:
    _target_: str = "qml_entanglement.training.losses.MeanSquaredError"
    name: str = "mse"


@option("loss", "sigmoid_estimate")
@dataclass
class SigmoidEstimate:
    """The study's cost: misclassification probability estimated from ``shots`` measurements."""

    _target_: str = "qml_entanglement.training.losses.SigmoidEstimate"
    name: str = "sigmoid_estimate"
    shots: int = setting(1024, ge=1)


@option("loss", "bell_mse")
@dataclass
class BellMSE:
    """The Bell toy's cost ``(p00 - p11)^2`` on its four basis probabilities."""

    _target_: str = "qml_entanglement.training.losses.BellMSE"
    name: str = "bell_mse"

    def check(self, cfg) -> None:
        if cfg.model.readout != "identity" or cfg.model.num_qubits != 2:
            raise ConfigError(
                f"loss.name={self.name!r} does not fit model {cfg.model.name!r}: bell_mse is "
                "the Bell toy's cost (two qubits, identity readout)"
            )


# ----------------------------------------------------------------------------------- trainer
@option("trainer", "default")
@dataclass
class Trainer:
    epochs: int = setting(100, ge=1)
    batch_size: int | None = setting(None, ge=1)  # null = full batch
