"""Per-step measures: what a training run measures at every step, listed in its config.

Each entry of ``metrics.measures`` (``conf/metrics/default.yaml``) builds one measure::

    measures:
      scrambling:
        _target_: qml_entanglement.training.measures.scrambling

``_target_`` names a factory, called as ``factory(context, **the entry's other keys)`` with the
run's :class:`MeasureContext`; it returns a :class:`Measure`, or None when the measure is off
for this run (its flag in ``metrics`` is off, or the model has nothing for it to measure).
``metrics.measures.<name>=null`` removes one. The loop calls the measures in the listed order
at every step with a :class:`Step` and merges what they return, so a later measure can read an
earlier one's values (``step.metrics``). The built-in factories read their settings from the
``metrics`` fields (``metrics.scrambling=true``, ``metrics.estimator=randomized``, ...).

A measure declares the catalogue keys it logs (``keys``; a value may also be ``<key>_std`` or
``<key>_se``), which of them are entanglement evidence for the comparison stage (``evidence``)
and numbers measured once per run (``once``); every key must have an entry in
:mod:`qml_entanglement.metrics.catalogue`. A new per-step metric is therefore one function, one
catalogue entry and one config entry::

    @per_step("my_metric")
    def my_metric(step: Step) -> dict[str, float]:
        return {"my_metric": float(np.linalg.norm(step.theta))}

    # conf/metrics/default.yaml, under measures:   my_metric: {_target_: mypackage.my_metric}
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from itertools import chain
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from ..config import ConfigError
from ..config.store import build_each
from ..metrics import catalogue

if TYPE_CHECKING:
    from ..data import Dataset
    from ..models import Model
    from .classifier import Evaluation, QuantumClassifier
    from .experiment import EncodedData

SUFFIXES = ("_std", "_se")  # a key's spread over the batch, an estimate's standard error


@dataclass
class Step:
    """What a measure sees at one step: the parameters ``theta`` (step ``e`` holds
    ``theta_e``), the optimizer (its state, e.g. ADAM's moments), the training-set
    evaluation, the measured (probed) samples' states and the values measured so far."""

    theta: np.ndarray
    optimizer: object
    evaluation: Evaluation
    states: np.ndarray
    metrics: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class MeasureContext:
    """What a measure is built from: the run's ``metrics`` settings and its built objects.

    ``probe`` selects the training samples whose states are measured (all when None) and
    ``half_cut_subset`` those of them whose half-cut entropy is computed (all when None).
    """

    settings: Any
    seed: int
    dataset: Dataset
    model: Model
    simulator: Any
    classifier: QuantumClassifier
    data: EncodedData
    probe: np.ndarray | None = None
    half_cut_subset: np.ndarray | None = None

    @property
    def probed(self) -> np.ndarray:
        """Encodings of the measured training samples."""
        return self.data.train if self.probe is None else self.data.train[self.probe]


class Measure(Protocol):
    """One per-step measurement: ``measure(step) -> {key: value}``."""

    keys: tuple[str, ...]  # catalogue keys it logs per step
    evidence: tuple[str, ...]  # of them, the entanglement evidence the comparison tests
    once: Mapping[str, float]  # run-level numbers, measured when the measure was built

    def __call__(self, step: Step) -> dict[str, float]: ...


@dataclass(frozen=True)
class StepMeasure:
    """A :class:`Measure` from a function of the :class:`Step`."""

    keys: tuple[str, ...]
    function: Callable[[Step], dict[str, float]]
    evidence: tuple[str, ...] = ()
    once: Mapping[str, float] = field(default_factory=dict)

    def __call__(self, step: Step) -> dict[str, float]:
        return self.function(step)


def per_step(*keys: str, evidence: tuple[str, ...] = ()):
    """Decorator: a function ``step -> {key: value}`` logging ``keys`` becomes a measure
    factory (``factory(context) -> Measure``), ready for a ``metrics.measures`` entry."""

    def decorate(function: Callable[[Step], dict[str, float]]):
        @functools.wraps(function)
        def factory(context: MeasureContext) -> Measure:
            return StepMeasure(keys, function, evidence)

        return factory

    return decorate


# ------------------------------------------------------------------------------- building
def build_measures(entries: Mapping[str, Any], context: MeasureContext) -> list[Measure]:
    """The measures of ``metrics.measures`` (entries that are null or whose factory returns
    None left out), each checked against the catalogue; :class:`ConfigError` names the entry
    whose target cannot be built or whose key the catalogue lacks."""
    measures = build_each(entries, "metrics.measures", context)
    for name, measure in measures:
        _check_keys(f"metrics.measures.{name}", measure)
    return [measure for _, measure in measures]


def _check_keys(entry: str, measure: Measure) -> None:
    for name in (*measure.keys, *measure.once):
        if _base_key(name) not in catalogue.CATALOGUE:
            raise ConfigError(
                f"{entry} logs {name!r}, which metrics/catalogue.py does not list; add its "
                "entry (label, unit, kind) there"
            )
    for name in measure.evidence:
        if name not in measure.keys or not catalogue.info(name).is_entanglement:
            raise ConfigError(f"{entry}: evidence {name!r} is not an entanglement key it logs")


def _base_key(name: str) -> str:
    for suffix in SUFFIXES:
        if name.endswith(suffix) and name.removesuffix(suffix) in catalogue.CATALOGUE:
            return name.removesuffix(suffix)
    return name


def evidence_of(measures: list[Measure]) -> tuple[str, ...]:
    """The entanglement metrics a run declares as evidence, in the measures' order."""
    return tuple(chain.from_iterable(m.evidence for m in measures))


def once_of(measures: list[Measure]) -> dict[str, float]:
    """Every measure's run-level numbers."""
    return {k: v for m in measures for k, v in m.once.items()}
