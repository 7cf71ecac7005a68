"""One tracked training run: validate -> build -> train(callbacks) -> finish."""

from __future__ import annotations

import time
from typing import Any

from omegaconf import DictConfig

from ..config import build, validate
from .callbacks import History, HistoryFigures, ProgressBar
from .experiment import build_experiment
from .loop import train


def run_experiment(
    cfg: DictConfig, overrides: list[str] | None = None, *, progress: bool = True
) -> dict[str, Any]:
    """Train the experiment ``cfg`` as one MLflow run; return its id, status and final metrics.

    Config mistakes raise :class:`~qml_entanglement.config.ConfigError`, an unusable tracking
    store :class:`~qml_entanglement.tracking.uri.StoreUnavailable`, before any run is created.
    Once the run exists, any exception (or Ctrl-C / SIGTERM) marks it FAILED, keeping every epoch
    logged so far. A sweep job whose config already FINISHED is skipped (status ``SKIPPED``)
    unless ``force=true``. ``summary["timings"]``: seconds building, training, tracking and
    writing artifacts.
    """
    tic = time.perf_counter()
    validate(cfg)
    tracking = build(cfg.tracking)(config=cfg, overrides=list(overrides or []))
    if (twin := tracking.finished_twin()) is not None:
        return twin
    experiment = build_experiment(cfg)
    timings = {"build": time.perf_counter() - tic}
    folder = tracking.artifact_dir
    callbacks = [History(folder), HistoryFigures(folder), tracking]
    tic = time.perf_counter()
    train(experiment, [ProgressBar(), *callbacks] if progress else callbacks)
    timings["train"] = time.perf_counter() - tic - sum(tracking.timings.values())
    tracking.print_summary()
    return {**tracking.summary, "timings": {**timings, **tracking.timings}}
