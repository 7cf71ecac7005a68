"""A run with every opt-in measurement of issue 16: logged, catalogued, and consistent with the
exact values next to them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from qml_entanglement.metrics import catalogue
from tests.conftest import run_train

pytestmark = [pytest.mark.slow, pytest.mark.integration]

PER_EPOCH_NEW = (
    "grad_variance",
    "half_cut_entropy",
    "half_cut_page_fraction",
    "meyer_wallach_haar_fraction",
    "meyer_wallach_estimate",
    "meyer_wallach_estimate_se",
    "renyi2_half_cut_estimate",
    "renyi2_half_cut_estimate_se",
    "tripartite_information",
    "tripartite_information_model",
)


def _base_key(column: str) -> str:
    for suffix in ("_std", "_se"):
        if column.endswith(suffix) and column.removesuffix(suffix) in catalogue.CATALOGUE:
            return column.removesuffix(suffix)
    return column


def _the_run(store_uri: str, tmp_path):
    """The store's only run, and its history.csv."""
    client = MlflowClient(store_uri)
    experiment = client.get_experiment_by_name("qml-entanglement")
    (run,) = client.search_runs([experiment.experiment_id])
    local = client.download_artifacts(run.info.run_id, "history.csv", str(tmp_path))
    return client, run, pd.read_csv(local)


def _z_scores(history: pd.DataFrame) -> pd.Series:
    """(estimate - exact) / standard error, per epoch."""
    error = history["meyer_wallach_estimate"] - history["meyer_wallach"]
    return error / history["meyer_wallach_estimate_se"]


def test_a_run_with_every_opt_in_measurement(store_uri, tmp_path):
    proc = run_train(
        "dataset=blobs",
        "dataset.num_features=4",
        "trainer.epochs=3",
        "metrics.estimator=randomized",
        "metrics.unitaries=40",
        "metrics.shots=200",
        "metrics.scrambling=true",
        "metrics.barren_plateau_samples=6",
        "metrics.half_cut_samples=null",
        f"tracking.uri={store_uri}",
    )
    assert proc.returncode == 0, proc.stderr
    client, run, history = _the_run(store_uri, tmp_path)
    assert run.info.status == "FINISHED"
    assert list(history["epoch"]) == [0, 1, 2, 3]
    for column in PER_EPOCH_NEW:
        assert np.all(np.isfinite(history[column])), column
        stored = client.get_metric_history(run.info.run_id, column)
        assert sorted(m.step for m in stored) == [0, 1, 2, 3], column
    # every column the run writes has a catalogue entry (label, units) the figures and
    # the comparison stage use
    unknown = [
        c for c in history.columns if c != "epoch" and _base_key(c) not in catalogue.CATALOGUE
    ]
    assert unknown == []
    # the estimate is within a few of its standard errors of the exact value logged next to it
    z = _z_scores(history)
    assert np.all(np.abs(z) < 5), z.to_numpy()
    # the n = 4 half cut is 2 qubits: the Renyi-2 entropy is at most the von Neumann one
    # (plus the estimate's error) and at most 2 bits
    bound = history["half_cut_entropy"] + 5 * history["renyi2_half_cut_estimate_se"]
    assert np.all(history["renyi2_half_cut_estimate"] < bound)
    # |I3| <= 2 min(|A|, |C|) bits = 4 bits for A = C = 2 qubits
    assert np.all(np.abs(history["tripartite_information"]) <= 4 + 1e-9)
    assert np.all(np.abs(history["tripartite_information_model"]) <= 4 + 1e-9)
    # grad_variance is the variance of the components: mean(g^2) - mean(g)^2 <= |g|^2 / P
    local = client.download_artifacts(run.info.run_id, "final_parameters.csv", str(tmp_path))
    params = len(pd.read_csv(local))
    assert np.all(history["grad_variance"] <= history["grad_norm"] ** 2 / params + 1e-12)
    assert np.all(history["grad_variance"] > 0)
    metrics = run.data.metrics
    assert metrics["init_grad_variance"] > 0 and metrics["init_grad_variance_se"] > 0


def test_with_aer_the_randomized_shots_are_measured_by_aer(store_uri, tmp_path):
    """simulator=aer: Aer itself measures after the random unitaries; without noise the estimate
    still agrees with the exact Meyer-Wallach of the same run within a few standard errors."""
    proc = run_train(
        "trainer.epochs=2",
        "simulator=aer",
        "metrics.estimator=randomized",
        "metrics.unitaries=30",
        "metrics.shots=100",
        f"tracking.uri={store_uri}",
    )
    assert proc.returncode == 0, proc.stderr
    _, _, history = _the_run(store_uri, tmp_path)
    z = _z_scores(history)
    assert len(z) == 3 and np.all(np.abs(z) < 5), z.to_numpy()
    assert np.all(history["renyi2_half_cut_estimate_se"] > 0)
