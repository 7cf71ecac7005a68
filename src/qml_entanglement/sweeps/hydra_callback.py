"""The Hydra callback that frames a sweep (``hydra.callbacks.sweep`` in ``conf/train.yaml``).

Before any job starts (``on_multirun_start``, in the launching process):

* create the tracking store and the experiment once, so parallel jobs never race on a fresh
  sqlite schema;
* open the sweep's parent run and hand its id and the sweep id to every job through
  ``hydra.job.env_set`` (part of each job's config, so it reaches joblib workers, submitit jobs
  on other nodes and any other launcher alike).

After each job (``on_job_end``, in the worker): write the job's outcome record.

After the sweep (``on_multirun_end``): read the records, close the parent run (FAILED if any
job failed), print the summary, write ``<sweep dir>/sweep.json`` and exit non-zero if any job
failed. If the sweep dies instead (a worker killed, Ctrl-C), an ``atexit`` hook still closes the
parent run and prints what is known.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hydra.core.utils import JobReturn, JobStatus
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig, open_dict, read_write

from ..tracking.uri import redact, redact_file, redact_logging
from .outcomes import (
    FAILED,
    OUTCOME_FILE,
    JobOutcome,
    clear_outcomes,
    count,
    format_summary,
    progress_line,
    read_outcomes,
)
from .workers import ENV_LAUNCHER_PID, joblib_settings, start_warm_workers, uses_joblib

log = logging.getLogger(__name__)

ENV_SWEEP_ID = "QML_SWEEP_ID"
ENV_PARENT_RUN_ID = "QML_SWEEP_PARENT_RUN_ID"
ENV_JOBS = "QML_SWEEP_JOBS"  # for the jobs' [k/N] progress lines
ENV_STARTED = "QML_SWEEP_STARTED"
RECORD_FILE = "sweep.json"


class SweepCallback(Callback):
    """Store, parent run, per-job outcome records and summary for every multirun.

    ``prewarm`` and ``release_workers`` (joblib launcher) start the workers early and end them
    at once after the last job; both use private joblib/loky APIs
    (:mod:`~qml_entanglement.sweeps.library_internals`), and ``make bench`` measures a sweep
    without them (``bench_sweep``, section ``private APIs``).
    """

    def __init__(
        self, exit_on_failure: bool = True, prewarm: bool = True, release_workers: bool = True
    ) -> None:
        self.exit_on_failure = exit_on_failure
        self.prewarm = prewarm
        self.release_workers = release_workers
        self._launcher_is_joblib = False
        self._workers: dict[str, Any] | None = None
        self._state: dict[str, Any] | None = None

    # ------------------------------------------------------------------- launching process
    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        # Hydra turns a callback's exception into a warning and runs the jobs anyway, outside
        # any sweep: a sweep that cannot start must stop here, saying why.
        try:
            self._start(config)
        except ConnectionError as exc:  # the tracking store (StoreUnavailable): exit 3
            print(f"sweep: cannot start: {exc}", file=sys.stderr)
            sys.exit(3)
        except Exception as exc:
            print(f"sweep: cannot start: {type(exc).__name__}: {exc}", file=sys.stderr)
            sys.exit(1)

    def _start(self, config: DictConfig) -> None:
        tic = time.perf_counter()
        redact_logging()  # the launcher prints every job's overrides
        self._launcher_is_joblib = uses_joblib(config)
        if self.prewarm:  # first, so the workers import while this process sets the sweep up
            start_warm_workers(config, config.tracking.uri)
        from .parent import count_jobs, open_parent, sweep_definition, sweep_id

        sweep_dir = Path(str(config.hydra.sweep.dir))
        sweep_dir.mkdir(parents=True, exist_ok=True)
        clear_outcomes(sweep_dir)
        identity = sweep_id(config)
        name = str((config.get("sweep") or {}).get("name") or "multirun")
        definition = sweep_definition(config)
        experiment = str(config.tracking.experiment)
        self._workers = joblib_settings(config) if self._launcher_is_joblib else None
        from ..tracking.liveness import owner_tags

        parent = self._in_worker(
            open_parent, config.tracking.uri, experiment, identity, name, definition, owner_tags()
        )
        self._state = {
            "sweep_id": identity,
            "name": name,
            **parent,
            "experiment": experiment,
            "sweep_dir": str(sweep_dir),
            "definition": definition,
            "group_by": _group_by(config),
            "expected_jobs": count_jobs(config),
            "started": time.time(),
            "tic": tic,
        }
        parent_run_id = parent["parent_run_id"]
        jobs = self._state["expected_jobs"]
        _pass_to_jobs(
            config,
            {
                ENV_SWEEP_ID: identity,
                ENV_PARENT_RUN_ID: parent_run_id,
                ENV_JOBS: "" if jobs is None else str(jobs),
                ENV_STARTED: f"{self._state['started']:.3f}",
                # one engine thread per job: the sweep's workers already fill the cores
                "QML_ENGINE_THREADS": "1",
                ENV_LAUNCHER_PID: str(os.getpid()),  # workers end with their launcher
            },
        )
        self._write_record(status="RUNNING")
        atexit.register(self._close_at_exit)
        signal.signal(signal.SIGTERM, _stop_on_sigterm)
        signal.signal(signal.SIGINT, _stop_once)
        print(
            f"sweep {identity}: {jobs if jobs is not None else '?'} jobs, "
            f"{'resumed ' if parent['resumed'] else ''}parent run {parent_run_id}, "
            f"tracking {redact(parent['tracking_uri'])} (experiment '{experiment}')",
            flush=True,
        )

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        try:
            failed = self._close()
        except Exception as exc:  # Hydra would only warn; the sweep's status must show it
            print(f"sweep: cannot close: {type(exc).__name__}: {exc}", file=sys.stderr)
            failed = True
        if self._launcher_is_joblib and self.release_workers:
            from .workers import release_workers

            release_workers()
        if failed and self.exit_on_failure:
            sys.exit(1)

    # ------------------------------------------------------------------------------ worker
    def on_job_end(self, config: DictConfig, job_return: JobReturn, **kwargs: Any) -> None:
        if config.hydra.get("mode") != RunMode.MULTIRUN:
            return
        outcome = _outcome_of(job_return)
        outcome.write(config.hydra.runtime.output_dir)
        done = len(list(Path(str(config.hydra.sweep.dir)).glob(f"*/{OUTCOME_FILE}")))
        env = config.hydra.job.get("env_set") or {}  # Hydra restores os.environ after the task
        total = env.get(ENV_JOBS) or os.environ.get(ENV_JOBS) or None
        started = env.get(ENV_STARTED) or os.environ.get(ENV_STARTED)
        elapsed = time.time() - float(started) if started else None
        line = progress_line(outcome, done, int(total) if total else None, elapsed)
        print(line, flush=True)

    # ----------------------------------------------------------------------------- closing
    def _close(self, interrupted: bool = False) -> bool:
        """Close the parent run and report; True if any job failed or went missing."""
        if self._state is None:
            return False
        state, self._state = self._state, None
        outcomes = read_outcomes(state["sweep_dir"])
        counts = count(outcomes, state["expected_jobs"])
        if interrupted and state["expected_jobs"] is None:
            counts["missing"] = max(counts["missing"], 1)  # the sweep did not get to its end
        wall = time.perf_counter() - state["tic"]
        record = _record(state, counts, outcomes, wall)
        reason = None
        if interrupted or counts["missing"]:  # runs whose worker died still say RUNNING
            reason = "interrupted" if interrupted else "its worker was lost"
        try:
            from .parent import close_parent

            keys = ("tracking_uri", "experiment", "sweep_id", "parent_run_id")
            args = (*(state[k] for k in keys), counts, wall, record, reason)
            if not interrupted:
                closed = self._in_worker(close_parent, *args)
            elif "mlflow" in sys.modules:
                closed = close_parent(*args)
            else:  # at exit after a Ctrl-C: no workers, and too late to import MLflow here
                closed = _close_in_subprocess(args)
            record.update(closed)
        except Exception as exc:  # the summary matters more than the parent run's last words
            run_id = state["parent_run_id"]
            print(f"sweep: could not close parent run {run_id}: {exc}", file=sys.stderr)
            record["status"] = "FAILED"
        _write_json(Path(state["sweep_dir"], RECORD_FILE), record)
        redact_file(Path(state["sweep_dir"], "multirun.yaml"))
        print(
            format_summary(
                state["sweep_id"],
                counts,
                outcomes,
                wall_seconds=wall,
                parent_run_id=state["parent_run_id"],
                tracking_uri=redact(state["tracking_uri"]),
                experiment_id=state.get("experiment_id"),
            ),
            flush=True,
        )
        return bool(counts["failed"] or counts["missing"])

    def _in_worker(self, function: Callable[..., Any], *args: Any) -> Any:
        """``function(*args)`` in a warm joblib worker, which has MLflow imported already (the
        launching process then never imports it: about 3 s of CPU less while the workers start
        on the same cores); in this process for other launchers, or if that fails."""
        if self._workers is not None:
            try:
                from joblib import Parallel, delayed

                return Parallel(**self._workers)([delayed(function)(*args)])[0]
            except Exception as exc:  # e.g. the workers are gone after a Ctrl-C
                log.debug("running %s here: %s", function.__name__, exc)
        return function(*args)

    def _close_at_exit(self) -> None:
        if self._state is None:
            return
        from ..tracking.writer import signals_deferred

        with signals_deferred():  # a second Ctrl-C must not cut the closing short
            print("sweep ended early: closing its parent run", file=sys.stderr, flush=True)
            _end_workers(grace=10.0)
            self._close(interrupted=True)

    def _write_record(self, status: str) -> None:
        state = self._state
        record = _record(state, count([], state["expected_jobs"]), [], 0.0)
        record["status"] = status
        _write_json(Path(state["sweep_dir"], RECORD_FILE), record)


def _stop_once(signum: int, frame: Any) -> None:
    """The launcher's first Ctrl-C stops the sweep; later ones are ignored, so that they
    cannot cut short the unwinding and the closing of the parent run (the workers, in the
    same process group, get every Ctrl-C themselves)."""
    for other in (signal.SIGINT, signal.SIGTERM):
        signal.signal(other, signal.SIG_IGN)
    raise KeyboardInterrupt(f"received signal {signum}")


def _stop_on_sigterm(signum: int, frame: Any) -> None:
    """SIGTERM (``timeout``, ``kill``, ``scancel``) reaches the launcher alone: pass it on to
    the workers as a Ctrl-C, so their runs close FAILED/interrupted, and stop like a Ctrl-C."""
    import psutil

    for child in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            child.send_signal(signal.SIGINT)
    _stop_once(signum, frame)


def _end_workers(grace: float, quiet: float = 1.0) -> None:
    """Let the worker processes close their runs, then kill them (loky workers would otherwise
    outlive the sweep; their resource tracker ends with the last of them): wait until they
    have all been idle for *quiet* seconds (a worker whose job is over only waits for more), at
    most *grace*."""
    import psutil

    alive = psutil.Process().children(recursive=True)
    for process in alive:
        with contextlib.suppress(psutil.Error):
            process.cpu_percent(None)
    deadline, idle_since = time.monotonic() + grace, None
    while alive and time.monotonic() < deadline:
        _, alive = psutil.wait_procs(alive, timeout=0.25)
        busy = 0.0
        for process in alive:
            with contextlib.suppress(psutil.Error):
                busy += process.cpu_percent(None)
        now = time.monotonic()
        idle_since = (idle_since or now) if busy < 5.0 else None
        if idle_since is not None and now - idle_since >= quiet:
            break
    for process in alive:
        with contextlib.suppress(psutil.Error):
            if not _is_resource_tracker(process):
                process.kill()


def _is_resource_tracker(process) -> bool:
    """Whether *process* is loky's resource tracker. It is never killed here: it ignores
    SIGINT/SIGTERM and ends by itself once every process holding its pipe (this launcher, the
    workers) has exited. Killed earlier, it is relaunched by the first process that still
    talks to it, which then unregisters a folder the new tracker never saw: a ``KeyError``
    traceback per worker on a Ctrl-C or SIGTERM of the sweep."""
    import psutil

    try:
        return any("resource_tracker" in part for part in process.cmdline())
    except psutil.Error:
        return False


def _write_json(path: Path, record: dict) -> None:
    """*record* as JSON, with every URI password replaced by ``***``."""
    path.write_text(redact(json.dumps(record, indent=1, default=str)))


def _close_in_subprocess(args: tuple) -> dict[str, Any]:
    """:func:`~.parent.close_parent` in a fresh interpreter (``python -m ...sweeps.parent``).

    The arguments go through stdin: the sweep record lists every job, and a large sweep's
    would exceed the kernel's limit for one command-line argument (128 KiB)."""
    import subprocess

    proc = subprocess.run(
        [sys.executable, "-m", "qml_entanglement.sweeps.parent"],
        input=json.dumps(args, default=str),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _pass_to_jobs(config: DictConfig, env: dict[str, str]) -> None:
    """Set environment variables for every job of this sweep, whichever launcher runs it.

    Launchers rebuild each job's config from the master config's Hydra overrides, so the values
    go in as overrides of ``hydra.job.env_set`` (and into the master config for consistency).
    """
    with read_write(config), open_dict(config):
        for name, value in env.items():
            config.hydra.job.env_set[name] = value
            config.hydra.overrides.hydra.append(f"++hydra.job.env_set.{name}='{value}'")


def _group_by(config: DictConfig) -> list[str] | None:
    keys = (config.get("sweep") or {}).get("group_by")
    return [str(k) for k in keys] if keys else None


def _outcome_of(job_return: JobReturn) -> JobOutcome:
    try:
        value = job_return.return_value  # a failed job's property raises its exception
    except Exception as error:  # noqa: BLE001 -- recorded as the job's failure
        value = error
    if job_return.status == JobStatus.COMPLETED and isinstance(value, dict) and "status" in value:
        return JobOutcome(**value)
    overrides = list(job_return.overrides or [])
    if job_return.status == JobStatus.COMPLETED:  # a task function that is not ours
        return JobOutcome(status="FINISHED", overrides=overrides)
    return JobOutcome(status=FAILED, overrides=overrides, error=f"{type(value).__name__}: {value}")


def _record(state: dict, counts: dict, outcomes: list[JobOutcome], wall: float) -> dict:
    from .outcomes import compare_filter

    keep = ("sweep_id", "name", "parent_run_id", "tracking_uri", "experiment", "experiment_id")
    return {
        **{k: state[k] for k in keep},
        "definition": state["definition"],
        "group_by": state["group_by"],
        "resumed": state["resumed"],
        "compare_filter": compare_filter(state["sweep_id"]),
        "counts": counts,
        "wall_seconds": wall,
        "jobs": [o.as_dict() for o in outcomes],
    }
