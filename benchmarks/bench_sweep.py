"""Benchmark: the default sweep (`make sweep`: the study, 80 runs) on 1 and on 2 workers.

Each case runs the real command line, ``pipelines/train.py -m sweep=study`` with the joblib
launcher, into its own temporary sqlite store, created beforehand as ``make store`` does (so
both cases start from the same state and neither skips runs). Then the comparison stage runs on
the 2-worker sweep, as ``make sweep`` does.

Rows:

* ``wall``: the sweep's wall time per number of workers, the comparison's, and the speed-up of
  2 workers over 1;
* ``once``: the fixed costs, from the jobs' own records (``<sweep dir>/*/outcome.json``):
  set-up from the command's start to the first job (Python, Hydra, MLflow, the store and parent
  run, Hydra's composing every job's config to validate it, the workers' start and imports,
  which overlap the rest), each worker's first-job warm-up (its first circuits, MLflow
  connection and figure), and the wind-down after the last job; plus what one fresh process
  pays for the imports, measured alone;
* ``private APIs``: the 2-worker sweep again on public APIs only (Hydra's own basic sweeper,
  no pre-warmed workers, no prompt end of idle workers): what the private APIs of
  ``sweeps/library_internals.py`` buy, in seconds and as a share of the sweep;
* ``per run``: a warm worker's job: build (data, circuits, tags), training, tracking (run
  creation, params, metric batches, run status), plots and artifacts, the rest of the job, and
  the launcher's time between jobs (Hydra composing the job's config in the worker, joblib).

Run standalone (``python benchmarks/bench_sweep.py [--quick]``) to print a table, or call
:func:`run` to get the rows as dicts. ``quick`` runs 16 jobs of 20 epochs instead.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUICK = ("seed=range(0,2)", "trainer.epochs=20")


def _row(section: str, case: str, **values) -> dict:
    return {"benchmark": "sweep", "section": section, "case": case, **values}


def _env() -> dict[str, str]:
    return {
        k: v for k, v in os.environ.items() if not k.startswith(("QML_", "MLFLOW_TRACKING_URI"))
    }


def _create_store(uri: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "qml_entanglement.tracking", "--uri", uri],
        cwd=ROOT,
        check=True,
        capture_output=True,
        env=_env(),
    )


PUBLIC_ONLY = (
    "hydra/sweeper=basic",
    "++hydra.callbacks.sweep.prewarm=false",
    "++hydra.callbacks.sweep.release_workers=false",
)


def run_sweep(
    workers: int, tmp: Path, quick: bool, extra: tuple[str, ...] = (), label: str = ""
) -> tuple[float, float, dict]:
    """(wall seconds, wall-clock start, ``sweep.json`` record) of one sweep on ``workers``."""
    uri = f"sqlite:///{tmp / f'store-{workers}{label}' / 'mlflow.db'}"
    _create_store(uri)
    sweep_dir = tmp / f"sweep-{workers}{label}"
    command = [
        sys.executable,
        "pipelines/train.py",
        "-m",
        "sweep=study",
        "hydra/launcher=joblib",
        f"hydra.launcher.n_jobs={workers}",
        f"hydra.sweep.dir={sweep_dir}",
        f"tracking.uri={uri}",
        *(QUICK if quick else ()),
        *extra,
    ]
    started = time.time()
    tic = time.perf_counter()
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=_env())
    wall = time.perf_counter() - tic
    if proc.returncode != 0:
        raise RuntimeError(f"sweep on {workers} workers failed:\n{proc.stdout}\n{proc.stderr}")
    return wall, started, json.loads((sweep_dir / "sweep.json").read_text())


def import_seconds() -> float:
    """What one fresh worker process pays before its first job: Python, Hydra's job machinery
    and the training stack, alone on the machine."""
    code = "import hydra.core.utils, qml_entanglement.sweeps.job, qml_entanglement.training.run"
    tic = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, env=_env())
    return time.perf_counter() - tic


def run_compare(tmp: Path) -> float | None:
    """Wall seconds of the comparison stage on the 2-worker sweep, None if there is none."""
    if not (ROOT / "pipelines" / "compare.py").exists():
        return None
    command = [
        sys.executable,
        "-m",
        "qml_entanglement.sweeps.comparison",
        str(tmp / "sweep-2"),
        f"output_dir={tmp / 'reports'}",
    ]
    tic = time.perf_counter()
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=_env())
    wall = time.perf_counter() - tic
    if proc.returncode != 0:
        raise RuntimeError(f"comparison failed:\n{proc.stdout}\n{proc.stderr}")
    return wall


def breakdown(record: dict, wall: float, started: float, workers: int) -> list[dict]:
    """Where the time of one sweep went, from its jobs' own records."""
    jobs = record["jobs"]
    first = [j for j in jobs if j["first_in_process"]]
    later = [j for j in jobs if not j["first_in_process"]] or jobs
    case = f"{workers} worker{'s' if workers > 1 else ''}"
    first_start = min(j["started"] for j in jobs)
    last_end = max(j["started"] + j["seconds"] for j in jobs)
    warmup = statistics.mean(j["seconds"] for j in first) - statistics.median(
        j["seconds"] for j in later
    )
    rows = [
        _row(
            "once", case, part="set-up: command start to first job", seconds=first_start - started
        ),
        _row("once", case, part="first-job warm-up, per worker", seconds=warmup),
        _row("once", case, part="wind-down: last job to exit", seconds=started + wall - last_end),
    ]
    parts = {
        "build": "build (data, circuits, tags)",
        "train": "training",
        "tracking": "tracking (MLflow writes)",
        "artifacts": "plots + artifacts",
    }
    accounted = 0.0
    for key, label in parts.items():
        value = statistics.median(j["timings"].get(key, 0.0) for j in later)
        accounted += value
        rows.append(_row("per run", case, part=label, seconds=value))
    job_total = statistics.median(j["seconds"] for j in later)
    rows.append(_row("per run", case, part="other, inside the job", seconds=job_total - accounted))
    busy = sum(j["seconds"] for j in jobs)
    between = (last_end - first_start) * workers - busy
    rows.append(_row("per run", case, part="launcher, between jobs", seconds=between / len(jobs)))
    rows.append(_row("per run", case, part="one job (median, warm worker)", seconds=job_total))
    return rows


def run(quick: bool = False) -> list[dict]:
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as name:
        tmp = Path(name)
        imports = import_seconds()
        walls, starts, records = {}, {}, {}
        for workers in (1, 2):
            walls[workers], starts[workers], records[workers] = run_sweep(workers, tmp, quick)
        compare = run_compare(tmp)
        public, _, _ = run_sweep(2, tmp, quick, PUBLIC_ONLY, "-public")
    n_runs = len(records[2]["jobs"])
    rows = [
        _row("wall", f"sweep, {w} worker{'s' if w > 1 else ''}", runs=n_runs, seconds=walls[w])
        for w in (1, 2)
    ]
    if compare is not None:
        rows.append(_row("wall", "comparison report (2-worker sweep)", seconds=compare))
        rows.append(
            _row("wall", "sweep (2 workers) + comparison", runs=n_runs, seconds=walls[2] + compare)
        )
    rows.append(_row("wall", "speed-up, 2 workers over 1", ratio=walls[1] / walls[2]))
    rows.append(_row("wall", "1-minute load average before it", load=load))
    rows.append(_row("private APIs", "2 workers, public APIs only", runs=n_runs, seconds=public))
    rows.append(
        _row(
            "private APIs",
            "gain of the private APIs",
            seconds=public - walls[2],
            share=(public - walls[2]) / public,
        )
    )
    rows.append(
        _row("once", "fresh process", part="worker imports, measured alone", seconds=imports)
    )
    for workers in (1, 2):
        rows.extend(breakdown(records[workers], walls[workers], starts[workers], workers))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="16 jobs of 20 epochs")
    args = parser.parse_args()
    for row in run(quick=args.quick):
        if row.get("seconds") is not None:
            value = f"{row['seconds']:8.2f} s"
            if "share" in row:
                value += f" ({100 * row['share']:.1f}% of the sweep)"
        elif "ratio" in row:
            value = f"{row['ratio']:8.2f} x"
        else:
            value = f"{row['load']:8.2f}"
        runs = f" ({row['runs']} runs)" if "runs" in row else ""
        print(f"{row['section']:8} {row['case'] + runs:36} {row.get('part', ''):40} {value}")


if __name__ == "__main__":
    main()
