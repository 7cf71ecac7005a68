"""One job of a sweep: train (or skip) one config and record the outcome; never raise.

Hydra's sweepers re-raise the first failed job's exception once a batch is done, which would
skip the callback that closes the sweep's parent run and prints its summary. A job therefore
catches its own error (if its MLflow run exists, the run logger has marked it FAILED already),
logs the traceback, and reports ``FAILED`` in its outcome; the callback turns any failure into
the sweep's non-zero exit status. Ctrl-C (``KeyboardInterrupt``) is not caught: it ends the
sweep.
"""

from __future__ import annotations

import logging
import os
import time

from omegaconf import DictConfig

from .outcomes import FAILED, JobOutcome

log = logging.getLogger(__name__)

_PROCESS_START: float | None = None  # wall clock of this worker's start, found at first use
_JOBS_IN_PROCESS = 0


def _process_start() -> float:
    """When this process started (psutil; else the first job's start)."""
    global _PROCESS_START
    if _PROCESS_START is None:
        try:
            import psutil

            _PROCESS_START = psutil.Process().create_time()
        except Exception:  # noqa: BLE001 -- a timing detail, never worth a failed job
            _PROCESS_START = time.time()
    return _PROCESS_START


def run_sweep_job(cfg: DictConfig, overrides: list[str]) -> dict:
    """Train ``cfg`` as one job of a sweep; return its :class:`JobOutcome` as a dict."""
    global _JOBS_IN_PROCESS
    from .workers import ENV_LAUNCHER_PID, die_with_launcher

    die_with_launcher(int(os.environ.get(ENV_LAUNCHER_PID) or 0))  # Hydra's env_set, this job
    started = time.time()
    tic = time.perf_counter()
    _JOBS_IN_PROCESS += 1
    outcome = JobOutcome(
        status=FAILED,
        overrides=list(overrides),
        started=started,
        process_age=started - _process_start(),
        first_in_process=_JOBS_IN_PROCESS == 1,
    )
    try:
        from ..config import ConfigError
        from ..training import run_experiment

        try:
            summary = run_experiment(cfg, overrides, progress=False)
        except ConfigError as exc:
            log.error("invalid config: %s", exc)
            outcome.error = f"invalid config: {exc}"
        else:
            outcome.status = summary["status"]
            outcome.run_id = summary["run_id"]
            outcome.run_name = summary.get("run_name")
            loss = summary.get("loss")
            outcome.loss = None if loss is None else float(loss)
            outcome.timings = dict(summary.get("timings", {}))
    except Exception as exc:  # the job's own failure, already recorded as a FAILED run
        log.exception("job %s failed", " ".join(overrides))
        outcome.error = f"{type(exc).__name__}: {exc}"[:2000]
    outcome.seconds = time.perf_counter() - tic
    return outcome.as_dict()
