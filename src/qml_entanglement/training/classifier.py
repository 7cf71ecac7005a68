"""A quantum classifier: a simulator, a readout and a loss, evaluated on a whole batch."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NO_STATES = np.empty(0, dtype=np.int64)  # ``keep`` for an evaluation that needs no states


@dataclass
class Evaluation:
    """One evaluation of the model on a batch."""

    states: np.ndarray  # (K, 2**n) statevectors or (K, 2**n, 2**n) density matrices, K kept
    class_probs: np.ndarray  # (B, C)
    loss: float
    grad: np.ndarray | None  # (P,) or None
    purities: np.ndarray | None = None  # (B, n) single-qubit purities, when the engine has them


class QuantumClassifier:
    """Mean loss of ``readout(|model(x)|^2)`` and its exact gradient, for whole batches.

    Parameters
    ----------
    simulator
        Provides ``encode(features)``, ``probabilities_and_states(theta, encoded)`` and
        ``value_and_grad(theta, encoded, objective)``; optionally
        ``readout_evaluation(theta, encoded, readout, loss, labels, with_grad, keep)``, which
        evaluates everything at once or returns None (the statevector engine's compiled path).
    readout
        Matrix ``(2**n, C)`` from basis probabilities to class probabilities.
    loss
        Callable ``(class_probs, labels) -> (per-sample loss, d loss / d class_probs)``.
    """

    def __init__(self, simulator, readout: np.ndarray, loss):
        self.simulator = simulator
        self.readout = readout
        self.loss = loss

    def objective(self, labels: np.ndarray):
        """``probs (B, 2**n) -> (mean loss, d mean loss / d probs)`` for ``labels``."""
        readout, loss, batch = self.readout, self.loss, len(labels)

        def value_and_dprob(probs: np.ndarray):
            per_sample, d_class = loss(probs @ readout, labels)
            return float(per_sample.mean()), (d_class @ readout.T) / batch

        return value_and_dprob

    def evaluate(self, theta, encoded, labels, *, with_grad: bool, keep=None) -> Evaluation:
        """The batch's evaluation; its ``states`` are those of the samples ``keep`` (indices;
        all when None, none with :data:`NO_STATES`): the compiled path then never holds more
        output states than that beside one slice of the batch."""
        fast = getattr(self.simulator, "readout_evaluation", None)
        result = (
            fast(theta, encoded, self.readout, self.loss, labels, with_grad, keep) if fast else None
        )
        if result is not None:  # the simulator applies the readout itself (compiled path)
            return Evaluation(*result)
        objective = self.objective(labels)
        if with_grad:
            states, probs, value, grad = self.simulator.value_and_grad(theta, encoded, objective)
        else:
            states, probs = self.simulator.probabilities_and_states(theta, encoded)
            value, grad = objective(probs)[0], None
        states = states if keep is None else states[keep]
        return Evaluation(states, probs @ self.readout, value, grad)

    def loss_value(self, theta, encoded, labels) -> float:
        return self.evaluate(theta, encoded, labels, with_grad=False, keep=NO_STATES).loss
