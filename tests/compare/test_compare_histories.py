"""Loading histories: the fast artifact path, the metric-history fallback, metric discovery."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from compare_testdata import EXPERIMENT, history, labels
from mlflow.tracking import MlflowClient

from qml_entanglement.analysis.histories import (
    is_entanglement_metric,
    load_histories,
    local_artifact_dir,
)
from qml_entanglement.analysis.selection import select_runs
from qml_entanglement.tracking.synthetic import RunSpec, learning_curves


def _load(tracking_uri):
    client = MlflowClient(tracking_uri)
    runs, _, _ = select_runs(client, tracking_uri, [EXPERIMENT], "")
    return load_histories(client, runs, "loss")


def test_artifact_and_metric_history_give_the_same_frame(add_runs, tracking_uri):
    frame = learning_curves(12, np.random.default_rng(3))
    add_runs(
        [
            RunSpec(frame, tags=labels(seed=0)),
            RunSpec(frame, tags=labels(seed=1), write_artifact=False),
        ]
    )
    histories, problems = _load(tracking_uri)
    assert problems == []
    by_source = {h.source: h for h in histories}
    assert set(by_source) == {"artifact", "metric history"}
    fast, slow = by_source["artifact"], by_source["metric history"]
    columns = sorted(frame.columns)
    pd.testing.assert_frame_equal(fast.frame[columns], slow.frame[columns], check_names=False)
    assert fast.entanglement_metrics == ("meyer_wallach", "von_neumann_entropy")
    assert fast.n_epochs == 13


def test_without_the_tag_the_catalogue_decides_what_is_entanglement(add_runs, tracking_uri):
    frame = learning_curves(5, np.random.default_rng(0), metrics=("negativity", "purity"))
    add_runs([RunSpec(frame, tags=labels(metrics=None))])
    (only,), _ = _load(tracking_uri)
    assert set(only.entanglement_metrics) == {"negativity"}  # purity is mixedness


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("meyer_wallach", True),
        ("concurrence", True),
        ("loss", False),
        ("test_loss", False),
        ("train_accuracy", False),
        ("grad_norm", False),
        ("epoch_seconds", False),
        ("von_neumann_entropy_std", False),
    ],
)
def test_entanglement_metric_fallback_rule(name, expected):
    assert is_entanglement_metric(name) is expected


def test_declared_but_missing_metric_and_missing_loss(add_runs, tracking_uri):
    loss = np.linspace(1, 0, 6)
    add_runs(
        [
            RunSpec(
                history(loss, meyer_wallach=loss),
                tags=labels(seed=0, metrics="meyer_wallach,negativity"),
            ),
            RunSpec(
                history(loss, meyer_wallach=loss).rename(columns={"loss": "other"}),
                tags=labels(seed=1),
            ),
        ]
    )
    histories, problems = _load(tracking_uri)
    (kept,) = histories
    assert kept.entanglement_metrics == ("meyer_wallach",)
    assert kept.declared_missing == ("negativity",)
    (problem,) = problems
    assert "no 'loss' history" in problem.reason


def test_local_artifact_dir():
    assert str(local_artifact_dir("file:///tmp/a%20b/artifacts")) == "/tmp/a b/artifacts"
    assert str(local_artifact_dir("/tmp/x")) == "/tmp/x"
    assert local_artifact_dir("mlflow-artifacts:/1/abc/artifacts") is None
    assert local_artifact_dir("s3://bucket/path") is None


def test_remote_artifact_store_is_downloaded(add_runs, tracking_uri, monkeypatch):
    # Pretend the artifact URI is not a local path (as with a tracking server).
    monkeypatch.setattr("qml_entanglement.analysis.histories.local_artifact_dir", lambda uri: None)
    frame = learning_curves(6, np.random.default_rng(1))
    add_runs([RunSpec(frame, tags=labels())])
    (only,), problems = _load(tracking_uri)
    assert problems == [] and only.source == "artifact (downloaded)"
    assert only.frame["loss"].to_numpy() == pytest.approx(frame["loss"].to_numpy())
