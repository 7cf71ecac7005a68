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


def initial_parameters(cfg: DictConfig, num_parameters: int, rng: np.random.Generator):
    if cfg.model.name == "bell_toy":
        return np.full(num_parameters, float(cfg.model.initial_angle))
    return rng.uniform(cfg.model.init_low, cfg.model.init_high, size=num_parameters)


def build(cfg: DictConfig, rng: np.random.Generator) -> Components:
    """Dataset, circuits, classifier, optimizer and initial parameters for ``cfg``."""
    dataset = load_dataset(cfg.dataset.name, seed=cfg.seed, **_options(cfg.dataset))
    feature_map, ansatz = build_circuits(cfg)
    simulator = build_simulator(cfg, feature_map, ansatz)
    readout = READOUTS[cfg.model.readout](ansatz.num_qubits)
    loss = LOSSES[cfg.loss.name](**_options(cfg.loss))
    classifier = QuantumClassifier(simulator, readout, loss)
    optimizer = OPTIMIZERS[cfg.optimizer.name](seed=cfg.seed, **_options(cfg.optimizer))
    theta0 = initial_parameters(cfg, ansatz.num_parameters, rng)
    return Components(dataset, feature_map, ansatz, classifier, optimizer, theta0)
