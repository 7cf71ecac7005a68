"""Benchmark: what the atlas (``make atlas``, docs/atlas.md) costs, measured by parts.

The full grid is 3600 trained runs plus 800 controls; running it whole takes the better part
of the 90-minute budget, so this benchmark measures its parts and adds them up:

* **build + train**, in-process and untracked, of one seed of every (qubits, ansatz, reps)
  of the grid (30 runs; topology and data set cycled over them), CPU seconds of this process
  (``time.process_time``: every thread, the kernels' included). Each stands for the 120 runs
  of its cell (3 topologies x 4 data sets x 10 seeds); the controls (shuffled labels, lr = 0:
  entanglement linear, reps 3, 4 data sets x 10 seeds each) cost what reps 3 costs.
* **per-job overhead**: real atlas sweeps of 4 and 12 jobs (4 qubits, 2 joblib workers, a
  temporary sqlite store; Hydra, MLflow, the worker processes): each one's CPU seconds
  (``RUSAGE_CHILDREN``, the whole process tree) minus its configurations' in-process build +
  train; the slope between the two is the cost per job without the sweep's fixed costs.

Rows: ``part, runs, cpu_s`` for each (qubits, ansatz) cell, the overhead, and the totals of
the full grid and the quick subset (4-6 qubits, 3 seeds), each with ``wall_2_cores_min``:
CPU over two cores, the best a 2-core machine can do. ``--quick``: 4 and 6 qubits only.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from itertools import product
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUBITS = (4, 6, 8, 10, 12)
ANSATZE = ("real_amplitudes", "efficient_su2")
REPS = (1, 3, 5)
TOPOLOGIES = ("none", "linear", "full")
DATA = ("ad_hoc", "blobs", "moons", "breast_cancer")
CELL_RUNS = len(TOPOLOGIES) * len(DATA)  # per seed
CONTROL_RUNS = 2 * len(DATA)  # shuffled labels and lr = 0, per seed
SWEEP_JOBS = ("model.ansatz.entanglement=linear,full", "model.ansatz.reps=1,3")


def _overrides(n: int, ansatz: str, reps: int, topology: str, data: str, seed: int = 0):
    return [
        "experiment=atlas",
        f"sweep/atlas/qubits=q{n}",
        f"sweep/atlas/data={data}",
        f"model/ansatz={ansatz}",
        f"model.ansatz.reps={reps}",
        f"model.ansatz.entanglement={topology}",
        f"seed={seed}",
    ]


def build_and_train_cpu(overrides: list[str]) -> float:
    """CPU seconds of building and training one atlas run in this process, untracked."""
    from hydra import compose, initialize_config_dir

    from qml_entanglement.config import validate
    from qml_entanglement.training.experiment import build_experiment
    from qml_entanglement.training.loop import train

    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        cfg = compose(config_name="train", overrides=overrides)
    validate(cfg)
    tic = time.process_time()
    train(build_experiment(cfg))
    return time.process_time() - tic


def _cells(qubits) -> list[dict]:
    rows = []
    for index, (n, ansatz, reps) in enumerate(product(qubits, ANSATZE, REPS)):
        topology, data = TOPOLOGIES[index % 3], DATA[index % 4]
        cpu = build_and_train_cpu(_overrides(n, ansatz, reps, topology, data))
        rows.append({"n": n, "ansatz": ansatz, "reps": reps, "cpu_s": cpu})
    return rows


def _sweep_cpu(seeds: str) -> tuple[float, int]:
    """CPU seconds of a real atlas sweep over ``seeds`` (4 jobs per seed) beyond its runs'
    in-process build + train, and its job count."""
    with tempfile.TemporaryDirectory() as tmp:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        proc = subprocess.run(
            [sys.executable, str(ROOT / "pipelines" / "train.py"), "-m", "sweep=atlas/quick",
             "hydra.launcher.n_jobs=2", f"hydra.sweep.dir={tmp}/sweep",
             f"tracking.uri=sqlite:///{tmp}/mlflow.db", "sweep/atlas/qubits=q4",
             "model/ansatz=real_amplitudes", "sweep/atlas/data=blobs", *SWEEP_JOBS,
             f"seed={seeds}"],
            capture_output=True, text=True, cwd=ROOT,
        )  # fmt: skip
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"atlas sweep: exit {proc.returncode}: {proc.stderr[-2000:]}")
    jobs = list(product(("linear", "full"), (1, 3), map(int, seeds.split(","))))
    inner = sum(
        build_and_train_cpu(_overrides(4, "real_amplitudes", reps, topology, "blobs", seed))
        for topology, reps, seed in jobs
    )
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu - inner, len(jobs)


def sweep_overhead_per_job() -> float:
    """CPU seconds per job that a sweep adds to its runs' build + train: the slope between a
    4-job and a 12-job atlas sweep, so that a sweep's fixed costs (interpreters, workers,
    store, its comparison) drop out."""
    (small, small_jobs), (large, large_jobs) = _sweep_cpu("0"), _sweep_cpu("0,1,2")
    return (large - small) / (large_jobs - small_jobs)


def _total(cells: list[dict], qubits, seeds: int, overhead: float) -> dict:
    chosen = [c for c in cells if c["n"] in qubits]
    trained = sum(c["cpu_s"] for c in chosen) * CELL_RUNS * seeds
    controls = sum(c["cpu_s"] for c in chosen if c["reps"] == 3) * CONTROL_RUNS * seeds
    runs = len(chosen) * CELL_RUNS * seeds + len(chosen) // len(REPS) * CONTROL_RUNS * seeds
    cpu = trained + controls + runs * overhead
    return {"runs": runs, "cpu_s": cpu, "wall_2_cores_min": cpu / 2 / 60}


def run(quick: bool = False) -> list[dict]:
    from qml_entanglement.engine.real_block import THREADS_VARIABLE

    os.environ[THREADS_VARIABLE] = "1"  # as in a sweep job: one engine thread per worker
    qubits = QUBITS[:2] if quick else QUBITS
    cells = _cells(qubits)
    overhead = sweep_overhead_per_job()
    rows = [{"part": f"n={c['n']} {c['ansatz']} reps={c['reps']} (1 run)", "runs": 1,
             "cpu_s": c["cpu_s"]} for c in cells]  # fmt: skip
    rows.append({"part": "per-job overhead (sweep minus in-process)", "runs": 1,
                 "cpu_s": overhead})  # fmt: skip
    rows.append({"part": "quick atlas (4-6 qubits, 3 seeds)", **_total(cells, (4, 6), 3, overhead)})
    if not quick:
        rows.append({"part": "full atlas", **_total(cells, QUBITS, 10, overhead)})
    return rows


def format_table(rows: list[dict]) -> str:
    lines = ["| part | runs | CPU s | 2-core wall min |", "|---|---:|---:|---:|"]
    for r in rows:
        wall = f"{r['wall_2_cores_min']:.1f}" if "wall_2_cores_min" in r else ""
        lines.append(f"| {r['part']} | {r['runs']} | {r['cpu_s']:.2f} | {wall} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(format_table(run(quick="--quick" in sys.argv)))
