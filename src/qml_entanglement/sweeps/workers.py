"""The joblib launcher's worker processes: started early, ended promptly.

Started early: a worker's first job would pay Python start-up and the training stack's imports
(qiskit, scikit-learn, MLflow, matplotlib: about 3.5 s) while, before it, the launching
process spends as long importing MLflow, opening the parent run and composing every job's
config (Hydra validates them all before launching any) on one core.
:func:`start_warm_workers` starts the workers at the sweep's start, in a background thread,
through the very ``joblib.Parallel`` configuration the Hydra joblib launcher will use, and has
each import the training stack and open the tracking store, so both happen at once. joblib
keeps its loky executor between ``Parallel`` calls with equal settings, so the launcher's first
jobs simply queue on the warm workers. Should the settings differ, joblib starts fresh
workers: nothing breaks, the head start is lost.

Ended promptly: once the last job has returned, the idle workers only wait to be shut down,
and a clean shutdown waits for each to finalise an interpreter full of qiskit, MLflow and
matplotlib (1-2 s; a sweep's wind-down went from 4.3 s to 1.2 s). :func:`release_workers`
ends them at once; every job has returned and written its record by then.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from typing import Any

from omegaconf import DictConfig, OmegaConf

JOBLIB_LAUNCHER = "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher"
ENV_LAUNCHER_PID = "QML_SWEEP_LAUNCHER_PID"
WATCH_SECONDS = 0.5  # how often a worker checks that its launcher lives
ORPHAN_GRACE_SECONDS = 30.0  # an orphaned worker's run closes within this, then it exits
_watching = False


def uses_joblib(config: DictConfig) -> bool:
    """Whether the sweep runs on Hydra's joblib launcher."""
    launcher = config.hydra.get("launcher")
    return launcher is not None and launcher.get("_target_") == JOBLIB_LAUNCHER


def joblib_settings(config: DictConfig) -> dict[str, Any]:
    """The ``joblib.Parallel`` keyword arguments the Hydra joblib launcher will use."""
    from .library_internals import joblib_parallel_settings

    settings = OmegaConf.to_container(config.hydra.launcher, resolve=True)
    settings.pop("_target_", None)
    return joblib_parallel_settings(settings)


def die_with_launcher(launcher_pid: int) -> bool:
    """In a worker process of the sweep launched by *launcher_pid*: end with the launcher.

    A launcher killed outright (SIGKILL, out of memory) cannot end its joblib workers, which
    would train on (and loky's resource tracker with them) for minutes. A daemon thread checks
    every ``WATCH_SECONDS`` that the launcher is still this process's parent; once it is gone
    it sends this process SIGTERM (a run in progress closes FAILED, ``interrupted``, its data
    kept) and exits after ``ORPHAN_GRACE_SECONDS`` at the latest. Only for a process whose
    parent is the launcher (the basic launcher runs jobs in itself); started once; True if
    this process is watched."""
    global _watching
    if _watching or launcher_pid <= 1 or os.getppid() != launcher_pid:
        return _watching

    def watch() -> None:
        while os.getppid() == launcher_pid:
            time.sleep(WATCH_SECONDS)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(ORPHAN_GRACE_SECONDS)
        os._exit(1)

    _watching = True
    threading.Thread(target=watch, name="watch-launcher", daemon=True).start()
    return True


def _warm_up(tracking_uri: str | None, launcher_pid: int = 0) -> int:
    """What a worker's first job would otherwise pay: the training stack's imports and the
    tracking store's client (MLflow caches it per process and URI); and the worker's watch on
    its launcher (:func:`die_with_launcher`)."""
    die_with_launcher(launcher_pid)
    import qml_entanglement.sweeps.job  # noqa: F401
    import qml_entanglement.training.run  # noqa: F401
    from qml_entanglement.tracking import ensure_store, resolve_tracking_uri

    ensure_store(resolve_tracking_uri(tracking_uri))  # under the store's lock: safe anywhere
    return os.getpid()


def start_warm_workers(config: DictConfig, tracking_uri: str | None) -> threading.Thread | None:
    """Start warming the joblib workers in a background thread; None for another launcher.

    Nobody waits for the thread: the launcher's first jobs queue on the workers behind the
    warm-up while this process goes on setting the sweep up.
    """
    if not uses_joblib(config):
        return None
    settings = joblib_settings(config)

    def warm() -> None:
        from joblib import Parallel, cpu_count, delayed

        n_jobs = settings.get("n_jobs") or 1
        workers = cpu_count() if n_jobs < 0 else n_jobs
        with contextlib.suppress(Exception):  # a head start only: the launcher starts its own
            launcher = os.getpid()
            Parallel(**settings)(delayed(_warm_up)(tracking_uri, launcher) for _ in range(workers))

    thread = threading.Thread(target=warm, name="prewarm-sweep-workers", daemon=True)
    thread.start()
    return thread


def release_workers() -> None:
    """End the idle joblib workers at once (every job has returned and written its record)."""
    from .library_internals import end_idle_workers

    end_idle_workers()
