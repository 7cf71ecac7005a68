"""Our tracking in your own training loop: ``qml_entanglement.track``.

A run tracked this way looks exactly like one of ours: the same metric names computed by the
same code (:func:`qml_entanglement.metrics.summary.entanglement_summary` on the states
you pass: Meyer-Wallach, single-qubit and half-cut entropies for pure states; negativity and
purity for density matrices), the same batching and background writer, params from your
config, the tags the comparison stage reads (``seed``, ``entanglement_metrics``,
``config_hash``), ``history.csv`` and the figures as artifacts, and FAILED with the error when
the block raises (what was logged is kept). So it appears in the same MLflow UI and in
``make compare``::

    import qml_entanglement as qe

    with qe.track(experiment="my-study", config={"seed": 0, "lr": 0.01}) as run:
        for epoch in range(epochs):
            ...  # your update
            run.log_epoch(epoch, loss=loss, states=states)  # (B, 2**n) or (B, 2**n, 2**n)

The run's id and its link are printed (stdout) when it starts, its status when it ends.
Examples with qiskit-machine-learning and PennyLane: ``docs/track_your_loop.md``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..metrics.summary import MIXED_STATE_METRICS, PURE_STATE_METRICS, entanglement_summary
from .run_identity import flatten
from .store import resolve_tracking_uri
from .ui_links import run_link, view_hint
from .uri import preflight, redact
from .writer import start_writer, wants_writer


class TrackedRun:
    """The handle ``track`` yields: ``log_epoch`` once per epoch (or step)."""

    def __init__(self, logger, artifact_dir: Path):
        self._logger = logger
        self._dir = artifact_dir
        self.history: list[dict[str, float]] = []
        self.mixed: bool | None = None

    @property
    def run_id(self) -> str:
        return self._logger.run_id

    def log_epoch(
        self,
        step: int,
        *,
        loss: float | None = None,
        states: Any = None,
        big_endian: bool = False,
        **metrics: float,
    ) -> dict[str, float]:
        """Log step ``step``: ``loss``, any other ``metrics`` by name, and every entanglement
        metric of ``states`` (a batch of statevectors ``(B, 2**n)`` or density matrices
        ``(B, 2**n, 2**n)``; one state is a batch of one), averaged over the batch with
        ``*_std``. Qubit order is qiskit's (qubit 0 = least significant bit);
        ``big_endian=True`` for PennyLane and Cirq states (wire 0 = most significant bit),
        which then get the same half cut as in our runs. Returns what was logged."""
        record = {} if loss is None else {"loss": float(loss)}
        record.update({k: float(v) for k, v in metrics.items()})
        if states is not None:
            batch = _as_batch(states)
            if big_endian:
                batch = _reverse_qubits(batch)
            mixed = batch.ndim == 3
            if self.mixed is None:
                self.mixed = mixed
                names = MIXED_STATE_METRICS if mixed else PURE_STATE_METRICS
                self._logger.set_tags({"entanglement_metrics": ",".join(names)})
            record.update(entanglement_summary(batch))
        self.history.append({"epoch": step, **record})
        self._logger.log_epoch(step, record)
        return record

    def _finish(self) -> None:
        """``history.csv`` and the figures, as artifacts (also for a failed run)."""
        if not self.history:
            return
        import pandas as pd

        from ..history_figures import plot_history

        frame = pd.DataFrame(self.history)
        path = self._dir / "history.csv"
        frame.to_csv(path, index=False)
        self._logger.log_artifact(path)
        if "loss" in frame:
            names = MIXED_STATE_METRICS if self.mixed else PURE_STATE_METRICS
            for figure in plot_history(
                frame, names, self._dir / "plots", title=self._logger.run_name
            ):
                self._logger.log_artifact(figure, "plots")


def _as_batch(states: Any) -> np.ndarray:
    """States as a complex batch: ``(B, d)`` statevectors or ``(B, d, d)`` density matrices;
    qiskit ``Statevector`` / ``DensityMatrix`` objects and lists of them are accepted."""
    if isinstance(states, list | tuple):
        states = [getattr(s, "data", s) for s in states]
    array = np.asarray(getattr(states, "data", states), dtype=complex)
    if array.ndim == 1:
        return array[None]
    if array.ndim == 2 and array.shape[0] == array.shape[1] and _is_density(array):
        return array[None]
    return array


def _reverse_qubits(batch: np.ndarray) -> np.ndarray:
    """The same states with the qubit order reversed (big- to little-endian)."""
    n = int(np.log2(batch.shape[1]))
    axes = [2] * n
    if batch.ndim == 2:
        return batch.reshape(-1, *axes).transpose(0, *range(n, 0, -1)).reshape(batch.shape)
    order = [0, *range(n, 0, -1), *range(2 * n, n, -1)]
    return batch.reshape(-1, *axes, *axes).transpose(order).reshape(batch.shape)


def _is_density(matrix: np.ndarray) -> bool:
    return bool(
        np.allclose(matrix, matrix.conj().T, atol=1e-10)
        and abs(np.trace(matrix) - 1) < 1e-8
        and matrix.shape[0] > 1
    )


def _config_hash(params: Mapping[str, Any]) -> str:
    text = json.dumps({k: str(v) for k, v in sorted(params.items())})
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@contextlib.contextmanager
def track(
    experiment: str = "qml-entanglement",
    config: Mapping[str, Any] | None = None,
    *,
    run_name: str | None = None,
    uri: str | None = None,
    tags: Mapping[str, str] | None = None,
    writer: str = "auto",
) -> Iterator[TrackedRun]:
    """Track a training loop of your own as an MLflow run of ``experiment``.

    Parameters
    ----------
    experiment : str
        MLflow experiment, created if missing.
    config : mapping, optional
        Your settings (nested mappings are flattened to ``a.b`` params); ``seed`` (a replicate,
        never a setting, for the comparison stage), ``dataset`` and ``model`` also become tags.
    run_name : str, optional
        The run's name; default ``"<model>-<dataset>"`` from ``config``, else ``"run"``.
    uri : str, optional
        Tracking URI; ``$MLFLOW_TRACKING_URI``, else the project's store
        (``<project root>/mlruns/mlflow.db`` from any directory).
    tags : mapping, optional
        More run tags.
    writer : {"auto", "process", "inline"}
        Metrics stored by a background process (``auto``: on machines with a spare core) or
        by this one.

    Yields
    ------
    TrackedRun
        Call ``run.log_epoch(step, loss=..., states=..., **metrics)`` each epoch.
    """
    from .run_logger import RunLogger

    uri = resolve_tracking_uri(uri)
    preflight(uri)
    params = flatten(dict(config or {}))
    described = {k: str(v) for k, v in (config or {}).items() if k in ("dataset", "model")}
    name = run_name or "-".join(described.get(k, "") for k in ("model", "dataset")).strip("-")
    run_tags = {
        **described,
        **({"seed": str(params["seed"])} if "seed" in params else {}),
        "config_hash": _config_hash(params),
        "source": "qml_entanglement.track",
        **dict(tags or {}),
    }
    process = start_writer() if wants_writer(writer, in_sweep=False) else None
    logger = RunLogger(uri, experiment, name or "run", run_tags, writer=process)
    status, run = "FAILED", None
    try:
        with tempfile.TemporaryDirectory(prefix="qml-track-") as folder, logger:
            _say_where(logger, uri)
            if params:
                logger.log_params(params)
            run = TrackedRun(logger, Path(folder))
            try:
                yield run
                status = "FINISHED"
            finally:
                with contextlib.suppress(Exception):  # the run's own error matters more
                    run._finish()
    finally:
        if logger.run_id is not None:
            steps = len(run.history) if run is not None else 0
            print(f"run {logger.run_id} {status} ({steps} steps logged)", flush=True)


def _say_where(logger, uri: str) -> None:
    """The run's id and the link to it, on stdout, as soon as the run exists."""
    link = run_link(uri, logger.experiment_id, logger.run_id)
    print(
        f"run {logger.run_id} ({logger.run_name}) tracking into {redact(uri)}\n"
        f"  view it: {view_hint(uri)} {link}",
        flush=True,
    )
