"""Typed schemas of every config group, checked before any training starts.

Each group option has a dataclass; :func:`validate` checks the composed config against the
dataclass of the chosen option: unknown keys, wrong types and out-of-range values all raise one
:class:`ConfigError` naming the full key, the bad value and what is allowed.
"""

from __future__ import annotations

import math
import types
import typing
from dataclasses import MISSING, dataclass, field, fields
from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf

from ..models.circuits import ANSATZE, ENTANGLEMENT_PATTERNS, FEATURE_MAPS
from ..tracking.uri import uri_problem

MAX_EXPERIMENT_NAME = 256  # MLflow's column width for experiment names


class ConfigError(ValueError):
    """A config value is wrong; the message names the key and the allowed values."""


def ge(bound: float) -> dict:
    return {"ge": bound}


def gt(bound: float) -> dict:
    return {"gt": bound}


def choice(*options: str) -> dict:
    return {"choices": options}


def _f(default: Any = MISSING, **meta: Any):
    return field(default=default, metadata=meta)


# ----------------------------------------------------------------------------------- dataset
@dataclass
class _DatasetBase:
    name: str
    num_features: int = _f(**ge(1))
    seed: int | None = _f(None, ge=0)  # data seed; train.yaml sets it to ${seed}
    test_size: float = _f(0.25, gt=0.0, lt=1.0)
    pca: bool = False
    feature_range: list[float] | None = None


@dataclass
class AdHocSchema:
    name: str
    num_features: int = _f(**ge(2))
    training_size: int = _f(**ge(1))
    test_size: int = _f(**ge(1))
    seed: int | None = _f(None, ge=0)
    gap: float = _f(0.3, ge=0.0)
    sampling_method: str = _f("grid", choices=("grid", "hypercube"))
    divisions: int = _f(10, ge=1)  # strata per dimension of hypercube sampling
    feature_range: list[float] | None = None


@dataclass
class BlobsSchema(_DatasetBase):
    n_samples: int = _f(100, ge=4)
    cluster_std: float = _f(1.0, gt=0.0)
    centers: str = _f("random", choices=("random", "symmetric"))
    center_distance: float = _f(4.0, gt=0.0)  # used by centers=symmetric
    stratify: bool = True  # false: sklearn's default unstratified split (the write-up's)


@dataclass
class MoonsSchema(_DatasetBase):
    n_samples: int = _f(100, ge=4)
    noise: float = _f(0.1, ge=0.0)


@dataclass
class CirclesSchema(MoonsSchema):
    factor: float = _f(0.5, gt=0.0, lt=1.0)


@dataclass
class IrisSchema(_DatasetBase):
    classes: list[int] = field(default_factory=lambda: [0, 1])


@dataclass
class BreastCancerSchema(_DatasetBase):
    pass


@dataclass
class NoDataSchema:
    name: str
    num_features: int = _f(0, **choice(0))
    seed: int | None = _f(None, ge=0)


DATASETS = {
    "ad_hoc": AdHocSchema,
    "blobs": BlobsSchema,
    "moons": MoonsSchema,
    "circles": CirclesSchema,
    "iris": IrisSchema,
    "breast_cancer": BreastCancerSchema,
    "none": NoDataSchema,
}


# ------------------------------------------------------------------------------------- model
@dataclass
class FeatureMapSchema:
    name: str = _f(**choice(*FEATURE_MAPS))
    reps: int = _f(2, ge=0)
    entanglement: str = _f("full", choices=ENTANGLEMENT_PATTERNS)
    alpha: float = _f(2.0, gt=0.0)
    paulis: list[str] | None = None


@dataclass
class AnsatzSchema:
    name: str = _f(**choice(*ANSATZE))
    reps: int = _f(1, ge=0)
    entanglement: str = _f("linear", choices=ENTANGLEMENT_PATTERNS)
    rotation_blocks: list[str] | None = None
    entanglement_blocks: str = "cx"


@dataclass
class VQCSchema:
    name: str
    num_qubits: int = _f(**ge(1))
    feature_map: dict = field(default_factory=dict)
    ansatz: dict = field(default_factory=dict)
    readout: str = _f("parity", choices=("parity",))
    init_low: float = -3.141592653589793
    init_high: float = 3.141592653589793
    init_generator: str = _f("default", choices=("default", "legacy"))
    init_seed: int | None = _f(None, ge=0)  # train.yaml sets it to ${seed}


@dataclass
class BellToySchema:
    name: str
    num_qubits: int = _f(2, choices=(2,))
    initial_angle: float = 0.05
    readout: str = _f("identity", choices=("identity",))
    init_seed: int | None = _f(None, ge=0)  # unused: the toy starts at initial_angle


MODELS = {"vqc": VQCSchema, "bell_toy": BellToySchema}


# ---------------------------------------------------------------------- optimizer, loss, etc.
@dataclass
class AdamSchema:
    name: str
    lr: float = _f(**gt(0.0))
    beta1: float = _f(0.9, ge=0.0, lt=1.0)
    beta2: float = _f(0.999, ge=0.0, lt=1.0)
    eps: float = _f(1e-8, gt=0.0)


@dataclass
class FiniteDifferenceAdamSchema(AdamSchema):
    """Adam's keys with qiskit-aqua's defaults; ``eps`` is the finite-difference step."""

    beta2: float = _f(0.99, ge=0.0, lt=1.0)
    eps: float = _f(1e-10, gt=0.0)
    noise_factor: float = _f(1e-8, gt=0.0)


@dataclass
class SGDSchema:
    name: str
    lr: float = _f(**gt(0.0))


@dataclass
class SPSASchema:
    name: str
    lr: float = _f(**gt(0.0))
    perturbation: float = _f(0.1, gt=0.0)
    alpha: float = _f(0.602, gt=0.0)
    gamma: float = _f(0.101, gt=0.0)
    stability: float = _f(0.0, ge=0.0)


@dataclass
class COBYLASchema:
    name: str
    lr: float = _f(**gt(0.0))
    evals_per_epoch: int | None = _f(None, ge=1)
    radius_decay: float = _f(0.8, gt=0.0, le=1.0)


OPTIMIZERS = {
    "adam": AdamSchema,
    "fd_adam": FiniteDifferenceAdamSchema,
    "sgd": SGDSchema,
    "study_toy": SGDSchema,
    "spsa": SPSASchema,
    "cobyla": COBYLASchema,
}


@dataclass
class LossSchema:
    name: str


@dataclass
class SigmoidEstimateSchema:
    name: str
    shots: int = _f(1024, ge=1)


LOSSES = {
    "cross_entropy": LossSchema,
    "mse": LossSchema,
    "bell_mse": LossSchema,
    "sigmoid_estimate": SigmoidEstimateSchema,
}


@dataclass
class TrainerSchema:
    epochs: int = _f(**ge(1))
    batch_size: int | None = _f(None, ge=1)


@dataclass
class StatevectorSchema:
    name: str
    mode: str = _f("auto", choices=("auto", "gate", "unitary"))


@dataclass
class NoiseSchema:
    depolarizing: float = _f(0.0, ge=0.0, le=1.0)
    readout_error: float = _f(0.0, ge=0.0, le=0.5)


@dataclass
class AerSchema:
    name: str
    shots: int | None = _f(None, gt=0)
    noise: dict = field(default_factory=dict)
    seed: int | None = None


SIMULATORS = {"statevector": StatevectorSchema, "aer": AerSchema}


@dataclass
class MetricsSchema:
    probe_size: int | None = _f(None, ge=1)
    entangling_power_samples: int | None = _f(None, ge=1)
    as_published: bool = False


@dataclass
class TrackingSchema:
    uri: str
    experiment: str
    flush_seconds: float = _f(5.0, ge=0.0)
    writer: str = _f("auto", choices=("auto", "process", "inline"))
    artifacts: bool = True


# ---------------------------------------------------------------------------------- checking
def _type_ok(value: Any, annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(_type_ok(value, a) for a in typing.get_args(annotation))
    if annotation is type(None):
        return value is None
    if annotation is bool:
        return isinstance(value, bool)
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if annotation is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if annotation is str:
        return isinstance(value, str)
    if origin is list or annotation is list:
        return isinstance(value, list | tuple | ListConfig)
    if annotation is dict:
        return isinstance(value, dict | DictConfig)
    return True


def _type_name(annotation: Any) -> str:
    return str(annotation).replace("typing.", "").replace("<class '", "").replace("'>", "")


def check_section(section: Any, schema: type, prefix: str) -> None:
    """Check one config section (a mapping) against a schema dataclass."""
    if not isinstance(section, dict | DictConfig):
        raise ConfigError(f"{prefix} must be a mapping, got {section!r}")
    hints = typing.get_type_hints(schema)
    known = {f.name: f for f in fields(schema)}
    for key in section:
        if key not in known:
            raise ConfigError(f"unknown key '{prefix}.{key}'; allowed keys: {', '.join(known)}")
    for name, spec in known.items():
        key = f"{prefix}.{name}"
        if name not in section:
            if spec.default is MISSING and spec.default_factory is MISSING:
                raise ConfigError(f"missing required key '{key}'")
            continue
        value = section[name]
        if OmegaConf.is_config(value):
            value = OmegaConf.to_container(value, resolve=True)
        if not _type_ok(value, hints[name]):
            raise ConfigError(
                f"{key}={value!r} has the wrong type; expected {_type_name(hints[name])}"
            )
        meta = spec.metadata
        if value is None or isinstance(value, list | dict):
            continue
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(f"{key}={value!r} is not allowed; it must be a finite number")
        if "choices" in meta and value not in meta["choices"]:
            allowed = ", ".join(str(c) for c in meta["choices"])
            raise ConfigError(f"{key}={value!r} is not allowed; choose one of: {allowed}")
        for op, test, word in (
            ("ge", lambda v, b: v >= b, ">="),
            ("gt", lambda v, b: v > b, ">"),
            ("le", lambda v, b: v <= b, "<="),
            ("lt", lambda v, b: v < b, "<"),
        ):
            if op in meta and not test(value, meta[op]):
                raise ConfigError(f"{key}={value!r} is out of range; it must be {word} {meta[op]}")


def _option(cfg: DictConfig, group: str, registry: dict[str, type]) -> type:
    name = OmegaConf.select(cfg, f"{group}.name")
    if name not in registry:
        raise ConfigError(f"{group}.name={name!r} is not one of: {', '.join(registry)}")
    return registry[name]


def validate(cfg: DictConfig) -> None:
    """Validate a composed training config; raise :class:`ConfigError` on the first problem."""
    seed = cfg.get("seed")
    if not (isinstance(seed, int) and not isinstance(seed, bool) and seed >= 0):
        raise ConfigError(f"seed={seed!r} must be an integer >= 0")
    check_section(cfg.dataset, _option(cfg, "dataset", DATASETS), "dataset")
    check_section(cfg.model, _option(cfg, "model", MODELS), "model")
    if cfg.model.name == "vqc":
        check_section(cfg.model.feature_map, FeatureMapSchema, "model.feature_map")
        check_section(cfg.model.ansatz, AnsatzSchema, "model.ansatz")
        if cfg.model.num_qubits != cfg.dataset.num_features:
            raise ConfigError(
                f"model.num_qubits={cfg.model.num_qubits} must equal dataset.num_features="
                f"{cfg.dataset.num_features} (one feature per qubit)"
            )
        if cfg.dataset.name == "none":
            raise ConfigError("model 'vqc' needs data; dataset=none is only for model=bell_toy")
    elif cfg.dataset.name != "none":
        raise ConfigError(
            f"model 'bell_toy' takes no data; use dataset=none, not {cfg.dataset.name}"
        )
    check_section(cfg.optimizer, _option(cfg, "optimizer", OPTIMIZERS), "optimizer")
    check_section(cfg.loss, _option(cfg, "loss", LOSSES), "loss")
    if (cfg.loss.name == "bell_mse") != (cfg.model.name == "bell_toy"):
        raise ConfigError(
            f"loss.name={cfg.loss.name!r} does not fit model {cfg.model.name!r}: "
            "bell_mse is the Bell toy's cost and the toy takes no other loss"
        )
    check_section(cfg.trainer, TrainerSchema, "trainer")
    check_section(cfg.simulator, _option(cfg, "simulator", SIMULATORS), "simulator")
    if cfg.simulator.name == "aer":
        check_section(cfg.simulator.noise, NoiseSchema, "simulator.noise")
    check_section(cfg.metrics, MetricsSchema, "metrics")
    check_section(cfg.tracking, TrackingSchema, "tracking")
    _check_values(cfg)
    _check_combinations(cfg)


def _check_values(cfg: DictConfig) -> None:
    """Values whose form the type check cannot see: ranges, URIs, names."""
    feature_range = cfg.dataset.get("feature_range")
    if feature_range is not None:
        values = list(feature_range)
        numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
        ok = len(values) == 2 and numbers and all(math.isfinite(v) for v in values)
        if not ok or values[0] >= values[1]:
            raise ConfigError(
                f"dataset.feature_range={values!r} is not allowed; give [low, high] with "
                "finite low < high, or null to keep the raw features"
            )
    uri = cfg.tracking.get("uri")
    problem = uri_problem(str(uri)) if uri else None
    if problem:
        raise ConfigError(f"tracking.uri: {problem}")
    name = cfg.tracking.experiment
    if not name.strip() or len(name) > MAX_EXPERIMENT_NAME:
        shown = name if len(name) <= 40 else f"{name[:40]}... ({len(name)} characters)"
        raise ConfigError(
            f"tracking.experiment={shown!r} is not allowed; give a name of 1 to "
            f"{MAX_EXPERIMENT_NAME} characters"
        )


def _check_combinations(cfg: DictConfig) -> None:
    """Settings that are valid alone but not together."""
    data = cfg.dataset
    grid = data.name == "ad_hoc" and data.get("sampling_method", "grid") == "grid"
    if grid and data.num_features > 3:
        raise ConfigError(
            f"dataset.num_features={data.num_features} needs dataset.sampling_method=hypercube; "
            "qiskit's grid sampling of ad hoc data supports 2 and 3 features"
        )
    if cfg.metrics.get("as_published", False):
        if cfg.simulator.name != "statevector":
            raise ConfigError(
                f"metrics.as_published=true needs simulator=statevector (the write-up's exact "
                f"states), got simulator={cfg.simulator.name!r}"
            )
        if cfg.model.name == "vqc" and cfg.model.num_qubits != 2:
            raise ConfigError(
                f"metrics.as_published=true needs model.num_qubits=2 (the write-up's point "
                f"x = [0.5, 0.9]), got {cfg.model.num_qubits}"
            )
        if cfg.model.name == "vqc" and cfg.optimizer.name not in ("adam", "fd_adam"):
            raise ConfigError(
                f"metrics.as_published=true needs optimizer adam or fd_adam (the write-up "
                f"evaluates ADAM's first moment), got optimizer={cfg.optimizer.name!r}"
            )
