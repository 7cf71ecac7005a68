"""Build everything a training run needs from a validated config (``hydra.utils.instantiate``).

Each config group becomes its object through :func:`qml_entanglement.config.build`: the data set,
the model (circuits, readout, initial parameters), the loss, the optimizer and the simulator;
then the feature-map encodings are computed once and the run's extra measurements are chosen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from omegaconf import DictConfig

from ..config import ConfigError, build
from ..data import Dataset
from ..models import Model
from .classifier import QuantumClassifier
from .entanglement import (
    block_entangling_power,
    entanglement_metric_names,
    entanglement_summary,
)
from .measurements import (
    AerRandomizedEstimates,
    RandomizedEstimates,
    Scrambling,
    feature_map_unitaries,
    initial_gradient_variance,
)
from .published import as_published_metrics
from .resources import memory_problem

StepMeasure = Callable[[np.ndarray, object], dict[str, float]]
StateMeasure = Callable[[np.ndarray], dict[str, float]]


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

    ``probe`` selects the training samples whose states are measured (all when None) and
    ``half_cut_subset`` those of them whose half-cut entropy is computed (all when None);
    ``measures(theta, optimizer)`` add per-step metrics of the parameters or the optimizer's
    state and ``state_measures(states)`` per-step metrics of the measured states (e.g. the
    randomized-measurement estimates); ``baseline`` is the entanglement of the feature-map
    states alone (each of its metrics ``k`` also gets ``k_change`` per step); ``once`` holds
    run-level numbers measured once (e.g. ``init_grad_variance``). ``seed`` orders mini-batches.
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
    half_cut_subset: np.ndarray | None = None
    measures: Sequence[StepMeasure] = ()
    state_measures: Sequence[StateMeasure] = ()
    once: dict[str, float] = field(default_factory=dict)
    baseline: dict[str, float] | None = None
    entanglement_metrics: tuple[str, ...] = field(default_factory=tuple)

    @property
    def theta0(self) -> np.ndarray:
        return self.model.initial_parameters()


def build_experiment(cfg: DictConfig) -> Experiment:
    """The :class:`Experiment` of a validated ``cfg``; a config that cannot be built (bad data,
    circuits the engine cannot compile, too little memory) raises :class:`ConfigError`."""
    try:
        return _build(cfg)
    except ValueError as exc:  # bad data or circuit for this config: a config mistake
        raise ConfigError(str(exc)) from exc


def _build(cfg: DictConfig) -> Experiment:
    dataset: Dataset = build(cfg.dataset)
    simulator_factory = build(cfg.simulator)
    samples = len(dataset.y_train) + len(dataset.y_test)
    noise = cfg.simulator.get("noise") or {}
    mixed_expected = any(float(v or 0) > 0 for v in noise.values())
    problem = memory_problem(int(cfg.model.num_qubits), samples, mixed_expected)
    if problem:
        raise ValueError(problem)
    model: Model = build(cfg.model)
    simulator = simulator_factory(model.feature_map, model.ansatz)
    classifier = QuantumClassifier(simulator, model.readout, build(cfg.loss))
    data = _encode(simulator, dataset)
    probe = _probe(cfg.metrics.probe_size, len(data.y_train), cfg.seed)
    measured = len(data.y_train) if probe is None else len(probe)
    power_samples = cfg.metrics.entangling_power_samples
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
        half_cut_subset=_probe(cfg.metrics.half_cut_samples, measured, [cfg.seed, 18]),
        measures=_measures(cfg, model, simulator, data, dataset, probe),
        state_measures=_state_measures(cfg, simulator),
        once=_once(cfg, classifier, model, data),
        baseline=_feature_map_baseline(data, probe),
        entanglement_metrics=entanglement_metric_names(
            getattr(simulator, "mixed", False), entangling_power=bool(power_samples)
        ),
    )


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


def _measures(
    cfg: DictConfig,
    model: Model,
    simulator,
    data: EncodedData,
    dataset: Dataset,
    probe: np.ndarray | None,
) -> list[StepMeasure]:
    """Per-step measurements beyond the loop's own: entangling power, scrambling, the
    write-up's quantities."""
    measures: list[StepMeasure] = []
    samples = cfg.metrics.entangling_power_samples
    if samples:
        power = block_entangling_power(simulator.block, samples, seed=cfg.seed)
        measures.append(lambda theta, _optimizer: power(theta))
    if cfg.metrics.estimator == "randomized" and hasattr(simulator, "randomized_counts"):
        features = data.train if probe is None else data.train[probe]
        m = cfg.metrics
        measures.append(
            AerRandomizedEstimates(
                simulator, features, model.num_qubits, m.unitaries, m.shots, cfg.seed
            )
        )
    if cfg.metrics.scrambling:
        points = None
        if dataset.has_labels and model.feature_map.num_parameters:
            k = min(cfg.metrics.scrambling_points, len(dataset.y_train))
            pick = np.random.default_rng([cfg.seed, 19]).choice(len(dataset.y_train), k, False)
            points = feature_map_unitaries(model.feature_map, dataset.x_train[np.sort(pick)])
        measures.append(Scrambling(simulator.block, model.num_qubits, points))
    if cfg.metrics.as_published:
        point = model.published_point
        encoded = data.train if point is None else simulator.encode(np.array([point]))
        measures.append(
            as_published_metrics(
                lambda params: simulator.states(params, encoded), of_moment=point is not None
            )
        )
    return measures


def _state_measures(cfg: DictConfig, simulator) -> list[StateMeasure]:
    """Per-step measurements of the measured states: the randomized-measurement estimates
    (with Aer, measured by Aer itself: a step measure, see :func:`_measures`)."""
    metrics = cfg.metrics
    if metrics.estimator != "randomized" or hasattr(simulator, "randomized_counts"):
        return []
    return [RandomizedEstimates(cfg.model.num_qubits, metrics.unitaries, metrics.shots, cfg.seed)]


def _once(cfg: DictConfig, classifier: QuantumClassifier, model: Model, data: EncodedData):
    """Run-level measurements: McClean et al.'s gradient variance over initialisations."""
    samples = cfg.metrics.barren_plateau_samples
    if not samples:
        return {}

    def gradient(theta: np.ndarray) -> np.ndarray:
        return classifier.evaluate(theta, data.train, data.y_train, with_grad=True).grad

    return initial_gradient_variance(gradient, model.ansatz.num_parameters, samples, cfg.seed)


def _feature_map_baseline(data: EncodedData, probe: np.ndarray | None) -> dict[str, float] | None:
    """Entanglement of the feature-map states alone (the probed training samples), or None.

    Only for models with data on exact states (the encodings are then the states themselves).
    """
    encoded = data.train if probe is None else data.train[probe]
    if not data.has_labels or not np.iscomplexobj(encoded) or encoded.ndim != 2:
        return None
    summary = entanglement_summary(encoded, half_cut=False)
    return {k: v for k, v in summary.items() if not k.endswith("_std")}
