"""Benchmark: the share of a training run's wall time spent in MLflow tracking.

Workload S (qiskit ad hoc data, 2 qubits, 100 samples, ZZFeatureMap(reps=2) +
RealAmplitudes(reps=1), cross-entropy, Adam, all entanglement metrics), 200 epochs, timed two
ways on a fresh sqlite store (creating it and the experiment is setup, as ``make store`` does
once, not tracking).

**The pipeline run** (the headline): :func:`qml_entanglement.training.run_experiment`, what
``python pipelines/train.py`` runs once its imports are done: build, the MLflow run with its
params, 200 epochs, history.csv, plots and artifacts. Every call into the run logger
(:class:`~qml_entanglement.tracking.RunLogger`: creating the run, params, per-epoch metrics,
artifacts, the final flush and the run's status) is timed; ``share`` = those seconds / the
run's wall seconds. Two cases, by ``tracking.writer``:

``pipeline, writer process``
    the default for a single run: metric batches go to a background process that stores them on
    the other core while training and plotting go on (its CPU seconds are in the note);
``pipeline, in process``
    the same run storing its metrics itself (what sweep jobs do).

**The training loop alone** (:func:`qml_entanglement.training.loop.train`, 0.1 s of work):

``no tracking``
    ``on_epoch=None``: the loop's own cost.
``loop, RunLogger in process`` / ``loop, RunLogger + writer process``
    the run logger with its default ``flush_seconds``, storing metrics itself or through a
    ready writer process.
``naive log_metrics per epoch``
    ``mlflow.log_metrics(metrics, step=epoch)`` once per epoch inside ``mlflow.start_run()``,
    as most tutorials do.

Here tracking time is creating and ending the run and every per-epoch call, and ``share`` =
tracking seconds / the loop's wall seconds with tracking. Creating and closing an MLflow run
alone costs some 20 ms on sqlite, a fifth of this loop, so no logger gets under 10% here: the
goal is judged on the pipeline run.

Run standalone (``python benchmarks/bench_tracking.py [--quick]``) to print a table, or call
:func:`run` to get the rows as dicts.
"""

from __future__ import annotations

import argparse
import functools
import inspect
import logging
import os
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
    """Workload S as a built experiment: ad hoc data (100 samples, cached encodings), ZZ
    (reps 2) + RealAmplitudes (reps 1, reverse_linear), cross-entropy; no test set."""
    from functools import partial

    from qml_entanglement.data import load_dataset
    from qml_entanglement.engine import StatevectorSimulator
    from qml_entanglement.models import VQC
    from qml_entanglement.models.ansatze import real_amplitudes
    from qml_entanglement.models.feature_maps import zz
    from qml_entanglement.training import builtin_measures as builtin
    from qml_entanglement.training.classifier import QuantumClassifier
    from qml_entanglement.training.experiment import EncodedData, Experiment
    from qml_entanglement.training.losses import CrossEntropy
    from qml_entanglement.training.measures import MeasureContext

    data = load_dataset("ad_hoc", seed=SEED, num_features=2, training_size=50, test_size=1, gap=0.3)
    model = VQC(
        2,
        partial(zz, reps=2, entanglement="full", alpha=2.0),
        partial(real_amplitudes, reps=1, entanglement="reverse_linear"),
        readout="parity",
        init_low=-np.pi,
        init_high=np.pi,
        init_generator="default",
        init_seed=SEED,
    )
    simulator = StatevectorSimulator(model.feature_map, model.ansatz)
    classifier = QuantumClassifier(simulator, model.readout, CrossEntropy())
    encoded = EncodedData(simulator.encode(data.x_train), np.asarray(data.y_train), None, None)
    context = MeasureContext(None, SEED, data, model, simulator, classifier, encoded)
    measures = [builtin.performance(context), builtin.gradient(context)]
    measures.append(builtin.entanglement(context))
    return Experiment(data, model, classifier, None, encoded, 0, None, SEED, measures=measures)


def train_once(workload, epochs: int, on_epoch: Callable | None) -> None:
    from dataclasses import replace

    from qml_entanglement.training.callbacks import EpochHook
    from qml_entanglement.training.loop import train
    from qml_entanglement.training.optimizers import Adam

    experiment = replace(workload, optimizer=Adam(lr=0.05), epochs=epochs)
    train(experiment, [EpochHook(on_epoch)] if on_epoch else [])


Timing = tuple[float, dict[str, float]]  # run wall seconds, tracking seconds by phase


def run_untracked(workload, uri: str, epochs: int) -> Timing:
    start = time.perf_counter()
    train_once(workload, epochs, None)
    return time.perf_counter() - start, {"start": 0.0, "epochs": 0.0, "end": 0.0}


def _run_logged(workload, uri: str, epochs: int, writer) -> Timing:
    from qml_entanglement.tracking import RunLogger

    phases = {name: Stopwatch() for name in ("start", "epochs", "end")}
    start = time.perf_counter()
    with phases["start"].timing():
        logger = RunLogger(uri, EXPERIMENT, "buffered", writer=writer)
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


def run_buffered(workload, uri: str, epochs: int) -> Timing:
    """The pipeline's RunLogger with its default flush interval, storing metrics itself."""
    return _run_logged(workload, uri, epochs, writer=None)


def run_with_writer(workload, uri: str, epochs: int) -> Timing:
    """The RunLogger handing its metrics to a ready writer process."""
    return _run_logged(workload, uri, epochs, writer=ready_writer())


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
    "loop, RunLogger in process": run_buffered,
    "loop, RunLogger + writer process": run_with_writer,
    "naive log_metrics per epoch": run_naive,
}
PIPELINE_CASES = {"pipeline, writer process": "process", "pipeline, in process": "inline"}


@functools.cache
def ready_writer():
    """This process's metric writer, started and waited for (``pipelines/train.py`` starts it
    first thing, so it is ready by the time a run has built its circuits)."""
    from qml_entanglement.tracking.writer import start_writer

    writer = start_writer()
    deadline = time.monotonic() + 120
    while not writer.ready():
        if time.monotonic() > deadline:
            raise RuntimeError("the metric writer process did not start")
        time.sleep(0.01)
    return writer


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (Linux ``/proc``)."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def timed_run_logger():
    """Time every call into :class:`RunLogger` (outermost calls only) while inside."""
    from qml_entanglement.tracking.run_logger import RunLogger

    watch, depth = Stopwatch(), [0]
    names = ("__init__", "__enter__", "__exit__", "log_params", "set_tags", "log_epoch")
    names += ("log_final", "flush", "log_artifact", "log_text")
    originals = {name: RunLogger.__dict__[name] for name in names}

    def timed(method):
        @functools.wraps(method)
        def wrapper(*args, **kwargs):
            if depth[0]:
                return method(*args, **kwargs)
            depth[0] += 1
            try:
                with watch.timing():
                    return method(*args, **kwargs)
            finally:
                depth[0] -= 1

        return wrapper

    for name, method in originals.items():
        setattr(RunLogger, name, timed(method))
    try:
        yield watch
    finally:
        for name, method in originals.items():
            setattr(RunLogger, name, method)


def pipeline_config(uri: str, epochs: int, writer: str):
    from hydra import compose, initialize_config_dir

    conf = Path(__file__).resolve().parents[1] / "conf"
    overrides = [
        "experiment=vqc_adhoc",
        "loss=cross_entropy",
        "dataset.training_size=50",  # 100 samples, as workload S
        f"trainer.epochs={epochs}",
        f"tracking.uri={uri}",
        f"tracking.experiment={EXPERIMENT}",
        f"tracking.writer={writer}",
    ]
    with initialize_config_dir(config_dir=str(conf), version_base="1.3"):
        return compose(config_name="train", overrides=overrides)


def run_pipeline(uri: str, epochs: int, writer: str) -> tuple[float, float, float]:
    """(run wall seconds, seconds inside the run logger, writer process CPU seconds)."""
    from qml_entanglement.training import run_experiment

    cfg = pipeline_config(uri, epochs, writer)
    process = ready_writer().process.pid
    cpu_before = cpu_seconds(process)
    with timed_run_logger() as watch:
        start = time.perf_counter()
        run_experiment(cfg, progress=False)
        wall = time.perf_counter() - start
    return wall, watch.seconds, cpu_seconds(process) - cpu_before


def run_with(epochs: int = EPOCHS, repeats: int = 3) -> list[dict]:
    """Rows per case: median run wall time, tracking time and its share."""
    import contextlib
    import io

    from qml_entanglement.tracking import RunLogger, ensure_experiment, ensure_store

    for name in ("mlflow", "alembic", "sqlalchemy"):
        logging.getLogger(name).setLevel(logging.WARNING)
    flush_seconds = inspect.signature(RunLogger).parameters["flush_seconds"].default
    workload = workload_s()
    train_once(workload, 2, None)  # warm up the engine's caches and imports
    ready_writer()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_tracking_") as tmp:
        uri = f"sqlite:///{Path(tmp) / 'mlflow.db'}"
        ensure_experiment(ensure_store(uri), uri, EXPERIMENT)  # setup, as `make store`
        with contextlib.redirect_stderr(io.StringIO()):  # the runs' summary lines
            run_pipeline(uri, 2, "process")  # warm up plotting and the writer's connection
            pipeline = {name: [] for name in PIPELINE_CASES}
            loop = {name: [] for name in VARIANTS}
            for _ in range(repeats):  # interleaved, so drifting machine load hits all alike
                for name, mode in PIPELINE_CASES.items():
                    pipeline[name].append(run_pipeline(uri, epochs, mode))
                for name, variant in VARIANTS.items():
                    loop[name].append(variant(workload, uri, epochs))
    for name, runs in pipeline.items():
        total = statistics.median(r[0] for r in runs)
        tracking = statistics.median(r[1] for r in runs)
        share = tracking / total
        writer_cpu = statistics.median(r[2] for r in runs)
        verdict = "met" if share < GOAL_SHARE else "MISSED"
        note = f"median of {repeats}; goal < {GOAL_SHARE:.0%}: {verdict}"
        if PIPELINE_CASES[name] == "process":
            note += f"; the writer process used {writer_cpu:.3f} s CPU on the other core"
        rows.append(_row(name, epochs, total, tracking, note))
    base = statistics.median(total for total, _ in loop["no tracking"])
    for name, runs in loop.items():
        total = statistics.median(t for t, _ in runs)
        tracking = statistics.median(sum(p.values()) for _, p in runs)
        phase = {k: 1000 * statistics.median(p[k] for _, p in runs) for k in runs[0][1]}
        note = f"median of {repeats}; loop without tracking {base:.3f} s"
        if tracking > 0:
            note += (
                f"; tracking ms: start run {phase['start']:.0f}, per-epoch calls "
                f"{phase['epochs']:.0f}, end run (incl. final flush) {phase['end']:.0f}"
            )
        if name.startswith("loop, RunLogger"):
            note += f"; flush_seconds={flush_seconds:g}"
        rows.append(_row(name, epochs, total, tracking, note))
    return rows


def _row(case: str, epochs: int, seconds: float, tracking: float, note: str) -> dict:
    return {
        "benchmark": "tracking",
        "case": case,
        "epochs": epochs,
        "seconds": seconds,
        "tracking_seconds": tracking,
        "share": tracking / seconds if seconds > 0 else 0.0,
        "ms_per_epoch": 1000.0 * tracking / epochs,
        "note": note,
    }


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
