"""Benchmark: a large run through the real pipeline, its memory against the machine's.

Issue 28 asks for n = 20 with 500 training samples trained within 24 GiB. One point runs
``pipelines/train.py`` in a subprocess, as a user would: blobs (symmetric centres) with
``num_features = n``, ZZFeatureMap(reps 2, full) + RealAmplitudes(reps 3, reverse linear),
cross-entropy, Adam, 8 probed states measured per epoch, into a temporary sqlite store. It
records the run's peak resident memory (``getrusage(RUSAGE_CHILDREN).ru_maxrss`` read by a
fresh wrapper interpreter whose only child is the run), the run's own memory estimate
(``training/resources.py``), the engine path it logged, its per-epoch seconds (the
``epoch_seconds`` metric, median over the epochs after the first) and the wall time of the
whole run (interpreter start, data, feature-map compile and encoding of every sample,
training, tracking).

Rows: ``n, train, test, epochs, wall_s, epoch_s, peak_gib, estimate_gib, machine_gib, path,
final_loss``. ``--quick``: n = 14 with 200 training samples (the full point takes minutes).
"""

from __future__ import annotations

import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
GIB = 1024**3
FULL_POINTS = ((20, 500, 2),)  # qubits, training samples, epochs
QUICK_POINTS = ((14, 200, 3),)
TEST_FRACTION = 0.25
# runs its arguments as the one child and prints that child's peak resident KiB last
WRAPPER = (
    "import resource, subprocess, sys; code = subprocess.run(sys.argv[1:]).returncode; "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(code)"
)


def _overrides(n: int, train: int, epochs: int, store: Path) -> list[str]:
    samples = math.ceil(train / (1 - TEST_FRACTION))
    return [
        "dataset=blobs",
        "dataset.centers=symmetric",
        f"dataset.num_features={n}",
        f"dataset.n_samples={samples}",
        f"dataset.test_size={TEST_FRACTION}",
        "model.feature_map.reps=2",
        "model.ansatz.reps=3",
        "model.ansatz.entanglement=reverse_linear",
        "loss=cross_entropy",
        "optimizer=adam",
        f"trainer.epochs={epochs}",
        "metrics.probe_size=8",
        "callbacks.history_figures=null",
        "tracking.circuit_image=false",
        f"tracking.uri=sqlite:///{store}",
    ]


def _estimate_gib(overrides: list[str]) -> float:
    """The estimate the run itself checks before building (``training/experiment.py``), from
    the same composed config."""
    from hydra import compose, initialize_config_dir

    from qml_entanglement.config import build
    from qml_entanglement.training.experiment import _compiled_path
    from qml_entanglement.training.resources import estimate_bytes

    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        cfg = compose(config_name="train", overrides=overrides)
    dataset, model = build(cfg.dataset), build(cfg.model)
    samples = len(dataset.y_train) + len(dataset.y_test)
    need = estimate_bytes(cfg.model.num_qubits, samples, **_compiled_path(cfg, model, dataset))
    return need / GIB


def _run_record(store: Path) -> dict:
    from mlflow.tracking import MlflowClient

    client = MlflowClient(f"sqlite:///{store}")
    run = client.search_runs([client.get_experiment_by_name("qml-entanglement").experiment_id])[0]
    seconds = sorted(m.value for m in client.get_metric_history(run.info.run_id, "epoch_seconds"))
    later = seconds[1:] or seconds
    return {
        "status": run.info.status,
        "path": run.data.params.get("engine_path", "?"),
        "epoch_s": later[len(later) // 2],
        "final_loss": run.data.metrics.get("loss", float("nan")),
    }


def point(n: int, train: int, epochs: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "mlflow.db"
        command = [
            sys.executable,
            "-c",
            WRAPPER,
            sys.executable,
            str(ROOT / "pipelines" / "train.py"),
        ]
        overrides = _overrides(n, train, epochs, store)
        tic = time.perf_counter()
        proc = subprocess.run(command + overrides, capture_output=True, text=True)
        wall = time.perf_counter() - tic
        if proc.returncode != 0:
            raise RuntimeError(f"n = {n}: exit {proc.returncode}: {proc.stderr[-2000:]}")
        record = _run_record(store)
    peak = int(proc.stdout.strip().splitlines()[-1]) * 1024 / GIB
    return {
        "n": n,
        "train": train,
        "test": math.ceil(train / (1 - TEST_FRACTION)) - train,
        "epochs": epochs,
        "wall_s": wall,
        "peak_gib": peak,
        "estimate_gib": _estimate_gib(overrides),
        "machine_gib": psutil.virtual_memory().total / GIB,
        **record,
    }


def run(quick: bool = False) -> list[dict]:
    return [point(*p) for p in (QUICK_POINTS if quick else FULL_POINTS)]


def format_table(rows: list[dict]) -> str:
    columns = "n train test epochs wall_s s/epoch peak_GiB estimate_GiB machine_GiB path loss"
    lines = ["| " + " | ".join(columns.split()) + " |", "|" + "---|" * 11]
    for r in rows:
        lines.append(
            f"| {r['n']} | {r['train']} | {r['test']} | {r['epochs']} | {r['wall_s']:.0f} | "
            f"{r['epoch_s']:.3g} | {r['peak_gib']:.2f} | {r['estimate_gib']:.2f} | "
            f"{r['machine_gib']:.1f} | {r['path']} | {r['final_loss']:.4f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    rows = run(quick="--quick" in sys.argv)
    print(format_table(rows))
