"""The run lifecycle in process: errors mark the run FAILED and keep what was logged."""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest
from mlflow.tracking import MlflowClient

from qml_entanglement.tracking import RunLogger
from qml_entanglement.training import run_experiment
from qml_entanglement.training.optimizers import Adam


def test_exception_mid_training_marks_failed_and_keeps_epochs(compose_cfg, store_uri, monkeypatch):
    calls = {"n": 0}
    real_step = Adam.step

    def failing_step(self, theta, **kw):
        calls["n"] += 1
        if calls["n"] == 4:
            raise RuntimeError("simulated crash in epoch 4")
        return real_step(self, theta, **kw)

    monkeypatch.setattr(Adam, "step", failing_step)
    cfg = compose_cfg("trainer.epochs=50", f"tracking.uri={store_uri}")
    with pytest.raises(RuntimeError, match="simulated crash"):
        run_experiment(cfg, progress=False)
    client = MlflowClient(store_uri)
    run = client.search_runs([client.get_experiment_by_name("qml-entanglement").experiment_id])[0]
    assert run.info.status == "FAILED"
    assert "simulated crash" in run.data.tags["error"]
    steps = sorted(m.step for m in client.get_metric_history(run.info.run_id, "loss"))
    assert steps == [0, 1, 2, 3]  # epochs 0..3 were evaluated before the 4th update crashed
    assert "error.txt" in {a.path for a in client.list_artifacts(run.info.run_id)}


def test_metrics_are_buffered_and_flushed_in_batches(store_uri, monkeypatch):
    with RunLogger(store_uri, "buffering", "r", flush_seconds=3600) as run:
        batches = []
        original = run.client.log_batch
        monkeypatch.setattr(
            run.client, "log_batch", lambda *a, **k: (batches.append(k), original(*a, **k))
        )
        for step in range(200):
            run.log_epoch(step, {"loss": 1.0 / (step + 1), "meyer_wallach": 0.5, "nan": np.nan})
        assert batches == []  # nothing written until the flush
    assert len(batches) == 1  # 400 finite values, one call
    history = MlflowClient(store_uri).get_metric_history(run.run_id, "loss")
    assert sorted(m.step for m in history) == list(range(200))


# ------------------------------------------------- signals while a run closes (issue 27.7)
def test_a_ctrl_c_after_the_last_step_marks_the_run_interrupted_and_still_stops(store_uri):
    """A real SIGINT after the last epoch, before the run is closed (was: FINISHED, exit 0)."""
    with pytest.raises(KeyboardInterrupt), RunLogger(store_uri, "signals", "r") as run:
        for step in range(3):
            run.log_epoch(step, {"loss": 1.0})
        os.kill(os.getpid(), signal.SIGINT)  # RunLogger's handler records it
    got = MlflowClient(store_uri).get_run(run.run_id)
    assert (got.info.status, got.data.tags["failure_reason"]) == ("FAILED", "interrupted")
    steps = sorted(m.step for m in MlflowClient(store_uri).get_metric_history(run.run_id, "loss"))
    assert steps == [0, 1, 2]  # its data kept
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # pytest's, restored


def test_a_ctrl_c_while_the_run_closes_is_not_lost_when_the_host_ignores_it(store_uri, monkeypatch):
    """The host ignores SIGINT (a shell's background job): a signal that lands while the run
    is being closed, after its status is written, still stops the process."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with pytest.raises(KeyboardInterrupt), RunLogger(store_uri, "signals", "r") as run:
            run.log_epoch(0, {"loss": 1.0})
            real = run.client.set_terminated

            def signalled(*args, **kwargs):
                real(*args, **kwargs)
                os.kill(os.getpid(), signal.SIGINT)

            monkeypatch.setattr(run.client, "set_terminated", signalled)
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)
    assert MlflowClient(store_uri).get_run(run.run_id).info.status == "FINISHED"


def test_a_library_that_wraps_the_interrupt_still_gives_failure_reason_interrupted(store_uri):
    """A Ctrl-C during the artifact step (drawing the circuit, the figures) whose
    KeyboardInterrupt a library turns into its own error (was: failure_reason=error)."""
    with pytest.raises(RuntimeError), RunLogger(store_uri, "signals", "r") as run:
        run.log_epoch(0, {"loss": 1.0})
        os.kill(os.getpid(), signal.SIGINT)  # recorded by the run
        raise RuntimeError("drawing failed: interrupted")  # what the library made of it
    got = MlflowClient(store_uri).get_run(run.run_id)
    assert (got.info.status, got.data.tags["failure_reason"]) == ("FAILED", "interrupted")
