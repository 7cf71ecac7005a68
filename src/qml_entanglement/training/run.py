"""One tracked training run: validate -> build -> train(callbacks) -> finish."""

from __future__ import annotations

import time
from typing import Any

from omegaconf import DictConfig

from ..config import ConfigError, build, validate
from .experiment import build_experiment
from .library_warnings import summarised_warnings
from .loop import train
from .run_callbacks import RunContext, build_callbacks


def _say(message: str) -> None:
    """What a single run is doing while nothing else shows (stdout; errors go to stderr)."""
    print(message, flush=True)


def _silent(message: str) -> None:
    pass


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM stopped a run; the message says what was kept (one line)."""


def run_experiment(
    cfg: DictConfig, overrides: list[str] | None = None, *, progress: bool = True
) -> dict[str, Any]:
    """Train the experiment ``cfg`` as one MLflow run; return its id, status and final metrics.

    Config mistakes raise :class:`~qml_entanglement.config.ConfigError`, an unusable tracking
    store :class:`~qml_entanglement.tracking.uri.StoreUnavailable`, before any run is created.
    Once the run exists, any exception (or Ctrl-C / SIGTERM) marks it FAILED, keeping every epoch
    logged so far. A sweep job whose config already FINISHED is skipped (status ``SKIPPED``)
    unless ``force=true``. ``summary["timings"]``: seconds building, training, tracking and
    writing artifacts. ``progress``: a progress bar and a closing line with the run's link
    (single runs; a sweep prints one line per job itself). An interrupt raises
    :class:`RunInterrupted` saying what was kept.
    """
    tic = time.perf_counter()
    say = _say if progress else _silent
    validate(cfg)
    tracking = build(cfg.tracking)(config=cfg, overrides=list(overrides or []))
    try:
        return _tracked(cfg, tracking, say, progress, tic)
    except KeyboardInterrupt:
        raise RunInterrupted(tracking.interrupt_note()) from None


def _tracked(cfg: DictConfig, tracking, say, progress: bool, tic: float) -> dict[str, Any]:
    if (twin := tracking.finished_twin()) is not None:
        return twin
    say(f"building: data set {cfg.dataset.name}, {cfg.model.num_qubits} qubits, encodings")
    experiment = build_experiment(cfg)
    timings = {"build": time.perf_counter() - tic}
    say(f"training: {experiment.epochs} epochs (built in {timings['build']:.1f} s)")
    callbacks = build_callbacks(cfg.callbacks, RunContext(cfg, tracking, progress))
    if tracking not in callbacks:
        raise ConfigError("callbacks.tracking cannot be left out: it is the run's record")
    tic = time.perf_counter()
    with summarised_warnings(tracking.name):  # one line, not one per epoch
        train(experiment, callbacks)
    drawn = sum(getattr(callback, "seconds", 0.0) for callback in callbacks)  # figures
    timings["train"] = time.perf_counter() - tic - sum(tracking.timings.values()) - drawn
    if progress:
        tracking.print_summary()
    timings.update(tracking.timings, artifacts=tracking.timings["artifacts"] + drawn)
    return {**tracking.summary, "timings": timings}
