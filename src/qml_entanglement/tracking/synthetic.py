"""Write synthetic training runs in the training pipeline's format (tests and benchmarks).

A run gets the tags and flattened params the training pipeline logs, every per-epoch metric via
``log_batch`` (step = epoch), and the same history as the ``history.csv`` artifact.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from mlflow.entities import Metric, Param
from mlflow.utils.validation import MAX_METRICS_PER_BATCH, MAX_PARAMS_TAGS_PER_BATCH

from .reading import HISTORY_ARTIFACT, local_artifact_dir
from .store import ensure_experiment, ensure_store


@dataclass(frozen=True)
class RunSpec:
    """One synthetic run: its history (columns = metrics, index or column ``epoch``) and labels."""

    history: pd.DataFrame
    tags: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, str] = field(default_factory=dict)
    status: str = "FINISHED"
    write_artifact: bool = True
    metric_steps: str = "all"  # "all" (every epoch), "last" (final values only) or "none"
    once: Mapping[str, float] = field(default_factory=dict)  # run-level metrics (step 0)


def learning_curves(
    n_epochs: int,
    rng: np.random.Generator,
    *,
    metrics: Iterable[str] = ("meyer_wallach", "von_neumann_entropy"),
    noise: float = 0.02,
) -> pd.DataFrame:
    """A plausible history: decaying loss, rising accuracy, entanglement that rises then falls.

    Step 0 is the initial state; *n_epochs* updates follow, so the frame has n_epochs + 1 rows.
    """
    t = np.arange(n_epochs + 1, dtype=float)
    scale = max(n_epochs, 1)
    loss = 0.3 + 0.4 * np.exp(-3 * t / scale) + noise * rng.standard_normal(t.size)
    frame = pd.DataFrame(
        {
            "loss": loss,
            "test_loss": loss + 0.05 + noise * rng.standard_normal(t.size),
            "train_accuracy": np.clip(1 - loss, 0, 1),
            "test_accuracy": np.clip(0.95 - loss, 0, 1),
            "grad_norm": np.abs(0.5 * np.exp(-2 * t / scale) + noise * rng.standard_normal(t.size)),
            "epoch_seconds": 0.1 + 0.01 * rng.random(t.size),
        },
        index=pd.Index(t.astype(int), name="epoch"),
    )
    for i, name in enumerate(metrics):
        peak = (0.3 + 0.1 * i) * scale
        bump = np.exp(-(((t - peak) / (0.4 * scale)) ** 2))
        frame[name] = 0.2 + 0.5 * bump + noise * rng.standard_normal(t.size)
        frame[f"{name}_std"] = 0.05 + 0.01 * rng.random(t.size)
    return frame


def create_runs(
    tracking_uri: str, experiment: str, specs: Iterable[RunSpec], client=None
) -> list[str]:
    """Create one run per spec in *experiment* (created if missing); return the run ids."""
    client = client or ensure_store(tracking_uri)
    experiment_id = ensure_experiment(client, tracking_uri, experiment)
    run_ids = []
    for spec in specs:
        run = client.create_run(experiment_id, tags=dict(spec.tags))
        run_id = run.info.run_id
        history = spec.history
        if "epoch" in history.columns:
            history = history.set_index("epoch")
        if spec.metric_steps != "none":
            _log_history(client, run_id, history if spec.metric_steps == "all" else history[-1:])
        if spec.once:
            now = int(time.time() * 1000)
            once = [Metric(k, float(v), now, 0) for k, v in spec.once.items()]
            client.log_batch(run_id, metrics=once)
        params = [Param(k, str(v)) for k, v in spec.params.items()]
        for start in range(0, len(params), MAX_PARAMS_TAGS_PER_BATCH):
            client.log_batch(run_id, params=params[start : start + MAX_PARAMS_TAGS_PER_BATCH])
        if spec.write_artifact:
            _write_history(client, run_id, run.info.artifact_uri, history)
        client.set_terminated(run_id, spec.status)
        run_ids.append(run_id)
    return run_ids


def _log_history(client, run_id: str, history: pd.DataFrame) -> None:
    now = int(time.time() * 1000)
    steps = history.index.to_numpy(dtype=int)
    metrics = [
        Metric(name, float(value), now, int(step))
        for name in history.columns
        for step, value in zip(steps, history[name].to_numpy(dtype=float), strict=True)
    ]
    for start in range(0, len(metrics), MAX_METRICS_PER_BATCH):
        client.log_batch(run_id, metrics=metrics[start : start + MAX_METRICS_PER_BATCH])


def _write_history(client, run_id: str, artifact_uri: str, history: pd.DataFrame) -> None:
    folder = local_artifact_dir(artifact_uri)
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        history.to_csv(folder / HISTORY_ARTIFACT, index_label="epoch")
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / HISTORY_ARTIFACT
        history.to_csv(path, index_label="epoch")
        client.log_artifact(run_id, str(path))
