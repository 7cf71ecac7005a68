"""Benchmark: build a comparison report from 500 runs x 200 epochs x 6 entanglement metrics.

Setup (excluded from the report time) writes the runs into a temporary sqlite store the way
the training pipeline does: tags, flattened params, the ``history.csv`` artifact, and the
per-epoch metrics through ``log_batch``. Writing every epoch of every metric through MLflow
costs minutes, so only a sample of runs gets full metric histories (the rest get their final
values, which is all ``search_runs`` reads); the sample times the alternative to the artifact,
one ``get_metric_history`` request per metric per run, scaled linearly to all runs.

The runs fall into 4 datasets x 2 ansatze x 3 entanglement patterns = 24 configurations of
~21 seeds (the default grouping finds them from the params).

Run standalone (``python benchmarks/bench_compare.py [--quick]``) to print a table, or call
:func:`run` to get the rows as dicts.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path

import numpy as np
from mlflow.tracking import MlflowClient

from qml_entanglement.analysis.histories import load_histories
from qml_entanglement.analysis.selection import select_runs
from qml_entanglement.compare import CompareSettings, build_report
from qml_entanglement.tracking import ensure_store
from qml_entanglement.tracking.synthetic import RunSpec, create_runs, learning_curves

EXPERIMENT = "qml-entanglement"
METRICS = (
    "meyer_wallach",
    "von_neumann_entropy",
    "entangling_power",
    "negativity",
    "purity",
    "concurrence",
)
DATASETS = ("ad_hoc", "moons", "circles", "blobs")
ANSATZE = ("real_amplitudes", "efficient_su2")
PATTERNS = ("linear", "circular", "full")
FULL = {"runs": 500, "epochs": 200, "history_sample": 20}
QUICK = {"runs": 48, "epochs": 50, "history_sample": 8}


def _specs(n_runs: int, n_epochs: int, n_full_history: int, seed: int = 0) -> list[RunSpec]:
    rng = np.random.default_rng(seed)
    groups = [(d, a, p) for d in DATASETS for a in ANSATZE for p in PATTERNS]
    specs = []
    for index in range(n_runs):
        dataset, ansatz, pattern = groups[index % len(groups)]
        run_seed = index // len(groups)
        specs.append(
            RunSpec(
                learning_curves(n_epochs, rng, metrics=METRICS),
                tags={
                    "dataset": dataset,
                    "model": "vqc",
                    "ansatz": ansatz,
                    "feature_map": "zz",
                    "entanglement": pattern,
                    "optimizer": "adam",
                    "loss": "cross_entropy",
                    "seed": str(run_seed),
                    "entanglement_metrics": ",".join(METRICS),
                },
                params={
                    "seed": str(run_seed),
                    "dataset.name": dataset,
                    "model.ansatz.name": ansatz,
                    "model.ansatz.entanglement": pattern,
                    "model.ansatz.reps": "2",
                    "trainer.epochs": str(n_epochs),
                    "optimizer.name": "adam",
                    "optimizer.lr": "0.05",
                },
                metric_steps="all" if index < n_full_history else "last",
            )
        )
    return specs


def _time_history_paths(uri: str, sample: int) -> tuple[float, float]:
    """Seconds per run: reading history.csv vs one get_metric_history call per metric."""
    client = MlflowClient(uri)
    runs, _, _ = select_runs(client, uri, [EXPERIMENT], "")
    runs = [r for r in runs if len(r.metric_keys) > 0][:sample]
    full = [r for r in runs if r.run_id in _full_history_ids(client, runs)]
    start = time.perf_counter()
    load_histories(client, full, "loss")
    artifact = (time.perf_counter() - start) / len(full)
    start = time.perf_counter()
    for run in full:
        for key in run.metric_keys:
            client.get_metric_history(run.run_id, key)
    per_metric = (time.perf_counter() - start) / len(full)
    return artifact, per_metric


def _full_history_ids(client: MlflowClient, runs) -> set[str]:
    return {r.run_id for r in runs if len(client.get_metric_history(r.run_id, "loss")) > 1}


def run(quick: bool = False) -> list[dict]:
    """Time the report build; return rows with benchmark, case, seconds, note."""
    logging.getLogger("mlflow").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    size = QUICK if quick else FULL
    n_runs, n_epochs = size["runs"], size["epochs"]
    case = f"{n_runs} runs x {n_epochs} epochs x {len(METRICS)} metrics"
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_compare_") as tmp:
        uri = f"sqlite:///{tmp}/mlruns/mlflow.db"
        start = time.perf_counter()
        client = ensure_store(uri)
        create_runs(uri, EXPERIMENT, _specs(n_runs, n_epochs, size["history_sample"]), client)
        rows.append(
            {
                "benchmark": "compare",
                "case": f"setup: write {case}",
                "seconds": time.perf_counter() - start,
                "note": f"excluded; full metric histories for {size['history_sample']} runs",
            }
        )

        settings = CompareSettings(tracking={"uri": uri}, output_dir=str(Path(tmp) / "reports"))
        start = time.perf_counter()
        result = build_report(settings)
        seconds = time.perf_counter() - start
        stages = ", ".join(f"{k} {v:.1f}" for k, v in result.timings.items())
        rows.append(
            {
                "benchmark": "compare",
                "case": f"build_report: {case}",
                "seconds": seconds,
                "note": f"{result.n_groups} groups, {result.n_tests} tests; stages (s): {stages}",
            }
        )

        artifact, per_metric = _time_history_paths(uri, size["history_sample"])
        for name, per_run in (
            ("history.csv artifact", artifact),
            ("get_metric_history", per_metric),
        ):
            rows.append(
                {
                    "benchmark": "compare",
                    "case": f"histories via {name}, {n_runs} runs",
                    "seconds": per_run * n_runs,
                    "note": f"{per_run * 1000:.1f} ms/run on a sample, scaled to {n_runs} runs",
                }
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="48 runs x 50 epochs")
    args = parser.parse_args()
    rows = run(quick=args.quick)
    width = max(len(r["case"]) for r in rows)
    print(f"{'case':<{width}}  {'seconds':>8}  note")
    for r in rows:
        print(f"{r['case']:<{width}}  {r['seconds']:8.2f}  {r['note']}")


if __name__ == "__main__":
    main()
