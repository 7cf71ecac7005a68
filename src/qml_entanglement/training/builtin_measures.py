"""The built-in per-step measures, each a factory for an entry of ``metrics.measures``
(:mod:`qml_entanglement.training.measures`; listed in ``conf/metrics/default.yaml``).

Always on: :func:`performance` (loss, accuracies), :func:`gradient`, :func:`entanglement` (the
exact summary of the measured states) and :func:`feature_map_change` (what the ansatz adds to
the feature map's entanglement, for models with data on exact states). Switched on by their
``metrics`` settings: :func:`randomized_estimates` (``estimator=randomized``),
:func:`entangling_power` (``entangling_power_samples``), :func:`scrambling`, :func:`as_published`
and, once per run, :func:`initial_gradient_variance` (``barren_plateau_samples``).
"""

from __future__ import annotations

import numpy as np

from ..config import ConfigError
from ..metrics.entropy import renyi_entropy
from ..metrics.haar import renyi2_half_cut_reference
from ..metrics.randomized_estimates import KEYS as RANDOMIZED_KEYS
from ..metrics.summary import MIXED_STATE_METRICS, PURE_STATE_METRICS, entanglement_summary
from .classifier import NO_STATES
from .entanglement import block_entangling_power
from .measurements import Scrambling, feature_map_unitaries
from .measurements import initial_gradient_variance as variance_over_initialisations
from .measures import Measure, MeasureContext, Step, StepMeasure, per_step
from .published import as_published_metrics

PURE_SUMMARY = (*PURE_STATE_METRICS, "meyer_wallach_haar_fraction", "half_cut_entropy")
PURE_SUMMARY += ("half_cut_page_fraction",)
MIXED_SUMMARY = (*MIXED_STATE_METRICS, "purity")


def performance(context: MeasureContext) -> Measure:
    """Training loss; with labels the training accuracy, and with a test set its loss and
    accuracy (one more evaluation, without gradient)."""
    data, classifier = context.data, context.classifier
    with_test = data.has_labels and data.test is not None and len(data.y_test)

    def measure(step: Step) -> dict[str, float]:
        ev = step.evaluation
        out = {"loss": ev.loss}
        if data.has_labels:
            out["train_accuracy"] = _accuracy(ev.class_probs, data.y_train)
        if with_test:
            test = classifier.evaluate(
                step.theta, data.test, data.y_test, with_grad=False, keep=NO_STATES
            )
            out.update(test_loss=test.loss, test_accuracy=_accuracy(test.class_probs, data.y_test))
        return out

    return StepMeasure(("loss", "train_accuracy", "test_loss", "test_accuracy"), measure)


def _accuracy(class_probs: np.ndarray, labels: np.ndarray) -> float:
    return float(np.mean(np.argmax(class_probs, axis=1) == labels))


@per_step("grad_norm", "grad_variance")
def gradient(step: Step) -> dict[str, float]:
    """The gradient's norm and the variance of its components over the parameters
    (``ddof=0``), when the step computed a gradient."""
    grad = step.evaluation.grad
    if grad is None:
        return {}
    return {"grad_norm": float(np.linalg.norm(grad)), "grad_variance": float(np.var(grad))}


def entanglement(context: MeasureContext) -> Measure:
    """The entanglement summary of the measured states
    (:func:`~qml_entanglement.metrics.summary.entanglement_summary`): Meyer-Wallach,
    single-qubit and half-cut entropies for pure states, negativities and purity for mixed."""
    mixed = bool(getattr(context.simulator, "mixed", False))
    subset, probe = context.half_cut_subset, context.probe

    def measure(step: Step) -> dict[str, float]:
        purities = getattr(step.evaluation, "purities", None)  # from the compiled forward pass
        if purities is not None and probe is not None:
            purities = purities[probe]
        return entanglement_summary(step.states, half_cut_subset=subset, purities=purities)

    if mixed:
        return StepMeasure(MIXED_SUMMARY, measure, MIXED_STATE_METRICS)
    return StepMeasure(PURE_SUMMARY, measure, PURE_STATE_METRICS)


def half_cut_renyi2(context: MeasureContext) -> Measure:
    """The half-cut Renyi-2 entropy :math:`S_2 = -\\log_2 \\mathrm{Tr}\\,\\rho_A^2` (qubits
    ``[0, n//2)``, bits; no eigendecomposition) of the half-cut subset of the measured states,
    its spread, and its mean over :func:`~qml_entanglement.metrics.haar.
    renyi2_half_cut_reference` (the Renyi-2 entropy of Lubkin's Haar-mean purity)."""
    subset = context.half_cut_subset
    keys = ("half_cut_renyi2", "half_cut_renyi2_haar_fraction")

    def measure(step: Step) -> dict[str, float]:
        states = step.states if subset is None else step.states[subset]
        n = int(np.log2(states.shape[-1]))
        if n < 2:
            return {}
        values = np.atleast_1d(renyi_entropy(states, range(n // 2), alpha=2))
        mean = float(values.mean())
        fraction = mean / float(renyi2_half_cut_reference(n))
        return {keys[0]: mean, f"{keys[0]}_std": float(values.std()), keys[1]: fraction}

    return StepMeasure(keys, measure)


def randomized_estimates(context: MeasureContext) -> Measure | None:
    """``metrics.estimator=randomized``: Meyer-Wallach and the half-cut Renyi-2 entropy
    estimated from ``metrics.unitaries`` x ``metrics.shots`` randomized measurements of each
    measured state, with standard errors, by the simulator's own estimator (its
    ``randomized_estimator``: shots sampled from exact states, or measured by Aer)."""
    settings, simulator = context.settings, context.simulator
    if settings.estimator != "randomized":
        return None
    make = getattr(simulator, "randomized_estimator", None)
    if make is None:
        raise ConfigError(
            f"metrics.estimator=randomized needs a simulator with a randomized estimator; "
            f"simulator {getattr(simulator, 'name', type(simulator).__name__)!r} has none"
        )
    estimator = make(context.probed, settings.unitaries, settings.shots, context.seed)

    def measure(step: Step) -> dict[str, float]:
        return estimator.estimate(step.theta, step.states)

    return StepMeasure(RANDOMIZED_KEYS, measure)


def feature_map_change(context: MeasureContext) -> Measure | None:
    """Entanglement of the feature-map states alone (the measured samples; once per run, as
    ``feature_map_<key>``) and, per step, what the ansatz adds (``<key>_change`` = the step's
    value minus the feature map's). Only for models with data on exact states (the encodings
    are then the states themselves); None otherwise."""
    encoded, data = context.probed, context.data
    if not data.has_labels or not np.iscomplexobj(encoded) or encoded.ndim != 2:
        return None
    summary = entanglement_summary(encoded, half_cut=False)
    baseline = {k: v for k, v in summary.items() if not k.endswith("_std")}

    def measure(step: Step) -> dict[str, float]:
        return {f"{k}_change": step.metrics[k] - v for k, v in baseline.items()}

    keys = tuple(f"{k}_change" for k in baseline)
    return StepMeasure(keys, measure, once={f"feature_map_{k}": v for k, v in baseline.items()})


def entangling_power(context: MeasureContext) -> Measure | None:
    """``metrics.entangling_power_samples=N``: Zanardi's entangling power of the trained block
    at the step's parameters, over ``N`` seeded product inputs (also entanglement evidence)."""
    samples = context.settings.entangling_power_samples
    if not samples:
        return None
    power = block_entangling_power(context.simulator.block, samples, seed=context.seed)
    return StepMeasure(
        ("entangling_power",), lambda step: power(step.theta), evidence=("entangling_power",)
    )


def scrambling(context: MeasureContext) -> Measure | None:
    """``metrics.scrambling=true``: the tripartite information I3 of the trained block and of
    the model circuit averaged over ``metrics.scrambling_points`` seeded training points
    (:class:`~qml_entanglement.training.measurements.Scrambling`)."""
    settings, dataset, model = context.settings, context.dataset, context.model
    if not settings.scrambling:
        return None
    points = None
    if dataset.has_labels and model.feature_map.num_parameters:
        k = min(settings.scrambling_points, len(dataset.y_train))
        pick = np.random.default_rng([context.seed, 19]).choice(len(dataset.y_train), k, False)
        points = feature_map_unitaries(model.feature_map, dataset.x_train[np.sort(pick)])
    measure = Scrambling(context.simulator.block, model.num_qubits, points)
    keys = ("tripartite_information", "tripartite_information_model")
    return StepMeasure(keys, lambda step: measure(step.theta))


def as_published(context: MeasureContext) -> Measure | None:
    """``metrics.as_published=true``: the write-up's own quantities as ``published_*``
    (:func:`~qml_entanglement.training.published.as_published_metrics`; never evidence)."""
    if not context.settings.as_published:
        return None
    simulator, point = context.simulator, context.model.published_point
    encoded = context.data.train if point is None else simulator.encode(np.array([point]))
    published = as_published_metrics(
        lambda params: simulator.states(params, encoded), of_moment=point is not None
    )
    keys = ("published_von_neumann_entropy", "published_meyer_wallach")
    return StepMeasure(keys, lambda step: published(step.theta, step.optimizer))


def initial_gradient_variance(context: MeasureContext) -> Measure | None:
    """``metrics.barren_plateau_samples=N``, once per run: McClean et al.'s variance of each
    partial derivative over ``N`` random initialisations
    (:func:`~qml_entanglement.training.measurements.initial_gradient_variance`)."""
    samples = context.settings.barren_plateau_samples
    if not samples:
        return None
    classifier, data = context.classifier, context.data

    def gradient_at(theta: np.ndarray) -> np.ndarray:
        return classifier.evaluate(
            theta, data.train, data.y_train, with_grad=True, keep=NO_STATES
        ).grad

    num = context.model.ansatz.num_parameters
    once = variance_over_initialisations(gradient_at, num, samples, context.seed)
    return StepMeasure((), lambda step: {}, once=once)
