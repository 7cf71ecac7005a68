"""Measures and callbacks come from config: a new per-step metric is a function, a catalogue
entry and a config entry; a callback is a config entry (issue 25, point 3)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from qml_entanglement.config import ConfigError, validate
from qml_entanglement.metrics import catalogue
from qml_entanglement.tracking.run_identity import config_hash, run_params
from qml_entanglement.training import run_experiment
from qml_entanglement.training.experiment import build_experiment
from qml_entanglement.training.loop import train
from tests.conftest import run_train
from tests.training import toy_measure

TOY = "tests.training.toy_measure"
QUICK = ("tracking.writer=inline", "tracking.figure_formats=[png]", "tracking.circuit_image=false")


@pytest.fixture
def catalogued(monkeypatch):
    """The toy's catalogue entry (a new metric adds one line to metrics/catalogue.py)."""
    entry = catalogue.MetricInfo("parameter_norm", "norm of the parameters", kind="optimiser")
    monkeypatch.setitem(catalogue.CATALOGUE, "parameter_norm", entry)


def _stored(store_uri: str, run_id: str, key: str) -> list[float]:
    history = MlflowClient(store_uri).get_metric_history(run_id, key)
    return [m.value for m in sorted(history, key=lambda m: m.step)]


@pytest.mark.slow
def test_a_measure_added_through_config_alone_is_logged_every_step(
    compose_cfg, store_uri, tmp_path, catalogued
):
    cfg = compose_cfg(
        "experiment=bell_toy",
        "trainer.epochs=2",
        f"+metrics.measures.parameter_norm._target_={TOY}.parameter_norm",
        f"tracking.uri={store_uri}",
        *QUICK,
    )
    summary = run_experiment(cfg, progress=False)
    values = _stored(store_uri, summary["run_id"], "parameter_norm")
    assert len(values) == 3  # steps 0, 1, 2
    # step E holds the final parameters: the norm of final_parameters.csv, computed here
    client = MlflowClient(store_uri)
    path = client.download_artifacts(summary["run_id"], "final_parameters.csv", str(tmp_path))
    final = pd.read_csv(path)["value"].to_numpy()
    assert values[-1] == pytest.approx(np.sqrt(np.sum(final**2)), rel=1e-12)
    assert values[0] != pytest.approx(values[-1])  # training moved the parameters
    # the built-in measures are still there
    assert len(_stored(store_uri, summary["run_id"], "meyer_wallach")) == 3


def test_a_measure_setting_is_a_param_and_part_of_the_config_hash(compose_cfg, catalogued):
    plain = compose_cfg("experiment=bell_toy")
    entry = f"+metrics.measures.norm._target_={TOY}.scaled_norm"
    scaled = compose_cfg("experiment=bell_toy", entry, "+metrics.measures.norm.scale=2.0")
    assert run_params(scaled)["metrics.measures.norm.scale"] == 2.0
    assert config_hash(scaled) != config_hash(plain)
    experiment = build_experiment(scaled)
    theta = experiment.theta0
    record = train(experiment.__class__(**{**vars(experiment), "epochs": 0})).history[0]
    assert record["parameter_norm"] == pytest.approx(2.0 * np.sqrt(np.sum(theta**2)))


def test_the_lists_of_measures_and_callbacks_add_no_params_and_keep_the_hash(compose_cfg):
    """Entries without settings describe nothing a run differs by: the params and config_hash
    of a run are those of its config without the two lists (as before they existed)."""
    cfg = compose_cfg("experiment=vqc_blobs")
    assert not [k for k in run_params(cfg) if k.startswith(("metrics.measures", "callbacks"))]
    bare = cfg.copy()
    del bare.metrics.measures
    del bare.callbacks
    assert config_hash(cfg) == config_hash(bare)


def test_null_leaves_a_measure_out_even_when_its_setting_is_on(compose_cfg):
    cfg = compose_cfg("experiment=bell_toy", "metrics.scrambling=true")
    off = compose_cfg(
        "experiment=bell_toy", "metrics.scrambling=true", "metrics.measures.scrambling=null"
    )
    on_keys = train(_epochs(build_experiment(cfg), 0)).history[0]
    off_keys = train(_epochs(build_experiment(off), 0)).history[0]
    assert "tripartite_information" in on_keys and "tripartite_information" not in off_keys


def _epochs(experiment, epochs: int):
    experiment.epochs = epochs
    return experiment


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            f"+metrics.measures.bad._target_={TOY}.uncatalogued",
            "metrics.measures.bad logs 'not_in_the_catalogue', which metrics/catalogue.py",
        ),
        (
            "+metrics.measures.bad._target_=no_such_module.measure",
            "metrics.measures.bad (_target_='no_such_module.measure') cannot be built",
        ),
        (
            f"+metrics.measures.bad._target_={TOY}.scaled_norm",  # its setting is missing
            "metrics.measures.bad (_target_='tests.training.toy_measure.scaled_norm') cannot",
        ),
    ],
)
def test_a_measure_that_cannot_be_built_is_one_config_line(compose_cfg, override, message):
    cfg = compose_cfg("experiment=bell_toy", override)
    validate(cfg)
    with pytest.raises(ConfigError) as error:
        build_experiment(cfg)
    assert str(error.value).startswith(message)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("+metrics.measures.bad=5", "metrics.measures.bad=5 is not allowed; give a mapping"),
        ("+callbacks.bad={x: 1}", "callbacks.bad={'x': 1} is not allowed; give a mapping"),
    ],
)
def test_an_entry_without_a_target_is_refused_by_validate(compose_cfg, override, message):
    with pytest.raises(ConfigError, match=message):
        validate(compose_cfg("experiment=bell_toy", override))


@pytest.mark.slow
@pytest.mark.integration
def test_the_command_line_exits_2_and_creates_no_run(store_uri):
    proc = run_train(
        "experiment=bell_toy",
        "+metrics.measures.bad._target_=no_such_module.measure",
        f"tracking.uri={store_uri}",
    )
    assert proc.returncode == 2, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        "error: invalid config: metrics.measures.bad (_target_='no_such_module.measure') "
        "cannot be built: " + errors[0].split("cannot be built: ", 1)[1]
    ]
    experiment = MlflowClient(store_uri).get_experiment_by_name("qml-entanglement")
    assert experiment is None or not MlflowClient(store_uri).search_runs([experiment.experiment_id])


@pytest.mark.slow
def test_a_callback_added_and_one_left_out_through_config(compose_cfg, store_uri, tmp_path):
    toy_measure.SEEN.clear()
    cfg = compose_cfg(
        "experiment=bell_toy",
        "trainer.epochs=1",
        f"+callbacks.recorder._target_={TOY}.recorder",
        "~callbacks.history_figures",
        f"tracking.uri={store_uri}",
        *QUICK,
    )
    summary = run_experiment(cfg, progress=False)
    assert [step for step, _ in toy_measure.SEEN] == [0, 1]
    assert toy_measure.SEEN[-1][1]["loss"] == pytest.approx(summary["loss"])
    artifacts = {a.path for a in MlflowClient(store_uri).list_artifacts(summary["run_id"])}
    assert "history.csv" in artifacts and "plots" not in artifacts


def test_tracking_cannot_be_left_out(compose_cfg, store_uri):
    cfg = compose_cfg("experiment=bell_toy", "~callbacks.tracking", f"tracking.uri={store_uri}")
    with pytest.raises(ConfigError, match="callbacks.tracking cannot be left out"):
        run_experiment(cfg, progress=False)
