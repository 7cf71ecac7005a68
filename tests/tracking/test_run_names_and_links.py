"""Run names that say what distinguishes a run, sweep progress lines, and UI links that open
MLflow's training view on the right port."""

from __future__ import annotations

from qml_entanglement.sweeps.outcomes import JobOutcome, progress_line
from qml_entanglement.tracking import ui_links
from qml_entanglement.tracking.run_identity import NAME_LENGTH, run_name


def test_run_name_carries_every_overridden_value():
    overrides = [
        "experiment=vqc_blobs",
        "dataset.cluster_std=2.0",
        "model/ansatz.entanglement=none",
        "seed=3",
        "tracking.uri=sqlite:///x.db",
        "hydra.launcher.n_jobs=2",
    ]
    assert run_name("vqc-blobs", overrides) == "vqc-blobs cluster_std=2.0 entanglement=none seed=3"


def test_run_name_keeps_an_explicit_name_and_stays_short():
    assert run_name("mine", ["run_name=mine", "seed=1"]) == "mine"
    long = run_name("vqc-moons", [f"dataset.x{i}={i}" for i in range(100)])
    assert len(long) == NAME_LENGTH and long.endswith("...")


def test_run_name_never_shows_a_password():
    name = run_name("vqc", ["metrics.note=postgresql://me:s3cret@db/x"])
    assert "s3cret" not in name


def test_progress_line_counts_and_estimates_time_left():
    done = JobOutcome("FINISHED", ["seed=1"], run_name="vqc-blobs seed=1", loss=0.4321, seconds=3.2)
    line = progress_line(done, done=2, total=8, elapsed=20.0)
    assert line == "[2/8] vqc-blobs seed=1 FINISHED loss=0.4321 (3.2 s), ETA 1 min 00 s"
    last = progress_line(done, done=8, total=8, elapsed=80.0)
    assert last.startswith("[8/8]") and "ETA" not in last
    failed = JobOutcome("FAILED", ["seed=2"], error="ValueError: bad\ntraceback", seconds=1.0)
    assert progress_line(failed, 3, None, 5.0) == "[3/?] seed=2 FAILED: ValueError: bad (1.0 s)"
    skipped = JobOutcome("SKIPPED", ["seed=4"], run_name="vqc-blobs seed=4", seconds=0.5)
    assert "SKIPPED (already finished)" in progress_line(skipped, 4, 8, 10.0)


def test_links_open_the_training_view_on_the_ui_port(monkeypatch):
    monkeypatch.delenv(ui_links.PORT_VARIABLE, raising=False)
    local = "sqlite:///mlruns/mlflow.db"
    assert ui_links.experiment_link(local, "1") == (
        "http://127.0.0.1:5000/#/experiments/1/runs?viewStateShareKey=qml-metric-columns"
        "&workflowType=machine_learning"
    )
    monkeypatch.setenv(ui_links.PORT_VARIABLE, "5123")
    assert ui_links.run_link(local, "1", "abc") == (
        "http://127.0.0.1:5123/#/experiments/1/runs/abc?workflowType=machine_learning"
    )
    assert ui_links.view_hint(local) == "make ui PORT=5123, then open"  # the port it links to
    server = "http://user:pw@head:5001/"
    assert ui_links.experiment_link(server, "7").startswith("http://user:***@head:5001/#/")
    assert ui_links.view_hint(server) == "open"


def _name(compose_cfg, *overrides: str) -> str:
    """The run name MLflowTracking gives, with the references a Hydra app composes."""
    from qml_entanglement.tracking.run_identity import (
        _group_overrides,
        _variant_overrides,
        experiment_differences,
        run_params,
    )

    cfg = compose_cfg(*overrides)
    rest = [o for o in overrides if o not in _variant_overrides(list(overrides))]
    reference = compose_cfg(*rest)
    same = compose_cfg(*rest, *_group_overrides(cfg, reference))
    implied = experiment_differences(cfg, reference, same) if len(rest) < len(overrides) else []
    return run_name(str(cfg.run_name), list(overrides), run_params(cfg), implied)


def test_the_bare_defaults_are_the_documented_default_experiment(compose_cfg):
    bare, documented = compose_cfg(), compose_cfg("experiment=vqc_adhoc")
    assert bare == documented and bare.loss.name == "sigmoid_estimate"
    assert compose_cfg("~experiment").loss.name == "cross_entropy"


def test_run_names_differ_whenever_configurations_differ(compose_cfg):
    names = {
        overrides: _name(compose_cfg, *overrides)
        for overrides in [
            (),
            ("experiment=vqc_adhoc",),
            ("~experiment",),
            ("loss=cross_entropy",),
            ("experiment=bell_toy",),
            ("sweep/data=blobs_std0.5",),
            ("sweep/data=blobs_std1.0",),
            ("model.ansatz.reps=2",),
            ("model.feature_map.reps=2",),
        ]
    }
    assert names[()] == names[("experiment=vqc_adhoc",)] == "vqc-ad_hoc"  # one config, one name
    assert (
        names[("~experiment",)] == names[("loss=cross_entropy",)] == "vqc-ad_hoc loss=cross_entropy"
    )
    assert (
        names[("experiment=bell_toy",)]
        == "bell_toy-none optimizer=sgd loss=bell_mse lr=0.5 epochs=30"
    )
    assert names[("sweep/data=blobs_std0.5",)] == "vqc-blobs cluster_std=0.5"
    assert names[("model.ansatz.reps=2",)] != names[("model.feature_map.reps=2",)]
    distinct = {
        k: v for k, v in names.items() if k not in [("experiment=vqc_adhoc",), ("~experiment",)]
    }
    assert len(set(distinct.values())) == len(distinct), names


def test_an_experiment_with_its_own_name_keeps_it(compose_cfg):
    assert _name(compose_cfg, "experiment=study_vqc_adhoc") == "study-vqc-ad_hoc"
