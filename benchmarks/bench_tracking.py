"""Benchmark: the share of a training run's wall time spent in MLflow tracking.

A 200-epoch run of workload S (qiskit ad hoc data, 2 qubits, 100 samples, ZZFeatureMap(reps=2)
+ RealAmplitudes(reps=1), cross-entropy, Adam, all entanglement metrics) goes through the real
training loop (:func:`qml_entanglement.training.loop.train`) three ways:

``no tracking``
    ``on_epoch=None``: the run's own cost.
``RunLogger (buffered)``
    The pipeline's :class:`~qml_entanglement.tracking.RunLogger` with its default
    ``flush_seconds`` (metrics buffered, written with ``log_batch`` every few seconds and at
    the end).
``naive log_metrics``
    ``mlflow.log_metrics(metrics, step=epoch)`` once per epoch inside
    ``mlflow.start_run()``, as most tutorials do.

The store is a fresh sqlite database in a temporary directory; creating it and the experiment
is setup (as ``make store`` does once), not tracking.  Tracking time is everything the
tracking code does for the run: creating and ending the run and every per-epoch call
(including the final flush).  ``share`` = tracking seconds / the run's wall seconds.

Run standalone (``python benchmarks/bench_tracking.py [--quick]``) to print a table, or call
:func:`run` to get the rows as dicts.
"""

from __future__ import annotations

import argparse
import inspect
import logging
import statistics
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

EXPERIMENT = "bench-tracking"
SEED = 0
EPOCHS = 200
GOAL_SHARE = 0.10


@dataclass
class Stopwatch:
    """Accumulates the time spent inside ``with stopwatch.timing():`` blocks."""

    seconds: float = 0.0

    @contextmanager
    def timing(self):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds += time.perf_counter() - start


def workload_s():
    """Classifier, cached encodings, labels and initial parameters of workload S."""
    from qml_entanglement.data import load_dataset
    from qml_entanglement.engine import StatevectorSimulator
    from qml_entanglement.models import build_ansatz, build_feature_map
    from qml_entanglement.models.readout import parity_readout
    from qml_entanglement.training.classifier import QuantumClassifier
    from qml_entanglement.training.loop import EncodedData
    from qml_entanglement.training.losses import CrossEntropy

    data = load_dataset("ad_hoc", seed=SEED, num_features=2, training_size=50, test_size=1, gap=0.3)
    simulator = StatevectorSimulator(
        build_feature_map("zz", 2, 2), build_ansatz("real_amplitudes", 2, 1, "reverse_linear")
    )
    classifier = QuantumClassifier(simulator, parity_readout(2), CrossEntropy())
    encoded = EncodedData(simulator.encode(data.x_train), np.asarray(data.y_train), None, None)
    theta0 = np.random.default_rng(SEED).uniform(-np.pi, np.pi, simulator.num_parameters)
    return classifier, encoded, theta0


def train_once(workload, epochs: int, on_epoch: Callable | None) -> None:
    from qml_entanglement.training.loop import train
    from qml_entanglement.training.optimizers import Adam

    classifier, encoded, theta0 = workload
    train(
        classifier,
        encoded,
        Adam(lr=0.05),
        theta0,
        epochs=epochs,
        batch_size=None,
        rng=np.random.default_rng(SEED),
        on_epoch=on_epoch,
    )


Timing = tuple[float, dict[str, float]]  # run wall seconds, tracking seconds by phase


def run_untracked(workload, uri: str, epochs: int) -> Timing:
    start = time.perf_counter()
    train_once(workload, epochs, None)
    return time.perf_counter() - start, {"start": 0.0, "epochs": 0.0, "end": 0.0}


def run_buffered(workload, uri: str, epochs: int) -> Timing:
    """The pipeline's RunLogger with its default flush interval."""
    from qml_entanglement.tracking import RunLogger

    phases = {name: Stopwatch() for name in ("start", "epochs", "end")}
    start = time.perf_counter()
    with phases["start"].timing():
        logger = RunLogger(uri, EXPERIMENT, "buffered")
        logger.__enter__()
    try:

        def on_epoch(step: int, metrics: dict[str, float]) -> None:
            with phases["epochs"].timing():
                logger.log_epoch(step, metrics)

        train_once(workload, epochs, on_epoch)
    finally:
        with phases["end"].timing():
            logger.__exit__(None, None, None)
    return time.perf_counter() - start, {k: v.seconds for k, v in phases.items()}


def run_naive(workload, uri: str, epochs: int) -> Timing:
    """One ``mlflow.log_metrics`` call per epoch through the fluent API."""
    import mlflow

    previous = mlflow.get_tracking_uri()
    phases = {name: Stopwatch() for name in ("start", "epochs", "end")}
    start = time.perf_counter()
    try:
        with phases["start"].timing():
            mlflow.set_tracking_uri(uri)
            mlflow.set_experiment(EXPERIMENT)
            mlflow.start_run(run_name="naive")
        try:

            def on_epoch(step: int, metrics: dict[str, float]) -> None:
                with phases["epochs"].timing():
                    mlflow.log_metrics(metrics, step=step)

            train_once(workload, epochs, on_epoch)
        finally:
            with phases["end"].timing():
                mlflow.end_run()
        return time.perf_counter() - start, {k: v.seconds for k, v in phases.items()}
    finally:
        mlflow.set_tracking_uri(previous)


VARIANTS = {
    "no tracking": run_untracked,
    "RunLogger (buffered)": run_buffered,
    "naive log_metrics per epoch": run_naive,
}


def run_with(epochs: int = EPOCHS, repeats: int = 3) -> list[dict]:
    """Rows per variant: median run wall time, tracking time and its share."""
    from qml_entanglement.tracking import RunLogger, ensure_experiment, ensure_store

    for name in ("mlflow", "alembic", "sqlalchemy"):
        logging.getLogger(name).setLevel(logging.WARNING)
    flush_seconds = inspect.signature(RunLogger).parameters["flush_seconds"].default
    workload = workload_s()
    train_once(workload, 2, None)  # warm up the engine's caches and imports
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_tracking_") as tmp:
        uri = f"sqlite:///{Path(tmp) / 'mlflow.db'}"
        ensure_experiment(ensure_store(uri), uri, EXPERIMENT)  # setup, as `make store`
        results = {name: [] for name in VARIANTS}
        for _ in range(repeats):  # interleaved, so drifting machine load hits all alike
            for name, variant in VARIANTS.items():
                results[name].append(variant(workload, uri, epochs))
    base = statistics.median(total for total, _ in results["no tracking"])
    for name, runs in results.items():
        total = statistics.median(t for t, _ in runs)
        tracking = statistics.median(sum(p.values()) for _, p in runs)
        phase = {k: 1000 * statistics.median(p[k] for _, p in runs) for k in runs[0][1]}
        share = tracking / total if total > 0 else 0.0
        note = f"median of {repeats}; run without tracking {base:.3f} s"
        if tracking > 0:
            note += (
                f"; tracking ms: start run {phase['start']:.0f}, per-epoch calls "
                f"{phase['epochs']:.0f}, end run (incl. final flush) {phase['end']:.0f}"
            )
        if name == "RunLogger (buffered)":
            verdict = "met" if share < GOAL_SHARE else "MISSED"
            note += f"; flush_seconds={flush_seconds:g}; goal < {GOAL_SHARE:.0%}: {verdict}"
        rows.append(
            {
                "benchmark": "tracking",
                "case": name,
                "epochs": epochs,
                "seconds": total,
                "tracking_seconds": tracking,
                "share": share,
                "ms_per_epoch": 1000.0 * tracking / epochs,
                "note": note,
            }
        )
    return rows


def run(quick: bool = False) -> list[dict]:
    """Benchmark rows; ``quick`` runs each variant once instead of three times."""
    return run_with(EPOCHS, repeats=1 if quick else 3)


def format_table(rows: list[dict]) -> str:
    width = max(len(r["case"]) for r in rows)
    lines = [
        f"{'case':<{width}} {'epochs':>6} {'run [s]':>8} {'tracking [s]':>12} {'share':>7} "
        f"{'ms/epoch':>9}  note"
    ]
    for r in rows:
        lines.append(
            f"{r['case']:<{width}} {r['epochs']:>6} {r['seconds']:8.3f} "
            f"{r['tracking_seconds']:12.3f} {r['share']:7.1%} {r['ms_per_epoch']:9.2f}  "
            f"{r['note']}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run per variant")
    args = parser.parse_args(argv)
    print(format_table(run(quick=args.quick)))


if __name__ == "__main__":
    main()
