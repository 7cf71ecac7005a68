"""The run lifecycle in process: errors mark the run FAILED and keep what was logged."""

from __future__ import annotations

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
