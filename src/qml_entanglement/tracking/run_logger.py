"""A run logger that buffers per-epoch metrics and writes them to MLflow in batches.

On the sqlite store one ``log_metric`` call costs about 10 ms, more than a whole epoch of the
engine, so metrics are buffered and flushed with ``log_batch`` every ``flush_seconds``, at the
end, and on any exception, Ctrl-C or SIGTERM: nothing logged is lost. Given a ready
:class:`~qml_entanglement.tracking.writer.MetricWriter`, buffers are handed to that process
every ``HANDOVER_SECONDS`` instead and stored on another core while training goes on; closing
the run waits until the writer has stored all of them. A run that does not end normally is
marked FAILED with the error text as a tag and an ``error.txt`` artifact.
"""

from __future__ import annotations

import contextlib
import csv
import json
import math
import shutil
import signal
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from mlflow.entities import Metric, Param, RunTag

from .liveness import every_experiment, owner_tags, reap_stale_runs
from .store import ensure_experiment, ensure_store
from .uri import StoreUnavailable, error_summary, redact
from .writer import BATCH_METRICS, TAG_LIMIT, MetricWriter, Row, signals_deferred

_BATCH_PARAMS = 100
HANDOVER_SECONDS = 0.02  # how often buffered metrics go to a ready writer process
UNSENT_ROOT = Path("mlruns/unsent")  # what a failed store could not take, per run
STORE_ATTEMPTS = 3  # tries of a metric batch, 1 s apart, before the store counts as failed


class RunLogger:
    """Context manager around one MLflow run.

    Examples
    --------
    >>> with RunLogger(uri, "my-exp", "run-1", tags={"seed": "0"}) as run:  # doctest: +SKIP
    ...     run.log_params({"trainer.epochs": 10})
    ...     run.log_epoch(0, {"loss": 0.7})
    """

    def __init__(
        self,
        uri: str,
        experiment: str,
        run_name: str,
        tags: dict[str, str] | None = None,
        flush_seconds: float = 5.0,
        writer: MetricWriter | None = None,
    ):
        self.uri = uri
        self.client = ensure_store(uri)
        self.experiment_id = ensure_experiment(self.client, uri, experiment)
        self.run_name = run_name
        self.tags = dict(tags or {})
        self.flush_seconds = flush_seconds
        self.writer = writer
        self._buffer: list[Row] = []
        self._last_flush = time.monotonic()
        self.run_id: str | None = None
        self._previous_handlers: dict[int, object] = {}
        self._stop_signal: int | None = None
        self._stopping = False  # the run is ending: signals no longer interrupt
        self.offline: str | None = None  # why the store was given up on, once it failed
        self._cut_short = False  # the failed store stopped training before its end
        self._unsent: list[Row] = []
        self.status = "RUNNING"  # FINISHED or FAILED once closed

    # --------------------------------------------------------------------------- lifecycle
    def __enter__(self) -> RunLogger:
        # first: a Ctrl-C while the run is being created is recorded and stops it at its first
        # step (a second one raises here; ``__exit__`` then closes whatever exists)
        for signum in (signal.SIGINT, signal.SIGTERM):
            # outside the main thread signal handling stays with the host
            with contextlib.suppress(ValueError):
                self._previous_handlers[signum] = signal.signal(signum, self._on_signal)
        reap_stale_runs(self.client, every_experiment(self.client))  # processes killed
        tags = {**self.tags, **owner_tags()}
        run = self.client.create_run(self.experiment_id, run_name=self.run_name, tags=tags)
        self.run_id = run.info.run_id
        self.artifact_uri = run.info.artifact_uri
        if self.writer is not None:
            self.writer.open(self.uri, self.run_id)
        return self

    @property
    def interrupted(self) -> bool:
        """Whether SIGINT or SIGTERM arrived while this run was open."""
        return self._stop_signal is not None

    def _on_signal(self, signum, frame) -> None:
        """First signal: stop at the next epoch boundary (never inside a store write).
        A second signal interrupts a long epoch at once. Once the run is stopping, further
        signals are only recorded: what follows (storing the last metrics, ``history.csv``,
        closing the run) is short and must not be cut."""
        if self._stop_signal is not None and not self._stopping:
            self._stopping = True
            raise KeyboardInterrupt(f"received signal {signum} twice")
        self._stop_signal = self._stop_signal or signum

    def __exit__(self, exc_type, exc, tb) -> bool:
        """Store what is buffered and close the run: FINISHED, or FAILED when it raised or a
        signal arrived before its status was written (``failure_reason=interrupted``, data
        kept). Signals during closing are recorded, never raised; one that arrived while the
        run was open raises ``KeyboardInterrupt`` once it is closed, even if it FINISHED."""
        self._stopping = True
        folder = None
        try:
            store_error = self._close(exc_type, exc, tb)
            if self.offline is not None:
                folder = self._save_unsent(exc_type)
        finally:
            with signals_deferred():
                for signum, handler in self._previous_handlers.items():
                    signal.signal(signum, handler)
                self._previous_handlers.clear()
        if self.offline is not None:
            raise StoreUnavailable(
                f"tracking store {redact(self.uri)} failed ({self.offline}); run {self.run_id}'s "
                f"{len(self._unsent)} unstored metric values and its artifacts are kept in "
                f"{folder}: once the store is back, upload them with "
                f"`python -m qml_entanglement.tracking.upload {folder}`"
            ) from None
        if store_error is not None and exc_type is None:
            raise store_error
        if exc_type is None and self.interrupted:
            raise KeyboardInterrupt(f"received signal {self._stop_signal}")
        return False

    def _close(self, exc_type, exc, tb) -> Exception | None:
        if self.run_id is None:  # interrupted before the run was created
            return None
        store_error: Exception | None = None
        try:
            self.flush()
            self._sync_writer()
        except Exception as error:  # metrics could not be stored: the run cannot be FINISHED
            store_error = error
        if self.offline is not None:  # mark it FAILED if the store answers at all; never wait
            self.status = "FAILED"
            with contextlib.suppress(Exception):
                self.client.set_tag(self.run_id, "failure_reason", "store_unavailable")
                self.client.set_terminated(self.run_id, "FAILED")
            if self.writer is not None:
                self.writer.close(self.run_id)
            return None
        try:
            if exc_type is None and store_error is None and not self.interrupted:
                self.client.set_terminated(self.run_id, "FINISHED")
                self.status = "FINISHED"
            elif exc_type is None and store_error is not None:
                self._mark_failed(type(store_error), store_error, store_error.__traceback__)
            elif exc_type is None:  # a signal arrived after the last step
                stop = KeyboardInterrupt(f"received signal {self._stop_signal}")
                self._mark_failed(KeyboardInterrupt, stop, None)
            else:
                self._mark_failed(exc_type, exc, tb)
        finally:
            if self.writer is not None:
                self.writer.close(self.run_id)
        return store_error

    def _sync_writer(self) -> None:
        """Wait for the writer to store this run's batches; write what it could not."""
        if self.writer is None:
            return
        leftover, _ = self.writer.sync(self.run_id)
        self._write(leftover)

    def _mark_failed(self, exc_type, exc, tb) -> None:
        """FAILED with the error as tag and ``error.txt``; ``failure_reason=interrupted`` when a
        signal arrived (whatever it broke: a library may wrap the ``KeyboardInterrupt``)."""
        self.status = "FAILED"
        interrupted = issubclass(exc_type, KeyboardInterrupt) or self.interrupted
        reason = "interrupted" if interrupted else "error"
        text = redact("".join(traceback.format_exception(exc_type, exc, tb)))
        try:
            message = redact(f"{exc_type.__name__}: {exc}")
            self.client.set_tag(self.run_id, "error", message[:TAG_LIMIT])
            self.client.set_tag(self.run_id, "failure_reason", reason)
            self.log_text(text, "error.txt")
        finally:
            self.client.set_terminated(self.run_id, "FAILED")

    # ----------------------------------------------------------------------------- logging
    def log_params(self, params: dict[str, Any]) -> None:
        items = [Param(k, str(v)[:6000]) for k, v in params.items()]
        for i in range(0, len(items), _BATCH_PARAMS):
            self.client.log_batch(self.run_id, params=items[i : i + _BATCH_PARAMS])

    def set_tags(self, tags: dict[str, Any]) -> None:
        items = [RunTag(k, str(v)[:TAG_LIMIT]) for k, v in tags.items()]
        self.client.log_batch(self.run_id, tags=items)

    def log_epoch(self, step: int, metrics: dict[str, float]) -> None:
        """Buffer one epoch's metrics (non-finite values are skipped); flush when due.

        Raises ``KeyboardInterrupt`` (after buffering) once SIGINT or SIGTERM has arrived.
        """
        stamp = int(time.time() * 1000)
        self._buffer.extend(
            (k, float(v), stamp, step) for k, v in metrics.items() if math.isfinite(v)
        )
        handover = self.writer is not None and self.writer.ready()
        interval = min(HANDOVER_SECONDS, self.flush_seconds) if handover else self.flush_seconds
        if time.monotonic() - self._last_flush >= interval:
            self.flush()
        if self._stop_signal is not None:
            self._stopping = True
            raise KeyboardInterrupt(f"received signal {self._stop_signal}")
        if self.offline is not None:  # stop training: nothing more can be stored
            self._stopping = True
            self._cut_short = True  # training did not finish: the run is FAILED, not resumable
            raise StoreUnavailable(f"tracking store {redact(self.uri)} failed: {self.offline}")

    def log_final(self, metrics: dict[str, float]) -> None:
        """Summary metrics without a step history (logged at step 0)."""
        self.log_epoch(0, metrics)

    def flush(self) -> None:
        """Hand the buffered metrics to the writer process if it is ready, else store them.

        The rows leave the buffer only once handed over or stored, so an interruption half-way
        loses nothing (a row stored twice is stored once: MLflow ignores exact duplicates).
        """
        rows = self._buffer
        if rows and (self.writer is None or not self.writer.submit(self.uri, self.run_id, rows)):
            self._write(rows)
        self._buffer = []
        self._last_flush = time.monotonic()
        if self.writer is not None:  # batches the writer could not store: try them here
            failed = self.writer.take_failed(self.run_id)
            if failed:
                self._write(failed)

    def _write(self, rows: list[Row]) -> None:
        """Store *rows*; once the store has failed, keep them for :meth:`_save_unsent`."""
        metrics = [Metric(*row) for row in rows]
        for attempt in range(STORE_ATTEMPTS):
            if self.offline is not None:
                break
            try:
                for i in range(0, len(metrics), BATCH_METRICS):
                    self.client.log_batch(self.run_id, metrics=metrics[i : i + BATCH_METRICS])
                return
            except Exception as error:  # server gone, disk full, ...: keep everything locally
                if attempt + 1 == STORE_ATTEMPTS:
                    self._go_offline(error)
                else:  # a lock held a moment too long is not a failed store
                    time.sleep(1.0)
        self._unsent.extend(rows)  # (the part stored before the failure is kept twice)

    def _go_offline(self, error: BaseException) -> None:
        self.offline = error_summary(error)
        if self.writer is not None:
            self.writer.broken = True  # its batches come back from sync, into the unsent file

    def unsent_dir(self) -> Path:
        return UNSENT_ROOT / str(self.run_id)

    def _save_unsent(self, exc_type) -> Path:
        """Write the unstored metrics and a note of the run to ``mlruns/unsent/<run id>/``."""
        folder = self.unsent_dir()
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "metrics.csv", "w", newline="") as handle:
            out = csv.writer(handle)
            out.writerow(["key", "value", "timestamp", "step"])
            out.writerows(self._unsent)
        note = {
            "run_id": self.run_id,
            "experiment_id": self.experiment_id,
            "tracking_uri": redact(self.uri),
            "error": self.offline,
            # FINISHED only if training ran to its end and only the storing failed after it
            "status": "FINISHED"
            if exc_type in (None, StoreUnavailable) and not self._cut_short
            else "FAILED",
            "failure_reason": "store_unavailable",
        }
        (folder / "run.json").write_text(json.dumps(note, indent=1))
        return folder

    def log_artifact(self, path: str | Path, artifact_path: str | None = None) -> None:
        """Log an artifact; once the store has failed, keep a copy in the unsent folder."""
        if self.offline is None:
            try:
                self.client.log_artifact(self.run_id, str(path), artifact_path)
                return
            except Exception as error:
                self._go_offline(error)
        target = self.unsent_dir() / "artifacts" / (artifact_path or "")
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target / Path(path).name)

    def log_text(self, text: str, name: str) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp) / name
            target.write_text(text)
            self.log_artifact(target)
