"""The atlas's controls, as configs build them: shuffled training labels and lr = 0."""

from __future__ import annotations

import numpy as np
import pytest

from qml_entanglement.config import ConfigError
from qml_entanglement.config.validation import validate
from qml_entanglement.training.experiment import build_experiment
from qml_entanglement.training.loop import train

SMALL = ("experiment=atlas", "sweep/atlas/qubits=q4", "sweep/atlas/data=blobs", "seed=2")


def _built(compose_cfg, *overrides):
    cfg = compose_cfg(
        *SMALL,
        "trainer.epochs=3",
        "metrics.barren_plateau_samples=null",
        "metrics.scrambling=false",
        *overrides,
    )
    validate(cfg)
    return cfg, build_experiment(cfg)


def test_shuffled_labels_permute_what_is_trained_on_and_nothing_else(compose_cfg):
    _, plain = _built(compose_cfg, "control=trained")
    cfg, shuffled = _built(compose_cfg, "control=shuffled_labels")
    assert cfg.control.name == "shuffled_labels"
    a, b = plain.dataset, shuffled.dataset
    assert sorted(a.y_train) == sorted(b.y_train) and not np.array_equal(a.y_train, b.y_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    np.testing.assert_array_equal(shuffled.data.y_train, b.y_train)  # what the loss sees


def test_untrained_control_never_moves_the_parameters(compose_cfg):
    cfg, experiment = _built(compose_cfg, "control=untrained")
    assert cfg.optimizer.lr == 0.0
    result = train(experiment)
    np.testing.assert_array_equal(result.theta, experiment.theta0)
    losses = [step["loss"] for step in result.history]
    assert len(losses) == 4 and np.ptp(losses) == 0.0
    q = [step["meyer_wallach"] for step in result.history]
    assert np.ptp(q) == 0.0


def test_a_negative_learning_rate_is_still_refused(compose_cfg):
    cfg = compose_cfg(*SMALL, "optimizer.lr=-0.1")
    with pytest.raises(ConfigError, match="optimizer.lr"):
        validate(cfg)
