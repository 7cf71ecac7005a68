"""Build everything a training run needs from a validated config (``hydra.utils.instantiate``).

Each config group becomes its object through :func:`qml_entanglement.config.build`: the data set,
the model (circuits, readout, initial parameters), the loss, the optimizer and the simulator;
then the feature-map encodings are computed once and the measures of ``metrics.measures`` are
built (:mod:`qml_entanglement.training.measures`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from omegaconf import DictConfig

from ..config import ConfigError, build
from ..data import Dataset
from ..data.datasets import with_shuffled_labels
from ..models import Model
from .classifier import QuantumClassifier
from .measures import Measure, MeasureContext, build_measures, evidence_of, once_of
from .resources import feature_map_bytes, lowers_to_real_block, memory_problem


@dataclass
class EncodedData:
    """Feature-map encodings of the train and test sets (computed once per run)."""

    train: np.ndarray
    y_train: np.ndarray
    test: np.ndarray | None
    y_test: np.ndarray | None
    has_labels: bool = True


@dataclass
class Experiment:
    """A built run: what is trained, on what, how long, and what is measured per step.

    ``probe`` selects the training samples whose states are measured (all when None);
    ``measures`` are called in order at every step (:class:`~qml_entanglement.training.
    measures.Measure`); ``once`` holds their run-level numbers (e.g. ``init_grad_variance``)
    and ``entanglement_metrics`` the metrics they declare as entanglement evidence. ``seed``
    orders mini-batches.
    """

    dataset: Dataset
    model: Model
    classifier: QuantumClassifier
    optimizer: object
    data: EncodedData
    epochs: int
    batch_size: int | None
    seed: int
    probe: np.ndarray | None = None
    measures: Sequence[Measure] = field(default_factory=tuple)

    @property
    def theta0(self) -> np.ndarray:
        return self.model.initial_parameters()

    @property
    def once(self) -> dict[str, float]:
        return once_of(list(self.measures))

    @property
    def entanglement_metrics(self) -> tuple[str, ...]:
        return evidence_of(list(self.measures))


def build_experiment(cfg: DictConfig) -> Experiment:
    """The :class:`Experiment` of a validated ``cfg``; a config that cannot be built (bad data,
    circuits the engine cannot compile, too little memory) raises :class:`ConfigError`."""
    try:
        return _build(cfg)
    except ConfigError:
        raise
    except ValueError as exc:  # bad data or circuit for this config: a config mistake
        raise ConfigError(str(exc)) from exc


def _build(cfg: DictConfig) -> Experiment:
    dataset: Dataset = build(cfg.dataset)
    if (cfg.get("control") or {}).get("shuffle_labels", False):
        dataset = with_shuffled_labels(dataset, int(cfg.seed))
    simulator_factory = build(cfg.simulator)
    samples = len(dataset.y_train) + len(dataset.y_test)
    noise = cfg.simulator.get("noise") or {}
    mixed_expected = any(float(v or 0) > 0 for v in noise.values())
    n = int(cfg.model.num_qubits)
    # the least any path needs, before the model (its readout has 2**n rows) is built
    problem = memory_problem(n, samples, mixed_expected, compiled=not mixed_expected)
    if problem:
        raise ValueError(problem)
    model: Model = build(cfg.model)
    problem = memory_problem(n, samples, mixed_expected, **_compiled_path(cfg, model, dataset))
    if problem:
        raise ValueError(problem)
    simulator = simulator_factory(model.feature_map, model.ansatz)
    classifier = QuantumClassifier(simulator, model.readout, build(cfg.loss))
    data = _encode(simulator, dataset)
    probe = _probe(cfg.metrics.probe_size, len(data.y_train), cfg.seed)
    measured = len(data.y_train) if probe is None else len(probe)
    context = MeasureContext(
        cfg.metrics,
        cfg.seed,
        dataset,
        model,
        simulator,
        classifier,
        data,
        probe=probe,
        half_cut_subset=_probe(cfg.metrics.half_cut_samples, measured, [cfg.seed, 18]),
    )
    return Experiment(
        dataset=dataset,
        model=model,
        classifier=classifier,
        optimizer=build(cfg.optimizer),
        data=data,
        epochs=cfg.trainer.epochs,
        batch_size=cfg.trainer.batch_size,
        seed=cfg.seed,
        probe=probe,
        measures=build_measures(cfg.metrics.measures, context),
    )


def _compiled_path(cfg: DictConfig, model: Model, dataset: Dataset) -> dict:
    """:func:`memory_problem`'s keywords for the compiled real-block path, when the run takes
    it: the states held for the measures (the probed samples', all training samples' without
    a probe; a copy of the half-cut subset of them; all again for the write-up's published
    metrics) and the feature map's compiled size."""
    if not lowers_to_real_block(cfg.simulator, model.ansatz):
        return {}
    metrics, n_train = cfg.metrics, len(dataset.y_train)
    kept = min(metrics.probe_size or n_train, n_train)
    held = kept + min(metrics.half_cut_samples or kept, kept)
    held += n_train if metrics.get("as_published") else 0
    program = feature_map_bytes(model.feature_map)
    return {"compiled": True, "held": held, "program_bytes": program}


def _encode(simulator, dataset: Dataset) -> EncodedData:
    labelled = dataset.has_labels
    return EncodedData(
        simulator.encode(dataset.x_train),
        dataset.y_train,
        simulator.encode(dataset.x_test) if labelled else None,
        dataset.y_test if labelled else None,
        has_labels=labelled,
    )


def _probe(size: int | None, n_train: int, seed) -> np.ndarray | None:
    if size is None or size >= n_train:
        return None
    return np.sort(np.random.default_rng(seed).choice(n_train, size=size, replace=False))
