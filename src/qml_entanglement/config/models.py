"""Model options (``model=<name>``) and the circuit options they hold
(``model/feature_map=<name>``, ``model/ansatz=<name>``).

Circuit options are partial: the model calls them with its number of qubits
(:mod:`qml_entanglement.models`). Cross-group requirements are each model's ``check``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from omegaconf import MISSING, SI

from .fields import ConfigError, setting
from .store import option

# qiskit's entanglement patterns; "none" = the same rotations without any entangling gate
ENTANGLEMENT_PATTERNS = ("linear", "reverse_linear", "circular", "full", "pairwise", "sca", "none")


# ------------------------------------------------------------------------------ feature maps
@option("model/feature_map", "zz")
@dataclass
class ZZFeatureMap:
    """qiskit ``zz_feature_map``: Hadamards, Z(x_i) and ZZ(x_i, x_j) phases, ``reps`` times."""

    _target_: str = "qml_entanglement.models.feature_maps.zz"
    _partial_: bool = True
    name: str = "zz"
    reps: int = setting(2, ge=0)
    entanglement: str = setting("full", choices=ENTANGLEMENT_PATTERNS)
    alpha: float = setting(2.0, gt=0.0)


@option("model/feature_map", "z")
@dataclass
class ZFeatureMap:
    """qiskit ``z_feature_map``: no entangling gates."""

    _target_: str = "qml_entanglement.models.feature_maps.z"
    _partial_: bool = True
    name: str = "z"
    reps: int = setting(2, ge=0)
    alpha: float = setting(2.0, gt=0.0)


@option("model/feature_map", "pauli")
@dataclass
class PauliFeatureMap:
    """qiskit ``pauli_feature_map`` with the Pauli strings ``paulis``."""

    _target_: str = "qml_entanglement.models.feature_maps.pauli"
    _partial_: bool = True
    name: str = "pauli"
    reps: int = setting(2, ge=0)
    entanglement: str = setting("full", choices=ENTANGLEMENT_PATTERNS)
    alpha: float = setting(2.0, gt=0.0)
    paulis: list[str] = setting(factory=lambda: ["Z", "ZZ"])


# ----------------------------------------------------------------------------------- ansatze
@option("model/ansatz", "real_amplitudes")
@dataclass
class RealAmplitudes:
    """qiskit ``real_amplitudes``: RY layers and CX entanglers."""

    _target_: str = "qml_entanglement.models.ansatze.real_amplitudes"
    _partial_: bool = True
    name: str = "real_amplitudes"
    reps: int = setting(1, ge=0)
    entanglement: str = setting("linear", choices=ENTANGLEMENT_PATTERNS)


@option("model/ansatz", "efficient_su2")
@dataclass
class EfficientSU2:
    """qiskit ``efficient_su2``: RY and RZ layers and CX entanglers."""

    _target_: str = "qml_entanglement.models.ansatze.efficient_su2"
    _partial_: bool = True
    name: str = "efficient_su2"
    reps: int = setting(1, ge=0)
    entanglement: str = setting("linear", choices=ENTANGLEMENT_PATTERNS)


@option("model/ansatz", "two_local")
@dataclass
class TwoLocal:
    """qiskit ``n_local`` with chosen rotation and entangling blocks."""

    _target_: str = "qml_entanglement.models.ansatze.two_local"
    _partial_: bool = True
    name: str = "two_local"
    reps: int = setting(1, ge=0)
    entanglement: str = setting("linear", choices=ENTANGLEMENT_PATTERNS)
    rotation_blocks: list[str] = setting(factory=lambda: ["ry", "rz"])
    entanglement_blocks: str = "cx"


# ------------------------------------------------------------------------------------ models
@option("model", "vqc")
@dataclass
class VQC:
    """Variational quantum classifier: feature map + ansatz, parity readout."""

    _target_: str = "qml_entanglement.models.vqc.VQC"
    name: str = "vqc"
    num_qubits: int = setting(SI("${dataset.num_features}"), ge=1)
    feature_map: Any = MISSING  # an option of model/feature_map (vqc.yaml: zz)
    ansatz: Any = MISSING  # an option of model/ansatz (vqc.yaml: real_amplitudes)
    readout: str = setting("parity", choices=("parity",))
    init_low: float = -math.pi  # initial parameters ~ U(init_low, init_high), seeded
    init_high: float = math.pi
    # legacy: numpy's RandomState, i.e. np.random.seed(init_seed) (the write-up's)
    init_generator: str = setting("default", choices=("default", "legacy"))
    init_seed: int | None = setting(SI("${seed}"), ge=0)

    def check(self, cfg) -> None:
        features = cfg.dataset.num_features
        if features == 0:
            raise ConfigError(
                f"model {self.name!r} needs data; dataset={cfg.dataset.name} has no features"
            )
        if self.num_qubits != features:
            raise ConfigError(
                f"model.num_qubits={self.num_qubits} must equal dataset.num_features="
                f"{features} (one feature per qubit)"
            )


@option("model", "bell_toy")
@dataclass
class BellToy:
    """The study's toy: RY(theta) on qubit 0, then CNOT; no data."""

    _target_: str = "qml_entanglement.models.bell_toy.BellToy"
    name: str = "bell_toy"
    num_qubits: int = setting(2, choices=(2,))
    initial_angle: float = 0.05  # theta = 0 is a stationary point of the toy's cost
    readout: str = setting("identity", choices=("identity",))
    init_seed: int | None = setting(SI("${seed}"), ge=0)  # unused: starts at initial_angle

    def check(self, cfg) -> None:
        if cfg.dataset.num_features != 0:
            raise ConfigError(
                f"model {self.name!r} takes no data; use dataset=none, not {cfg.dataset.name}"
            )
        if cfg.loss.name != "bell_mse":
            raise ConfigError(
                f"loss.name={cfg.loss.name!r} does not fit model {self.name!r}: bell_mse is "
                "the Bell toy's cost and the toy takes no other loss"
            )
