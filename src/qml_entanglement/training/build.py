"""Build every component of a run from a validated config (one factory per config group)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from omegaconf import DictConfig, OmegaConf
from qiskit.circuit import QuantumCircuit

from ..data import Dataset, load_dataset
from ..engine import StatevectorSimulator
from ..models import READOUTS, bell_toy_circuit, build_ansatz, build_feature_map
from .classifier import QuantumClassifier
from .losses import LOSSES
from .optimizers import OPTIMIZERS
from .resources import memory_problem


@dataclass
class Components:
    dataset: Dataset
    feature_map: QuantumCircuit
    ansatz: QuantumCircuit
    classifier: QuantumClassifier
    optimizer: object
    theta0: np.ndarray


def _options(section: DictConfig) -> dict:
    options = OmegaConf.to_container(section, resolve=True)
    options.pop("name", None)
    return options


def build_circuits(cfg: DictConfig) -> tuple[QuantumCircuit, QuantumCircuit]:
    """The model's feature map and trainable ansatz."""
    model = cfg.model
    if model.name == "bell_toy":
        return QuantumCircuit(2, name="no_encoding"), bell_toy_circuit()
    fm = model.feature_map
    feature_map = build_feature_map(
        fm.name,
        model.num_qubits,
        fm.reps,
        fm.get("entanglement", "full"),
        fm.alpha,
        fm.get("paulis"),
    )
    an = model.ansatz
    ansatz = build_ansatz(
        an.name,
        model.num_qubits,
        an.reps,
        an.entanglement,
        an.get("rotation_blocks"),
        an.get("entanglement_blocks", "cx"),
    )
    return feature_map, ansatz


def build_simulator(cfg: DictConfig, feature_map: QuantumCircuit, ansatz: QuantumCircuit):
    if cfg.simulator.name == "aer":
        from ..engine.aer import AerSimulatorEngine

        return AerSimulatorEngine(feature_map, ansatz, **_options(cfg.simulator))
    return StatevectorSimulator(feature_map, ansatz, mode=cfg.simulator.mode)


def _seed(section: DictConfig, key: str, default: int) -> int:
    """``section[key]``, or ``default`` (the run's ``seed``) when it is unset or null."""
    value = section.get(key)
    return default if value is None else int(value)


def initial_parameters(cfg: DictConfig, num_parameters: int) -> np.ndarray:
    """Initial angles ``U(init_low, init_high)`` from ``model.init_seed`` (default ``seed``).

    ``init_generator=legacy`` draws from numpy's ``RandomState(init_seed)``, i.e. exactly what
    ``np.random.seed(s); low + (high - low) * np.random.rand(P)`` gives (the write-up's
    initialisation with ``s = 137``, ``low = 0``, ``high = 2 pi``).
    """
    model = cfg.model
    if model.name == "bell_toy":
        return np.full(num_parameters, float(model.initial_angle))
    seed = _seed(model, "init_seed", cfg.seed)
    low, high = float(model.init_low), float(model.init_high)
    if model.get("init_generator", "default") == "legacy":
        return low + (high - low) * np.random.RandomState(seed).rand(num_parameters)
    return np.random.default_rng(seed).uniform(low, high, size=num_parameters)


def build(cfg: DictConfig) -> Components:
    """Dataset, circuits, classifier, optimizer and initial parameters for ``cfg``.

    The data come from ``dataset.seed`` and the initial angles from ``model.init_seed`` (both
    default to ``seed``); the optimizer's own randomness (SPSA) and mini-batches use ``seed``.
    """
    options = _options(cfg.dataset)
    options.pop("seed", None)
    dataset = load_dataset(cfg.dataset.name, seed=_seed(cfg.dataset, "seed", cfg.seed), **options)
    samples = len(dataset.y_train) + len(dataset.y_test)
    mixed = cfg.simulator.name == "aer" and any(
        float(v or 0) > 0 for v in (cfg.simulator.get("noise") or {}).values()
    )
    problem = memory_problem(int(cfg.model.num_qubits), samples, mixed)
    if problem:
        raise ValueError(problem)  # the run reports it as a config mistake (exit 2)
    feature_map, ansatz = build_circuits(cfg)
    simulator = build_simulator(cfg, feature_map, ansatz)
    readout = READOUTS[cfg.model.readout](ansatz.num_qubits)
    loss = LOSSES[cfg.loss.name](**_options(cfg.loss))
    classifier = QuantumClassifier(simulator, readout, loss)
    optimizer = OPTIMIZERS[cfg.optimizer.name](seed=cfg.seed, **_options(cfg.optimizer))
    theta0 = initial_parameters(cfg, ansatz.num_parameters)
    return Components(dataset, feature_map, ansatz, classifier, optimizer, theta0)
