"""The training loop: evaluate, measure (the experiment's measures), report, update -- once
per epoch.

Step convention: step ``e`` holds the model at parameters ``theta_e``; step 0 is the initial
parameters (before any update) and step ``e >= 1`` follows the ``e``-th epoch's update, so a run
of ``E`` epochs reports ``E + 1`` steps. With full batches the evaluation that is reported at
step ``e`` is also the one whose gradient makes the ``e``-th update (no extra simulation).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .callbacks import Callback
from .classifier import NO_STATES
from .experiment import Experiment
from .measures import Step


@dataclass
class TrainResult:
    theta: np.ndarray
    history: list[dict[str, float]] = field(default_factory=list)


def train(experiment: Experiment, callbacks: Sequence[Callback] = ()) -> TrainResult:
    """Train ``experiment`` for its epochs; report every step to ``callbacks``.

    Each step's record (``{"epoch": step, **metrics}``) is in ``result.history`` as soon as it
    exists and every callback's ``on_train_end`` runs even when training raises (a non-finite
    loss raises ``FloatingPointError``), so what was measured is kept; the error is re-raised.
    Mini-batches (``batch_size`` below the training-set size) are drawn from ``seed``.
    """
    result = TrainResult(np.array(experiment.theta0, dtype=float))
    for callback in callbacks:
        callback.on_train_start(experiment)
    error: BaseException | None = None
    try:
        # e.g. the statevector engine keeps BLAS on one thread for the whole loop at once
        session = getattr(experiment.classifier.simulator, "session", contextlib.nullcontext)
        with session():
            _steps(experiment, result, callbacks)
    except BaseException as exc:
        error = exc
        raise
    finally:
        _end(callbacks, result, error)
    return result


def _end(callbacks: Sequence[Callback], result: TrainResult, error: BaseException | None):
    """Every callback's ``on_train_end``, each even if an earlier one raised. The first
    callback error is raised, in place of training's own as a context manager's ``__exit__``
    would (e.g. tracking's "store failed; upload the kept metrics with ..." message)."""
    first: BaseException | None = None
    for callback in callbacks:
        try:
            callback.on_train_end(result, error)
        except BaseException as exc:  # noqa: BLE001 -- the others still close
            first = first or exc
    if first is not None:
        raise first


def _steps(experiment: Experiment, result: TrainResult, callbacks: Sequence[Callback]) -> None:
    ex, data = experiment, experiment.data
    classifier, optimizer = ex.classifier, ex.optimizer
    full_batch = ex.batch_size is None or ex.batch_size >= len(data.y_train)
    rng = np.random.default_rng(ex.seed)

    def objective(t: np.ndarray) -> float:
        return classifier.loss_value(t, data.train, data.y_train)

    for step in range(ex.epochs + 1):
        start = time.perf_counter()
        theta = result.theta
        with_grad = optimizer.uses_gradient and full_batch
        ev = classifier.evaluate(
            theta, data.train, data.y_train, with_grad=with_grad, keep=ex.probe
        )
        metrics = _measure(ex, theta, ev)
        try:
            if not np.isfinite(ev.loss):
                raise FloatingPointError(f"loss is {ev.loss} at epoch {step}")
            if step < ex.epochs:
                if full_batch:
                    result.theta = optimizer.step(
                        theta, loss=ev.loss, grad=ev.grad, objective=objective
                    )
                else:
                    result.theta = _minibatch_epoch(ex, theta, rng)
        finally:  # the evaluation is reported even when the update fails
            metrics["epoch_seconds"] = time.perf_counter() - start
            _report(callbacks, result, step, metrics)


def _report(callbacks: Sequence[Callback], result: TrainResult, step: int, metrics) -> None:
    """The step's record into the history and to every callback, as one unit: inside every
    callback's ``reporting()`` context (tracking holds Ctrl-C there), so an interrupt cannot
    leave a step in the history that a callback never saw."""
    with contextlib.ExitStack() as stack:
        for callback in callbacks:
            stack.enter_context(callback.reporting())
        result.history.append({"epoch": step, **metrics})
        for callback in callbacks:
            callback.on_epoch_end(step, metrics)


def _measure(ex: Experiment, theta: np.ndarray, ev) -> dict[str, float]:
    """Every measure of the experiment, in order, on this step (the measured states are the
    probed samples' own: the evaluation kept only theirs)."""
    step = Step(theta, ex.optimizer, ev, ev.states)
    for measure in ex.measures:
        step.metrics.update(measure(step))
    return step.metrics


def _minibatch_epoch(ex: Experiment, theta: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    classifier, data, optimizer = ex.classifier, ex.data, ex.optimizer
    order = rng.permutation(len(data.y_train))
    for start in range(0, len(order), ex.batch_size):
        idx = order[start : start + ex.batch_size]
        enc, labels = data.train[idx], data.y_train[idx]
        ev = classifier.evaluate(
            theta, enc, labels, with_grad=optimizer.uses_gradient, keep=NO_STATES
        )
        theta = optimizer.step(
            theta,
            loss=ev.loss,
            grad=ev.grad,
            objective=lambda t, e=enc, y=labels: classifier.loss_value(t, e, y),
        )
    return theta
