"""A run logger that buffers per-epoch metrics and writes them to MLflow in batches.

On the sqlite store one ``log_metric`` call costs about 10 ms, more than a whole epoch of the
engine, so metrics are buffered and flushed with ``log_batch`` every ``flush_seconds``, at the
end, and on any exception, Ctrl-C or SIGTERM: nothing logged is lost. A run that does not end
normally is marked FAILED with the error text as a tag and an ``error.txt`` artifact.
"""

from __future__ import annotations

import contextlib
import math
import signal
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from mlflow.entities import Metric, Param, RunTag

from .store import ensure_experiment, ensure_store

_BATCH_METRICS = 1000  # MLflow's limit per log_batch call
_BATCH_PARAMS = 100
_TAG_LIMIT = 5000


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
    ):
        self.uri = uri
        self.client = ensure_store(uri)
        self.experiment_id = ensure_experiment(self.client, uri, experiment)
        self.run_name = run_name
        self.tags = dict(tags or {})
        self.flush_seconds = flush_seconds
        self._buffer: list[Metric] = []
        self._last_flush = time.monotonic()
        self.run_id: str | None = None
        self._previous_handlers: dict[int, object] = {}
        self._stop_signal: int | None = None

    # --------------------------------------------------------------------------- lifecycle
    def __enter__(self) -> RunLogger:
        run = self.client.create_run(self.experiment_id, run_name=self.run_name, tags=self.tags)
        self.run_id = run.info.run_id
        self.artifact_uri = run.info.artifact_uri
        for signum in (signal.SIGINT, signal.SIGTERM):
            # outside the main thread signal handling stays with the host
            with contextlib.suppress(ValueError):
                self._previous_handlers[signum] = signal.signal(signum, self._on_signal)
        return self

    def _on_signal(self, signum, frame) -> None:
        """First signal: stop at the next epoch boundary (never inside a store write).
        A second signal interrupts at once."""
        if self._stop_signal is not None:
            raise KeyboardInterrupt(f"received signal {signum} twice")
        self._stop_signal = signum

    def __exit__(self, exc_type, exc, tb) -> bool:
        for signum, handler in self._previous_handlers.items():
            signal.signal(signum, handler)
        try:
            self.flush()
        finally:
            if exc_type is None:
                self.client.set_terminated(self.run_id, "FINISHED")
            else:
                self._mark_failed(exc_type, exc, tb)
        return False

    def _mark_failed(self, exc_type, exc, tb) -> None:
        reason = "interrupted" if issubclass(exc_type, KeyboardInterrupt) else "error"
        text = "".join(traceback.format_exception(exc_type, exc, tb))
        try:
            message = f"{exc_type.__name__}: {exc}"
            self.client.set_tag(self.run_id, "error", message[:_TAG_LIMIT])
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
        items = [RunTag(k, str(v)[:_TAG_LIMIT]) for k, v in tags.items()]
        self.client.log_batch(self.run_id, tags=items)

    def log_epoch(self, step: int, metrics: dict[str, float]) -> None:
        """Buffer one epoch's metrics (non-finite values are skipped); flush when due.

        Raises ``KeyboardInterrupt`` (after buffering) once SIGINT or SIGTERM has arrived.
        """
        stamp = int(time.time() * 1000)
        self._buffer.extend(
            Metric(k, float(v), stamp, step) for k, v in metrics.items() if math.isfinite(v)
        )
        if time.monotonic() - self._last_flush >= self.flush_seconds:
            self.flush()
        if self._stop_signal is not None:
            raise KeyboardInterrupt(f"received signal {self._stop_signal}")

    def log_final(self, metrics: dict[str, float]) -> None:
        """Summary metrics without a step history (logged at step 0)."""
        self.log_epoch(0, metrics)

    def flush(self) -> None:
        buffer, self._buffer = self._buffer, []
        for i in range(0, len(buffer), _BATCH_METRICS):
            self.client.log_batch(self.run_id, metrics=buffer[i : i + _BATCH_METRICS])
        self._last_flush = time.monotonic()

    def log_artifact(self, path: str | Path, artifact_path: str | None = None) -> None:
        self.client.log_artifact(self.run_id, str(path), artifact_path)

    def log_text(self, text: str, name: str) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp) / name
            target.write_text(text)
            self.client.log_artifact(self.run_id, str(target))
