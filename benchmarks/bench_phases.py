"""Benchmark: EfficientSU2 on the compiled path with phases against the NumPy engine.

The atlas's largest runs (issue 24; ``conf/experiment/atlas.yaml``): ZZ feature map (reps 1)
+ the ansatz (reps 5, full entanglement) on 12 qubits, 32 training samples, parity readout,
cross-entropy, 40 epochs of forward + exact adjoint gradient + a gradient step (the engine's
work in an atlas run; no metrics, no tracking). Timed in CPU-seconds of this process, every
thread included (``os.times``), build (compile + encode) apart from training. Rows:
EfficientSU2 on ``simulator.mode=auto`` (the compiled ``real-block+phases (numba)`` path) and
``gate`` (the NumPy engine, which ``auto`` used before the phases), RealAmplitudes on
``auto`` (``real-block (numba)``); the final losses agree to rounding. Each configuration runs
in a fresh process, interleaved over repeats; medians.

Run standalone (``python benchmarks/bench_phases.py [--quick]``) or call :func:`run`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

CHILD = """
import json, os, sys
import numpy as np
from qml_entanglement.engine import StatevectorSimulator
from qml_entanglement.models import build_ansatz, build_feature_map
from qml_entanglement.models.readout import parity_readout
from qml_entanglement.training.classifier import QuantumClassifier
from qml_entanglement.training.losses import CrossEntropy

ansatz_name, mode, n, epochs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
cpu = lambda: sum(os.times()[:2])
rng = np.random.default_rng(0)
x, y = rng.uniform(0, np.pi, (32, n)), rng.integers(0, 2, 32)
start = cpu()
ansatz = build_ansatz(ansatz_name, n, reps=5, entanglement="full")
sim = StatevectorSimulator(build_feature_map("zz", n, reps=1), ansatz, mode=mode)
encoded = sim.encode(x)
clf = QuantumClassifier(sim, parity_readout(n), CrossEntropy())
theta = rng.uniform(-np.pi, np.pi, ansatz.num_parameters)
built = cpu()
for _ in range(epochs):
    result = clf.evaluate(theta, encoded, y, with_grad=True)
    theta = theta - 0.1 * result.grad
print(json.dumps({"path": sim.path, "build_cpu_s": built - start,
                  "train_cpu_s": cpu() - built, "loss": result.loss}))
"""
CASES = (("efficient_su2", "auto"), ("efficient_su2", "gate"), ("real_amplitudes", "auto"))


def _once(ansatz: str, mode: str, n: int, epochs: int) -> dict:
    args = [sys.executable, "-c", CHILD, ansatz, mode, str(n), str(epochs)]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def run(quick: bool = False) -> list[dict]:
    """One row per case: medians over repeats of fresh-process runs, interleaved."""
    n, epochs, repeats = (8, 10, 1) if quick else (12, 40, 3)
    samples: dict[tuple[str, str], list[dict]] = {case: [] for case in CASES}
    for _ in range(repeats):
        for case in CASES:
            samples[case].append(_once(*case, n, epochs))
    rows = []
    for (ansatz, mode), got in samples.items():
        rows.append({
            "ansatz": ansatz, "mode": mode, "path": got[0]["path"], "n": n, "epochs": epochs,
            "train_cpu_s": statistics.median(g["train_cpu_s"] for g in got),
            "build_cpu_s": statistics.median(g["build_cpu_s"] for g in got),
            "loss": got[0]["loss"],
        })  # fmt: skip
    return rows


def format_table(rows: list[dict]) -> str:
    lines = ["| ansatz | mode | path | n | train CPU-s | build CPU-s | loss |", "|---" * 7 + "|"]
    for r in rows:
        lines.append(
            f"| {r['ansatz']} | {r['mode']} | {r['path']} | {r['n']} | {r['train_cpu_s']:.2f} "
            f"| {r['build_cpu_s']:.2f} | {r['loss']:.6f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    print(format_table(run(parser.parse_args().quick)))
