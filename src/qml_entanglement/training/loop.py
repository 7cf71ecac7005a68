"""The training loop: evaluate, measure entanglement, log, update -- once per epoch.

Step convention: step ``e`` holds the model at parameters ``theta_e``; step 0 is the initial
parameters (before any update) and step ``e >= 1`` follows the ``e``-th epoch's update, so a run
of ``E`` epochs logs ``E + 1`` steps. With full batches the evaluation that is logged at step
``e`` is also the one whose gradient makes the ``e``-th update (no extra simulation).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .classifier import QuantumClassifier
from .entanglement import entanglement_summary


@dataclass
class EncodedData:
    """Feature-map encodings of the train and test sets (computed once per run)."""

    train: np.ndarray
    y_train: np.ndarray
    test: np.ndarray | None
    y_test: np.ndarray | None
    has_labels: bool = True


@dataclass
class TrainResult:
    theta: np.ndarray
    history: list[dict[str, float]] = field(default_factory=list)


def train(
    classifier: QuantumClassifier,
    data: EncodedData,
    optimizer,
    theta: np.ndarray,
    *,
    epochs: int,
    batch_size: int | None,
    rng: np.random.Generator,
    probe: np.ndarray | None = None,
    on_epoch: Callable[[int, dict[str, float]], None] | None = None,
    history: list[dict[str, float]] | None = None,
    step_metrics: Sequence[Callable[[np.ndarray, object], dict[str, float]]] = (),
    baseline: dict[str, float] | None = None,
) -> TrainResult:
    """Train for ``epochs`` epochs; call ``on_epoch(step, metrics)`` for steps ``0..epochs``.

    ``probe`` selects the training samples whose states are measured for entanglement (all by
    default). Mini-batches (``batch_size`` below the training-set size) are drawn from ``rng``.
    Each step's record is appended to ``history`` (if given) as soon as it exists, so a caller
    keeps the partial history when training raises. Each of ``step_metrics(theta, optimizer)`` adds
    metrics of the parameters or the optimizer's state (e.g. the trained block's entangling
    power), measured before the step's update. With ``baseline`` (entanglement of the
    feature-map states alone), each of its metrics ``k`` also gets ``k_change``: the
    step's value minus the baseline, i.e. what the trainable block adds.
    """
    n_train = len(data.y_train)
    full_batch = batch_size is None or batch_size >= n_train
    result = TrainResult(np.array(theta, dtype=float), [] if history is None else history)

    def objective(t: np.ndarray) -> float:
        return classifier.loss_value(t, data.train, data.y_train)

    # e.g. the statevector engine keeps BLAS on one thread for the whole loop at once
    session = getattr(classifier.simulator, "session", contextlib.nullcontext)
    with session():
        for step in range(epochs + 1):
            start = time.perf_counter()
            theta = result.theta
            with_grad = optimizer.uses_gradient and full_batch
            ev = classifier.evaluate(theta, data.train, data.y_train, with_grad=with_grad)
            metrics: dict[str, float] = {"loss": ev.loss}
            if data.has_labels:
                metrics["train_accuracy"] = _accuracy(ev.class_probs, data.y_train)
                if data.test is not None and len(data.y_test):
                    test = classifier.evaluate(theta, data.test, data.y_test, with_grad=False)
                    metrics["test_loss"] = test.loss
                    metrics["test_accuracy"] = _accuracy(test.class_probs, data.y_test)
            if ev.grad is not None:
                metrics["grad_norm"] = float(np.linalg.norm(ev.grad))
            states = ev.states if probe is None else ev.states[probe]
            metrics.update(entanglement_summary(states))
            for key, value in (baseline or {}).items():
                metrics[f"{key}_change"] = metrics[key] - value
            for measure in step_metrics:
                metrics.update(measure(theta, optimizer))
            try:
                if step < epochs:
                    if full_batch:
                        result.theta = optimizer.step(
                            theta, loss=ev.loss, grad=ev.grad, objective=objective
                        )
                    else:
                        result.theta = _minibatch_epoch(
                            classifier, data, optimizer, theta, batch_size, rng
                        )
            finally:  # the evaluation is logged even when the update fails
                metrics["epoch_seconds"] = time.perf_counter() - start
                result.history.append({"epoch": step, **metrics})
                if on_epoch is not None:
                    on_epoch(step, metrics)
    return result


def _minibatch_epoch(classifier, data, optimizer, theta, batch_size, rng):
    order = rng.permutation(len(data.y_train))
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        enc, labels = data.train[idx], data.y_train[idx]
        ev = classifier.evaluate(theta, enc, labels, with_grad=optimizer.uses_gradient)
        theta = optimizer.step(
            theta,
            loss=ev.loss,
            grad=ev.grad,
            objective=lambda t, e=enc, y=labels: classifier.loss_value(t, e, y),
        )
    return theta


def _accuracy(class_probs: np.ndarray, labels: np.ndarray) -> float:
    return float(np.mean(np.argmax(class_probs, axis=1) == labels))
