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
        "http://127.0.0.1:5000/#/experiments/1?workflowType=machine_learning"
    )
    monkeypatch.setenv(ui_links.PORT_VARIABLE, "5123")
    assert ui_links.run_link(local, "1", "abc") == (
        "http://127.0.0.1:5123/#/experiments/1/runs/abc?workflowType=machine_learning"
    )
    assert ui_links.view_hint(local) == "make ui, then open"
    server = "http://user:pw@head:5001/"
    assert ui_links.experiment_link(server, "7").startswith("http://user:***@head:5001/#/")
    assert ui_links.view_hint(server) == "open"
