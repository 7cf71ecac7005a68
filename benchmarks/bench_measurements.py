"""Benchmark: the opt-in measurements of issue 16 and the always-on Haar fractions.

Rows:

* ``randomized``: the randomized-measurement estimator per epoch (Meyer-Wallach and half-cut
  Renyi-2 with standard errors) on 500 Haar-random states at n = 2, 4, 8 with 50 unitaries x
  100 shots each, next to the exact summary of the same states;
* ``scrambling``: the tripartite information of one n-qubit unitary (the trained block) and of
  the model averaged over 4 probe points, at n = 4 and 6;
* ``fractions``: what the always-on half-cut entropy (on ``metrics.half_cut_samples`` = 100
  states) and Page / Haar fractions add to an epoch of workload L (8 qubits, 500 samples; loss
  + adjoint gradient + summary), as a share of it; also the share were the half cut computed
  on all 500 states.

Run standalone (``python benchmarks/bench_measurements.py [--quick]``) or through
``benchmarks/run.py``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SEED = 0
HALF_CUT_SAMPLES = 100


def _best(func, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        tic = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - tic)
    return best


def _haar_states(rng: np.random.Generator, count: int, n: int) -> np.ndarray:
    z = rng.normal(size=(count, 2**n)) + 1j * rng.normal(size=(count, 2**n))
    return z / np.linalg.norm(z, axis=1, keepdims=True)


def _randomized_rows(sizes, samples: int, repeats: int) -> list[dict]:
    from qml_entanglement.metrics.randomized_estimates import RandomizedEstimates
    from qml_entanglement.metrics.summary import entanglement_summary

    rows = []
    rng = np.random.default_rng(SEED)
    for n in sizes:
        states = _haar_states(rng, samples, n)
        estimator = RandomizedEstimates(n, unitaries=50, shots=100, seed=SEED)
        got = estimator(states)
        exact = entanglement_summary(states)
        rows.append(
            {
                "bench": "randomized",
                "n": n,
                "samples": samples,
                "estimator_s": _best(lambda e=estimator, s=states: e(s), repeats),
                "exact_summary_s": _best(lambda s=states: entanglement_summary(s), repeats),
                "mw_estimate": got["meyer_wallach_estimate"],
                "mw_se": got["meyer_wallach_estimate_se"],
                "mw_exact": exact["meyer_wallach"],
            }
        )
    return rows


def _scrambling_rows(sizes, repeats: int) -> list[dict]:
    from scipy.stats import unitary_group

    from qml_entanglement.metrics import tripartite_information

    rows = []
    for n in sizes:
        block = unitary_group.rvs(2**n, random_state=SEED)
        encodings = unitary_group.rvs(2**n, size=4, random_state=SEED + 1)
        half = list(range(n // 2))
        rows.append(
            {
                "bench": "scrambling",
                "n": n,
                "block_s": _best(lambda b=block, h=half: tripartite_information(b, h, h), repeats),
                "model_4_points_s": _best(
                    lambda b=block, e=encodings, h=half: tripartite_information(b @ e, h, h),
                    repeats,
                ),
                "i3_bits": float(tripartite_information(block, half, half)),
            }
        )
    return rows


def _fraction_row(samples: int, repeats: int) -> dict:
    sys.path.insert(0, str(HERE))
    from bench_engine import workload_l

    from qml_entanglement.engine import StatevectorSimulator
    from qml_entanglement.metrics.summary import entanglement_summary
    from qml_entanglement.models.readout import parity_readout
    from qml_entanglement.training.classifier import QuantumClassifier
    from qml_entanglement.training.losses import CrossEntropy

    work = workload_l(samples)
    feature_map, ansatz = work.circuits()
    simulator = StatevectorSimulator(feature_map, ansatz)
    classifier = QuantumClassifier(simulator, parity_readout(work.num_qubits), CrossEntropy())
    encoded = simulator.encode(work.x)
    theta = np.random.default_rng(SEED).uniform(-np.pi, np.pi, ansatz.num_parameters)
    states = classifier.evaluate(theta, encoded, work.y, with_grad=False).states

    def epoch():
        ev = classifier.evaluate(theta, encoded, work.y, with_grad=True)
        entanglement_summary(ev.states, half_cut=False)

    subset = np.arange(HALF_CUT_SAMPLES)  # metrics.half_cut_samples's default

    def without():
        entanglement_summary(states, half_cut=False)

    def with_default():
        entanglement_summary(states, half_cut_subset=subset)

    def with_all_states():
        entanglement_summary(states)

    with simulator.session():
        epoch_s = _best(epoch, repeats)
        base_s = _best(without, repeats)
        extra_s = max(_best(with_default, repeats) - base_s, 0.0)
        extra_all_s = max(_best(with_all_states, repeats) - base_s, 0.0)
    return {
        "bench": "fractions",
        "n": work.num_qubits,
        "samples": samples,
        "epoch_s": epoch_s,
        "half_cut_and_fractions_s": extra_s,
        "share_of_epoch": extra_s / epoch_s,
        "share_half_cut_on_all_states": extra_all_s / epoch_s,
    }


def run(quick: bool = False) -> list[dict]:
    repeats = 2 if quick else 5
    samples = 100 if quick else 500
    rows = _randomized_rows((2, 4) if quick else (2, 4, 8), samples, repeats)
    rows += _scrambling_rows((4,) if quick else (4, 6), repeats)
    rows.append(_fraction_row(samples, repeats))
    return rows


def format_table(rows: list[dict]) -> str:
    lines = []
    for row in rows:
        shown = ", ".join(
            f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
            for k, v in row.items()
            if k != "bench"
        )
        lines.append(f"{row['bench']:<11} {shown}")
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    print(format_table(run(parser.parse_args().quick)))
