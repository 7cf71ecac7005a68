"""A measure and a callback that exist only for the tests: added to a run through config alone
(``+metrics.measures.<name>._target_=tests.training.toy_measure.<function>``)."""

from __future__ import annotations

import numpy as np

from qml_entanglement.training.callbacks import EpochHook
from qml_entanglement.training.measures import Step, StepMeasure, per_step

SEEN: list[tuple[int, dict[str, float]]] = []  # what the toy callback was given


@per_step("parameter_norm")
def parameter_norm(step: Step) -> dict[str, float]:
    """The Euclidean norm of the step's parameters."""
    return {"parameter_norm": float(np.linalg.norm(step.theta))}


@per_step("not_in_the_catalogue")
def uncatalogued(step: Step) -> dict[str, float]:
    return {"not_in_the_catalogue": 0.0}


def scaled_norm(context, scale: float) -> StepMeasure:
    """A measure factory with a setting of its own (``scale``)."""
    return StepMeasure(
        ("parameter_norm",),
        lambda step: {"parameter_norm": scale * float(np.linalg.norm(step.theta))},
    )


def recorder(run) -> EpochHook:
    """A callback factory: every step's record into :data:`SEEN`."""
    return EpochHook(lambda step, metrics: SEEN.append((step, dict(metrics))))
